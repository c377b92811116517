import { vector } from '@electric-sql/pglite-pgvector';
import { BaseCache } from './cache/base.js';
import { MemoryCache } from './cache/memory.js';
import { RedisCache } from './cache/redis.js';
import type { CacheRepository } from './cache/types.js';
import {
  type CacheConfig,
  type DatabaseConfig,
  resolveConfig,
  type StorageConfig,
  type StorageOptions,
} from './config.js';
import { MigrationError, PermissionDeniedError } from './domain/errors.js';
import { validate } from './domain/validate.js';
import { cacheAttributes, observeCache, observePool } from './observability/metrics.js';
import type { QueryLogOptions } from './observability/query-log.js';
import { setupObservability, type TelemetryOptions, UNTRACED, VECTOR_CALLS } from './observability/setup.js';
import { createRepositories, type Repositories, type RepositoryOptions } from './repositories/index.js';
import { type PurgeOptions, type PurgeReport, purgeItems } from './retention.js';
import { HybridSearch } from './search/hybrid.js';
import type { Database, Executor, StatementHook } from './sql/executor.js';
import { type Migration, type MigrationStatus, migrate, migrationStatus } from './sql/migrate.js';
import { PgDatabase } from './sql/pg.js';
import { PGliteDatabase } from './sql/pglite.js';
import { PgVectorRepository } from './vector/pgvector.js';
import { QdrantVectorRepository } from './vector/qdrant.js';
import { type CollectionOptions, collectionOptionsSchema, type VectorRepository } from './vector/types.js';

/**
 * The repositories bound to one transaction, and its executor: what `storage.transaction(fn)` hands
 * to `fn`.
 */
export interface Transaction extends Repositories {
  /** The executor of this transaction, for SQL of your own that commits or rolls back with it. */
  readonly db: Executor;
  /**
   * A nested transaction: a savepoint that rolls back alone when `fn` throws, leaving the outer
   * transaction usable. Nested transactions started side by side run one after the other.
   *
   * @example
   * ```ts
   * await storage.transaction(async (tx) => {
   *   await tx.transaction((inner) => inner.items.save(item)).catch(() => undefined); // undone alone
   * });
   * ```
   */
  transaction<R>(fn: (tx: Transaction) => Promise<R>): Promise<R>;
}

/**
 * An open store, from `createStorage`: the relational repositories, the vector and cache stores,
 * and the SQL executor underneath.
 */
export interface Storage extends Repositories {
  /**
   * The configuration the store was opened with, resolved from options, environment and defaults.
   * It holds passwords: print the database with `describeDatabase(storage.config.database)`.
   */
  readonly config: StorageConfig;
  /**
   * The SQL executor underneath, for queries the repositories do not cover.
   *
   * @example
   * ```ts
   * const [row] = await storage.db.query<{ n: number }>('SELECT count(*)::int AS n FROM trends');
   * ```
   */
  readonly db: Database;
  /**
   * Runs `fn` with every repository bound to one transaction: committed when it resolves,
   * rolled back — all of it — when it throws, and the error comes back unchanged. Calls on the
   * outer `storage` made while `fn` runs join the transaction too, and a `storage.transaction` (or
   * `tx.db.transaction`) inside it is a savepoint. Serialization failures and deadlocks are retried,
   * so `fn` may run more than once and must be safe to run again. The cache and Qdrant are not part
   * of the transaction.
   *
   * @example
   * ```ts
   * await storage.transaction(async (tx) => {
   *   const topicId = await tx.topics.save({ title: 'Fusion', summary: 'Net gain', category: 'Science' });
   *   await tx.topics.addItems(topicId, itemIds);
   * });
   * ```
   */
  transaction<R>(fn: (tx: Transaction) => Promise<R>): Promise<R>;
  /**
   * The vector store for one collection (default trend_embeddings, 1536 dimensions, cosine),
   * created on first use: Qdrant when configured, else pgvector in this database. The same
   * options give the same repository; bad options are a ValidationError at once, and a
   * collection that exists with other dimensions or distance is one on first use.
   *
   * @example
   * ```ts
   * const vectors = storage.vectors({ name: 'item_embeddings', dimensions: 384 });
   * ```
   */
  vectors(collection?: CollectionOptions): VectorRepository;
  /**
   * Hybrid search: full-text relevance and vector nearness fused in one call, for items and
   * trends (one SQL statement on pgvector; with Qdrant the two lists are fused in the library).
   *
   * @example
   * ```ts
   * const hits = await storage.search.items({ q: 'fusion power', vector: embedding, collection: 'item_embeddings' });
   * ```
   */
  readonly search: HybridSearch;
  /**
   * The cache: Redis when configured, else in memory.
   *
   * @example
   * ```ts
   * await storage.cache.set('top', trends, { ttlSeconds: 300 });
   * ```
   */
  readonly cache: CacheRepository;
  /**
   * Deletes items collected more than `olderThanDays` ago, at any size, in batches: their vectors
   * (every `*item_embeddings` collection), their `item:<id>` cache entries, then the rows (topic
   * links go with them). A failure part-way is a PurgeError whose `report` says what was done;
   * running it again finishes. With `dryRun` it only counts the items.
   *
   * @example
   * ```ts
   * const report = await storage.purgeItems({ olderThanDays: 30 });
   * console.log(`${report.items} items, ${report.vectors} vectors, ${report.cacheEntries} cache entries`);
   * ```
   */
  purgeItems(options: PurgeOptions): Promise<PurgeReport>;
  /**
   * Applies this package's pending migrations, each in its own transaction under an advisory lock,
   * and returns those it applied (none when the schema is current). A database whose applied
   * migrations differ from the files is a MigrationError, and nothing changes.
   *
   * @example
   * ```ts
   * const applied = await storage.migrate({ onApply: (m) => console.log(`applied ${m.version} ${m.name}`) });
   * ```
   */
  migrate(options?: { onApply?: (m: Migration) => void }): Promise<Migration[]>;
  /**
   * The applied and the pending migrations, read without changing anything (SELECT is enough); a
   * MigrationError when the applied ones differ from this package's files.
   *
   * @example
   * ```ts
   * const { applied, pending } = await storage.migrationStatus();
   * ```
   */
  migrationStatus(): Promise<MigrationStatus>;
  /**
   * Closes the cache, then the database (the pool, or the embedded engine and the lock on its data
   * directory); the store cannot be used afterwards.
   *
   * @example
   * ```ts
   * await storage.close();
   * ```
   */
  close(): Promise<void>;
}

