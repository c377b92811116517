-- trend-storage: database initialisation, generated from src/sql/migrations by
-- `npm run gen:init-db`. Do not edit: change a migration and regenerate.
--
--   psql "$DATABASE_URL" -f scripts/init-db.sql
--   psql "$DATABASE_URL" -v app_user=trend_user -v app_password=secret -f scripts/init-db.sql
--
-- The second form also creates the application role (if missing) and grants it DML on the
-- tables, SELECT on the views and EXECUTE on the functions: nothing else.

\set ON_ERROR_STOP on
BEGIN;

CREATE TABLE IF NOT EXISTS trend_storage_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);

-- ===== 0001_platform_schema =====
-- The platform's schema, exactly as shared/spec/platform-schema.md describes it.
-- Other services read and write these objects: never rename, retype or drop here.
-- gen_random_uuid() is built in since PostgreSQL 13, so no extension is needed.

CREATE TYPE trend_state AS ENUM ('emerging', 'viral', 'sustained', 'declining', 'dead');
CREATE TYPE source_type AS ENUM (
  'reddit', 'hackernews', 'twitter', 'youtube', 'google_news', 'bbc',
  'reuters', 'ap_news', 'al_jazeera', 'guardian', 'rss', 'custom'
);
CREATE TYPE category_type AS ENUM (
  'Technology', 'Politics', 'Entertainment', 'Sports', 'Science', 'Business',
  'Health', 'World News', 'Environment', 'Education', 'Other'
);
CREATE TYPE processing_status AS ENUM ('pending', 'in_progress', 'completed', 'failed', 'skipped');

CREATE TABLE topics (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  title varchar(500) NOT NULL,
  summary text NOT NULL,
  category category_type NOT NULL,
  sources source_type[] NOT NULL DEFAULT '{}',
  item_count integer NOT NULL DEFAULT 0 CHECK (item_count >= 0),
  language varchar(10) NOT NULL DEFAULT 'en',
  keywords text[] DEFAULT '{}',
  total_engagement jsonb NOT NULL DEFAULT '{"upvotes": 0, "downvotes": 0, "comments": 0, "shares": 0, "views": 0, "score": 0.0}',
  first_seen timestamptz NOT NULL DEFAULT now(),
  last_updated timestamptz NOT NULL DEFAULT now(),
  metadata jsonb DEFAULT '{}'
);
CREATE INDEX idx_topics_category ON topics (category);
CREATE INDEX idx_topics_language ON topics (language);
CREATE INDEX idx_topics_first_seen ON topics (first_seen DESC);
CREATE INDEX idx_topics_last_updated ON topics (last_updated DESC);
CREATE INDEX idx_topics_keywords ON topics USING gin (keywords);
CREATE INDEX idx_topics_metadata ON topics USING gin (metadata);

CREATE TABLE trends (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  topic_id uuid NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
  rank integer NOT NULL CHECK (rank > 0),
  title varchar(500) NOT NULL,
  summary text NOT NULL,
  key_points text[] DEFAULT '{}',
  category category_type NOT NULL,
  state trend_state NOT NULL DEFAULT 'emerging',
  score double precision NOT NULL CHECK (score >= 0),
  sources source_type[] NOT NULL DEFAULT '{}',
  item_count integer NOT NULL DEFAULT 0,
  velocity double precision NOT NULL DEFAULT 0 CHECK (velocity >= 0),
  language varchar(10) NOT NULL DEFAULT 'en',
  keywords text[] DEFAULT '{}',
  related_trend_ids uuid[] DEFAULT '{}',
  total_engagement jsonb NOT NULL DEFAULT '{"upvotes": 0, "downvotes": 0, "comments": 0, "shares": 0, "views": 0, "score": 0.0}',
  first_seen timestamptz NOT NULL,
  last_updated timestamptz NOT NULL DEFAULT now(),
  peak_engagement_at timestamptz,
  metadata jsonb DEFAULT '{}'
);
CREATE INDEX idx_trends_topic_id ON trends (topic_id);
CREATE INDEX idx_trends_rank ON trends (rank);
CREATE INDEX idx_trends_category ON trends (category);
CREATE INDEX idx_trends_state ON trends (state);
CREATE INDEX idx_trends_score ON trends (score DESC);
CREATE INDEX idx_trends_language ON trends (language);
CREATE INDEX idx_trends_first_seen ON trends (first_seen DESC);
CREATE INDEX idx_trends_last_updated ON trends (last_updated DESC);
CREATE INDEX idx_trends_keywords ON trends USING gin (keywords);
CREATE INDEX idx_trends_metadata ON trends USING gin (metadata);
CREATE INDEX idx_trends_composite_rank_score ON trends (rank, score DESC);

