import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';
import { checkTtl } from './cache/types.js';
import { ValidationError } from './domain/errors.js';
import { validate } from './domain/validate.js';

/** The resolved database: the embedded PGlite engine in a directory, or a PostgreSQL server. */
/** A PostgreSQL server and its pool: `StorageOptions.postgres`, and the resolved config. */
export interface PgOptions {
  host: string;
  port: number;
  database: string;
  user: string;
  password?: string | undefined;
  /** false, true (verify the certificate), or node TLS options. */
  ssl?: boolean | { rejectUnauthorized?: boolean; ca?: string } | undefined;
  poolMin: number;
  poolMax: number;
  connectTimeoutMs: number;
  /** 0 disables the server-side statement timeout. */
  statementTimeoutMs: number;
  idleTimeoutMs: number;
  applicationName: string;
}

export type DatabaseConfig =
  | {
      /** The embedded PGlite engine. */
      kind: 'embedded';
      /** The data directory; null keeps the data in memory. */
      dataDir: string | null;
    }
  | ({
      /** A PostgreSQL server, through a pool of connections. */
      kind: 'postgres';
    } & PgOptions);

/** The resolved vector store: pgvector in the same database, or a Qdrant server. */
export type VectorConfig =
  | {
      /** pgvector tables in the store's own database. */
      kind: 'pgvector';
    }
  | {
      /** A Qdrant server. */
      kind: 'qdrant';
      /** The server's http(s):// URL. */
      url: string;
      /** Sent as Qdrant's api-key header, when set. */
      apiKey?: string | undefined;
      /** Client-side request timeout in milliseconds (default 10,000). */
      timeoutMs: number;
    };

/** The resolved cache: in process, or Redis (standalone or Cluster). */
export type CacheConfig =
  | {
      /** The in-process cache. */
      kind: 'memory';
      /** Namespace every key lives under. */
      prefix: string;
      /** TTL of a write that names none, in seconds. */
      defaultTtlSeconds: number;
      /** Most keys kept; the least recently used go first (CACHE_MAX_ENTRIES, default 100,000). */
      maxEntries: number;
    }
  | {
      /** A Redis server or cluster. */
      kind: 'redis';
      /** Namespace every key lives under. */
      prefix: string;
      /** TTL of a write that names none, in seconds. */
      defaultTtlSeconds: number;
      /** redis:// or rediss:// URL; may hold the password. */
      url?: string | undefined;
      /** Host when there is no URL (127.0.0.1 when neither is set). */
      host?: string | undefined;
      /** Port when there is no URL (default 6379). */
      port?: number | undefined;
      /** Sent with AUTH; overrides a password in the URL. */
      password?: string | undefined;
      /** Redis Cluster seed nodes; when set, the cache talks to a cluster. */
      clusterNodes?:
        | {
            /** Node host name or address. */
            host: string;
            /** Node port. */
            port: number;
          }[]
        | undefined;
      /** TLS, from a rediss:// URL. */
      tls: boolean;
      /** A command unanswered after this many milliseconds fails with ConnectionError (default 2,000). */
      commandTimeoutMs: number;
    };

/**
 * Where the database, the vector store and the cache are, settled from options, environment and
 * defaults: what `resolveConfig` returns and `storage.config` holds. It includes passwords.
 */
export interface StorageConfig {
  /** The relational database. */
  database: DatabaseConfig;
  /** The vector store. */
  vector: VectorConfig;
  /** The cache. */
  cache: CacheConfig;
}

/**
 * Where the store's parts are, as `createStorage` and `resolveConfig` accept it; every field
 * optional, the environment fills the rest (README, "Configuration").
 *
 * @example
 * ```ts
 * const options: StorageOptions = { dataDir: './data', redis: { url: 'redis://localhost:6379' } };
 * const config = resolveConfig(options);
 * ```
 */
export interface StorageOptions {
  /**
   * A postgres:// URL. Takes precedence over `postgres`, whose fields are laid over it (pool
   * sizes, timeouts).
   */
  databaseUrl?: string;
  /**
   * Server settings field by field (defaults: port 5432, database trends, user trend_user, pool
   * 10–20). Used only with `databaseUrl` or a `host`; without either, the whole object is ignored.
   */
  postgres?: Partial<PgOptions>;
  /** Embedded data directory; `null` for an in-memory database. */
  dataDir?: string | null;
  /**
   * Redis for the cache; `false` for the in-memory cache even when REDIS_* is set. Omitted:
   * Redis when REDIS_URL, REDIS_CLUSTER_NODES or REDIS_HOST is set, else in memory.
   */
  redis?:
    | {
        /** redis:// or rediss:// (TLS) URL; without it and without cluster nodes, 127.0.0.1:6379. */
        url?: string;
        /** Redis Cluster seed nodes, `host:port,host:port`. */
        clusterNodes?: string;
        /** Sent with AUTH. */
        password?: string;
        /** A command unanswered after this many milliseconds fails with ConnectionError (default 2,000). */
        commandTimeoutMs?: number;
      }
    | false;
  /** Cache namespace (default "trend:") and default TTL (3600 s). */
  cachePrefix?: string;
  /** TTL of a cache write that names none, in whole seconds > 0 (default 3600, or CACHE_DEFAULT_TTL). */
  cacheTtlSeconds?: number;
  /** A Qdrant server for the vector store; pgvector in the same database when omitted. */
  qdrant?: {
    /** The server's http(s):// URL. */
    url: string;
    /** Sent as Qdrant's api-key header. */
    apiKey?: string;
    /** Client-side request timeout in milliseconds (default 10,000). */
    timeoutMs?: number;
  };
  /** Environment to read instead of process.env (+ .env). */
  env?: Record<string, string | undefined>;
}

