import { ValidationError } from '../domain/errors.js';
import { formatPath } from '../domain/validate.js';
import { decode, encode, type Stored } from './codec.js';
import { EmptyNamespaceError } from './errors.js';
import { escapeGlob, globToRegExp } from './glob.js';
import { SingleFlight } from './single-flight.js';
import {
  type CacheRepository,
  type CacheStats,
  checkAmount,
  checkKey,
  checkOptions,
  checkPattern,
  checkSide,
  checkTtl,
  DEFAULT_PREFIX,
  DEFAULT_TTL_SECONDS,
  type ListEndOptions,
  PREFIX_PATTERN,
  type TtlOptions,
} from './types.js';

/** The options every cache engine takes: its namespace and default TTL. */
export interface CacheOptions {
  /** Namespace every key lives under (default "trend:"): `[A-Za-z0-9:_.-]{0,64}`. */
  prefix?: string;
  /** TTL of a write that names none, a whole number of seconds > 0 (default 3600). */
  defaultTtlSeconds?: number;
}

/** The checked prefix and default TTL of `options`: an engine checks them before it connects. */
export function cacheSettings(options: CacheOptions): { prefix: string; defaultTtl: number } {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  if (!PREFIX_PATTERN.test(prefix)) throw new ValidationError('prefix', 'must match [A-Za-z0-9:_.-]{0,64}');
  return {
    prefix,
    defaultTtl: checkTtl(options.defaultTtlSeconds ?? DEFAULT_TTL_SECONDS, 'defaultTtlSeconds'),
  };
}

/**
 * The public boundary shared by every engine: validation, the namespace, the codec and
 * single-flight loads. Engines implement the raw operations on namespaced keys and stored strings.
 */
export abstract class BaseCache implements CacheRepository {
  abstract readonly engine: CacheRepository['engine'];
  /** The namespace every key of this cache is stored under. */
  readonly prefix: string;
  /** TTL in seconds of a write that names none. */
  readonly defaultTtl: number;
  readonly #flights = new SingleFlight();
  // Lookups through this cache: the memory engine's stats, and the hit/miss metrics of any engine.
  #hits = 0;
  #misses = 0;

  constructor(options: CacheOptions = {}) {
    ({ prefix: this.prefix, defaultTtl: this.defaultTtl } = cacheSettings(options));
  }

  protected abstract rawGet(key: string): Promise<Stored | null>;
  /** With `ifAbsent`, only when the key does not exist (SET NX). */
  protected abstract rawSet(key: string, value: Stored, ttl: number, ifAbsent?: boolean): Promise<void>;
  protected abstract rawDelete(keys: string[]): Promise<number>;
  protected abstract rawExists(key: string): Promise<boolean>;
  protected abstract rawIncrBy(key: string, amount: number): Promise<number>;
  protected abstract rawHGet(key: string, field: string): Promise<Stored | null>;
  /** HSET of several fields; returns how many were new. */
  protected abstract rawHSet(key: string, entries: [string, Stored][]): Promise<number>;
  protected abstract rawHGetAll(key: string): Promise<Record<string, Stored>>;
  protected abstract rawHDel(key: string, field: string): Promise<boolean>;
  protected abstract rawReplaceList(key: string, values: string[], ttl: number): Promise<void>;
  protected abstract rawListRange(key: string): Promise<Stored[]>;
  protected abstract rawPush(key: string, value: Stored, left: boolean): Promise<number>;
  protected abstract rawPop(key: string, left: boolean): Promise<Stored | null>;
  protected abstract rawTtl(key: string): Promise<number>;
  protected abstract rawExpire(key: string, ttl: number): Promise<boolean>;
  /** Batches of namespaced keys matching a glob that already includes the escaped prefix. */
  protected abstract rawScan(glob: string): AsyncIterable<string[]>;
  protected abstract rawGetMany(keys: string[]): Promise<(Stored | null)[]>;
  protected abstract rawSetMany(entries: [string, string][], ttl: number): Promise<void>;
  abstract close(): Promise<void>;

