// A store's observability from its configuration: where each part's spans point (system, server,
// namespace), which passwords to mask, and the statement hook of the query log and statement text.
import { type Attributes, SpanKind } from '@opentelemetry/api';
import { z } from 'zod';
import {
  type CacheConfig,
  type DatabaseConfig,
  hostOf,
  type StorageConfig,
  type VectorConfig,
} from '../config.js';
import { ValidationError } from '../domain/errors.js';
import { formatPath, validate } from '../domain/validate.js';
import type { StatementHook } from '../sql/executor.js';
import type { CollectionConfig } from '../vector/types.js';
import { type QueryLogOptions, queryLogHook, queryLogSchema } from './query-log.js';
import { Redactor, StatementText } from './redact.js';
import {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_NAMESPACE,
  ATTR_DB_SYSTEM_NAME,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  SYSTEM,
} from './semconv.js';
import { type CallAttributes, Instrumentation, type Target } from './tracing.js';

/**
 * `createStorage({ telemetry })`: what the OpenTelemetry spans carry beyond the defaults. Spans and
 * metrics are recorded whenever the application has registered an OpenTelemetry SDK, and cost
 * next to nothing when it has not. Unknown fields are a ValidationError.
 *
 * @example
 * ```ts
 * const storage = await createStorage({ telemetry: { statementText: true } });
 * ```
 */
export interface TelemetryOptions {
  /**
   * Put the SQL each operation ran on its span (`db.query.text`, one `db.query` event per
   * statement), every literal replaced by `?` (default false). Bind values never go on a span.
   */
  statementText?: boolean;
  /** @internal false: no instrumentation at all (the benchmark's baseline). */
  enabled?: boolean;
}

const telemetrySchema = z
  .object({ statementText: z.boolean().default(false), enabled: z.boolean().default(true) })
  .strict();

/**
 * What is passed through untraced, by area: synchronous helpers, close, and the cache engines'
 * protected primitives (raw*: public to JavaScript, never called through the store's handle).
 */
export const UNTRACED: Record<'db' | 'cache' | 'vectors', (method: string) => boolean> = {
  db: (m) => m === 'poolStats' || m === 'close',
  cache: (m) => m === 'close' || m === 'lookups' || m.startsWith('raw'),
  // The SQL fragment hybrid search builds its statement with: no I/O of its own.
  vectors: (m) => m === 'nearestSql',
};

const withoutCollection = ({ [ATTR_DB_COLLECTION_NAME]: _collection, ...rest }: Attributes): Attributes =>
  rest;

/**
 * Vector methods that are not about the handle's own collection: describeCollection(name) is about
 * the one it names, listCollections about all of them (no db.collection.name).
 */
export const VECTOR_CALLS: Readonly<Record<string, CallAttributes>> = {
  describeCollection: (attributes, [name]) =>
    typeof name === 'string'
      ? { ...attributes, [ATTR_DB_COLLECTION_NAME]: name }
      : withoutCollection(attributes),
  listCollections: withoutCollection,
};

/** The relational tables behind each repository: their spans' db.collection.name. */
const TABLES: Record<string, string> = {
  trends: 'trends',
  topics: 'topics',
  items: 'processed_items',
  pluginHealth: 'plugin_health',
  pipelineRuns: 'pipeline_runs',
};

