-- Every trend's trajectory. The database records it, so writes from any client count: the
-- platform's Python services update trends with plain SQL.

-- One row per change of rank, score, velocity, state or item count, at the moment of the change
-- (clock_timestamp(): a transaction that started earlier but changed the row later is recorded
-- later). Two changes at the same microsecond share a row: the last values, the highest score.
-- Downsampled rows stand for a whole hour or day: its last values and its highest score.
--
-- No foreign key to trends: the platform truncates and reloads trends, and a referencing key
-- would make `TRUNCATE trends` fail. Triggers keep the history in step instead (delete, truncate,
-- id change).
CREATE TABLE trend_snapshots (
    trend_id UUID NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    rank INTEGER NOT NULL,
    score DOUBLE PRECISION NOT NULL,
    max_score DOUBLE PRECISION NOT NULL,
    velocity DOUBLE PRECISION NOT NULL,
    state trend_state NOT NULL,
    item_count INTEGER NOT NULL,
    PRIMARY KEY (trend_id, recorded_at)
);

-- SECURITY DEFINER: the roles that write trends keep writing after this migration, even where
-- their grants were given once, table by table (the platform's init script does so), and so do not
-- reach this new table. The functions touch only the history of the rows being changed.
CREATE FUNCTION record_trend_snapshot() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF OLD.id IS DISTINCT FROM NEW.id THEN
            UPDATE trend_snapshots SET trend_id = NEW.id WHERE trend_id = OLD.id;
        END IF;
        IF (OLD.rank, OLD.score, OLD.velocity, OLD.state, OLD.item_count)
           IS NOT DISTINCT FROM (NEW.rank, NEW.score, NEW.velocity, NEW.state, NEW.item_count) THEN
            RETURN NULL;
        END IF;
    END IF;
    INSERT INTO trend_snapshots AS s
        (trend_id, recorded_at, rank, score, max_score, velocity, state, item_count)
    VALUES (NEW.id, clock_timestamp(), NEW.rank, NEW.score, NEW.score, NEW.velocity, NEW.state,
            NEW.item_count)
    ON CONFLICT (trend_id, recorded_at) DO UPDATE SET
        rank = EXCLUDED.rank,
        score = EXCLUDED.score,
        max_score = greatest(s.max_score, EXCLUDED.score),
        velocity = EXCLUDED.velocity,
        state = EXCLUDED.state,
        item_count = EXCLUDED.item_count;
    RETURN NULL;
END;
$$;

CREATE FUNCTION forget_trend_history() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        TRUNCATE trend_snapshots;
    ELSE
        DELETE FROM trend_snapshots WHERE trend_id = OLD.id;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER trigger_trends_snapshot_insert
    AFTER INSERT ON trends
    FOR EACH ROW EXECUTE FUNCTION record_trend_snapshot();

-- An update that changes none of the five fields (nor the id) records nothing, and does not even
-- call the function.
CREATE TRIGGER trigger_trends_snapshot_update
    AFTER UPDATE ON trends
    FOR EACH ROW
    WHEN (OLD.rank IS DISTINCT FROM NEW.rank
       OR OLD.score IS DISTINCT FROM NEW.score
       OR OLD.velocity IS DISTINCT FROM NEW.velocity
       OR OLD.state IS DISTINCT FROM NEW.state
       OR OLD.item_count IS DISTINCT FROM NEW.item_count
       OR OLD.id IS DISTINCT FROM NEW.id)
    EXECUTE FUNCTION record_trend_snapshot();

CREATE TRIGGER trigger_trends_history_delete
    AFTER DELETE ON trends
    FOR EACH ROW EXECUTE FUNCTION forget_trend_history();

CREATE TRIGGER trigger_trends_history_truncate
    AFTER TRUNCATE ON trends
    FOR EACH STATEMENT EXECUTE FUNCTION forget_trend_history();

-- Trends that exist already start their history at their last update.
INSERT INTO trend_snapshots (trend_id, recorded_at, rank, score, max_score, velocity, state, item_count)
SELECT id, last_updated, rank, score, score, velocity, state, item_count FROM trends;

-- Whoever may read or change trends may do the same with their history.
DO $$
DECLARE g record;
BEGIN
    FOR g IN
        SELECT DISTINCT a.privilege_type,
               CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END AS role
        FROM pg_class c, aclexplode(c.relacl) a
        WHERE c.oid = 'trends'::regclass AND a.grantee <> c.relowner
          AND a.privilege_type IN ('SELECT', 'INSERT', 'UPDATE', 'DELETE')
    LOOP
        EXECUTE format('GRANT %s ON trend_snapshots TO %s', g.privilege_type, g.role);
    END LOOP;
END;
$$;