CREATE TABLE processed_items (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  source source_type NOT NULL,
  source_id varchar(255) NOT NULL,
  url text NOT NULL,
  title text NOT NULL,
  title_normalized text NOT NULL,
  description text,
  content text,
  content_normalized text,
  language varchar(10) NOT NULL DEFAULT 'en',
  author varchar(255),
  category category_type,
  metrics jsonb NOT NULL DEFAULT '{"upvotes": 0, "downvotes": 0, "comments": 0, "shares": 0, "views": 0, "score": 0.0}',
  published_at timestamptz NOT NULL,
  collected_at timestamptz NOT NULL DEFAULT now(),
  metadata jsonb DEFAULT '{}',
  CONSTRAINT processed_items_source_unique UNIQUE (source, source_id)
);
CREATE INDEX idx_processed_items_source ON processed_items (source);
CREATE INDEX idx_processed_items_source_id ON processed_items (source_id);
CREATE INDEX idx_processed_items_language ON processed_items (language);
CREATE INDEX idx_processed_items_category ON processed_items (category);
CREATE INDEX idx_processed_items_published_at ON processed_items (published_at DESC);
CREATE INDEX idx_processed_items_collected_at ON processed_items (collected_at DESC);
CREATE INDEX idx_processed_items_metadata ON processed_items USING gin (metadata);

CREATE TABLE topic_items (
  topic_id uuid NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
  item_id uuid NOT NULL REFERENCES processed_items (id) ON DELETE CASCADE,
  added_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (topic_id, item_id)
);
CREATE INDEX idx_topic_items_topic_id ON topic_items (topic_id);
CREATE INDEX idx_topic_items_item_id ON topic_items (item_id);

CREATE TABLE plugin_health (
  name varchar(100) PRIMARY KEY,
  is_healthy boolean NOT NULL DEFAULT true,
  last_run_at timestamptz,
  last_success_at timestamptz,
  last_error text,
  consecutive_failures integer NOT NULL DEFAULT 0,
  total_runs integer NOT NULL DEFAULT 0,
  success_rate double precision NOT NULL DEFAULT 0 CHECK (success_rate >= 0 AND success_rate <= 1),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE pipeline_runs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  status processing_status NOT NULL,
  items_collected integer NOT NULL DEFAULT 0,
  items_processed integer NOT NULL DEFAULT 0,
  items_deduplicated integer NOT NULL DEFAULT 0,
  topics_created integer NOT NULL DEFAULT 0,
  trends_created integer NOT NULL DEFAULT 0,
  duration_seconds double precision,
  errors text[] DEFAULT '{}',
  started_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz,
  metadata jsonb DEFAULT '{}'
);
CREATE INDEX idx_pipeline_runs_status ON pipeline_runs (status);
CREATE INDEX idx_pipeline_runs_started_at ON pipeline_runs (started_at DESC);

CREATE FUNCTION update_topics_timestamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.last_updated = now();
  RETURN NEW;
END;
$$;
CREATE TRIGGER trigger_topics_updated BEFORE UPDATE ON topics
  FOR EACH ROW EXECUTE FUNCTION update_topics_timestamp();

CREATE FUNCTION update_trends_timestamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.last_updated = now();
  RETURN NEW;
END;
$$;
CREATE TRIGGER trigger_trends_updated BEFORE UPDATE ON trends
  FOR EACH ROW EXECUTE FUNCTION update_trends_timestamp();

CREATE FUNCTION update_topic_item_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE topics SET item_count = item_count + 1 WHERE id = NEW.topic_id;
    RETURN NEW;
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE topics SET item_count = item_count - 1 WHERE id = OLD.topic_id;
    RETURN OLD;
  END IF;
  RETURN NULL;
