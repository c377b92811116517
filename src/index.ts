// The public API. What is not exported here is internal and may change in any release.

export type { CacheOptions } from './cache/base.js';
export { EmptyNamespaceError, PickledValueError } from './cache/errors.js';
export { MemoryCache, type MemoryCacheOptions } from './cache/memory.js';
export { RedisCache, type RedisCacheOptions } from './cache/redis.js';
export type { CacheRepository, CacheStats, ListEndOptions, TtlOptions } from './cache/types.js';
export {
  type CacheConfig,
  type DatabaseConfig,
  DEFAULT_DATA_DIR,
  describeDatabase,
  type PgOptions,
  resolveConfig,
  type StorageConfig,
  type StorageOptions,
  type VectorConfig,
} from './config.js';
export * from './domain/enums.js';
export * from './domain/errors.js';
export {
  type JsonObject,
  type JsonValue,
  LIMITS,
  type Metrics,
  type MetricsInput,
  type PipelineRun,
  type PluginHealth,
  type ProcessedItem,
  type ProcessedItemInput,
  type Topic,
  type TopicInput,
  TREND_SORTS,
  type Trend,
  type TrendFilter,
  type TrendInput,
  type TrendSort,
  type VectorMatch,
} from './domain/models.js';
export { checkHealth, type HealthCheck, type HealthReport, type ServerVersions } from './health.js';
export type { QueryLogError, QueryLogEvent, QueryLogOptions } from './observability/query-log.js';
export type { TelemetryOptions } from './observability/setup.js';
export type { Repositories, RepositoryOptions } from './repositories/index.js';
export type { IngestOptions, IngestProgress, IngestResult, IngestSource } from './repositories/ingest.js';
export type {
  BatchResult,
  ItemCountFilter,
  ItemKey,
  ItemRepository,
  ItemSearch,
} from './repositories/items.js';
export type {
  PipelineResult,
  PipelineRunRepository,
  RecentRunsOptions,
} from './repositories/pipeline-runs.js';
export type { PluginHealthOptions, PluginHealthRepository, PluginRun } from './repositories/plugin-health.js';
export type {
  ReadModels,
  ReadOptions,
  SourceDayCount,
  SourcePopularity,
  TableCounts,
  TrendingTopic,
} from './repositories/read-models.js';
export type { TopicPatch, TopicRepository, TopicSearch } from './repositories/topics.js';
export type {
  CompactHistoryOptions,
  CompactHistoryReport,
  HistoryOptions,
  MoversOptions,
  TrendHistoryInput,
  TrendHistoryPoint,
  TrendMove,
} from './repositories/trend-history.js';
export type { TopTrendsOptions, TrendPatch, TrendRepository } from './repositories/trends.js';
export { PurgeError, type PurgeOptions, type PurgeReport } from './retention.js';
export * as schemas from './schemas.js';
export type { HybridHit, HybridItemSearch, HybridSearch, HybridTrendSearch } from './search/hybrid.js';
export type { CopyTarget, Database, Executor, PoolStats, Row } from './sql/executor.js';
export { FRESHNESS_DAYS, RELEVANCE_WINDOW, TEXT_SORTS } from './sql/full-text.js';
export type { AppliedMigration, Migration, MigrationStatus } from './sql/migrate.js';
export { migrate, migrationStatus } from './sql/migrate.js';
export { type CreateStorageOptions, createStorage, type Storage, type Transaction } from './storage.js';
export type { Bound, Scalar, VectorFilter } from './vector/filter.js';
export {
  type CollectionConfig,
  type CollectionOptions,
  type CollectionShape,
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
