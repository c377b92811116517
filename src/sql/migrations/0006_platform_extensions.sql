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
