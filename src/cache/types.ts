import { ValidationError } from '../domain/errors.js';
import { textProblem } from '../domain/text.js';

export const DEFAULT_TTL_SECONDS = 3600;
export const DEFAULT_PREFIX = 'trend:';

/** Every cache operation of the platform's contract, on every engine, with Redis's semantics. */
/** Options of a write that stores with an expiry. */
export interface TtlOptions {
  /** Seconds until the entry expires (default: the cache's default TTL, 3600 s unless configured). */
  ttlSeconds?: number;
}

/** Which end of a list: `right` (the tail, default) or `left` (the head), as RPUSH/LPUSH. */
export interface ListEndOptions {
  side?: 'left' | 'right';
}

/**
 * Every cache operation of the platform's contract, on every engine, with Redis's semantics.
 * A missing key reads as `undefined`; a stored `null` reads as `null`.
 */
export interface CacheRepository {
  readonly engine: 'redis' | 'redis-cluster' | 'memory';
  /**
   * The stored value, decoded; `undefined` when the key is missing. `T` is the caller's claim, not
   * checked. A value another client stored as a Python pickle is a PickledValueError, never
   * unpickled; so is a batch read (getMany, getAllHash, getList) that meets one.
   */
  get<T = unknown>(key: string): Promise<T | undefined>;
  /** Stores a value with a TTL (default: the cache's default TTL). */
  set(key: string, value: unknown, options?: TtlOptions): Promise<void>;
  /** True when the key existed. */
  delete(key: string): Promise<boolean>;
  exists(key: string): Promise<boolean>;
  /** Adds `by` (default 1) to an integer counter, created at 0 without expiry (as INCRBY). Returns the new value. */
  increment(key: string, options?: { by?: number }): Promise<number>;
  /** Subtracts `by` (default 1); see increment. */
  decrement(key: string, options?: { by?: number }): Promise<number>;
  /** One field of a hash; `undefined` when the key or the field is missing. */
  getHash<T = unknown>(key: string, field: string): Promise<T | undefined>;
  /** Sets fields of the hash at `key` (HSET). Returns how many of them were new. */
  setHash(key: string, fields: Record<string, unknown>): Promise<number>;
  getAllHash(key: string): Promise<Record<string, unknown>>;
  /** True when the field existed. */
  deleteHashField(key: string, field: string): Promise<boolean>;
  /**
   * Deletes every key of this cache's namespace (never another's). Returns how many. Refused with
   * EmptyNamespaceError when the prefix is empty: that namespace is the whole database.
   */
  flush(): Promise<number>;
  /** Replaces the list at `key` with `values` (deleting it when empty), with a TTL. */
  setWithList(key: string, values: readonly unknown[], options?: TtlOptions): Promise<void>;
  getList(key: string): Promise<unknown[]>;
  /** Appends (or, with `side: 'left'`, prepends) one value; returns the new length. */
  pushToList(key: string, value: unknown, options?: ListEndOptions): Promise<number>;
  /** Removes and returns the last (or, with `side: 'left'`, the first) value; `undefined` when empty. */
  popFromList<T = unknown>(key: string, options?: ListEndOptions): Promise<T | undefined>;
  /** Seconds left; -1 without expiry, -2 when missing (as Redis TTL). */
  getTtl(key: string): Promise<number>;
  /** False when the key is missing. */
  setTtl(key: string, ttlSeconds: number): Promise<boolean>;
  /** Keys of this namespace matching a Redis glob (* ? [ab] [^a] [a-z] \x), sorted. */
  keysMatching(pattern: string): Promise<string[]>;
  /** Deletes the keys of this namespace matching the glob. Returns how many. */
  deletePattern(pattern: string): Promise<number>;
  /** Values in the order of `keys`; `undefined` where missing. */
  getMany(keys: readonly string[]): Promise<unknown[]>;
  setMany(entries: Record<string, unknown>, options?: TtlOptions): Promise<void>;
  /**
   * The cached value, or the loader's (stored with the TTL); concurrent misses in this process share
   * one load. A write to the key through this cache while the load runs, or a write from elsewhere
   * that creates it, wins: the callers get the loaded value, but it is not stored.
   */
  getOrSet<T>(key: string, loader: () => Promise<T> | T, options?: TtlOptions): Promise<T>;
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
  return ttl;
}

export function checkAmount(amount: unknown): number {
  if (typeof amount !== 'number' || Number.isNaN(amount))
    throw new ValidationError('options.by', 'must be a number');
  if (!Number.isSafeInteger(amount)) throw new ValidationError('options.by', 'must be a safe integer');
  return amount;
}

/** An options argument: omitted, or a plain object. */
export function checkOptions(options: unknown): Record<string, unknown> | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ValidationError('options', 'must be an object');
  }
  return options as Record<string, unknown>;
}

/** `{ side }` of a list operation → whether it is the left end. */
export function checkSide(options: unknown): boolean {
  const side = checkOptions(options)?.side ?? 'right';
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
