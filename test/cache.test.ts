import { Redis } from 'ioredis';
import { describe, expect, test } from 'vitest';
import { EmptyNamespaceError } from '../src/cache/errors.js';
import { RedisCache } from '../src/cache/redis.js';
import { ConnectionError } from '../src/domain/errors.js';
import { type CacheEngine, cacheContract, memoryEngine } from './contract/cache.js';
import { REDIS_URL, rawClient, redisEngine, startPrivateRedis, testPrefix } from './support/redis.js';
import { hasRedisServer } from './support/redis-cluster.js';

describe('CacheRepository contract [memory]', () => {
  cacheContract(memoryEngine(), 'trend:');
});

if (REDIS_URL) {
  describe('CacheRepository contract [redis]', () => cacheContract(redisEngine(), testPrefix('cache')));
} else {
  console.log('SKIPPED: CacheRepository contract [redis] — TREND_TEST_REDIS_URL is not set');
  describe.skip('CacheRepository contract [redis] (TREND_TEST_REDIS_URL not set)', () => undefined);
}

/** The platform's setup: no prefix, so this cache and the Python services share one keyspace. */
async function emptyPrefix(engine: CacheEngine): Promise<void> {
  const cache = await engine.create('');
  try {
    await engine.raw.set('greeting', Buffer.from('"hello"'));
    expect(await cache.get('greeting')).toBe('hello');
    await cache.set('title', { title: 'x', tags: ['a'] });
    expect(await engine.raw.get('title')).toBe('{"title":"x","tags":["a"]}');

    const err = await cache.flush().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EmptyNamespaceError);
    expect((err as Error).message).toContain('whole database');
    expect(await cache.get('greeting'), "another service's key survives").toBe('hello');
    expect(await cache.deletePattern('tit*'), 'an explicit pattern is still allowed').toBe(1);
    expect(await cache.keysMatching('*')).toEqual(['greeting']);
  } finally {
    await cache.close();
  }
}

describe('an empty prefix: platform keys read and written, flush refused', () => {
  test('memory', () => emptyPrefix(memoryEngine()));
  // Never the shared Redis: if the refusal ever broke, this test would empty its database.
  test.skipIf(!hasRedisServer())('redis (a private redis-server)', async () => {
    const server = await startPrivateRedis();
    const raw = new Redis(server.url);
    try {
      await emptyPrefix({
        name: 'redis',
        create: (prefix) => RedisCache.connect({ url: server.url, prefix }),
        raw: rawClient(raw),
      });
    } finally {
      raw.disconnect();
      server.stop();
    }
  });
});

if (REDIS_URL) {
  describe('Redis engine specifics', () => {
    test('flush leaves keys outside the namespace alone', async () => {
      const prefix = testPrefix('flush');
      const cache = await RedisCache.connect({ url: REDIS_URL, prefix });
      const raw = new Redis(REDIS_URL!);
      try {
        await raw.set(`${prefix.slice(0, -1)}`, 'same stem, no colon');
        await raw.set(`x${prefix}k`, 'prefix not at the start');
        await raw.set(`unrelated:${process.pid}`, 'other app');
        await cache.set('a', 1);
        await cache.setHash('h', { f: 1 });
        expect(await cache.flush()).toBe(2);
        expect(await raw.get(`${prefix.slice(0, -1)}`)).toBe('same stem, no colon');
        expect(await raw.get(`x${prefix}k`)).toBe('prefix not at the start');
        expect(await raw.get(`unrelated:${process.pid}`)).toBe('other app');
      } finally {
        await raw.del(`${prefix.slice(0, -1)}`, `x${prefix}k`, `unrelated:${process.pid}`);
        raw.disconnect();
        await cache.close();
      }
    });

    test('getOrSet: a set from another process during the load wins too', async () => {
      const prefix = testPrefix('flight');
      const loading = await RedisCache.connect({ url: REDIS_URL, prefix });
      const elsewhere = await RedisCache.connect({ url: REDIS_URL, prefix });
      try {
        let started!: () => void;
        let release!: () => void;
        const running = new Promise<void>((r) => {
          started = r;
        });
        const gate = new Promise<void>((r) => {
          release = r;
        });
        const result = loading.getOrSet('k', async () => {
          started();
          await gate;
          return 'loaded';
        });
        await running;
        await elsewhere.set('k', 'newer');
        release();
        expect(await result).toBe('loaded');
        expect(await loading.get('k')).toBe('newer');
      } finally {
        await loading.flush();
        await loading.close();
        await elsewhere.close();
      }
    });

    test('an unreachable Redis is a ConnectionError within the connect timeout', async () => {
      const started = Date.now();
      const err = await RedisCache.connect({ url: 'redis://127.0.0.1:1', connectTimeoutMs: 1000 }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ConnectionError);
      expect(Date.now() - started).toBeLessThan(5000);
    });
  });
}