/** Where the embedded database lives when neither `dataDir` nor TREND_DATA_DIR says (`.trend-data`). */
export const DEFAULT_DATA_DIR = '.trend-data';

const PG_DEFAULTS = {
  port: 5432,
  database: 'trends',
  user: 'trend_user',
  poolMin: 10,
  poolMax: 20,
  connectTimeoutMs: 5000,
  statementTimeoutMs: 30_000,
  idleTimeoutMs: 30_000,
  applicationName: 'trend-storage',
} as const;

const port = z.coerce.number().int().min(1).max(65535);
const pgOptionsSchema = z
  .object({
    host: z.string().min(1),
    port,
    database: z.string().min(1),
    user: z.string().min(1),
    password: z.string().optional(),
    ssl: z
      .union([
        z.boolean(),
        z.object({ rejectUnauthorized: z.boolean().optional(), ca: z.string().optional() }),
      ])
      .optional(),
    poolMin: z.coerce.number().int().min(0),
    poolMax: z.coerce.number().int().min(1),
    connectTimeoutMs: z.coerce.number().int().min(1),
    statementTimeoutMs: z.coerce.number().int().min(0),
    idleTimeoutMs: z.coerce.number().int().min(0),
    applicationName: z.string().max(63),
  })
  .refine((o) => o.poolMin <= o.poolMax, { message: 'poolMin must not exceed poolMax', path: ['poolMin'] });

/** process.env over the .env file of the working directory, as dotenv does. */
export function loadEnv(cwd = process.cwd()): Record<string, string | undefined> {
  const file = resolve(cwd, '.env');
  const fromFile = existsSync(file) ? parseDotenv(readFileSync(file)) : {};
  return { ...fromFile, ...process.env };
}

/** libpq's sslmode words → node TLS options. */
function sslFromMode(mode: string | undefined): PgOptions['ssl'] {
  switch (mode) {
    case undefined:
    case '':
    case 'disable':
    case 'allow':
    case 'prefer':
      return undefined;
    case 'require':
    case 'no-verify':
      return { rejectUnauthorized: false };
    case 'verify-ca':
    case 'verify-full':
      return { rejectUnauthorized: true };
    default:
      throw new ValidationError('sslmode', 'must be one of disable, require, verify-ca, verify-full');
  }
}

/** A URL's host as a driver takes it: an IPv6 literal without the brackets the URL needs (`[::1]` → `::1`). */
export function hostOf(u: URL): string {
  return u.hostname.replace(/^\[(.*)\]$/, '$1');
}

/**
 * A URL's user, password, host or path as text. The URL parser keeps a `%` that starts no escape
 * (`pa%zz`); decoding it (here, or in a driver) throws a bare URIError: a ValidationError instead.
 */
function decodeUrlPart(part: string, field: string, name: string): string {
  try {
    return decodeURIComponent(part);
  } catch (err) {
    throw new ValidationError(field, `has a % that is not a %XX escape in its ${name}`, { cause: err });
  }
}