/**
 * What `createStorage` accepts: where the database, cache and vector store are (StorageOptions),
 * plugin-health tuning, and pgvector and migration behaviour; every field optional.
 *
 * @example
 * ```ts
 * // An in-memory store for tests: nothing on disk, no Redis.
 * const options: CreateStorageOptions = { dataDir: null, redis: false, vectorIndexThreshold: 0 };
 * const storage = await createStorage(options);
 * ```
 */
export interface CreateStorageOptions extends StorageOptions, RepositoryOptions {
  /** pgvector: build the HNSW index once a collection holds this many points (default 10,000). */
  vectorIndexThreshold?: number;
  /**
   * Apply pending migrations on open (default true). A role that may not change the schema
   * opens an up-to-date store either way.
   */
  autoMigrate?: boolean;
  /**
   * OpenTelemetry: spans and metrics are recorded whenever the application has registered an SDK
   * (docs/OBSERVABILITY.md); `statementText: true` adds each operation's SQL, literals redacted.
   */
  telemetry?: TelemetryOptions;
  /**
   * The query log: `onQuery` is called after every SQL statement with its text, duration, row count
   * and whether it was slow (`slowQueryMs`, default 1,000); bind values are redacted unless
   * `parameters: true`.
   */
  log?: QueryLogOptions;
}

export async function openDatabase(
  config: DatabaseConfig,
  hooks: { onStatement?: StatementHook | undefined } = {},
): Promise<Database> {
  if (config.kind === 'embedded') {
    // pgvector is built into the embedded engine so the vector store needs no server.
    return PGliteDatabase.open({
      dataDir: config.dataDir,
      extensions: { vector },
      onStatement: hooks.onStatement,
    });
  }
  const { kind: _kind, ...options } = config;
  return PgDatabase.open(options, { onStatement: hooks.onStatement });
}

export async function openCache(config: CacheConfig): Promise<CacheRepository> {
  if (config.kind === 'memory') return new MemoryCache(config);
  return RedisCache.connect(config);
}

/**
 * Opens the store described by `options`, the environment, or — when nothing is
 * configured — an embedded PGlite database in ./.trend-data. Pending migrations are applied
 * unless `autoMigrate: false`; when the schema is behind and this role may not change it, the
 * result is a MigrationError saying to run `trend-storage migrate` as the owner. A bad setting is a
 * ValidationError naming the option or variable.
 *
 * @example
 * ```ts
 * const storage = await createStorage(); // embedded, or servers from the environment
 * const remote = await createStorage({ databaseUrl: 'postgres://trend_user:secret@db:5432/trends' });
 * ```
 */
