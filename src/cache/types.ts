import { ValidationError } from '../domain/errors.js';
import { textProblem } from '../domain/text.js';

export const DEFAULT_TTL_SECONDS = 3600;
export const DEFAULT_PREFIX = 'trend:';
export const MAX_TTL_SECONDS = 100 * 365 * 86_400;

/**
 * Options of a write that stores with an expiry.
 *
 * @example
 * ```ts
 * const ttl: TtlOptions = { ttlSeconds: 300 };
 * await storage.cache.set('trends:top', trends, ttl);
 * ```
 */
export interface TtlOptions {
  /**
   * Seconds until the entry expires, a whole number > 0 (default: the cache's default TTL, 3600 s
   * unless configured).
   */
  ttlSeconds?: number;
}

/**
 * Which end of a list: `right` (the tail, default) or `left` (the head), as RPUSH/LPUSH.
 *
 * @example
 * ```ts
 * const head: ListEndOptions = { side: 'left' };
 * await storage.cache.pushToList('recent', trendId, head);
 * ```
 */
export interface ListEndOptions {
  /** `right` (default) or `left`; anything else is a ValidationError. */
  side?: 'left' | 'right';
}

/**
 * A cache's hit and miss counts, from `storage.cache.stats()`.
 *
 * @example
 * ```ts
 * const { hitRatio, scope } = await storage.cache.stats();
 * console.log(`hit ratio ${hitRatio === null ? '—' : (hitRatio * 100).toFixed(1)}% (${scope})`);
 * ```
 */
export interface CacheStats {
  /** The engine: `redis`, `redis-cluster` or `memory`. */
  engine: 'redis' | 'redis-cluster' | 'memory';
  /**
   * Whose lookups: `server` — Redis's own counters (INFO keyspace_hits / keyspace_misses: every
   * client of the server, every master of a cluster, since it started or CONFIG RESETSTAT);
   * `process` — this cache's lookups (get, getMany, getHash, getOrSet) since it opened.
   */
  scope: 'server' | 'process';
  /** Lookups that found the key. */
  hits: number;
  /** Lookups that did not. */
  misses: number;
  /** hits ÷ (hits + misses); null before the first lookup. */
  hitRatio: number | null;
}

/**
 * Every cache operation of the platform's contract, on every engine, with Redis's semantics.
 * A missing key reads as `undefined`; a stored `null` reads as `null`. Keys are 1–1,024 characters,
 * kept under the cache's prefix; values are stored as JSON (docs/CACHE.md), Date, BigInt, Map, Set
 * and bytes included. A bad key or a value that cannot be stored (a function, a class instance, a
 * cycle, `undefined`) is a ValidationError; an operation on a key of another kind (a hash read as a
 * list) is a StorageError with Redis's WRONGTYPE.
 */