function urlParts(url: string | undefined): URL | undefined {
  if (!url) return undefined;
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

function sqlTarget(db: DatabaseConfig): Target {
  if (db.kind === 'embedded')
    return { kind: SpanKind.INTERNAL, attributes: { [ATTR_DB_SYSTEM_NAME]: SYSTEM.postgresql } };
  return {
    kind: SpanKind.CLIENT,
    attributes: {
      [ATTR_DB_SYSTEM_NAME]: SYSTEM.postgresql,
      [ATTR_DB_NAMESPACE]: db.database,
      [ATTR_SERVER_ADDRESS]: db.host,
      [ATTR_SERVER_PORT]: db.port,
    },
  };
}

function cacheTarget(cache: CacheConfig): Target {
  if (cache.kind === 'memory')
    return { kind: SpanKind.INTERNAL, attributes: { [ATTR_DB_SYSTEM_NAME]: SYSTEM.memory } };
  const attributes: Attributes = { [ATTR_DB_SYSTEM_NAME]: SYSTEM.redis };
  // A cluster has no one server; a standalone server is named by host, port and database index.
  const u = cache.clusterNodes ? undefined : urlParts(cache.url);
  if (u) {
    attributes[ATTR_SERVER_ADDRESS] = hostOf(u);
    attributes[ATTR_SERVER_PORT] = u.port ? Number(u.port) : 6379;
    attributes[ATTR_DB_NAMESPACE] = /^\/\d+$/.test(u.pathname) ? u.pathname.slice(1) : '0';
  } else if (!cache.clusterNodes) {
    attributes[ATTR_SERVER_ADDRESS] = cache.host ?? '127.0.0.1';
    attributes[ATTR_SERVER_PORT] = cache.port ?? 6379;
    attributes[ATTR_DB_NAMESPACE] = '0';
  }
  return { kind: SpanKind.CLIENT, attributes };
}

function qdrantTarget(vector: Extract<VectorConfig, { kind: 'qdrant' }>): Target {
  const u = urlParts(vector.url);
  const attributes: Attributes = { [ATTR_DB_SYSTEM_NAME]: SYSTEM.qdrant };
  if (u) {
    attributes[ATTR_SERVER_ADDRESS] = hostOf(u);
    attributes[ATTR_SERVER_PORT] = u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
  }
  return { kind: SpanKind.CLIENT, attributes };
}

/**
 * A URL's password as written and as decoded. A `%` that is not an escape (`pa%zz`) is accepted by
 * the URL parser and by config resolution, so it is masked as written instead of failing here.
 */
function urlPasswords(url: string | undefined): string[] {
  const raw = urlParts(url)?.password;
  if (!raw) return [];
  try {
    return [raw, decodeURIComponent(raw)];
  } catch {
    return [raw];
  }
}

/** The passwords of a configuration, wherever they sit (fields, URLs, an API key). */
function secretsOf(config: StorageConfig): (string | undefined)[] {
  const secrets: (string | undefined)[] = [];
  if (config.database.kind === 'postgres') secrets.push(config.database.password);
  if (config.cache.kind === 'redis') secrets.push(config.cache.password, ...urlPasswords(config.cache.url));
  if (config.vector.kind === 'qdrant') secrets.push(config.vector.apiKey, ...urlPasswords(config.vector.url));
  return secrets;
}

/** validate(), except that an unknown field is named by its own path (`log.slowMs`), not its object's. */
function checkOptions<S extends z.ZodType>(schema: S, value: unknown, field: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue?.code === 'unrecognized_keys') {
    throw new ValidationError(formatPath([...issue.path, issue.keys[0]!], field), 'is not an option', {
      cause: result.error,
    });
  }
  return validate(schema, value, field);
}

/** What `createStorage` needs to observe a store. */
export interface Observability {
  /** Wraps the store's objects; undefined when instrumentation is off (the benchmark's baseline). */
  readonly instrumentation: Instrumentation | undefined;
  /** Given to the executor: the query log and statement events; undefined when neither is on. */
  readonly onStatement: StatementHook | undefined;
  readonly sql: Target;
  readonly cache: Target;
  /** The cache's db.system.name: redis, or trend_storage.memory. */
  readonly cacheSystem: string;
  /** db.client.connection.pool.name before it is made unique: host:port/database, or pglite:dir. */
  readonly poolName: string;
  /** The target of one repository's spans (its table as db.collection.name). */
  repository(area: string): Target;
  /** The target of one vector collection's spans. */
  vectors(collection: CollectionConfig): Target;
}

/** Checks `telemetry` and `log` (ValidationError naming the field) and settles the store's observability. */
export function setupObservability(
  config: StorageConfig,
  options: { telemetry?: TelemetryOptions; log?: QueryLogOptions },
): Observability {
  // Only an omitted field takes the defaults: `telemetry: null`, like `log: null`, is refused.
  const telemetry = checkOptions(
    telemetrySchema,
    options.telemetry === undefined ? {} : options.telemetry,
    'telemetry',
  );
  const log = options.log === undefined ? undefined : checkOptions(queryLogSchema, options.log, 'log');
  const redactor = new Redactor(secretsOf(config));
  const texts = new StatementText(redactor);
  const instrumentation = telemetry.enabled
    ? new Instrumentation(telemetry.statementText ? texts : undefined)
    : undefined;
  const hooks: StatementHook[] = [];
  if (log) hooks.push(queryLogHook(log, texts, redactor));
  if (instrumentation && telemetry.statementText) hooks.push((e) => instrumentation.noteStatement(e));
  const onStatement: StatementHook | undefined =
    hooks.length <= 1
      ? hooks[0]
      : (e) => {
          for (const h of hooks) h(e);
        };
  const sql = sqlTarget(config.database);
  const db = config.database;
  return {
    instrumentation,
    onStatement,
    sql,
    cache: cacheTarget(config.cache),
    cacheSystem: config.cache.kind === 'memory' ? SYSTEM.memory : SYSTEM.redis,
    poolName:
      db.kind === 'postgres' ? `${db.host}:${db.port}/${db.database}` : `pglite:${db.dataDir ?? 'memory'}`,
    repository(area) {
      const table = TABLES[area];
      return table
        ? { kind: sql.kind, attributes: { ...sql.attributes, [ATTR_DB_COLLECTION_NAME]: table } }
        : sql;
    },
    vectors(collection) {
      const base = config.vector.kind === 'qdrant' ? qdrantTarget(config.vector) : sql;
      return {
        kind: base.kind,
        attributes: { ...base.attributes, [ATTR_DB_COLLECTION_NAME]: collection.name },
      };
    },
  };
}
