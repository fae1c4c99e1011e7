-- 005_retire: retirement plans for CA certificates, and the freeze
-- violations found against them. A plan is computed (due_at), enforced
-- (violations), executed exactly once (revocation plus the follow-up
-- steps), and every transition is an audit row.

CREATE TABLE retire_plan (
    id                    bigserial PRIMARY KEY,
    ca_cert_id            bigint NOT NULL REFERENCES ca_cert(id),
    state                 text NOT NULL CHECK (state IN ('planned', 'due', 'executed', 'cancelled')),
    reason                smallint NOT NULL,
    policy                text NOT NULL CHECK (policy IN ('key', 'window')),
    provided_from         timestamptz,
    provided_until        timestamptz,
    freeze_at             timestamptz NOT NULL,
    grace_seconds         bigint NOT NULL CHECK (grace_seconds >= 0),
    rationale             text,
    created_at            timestamptz NOT NULL DEFAULT now(),
    created_by            text NOT NULL,
    -- computed, refreshed whenever the dependents change
    due_at                timestamptz NOT NULL,
    policy_due_at         timestamptz NOT NULL,
    live_dependents       bigint NOT NULL DEFAULT 0,
    violations            bigint NOT NULL DEFAULT 0,
    last_dependent_serial bytea,
    last_dependent_not_after timestamptz,
    computed_at           timestamptz NOT NULL DEFAULT now(),
    -- execution
    executed_at           timestamptz,
    revoked_at            timestamptz,
    steps_pending         text[] NOT NULL DEFAULT '{}',
    parent_crl_number     numeric(49, 0),
    parent_crl_at         timestamptz,
    parent_ocsp_at        timestamptz,
    final_crl_number      numeric(49, 0),
    cancelled_at          timestamptz
);
-- one live plan per certificate; a cancelled one may be replaced
CREATE UNIQUE INDEX retire_plan_cert_idx ON retire_plan(ca_cert_id) WHERE state <> 'cancelled';
CREATE INDEX retire_plan_state_idx ON retire_plan(state, due_at);

CREATE TABLE retire_violation (
    plan_id     bigint NOT NULL REFERENCES retire_plan(id),
    leaf_id     bigint NOT NULL REFERENCES leaf(id),
    issued_at   timestamptz NOT NULL,   -- the latest issuance evidence (notBefore, SCT time)
    not_after   timestamptz NOT NULL,
    detected_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (plan_id, leaf_id)
);
