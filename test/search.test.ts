// Full-text search with a bounded relevance window, `sort: 'newest'`, and hybrid search
// (storage.search), on PGlite and the real PostgreSQL.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ValidationError } from '../src/domain/errors.js';
import type { ProcessedItemInput } from '../src/domain/models.js';
import { HybridSearch } from '../src/search/hybrid.js';
import { forgetTableStats, newestMatches, RELEVANCE_WINDOW } from '../src/sql/full-text.js';
import { createStorage, type Storage } from '../src/storage.js';
import { describeEachEngine, type TestDatabase } from './support/engines.js';
import { anItem, aTopic, aTrend, DAY, rejection } from './support/fixtures.js';

const WORDS = 'fusion reactor plasma tokamak stellarator magnet laser neutron tritium grid'.split(' ');

/** Deterministic text: item i mixes the words with its own counts, so text ranks differ. */
function mixed(i: number): string {
  return Array.from(
    { length: 3 + (i % 7) },
    (_, k) => WORDS[(i * 7 + k * ((i % 5) + 1)) % WORDS.length],
  ).join(' ');
}

describeEachEngine('full-text and hybrid search', (engine) => {
  let t: TestDatabase | undefined;
  let storage: Storage;
  const now = Date.now();
  beforeAll(async () => {
    if (engine.name === 'postgres') t = await engine.create();
    storage = await createStorage(
      t ? { databaseUrl: t.url!, redis: false } : { dataDir: null, redis: false },
    );
  });
  afterAll(async () => {
    await storage?.close();
    await t?.dispose();
  });

  /** The documented ranking over every match, written without the window. */
  async function fullRanking(q: string, where = ''): Promise<string[]> {
    const rows = await storage.db.query<{ id: string }>(
      `SELECT id FROM processed_items,
         (SELECT websearch_to_tsquery('english', $1) || websearch_to_tsquery('simple', $1) AS q) x
       WHERE search_vector @@ x.q ${where}
       ORDER BY ts_rank_cd(search_vector, x.q) / (1.0 + greatest(extract(epoch FROM now() - published_at), 0) / 604800.0) DESC,
         published_at DESC, id`,
      [q],
    );
    return rows.map((r) => r.id);
  }

  describe('items.search', () => {
    beforeAll(async () => {
      const items: ProcessedItemInput[] = Array.from({ length: 400 }, (_, i) =>
        anItem(`ft-${i}`, {
          source: i % 3 ? 'reddit' : 'hackernews',
          title: mixed(i),
          description: mixed(i + 1),
          // Spread over 60 days, several items per timestamp so the tie-breaks are exercised.
          publishedAt: new Date(now - (i % 97) * (60 / 97) * DAY),
        }),
      );
      await storage.items.saveBatch(items);
    });

    test('when the matches fit the window, relevance equals a full ranking, page by page', async () => {
      for (const q of ['fusion', 'plasma tokamak', 'laser or magnet', 'neutron -grid']) {
        const full = await fullRanking(q);
        expect(full.length).toBeGreaterThan(20);
        expect(full.length).toBeLessThanOrEqual(RELEVANCE_WINDOW);
        const got: string[] = [];
        for (let offset = 0; offset < full.length; offset += 37) {
          const page = await storage.items.search({ q, limit: 37, offset });
          got.push(...page.map((it) => it.id));
        }
        expect(got).toEqual(full);
      }
    });

    test('filters narrow the ranked matches exactly', async () => {
      const full = await fullRanking('plasma', `AND source = 'hackernews'`);
      const got = await storage.items.search({ q: 'plasma', source: 'hackernews', limit: 1000 });
      expect(got.map((it) => it.id)).toEqual(full);
      expect(got.every((it) => it.source === 'hackernews')).toBe(true);
    });

    test("sort: 'newest' orders the matches by published time, newest first", async () => {
      const got = await storage.items.search({ q: 'reactor', sort: 'newest', limit: 1000 });
      const rows = await storage.db.query<{ id: string }>(
        `SELECT id FROM processed_items WHERE search_vector @@ (websearch_to_tsquery('english', 'reactor') || websearch_to_tsquery('simple', 'reactor'))
         ORDER BY published_at DESC, id`,
      );
      expect(got.map((it) => it.id)).toEqual(rows.map((r) => r.id));
      for (let i = 1; i < got.length; i++) {
        expect(got[i - 1]!.publishedAt.getTime()).toBeGreaterThanOrEqual(got[i]!.publishedAt.getTime());
      }
    });

    test('freshness: of two items with the same text, the newer ranks first', async () => {
      await storage.items.saveBatch([
        anItem('fresh-a', { title: 'quasar eruption', publishedAt: new Date(now - 30 * DAY) }),
        anItem('fresh-b', { title: 'quasar eruption', publishedAt: new Date(now - DAY) }),
      ]);
      const got = await storage.items.search({ q: 'quasar' });
      expect(got.map((it) => it.sourceId)).toEqual(['post-fresh-b', 'post-fresh-a']);
    });

    test('past the window, relevance ranks only the newest matches', async () => {
      // More matches than the window: the 50 oldest carry the word three times (the best text
      // rank) and still fall outside it, as documented; newest-first paging reaches them.
      const extra = RELEVANCE_WINDOW + 50;
      await storage.items.saveBatch(
        Array.from({ length: extra }, (_, i) =>
          anItem(`win-${i}`, {
            title: i < 50 ? 'zeppelin zeppelin zeppelin' : `zeppelin ${mixed(i)}`,
            publishedAt: new Date(now - (i < 50 ? 300 : 1 + (i % 100) / 10) * DAY),
          }),
        ),
      );
      const best = 'zeppelin zeppelin zeppelin';
      const got = await storage.items.search({ q: 'zeppelin', limit: 100 });
      expect(got).toHaveLength(100);
      expect(got.some((it) => it.title === best)).toBe(false);
      const newest = await storage.items.search({
        q: 'zeppelin',
        sort: 'newest',
        limit: 50,
        offset: RELEVANCE_WINDOW,
      });
      expect(newest.map((it) => it.title)).toEqual(Array(50).fill(best));
      // Every page comes from that one ranking: a page past the window is empty.
      const all = await storage.items.search({ q: 'zeppelin', limit: 1000 });
      expect(all).toHaveLength(RELEVANCE_WINDOW);
      expect(all.some((it) => it.title === best)).toBe(false);
      expect(await storage.items.search({ q: 'zeppelin', offset: RELEVANCE_WINDOW })).toEqual([]);
      const pages: string[] = [];
      for (let offset = 0; offset < RELEVANCE_WINDOW; offset += 70) {
        pages.push(...(await storage.items.search({ q: 'zeppelin', limit: 70, offset })).map((it) => it.id));
      }
      expect(pages).toEqual(all.map((it) => it.id));
    });

    test('a negated word excludes its stemmed forms too', async () => {
      await storage.items.saveBatch([
        anItem('neg-1', { title: 'glacier power plants open' }),
        anItem('neg-2', { title: 'glacier research' }),
      ]);
      for (const q of ['glacier -plants', 'glacier -plant', 'glacier -"power plants"']) {
        const got = await storage.items.search({ q });
        expect(
          got.map((it) => it.title),
          q,
        ).toEqual(['glacier research']);
      }
    });

    test('a bad sort is a ValidationError naming search.sort', async () => {
      const err = await rejection(() => storage.items.search({ q: 'x', sort: 'oldest' as 'newest' }));
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).field).toBe('search.sort');
    });
  });

  describe('the window of newest matches: each plan returns exactly the newest matches', () => {
    // A table of its own words: "everyword" in every row, "someword" in 1 of 20, "oneword" in 5.
    const N = 3000;
    const tq = `(websearch_to_tsquery('english', $1) || websearch_to_tsquery('simple', $1))`;
    const where = `search_vector @@ ${tq}`;
    beforeAll(async () => {
      await storage.items.saveBatch(
        Array.from({ length: N }, (_, i) =>
          anItem(`w-${i}`, {
            title: `everyword ${i % 20 === 0 ? 'someword' : 'filler'} ${i % 600 === 0 ? 'oneword' : ''}`,
            publishedAt: new Date(now - ((i * 7919) % N) * 60_000),
          }),
        ),
      );
      await storage.db.exec('ANALYZE processed_items');
      forgetTableStats(storage.db);
    });
    const brute = async (word: string, size: number) =>
      (
        await storage.db.query<{ id: string }>(
          `SELECT id FROM processed_items WHERE ${where} ORDER BY published_at DESC, id LIMIT ${size}`,
          [word],
        )
      ).map((r) => r.id);
    const window = (word: string, size: number) =>
      newestMatches(
        storage.db,
        { table: 'processed_items', time: 'published_at', where, params: [word] },
        size,
      );

    test('common word: the time index walked; share of a few percent: a slice; rare: the GIN matches', async () => {
      for (const [word, size, plan] of [
        ['everyword', 50, 'ordered'],
        ['someword', 20, 'slice'],
        ['oneword', 20, 'bitmap'],
      ] as const) {
        const got = await window(word, size);
        expect(got.plan, word).toBe(plan);
        expect(
          got.rows.map((r) => r.id),
          word,
        ).toEqual(await brute(word, size));
      }
    });

    test('a slice that comes back short (statistics out of date) is widened to the whole table', async () => {
      // The newest "someword" rows lose the word after the statistics were taken.
      const newest = await brute('someword', 100);
      await storage.db.query(
        `UPDATE processed_items SET title = 'everyword filler' WHERE id = ANY($1::uuid[])`,
        [newest.slice(0, 90)],
      );
      const got = await window('someword', 20);
      expect(got.plan).toBe('slice-widened');
      expect(got.rows.map((r) => r.id)).toEqual(await brute('someword', 20));
    });
  });

  describe('trends.search', () => {
    test("q ranks by relevance × freshness; 'newest' by firstSeen; 'relevance' needs q", async () => {
      const topicId = await storage.topics.save(aTopic());
      await storage.trends.save(
        aTrend(topicId, { title: 'Solar flare', summary: 'flare', firstSeen: new Date(now - 20 * DAY) }),
      );
      await storage.trends.save(
        aTrend(topicId, {
          title: 'Solar flare flare',
          summary: 'flare flare',
          firstSeen: new Date(now - 2 * DAY),
        }),
      );
      await storage.trends.save(
        aTrend(topicId, { title: 'Solar wind', summary: 'wind', firstSeen: new Date(now - DAY) }),
      );
      const rel = await storage.trends.search({ q: 'flare' });
      expect(rel.map((x) => x.title)).toEqual(['Solar flare flare', 'Solar flare']);
      const newest = await storage.trends.search({ q: 'solar', sort: 'newest' });
      expect(newest.map((x) => x.title)).toEqual(['Solar wind', 'Solar flare flare', 'Solar flare']);
      const err = await rejection(() => storage.trends.search({ sort: 'relevance' }));
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).field).toBe('filter.sort');
    });
  });

  describe('storage.search (hybrid)', () => {
    const collection = 'hybrid_item_embeddings';
    const ids: Record<string, string> = {};
    const at = new Date(now - 2 * DAY);
    beforeAll(async () => {
      // Text ranks for "hyperloop": A (three times) > B (twice) > C (once); E matches but has no vector.
      const rows: [string, string, ProcessedItemInput['source']][] = [
        ['A', 'hyperloop hyperloop hyperloop', 'reddit'],
        ['B', 'hyperloop hyperloop', 'hackernews'],
        ['C', 'hyperloop', 'reddit'],
        ['D', 'tokamak', 'reddit'],
        ['E', 'hyperloop', 'bbc'],
        ['F', 'stellarator', 'reddit'],
      ];
      const { ids: saved } = await storage.items.saveBatch(
        rows.map(([k, title, source]) => anItem(`hy-${k}`, { title, source, publishedAt: at })),
      );
      rows.forEach(([k], i) => {
        ids[k] = saved[i]!;
      });
      const vectors = storage.vectors({ name: collection, dimensions: 4 });
      // Nearness to [1, 0, 0, 0]: B, D, A, F, C; plus a point whose id names no row.
      await vectors.upsertBatch([
        { id: ids.B!, vector: [1, 0, 0, 0] },
        { id: ids.D!, vector: [0.9, 0.1, 0, 0] },
        { id: ids.A!, vector: [0.5, 0.5, 0, 0] },
        { id: ids.F!, vector: [0, 1, 0, 0] },
        { id: ids.C!, vector: [-1, 0.1, 0, 0] },
        { id: 'not-an-item', vector: [1, 0.01, 0, 0] },
      ]);
    });
    const name = (id: string) => Object.keys(ids).find((k) => ids[k] === id);
    const shape = (hits: Awaited<ReturnType<Storage['search']['items']>>) =>
      hits.map((h) => [name(h.item.id), h.textRank, h.vectorRank, Number(h.score.toFixed(6))]);
    const rrf = (...ranks: number[]) => Number(ranks.reduce((s, r) => s + 1 / (60 + r), 0).toFixed(6));

    test('fuses the two rankings by reciprocal rank fusion (hand-checked)', async () => {
      const hits = await storage.search.items({
        q: 'hyperloop',
        vector: [1, 0, 0, 0],
        collection,
        source: 'reddit',
      });
      // reddit only — text: A 1, C 2; vectors: D 1, A 2, F 3, C 4.
      expect(shape(hits)).toEqual([
        ['A', 1, 2, rrf(1, 2)],
        ['C', 2, 4, rrf(2, 4)],
        ['D', null, 1, rrf(1)],
        ['F', null, 3, rrf(3)],
      ]);
      const all = await storage.search.items({ q: 'hyperloop', vector: [1, 0, 0, 0], collection });
      // text: A 1, B 2, then C and E (equal text and time: in id order); vectors: B, D, A, F, C.
      const names = all.map((h) => name(h.item.id));
      expect(names.slice(0, 4)).toEqual(['B', 'A', 'C', 'D']);
      expect(new Set(names.slice(4))).toEqual(new Set(['E', 'F']));
      expect(all[0]).toMatchObject({ textRank: 2, vectorRank: 1, score: 1 / 62 + 1 / 61 });
      expect(all[1]).toMatchObject({ textRank: 1, vectorRank: 3 });
      expect(all.find((h) => name(h.item.id) === 'E')).toMatchObject({ vectorRank: null });
    });

    test("the other engines' path (lists fused in the library) gives the same hits", async () => {
      const inLibrary = new HybridSearch(storage.db, (c) => storage.vectors(c), { fuseInSql: false });
      for (const search of [
        { q: 'hyperloop', vector: [1, 0, 0, 0], collection },
        {
          q: 'hyperloop',
          vector: [0, 1, 0, 0],
          collection,
          source: 'reddit' as const,
          weights: { text: 2, vector: 1 },
        },
        { q: 'nothingmatches', vector: [1, 0, 0, 0], collection },
      ]) {
        expect(await inLibrary.items(search)).toEqual(await storage.search.items(search));
      }
    });

    test('weights change the fused order', async () => {
      const hits = await storage.search.items({
        q: 'hyperloop',
        vector: [1, 0, 0, 0],
        collection,
        weights: { text: 2, vector: 1 },
        limit: 2,
      });
      expect(hits.map((h) => name(h.item.id))).toEqual(['A', 'B']);
      expect(hits[0]!.score).toBeCloseTo(2 / 61 + 1 / 63, 12);
    });

    test('filters hold on both sides; one side without matches leaves the other', async () => {
      const bbc = await storage.search.items({
        q: 'hyperloop',
        vector: [1, 0, 0, 0],
        collection,
        source: 'bbc',
      });
      expect(shape(bbc)).toEqual([['E', 1, null, rrf(1)]]);
      const noText = await storage.search.items({ q: 'nothingmatches', vector: [1, 0, 0, 0], collection });
      expect(shape(noText)).toEqual([
        ['B', null, 1, rrf(1)],
        ['D', null, 2, rrf(2)],
        ['A', null, 3, rrf(3)],
        ['F', null, 4, rrf(4)],
        ['C', null, 5, rrf(5)],
      ]);
      const none = await storage.search.items({
        q: 'nothingmatches',
        vector: [1, 0, 0, 0],
        collection,
        publishedTo: new Date(now - 30 * DAY),
      });
      expect(none).toEqual([]);
    });

    test('bad input is a ValidationError naming the field, before any search', async () => {
      const cases: [unknown, string][] = [
        [{ q: 'x', vector: [1, 0, 0], collection }, 'search.vector'],
        [{ q: 'x', vector: [1, 0, 0, 0], collection: 'no_such_collection' }, 'search.collection'],
        [{ q: 'x', vector: [1, 0, 0, 0], collection: 'Bad-Name' }, 'search.collection'],
        [{ q: '', vector: [1, 0, 0, 0], collection }, 'search.q'],
        [{ q: 'x', vector: [1, 0, 0, 0], collection, weights: { text: 0, vector: 0 } }, 'search.weights'],
        [{ q: 'x', vector: [1, 0, 0, 0], collection, limit: 101 }, 'search.limit'],
      ];
      for (const [input, field] of cases) {
        const err = await rejection(() => storage.search.items(input as never));
        expect(err, field).toBeInstanceOf(ValidationError);
        expect((err as ValidationError).field).toBe(field);
      }
    });

    test('trends: the same fusion over a collection of trend embeddings', async () => {
      const topicId = await storage.topics.save(aTopic());
      const t1 = await storage.trends.save(aTrend(topicId, { title: 'Comet sighting', category: 'Science' }));
      const t2 = await storage.trends.save(aTrend(topicId, { title: 'Comet comet', category: 'Technology' }));
      const tv = storage.vectors({ name: 'hybrid_trend_embeddings', dimensions: 2 });
      await tv.upsertBatch([
        { id: t1, vector: [1, 0] },
        { id: t2, vector: [0, 1] },
      ]);
      const hits = await storage.search.trends({
        q: 'comet',
        vector: [1, 0],
        collection: 'hybrid_trend_embeddings',
      });
      expect(hits.map((h) => [h.item.id, h.textRank, h.vectorRank])).toEqual(
        [
          [t1, 2, 1],
          [t2, 1, 2],
        ].sort((a, b) => (a[0]! < b[0]! ? -1 : 1)),
      );
      const technology = await storage.search.trends({
        q: 'comet',
        vector: [1, 0],
        collection: 'hybrid_trend_embeddings',
        category: 'Technology',
      });
      expect(technology.map((h) => [h.item.id, h.textRank, h.vectorRank])).toEqual([[t2, 1, 1]]);
    });
  });
});
