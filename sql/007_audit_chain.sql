-- 007_audit_chain: chain the audit log by hash (D4). Each row carries the
-- SHA-256 of the previous row's hash plus its own content, so editing or
-- deleting a row breaks the chain from there on; `lastleaf audit verify`
-- recomputes it and names the first bad row. Appends are serialised with
-- a transaction-level advisory lock so two writers never fork the chain.

ALTER TABLE audit ADD COLUMN prev_hash bytea;
ALTER TABLE audit ADD COLUMN hash bytea;

CREATE FUNCTION audit_row_hash(prev bytea, id bigint, at timestamptz, actor text, action text,
                               args jsonb, result jsonb) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
    SELECT sha256(coalesce(prev, '\x'::bytea) || convert_to(
        id::text || E'\n' || to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || E'\n' ||
        actor || E'\n' || action || E'\n' || args::text || E'\n' || result::text, 'UTF8'))
$$;

-- backfill the rows written before this migration, in order
DO $$
DECLARE r record; prev bytea := NULL;
BEGIN
    ALTER TABLE audit DISABLE TRIGGER audit_no_update;
    FOR r IN SELECT * FROM audit ORDER BY id LOOP
        UPDATE audit SET prev_hash = prev,
            hash = audit_row_hash(prev, r.id, r.at, r.actor, r.action, r.args, r.result)
        WHERE id = r.id RETURNING hash INTO prev;
    END LOOP;
    ALTER TABLE audit ENABLE TRIGGER audit_no_update;
END $$;

CREATE FUNCTION audit_chain() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(1819017222);
    -- the id is taken under the lock, so id order is chain order
    NEW.id := nextval(pg_get_serial_sequence('audit', 'id'));
    SELECT hash INTO NEW.prev_hash FROM audit ORDER BY id DESC LIMIT 1;
    NEW.hash := audit_row_hash(NEW.prev_hash, NEW.id, NEW.at, NEW.actor, NEW.action, NEW.args, NEW.result);
    RETURN NEW;
END $$;
CREATE TRIGGER audit_chain BEFORE INSERT ON audit FOR EACH ROW EXECUTE FUNCTION audit_chain();
