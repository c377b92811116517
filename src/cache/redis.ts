import { Cluster, type ClusterNode, Redis, type RedisOptions } from 'ioredis';
import { BaseCache, type CacheOptions, cacheSettings, statsOf } from './base.js';
import type { Stored } from './codec.js';
import { mapRedisError } from './errors.js';
import type { CacheStats } from './types.js';

/** Options of `RedisCache.connect`: where Redis is, and the cache's namespace and timeouts. */
export interface RedisCacheOptions extends CacheOptions {
  /** redis:// or rediss:// (TLS) URL. */
  url?: string;
  /** Host when there is no URL (default 127.0.0.1). */
  host?: string;
  /** Port when there is no URL (default 6379). */
  port?: number;
  /** Sent with AUTH. */
  password?: string;
  /** Cluster seed nodes; when given, the cache talks to a Redis Cluster. */
  clusterNodes?: ClusterNode[];
  /** Connect over TLS (a rediss:// URL does so by itself). */
  tls?: boolean;
  /** A command that gets no answer in this long fails with ConnectionError (default 2,000 ms). */
  commandTimeoutMs?: number;
  /** Connecting fails after this long (default 5,000 ms). */
  connectTimeoutMs?: number;
  /** CLIENT SETNAME, to find this client in CLIENT LIST (default "trend-storage"). */
  connectionName?: string;
}

const SCAN_COUNT = 1000;

/**
 * Redis (standalone or Cluster) through ioredis: auto-pipelining, a command timeout and no
 * offline queue, so calls fail fast with ConnectionError while Redis is away, and reconnection
 * in the background, so they succeed again when it returns.
 */
export class RedisCache extends BaseCache {
  /** `redis-cluster` when connected to a cluster, else `redis`. */
  readonly engine: 'redis' | 'redis-cluster';
  /** The ioredis client underneath, for commands the cache does not cover (keys are not prefixed for you). */
  readonly client: Redis | Cluster;

  private constructor(client: Redis | Cluster, options: RedisCacheOptions) {
    super(options);
    this.client = client;
    this.engine = client instanceof Cluster ? 'redis-cluster' : 'redis';
  }

  /**
   * Connects and checks the server answers (PING, or CLUSTER INFO) before returning; an unreachable
   * server is a ConnectionError, a bad `prefix` or `defaultTtlSeconds` a ValidationError.
   *
   * @example
   * ```ts
   * const cache = await RedisCache.connect({ url: 'redis://localhost:6379', prefix: 'trend:' });
   * ```
   */
  static async connect(options: RedisCacheOptions): Promise<RedisCache> {
    cacheSettings(options); // bad settings fail before a connection is opened, not after
    const common: RedisOptions = {
      lazyConnect: true,
      enableAutoPipelining: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: options.commandTimeoutMs ?? 2000,
      connectTimeout: options.connectTimeoutMs ?? 5000,
      retryStrategy: (times) => Math.min(50 * 2 ** times, 2000),
      connectionName: options.connectionName ?? 'trend-storage',
      ...(options.password ? { password: options.password } : {}),
      ...(options.tls ? { tls: {} } : {}),
    };
    const client = options.clusterNodes
      ? new Cluster(options.clusterNodes, {
          lazyConnect: true,
          enableAutoPipelining: true,
          enableOfflineQueue: false,
          redisOptions: common,
          clusterRetryStrategy: (times) => Math.min(50 * 2 ** times, 2000),
        })
      : options.url
        ? new Redis(options.url, common)
        : new Redis({ host: options.host ?? '127.0.0.1', port: options.port ?? 6379, ...common });
    // A dropped socket emits 'error'; unheard, Node would crash the process. ioredis reconnects.
    client.on('error', () => undefined);
    try {
      await client.connect();
      if (client instanceof Cluster) await client.cluster('INFO');
      else await client.ping();
    } catch (err) {
      client.disconnect();
      throw mapRedisError(err);
    }
    return new RedisCache(client, options);
  }

