import { MIGRATIONS_TABLE, type Migration, TRACKING_TABLE_SQL } from './migrate.js';

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * One psql script that brings an empty database to the latest migration and records it,
 * so `trend-storage migrate` later sees nothing pending. Optionally creates the
 * application role with only the privileges the library needs (no DDL, no ownership).
 */
export function buildInitScript(migrations: Migration[]): string {
  const parts = [
    `-- trend-storage: database initialisation, generated from src/sql/migrations by
-- \`npm run gen:init-db\`. Do not edit: change a migration and regenerate.
--
--   psql "$DATABASE_URL" -f scripts/init-db.sql
--   psql "$DATABASE_URL" -v app_user=trend_user -v app_password=secret -f scripts/init-db.sql
--
-- The second form also creates the application role (if missing) and grants it DML on the
-- tables, SELECT on the views and EXECUTE on the functions: nothing else.

\\set ON_ERROR_STOP on
BEGIN;

${TRACKING_TABLE_SQL};
`,
  ];
  for (const m of migrations) {
    const tag = `${String(m.version).padStart(4, '0')}_${m.name}`;
    parts.push(`-- ===== ${tag} =====\n${m.sql.trimEnd()}\n`);
    parts.push(
      `INSERT INTO ${MIGRATIONS_TABLE} (version, name, checksum) VALUES (${m.version}, ${quote(m.name)}, ${quote(m.checksum)});\n`,
    );
  }
  parts.push(`COMMIT;

\\if :{?app_user}
\\if :{?app_password}
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'app_user', :'app_password')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app_user') \\gexec
\\else
SELECT format('CREATE ROLE %I LOGIN', :'app_user')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app_user') \\gexec
\\endif
GRANT USAGE ON SCHEMA public TO :"app_user";
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app_user";
REVOKE INSERT, UPDATE, DELETE ON ${MIGRATIONS_TABLE} FROM :"app_user";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"app_user";
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO :"app_user";
-- Tables the owner creates later (a vector collection's table) are the application's to use too.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app_user";
\\endif
`);
  return parts.join('\n');
}
