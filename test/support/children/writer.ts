// A child process that writes numbered batches into an embedded store and prints "ack N" after
// each batch is committed. The durability test kills it at a random moment.
import { createStorage } from '../../../src/storage.js';

const dataDir = process.argv[2]!;
const start = Number(process.argv[3] ?? 0);
const storage = await createStorage({ dataDir });
console.log('ready');
for (let batch = start; ; batch++) {
  await storage.items.saveBatch(
    Array.from({ length: 50 }, (_, i) => ({
      source: 'custom' as const,
      sourceId: `b${batch}-${i}`,
      url: 'https://example.com',
      title: `batch ${batch} item ${i}`,
      publishedAt: new Date(),
      metadata: { batch },
    })),
  );
  console.log(`ack ${batch}`);
}
