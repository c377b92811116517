import { Redis } from 'ioredis';
import { describe, expect, test } from 'vitest';
import { MemoryCache } from '../src/cache/memory.js';
import { RedisCache } from '../src/cache/redis.js';
import { ConnectionError } from '../src/domain/errors.js';
import { cacheContract } from './contract/cache.js';
import { REDIS_URL, redisEngine, testPrefix } from './support/redis.js';

describe('CacheRepository contract [memory]', () => {
  cacheContract({ name: 'memory', create: async (prefix) => new MemoryCache({ prefix }) }, 'trend:');
});

if (REDIS_URL) {
  describe('CacheRepository contract [redis]', () => cacheContract(redisEngine(), testPrefix('cache')));
} else {
  console.log('SKIPPED: CacheRepository contract [redis] — TREND_TEST_REDIS_URL is not set');
  describe.skip('CacheRepository contract [redis] (TREND_TEST_REDIS_URL not set)', () => undefined);
}

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
        await cache.setHash('h', 'f', 1);
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
