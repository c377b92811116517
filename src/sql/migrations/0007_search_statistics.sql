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
