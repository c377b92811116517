// The platform's health check: PostgreSQL, its schema, the vector store and the cache, each
// checked on its own with a timeout, so one unreachable server fails in seconds and the rest
// are still reported.

import { RedisCache } from './cache/redis.js';
import {
  type CacheConfig,
  describeCache,
  describeDatabase,
  describeVector,
  type StorageConfig,
} from './config.js';
import type { Database } from './sql/executor.js';
import { loadMigrations, MIGRATIONS_TABLE } from './sql/migrate.js';
import { openCache, openDatabase } from './storage.js';
import { QdrantVectorRepository } from './vector/qdrant.js';
import { collectionOptionsSchema } from './vector/types.js';

/** The outcome of one check of `checkHealth`. */
export interface HealthCheck {
  /** `PostgreSQL`, `PostgreSQL schema`, `Vector store` or `Cache`. */
  name: string;
  /** Whether the check passed. */
  ok: boolean;
  /** What was found (version, target, counts), or why it failed, in one line without passwords. */
  detail: string;
}

/**
 * The versions `checkHealth` found, as far as each check got (a server that did not answer has none).
 *
 * @example
 * ```ts
 * const { versions } = await checkHealth(resolveConfig());
 * console.log(`PostgreSQL ${versions.postgresql}, pgvector ${versions.extensions?.vector ?? 'not installed'}`);
 * ```
 */
export interface ServerVersions {
  /** PostgreSQL's `server_version` (for the embedded engine, the PostgreSQL PGlite is built on). */
  postgresql?: string;
  /** The extensions installed in the database (`pg_extension`): name → version. */
  extensions?: Record<string, string>;
  /** Redis's `redis_version` (the first master of a cluster); absent with the in-memory cache. */
  redis?: string;
  /** The Qdrant server's version, when Qdrant is the vector store. */
  qdrant?: string;
}

/** What `checkHealth` found: every check, and whether all passed. */
export interface HealthReport {
  /** True when every check passed. */
  ok: boolean;
  /** Checks that passed. */
  passed: number;
  /** Checks run (four). */
  total: number;
  /** Each check, in the order PostgreSQL, its schema, the vector store, the cache. */
  checks: HealthCheck[];
  /** Server and extension versions (`verify --json` prints them). */
  versions: ServerVersions;
}