  #k(key: unknown, field = 'key'): string {
    return this.prefix + checkKey(key, field);
  }

  /** The TTL of an options object (`{ ttlSeconds }`), or the default. */
  #ttl(options: unknown): number {
    const o = checkOptions(options, ['ttlSeconds']);
    return o?.ttlSeconds === undefined ? this.defaultTtl : checkTtl(o.ttlSeconds, 'options.ttlSeconds');
  }

  /** `k`, about to be written: a load of it in flight must not store over this newer write. */
  #writing(k: string): string {
    this.#flights.forget(k);
    return k;
  }

  // Not async: one promise instead of two on the hottest path (a bad key still rejects, never throws).
  get<T = unknown>(key: string): Promise<T | undefined> {
    let k: string;
    try {
      k = this.#k(key);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.rawGet(k).then((raw) => {
      if (raw === null) this.#misses++;
      else this.#hits++;
      return decode(raw, key);
    }) as Promise<T | undefined>;
  }

  async set(key: string, value: unknown, options?: TtlOptions): Promise<void> {
    const k = this.#k(key);
    const ttl = this.#ttl(options);
    const text = encode(value);
    await this.rawSet(this.#writing(k), text, ttl);
  }

  async delete(key: string): Promise<boolean> {
    return (await this.rawDelete([this.#writing(this.#k(key))])) > 0;
  }

  async exists(key: string): Promise<boolean> {
    return this.rawExists(this.#k(key));
  }

  async increment(key: string, options?: { by?: number }): Promise<number> {
    const k = this.#k(key);
    const by = checkOptions(options, ['by'])?.by;
    const n = by === undefined ? 1 : checkAmount(by);
    return this.rawIncrBy(this.#writing(k), n);
  }

  async decrement(key: string, options?: { by?: number }): Promise<number> {
    const k = this.#k(key);
    const by = checkOptions(options, ['by'])?.by;
    const n = by === undefined ? -1 : -checkAmount(by);
    return this.rawIncrBy(this.#writing(k), n);
  }

  async getHash<T = unknown>(key: string, field: string): Promise<T | undefined> {
    const k = this.#k(key);
    const f = checkKey(field, 'field');
    const raw = await this.rawHGet(k, f);
    if (raw === null) this.#misses++;
    else this.#hits++;
    return decode(raw, key, `field ${JSON.stringify(f)}`) as T | undefined;
  }

  async setHash(key: string, fields: Record<string, unknown>): Promise<number> {
    const k = this.#k(key);
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
      throw new ValidationError('fields', 'must be an object of field → value');
    }
    const entries = Object.entries(fields).map(([f, v]): [string, string] => [
      checkKey(f, 'fields'),
      encode(v, formatPath([f], 'fields')),
    ]);
    if (entries.length === 0) throw new ValidationError('fields', 'must have at least one field');
    return this.rawHSet(this.#writing(k), entries);
  }

  async getAllHash(key: string): Promise<Record<string, unknown>> {
    const raw = await this.rawHGetAll(this.#k(key));
    return Object.fromEntries(
      Object.entries(raw).map(([f, v]) => [f, decode(v, key, `field ${JSON.stringify(f)}`)]),
    );
  }

  async deleteHashField(key: string, field: string): Promise<boolean> {
    const k = this.#k(key);
    const f = checkKey(field, 'field');
    return this.rawHDel(this.#writing(k), f);
  }

  async flush(): Promise<number> {
    if (this.prefix === '') {
      throw new EmptyNamespaceError(
        'flush() refused: the cache prefix is empty, so its namespace is the whole database, ' +
          "other services' keys included; delete chosen keys with deletePattern(pattern)",
      );
    }
    return this.#deleteGlob('*');
  }

  async setWithList(key: string, values: readonly unknown[], options?: TtlOptions): Promise<void> {
    const k = this.#k(key);
    if (!Array.isArray(values)) throw new ValidationError('values', 'must be an array');
    const encoded = values.map((v, i) => encode(v, `values[${i}]`));
    const ttl = this.#ttl(options);
    await this.rawReplaceList(this.#writing(k), encoded, ttl);
  }

  async getList(key: string): Promise<unknown[]> {
    return (await this.rawListRange(this.#k(key))).map((v, i) => decode(v, key, `element ${i}`));
  }

  async pushToList(key: string, value: unknown, options?: ListEndOptions): Promise<number> {
    const k = this.#k(key);
    const left = checkSide(options);
    const text = encode(value);
    return this.rawPush(this.#writing(k), text, left);
  }

  async popFromList<T = unknown>(key: string, options?: ListEndOptions): Promise<T | undefined> {
    const k = this.#k(key);
    const left = checkSide(options);
    return decode(await this.rawPop(this.#writing(k), left), key) as T | undefined;
  }

  async getTtl(key: string): Promise<number> {
    return this.rawTtl(this.#k(key));
  }

  async setTtl(key: string, ttlSeconds: number): Promise<boolean> {
    const k = this.#k(key);
    return this.rawExpire(k, checkTtl(ttlSeconds));
  }

  async keysMatching(pattern: string): Promise<string[]> {
    const glob = escapeGlob(this.prefix) + checkPattern(pattern);
    const keys = new Set<string>();
    for await (const batch of this.rawScan(glob))
      for (const k of batch) keys.add(k.slice(this.prefix.length));
    return [...keys].sort();
  }

  async deletePattern(pattern: string): Promise<number> {
    return this.#deleteGlob(checkPattern(pattern));
  }

  async #deleteGlob(pattern: string): Promise<number> {
    const glob = escapeGlob(this.prefix) + pattern;
    // A key being loaded does not exist yet, so no scan finds it; the delete still wins over it.
    this.#flights.forgetMatching(globToRegExp(glob));
    let deleted = 0;
    for await (const batch of this.rawScan(glob)) {
      if (batch.length) deleted += await this.rawDelete(batch);
    }
    return deleted;
  }

  async getMany(keys: readonly string[]): Promise<unknown[]> {
    if (!Array.isArray(keys)) throw new ValidationError('keys', 'must be an array');
    const ks = keys.map((k, i) => this.#k(k, `keys[${i}]`));
    if (!ks.length) return [];
    const raws = await this.rawGetMany(ks);
    for (const raw of raws) {
      if (raw === null) this.#misses++;
      else this.#hits++;
    }
    return raws.map((raw, i) => decode(raw, keys[i]!));
  }

  async deleteMany(keys: readonly string[]): Promise<number> {
    if (!Array.isArray(keys)) throw new ValidationError('keys', 'must be an array');
    const ks = keys.map((k, i) => this.#k(k, `keys[${i}]`));
    return ks.length ? this.rawDelete([...new Set(ks)].map((k) => this.#writing(k))) : 0;
  }

  async setMany(entries: Record<string, unknown>, options?: TtlOptions): Promise<void> {
    if (typeof entries !== 'object' || entries === null || Array.isArray(entries)) {
      throw new ValidationError('entries', 'must be an object of key → value');
    }
    const ttl = this.#ttl(options);
    const encoded = Object.entries(entries).map(([k, v]): [string, string] => [
      this.#k(k, 'entries'),
      encode(v, formatPath([k], 'entries')),
    ]);
    for (const [k] of encoded) this.#writing(k);
    if (encoded.length) await this.rawSetMany(encoded, ttl);
  }

  /**
   * Lookups (get, getMany, getHash, getOrSet) through this cache since it opened, found or not.
   *
   * @internal
   */
  lookups(): { hits: number; misses: number } {
    return { hits: this.#hits, misses: this.#misses };
  }

  /** This cache's own lookups since it opened (RedisCache reads the server's counters instead). */
  async stats(): Promise<CacheStats> {
    return statsOf(this.engine, 'process', this.#hits, this.#misses);
  }

  async getOrSet<T>(key: string, loader: () => Promise<T> | T, options?: TtlOptions): Promise<T> {
    const k = this.#k(key);
    const ttl = this.#ttl(options);
    if (typeof loader !== 'function') throw new ValidationError('loader', 'must be a function');
    return this.#flights.run(k, async (current) => {
      const raw = await this.rawGet(k);
      if (raw !== null) {
        this.#hits++;
        return decode(raw, key) as T;
      }
      this.#misses++;
      const value = await loader();
      const text = encode(value);
      // The key was a miss when the load began. A write through this cache since then, or one
      // from elsewhere that created the key (NX), is newer than what the loader read: it wins.
      if (current()) await this.rawSet(k, text, ttl, true);
      return value;
    });
  }
}

export function statsOf(
  engine: CacheStats['engine'],
  scope: CacheStats['scope'],
  hits: number,
  misses: number,
): CacheStats {
  return { engine, scope, hits, misses, hitRatio: hits + misses ? hits / (hits + misses) : null };
}
