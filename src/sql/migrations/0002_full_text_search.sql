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
