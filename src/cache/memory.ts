import { LRUCache } from 'lru-cache';
import { BaseCache, type CacheOptions } from './base.js';
import type { Stored } from './codec.js';
import { notInteger, overflow, wrongType } from './errors.js';
import { globToRegExp } from './glob.js';

// Stored values are what Redis would hold: our text, or (seeded by tests) another client's bytes.
type Value =
  | { type: 'string'; value: Stored }
  | { type: 'hash'; value: Map<string, Stored> }
  | { type: 'list'; value: Stored[] };
type Entry = Value & { expiresAt: number | null };

/** Options of `new MemoryCache(…)`: the namespace, default TTL and bounds of an in-process cache. */
export interface MemoryCacheOptions extends CacheOptions {
  /** Most keys kept; the least recently used go first (default 100,000). */
  maxEntries?: number;
  /** Most bytes of keys and values kept, roughly (default 256 MiB). */
  maxBytes?: number;
  /** Clock in milliseconds, for tests. */
  now?: () => number;
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);
const INTEGER = /^-?(0|[1-9]\d*)$/;

function sizeOf(key: string, e: Entry): number {
  let n = key.length * 2 + 64;
  if (e.type === 'string') n += e.value.length * 2;
  else if (e.type === 'list') for (const v of e.value) n += v.length * 2 + 16;
  else for (const [f, v] of e.value) n += (f.length + v.length) * 2 + 32;
  return n;
}

/**
 * The embedded cache: Redis's semantics in process, bounded by lru-cache, with real TTLs. What
 * `storage.cache` is when no Redis is configured; usable on its own, e.g. in tests.
 *
 * @example
 * ```ts
 * const cache: CacheRepository = new MemoryCache({ prefix: 'test:', maxEntries: 1000 });
 * await cache.set('k', { a: 1 });
 * ```
 */
export class MemoryCache extends BaseCache {
  /** Always `memory`. */
  readonly engine = 'memory' as const;
  readonly #lru: LRUCache<string, Entry>;
  readonly #now: () => number;