/** Parses a postgres:// URL without ever echoing it (it may hold a password). */
function fromUrl(url: string, field: string): Partial<PgOptions> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ValidationError(field, 'must be a valid postgres:// URL');
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new ValidationError(field, 'must start with postgres:// or postgresql://');
  }
  const decoded = (part: string, name: string) => decodeUrlPart(part, field, name);
  const params = u.searchParams;
  return {
    host: decoded(hostOf(u), 'host') || params.get('host') || 'localhost',
    port: u.port ? Number(u.port) : PG_DEFAULTS.port,
    database: decoded(u.pathname.replace(/^\//, ''), 'database name') || PG_DEFAULTS.database,
    user: decoded(u.username, 'user name') || PG_DEFAULTS.user,
    password: u.password ? decoded(u.password, 'password') : undefined,
    ssl: sslFromMode(params.get('sslmode') ?? undefined),
    ...(params.get('application_name') ? { applicationName: params.get('application_name')! } : {}),
  };
}

function fromEnv(env: Record<string, string | undefined>): Partial<PgOptions> | undefined {
  if (env.DATABASE_URL) return fromUrl(env.DATABASE_URL, 'DATABASE_URL');
  if (!env.POSTGRES_HOST) return undefined;
  return {
    host: env.POSTGRES_HOST,
    ...stripUndefined({ port: portVar(env, 'POSTGRES_PORT') }),
    ...(env.POSTGRES_DB ? { database: env.POSTGRES_DB } : {}),
    ...(env.POSTGRES_USER ? { user: env.POSTGRES_USER } : {}),
    password: env.POSTGRES_PASSWORD,
    ssl: sslFromMode(env.POSTGRES_SSLMODE),
  };
}

/** A whole-number variable, or undefined when unset; anything else is refused at startup, by name. */
function intVar(env: Record<string, string | undefined>, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw.trim())) throw new ValidationError(name, `must be a whole number, not "${raw}"`);
  return Number(raw);
}

/** A TCP port variable (1–65535), or undefined when unset. */
function portVar(env: Record<string, string | undefined>, name: string): number | undefined {
  const port = intVar(env, name);
  if (port !== undefined && (port < 1 || port > 65535))
    throw new ValidationError(name, 'must be a port, 1 to 65535');
  return port;
}

function poolFromEnv(env: Record<string, string | undefined>): Partial<PgOptions> {
  return stripUndefined({
    poolMin: intVar(env, 'POSTGRES_POOL_MIN'),
    poolMax: intVar(env, 'POSTGRES_POOL_MAX'),
    statementTimeoutMs: intVar(env, 'POSTGRES_STATEMENT_TIMEOUT_MS'),
    connectTimeoutMs: intVar(env, 'POSTGRES_CONNECT_TIMEOUT_MS'),
  });
}

/**
 * Settles where the database, the cache and the vector store are, without connecting to anything.
 * Per setting, first match wins: explicit options → environment → .env → defaults. The database:
 * `databaseUrl` / `postgres` / `dataDir` → DATABASE_URL | POSTGRES_* → embedded PGlite in
 * TREND_DATA_DIR or ./.trend-data. The cache and the vector store are settled on their own
 * (`redis` → REDIS_*; `qdrant` → QDRANT_*), whatever chose the database. A bad value is a
 * ValidationError naming the option or variable (`CACHE_DEFAULT_TTL`, `redis.url`, `postgres.port`).
 *
 * @example
 * ```ts
 * const config = resolveConfig({ env: { DATABASE_URL: 'postgres://app:secret@db:5432/trends' } });
 * console.log(describeDatabase(config.database)); // postgres://app:****@db:5432/trends
 * ```
 */
export function resolveConfig(options: StorageOptions = {}): StorageConfig {
  const env = options.env ?? loadEnv();
  // Where the server is comes from one place (the URL, `postgres.host`, or the environment); the
  // pool and timeout settings are resolved one by one: options, then POSTGRES_* variables.
  const where =
    options.databaseUrl !== undefined
      ? fromUrl(options.databaseUrl, 'databaseUrl')
      : options.postgres?.host
        ? {}
        : options.dataDir !== undefined
          ? undefined
          : fromEnv(env);
  const server = where && { ...where, ...poolFromEnv(env), ...stripUndefined(options.postgres ?? {}) };
  const vector = vectorConfig(options, env);
  const cache = cacheConfig(options, env);
  if (server) {
    const given = stripUndefined(server);
    // A pool capped below the default minimum gets a minimum that fits it.
    const poolMin = given.poolMin ?? Math.min(PG_DEFAULTS.poolMin, given.poolMax ?? PG_DEFAULTS.poolMin);
    const parsed = validate(pgOptionsSchema, { ...PG_DEFAULTS, poolMin, ...given }, 'postgres');
    return { database: { kind: 'postgres', ...parsed }, vector, cache };
  }
  const dataDir = options.dataDir !== undefined ? options.dataDir : (env.TREND_DATA_DIR ?? DEFAULT_DATA_DIR);
  return { database: { kind: 'embedded', dataDir }, vector, cache };
}

const nodeList = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((n) => n.trim())
      .filter(Boolean),
  )
  .pipe(
    z
      .array(
        z
          .string()
          .regex(/^[^:\s]+:\d{1,5}$/, 'must be host:port')
          .transform((n) => ({
            host: n.slice(0, n.lastIndexOf(':')),
            port: Number(n.slice(n.lastIndexOf(':') + 1)),
          })),
      )
      .min(1),
  );

/**
 * REDIS_URL (redis:// or rediss://), REDIS_CLUSTER_NODES (host:port,…) or REDIS_HOST/PORT/PASSWORD:
 * Redis; otherwise the in-memory cache.
 */
