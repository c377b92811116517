// The platform's cache usage: values with TTL, counters, hashes, lists, patterns.
// Run: npx tsx examples/cache.ts   (in-memory unless REDIS_URL is set)
import { createStorage } from 'trend-storage';

const storage = await createStorage();
const { cache } = storage;
try {
  await cache.set('trend:top', { id: 'trend_1', score: 12.1, at: new Date() }, { ttlSeconds: 60 });
  console.log('get:', await cache.get('trend:top'));
  console.log('missing:', await cache.get('no-such-key')); // undefined; a stored null reads as null

  await cache.increment('views:trend_1');
  await cache.increment('views:trend_1', { by: 4 });
  console.log('counter:', await cache.get('views:trend_1'));

  await cache.setHash('source-health', { reddit: { ok: true }, bbc: { ok: false } });
  console.log('hash:', await cache.getAllHash('source-health'));

  await cache.setWithList('recent', ['trend_1', 'trend_2'], { ttlSeconds: 300 });
  await cache.pushToList('recent', 'trend_3', { side: 'left' });
  console.log('list:', await cache.getList('recent'));

  console.log('keys:', await cache.keysMatching('views:*'));
  console.log('ttl:', await cache.getTtl('trend:top'));
  console.log('deleted by pattern:', await cache.deletePattern('views:*'));
} finally {
  await storage.close();
}
