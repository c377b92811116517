import { Cluster } from 'ioredis';
import { describe } from 'vitest';
import { RedisCache } from '../src/cache/redis.js';
import { cacheContract } from './contract/cache.js';
import { rawClient } from './support/redis.js';
import { hasRedisServer, startCluster, type TestCluster } from './support/redis-cluster.js';

if (hasRedisServer()) {
  let cluster: TestCluster | undefined;
  let raw: Cluster | undefined;
  const started = async () => {
    cluster ??= await startCluster();
    raw ??= new Cluster(cluster.nodes);
    return { cluster, raw };
  };
  describe('CacheRepository contract [redis-cluster, 3 masters]', () =>
    cacheContract(
      {
        name: 'redis-cluster',
        create: async (prefix) =>
          RedisCache.connect({ clusterNodes: (await started()).cluster.nodes, prefix }),
        raw: {
          set: async (k, v) => rawClient((await started()).raw).set(k, v),
          hset: async (k, f, v) => rawClient((await started()).raw).hset(k, f, v),
          rpush: async (k, ...vs) => rawClient((await started()).raw).rpush(k, ...vs),
          get: async (k) => rawClient((await started()).raw).get(k),
        },
        dispose: async () => {
          raw?.disconnect();
          await cluster?.stop();
        },
      },
      'trend:',
    ));
} else {
  console.log('SKIPPED: CacheRepository contract [redis-cluster] — redis-server is not installed');
  describe.skip('CacheRepository contract [redis-cluster] (redis-server not installed)', () => undefined);
}
