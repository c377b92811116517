// Which SQL engines a suite runs on: always PGlite in memory; the real PostgreSQL server when
// TREND_TEST_DATABASE_URL is set (then it must connect, or the suite fails).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import type { Database } from '../../src/sql/executor.js';
import { PgDatabase } from '../../src/sql/pg.js';
import { PGliteDatabase } from '../../src/sql/pglite.js';

export const SERVER_URL = process.env.TREND_TEST_DATABASE_URL;

export interface TestDatabase {
  db: Database;
  /** postgres:// URL of the database (server engine only). */
  url?: string;
  dispose(): Promise<void>;
}

export interface SqlEngine {
  name: 'pglite' | 'postgres';
  /** A new, empty database for this suite. */
  create(): Promise<TestDatabase>;
}

const pglite: SqlEngine = {
  name: 'pglite',
  async create() {
    const db = await PGliteDatabase.open();
    return { db, dispose: () => db.close() };
  },
};

/** Creates a throwaway database on the server named by TREND_TEST_DATABASE_URL. */
export async function createServerDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (!SERVER_URL) throw new Error('TREND_TEST_DATABASE_URL is not set');
  const name = `ts_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: SERVER_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: SERVER_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

export async function openServerDatabase(url: string, poolMax = 6): Promise<PgDatabase> {
  const config = resolveConfig({ databaseUrl: url, postgres: { poolMin: 0, poolMax } });
  if (config.database.kind !== 'postgres') throw new Error('unreachable');
  const { kind: _kind, ...options } = config.database;
  return PgDatabase.open(options);
}

const postgres: SqlEngine = {
  name: 'postgres',
  async create() {
    const { url, drop } = await createServerDatabase();
    const db = await openServerDatabase(url);
    return {
      db,
      url,
      async dispose() {
        await db.close();
        await drop();
      },
    };
  },
};

/** Declares `suite` once per engine; an absent server is a visible skip, never a silent pass. */
export function describeEachEngine(title: string, suite: (engine: SqlEngine) => void): void {
  describe.each([pglite])(`${title} [$name]`, suite);
  if (SERVER_URL) {
    describe.each([postgres])(`${title} [$name]`, suite);
  } else {
    console.log(`SKIPPED: ${title} [postgres] — TREND_TEST_DATABASE_URL is not set`);
    describe.skip(`${title} [postgres] (TREND_TEST_DATABASE_URL not set)`, () => suite(postgres));
  }
}

/** Declares a server-only suite, skipped visibly when the server URL is unset. */
export function describeServer(title: string, suite: () => void): void {
  if (SERVER_URL) describe(title, suite);
  else {
    console.log(`SKIPPED: ${title} — TREND_TEST_DATABASE_URL is not set`);
    describe.skip(`${title} (TREND_TEST_DATABASE_URL not set)`, suite);
  }
}
