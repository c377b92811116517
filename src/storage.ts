import { vector } from '@electric-sql/pglite-pgvector';
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
import { createRepositories, type Repositories, type RepositoryOptions } from './repositories/index.js';
import { type PurgeOptions, type PurgeReport, purgeItems } from './retention.js';
import type { Database, Executor } from './sql/executor.js';
import { type Migration, type MigrationStatus, migrate, migrationStatus } from './sql/migrate.js';
import { PgDatabase } from './sql/pg.js';
import { PGliteDatabase } from './sql/pglite.js';
import { PgVectorRepository } from './vector/pgvector.js';
import { QdrantVectorRepository } from './vector/qdrant.js';
import { type CollectionOptions, collectionOptionsSchema, type VectorRepository } from './vector/types.js';

/** The repositories bound to one transaction, and its executor. */
export interface Transaction extends Repositories {
  readonly db: Executor;
}

export interface Storage extends Repositories {
  readonly config: StorageConfig;
  /** The SQL executor underneath, for queries the repositories do not cover. */
  readonly db: Database;
  /**
   * Runs `fn` with every repository bound to one transaction: committed when it resolves,
   * rolled back — all of it — when it throws.
   */
  transaction<R>(fn: (tx: Transaction) => Promise<R>): Promise<R>;
  /**
   * The vector store for one collection (default trend_embeddings, 1536 dimensions, cosine),
   * created on first use: Qdrant when configured, else pgvector in this database.
   */
  vectors(collection?: CollectionOptions): VectorRepository;
  /** The cache: Redis when configured, else in memory. */
  readonly cache: CacheRepository;
  /**
   * Deletes items collected more than `olderThanDays` ago, at any size, in batches: their vectors
   * (every `*item_embeddings` collection), their `item:<id>` cache entries, then the rows (topic
   * links go with them). A failure part-way is a PurgeError whose `report` says what was done.
   */
  purgeItems(options: PurgeOptions): Promise<PurgeReport>;
  migrate(options?: { onApply?: (m: Migration) => void }): Promise<Migration[]>;
  migrationStatus(): Promise<MigrationStatus>;
  close(): Promise<void>;
}

export interface CreateStorageOptions extends StorageOptions, RepositoryOptions {
  /** pgvector: build the HNSW index once a collection holds this many points (default 10,000). */
  vectorIndexThreshold?: number;
  /** Apply pending migrations on open (default true). */
  autoMigrate?: boolean;
}

export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  if (config.kind === 'embedded') {
    // pgvector is built into the embedded engine so the vector store needs no server.
    return PGliteDatabase.open({ dataDir: config.dataDir, extensions: { vector } });
  }
  const { kind: _kind, ...options } = config;
  return PgDatabase.open(options);
}

export async function openCache(config: CacheConfig): Promise<CacheRepository> {
  if (config.kind === 'memory') return new MemoryCache(config);
  return RedisCache.connect(config);
}

/**
 * Opens the store described by `options`, the environment, or — when nothing is
 * configured — an embedded PGlite database in ./.trend-data.
 */
export async function createStorage(options: CreateStorageOptions = {}): Promise<Storage> {
  const config = resolveConfig(options);
  const db = await openDatabase(config.database);
  let cache: CacheRepository;
  try {
    cache = await openCache(config.cache);
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
  const vectorStores = new Map<string, VectorRepository>();
  const storage: Storage = {
    ...createRepositories(db, options),
    vectors(collection = {}) {
      const c = validate(collectionOptionsSchema, collection, 'collection');
      const key = JSON.stringify(c);
      let store = vectorStores.get(key);
      if (!store) {
        store =
          config.vector.kind === 'qdrant'
            ? new QdrantVectorRepository(c, config.vector)
            : new PgVectorRepository(db, c, { indexThreshold: options.vectorIndexThreshold });
        vectorStores.set(key, store);
      }
      return store;
    },
    config,
    db,
    cache,
    transaction: (fn) => db.transaction((tx) => fn({ ...createRepositories(tx, options), db: tx })),
    purgeItems: (opts) => purgeItems(storage, opts),
    migrate: (opts = {}) => migrate(db, opts),
    migrationStatus: () => migrationStatus(db),
    close: async () => {
      await cache.close();
      await db.close();
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