export interface CacheRepository {
  /** Which engine serves the cache: `redis`, `redis-cluster` or `memory`. */
  readonly engine: 'redis' | 'redis-cluster' | 'memory';
  /**
   * The stored value, decoded; `undefined` when the key is missing. `T` is the caller's claim, not
   * checked. A value another client stored as a Python pickle is a PickledValueError, never
   * unpickled; so is a batch read (getMany, getAllHash, getList) that meets one.
   *
   * @example
   * ```ts
   * const top = await storage.cache.get<Trend[]>('trends:top'); // undefined when missing
   * ```
   */
  get<T = unknown>(key: string): Promise<T | undefined>;
  /**
   * Stores a value with a TTL (default: the cache's default TTL).
   *
   * @example
   * ```ts
   * await storage.cache.set('trends:top', trends, { ttlSeconds: 300 });
   * ```
   */
  set(key: string, value: unknown, options?: TtlOptions): Promise<void>;
  /**
   * Deletes the key, whatever it holds. True when the key existed.
   *
   * @example
   * ```ts
   * await storage.cache.delete(`item:${itemId}`);
   * ```
   */
  delete(key: string): Promise<boolean>;
  /**
   * Whether the key exists (and has not expired).
   *
   * @example
   * ```ts
   * if (!(await storage.cache.exists('trends:top'))) await refreshTopTrends();
   * ```
   */
  exists(key: string): Promise<boolean>;
  /**
   * Adds `by` (default 1, a safe integer) to an integer counter, created at 0 without expiry (as
   * INCRBY); a counter keeps its TTL. Returns the new value; a value that is not an integer is a
   * StorageError.
   *
   * @example
   * ```ts
   * const views = await storage.cache.increment(`views:${trendId}`, { by: 5 });
   * ```
   */
  increment(key: string, options?: { by?: number }): Promise<number>;
  /**
   * Subtracts `by` (default 1); see increment.
   *
   * @example
   * ```ts
   * const left = await storage.cache.decrement('quota:reddit');
   * ```
   */
  decrement(key: string, options?: { by?: number }): Promise<number>;
  /**
   * One field of a hash; `undefined` when the key or the field is missing.
   *
   * @example
   * ```ts
   * const reddit = await storage.cache.getHash<{ ok: boolean }>('source-health', 'reddit');
   * ```
   */
  getHash<T = unknown>(key: string, field: string): Promise<T | undefined>;
  /**
   * Sets fields of the hash at `key` (HSET; at least one field). Returns how many of them were new.
   * A new hash has no expiry: give it one with setTtl.
   *
   * @example
   * ```ts
   * await storage.cache.setHash('source-health', { reddit: { ok: true }, bbc: { ok: false } });
   * ```
   */
  setHash(key: string, fields: Record<string, unknown>): Promise<number>;
  /**
   * Every field of the hash at `key`, decoded; `{}` when the key is missing.
   *
   * @example
   * ```ts
   * const health = await storage.cache.getAllHash('source-health');
   * ```
   */
  getAllHash(key: string): Promise<Record<string, unknown>>;
  /**
   * Deletes one field of a hash (the hash goes with its last field). True when the field existed.
   *
   * @example
   * ```ts
   * await storage.cache.deleteHashField('source-health', 'bbc');
   * ```
   */
  deleteHashField(key: string, field: string): Promise<boolean>;
  /**
   * Deletes every key of this cache's namespace (never another's). Returns how many. Refused with
   * EmptyNamespaceError when the prefix is empty: that namespace is the whole database.
   *
   * @example
   * ```ts
   * const deleted = await storage.cache.flush();
   * ```
   */
  flush(): Promise<number>;
  /**
   * Replaces the list at `key` with `values` (deleting it when empty), with a TTL.
   *
   * @example
   * ```ts
   * await storage.cache.setWithList('recent', recentTrendIds, { ttlSeconds: 600 });
   * ```
   */
  setWithList(key: string, values: readonly unknown[], options?: TtlOptions): Promise<void>;
  /**
   * Every element of the list at `key`, head first; `[]` when the key is missing.
   *
   * @example
   * ```ts
   * const recent = await storage.cache.getList('recent');
   * ```
   */
  getList(key: string): Promise<unknown[]>;
  /**
   * Appends (or, with `side: 'left'`, prepends) one value; returns the new length. A new list has
   * no expiry.
   *
   * @example
   * ```ts
   * const length = await storage.cache.pushToList('recent', trendId, { side: 'left' });
   * ```
   */
  pushToList(key: string, value: unknown, options?: ListEndOptions): Promise<number>;
  /**
   * Removes and returns the last (or, with `side: 'left'`, the first) value; `undefined` when empty.
   *
   * @example
   * ```ts
   * const next = await storage.cache.popFromList<string>('queue', { side: 'left' });
   * ```
   */
  popFromList<T = unknown>(key: string, options?: ListEndOptions): Promise<T | undefined>;
  /**
   * Seconds left; -1 without expiry, -2 when missing (as Redis TTL).
   *
   * @example
   * ```ts
   * const secondsLeft = await storage.cache.getTtl('trends:top');
   * ```
   */
  getTtl(key: string): Promise<number>;
  /**
   * Gives the key a new TTL (a whole number of seconds > 0), whatever it holds. False when the key
   * is missing.
   *
   * @example
   * ```ts
   * await storage.cache.setTtl('source-health', 3600);
   * ```
   */
  setTtl(key: string, ttlSeconds: number): Promise<boolean>;
  /**
   * Keys of this namespace matching a Redis glob (* ? [ab] [^a] [a-z] \x), sorted, without the
   * prefix. On Redis they are found with SCAN, never KEYS.
   *
   * @example
   * ```ts
   * const counters = await storage.cache.keysMatching('views:*');
   * ```
   */
  keysMatching(pattern: string): Promise<string[]>;
  /**
   * Deletes the keys of this namespace matching the glob. Returns how many.
   *
   * @example
   * ```ts
   * const deleted = await storage.cache.deletePattern('item:*');
   * ```
   */
  deletePattern(pattern: string): Promise<number>;
  /**
   * Values in the order of `keys`; `undefined` where missing, or where the key holds a hash or
   * a list (as MGET).
   *
   * @example
   * ```ts
   * const [a, b] = await storage.cache.getMany(['trend:1', 'trend:2']);
   * ```
   */
  getMany(keys: readonly string[]): Promise<unknown[]>;
  /**
   * Deletes every key of `keys` (of any type: value, hash, list) in one batch. Returns how many
   * existed. A missing key is not an error.
   *
   * @example
   * ```ts
   * const deleted = await storage.cache.deleteMany(['item:1', 'item:2']);
   * ```
   */
  deleteMany(keys: readonly string[]): Promise<number>;
  /**
   * Stores every key → value of `entries`, all with one TTL (default: the cache's default TTL).
   * Not atomic: on a failure some may be stored.
   *
   * @example
   * ```ts
   * await storage.cache.setMany({ 'trend:1': first, 'trend:2': second }, { ttlSeconds: 300 });
   * ```
   */
  setMany(entries: Record<string, unknown>, options?: TtlOptions): Promise<void>;
  /**
   * The cached value, or the loader's (stored with the TTL); concurrent misses in this process share
   * one load. A write to the key through this cache while the load runs, or a write from elsewhere
   * that creates it, wins: the callers get the loaded value, but it is not stored.
   *
   * @example
   * ```ts
   * const load = () => storage.trends.getTopTrends({ limit: 10 });
   * const top = await storage.cache.getOrSet('trends:top', load, { ttlSeconds: 60 });
   * ```
   */
  getOrSet<T>(key: string, loader: () => Promise<T> | T, options?: TtlOptions): Promise<T>;
  /**
   * Hits, misses and the hit ratio: Redis's own counters from INFO, or the in-memory cache's lookups
   * since it opened (see CacheStats.scope).
   *
   * @example
   * ```ts
   * const { hits, misses, hitRatio } = await storage.cache.stats();
   * ```
   */
  stats(): Promise<CacheStats>;
  /**
   * Closes the cache: Redis's connection quits; the in-memory cache drops every entry.
   *
   * @example
   * ```ts
   * await cache.close();
   * ```
   */
  close(): Promise<void>;
}