END;
$$;
CREATE TRIGGER trigger_topic_items_count AFTER INSERT OR DELETE ON topic_items
  FOR EACH ROW EXECUTE FUNCTION update_topic_item_count();

CREATE VIEW trending_topics AS
SELECT t.id, t.topic_id, t.title, t.summary, t.category, t.state, t.rank, t.score,
       t.velocity, t.item_count, t.sources, t.keywords, t.first_seen, t.last_updated,
       (t.total_engagement ->> 'score')::float AS engagement_score
FROM trends t
WHERE t.state IN ('emerging', 'viral', 'sustained')
ORDER BY t.rank, t.score DESC;

CREATE VIEW popular_items_by_source AS
SELECT source, category, count(*) AS item_count,
       avg((metrics ->> 'score')::float) AS avg_score,
       max(published_at) AS latest_published
FROM processed_items
WHERE published_at >= now() - interval '7 days'
GROUP BY source, category
ORDER BY item_count DESC;

CREATE FUNCTION cleanup_old_items(days_to_keep integer DEFAULT 30) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  deleted_count integer;
BEGIN
  DELETE FROM processed_items WHERE collected_at < now() - make_interval(days => days_to_keep);
  GET DIAGNOSTICS deleted_count = ROW_COUNT;
  RETURN deleted_count;
END;
$$;

CREATE FUNCTION get_top_trends_by_category(
  p_category category_type DEFAULT NULL,
  p_limit integer DEFAULT 10,
  p_date_from timestamptz DEFAULT NULL
) RETURNS TABLE (
  id uuid, rank integer, title varchar(500), summary text,
  score double precision, state trend_state, category category_type
) LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN QUERY
  SELECT t.id, t.rank, t.title, t.summary, t.score, t.state, t.category
  FROM trends t
  WHERE (p_category IS NULL OR t.category = p_category)
    AND (p_date_from IS NULL OR t.first_seen >= p_date_from)
  ORDER BY t.rank, t.score DESC
  LIMIT p_limit;
END;
$$;

INSERT INTO trend_storage_migrations (version, name, checksum) VALUES (1, 'platform_schema', 'b484ba83d0f87399f88401d2e0d65ed597692402fd776a6b84421902a9204840');

-- ===== 0002_full_text_search =====
-- Real full-text search: stored tsvector columns with GIN indexes.
-- The text-search configuration follows each row's language, so "trending"
-- matches "trends" in English and German words stem as German. Languages
-- without a Snowball stemmer use 'simple' (no stemming, still searchable).

CREATE FUNCTION trend_ts_config(lang text) RETURNS regconfig
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT (CASE lower(split_part(coalesce(lang, 'en'), '-', 1))
    WHEN 'en' THEN 'english' WHEN 'de' THEN 'german' WHEN 'fr' THEN 'french'
    WHEN 'es' THEN 'spanish' WHEN 'it' THEN 'italian' WHEN 'pt' THEN 'portuguese'
    WHEN 'nl' THEN 'dutch' WHEN 'sv' THEN 'swedish' WHEN 'no' THEN 'norwegian'
    WHEN 'da' THEN 'danish' WHEN 'fi' THEN 'finnish' WHEN 'ru' THEN 'russian'
    WHEN 'hu' THEN 'hungarian' WHEN 'ro' THEN 'romanian' WHEN 'tr' THEN 'turkish'
    ELSE 'simple' END)::regconfig
$$;

-- array_to_string is only STABLE in general; for text[] it cannot change, and generated
-- columns need an IMMUTABLE expression.
CREATE FUNCTION trend_join_text(parts text[]) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT array_to_string(coalesce(parts, '{}'), ' ')
$$;

ALTER TABLE processed_items ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
  setweight(to_tsvector(trend_ts_config(language), coalesce(title, '')), 'A') ||
  setweight(to_tsvector(trend_ts_config(language), coalesce(description, '')), 'B') ||
  setweight(to_tsvector(trend_ts_config(language), left(coalesce(content, ''), 100000)), 'C')
) STORED;
CREATE INDEX idx_processed_items_search ON processed_items USING gin (search_vector);

