// The engines a benchmark runs on: PGlite in memory, and the PostgreSQL server when reachable.

import { vector } from '@electric-sql/pglite-pgvector';
import pg from 'pg';
import { resolveConfig } from '../src/config.js';
import type { Database } from '../src/sql/executor.js';
import { migrate } from '../src/sql/migrate.js';
import { PgDatabase } from '../src/sql/pg.js';
import { PGliteDatabase } from '../src/sql/pglite.js';

export const SERVER_URL =
  process.env.TREND_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface BenchDb {
  name: 'pglite' | 'postgres';
  db: Database;
  /** The raw driver underneath, for reference measurements. */
  raw(text: string, params?: unknown[]): Promise<unknown[]>;
  close(): Promise<void>;
}

export async function openPglite(): Promise<BenchDb> {
  const db = await PGliteDatabase.open({ extensions: { vector } });
  await migrate(db);
  return {
    name: 'pglite',
    db,
    raw: async (text, params) => (await db.pg.query(text, params)).rows,
    close: () => db.close(),
  };
}

/** A statement on the server's admin database, on a connection of its own. */
async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: SERVER_URL, connectionTimeoutMillis: 3000 });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end().catch(() => undefined);
  }
}

/**
 * A fresh database `name` on the server (dropped first if a killed run left it), its URL and how to
 * drop it; throws when the server cannot be reached.
 */
export async function throwawayDatabase(name: string): Promise<{ url: string; drop(): Promise<void> }> {
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** A fresh database on the server, or null (with the reason printed) when it cannot be reached. */
export async function openServer(label: string): Promise<BenchDb | null> {
  let server: Awaited<ReturnType<typeof throwawayDatabase>>;
  try {
    server = await throwawayDatabase(`trend_bench_${label}`);
  } catch (err) {
    console.log(`server benchmarks skipped: ${(err as Error).message}`);
    return null;
  }
  // No statement timeout: a raw COPY of 100,000 rows is one statement of a minute or more.
  const config = resolveConfig({
    databaseUrl: server.url,
    postgres: { poolMin: 0, poolMax: 20, statementTimeoutMs: 0 },
  });
  if (config.database.kind !== 'postgres') throw new Error('unreachable');
  const { kind: _k, ...options } = config.database;
  const db = await PgDatabase.open(options);
  await migrate(db);
  return {
    name: 'postgres',
    db,
    raw: async (text, params) => (await db.pool.query(text, params)).rows,
    async close() {
      await db.close();
      await server.drop();
    },
  };
}
