-- 006_retire_notice: notifications sent for retirement plans, so each lead
-- time (30, 7 and 1 days before due_at), execution, violation and failure
-- is announced once, whichever process notices it first.
CREATE TABLE retire_notice (
    plan_id  bigint NOT NULL REFERENCES retire_plan(id),
    kind     text NOT NULL,
    sent_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (plan_id, kind)
);
