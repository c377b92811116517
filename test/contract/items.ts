import { expect, test } from 'vitest';
import { ValidationError } from '../../src/domain/errors.js';
import type { ProcessedItemInput } from '../../src/domain/models.js';
import { BATCH_CHUNK, type ItemKey } from '../../src/repositories/items.js';
import type { SqlEngine } from '../support/engines.js';
import { anItem, DAY, NOW, rejection, useRepositories } from '../support/fixtures.js';

export function itemContract(engine: SqlEngine): void {
  const ctx = useRepositories(engine);
  const rowCount = async () =>
    (await ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM processed_items'))[0]!.n;

  test('save → get round-trips every field; titleNormalized defaults from the title', async () => {
    const input: ProcessedItemInput = {
      ...anItem(1),
      title: '  Big   NEWS Today ',
      description: 'desc',
      content: 'Body TEXT',
      language: 'pt-BR',
      author: 'someone',
      category: 'Science',
      collectedAt: new Date(NOW.getTime() - 2 * DAY),
      metrics: { upvotes: 3, downvotes: 1, comments: 4, shares: 5, views: 6, score: 0.75 },
      metadata: { tags: ['a'], 'quote"key': "it's" },
    };
    const id = await ctx.items.save(input);
    expect(await ctx.items.get(id)).toEqual({
      id,
      source: 'reddit',
      sourceId: 'post-1',
      url: 'https://example.com/1',
      title: '  Big   NEWS Today ',
      titleNormalized: 'big news today',
      description: 'desc',
      content: 'Body TEXT',
      contentNormalized: 'body text',
      language: 'pt-BR',
      author: 'someone',
      publishedAt: new Date(NOW.getTime() - DAY),
      collectedAt: new Date(NOW.getTime() - 2 * DAY),
      metrics: { upvotes: 3, downvotes: 1, comments: 4, shares: 5, views: 6, score: 0.75 },
      category: 'Science',
      metadata: { tags: ['a'], 'quote"key': "it's" },
    });
    expect(await ctx.items.getBySourceId('reddit', 'post-1')).toMatchObject({ id });
    expect(await ctx.items.getBySourceId('hackernews', 'post-1')).toBeNull();
    expect(await ctx.items.exists('reddit', 'post-1')).toBe(true);
    expect(await ctx.items.exists('reddit', 'post-2')).toBe(false);
  });

  test('saveBatch returns ids in input order and counts inserts', async () => {
    const items = [anItem('c'), anItem('a', { source: 'bbc' }), anItem('b')];
    const result = await ctx.items.saveBatch(items);
    expect(result.inserted).toBe(3);
    expect(result.updated).toBe(0);
    for (const [i, it] of items.entries()) {
      expect((await ctx.items.getBySourceId(it.source, it.sourceId))!.id).toBe(result.ids[i]);
    }
  });

  test('re-running the identical batch writes nothing and returns the same ids', async () => {
    const items = Array.from({ length: 50 }, (_, i) => anItem(i, { category: 'Health' }));
    const first = await ctx.items.saveBatch(items);
    const versions = async () =>
      (await ctx.db.query<{ v: string }>('SELECT xmin::text AS v FROM processed_items ORDER BY id')).map(
        (r) => r.v,
      );
    const before = await versions();
    const again = await ctx.items.saveBatch(items);
    expect(again).toEqual({ ids: first.ids, inserted: 0, updated: 0, unchanged: 50 });
    expect(await versions()).toEqual(before); // no new row versions
  });

  test('a re-save replaces the text, category, metrics and metadata and keeps the rest (the platform rule)', async () => {
    const items = Array.from({ length: 50 }, (_, i) =>
      anItem(i, { category: 'Health', description: 'old desc', content: 'Old body', author: 'a' }),
    );
    const first = await ctx.items.saveBatch(items);
    const again = await ctx.items.saveBatch(
      items.map((it) => ({
        ...it,
        url: 'https://elsewhere.example/moved',
        title: 'Edited  TITLE',
        description: 'new desc',
        content: 'New BODY',
        language: 'de',
        author: 'b',
        publishedAt: NOW,
        collectedAt: NOW,
        metrics: { upvotes: 99 },
        metadata: { v: 2 },
        category: null,
      })),
    );
    expect(again.ids).toEqual(first.ids);
    expect(again).toMatchObject({ inserted: 0, updated: 50, unchanged: 0 });
    expect(await rowCount()).toBe(50);
    const stored = await ctx.items.get(first.ids[7]!);
    expect(stored).toMatchObject({
      title: 'Edited  TITLE',
      titleNormalized: 'edited title',
      description: 'new desc',
      content: 'New BODY',
      contentNormalized: 'new body',
      category: null,
      metrics: { upvotes: 99 },
      metadata: { v: 2 },
      // kept from the first save
      url: 'https://example.com/7',
      language: 'en',
      author: 'a',
      publishedAt: new Date(NOW.getTime() - DAY),
    });
    expect(stored!.collectedAt.getTime()).not.toBe(NOW.getTime());
    // The new text is what full-text search finds.
    expect((await ctx.items.search({ q: 'edited', limit: 100 })).map((i) => i.id)).toContain(first.ids[7]);
  });

  test('an identical re-save, or one that differs only in kept fields, writes no new row version', async () => {
    const item = anItem(1, { description: 'd', content: 'c', category: 'Science' });
    const id = await ctx.items.save(item);
    const version = async () =>
      (
        await ctx.db.query<{ v: string }>('SELECT xmin::text AS v FROM processed_items WHERE id = $1', [id])
      )[0]!.v;
    const before = await version();
    expect(await ctx.items.saveBatch([item])).toMatchObject({ unchanged: 1, updated: 0 });
    expect(
      await ctx.items.saveBatch([{ ...item, url: 'https://other.example/', author: 'x', publishedAt: NOW }]),
    ).toMatchObject({ unchanged: 1, updated: 0 });
    expect(await version()).toBe(before);
    expect(await ctx.items.saveBatch([{ ...item, description: 'd2' }])).toMatchObject({ updated: 1 });
    expect(await version()).not.toBe(before);
  });

  test('the same key twice in one batch stores one row (last wins) with one id', async () => {
    const result = await ctx.items.saveBatch([
      anItem(1, { metrics: { upvotes: 1 } }),
      anItem(2),
      anItem(1, { metrics: { upvotes: 2 } }),
    ]);
    expect(result.ids[0]).toBe(result.ids[2]);
    expect(result.ids[0]).not.toBe(result.ids[1]);
    expect(result).toMatchObject({ inserted: 2, updated: 0, unchanged: 0 });
    expect(await rowCount()).toBe(2);
    expect((await ctx.items.get(result.ids[0]!))!.metrics.upvotes).toBe(2);
  });

  test('one invalid item writes nothing and names its index and field', async () => {
    const batch = [anItem(1), anItem(2), { ...anItem(3), publishedAt: 'not a date' }, anItem(4)];
    const err = await rejection(() => ctx.items.saveBatch(batch as ProcessedItemInput[]));
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).field).toBe('items[2].publishedAt');
    expect(await rowCount()).toBe(0);
    const nul = await rejection(() => ctx.items.saveBatch([anItem(1), anItem(2, { content: 'a\u0000b' })]));
    expect((nul as ValidationError).field).toBe('items[1].content');
    const meta = await rejection(() =>
      ctx.items.saveBatch([anItem(1, { metadata: { f: (() => 1) as never } })]),
    );
    expect((meta as ValidationError).field).toMatch(/^items\[0\]\.metadata/);
    expect(await rowCount()).toBe(0);
  });

  test('batches larger than a chunk are stored whole, in one transaction', async () => {
    const n = BATCH_CHUNK * 2 + 17;
    const items = Array.from({ length: n }, (_, i) => anItem(i, { source: i % 2 ? 'bbc' : 'reddit' }));
    const result = await ctx.items.saveBatch(items);
    expect(new Set(result.ids).size).toBe(n);
    expect(result.inserted).toBe(n);
    expect(await rowCount()).toBe(n);
    // A database error in the last chunk (an id taken by another item) undoes the earlier chunks.
    const clash = [
      ...items.map((it, i) => ({ ...it, sourceId: `new-${i}` })),
      anItem('zz', { id: result.ids[0] }),
    ];
    await expect(ctx.items.saveBatch(clash)).rejects.toThrow();
    expect(await rowCount()).toBe(n);
  });

  test('4 concurrent overlapping batches end with exactly the union and no error', async () => {
    const batches = [0, 1, 2, 3].map((b) =>
      Array.from({ length: 400 }, (_, i) => anItem(b * 200 + i, { metrics: { upvotes: b } })).reverse(),
    );
    const results = await Promise.all(batches.map((batch) => ctx.items.saveBatch(batch)));
    expect(await rowCount()).toBe(3 * 200 + 400); // keys 0..999
    const idOf = new Map<string, string>();
    for (const [b, r] of results.entries()) {
      for (const [i, id] of r.ids.entries()) {
        const key = batches[b]![i]!.sourceId;
        expect(idOf.get(key) ?? id).toBe(id);
        idOf.set(key, id);
      }
    }
    expect(idOf.size).toBe(1000);
    expect(results.reduce((n, r) => n + r.inserted, 0)).toBe(1000);
  });

  test('existsMany answers for each key in input order', async () => {
    await ctx.items.saveBatch([anItem(1), anItem(2, { source: 'bbc' })]);
    expect(
      await ctx.items.existsMany([
        { source: 'bbc', sourceId: 'post-2' },
        { source: 'reddit', sourceId: 'post-2' },
        { source: 'reddit', sourceId: 'post-1' },
        { source: 'reddit', sourceId: 'post-1' },
      ]),
    ).toEqual([true, false, true, true]);
    expect(await ctx.items.existsMany([])).toEqual([]);
    // The longest valid id and extra properties are accepted, as the schema accepts them.
    const edge = { source: 'bbc', sourceId: 'x'.repeat(255), extra: 1 } as ItemKey;
    expect(await ctx.items.existsMany([edge])).toEqual([false]);
  });

  test('deleteOlderThan deletes by collected_at and returns the count', async () => {
    await ctx.items.saveBatch([
      anItem(1, { collectedAt: new Date(Date.now() - 40 * DAY) }),
      anItem(2, { collectedAt: new Date(Date.now() - 31 * DAY), publishedAt: new Date() }),
      anItem(3, { publishedAt: new Date(Date.now() - 90 * DAY) }),
    ]);
    expect(await ctx.items.deleteOlderThan(30)).toBe(2);
    expect(await ctx.items.exists('reddit', 'post-3')).toBe(true);
    expect(await ctx.items.deleteOlderThan(30)).toBe(0);
  });

  test('full-text search finds stemmed words and orders by relevance', async () => {
    await ctx.items.saveBatch([
      anItem('title', { title: 'Trends in open source', description: 'what trends matter' }),
      anItem('desc', { title: 'Weekly digest', description: 'several trends' }),
      anItem('content', { title: 'Misc', content: 'buried deep in the body: a trend' }),
      anItem('none', { title: 'Cooking pasta', description: 'recipes' }),
      anItem('de', { title: 'Neue Trends', language: 'de', source: 'bbc' }),
    ]);
    const found = await ctx.items.search({ q: 'trending' });
    // Title and description > title (German "Trends" stems to the same lexeme) > description > content.
    expect(found.map((i) => i.sourceId)).toEqual(['post-title', 'post-de', 'post-desc', 'post-content']);
    expect((await ctx.items.search({ q: 'trending', source: 'bbc' })).map((i) => i.sourceId)).toEqual([
      'post-de',
    ]);
    expect((await ctx.items.search({ q: 'trending', limit: 1, offset: 2 })).map((i) => i.sourceId)).toEqual([
      'post-desc',
    ]);
    // Any user text is accepted: operators, quotes and punctuation are not a syntax error.
    for (const q of [`"unclosed`, `a & | ! ( ) :*`, `'; DROP TABLE processed_items; --`, `\\`, `%_`, '🙂']) {
      await expect(ctx.items.search({ q })).resolves.toBeInstanceOf(Array);
    }
    expect(await ctx.items.count()).toBe(5);
  });

  test('bad input is a ValidationError before any SQL', async () => {
    const cases: [() => Promise<unknown>, string][] = [
      [() => ctx.items.get('123'), 'id'],
      [() => ctx.items.getBySourceId('myspace' as never, 'x'), 'source'],
      [() => ctx.items.existsMany([{ source: 'reddit', sourceId: '' }]), 'keys[0].sourceId'],
      [() => ctx.items.existsMany([{ source: 'reddit', sourceId: 'a' }, null as never]), 'keys[1]'],
      [() => ctx.items.existsMany([{ source: 'myspace' as never, sourceId: 'a' }]), 'keys[0].source'],
      [() => ctx.items.existsMany([{ source: 'bbc', sourceId: 'x'.repeat(256) }]), 'keys[0].sourceId'],
      [() => ctx.items.existsMany([{ source: 'bbc', sourceId: 7 as never }]), 'keys[0].sourceId'],
      [() => ctx.items.existsMany('keys' as never), 'keys'],
      [() => ctx.items.deleteOlderThan(1.5), 'days'],
      [() => ctx.items.deleteOlderThan(-1), 'days'],
      [() => ctx.items.search({ q: '' }), 'search.q'],
      [() => ctx.items.saveBatch('nope' as never), 'items'],
      [() => ctx.items.save({ ...anItem(1), sourceId: 'x'.repeat(256) }), 'item.sourceId'],
      [() => ctx.items.save({ ...anItem(1), metrics: { upvotes: -1 } }), 'item.metrics.upvotes'],
      [() => ctx.items.save({ ...anItem(1), language: 'english please' }), 'item.language'],
    ];
    for (const [call, field] of cases) {
      const err = await rejection(call);
      expect(err, field).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).field, field).toBe(field);
    }
  });
}