  #run<T>(fn: (c: Redis | Cluster) => Promise<T>): Promise<T> {
    return fn(this.client).catch((err: unknown) => {
      throw mapRedisError(err);
    });
  }

  /**
   * The server version, for health checks (of the first master on a cluster).
   *
   * @example
   * ```ts
   * const redis = await RedisCache.connect({ url: 'redis://localhost:6379' });
   * console.log(`redis ${await redis.serverVersion()}`);
   * ```
   */
  async serverVersion(): Promise<string> {
    const info = await this.#run((c) =>
      c instanceof Cluster ? c.nodes('master')[0]!.info('server') : c.info('server'),
    );
    return /redis_version:([^\r\n]+)/.exec(info)?.[1] ?? 'unknown';
  }

  /**
   * The server's keyspace hits and misses (INFO stats), summed over a cluster's masters: every
   * client of the server since it started, not this process alone.
   *
   * @example
   * ```ts
   * const { hitRatio } = await cache.stats();
   * ```
   */
  override async stats(): Promise<CacheStats> {
    const nodes = this.client instanceof Cluster ? this.client.nodes('master') : [this.client];
    let hits = 0;
    let misses = 0;
    for (const node of nodes) {
      const info = await this.#run(() => node.info('stats'));
      hits += Number(/keyspace_hits:(\d+)/.exec(info)?.[1] ?? 0);
      misses += Number(/keyspace_misses:(\d+)/.exec(info)?.[1] ?? 0);
    }
    return statsOf(this.engine, 'server', hits, misses);
  }

  // Values are read as bytes (the *Buffer commands): ioredis's own UTF-8 decoding would turn a
  // pickle's leading 0x80 into U+FFFD, and the codec could no longer tell a pickle from text.
  protected rawGet(key: string) {
    return this.#run((c) => c.getBuffer(key));
  }

  protected async rawSet(key: string, value: Stored, ttl: number, ifAbsent = false) {
    await this.#run((c) => (ifAbsent ? c.set(key, value, 'EX', ttl, 'NX') : c.set(key, value, 'EX', ttl)));
  }

  protected async rawDelete(keys: string[]) {
    // One UNLINK per key: keys of a batch may live in different cluster slots; auto-pipelining
    // still sends them together.
    const counts = await this.#run((c) => Promise.all(keys.map((k) => c.unlink(k))));
    return counts.reduce((a, b) => a + b, 0);
  }

  protected async rawExists(key: string) {
    return (await this.#run((c) => c.exists(key))) > 0;
  }

  protected rawIncrBy(key: string, amount: number) {
    return this.#run((c) => c.incrby(key, amount));
  }

  protected rawHGet(key: string, field: string) {
    return this.#run((c) => c.hgetBuffer(key, field));
  }

  protected rawHSet(key: string, entries: [string, Stored][]) {
    return this.#run((c) => c.hset(key, ...entries.flat()));
  }

  protected rawHGetAll(key: string) {
    return this.#run((c) => c.hgetallBuffer(key));
  }

  protected async rawHDel(key: string, field: string) {
    return (await this.#run((c) => c.hdel(key, field))) > 0;
  }

  protected async rawReplaceList(key: string, values: string[], ttl: number) {
    await this.#run(async (c) => {
      const tx = c.multi().del(key);
      if (values.length) tx.rpush(key, ...values).expire(key, ttl);
      const results = await tx.exec();
      const failed = results?.find(([err]) => err);
      if (failed) throw failed[0];
    });
  }

  protected rawListRange(key: string) {
    return this.#run((c) => c.lrangeBuffer(key, 0, -1));
  }

  protected rawPush(key: string, value: Stored, left: boolean) {
    return this.#run((c) => (left ? c.lpush(key, value) : c.rpush(key, value)));
  }

  protected rawPop(key: string, left: boolean) {
    return this.#run((c) => (left ? c.lpopBuffer(key) : c.rpopBuffer(key)));
  }

  protected rawTtl(key: string) {
    return this.#run((c) => c.ttl(key));
  }

  protected async rawExpire(key: string, ttl: number) {
    return (await this.#run((c) => c.expire(key, ttl))) === 1;
  }

  /** SCAN (never KEYS) on every master of a cluster, or the one server. */
  protected async *rawScan(glob: string) {
    const nodes = this.client instanceof Cluster ? this.client.nodes('master') : [this.client];
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, keys] = await this.#run(() => node.scan(cursor, 'MATCH', glob, 'COUNT', SCAN_COUNT));
        cursor = next;
        yield keys;
      } while (cursor !== '0');
    }
  }

  protected rawGetMany(keys: string[]) {
    // GETs, not MGET: a cluster refuses MGET across slots; auto-pipelining batches them anyway.
    return this.#run((c) =>
      Promise.all(
        keys.map((k) =>
          c.getBuffer(k).catch((err: Error) => {
            if (err.message.startsWith('WRONGTYPE')) return null; // as MGET answers for other types
            throw err;
          }),
        ),
      ),
    );
  }

  protected async rawSetMany(entries: [string, string][], ttl: number) {
    await this.#run((c) => Promise.all(entries.map(([k, v]) => c.set(k, v, 'EX', ttl))));
  }

  /**
   * Quits the connection (or drops it, when quitting fails).
   *
   * @example
   * ```ts
   * await cache.close();
   * ```
   */
  async close(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
