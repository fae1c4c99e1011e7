-- 003_ocsp: pre-signed OCSP responses, stamped with a monotonic change
-- sequence so responders (also on read-only replicas, where NOTIFY does
-- not arrive) catch up by "changes since N".

CREATE SEQUENCE ocsp_change_seq;

CREATE TABLE ocsp_response (
    issuer_key_id     bigint NOT NULL REFERENCES ca_key(id),
    serial            bytea NOT NULL,
    hash_alg          smallint NOT NULL CHECK (hash_alg IN (0, 1)),  -- CertID hash: 0 SHA-1, 1 SHA-256 (B15)
    status            smallint NOT NULL CHECK (status IN (0, 1, 2)), -- good, revoked, unknown
    revoked_at        timestamptz,
    revocation_reason smallint,
    this_update       timestamptz NOT NULL,
    next_update       timestamptz NOT NULL,
    der               bytea NOT NULL,
    change_seq        bigint NOT NULL DEFAULT nextval('ocsp_change_seq'),
    PRIMARY KEY (issuer_key_id, serial, hash_alg)
);
CREATE INDEX ocsp_response_change_idx ON ocsp_response(change_seq);
CREATE INDEX ocsp_response_refresh_idx ON ocsp_response(issuer_key_id, this_update);

-- Responses dropped after the certificate expired (B22): responders must
-- drop them too, so the removal is a change like any other.
CREATE TABLE ocsp_tombstone (
    issuer_key_id bigint NOT NULL,
    serial        bytea NOT NULL,
    change_seq    bigint NOT NULL DEFAULT nextval('ocsp_change_seq'),
    deleted_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ocsp_tombstone_change_idx ON ocsp_tombstone(change_seq);