ALTER TABLE topics ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
  setweight(to_tsvector(trend_ts_config(language), coalesce(title, '')), 'A') ||
  setweight(to_tsvector(trend_ts_config(language), coalesce(summary, '')), 'B') ||
  setweight(to_tsvector(trend_ts_config(language), trend_join_text(keywords)), 'A')
) STORED;
CREATE INDEX idx_topics_search ON topics USING gin (search_vector);

ALTER TABLE trends ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
  setweight(to_tsvector(trend_ts_config(language), coalesce(title, '')), 'A') ||
  setweight(to_tsvector(trend_ts_config(language), coalesce(summary, '')), 'B') ||
  setweight(to_tsvector(trend_ts_config(language), trend_join_text(key_points)), 'C')
) STORED;
CREATE INDEX idx_trends_search ON trends USING gin (search_vector);

INSERT INTO trend_storage_migrations (version, name, checksum) VALUES (2, 'full_text_search', 'f140f192c8d2df1ac3ee7c55b1144f10743bb4037ea48b58b7dd2de3eeb15037');

-- ===== 0003_materialized_views =====
-- Materialized copies of the hot read paths. Each has a unique index so it can be
-- refreshed CONCURRENTLY (readers are never blocked). Refresh with
-- refresh_trend_views(), which runs as the owner so the application role needs
-- only EXECUTE on it.

CREATE MATERIALIZED VIEW mv_trending_topics AS
SELECT * FROM trending_topics;
CREATE UNIQUE INDEX idx_mv_trending_topics_id ON mv_trending_topics (id);
CREATE INDEX idx_mv_trending_topics_rank ON mv_trending_topics (rank, score DESC);

CREATE MATERIALIZED VIEW mv_popular_items_by_source AS
SELECT * FROM popular_items_by_source;
CREATE UNIQUE INDEX idx_mv_popular_items_by_source_key
  ON mv_popular_items_by_source (source, category) NULLS NOT DISTINCT;

-- Items per source and UTC day: what stats and dashboards read.
CREATE MATERIALIZED VIEW mv_daily_item_counts AS
SELECT source, (published_at AT TIME ZONE 'UTC')::date AS day, count(*) AS item_count
FROM processed_items
GROUP BY 1, 2;
CREATE UNIQUE INDEX idx_mv_daily_item_counts_key ON mv_daily_item_counts (source, day);

CREATE FUNCTION refresh_trend_views() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  REFRESH MATERIALIZED VIEW CONCURRENTLY mv_trending_topics;
  REFRESH MATERIALIZED VIEW CONCURRENTLY mv_popular_items_by_source;
  REFRESH MATERIALIZED VIEW CONCURRENTLY mv_daily_item_counts;
END;
$$;

INSERT INTO trend_storage_migrations (version, name, checksum) VALUES (3, 'materialized_views', '53099c6b697cf7fbb81d99fcaad56a076faf9a784c8964f96e5521e05b8431d6');

-- ===== 0004_filter_indexes =====
-- Indexes for filters the platform offers but did not index: "any of these sources".
CREATE INDEX idx_trends_sources ON trends USING gin (sources);
CREATE INDEX idx_topics_sources ON topics USING gin (sources);

INSERT INTO trend_storage_migrations (version, name, checksum) VALUES (4, 'filter_indexes', '44471f3cf6e53ffb9fe067f59b9f116b482ed78144cc15f9b4fd6d101c668abd');

-- ===== 0005_vector_support =====
-- Support for the pgvector engine that does not need the extension itself: a registry of
-- collections (one table each, created on first use) and the date cast its filters use.

