-- 004_report_aggregates: the report for one CA must stay fast at millions
-- of leaves per CA. Scanning every unexpired leaf of a key costs ~2 us a
-- row (~400 ms at 200k), so keep a per-key count of leaves by notAfter
-- month, maintained by statement-level triggers, and compute "live at T"
-- as: the exact count inside T's month (a short index range scan), plus
-- the later months' counts, minus the leaves revoked by T (few; a partial
-- index covers them).

CREATE TABLE leaf_month (
    issuer_key_id bigint NOT NULL,
    month         timestamptz NOT NULL,   -- first instant of the UTC month of notAfter
    leaves        bigint NOT NULL,
    PRIMARY KEY (issuer_key_id, month)
);

INSERT INTO leaf_month (issuer_key_id, month, leaves)
SELECT issuer_key_id, date_trunc('month', not_after, 'UTC'), count(*)
FROM leaf GROUP BY 1, 2;

CREATE FUNCTION leaf_month_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO leaf_month (issuer_key_id, month, leaves)
    SELECT issuer_key_id, date_trunc('month', not_after, 'UTC'), count(*)
    FROM new_rows GROUP BY 1, 2
    ORDER BY 1, 2
    ON CONFLICT (issuer_key_id, month) DO UPDATE SET leaves = leaf_month.leaves + EXCLUDED.leaves;
    RETURN NULL;
END $$;

CREATE FUNCTION leaf_month_sub() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE leaf_month m SET leaves = m.leaves - d.n
    FROM (SELECT issuer_key_id, date_trunc('month', not_after, 'UTC') AS month, count(*) AS n
          FROM old_rows GROUP BY 1, 2) d
    WHERE m.issuer_key_id = d.issuer_key_id AND m.month = d.month;
    RETURN NULL;
END $$;

-- notAfter and the issuing key never change for a stored leaf (a
-- different notAfter is an import conflict); enforcing that keeps the
-- counts right without an UPDATE trigger on every revocation.
CREATE FUNCTION leaf_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.not_after <> OLD.not_after OR NEW.issuer_key_id <> OLD.issuer_key_id THEN
        RAISE EXCEPTION 'leaf %: notAfter and issuing key cannot change', OLD.id;
    END IF;
    RETURN NEW;
END $$;

CREATE FUNCTION leaf_month_clear() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM leaf_month;
    RETURN NULL;
END $$;

CREATE TRIGGER leaf_month_ins AFTER INSERT ON leaf
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION leaf_month_add();
CREATE TRIGGER leaf_month_del AFTER DELETE ON leaf
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION leaf_month_sub();
CREATE TRIGGER leaf_month_trunc AFTER TRUNCATE ON leaf
    FOR EACH STATEMENT EXECUTE FUNCTION leaf_month_clear();
CREATE TRIGGER leaf_immutable BEFORE UPDATE OF not_after, issuer_key_id ON leaf
    FOR EACH ROW EXECUTE FUNCTION leaf_immutable();

-- revoked leaves per key by revocation time, with notAfter for the
-- "revoked by T, not yet expired" adjustment (index-only)
DROP INDEX leaf_revoked_idx;
CREATE INDEX leaf_revoked_idx ON leaf(issuer_key_id, revoked_at) INCLUDE (not_after)
    WHERE revoked_at IS NOT NULL;
