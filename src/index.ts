export { EmptyNamespaceError, PickledValueError } from './cache/errors.js';
export type { DatabaseConfig, StorageConfig, StorageOptions } from './config.js';
export { DEFAULT_DATA_DIR, describeDatabase, resolveConfig } from './config.js';
export { hashEmbedding } from './demo/embed.js';
export * from './domain/enums.js';
export * from './domain/errors.js';
export * from './domain/models.js';
export { checkHealth, type HealthCheck, type HealthReport } from './health.js';
export type { Catalog, ColumnInfo } from './sql/catalog.js';
export { readCatalog } from './sql/catalog.js';
export type { Database, Executor, Row } from './sql/executor.js';
export type { AppliedMigration, Migration, MigrationStatus } from './sql/migrate.js';
export { loadMigrations, migrate, migrationStatus } from './sql/migrate.js';
export type { PgOptions } from './sql/pg.js';
export { PgDatabase } from './sql/pg.js';
export type { PGliteOptions } from './sql/pglite.js';
export { PGliteDatabase } from './sql/pglite.js';
export type { CreateStorageOptions, Storage } from './storage.js';
export { createStorage, openCache, openDatabase } from './storage.js';
export type { Bound, Scalar, VectorFilter } from './vector/filter.js';
export { type PgVectorOptions, PgVectorRepository } from './vector/pgvector.js';
export { type QdrantOptions, QdrantVectorRepository } from './vector/qdrant.js';
export {
  type CollectionConfig,
  type CollectionOptions,
  DEFAULT_COLLECTION,
  DEFAULT_DIMENSIONS,
  DISTANCES,
  type Distance,
  PAYLOAD_INDEX_TYPES,
  type PayloadIndexType,
  type ScrollOptions,
  type SearchOptions,
  type StoredVector,
  type VectorPoint,
  type VectorRecord,
  type VectorRepository,
} from './vector/types.js';
