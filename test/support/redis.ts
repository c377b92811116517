import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { type Cluster, Redis } from 'ioredis';
import { RedisCache } from '../../src/cache/redis.js';
import type { CacheEngine, RawClient } from '../contract/cache.js';

export const REDIS_URL = process.env.TREND_TEST_REDIS_URL;

/** A namespace of this test file's own on the shared Redis. */
export const testPrefix = (label: string) => `ts_${label}_${process.pid}_${randomBytes(3).toString('hex')}:`;

/** Another client's plain commands (Buffers go over the wire as their exact bytes). */
export function rawClient(client: Redis | Cluster): RawClient {
  return {
    set: async (k, v) => {
      await client.set(k, v);
    },
    hset: async (k, f, v) => {
      await client.hset(k, f, v);
    },
    rpush: async (k, ...vs) => {
      await client.rpush(k, ...vs);
    },
    get: (k) => client.get(k),
  };
}

export function redisEngine(url = REDIS_URL!): CacheEngine {
  const raw = new Redis(url, { lazyConnect: true });
  return {
    name: 'redis',
    create: (prefix) => RedisCache.connect({ url, prefix }),
    raw: rawClient(raw),
    dispose: async () => {
      raw.disconnect();
    },
  };
}

/**
 * A redis-server of the caller's own on a free loopback port, for tests that must never run
 * against the shared one (an empty prefix is the whole database). With `password`, the server
 * requires it (requirepass) and the URL carries it.
 */
export async function startPrivateRedis(
  options: { password?: string } = {},
): Promise<{ url: string; stop(): void }> {
  const port = await new Promise<number>((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
  const proc = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      ...(options.password ? ['--requirepass', options.password] : []),
    ],
    { stdio: 'ignore' },
  );
  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : '';
  const url = `redis://${auth}127.0.0.1:${port}`;
  const ping = async () => {
    const c = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    c.on('error', () => undefined);
    try {
      await c.connect();
      return (await c.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      c.disconnect();
    }
  };
  for (const until = Date.now() + 10_000; !(await ping()); await new Promise((r) => setTimeout(r, 50))) {
    if (Date.now() > until) {
      proc.kill('SIGKILL');
      throw new Error(`redis-server on port ${port} did not start`);
    }
  }
  return { url, stop: () => proc.kill('SIGKILL') };
}
