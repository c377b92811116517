import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisCache } from '../../src/cache/redis.js';
import type { CacheEngine } from '../contract/cache.js';

export const REDIS_URL = process.env.TREND_TEST_REDIS_URL;

/** A namespace of this test file's own on the shared Redis. */
export const testPrefix = (label: string) => `ts_${label}_${process.pid}_${randomBytes(3).toString('hex')}:`;

export function redisEngine(url = REDIS_URL!): CacheEngine {
  const raw = new Redis(url, { lazyConnect: true });
  return {
    name: 'redis',
    create: (prefix) => RedisCache.connect({ url, prefix }),
    rawSet: async (k, v) => {
      await raw.set(k, v);
    },
    rawGet: (k) => raw.get(k),
    dispose: async () => {
      raw.disconnect();
    },
  };
}
