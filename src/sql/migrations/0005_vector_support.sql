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
