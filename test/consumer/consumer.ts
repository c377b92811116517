// A consumer of the packed package: type-checked under moduleResolution node16 and bundler by
// scripts/check-package.sh, then run once against the embedded store.
import {
  type BatchResult,
  type CacheRepository,
  createStorage,
  type ProcessedItemInput,
  type Transaction,
  type TrendFilter,
  ValidationError,
  type VectorFilter,
} from 'trend-storage';

async function ingest(tx: Transaction, items: ProcessedItemInput[]): Promise<BatchResult> {
  return tx.items.saveBatch(items);
}

async function remember(cache: CacheRepository, key: string, value: unknown): Promise<void> {
  await cache.set(key, value, { ttlSeconds: 60 });
}

const filter: TrendFilter = { category: 'Technology', minScore: 1, limit: 10 };
const english: VectorFilter = { field: 'language', eq: 'en' };

const storage = await createStorage({ dataDir: null, redis: false });
try {
  const result = await storage.transaction((tx) =>
    ingest(tx, [
      {
        source: 'hackernews',
        sourceId: 'consumer-1',
        url: 'https://news.example.com/consumer-1',
        title: 'Packed packages install cleanly',
        publishedAt: new Date(),
      },
    ]),
  );
  const found = await storage.items.search({ q: 'packages' });
  if (result.inserted !== 1 || found[0]?.id !== result.ids[0]) throw new Error('round trip failed');
  await remember(storage.cache, 'consumer', { filter, english });
  const bad = await storage.items.save({ ...found[0]!, url: 'not a url' }).catch((e: unknown) => e);
  if (!(bad instanceof ValidationError)) throw new Error('expected a ValidationError');
  console.log(`consumer: saved and found ${found.length} item, cache and types ok`);
} finally {
  await storage.close();
}
