// storage.purgeItems: items, their links, vectors and cache entries go together, batch by batch,
// at any size; a failure part-way says what was done and a second run finishes the job.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { PurgeError } from '../src/retention.js';
import { createStorage, type Storage } from '../src/storage.js';
import { describeEachEngine, type TestDatabase } from './support/engines.js';
import { anItem, aTopic, DAY } from './support/fixtures.js';

const DIMS = 4;

describeEachEngine('retention: storage.purgeItems', (engine) => {
  let t: TestDatabase | undefined;
  let storage: Storage;
  let vectors = true;
  beforeAll(async () => {
    // PGlite in memory through createStorage; on the server, a throwaway database.
    if (engine.name === 'postgres') t = await engine.create();
    storage = await createStorage(
      t ? { databaseUrl: t.url!, redis: false } : { dataDir: null, redis: false },
    );
    try {
      await storage.vectors({ name: 'probe_item_embeddings', dimensions: DIMS }).ensureCollection();
    } catch {
      vectors = false;
      console.log(`SKIPPED: retention vector checks [${engine.name}] — CREATE EXTENSION vector fails there`);
    }
  });
  afterAll(async () => {
    await storage?.close();
    await t?.dispose();
  });

  const old = (n: number) => anItem(`old-${n}`, { collectedAt: new Date(Date.now() - 40 * DAY) });

  async function seed(oldCount: number) {
    const { ids } = await storage.items.saveBatch([
      ...Array.from({ length: oldCount }, (_, i) => old(i)),
      anItem('fresh'), // collected now
    ]);
    const topicId = await storage.topics.save(aTopic());
    await storage.topics.addItems(topicId, ids);
    if (vectors) {
      await storage
        .vectors({ name: 'probe_item_embeddings', dimensions: DIMS })
        .upsertBatch(ids.map((id, i) => ({ id, vector: [1, i + 1, 0, 0] })));
    }
    for (const id of ids) await storage.cache.set(`item:${id}`, { id });
    return { ids, topicId, freshId: ids[ids.length - 1]! };
  }

  test('removes old items with their links, vectors and cache entries, in as many batches as it takes', async () => {
    const { ids, topicId, freshId } = await seed(95);
    expect((await storage.purgeItems({ olderThanDays: 30, dryRun: true })).items).toBe(95);
    expect(await storage.items.count()).toBe(96); // a dry run changes nothing
    const progress: number[] = [];
    const report = await storage.purgeItems({
      olderThanDays: 30,
      batchSize: 10,
      onProgress: (r) => progress.push(r.items),
    });
    expect(report).toMatchObject({ items: 95, cacheEntries: 95, vectors: vectors ? 95 : 0, dryRun: false });
    expect(progress).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 95]);
    expect(await storage.items.count()).toBe(1);
    expect((await storage.topics.get(topicId))!.itemCount).toBe(1);
    if (vectors) {
      expect(await storage.vectors({ name: 'probe_item_embeddings', dimensions: DIMS }).count()).toBe(1);
    }
    expect(await storage.cache.exists(`item:${ids[0]}`)).toBe(false);
    expect(await storage.cache.exists(`item:${freshId}`)).toBe(true);
    expect(await storage.purgeItems({ olderThanDays: 30 })).toMatchObject({ items: 0 });
    await storage.items.deleteMany([freshId]);
    await storage.topics.delete(topicId);
  });

  test('a failure part-way is a PurgeError saying what was done; running again finishes', async (ctx) => {
    if (!vectors) ctx.skip();
    await seed(30);
    // A collection whose table vanished behind the registry: its deletes fail, as a real outage would.
    const broken = storage.vectors({ name: 'broken_item_embeddings', dimensions: DIMS });
    await broken.ensureCollection();
    await storage.db.query('ALTER TABLE vec_broken_item_embeddings RENAME TO vec_broken_away');
    const err = await storage
      .purgeItems({
        olderThanDays: 30,
        batchSize: 10,
        vectorCollections: ['probe_item_embeddings', 'broken_item_embeddings'],
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PurgeError);
    expect((err as PurgeError).message).toMatch(/while deleting vectors of broken_item_embeddings/);
    expect((err as PurgeError).report).toMatchObject({ items: 0, vectors: 10 });
    expect(await storage.items.count({ collectedBefore: new Date(Date.now() - 30 * DAY) })).toBe(30);

    await storage.db.query('ALTER TABLE vec_broken_away RENAME TO vec_broken_item_embeddings');
    const done = await storage.purgeItems({ olderThanDays: 30, batchSize: 10 });
    expect(done.items).toBe(30);
    expect(await storage.items.count({ collectedBefore: new Date(Date.now() - 30 * DAY) })).toBe(0);
    await broken.dropCollection();
  });

  test('bad options are ValidationErrors naming the field', async () => {
    for (const [options, field] of [
      [{ olderThanDays: -1 }, 'options.olderThanDays'],
      [{ olderThanDays: 1.5 }, 'options.olderThanDays'],
      [{ olderThanDays: 1, batchSize: 0 }, 'options.batchSize'],
      [{}, 'options.olderThanDays'],
    ] as const) {
      const err = await storage.purgeItems(options as never).catch((e: unknown) => e);
      expect((err as { field?: string }).field, JSON.stringify(options)).toBe(field);
    }
  });
});
