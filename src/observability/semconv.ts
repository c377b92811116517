// OpenTelemetry's stable database semantic conventions, by name. Written out rather than imported
// from @opentelemetry/semantic-conventions: six strings are not worth a runtime dependency.

export const ATTR_DB_SYSTEM_NAME = 'db.system.name';
export const ATTR_DB_NAMESPACE = 'db.namespace';
export const ATTR_DB_COLLECTION_NAME = 'db.collection.name';
export const ATTR_DB_OPERATION_NAME = 'db.operation.name';
export const ATTR_DB_QUERY_SUMMARY = 'db.query.summary';
export const ATTR_DB_QUERY_TEXT = 'db.query.text';
export const ATTR_DB_OPERATION_BATCH_SIZE = 'db.operation.batch.size';
export const ATTR_DB_RESPONSE_STATUS_CODE = 'db.response.status_code';
export const ATTR_DB_RESPONSE_RETURNED_ROWS = 'db.response.returned_rows';
export const ATTR_SERVER_ADDRESS = 'server.address';
export const ATTR_SERVER_PORT = 'server.port';
export const ATTR_ERROR_TYPE = 'error.type';
export const ATTR_POOL_NAME = 'db.client.connection.pool.name';
export const ATTR_CONNECTION_STATE = 'db.client.connection.state';

/** This library's own attributes: the cache engine and a statement's duration on its span event. */
export const ATTR_CACHE_ENGINE = 'trend_storage.cache.engine';
export const ATTR_STATEMENT_DURATION_MS = 'trend_storage.duration_ms';

export const METRIC_OPERATION_DURATION = 'db.client.operation.duration';
export const METRIC_CONNECTION_COUNT = 'db.client.connection.count';
export const METRIC_CONNECTION_MAX = 'db.client.connection.max';
export const METRIC_PENDING_REQUESTS = 'db.client.connection.pending_requests';
export const METRIC_CACHE_HITS = 'trend_storage.cache.hits';
export const METRIC_CACHE_MISSES = 'trend_storage.cache.misses';

/** The advised buckets of db.client.operation.duration, in seconds. */
export const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10];

/** Well-known `db.system.name` values, and ours for the in-process cache. */
export const SYSTEM = {
  postgresql: 'postgresql',
  redis: 'redis',
  qdrant: 'qdrant',
  memory: 'trend_storage.memory',
} as const;

/** The span event each SQL statement adds to its operation's span when statement text is on. */
export const EVENT_STATEMENT = 'db.query';

/** The instrumentation scope: tracer and meter name. */
export const SCOPE = 'trend-storage';
