import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { readCatalog } from '../src/sql/catalog.js';
import { buildInitScript } from '../src/sql/init-script.js';
import { loadMigrations, migrate, migrationStatus } from '../src/sql/migrate.js';
import { createServerDatabase, describeServer, openServerDatabase } from './support/engines.js';

const INIT_SCRIPT = new URL('../scripts/init-db.sql', import.meta.url);

test('scripts/init-db.sql is in sync with the migrations (npm run gen:init-db)', () => {
  expect(readFileSync(INIT_SCRIPT, 'utf8')).toBe(buildInitScript(loadMigrations()));
});

describeServer('init-db.sql applied by psql', () => {
  test('yields the same catalog as the migrations, and migrate finds nothing pending', async () => {
    const viaPsql = await createServerDatabase();
    const viaMigrate = await createServerDatabase();
    const role = `ts_app_${process.pid}`;
    const a = await openServerDatabase(viaPsql.url, 2);
    const b = await openServerDatabase(viaMigrate.url, 2);
    try {
      execFileSync(
        'psql',
        [
          viaPsql.url,
          '-q',
          '-v',
          `app_user=${role}`,
          '-v',
          'app_password=pw-not-printed',
          '-f',
          INIT_SCRIPT.pathname,
        ],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      await migrate(b);
      expect(await readCatalog(a)).toEqual(await readCatalog(b));
      expect(await migrate(a)).toEqual([]);
      expect((await migrationStatus(a)).pending).toEqual([]);

      // The application role can read and write data and refresh views, but not migrate.
      const [priv] = await a.query<Record<string, boolean>>(
        `SELECT has_table_privilege($1, 'processed_items', 'INSERT') AS dml,
                has_table_privilege($1, 'mv_trending_topics', 'SELECT') AS mv,
                has_table_privilege($1, 'trend_storage_migrations', 'INSERT') AS tracking,
                has_function_privilege($1, 'refresh_trend_views()', 'EXECUTE') AS refresh,
                has_schema_privilege($1, 'public', 'CREATE') AS ddl`,
        [role],
      );
      expect(priv).toEqual({ dml: true, mv: true, tracking: false, refresh: true, ddl: false });
    } finally {
      await a.close();
      await b.close();
      await viaPsql.drop();
      await viaMigrate.drop();
      const admin = await openServerDatabase(process.env.TREND_TEST_DATABASE_URL!, 1);
      await admin.query(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
      await admin.close();
    }
  });
});
