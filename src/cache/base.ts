import { ValidationError } from '../domain/errors.js';
import { decode, encode } from './codec.js';
import { escapeGlob } from './glob.js';
import { SingleFlight } from './single-flight.js';
import {
  type CacheRepository,
  checkAmount,
  checkKey,
  checkPattern,
  checkTtl,
  DEFAULT_PREFIX,
  DEFAULT_TTL_SECONDS,
  PREFIX_PATTERN,
} from './types.js';

export interface CacheOptions {
  /** Namespace every key lives under (default "trend:"). */
  prefix?: string;
  defaultTtlSeconds?: number;
}

/**
 * The public boundary shared by every engine: validation, the namespace, the codec and
 * single-flight loads. Engines implement the raw operations on namespaced keys and stored strings.
 */
export abstract class BaseCache implements CacheRepository {
  abstract readonly engine: CacheRepository['engine'];
  readonly prefix: string;
  readonly defaultTtl: number;
  readonly #flights = new SingleFlight();

  constructor(options: CacheOptions = {}) {
    const prefix = options.prefix ?? DEFAULT_PREFIX;
    if (!PREFIX_PATTERN.test(prefix)) throw new ValidationError('prefix', 'must match [A-Za-z0-9:_.-]{0,64}');
    this.prefix = prefix;
    this.defaultTtl = checkTtl(options.defaultTtlSeconds ?? DEFAULT_TTL_SECONDS, 'defaultTtlSeconds');
  }

  protected abstract rawGet(key: string): Promise<string | null>;
  protected abstract rawSet(key: string, value: string, ttl: number): Promise<void>;
  protected abstract rawDelete(keys: string[]): Promise<number>;
  protected abstract rawExists(key: string): Promise<boolean>;
  protected abstract rawIncrBy(key: string, amount: number): Promise<number>;
  protected abstract rawHGet(key: string, field: string): Promise<string | null>;
  protected abstract rawHSet(key: string, field: string, value: string): Promise<boolean>;
  protected abstract rawHGetAll(key: string): Promise<Record<string, string>>;
  protected abstract rawHDel(key: string, field: string): Promise<boolean>;
  protected abstract rawReplaceList(key: string, values: string[], ttl: number): Promise<void>;
  protected abstract rawListRange(key: string): Promise<string[]>;
  protected abstract rawPush(key: string, value: string, left: boolean): Promise<number>;
  protected abstract rawPop(key: string, left: boolean): Promise<string | null>;
  protected abstract rawTtl(key: string): Promise<number>;
  protected abstract rawExpire(key: string, ttl: number): Promise<boolean>;
  /** Batches of namespaced keys matching a glob that already includes the escaped prefix. */
  protected abstract rawScan(glob: string): AsyncIterable<string[]>;
  protected abstract rawGetMany(keys: string[]): Promise<(string | null)[]>;
  protected abstract rawSetMany(entries: [string, string][], ttl: number): Promise<void>;
  abstract close(): Promise<void>;

  #k(key: unknown, field = 'key'): string {
    return this.prefix + checkKey(key, field);
  }

  #ttl(ttl: unknown): number {
    return ttl === undefined ? this.defaultTtl : checkTtl(ttl);
  }

  // Not async: one promise instead of two on the hottest path (a bad key still rejects, never throws).
  get<T = unknown>(key: string): Promise<T | null> {
    let k: string;
    try {
      k = this.#k(key);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.rawGet(k).then(decode) as Promise<T | null>;
  }

  async set(key: string, value: unknown, ttlSeconds?: number): Promise<void> {
    const k = this.#k(key);
    const ttl = this.#ttl(ttlSeconds);
    await this.rawSet(k, encode(value), ttl);
  }

  async delete(key: string): Promise<boolean> {
    return (await this.rawDelete([this.#k(key)])) > 0;
  }

  async exists(key: string): Promise<boolean> {
    return this.rawExists(this.#k(key));
  }

  async increment(key: string, amount = 1): Promise<number> {
    const k = this.#k(key);
    return this.rawIncrBy(k, checkAmount(amount));
  }

  async decrement(key: string, amount = 1): Promise<number> {
    const k = this.#k(key);
    return this.rawIncrBy(k, -checkAmount(amount));
  }

  async getHash<T = unknown>(key: string, field: string): Promise<T | null> {
    const k = this.#k(key);
    return decode(await this.rawHGet(k, checkKey(field, 'field'))) as T | null;
  }

  async setHash(key: string, field: string, value: unknown): Promise<boolean> {
    const k = this.#k(key);
    const f = checkKey(field, 'field');
    return this.rawHSet(k, f, encode(value));
  }

  async getAllHash(key: string): Promise<Record<string, unknown>> {
    const raw = await this.rawHGetAll(this.#k(key));
    return Object.fromEntries(Object.entries(raw).map(([f, v]) => [f, decode(v)]));
  }

  async deleteHashField(key: string, field: string): Promise<boolean> {
    const k = this.#k(key);
    return this.rawHDel(k, checkKey(field, 'field'));
  }

  async flush(): Promise<number> {
    return this.#deleteGlob('*');
  }

  async setWithList(key: string, values: readonly unknown[], ttlSeconds?: number): Promise<void> {
    const k = this.#k(key);
    if (!Array.isArray(values)) throw new ValidationError('values', 'must be an array');
    const encoded = values.map((v, i) => encode(v, `values[${i}]`));
    await this.rawReplaceList(k, encoded, this.#ttl(ttlSeconds));
  }

  async getList(key: string): Promise<unknown[]> {
    return (await this.rawListRange(this.#k(key))).map(decode);
  }

  async pushToList(key: string, value: unknown, left = false): Promise<number> {
    const k = this.#k(key);
    return this.rawPush(k, encode(value), left === true);
  }

  async popFromList<T = unknown>(key: string, left = false): Promise<T | null> {
    return decode(await this.rawPop(this.#k(key), left === true)) as T | null;
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
    let deleted = 0;
    for await (const batch of this.rawScan(escapeGlob(this.prefix) + pattern)) {
      if (batch.length) deleted += await this.rawDelete(batch);
    }
    return deleted;
  }

  async getMany(keys: readonly string[]): Promise<unknown[]> {
    if (!Array.isArray(keys)) throw new ValidationError('keys', 'must be an array');
    const ks = keys.map((k, i) => this.#k(k, `keys[${i}]`));
    return ks.length ? (await this.rawGetMany(ks)).map(decode) : [];
  }

  async setMany(entries: Record<string, unknown>, ttlSeconds?: number): Promise<void> {
    if (typeof entries !== 'object' || entries === null || Array.isArray(entries)) {
      throw new ValidationError('entries', 'must be an object of key → value');
    }
    const ttl = this.#ttl(ttlSeconds);
    const encoded = Object.entries(entries).map(([k, v]): [string, string] => [
      this.#k(k, 'entries'),
      encode(v, `entries.${k}`),
    ]);
    if (encoded.length) await this.rawSetMany(encoded, ttl);
  }

  async getOrSet<T>(key: string, loader: () => Promise<T> | T, ttlSeconds?: number): Promise<T> {
    const k = this.#k(key);
    const ttl = this.#ttl(ttlSeconds);
    if (typeof loader !== 'function') throw new ValidationError('loader', 'must be a function');
    return this.#flights.run(k, async () => {
      const raw = await this.rawGet(k);
      if (raw !== null) return decode(raw) as T;
      const value = await loader();
      await this.rawSet(k, encode(value), ttl);
      return value;
    });
  }
}
