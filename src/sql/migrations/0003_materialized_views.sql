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