// Hand-written rather than zod: these run on every cache call, where a microsecond is a
// measurable share of a pipelined Redis round trip.
export function checkKey(key: unknown, field = 'key'): string {
  if (typeof key !== 'string') throw new ValidationError(field, 'must be a string');
  if (key.length === 0) throw new ValidationError(field, 'must not be empty');
  if (key.length > 1024) throw new ValidationError(field, 'must be at most 1024 characters');
  // Redis would take a NUL, but a lone surrogate goes over the wire as U+FFFD, merging distinct
  // keys; the memory engine would keep both. Refused alike, on both engines.
  const problem = textProblem(key);
  if (problem) throw new ValidationError(field, problem);
  return key;
}

export function checkTtl(ttl: unknown, field = 'ttlSeconds'): number {
  if (typeof ttl !== 'number' || Number.isNaN(ttl)) throw new ValidationError(field, 'must be a number');
  if (!Number.isInteger(ttl)) throw new ValidationError(field, 'must be a whole number of seconds');
  if (ttl < 1) throw new ValidationError(field, 'must be > 0');
  // Redis refuses an expiry past its millisecond clock's range; 100 years is far inside it.
  if (ttl > MAX_TTL_SECONDS)
    throw new ValidationError(field, `must be at most ${MAX_TTL_SECONDS} (100 years)`);
  return ttl;
}

export function checkAmount(amount: unknown): number {
  if (typeof amount !== 'number' || Number.isNaN(amount))
    throw new ValidationError('options.by', 'must be a number');
  if (!Number.isSafeInteger(amount)) throw new ValidationError('options.by', 'must be a safe integer');
  return amount;
}

/** An options argument: omitted, or a plain object. */
/**
 * An options argument: omitted, or a plain object holding only `allowed` keys (a misspelt `{ ttl }`
 * or a 0.1-style `{ left: true }` would otherwise silently do the default).
 */
export function checkOptions(
  options: unknown,
  allowed: readonly string[],
): Record<string, unknown> | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ValidationError('options', 'must be an object');
  }
  const unknown = Object.keys(options).find((k) => !allowed.includes(k));
  if (unknown !== undefined) {
    throw new ValidationError(
      'options',
      `has an unknown option ${JSON.stringify(unknown)} (known: ${allowed.join(', ')})`,
    );
  }
  return options as Record<string, unknown>;
}

/** `{ side }` of a list operation → whether it is the left end. */
export function checkSide(options: unknown): boolean {
  const given = checkOptions(options, ['side'])?.side;
  const side = given === undefined ? 'right' : given;
  if (side !== 'left' && side !== 'right')
    throw new ValidationError('options.side', "must be 'left' or 'right'");
  return side === 'left';
}

/** Balanced classes and no dangling escape, so both engines read a pattern the same way. */
export function checkPattern(pattern: unknown): string {
  const p = checkKey(pattern, 'pattern');
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '\\') {
      if (i + 1 >= p.length) throw new ValidationError('pattern', 'must not end with a lone backslash');
      i++;
    } else if (p[i] === '[' && !inClass) inClass = true;
    else if (p[i] === ']' && inClass) inClass = false;
  }
  if (inClass) throw new ValidationError('pattern', 'has an unclosed [');
  return p;
}

export const PREFIX_PATTERN = /^[A-Za-z0-9:_.-]{0,64}$/;
