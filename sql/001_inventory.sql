-- 001_inventory: CA keys, CA certificates, leaves and the audit log.
-- Serials are stored as the exact DER INTEGER content octets (bytea), so
-- leading zeros, 20-octet and negative serials survive a round trip (E1).
-- Times are timestamptz (UTC on output).

CREATE TABLE ca_key (
    id            bigserial PRIMARY KEY,
    name          text UNIQUE,                 -- the operator's CA name (config cas[].name)
    spki_sha256   bytea NOT NULL UNIQUE,       -- identity of the key
    spki          bytea NOT NULL,
    subject_der   bytea NOT NULL,              -- subject of the first certificate seen
    ski           bytea,
    key_sha1      bytea NOT NULL,              -- SHA-1 of the subjectPublicKey BIT STRING value (OCSP CertID)
    key_sha256    bytea NOT NULL,
    name_sha1     bytea NOT NULL,              -- SHA-1 of subject_der (OCSP CertID)
    name_sha256   bytea NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (name IS NULL OR name ~ '^[A-Za-z0-9._-]+$')
);

CREATE TABLE ca_cert (
    id                bigserial PRIMARY KEY,
    key_id            bigint NOT NULL REFERENCES ca_key(id),      -- the certified (subject) key
    issuer_key_id     bigint REFERENCES ca_key(id),               -- the key that signed it; NULL until known
    sha256            bytea NOT NULL UNIQUE,
    serial            bytea NOT NULL,
    subject_der       bytea NOT NULL,
    issuer_der        bytea NOT NULL,
    aki               bytea,
    name_sha1         bytea NOT NULL,   -- hashes of this certificate's own subject encoding (E3)
    name_sha256       bytea NOT NULL,
    not_before        timestamptz NOT NULL,
    not_after         timestamptz NOT NULL,
    self_signed       boolean NOT NULL,
    ocsp_signing_eku  boolean NOT NULL DEFAULT false,            -- E16: flagged in reports
    der               bytea NOT NULL,
    revoked_at        timestamptz,
    revocation_reason smallint,
    added_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (revocation_reason IS NULL OR revocation_reason BETWEEN 0 AND 10)
);
CREATE INDEX ca_cert_key_idx ON ca_cert(key_id);
CREATE INDEX ca_cert_issuer_idx ON ca_cert(issuer_key_id);

CREATE TABLE leaf (
    id                bigserial PRIMARY KEY,
    issuer_key_id     bigint NOT NULL REFERENCES ca_key(id),
    serial            bytea NOT NULL,
    not_before        timestamptz,            -- NULL when only an index.txt line is known
    not_after         timestamptz NOT NULL,
    sha256            bytea,                  -- fingerprint of the stored DER
    der               bytea,
    is_precert        boolean NOT NULL DEFAULT false,  -- DER is a CT precertificate (no final seen yet)
    sct_time          timestamptz,            -- earliest embedded SCT timestamp (issuance evidence, C14)
    cdp               text,                   -- first CRL distribution point URI
    revoked_at        timestamptz,
    revocation_reason smallint,               -- RFC 5280 CRLReason; NULL = no reasonCode
    invalidity_date   timestamptz,
    source            text NOT NULL,          -- where it came from: "pem:FILE", "index:FILE", ...
    first_seen        timestamptz NOT NULL DEFAULT now(),
    CHECK (revocation_reason IS NULL OR revocation_reason BETWEEN 0 AND 10),
    CONSTRAINT leaf_issuer_serial_key UNIQUE (issuer_key_id, serial)
);
-- Live leaves per issuer by expiry: index-only scans answer "live count and
-- last expiry at T" for one CA (revoked_at is INCLUDEd for the --at filter).
CREATE INDEX leaf_live_idx ON leaf(issuer_key_id, not_after) INCLUDE (revoked_at);
-- Revoked leaves per issuer (CRL generation).
CREATE INDEX leaf_revoked_idx ON leaf(issuer_key_id, revoked_at) WHERE revoked_at IS NOT NULL;

-- Append-only audit log: who (OS user), what, when, with which arguments.
CREATE TABLE audit (
    id         bigserial PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor      text NOT NULL,
    action     text NOT NULL,
    args       jsonb NOT NULL DEFAULT '{}'::jsonb,
    result     jsonb NOT NULL DEFAULT '{}'::jsonb
);

CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit is append-only (% refused)', TG_OP;
END $$;
CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE OR TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