function cacheConfig(options: StorageOptions, env: Record<string, string | undefined>): CacheConfig {
  const prefix = options.cachePrefix ?? env.CACHE_PREFIX ?? 'trend:';
  const defaultTtlSeconds =
    options.cacheTtlSeconds !== undefined
      ? checkTtl(options.cacheTtlSeconds, 'cacheTtlSeconds')
      : checkTtl(intVar(env, 'CACHE_DEFAULT_TTL') ?? 3600, 'CACHE_DEFAULT_TTL');
  const fromEnvironment =
    env.REDIS_URL || env.REDIS_CLUSTER_NODES || env.REDIS_HOST
      ? {
          url:
            env.REDIS_URL ||
            (env.REDIS_HOST ? `redis://${env.REDIS_HOST}:${portVar(env, 'REDIS_PORT') ?? 6379}` : undefined),
          clusterNodes: env.REDIS_CLUSTER_NODES,
          password: env.REDIS_PASSWORD,
          commandTimeoutMs: intVar(env, 'REDIS_COMMAND_TIMEOUT_MS'),
        }
      : undefined;
  const r = options.redis === false ? undefined : (options.redis ?? fromEnvironment);
  if (!r)
    return {
      kind: 'memory',
      prefix,
      defaultTtlSeconds,
      maxEntries: intVar(env, 'CACHE_MAX_ENTRIES') ?? 100_000,
    };
  const urlField = options.redis ? 'redis.url' : 'REDIS_URL';
  if (r.url !== undefined && !/^rediss?:\/\/[^\s]+$/.test(r.url)) {
    throw new ValidationError(urlField, 'must be a redis:// or rediss:// URL');
  }
  const u = r.url === undefined ? undefined : URL.canParse(r.url) ? new URL(r.url) : undefined;
  if (u) {
    decodeUrlPart(u.username, urlField, 'user name');
    decodeUrlPart(u.password, urlField, 'password');
  }
  return {
    kind: 'redis',
    prefix,
    defaultTtlSeconds,
    url: r.url,
    password: r.password,
    clusterNodes: r.clusterNodes ? validate(nodeList, r.clusterNodes, 'redis.clusterNodes') : undefined,
    tls: r.url?.startsWith('rediss://') ?? false,
    commandTimeoutMs: r.commandTimeoutMs ?? 2000,
  };
}

export function describeCache(config: CacheConfig): string {
  if (config.kind === 'memory') return 'in-memory cache';
  if (config.clusterNodes)
    return `redis cluster ${config.clusterNodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
  if (!config.url) return 'redis';
  const u = new URL(config.url);
  if (u.password) u.password = '****';
  return u.toString();
}

const qdrantSchema = z.object({
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s):// URL' }),
  apiKey: z.string().min(1).optional(),
  timeoutMs: z.coerce.number().int().min(1).default(10_000),
});

/** QDRANT_URL, or QDRANT_HOST/QDRANT_PORT (6333): Qdrant; otherwise pgvector in the same database. */
function vectorConfig(options: StorageOptions, env: Record<string, string | undefined>): VectorConfig {
  const fromEnvironment = env.QDRANT_URL
    ? { url: env.QDRANT_URL, apiKey: env.QDRANT_API_KEY, timeoutMs: env.QDRANT_TIMEOUT_MS }
    : env.QDRANT_HOST
      ? {
          url: `http://${env.QDRANT_HOST}:${portVar(env, 'QDRANT_PORT') ?? 6333}`,
          apiKey: env.QDRANT_API_KEY,
          timeoutMs: env.QDRANT_TIMEOUT_MS,
        }
      : undefined;
  const q = options.qdrant ?? fromEnvironment;
  if (!q) return { kind: 'pgvector' };
  return { kind: 'qdrant', ...validate(qdrantSchema, stripUndefined(q), 'qdrant') };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function describeVector(config: VectorConfig): string {
  if (config.kind === 'pgvector') return 'pgvector (same database)';
  const u = new URL(config.url);
  u.username = '';
  u.password = '';
  return `qdrant ${u.origin}`;
}

/**
 * The database target for printing, with the password masked: `postgres://user:****@host:port/db`,
 * or `embedded PGlite (dir)` / `embedded PGlite (memory)`.
 *
 * @example
 * ```ts
 * console.log(`database: ${describeDatabase(storage.config.database)}`);
 * ```
 */
export function describeDatabase(config: DatabaseConfig): string {
  if (config.kind === 'embedded')
    return config.dataDir ? `embedded PGlite (${config.dataDir})` : 'embedded PGlite (memory)';
  const auth = config.password ? `${config.user}:****` : config.user;
  return `postgres://${auth}@${config.host}:${config.port}/${config.database}`;
}
