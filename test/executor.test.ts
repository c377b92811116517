import { expect, test } from 'vitest';
import { resolveConfig } from '../src/config.js';
import { ConnectionError, TimeoutError } from '../src/domain/errors.js';
import { PgDatabase } from '../src/sql/pg.js';
import { PGliteDatabase } from '../src/sql/pglite.js';
import { executorContract } from './contract/executor.js';
import { createServerDatabase, describeEachEngine, describeServer } from './support/engines.js';

describeEachEngine('Executor contract', executorContract);

test('PGlite bounds GIN pending lists itself: it has no autovacuum to merge them', async () => {
  const db = await PGliteDatabase.open();
  try {
    expect(await db.query('SHOW gin_pending_list_limit')).toEqual([{ gin_pending_list_limit: '256kB' }]);
  } finally {
    await db.close();
  }
});

describeServer('statement timeouts (server; PGlite has no timer to enforce one)', () => {
  test('a statement past POSTGRES_STATEMENT_TIMEOUT_MS is a TimeoutError, not a ConnectionError', async () => {
    const { url, drop } = await createServerDatabase();
    const config = resolveConfig({
      databaseUrl: url,
      postgres: { poolMin: 0, poolMax: 1, statementTimeoutMs: 100 },
    });
    if (config.database.kind !== 'postgres') throw new Error('unreachable');
    const { kind: _kind, ...options } = config.database;
    const db = await PgDatabase.open(options);
    try {
      const err = await db.query('SELECT pg_sleep(2)').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TimeoutError);
      expect(err).not.toBeInstanceOf(ConnectionError);
      expect((err as TimeoutError).code).toBe('57014');
      expect(await db.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await db.close();
      await drop();
    }
  });
});
