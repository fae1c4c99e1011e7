-- 002_crl: CRL numbering, the CRLs lastleaf signed, and partition
-- membership. Numbers are allocated per (issuer key, partition) in the
-- same transaction that records the CRL (A17, E22).

-- Partition of each leaf, fixed at first assignment (E10): from its CRL
-- distribution point when that names a configured partition, otherwise a
-- stable function of the serial. NULL = not yet assigned.
ALTER TABLE leaf ADD COLUMN crl_partition integer;
-- Set once the leaf has appeared on a CRL whose thisUpdate is after its
-- notAfter; later CRLs leave it out (A26, E12).
ALTER TABLE leaf ADD COLUMN crl_done boolean NOT NULL DEFAULT false;
-- Same rule for CA certificates on their parent's CRL.
ALTER TABLE ca_cert ADD COLUMN crl_done boolean NOT NULL DEFAULT false;

-- The last number handed out per scope. partition -1 = the full CRL,
-- -2 = the CA partition (onlyContainsCACerts) of a partitioned CA.
CREATE TABLE crl_counter (
    issuer_key_id bigint NOT NULL REFERENCES ca_key(id),
    partition     integer NOT NULL,
    last_number   numeric(49, 0) NOT NULL,
    PRIMARY KEY (issuer_key_id, partition)
);

CREATE TABLE crl (
    id            bigserial PRIMARY KEY,
    issuer_key_id bigint NOT NULL REFERENCES ca_key(id),
    partition     integer NOT NULL,
    number        numeric(49, 0) NOT NULL,
    profile       text NOT NULL CHECK (profile IN ('subscriber', 'ca')),
    this_update   timestamptz NOT NULL,
    next_update   timestamptz NOT NULL,
    entries       integer NOT NULL,
    sha256        bytea NOT NULL,
    der           bytea NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    published_at  timestamptz,
    UNIQUE (issuer_key_id, partition, number)
);
CREATE INDEX crl_scope_idx ON crl(issuer_key_id, partition, number DESC);
CREATE INDEX leaf_revoked_partition_idx ON leaf(issuer_key_id, crl_partition)
    WHERE revoked_at IS NOT NULL AND NOT crl_done;
