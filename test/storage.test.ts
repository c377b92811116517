import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { StorageError } from '../src/domain/errors.js';
import { createStorage, type Storage, type Transaction } from '../src/storage.js';
import { describeEachEngine, type SqlEngine } from './support/engines.js';
import { anItem, aTopic, aTrend, NOW } from './support/fixtures.js';

/** createStorage over each engine: the unit of work and the read models. */
function storageSuite(engine: SqlEngine): void {
  let storage: Storage;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    if (engine.name === 'pglite') {
      storage = await createStorage({ dataDir: null });
      dispose = () => storage.close();
    } else {
      const t = await engine.create();
      await t.db.close();
      storage = await createStorage({ databaseUrl: t.url!, postgres: { poolMin: 0, poolMax: 4 } });
      dispose = async () => {
        await storage.close();
        await t.dispose().catch(() => undefined);
      };
    }
  });
  afterAll(() => dispose?.());

  test('a transaction that throws after saving a topic and a trend leaves neither', async () => {
    let topicId = '';
    await expect(
      storage.transaction(async (tx) => {
        topicId = await tx.topics.save(aTopic({ title: 'doomed' }));
        await tx.trends.save(aTrend(topicId, { title: 'doomed' }));
        expect(await tx.topics.get(topicId)).not.toBeNull(); // visible inside
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await storage.topics.get(topicId)).toBeNull();
    expect(await storage.trends.count({ q: 'doomed' })).toBe(0);
  });

  test('tx.transaction is a savepoint with every repository; a failing one is undone alone', async () => {
    const kept = await storage.transaction(async (tx) => {
      const topicId = await tx.topics.save(aTopic({ title: 'outer keeps' }));
      await expect(
        tx.transaction(async (inner) => {
          await inner.items.save(anItem('nested-doomed'));
          throw new Error('inner fails');
        }),
      ).rejects.toThrow('inner fails');
      await tx.transaction((inner) => inner.items.save(anItem('nested-kept')));
      return topicId;
    });
    expect(await storage.topics.get(kept)).not.toBeNull();
    expect(await storage.items.getBySourceId('reddit', 'post-nested-doomed')).toBeNull();
    expect(await storage.items.getBySourceId('reddit', 'post-nested-kept')).not.toBeNull();
  });

  test('a transaction handle used after its transaction ended refuses, on both engines', async () => {
    let leaked: Transaction | undefined;
    await storage.transaction(async (tx) => {
      leaked = tx;
    });
    const err = await leaked!.items.save(anItem('after-the-end')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as Error).message).toMatch(/transaction has ended/);
    await expect(leaked!.db.query('SELECT 1')).rejects.toThrow(/transaction has ended/);
    expect(await storage.items.getBySourceId('reddit', 'post-after-the-end')).toBeNull();
  });

  test('a transaction that resolves commits every repository’s writes', async () => {
    const { topicId, itemIds } = await storage.transaction(async (tx) => {
      const topicId = await tx.topics.save(aTopic({ title: 'kept' }));
      const { ids } = await tx.items.saveBatch([anItem('tx-1'), anItem('tx-2')]);
      await tx.topics.addItems(topicId, ids);
      await tx.trends.save(aTrend(topicId, { title: 'kept trend', state: 'viral' }));
      // Code inside may also call the store outside the transaction without deadlocking.
      await storage.pluginHealth.list();
      return { topicId, itemIds: ids };
    });
    expect((await storage.topics.get(topicId))!.itemCount).toBe(2);
    expect(
      await storage.items.existsMany(
        itemIds.map((_, i) => ({ source: 'reddit', sourceId: `post-tx-${i + 1}` })),
      ),
    ).toEqual([true, true]);
  });

  test('read models: live views, materialized snapshots and refreshViews', async () => {
    const topicId = await storage.topics.save(aTopic());
    await storage.trends.save(
      aTrend(topicId, { title: 'live one', state: 'sustained', rank: 1, totalEngagement: { score: 7 } }),
    );
    await storage.trends.save(aTrend(topicId, { title: 'dead one', state: 'dead', rank: 1 }));
    await storage.items.saveBatch([
      anItem('v1', {
        source: 'guardian',
        category: 'Health',
        publishedAt: new Date(),
        metrics: { score: 2 },
      }),
      anItem('v2', {
        source: 'guardian',
        category: 'Health',
        publishedAt: new Date(),
        metrics: { score: 4 },
      }),
    ]);
    const live = await storage.views.trendingTopics();
    expect(live.map((t) => t.title)).toContain('live one');
    expect(live.map((t) => t.title)).not.toContain('dead one');
    expect(live.find((t) => t.title === 'live one')).toMatchObject({
      engagementScore: 7,
      state: 'sustained',
      firstSeen: NOW,
    });
    const popular = await storage.views.popularItemsBySource();
    expect(popular.find((p) => p.source === 'guardian')).toMatchObject({
      category: 'Health',
      itemCount: 2,
      avgScore: 3,
    });

    const before = await storage.views.trendingTopics({ snapshot: true });
    expect(before.map((t) => t.title)).not.toContain('live one');
    await storage.views.refreshViews();
    const after = await storage.views.trendingTopics({ snapshot: true });
    expect(after.map((t) => t.title)).toContain('live one');
    expect(await storage.views.popularItemsBySource({ snapshot: true })).toEqual(
      await storage.views.popularItemsBySource(),
    );
  });
}

describeEachEngine('createStorage: transactions and read models', storageSuite);

test('the embedded store keeps its data on disk between opens', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ts-data-'));
  const first = await createStorage({ dataDir: dir });
  const id = await first.items.save(anItem('persisted'));
  await first.close();
  const second = await createStorage({ dataDir: dir });
  try {
    expect((await second.items.get(id))!.sourceId).toBe('post-persisted');
    expect(await second.migrate()).toEqual([]);
  } finally {
    await second.close();
  }
});