  /**
   * An empty cache. A bad `prefix` or `defaultTtlSeconds` is a ValidationError.
   *
   * @example
   * ```ts
   * const cache = new MemoryCache({ defaultTtlSeconds: 60, maxBytes: 64 * 1024 * 1024 });
   * ```
   */
  constructor(options: MemoryCacheOptions = {}) {
    super(options);
    this.#now = options.now ?? Date.now;
    this.#lru = new LRUCache<string, Entry>({
      max: options.maxEntries ?? 100_000,
      maxSize: options.maxBytes ?? 256 * 1024 * 1024,
      sizeCalculation: (e, k) => sizeOf(k, e),
    });
  }

  /** The live entry, dropping it when expired (as Redis does lazily). */
  #entry(key: string): Entry | undefined {
    const e = this.#lru.get(key);
    if (e && e.expiresAt !== null && e.expiresAt <= this.#now()) {
      this.#lru.delete(key);
      return undefined;
    }
    return e;
  }

  #typed<T extends Entry['type']>(key: string, type: T): Extract<Entry, { type: T }> | undefined {
    const e = this.#entry(key);
    if (e && e.type !== type) throw wrongType();
    return e as Extract<Entry, { type: T }> | undefined;
  }

  /** Re-stores a mutated entry so lru-cache recomputes its size. */
  #put(key: string, e: Entry): void {
    this.#lru.set(key, e);
  }

  #expiry(ttl: number): number {
    return this.#now() + ttl * 1000;
  }

  protected rawGet(key: string) {
    try {
      return Promise.resolve(this.#typed(key, 'string')?.value ?? null);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  protected async rawSet(key: string, value: Stored, ttl: number, ifAbsent = false) {
    if (ifAbsent && this.#entry(key)) return;
    this.#put(key, { type: 'string', value, expiresAt: this.#expiry(ttl) });
  }

  protected async rawDelete(keys: string[]) {
    let n = 0;
    for (const k of keys) {
      if (this.#entry(k)) {
        this.#lru.delete(k);
        n++;
      }
    }
    return n;
  }

  protected async rawExists(key: string) {
    return this.#entry(key) !== undefined;
  }

  protected async rawIncrBy(key: string, amount: number) {
    const e = this.#typed(key, 'string');
    const text = e?.value ?? '0';
    if (typeof text !== 'string' || !INTEGER.test(text)) throw notInteger();
    const current = BigInt(text);
    if (current > INT64_MAX || current < INT64_MIN) throw notInteger();
    const next = current + BigInt(amount);
    if (next > INT64_MAX || next < INT64_MIN) throw overflow();
    this.#put(key, { type: 'string', value: next.toString(), expiresAt: e?.expiresAt ?? null });
    return Number(next);
  }

  protected async rawHGet(key: string, field: string) {
    return this.#typed(key, 'hash')?.value.get(field) ?? null;
  }

  protected async rawHSet(key: string, entries: [string, Stored][]) {
    const e = this.#typed(key, 'hash') ?? {
      type: 'hash' as const,
      value: new Map<string, Stored>(),
      expiresAt: null,
    };
    let created = 0;
    for (const [field, value] of entries) {
      if (!e.value.has(field)) created++;
      e.value.set(field, value);
    }
    this.#put(key, e);
    return created;
  }

  protected async rawHGetAll(key: string) {
    return Object.fromEntries(this.#typed(key, 'hash')?.value ?? []);
  }

  protected async rawHDel(key: string, field: string) {
    const e = this.#typed(key, 'hash');
    if (!e?.value.delete(field)) return false;
    if (e.value.size === 0) this.#lru.delete(key);
    else this.#put(key, e);
    return true;
  }

  protected async rawReplaceList(key: string, values: string[], ttl: number) {
    this.#lru.delete(key);
    if (values.length) this.#put(key, { type: 'list', value: [...values], expiresAt: this.#expiry(ttl) });
  }

  protected async rawListRange(key: string) {
    return [...(this.#typed(key, 'list')?.value ?? [])];
  }

  protected async rawPush(key: string, value: Stored, left: boolean) {
    const e = this.#typed(key, 'list') ?? { type: 'list' as const, value: [] as Stored[], expiresAt: null };
    if (left) e.value.unshift(value);
    else e.value.push(value);
    this.#put(key, e);
    return e.value.length;
  }

  protected async rawPop(key: string, left: boolean) {
    const e = this.#typed(key, 'list');
    if (!e) return null;
    const v = (left ? e.value.shift() : e.value.pop()) ?? null;
    if (e.value.length === 0) this.#lru.delete(key);
    else this.#put(key, e);
    return v;
  }

  protected async rawTtl(key: string) {
    const e = this.#entry(key);
    if (!e) return -2;
    if (e.expiresAt === null) return -1;
    // Redis rounds the remaining milliseconds to the nearest second.
    return Math.floor((e.expiresAt - this.#now() + 500) / 1000);
  }

  protected async rawExpire(key: string, ttl: number) {
    const e = this.#entry(key);
    if (!e) return false;
    e.expiresAt = this.#expiry(ttl);
    return true;
  }

  protected async *rawScan(glob: string) {
    const re = globToRegExp(glob);
    const batch: string[] = [];
    const now = this.#now();
    for (const key of [...this.#lru.keys()]) {
      const e = this.#lru.peek(key); // peek: a scan must not refresh recency
      if (e && (e.expiresAt === null || e.expiresAt > now) && re.test(key)) batch.push(key);
    }
    yield batch;
  }

  protected async rawGetMany(keys: string[]) {
    // MGET answers nil for a key of another type rather than failing.
    return keys.map((k) => {
      const e = this.#entry(k);
      return e?.type === 'string' ? e.value : null;
    });
  }

  protected async rawSetMany(entries: [string, string][], ttl: number) {
    for (const [k, v] of entries) this.#put(k, { type: 'string', value: v, expiresAt: this.#expiry(ttl) });
  }

  /**
   * Drops every entry.
   *
   * @example
   * ```ts
   * await cache.close();
   * ```
   */
  async close(): Promise<void> {
    this.#lru.clear();
  }
}
