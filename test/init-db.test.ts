import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { MigrationError, PermissionDeniedError } from '../src/domain/errors.js';
import { validate } from '../src/domain/validate.js';
import { readCatalog } from '../src/sql/catalog.js';
import { buildInitScript } from '../src/sql/init-script.js';
import { loadMigrations, migrate, migrationStatus } from '../src/sql/migrate.js';
import { createStorage } from '../src/storage.js';
import { PgVectorRepository } from '../src/vector/pgvector.js';
import { collectionOptionsSchema } from '../src/vector/types.js';
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

describeServer('the application role from init-db.sql (least privilege)', () => {
  function psqlInit(url: string, role: string): void {
    execFileSync(
      'psql',
      [url, '-q', '-v', `app_user=${role}`, '-v', 'app_password=pw', '-f', INIT_SCRIPT.pathname],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
  }
  const asRole = (url: string, role: string) => {
    const u = new URL(url);
    u.username = role;
    u.password = 'pw';
    return u.toString();
  };
  async function dropRole(role: string) {
    const admin = await openServerDatabase(process.env.TREND_TEST_DATABASE_URL!, 1);
    await admin.query(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
    await admin.close();
  }

  test('opens the store, reads the migration state and works, without any DDL right', async () => {
    const { url, drop } = await createServerDatabase();
    const role = `ts_app_ok_${process.pid}`;
    try {
      psqlInit(url, role);
      const owner = await openServerDatabase(url, 1);
      let vectorsHere = true;
      try {
        await owner.query('CREATE EXTENSION IF NOT EXISTS vector');
        // A collection the owner made; its table falls under the default privileges.
        await new PgVectorRepository(
          owner,
          validate(collectionOptionsSchema, { name: 'app_vecs', dimensions: 3 }),
        ).ensureCollection();
      } catch {
        vectorsHere = false;
        console.log('SKIPPED: app role vector check — CREATE EXTENSION vector fails on this server');
      } finally {
        await owner.close();
      }
      const storage = await createStorage({
        databaseUrl: asRole(url, role),
        redis: false,
        vectorIndexThreshold: 3,
      });
      try {
        expect((await storage.migrationStatus()).pending).toEqual([]);
        const { ids } = await storage.items.saveBatch([
          {
            source: 'bbc',
            sourceId: 'a',
            url: 'https://bbc.example/a',
            title: 'Least privilege works',
            publishedAt: new Date(),
          },
        ]);
        const topicId = await storage.topics.save({ title: 't', summary: 's', category: 'Science' });
        await storage.topics.addItems(topicId, ids);
        await storage.trends.save({
          topicId,
          rank: 1,
          title: 't',
          summary: 's',
          category: 'Science',
          score: 1,
        });
        await storage.pluginHealth.recordRun('bbc', { success: true });
        await storage.pipelineRuns.complete(await storage.pipelineRuns.start(), {});
        await storage.views.refreshViews();
        expect((await storage.items.search({ q: 'privilege' })).map((i) => i.id)).toEqual(ids);
        expect(await storage.trends.count()).toBe(1);
        if (vectorsHere) {
          const v = storage.vectors({ name: 'app_vecs', dimensions: 3 });
          await v.upsert({ id: 'p1', vector: [1, 0, 0], metadata: { k: 'v' } });
          expect((await v.search([1, 0, 0], { limit: 1 }))[0]!.id).toBe('p1');
          // Past the index threshold (3 here) the role may not build the HNSW index (it does not own
          // the table): the writes still succeed and searches stay exact.
          for (let i = 0; i < 3; i++) {
            await v.upsertBatch([2, 3].map((n) => ({ id: `p${i}${n}`, vector: [n, i, 1] })));
          }
          expect(await v.count()).toBe(7);
          expect((await v.search([1, 0, 0], { limit: 1 }))[0]!.id).toBe('p1');
        }
      } finally {
        await storage.close();
      }
    } finally {
      await drop();
      await dropRole(role);
    }
  });

  test('a schema that is behind is a MigrationError saying the role may not migrate it', async () => {
    const { url, drop } = await createServerDatabase();
    const role = `ts_app_behind_${process.pid}`;
    const owner = await openServerDatabase(url, 1);
    try {
      await migrate(owner, { migrations: loadMigrations().slice(0, 5) });
      await owner.exec(`CREATE ROLE ${role} LOGIN PASSWORD 'pw';
        GRANT USAGE ON SCHEMA public TO ${role};
        GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role};`);
      const err = await createStorage({ databaseUrl: asRole(url, role), redis: false }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(MigrationError);
      expect((err as Error).message).toMatch(
        /schema is at migration 5 .* needs \d+, but role ts_app_behind_\d+ may not change the schema/,
      );
      expect((err as Error).message).toContain('trend-storage migrate');
      expect((err as MigrationError).cause).toBeInstanceOf(PermissionDeniedError);
      // Nothing was changed: still at 5.
      expect((await migrationStatus(owner)).applied).toHaveLength(5);
    } finally {
      await owner.close();
      await drop();
      await dropRole(role);
    }
  });
});
