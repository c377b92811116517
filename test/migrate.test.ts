import { afterAll, beforeAll, expect, test } from 'vitest';
import { MigrationError } from '../src/domain/errors.js';
import { readCatalog } from '../src/sql/catalog.js';
import { checksum, loadMigrations, type Migration, migrate, migrationStatus } from '../src/sql/migrate.js';
import {
  createServerDatabase,
  describeEachEngine,
  describeServer,
  openServerDatabase,
  type TestDatabase,
} from './support/engines.js';

const all = loadMigrations();

test('migration files are numbered 1..n and load in order', () => {
  expect(all.map((m) => m.version)).toEqual(all.map((_, i) => i + 1));
  expect(all[0]!.name).toBe('platform_schema');
});

describeEachEngine('migrations', (engine) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await engine.create();
  });
  afterAll(() => t?.dispose());

  test('applies every migration once; running again is a no-op', async () => {
    const first = await migrate(t.db);
    expect(first.map((m) => m.version)).toEqual(all.map((m) => m.version));
    const before = await readCatalog(t.db);
    expect(await migrate(t.db)).toEqual([]);
    expect(await readCatalog(t.db)).toEqual(before);
    const status = await migrationStatus(t.db);
    expect(status.pending).toEqual([]);
    expect(status.applied.map((a) => a.checksum)).toEqual(all.map((m) => m.checksum));
  });

  test('refuses a database whose applied migration file has changed', async () => {
    const tampered: Migration[] = all.map((m, i) =>
      i === 1 ? { ...m, sql: `${m.sql}\n-- edited`, checksum: checksum(`${m.sql}\n-- edited`) } : m,
    );
    await expect(migrate(t.db, { migrations: tampered })).rejects.toThrow(MigrationError);
    await expect(migrate(t.db, { migrations: tampered })).rejects.toThrow(
      /migration 2 \(full_text_search\) was changed/,
    );
  });

  test('refuses a database migrated by a newer version', async () => {
    await expect(migrate(t.db, { migrations: all.slice(0, 1) })).rejects.toThrow(/does not know/);
  });

  test('a failing migration rolls back whole and is not recorded', async () => {
    const broken: Migration = {
      version: all.length + 1,
      name: 'broken',
      sql: 'CREATE TABLE half_done (id int); SELECT no_such_function();',
      checksum: checksum('broken'),
    };
    await expect(migrate(t.db, { migrations: [...all, broken] })).rejects.toThrow(/no_such_function/);
    expect(await t.db.query(`SELECT 1 FROM pg_class WHERE relname = 'half_done'`)).toEqual([]);
    expect((await migrationStatus(t.db)).applied).toHaveLength(all.length);
  });

  test('concurrent migrators on one handle end with one schema and no error', async () => {
    const fresh = await engine.create();
    try {
      const results = await Promise.all([migrate(fresh.db), migrate(fresh.db), migrate(fresh.db)]);
      expect(
        results
          .flat()
          .map((m) => m.version)
          .sort(),
      ).toEqual(all.map((m) => m.version));
      expect((await migrationStatus(fresh.db)).applied).toHaveLength(all.length);
    } finally {
      await fresh.dispose();
    }
  });
});

describeServer('migrations from separate processes (server)', () => {
  test('four pools migrating one database at once end with one schema and no error', async () => {
    const { url, drop } = await createServerDatabase();
    const pools = await Promise.all([1, 2, 3, 4].map(() => openServerDatabase(url, 2)));
    try {
      const results = await Promise.all(pools.map((db) => migrate(db)));
      // Each migration was applied by exactly one of them.
      expect(
        results
          .flat()
          .map((m) => m.version)
          .sort(),
      ).toEqual(all.map((m) => m.version));
      const [row] = await pools[0]!.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM trend_storage_migrations',
      );
      expect(row!.n).toBe(all.length);
    } finally {
      await Promise.all(pools.map((p) => p.close()));
      await drop();
    }
  });
});

describeEachEngine('upgrading a database at version 5 (before the platform extensions)', (engine) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await engine.create();
    await migrate(t.db, { migrations: all.slice(0, 5) });
  });
  afterAll(() => t?.dispose());

  test('adds uuid-ossp and pgcrypto and writes the platform literals 0.0 / 1.0, touching no data', async () => {
    const before = await readCatalog(t.db);
    expect(before.extensions['uuid-ossp']).toBeUndefined();
    expect(before.tables.trends!.velocity!.default).toBe('0');
    await t.db.query(`INSERT INTO plugin_health (name, success_rate) VALUES ('kept', 0.5)`);

    const applied = await migrate(t.db);
    expect(applied.map((m) => m.version)).toEqual(all.slice(5).map((m) => m.version));
    const after = await readCatalog(t.db);
    expect(Object.keys(after.extensions)).toEqual(expect.arrayContaining(['uuid-ossp', 'pgcrypto']));
    expect(after.tables.trends!.velocity!.default).toBe('0.0');
    expect(after.tables.plugin_health!.success_rate!.default).toBe('0.0');
    expect(after.constraints['plugin_health.plugin_health_success_rate_check']).toBe(
      'CHECK (((success_rate >= (0.0)::double precision) AND (success_rate <= (1.0)::double precision)))',
    );
    const [row] = await t.db.query<{ rate: number }>(
      `SELECT success_rate AS rate FROM plugin_health WHERE name = 'kept'`,
    );
    expect(row!.rate).toBe(0.5);
    await t.db.query('SELECT uuid_generate_v4()');
  });
});