export const PLATFORM_TABLES = [
  'topics',
  'trends',
  'processed_items',
  'topic_items',
  'plugin_health',
  'pipeline_runs',
];

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000} s`)), ms);
    }),
  ]);
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

async function check(name: string, ms: number, fn: () => Promise<string>): Promise<HealthCheck> {
  try {
    return { name, ok: true, detail: await withTimeout(fn(), ms, name) };
  } catch (err) {
    return { name, ok: false, detail: message(err) };
  }
}

async function schemaCheck(db: Database): Promise<string> {
  const rows = await db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ANY($1::text[])`,
    [[...PLATFORM_TABLES, MIGRATIONS_TABLE]],
  );
  const present = new Set(rows.map((r) => r.table_name));
  const missing = PLATFORM_TABLES.filter((t) => !present.has(t));
  const applied = present.has(MIGRATIONS_TABLE)
    ? (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${MIGRATIONS_TABLE}`))[0]!.n
    : 0;
  const pending = loadMigrations().length - applied;
  if (missing.length) throw new Error(`missing tables: ${missing.join(', ')} — run trend-storage migrate`);
  if (pending > 0)
    throw new Error(
      `${PLATFORM_TABLES.length} tables present, schema version ${applied}, ${pending} pending — run trend-storage migrate`,
    );
  return `${PLATFORM_TABLES.length}/${PLATFORM_TABLES.length} tables present, schema version ${applied}, nothing pending`;
}

const ROLLED_BACK = Symbol('rolled back');

/** CREATE EXTENSION vector in a transaction that is always rolled back: nothing changes. */
async function canCreateVector(db: Database): Promise<void> {
  try {
    await db.transaction(async (tx) => {
      await tx.query('CREATE EXTENSION vector');
      throw ROLLED_BACK;
    });
  } catch (err) {
    if (err === ROLLED_BACK) return;
    throw new Error(
      `pgvector: the vector extension is not available to this role (${message(err)}); have the database owner or a superuser run CREATE EXTENSION vector, or set QDRANT_URL`,
    );
  }
}

async function pgvectorCheck(db: Database): Promise<string> {
  const [ext] = await db.query<{ installed: string | null; available: string | null }>(
    `SELECT installed_version AS installed, default_version AS available FROM pg_available_extensions WHERE name = 'vector'`,
  );
  if (!ext)
    throw new Error(
      'pgvector: the vector extension is not available on this PostgreSQL server (install pgvector, or set QDRANT_URL)',
    );
  const [registry] = await db.query(
    `SELECT 1 FROM information_schema.tables WHERE table_name = 'trend_vector_collections'`,
  );
  const collections = registry
    ? (await db.query<{ name: string }>('SELECT name FROM trend_vector_collections ORDER BY name')).map(
        (r) => r.name,
      )
    : [];
  // Installed files are not enough: this role must also be allowed to create the extension.
  if (!ext.installed) await canCreateVector(db);
  const version = ext.installed
    ? `pgvector ${ext.installed}`
    : `pgvector ${ext.available} (available, created on first use)`;
  return `${version}, ${collections.length} collection(s)${collections.length ? `: ${collections.join(', ')}` : ''}`;
}

async function cacheCheck(config: CacheConfig, versions: ServerVersions): Promise<string> {
  const cache = await openCache(config);
  try {
    if (cache instanceof RedisCache) {
      versions.redis = await cache.serverVersion();
      return `${cache.engine} ${versions.redis} (${describeCache(config)})`;
    }
    await cache.set('__health', 1, { ttlSeconds: 5 });
    return 'in-memory (embedded)';
  } finally {
    await cache.close();
  }
}

/**
 * Checks PostgreSQL (version), its schema (tables present, no migration pending), the vector store
 * and the cache, each with a timeout (`timeoutMs`, default 5,000; opening an embedded database gets
 * at least 60 s), so one unreachable server fails in seconds and the rest are still reported. A
 * failed check is reported, not thrown. It opens connections of its own and writes nothing to a
 * server; an embedded data directory that another open store holds (its lock) fails the check.
 *
 * @example
 * ```ts
 * const report = await checkHealth(resolveConfig());
 * for (const c of report.checks) console.log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
 * ```
 */
export async function checkHealth(
  config: StorageConfig,
  { timeoutMs = 5000 }: { timeoutMs?: number } = {},
): Promise<HealthReport> {
  let db: Database | undefined;
  const versions: ServerVersions = {};
  // The timeout is for a server that does not answer; an embedded engine always does, it may only
  // take longer to boot (extensions load from disk) on a busy machine.
  const openTimeout = config.database.kind === 'embedded' ? Math.max(timeoutMs, 60_000) : timeoutMs;
  const postgres = await check('PostgreSQL', openTimeout, async () => {
    db = await openDatabase(config.database);
    const [row] = await db.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);
    versions.postgresql = row!.v;
    const extensions = await db.query<{ name: string; version: string }>(
      'SELECT extname AS name, extversion AS version FROM pg_extension ORDER BY extname',
    );
    versions.extensions = Object.fromEntries(extensions.map((e) => [e.name, e.version]));
    return `${config.database.kind === 'embedded' ? 'PGlite' : 'PostgreSQL'} ${row!.v} — ${describeDatabase(config.database)}`;
  });
  const skipped = (name: string): HealthCheck => ({
    name,
    ok: false,
    detail: 'skipped: PostgreSQL is unreachable',
  });
  const [schema, vectors, cache] = await Promise.all([
    db ? check('PostgreSQL schema', timeoutMs, () => schemaCheck(db!)) : skipped('PostgreSQL schema'),
    config.vector.kind === 'qdrant'
      ? check('Vector store', timeoutMs, async () => {
          const q = new QdrantVectorRepository(
            collectionOptionsSchema.parse({}),
            config.vector as { url: string },
          );
          const names = await q.listCollections();
          versions.qdrant = await q.serverVersion();
          return `${describeVector(config.vector)}, ${names.length} collection(s)`;
        })
      : db
        ? check('Vector store', timeoutMs, () => pgvectorCheck(db!))
        : skipped('Vector store'),
    check('Cache', timeoutMs, () => cacheCheck(config.cache, versions)),
  ]);
  await db?.close().catch(() => undefined);
  const checks = [postgres, schema, vectors, cache];
  const passed = checks.filter((c) => c.ok).length;
  return { ok: passed === checks.length, passed, total: checks.length, checks, versions };
}