export async function createStorage(options: CreateStorageOptions = {}): Promise<Storage> {
  const config = resolveConfig(options);
  const observed = setupObservability(config, options);
  const db = await openDatabase(config.database, { onStatement: observed.onStatement });
  let cache: CacheRepository;
  try {
    cache = await openCache(config.cache);
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
  // Every public object goes out wrapped (spans, duration metrics); the library's own calls inside
  // them use the objects underneath, so one public call is one span.
  const inst = observed.instrumentation;
  const traced = <F extends (...args: never[]) => unknown>(name: string, fn: F): F =>
    inst ? inst.wrapFunction(fn, name, observed.sql) : fn;
  const repositories = (ex: Executor): Repositories => {
    const repos = createRepositories(ex, options);
    if (!inst) return repos;
    const wrapped: Record<string, object> = {};
    for (const [area, repo] of Object.entries(repos))
      wrapped[area] = inst.wrap(repo, area, observed.repository(area));
    return wrapped as unknown as Repositories;
  };
  const handle = <E extends Executor>(ex: E): E => {
    if (!inst) return ex;
    const wrapped: Executor = inst.wrap(ex, 'db', observed.sql, { skip: UNTRACED.db });
    // The executor a transaction hands its callback is a handle too: its calls, and its nested
    // transactions (savepoints), are spans like the outer handle's.
    const transaction = wrapped.transaction;
    wrapped.transaction = <R>(fn: (tx: Executor) => Promise<R>): Promise<R> =>
      transaction.call(wrapped, (tx: Executor) => fn(handle(tx))) as Promise<R>;
    return wrapped as E;
  };
  const vectorStores = new Map<string, VectorRepository>();
  // Every repository over one transaction's executor; a nested transaction is a savepoint.
  const bind = (tx: Executor): Transaction => ({
    ...repositories(tx),
    db: handle(tx),
    transaction: traced('storage.transaction', (fn) => tx.transaction((inner) => fn(bind(inner)))),
  });
  const search = new HybridSearch(db, (c) => storage.vectors(c));
  const unobserve = inst
    ? [
        observePool({ baseName: observed.poolName, stats: () => db.poolStats() }),
        ...(cache instanceof BaseCache
          ? [
              observeCache({
                attributes: cacheAttributes(observed.cacheSystem, cache.engine),
                lookups: () => cache.lookups(),
              }),
            ]
          : []),
      ]
    : [];
  const storage: Storage = {
    ...repositories(db),
    vectors(collection = {}) {
      const c = validate(collectionOptionsSchema, collection, 'collection');
      const key = JSON.stringify(c);
      let store = vectorStores.get(key);
      if (!store) {
        store =
          config.vector.kind === 'qdrant'
            ? new QdrantVectorRepository(c, config.vector)
            : new PgVectorRepository(db, c, { indexThreshold: options.vectorIndexThreshold });
        if (inst) {
          store = inst.wrap(store, 'vectors', observed.vectors(c), {
            key,
            skip: UNTRACED.vectors,
            calls: VECTOR_CALLS,
          });
        }
        vectorStores.set(key, store);
      }
      return store;
    },
    search: inst ? inst.wrap(search, 'search', observed.sql) : search,
    config,
    db: handle(db),
    cache: inst ? inst.wrap(cache, 'cache', observed.cache, { skip: UNTRACED.cache }) : cache,
    transaction: traced('storage.transaction', (fn) => db.transaction((tx) => fn(bind(tx)))),
    purgeItems: traced('storage.purgeItems', (opts) => purgeItems(storage, opts)),
    migrate: traced('storage.migrate', (opts = {}) => migrate(db, opts)),
    migrationStatus: traced('storage.migrationStatus', () => migrationStatus(db)),
    close: async () => {
      for (const stop of unobserve) stop();
      try {
        await cache.close();
      } finally {
        await db.close();
      }
    },
  };
  if (options.autoMigrate ?? true) {
    try {
      await migrateIfBehind(db, config);
    } catch (err) {
      await storage.close().catch(() => undefined);
      throw err;
    }
  }
  return storage;
}

/**
 * Applies pending migrations, if any. An up-to-date schema needs nothing but SELECT, so an
 * application role without DDL rights opens the store; one whose schema is behind is told so.
 */
async function migrateIfBehind(db: Database, config: StorageConfig): Promise<void> {
  const { applied, pending } = await migrationStatus(db);
  if (pending.length === 0) return;
  try {
    await migrate(db);
  } catch (err) {
    if (!(err instanceof PermissionDeniedError)) throw err;
    const role = config.database.kind === 'postgres' ? `role ${config.database.user}` : 'this role';
    throw new MigrationError(
      `the database schema is at migration ${applied.length} and this version of trend-storage needs ${applied.length + pending.length}, but ${role} may not change the schema (${err.message}); run \`trend-storage migrate\` as the database owner, or open the store with autoMigrate: false`,
      { cause: err, code: err.code },
    );
  }
}