CREATE TABLE trend_vector_collections (
  name text PRIMARY KEY,
  dimensions integer NOT NULL CHECK (dimensions BETWEEN 1 AND 16000),
  distance text NOT NULL CHECK (distance IN ('cosine', 'euclid', 'dot')),
  index_kind text NOT NULL CHECK (index_kind IN ('hnsw', 'hnsw_halfvec', 'none')),
  hnsw_m integer NOT NULL,
  hnsw_ef_construction integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- A JSON string holding an ISO-8601 timestamp → timestamptz; anything else → NULL (never an
-- error, so one odd payload cannot break a search). Pinned to UTC, hence safely IMMUTABLE
-- and usable in payload indexes.
CREATE FUNCTION trend_jsonb_timestamptz(v jsonb) RETURNS timestamptz
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET timezone = 'UTC' AS $$
BEGIN
  IF jsonb_typeof(v) <> 'string' THEN
    RETURN NULL;
  END IF;
  RETURN (v #>> '{}')::timestamptz;
EXCEPTION WHEN others THEN
  RETURN NULL;
END;
$$;

INSERT INTO trend_storage_migrations (version, name, checksum) VALUES (5, 'vector_support', '6196310f23c5cfc0f73b9ad208a39b8235f82f28edcd67c3992755c6427be324');

-- ===== 0006_platform_extensions =====
-- The platform's services call uuid_generate_v4() by name in their INSERTs, so uuid-ossp (and
-- pgcrypto, which the platform's schema also creates) must exist in every database we migrate.
-- Both are trusted extensions: a database owner without superuser may create them.
CREATE EXTENSION IF NOT EXISTS "uuid-ossp";
CREATE EXTENSION IF NOT EXISTS pgcrypto;

-- The platform wrote these literals as 0.0 and 1.0. The values are unchanged; catalog tools and
-- schema diffs compare the text, so it is written their way.
ALTER TABLE trends ALTER COLUMN velocity SET DEFAULT 0.0;
ALTER TABLE plugin_health ALTER COLUMN success_rate SET DEFAULT 0.0;
ALTER TABLE plugin_health
  DROP CONSTRAINT plugin_health_success_rate_check,
  ADD CONSTRAINT plugin_health_success_rate_check CHECK (success_rate >= 0.0 AND success_rate <= 1.0);

INSERT INTO trend_storage_migrations (version, name, checksum) VALUES (6, 'platform_extensions', '479e223050754b7431b74e45d56ceba298563e22a5fe95722c1d77a9fb6c1538');

-- ===== 0007_search_statistics =====
-- Full-text searches choose how to read their newest matches from the planner's estimate of how
-- many rows a query matches.

-- The default statistics keep the ~1,000 most common lexemes; past those, a lexeme's share is
-- guessed (measured: 7.7× low at 1M items). 400 keeps ~4,000, sampling 120,000 rows per ANALYZE.
ALTER TABLE processed_items ALTER COLUMN search_vector SET STATISTICS 400;
ALTER TABLE topics ALTER COLUMN search_vector SET STATISTICS 400;
ALTER TABLE trends ALTER COLUMN search_vector SET STATISTICS 400;

-- The stemmed query OR'ed with the unstemmed one (exact words in rows of other languages), only
-- when they differ: 'kalomi' | 'kalomi' matches the same rows as 'kalomi', but the planner counts
-- it twice. Not with a negation: '-plants' must exclude the rows holding the stem 'plant', and an
-- unstemmed side (!'plants') would let them back in.
CREATE FUNCTION trend_tsquery(config regconfig, q text) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN stemmed = plain OR strpos(plain::text, '!') > 0 THEN stemmed ELSE stemmed || plain END
  FROM (SELECT websearch_to_tsquery(config, q) AS stemmed, websearch_to_tsquery('simple', q) AS plain) s
$$;

INSERT INTO trend_storage_migrations (version, name, checksum) VALUES (7, 'search_statistics', 'ad043e6727959bbdc250d52d07191180e84572bd38149c7a1ea1e69fd22a45d1');

-- ===== 0008_trend_history =====
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

INSERT INTO trend_storage_migrations (version, name, checksum) VALUES (8, 'trend_history', '4b9966e03c6181df06d51eb085a0910826d3b7d63f257675c52fcc447a139db5');

COMMIT;

\if :{?app_user}
\if :{?app_password}
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'app_user', :'app_password')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app_user') \gexec
\else
SELECT format('CREATE ROLE %I LOGIN', :'app_user')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app_user') \gexec
\endif
GRANT USAGE ON SCHEMA public TO :"app_user";
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app_user";
REVOKE INSERT, UPDATE, DELETE ON trend_storage_migrations FROM :"app_user";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"app_user";
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO :"app_user";
-- Tables the owner creates later (a vector collection's table) are the application's to use too.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app_user";
\endif
