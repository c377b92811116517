import { expect, test } from 'vitest';
import { NotFoundError, ValidationError } from '../../src/domain/errors.js';
import type { SqlEngine } from '../support/engines.js';
import { anItem, aTopic, rejection, useRepositories } from '../support/fixtures.js';

export function topicContract(engine: SqlEngine): void {
  const ctx = useRepositories(engine);

  test('save → get round-trips; save with the id replaces', async () => {
    const id = await ctx.topics.save(
      aTopic({
        sources: ['bbc'],
        keywords: ['ai'],
        totalEngagement: { views: 9 },
        metadata: { k: 'v' },
        language: 'de',
      }),
    );
    expect(await ctx.topics.get(id)).toMatchObject({
      id,
      title: 'Open models',
      category: 'Technology',
      sources: ['bbc'],
      itemCount: 0,
      keywords: ['ai'],
      totalEngagement: { upvotes: 0, views: 9, score: 0 },
      language: 'de',
      metadata: { k: 'v' },
    });
    expect(await ctx.topics.save(aTopic({ id, title: 'Renamed' }))).toBe(id);
    expect((await ctx.topics.get(id))!.title).toBe('Renamed');
    expect(await ctx.topics.count()).toBe(1);
  });

  test('update, delete, and missing ids', async () => {
    const id = await ctx.topics.save(aTopic());
    expect(await ctx.topics.update(id, { summary: 'new', keywords: ['x'] })).toBe(true);
    expect(await ctx.topics.get(id)).toMatchObject({ summary: 'new', keywords: ['x'], title: 'Open models' });
    const missing = '00000000-0000-4000-8000-000000000001';
    expect(await ctx.topics.update(missing, { summary: 'x' })).toBe(false);
    expect(await ctx.topics.get(missing)).toBeNull();
    expect(await ctx.topics.delete(id)).toBe(true);
    expect(await ctx.topics.delete(id)).toBe(false);
  });

  test('search filters by category and language, newest first, with paging', async () => {
    const a = await ctx.topics.save(aTopic({ category: 'Science' }));
    const b = await ctx.topics.save(aTopic({ category: 'Science', language: 'fr' }));
    await ctx.topics.save(aTopic({ category: 'Sports' }));
    await ctx.topics.update(a, { summary: 'touched last' });
    expect((await ctx.topics.search({ category: 'Science' })).map((t) => t.id)).toEqual([a, b]);
    expect((await ctx.topics.search({ category: 'Science', language: 'fr' })).map((t) => t.id)).toEqual([b]);
    expect((await ctx.topics.search({ category: 'Science', limit: 1, offset: 1 })).map((t) => t.id)).toEqual([
      b,
    ]);
    expect(await ctx.topics.count({ category: 'Science' })).toBe(2);
    expect(await ctx.topics.count()).toBe(3);
  });

  test('search q is full-text over title, summary and keywords', async () => {
    const hit = await ctx.topics.save(
      aTopic({ title: 'Elections', summary: 'Voters are trending left', keywords: ['politics'] }),
    );
    const kw = await ctx.topics.save(aTopic({ title: 'Other', summary: 'x', keywords: ['trends'] }));
    await ctx.topics.save(aTopic({ title: 'Cooking', summary: 'recipes' }));
    expect(new Set((await ctx.topics.search({ q: 'trend' })).map((t) => t.id))).toEqual(new Set([hit, kw]));
  });

  test('getByKeyword returns topics carrying that keyword, up to limit', async () => {
    const a = await ctx.topics.save(aTopic({ keywords: ['ai', 'chips'] }));
    await ctx.topics.save(aTopic({ keywords: ['sports'] }));
    const c = await ctx.topics.save(aTopic({ keywords: ['ai'] }));
    expect(new Set((await ctx.topics.getByKeyword('ai')).map((t) => t.id))).toEqual(new Set([a, c]));
    expect(await ctx.topics.getByKeyword('ai', { limit: 1 })).toHaveLength(1);
    expect(await ctx.topics.getByKeyword('none')).toEqual([]);
  });

  test('addItems / removeItems / listItems keep item_count right through the trigger', async () => {
    const topicId = await ctx.topics.save(aTopic());
    const { ids } = await ctx.items.saveBatch([anItem(1), anItem(2), anItem(3)]);
    expect(await ctx.topics.addItems(topicId, ids)).toBe(3);
    expect(await ctx.topics.addItems(topicId, [ids[0]!, ids[0]!])).toBe(0); // already linked, repeated
    expect((await ctx.topics.get(topicId))!.itemCount).toBe(3);
    const listed = await ctx.topics.listItems(topicId);
    expect(new Set(listed.map((i) => i.id))).toEqual(new Set(ids));
    expect(listed[0]!.publishedAt).toBeInstanceOf(Date);
    expect(await ctx.topics.listItems(topicId, { limit: 2, offset: 2 })).toHaveLength(1);
    expect(await ctx.topics.removeItems(topicId, [ids[1]!, ids[1]!])).toBe(1);
    expect((await ctx.topics.get(topicId))!.itemCount).toBe(2);
    await ctx.items.deleteOlderThan(0); // deleting items drops their links
    expect((await ctx.topics.get(topicId))!.itemCount).toBe(0);
  });

  test('the trigger-kept item count cannot be patched, and a re-save keeps it', async () => {
    const topicId = await ctx.topics.save(aTopic());
    const { ids } = await ctx.items.saveBatch([anItem(1)]);
    await ctx.topics.addItems(topicId, ids);
    const err = await rejection(() => ctx.topics.update(topicId, { itemCount: 999 } as never));
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).field).toBe('patch.itemCount');
    await ctx.topics.save(aTopic({ id: topicId, itemCount: 50, title: 're-saved' }));
    expect((await ctx.topics.get(topicId))!).toMatchObject({ itemCount: 1, title: 're-saved' });
    await ctx.topics.removeItems(topicId, ids);
    expect((await ctx.topics.get(topicId))!.itemCount).toBe(0);
  });

  test('linking to a missing topic or item is NotFoundError', async () => {
    const { ids } = await ctx.items.saveBatch([anItem(1)]);
    const missing = '00000000-0000-4000-8000-000000000002';
    expect(await rejection(() => ctx.topics.addItems(missing, ids))).toBeInstanceOf(NotFoundError);
    const topicId = await ctx.topics.save(aTopic());
    expect(await rejection(() => ctx.topics.addItems(topicId, [missing]))).toBeInstanceOf(NotFoundError);
    expect((await ctx.topics.get(topicId))!.itemCount).toBe(0);
  });

  test('bad input is a ValidationError naming the field', async () => {
    const cases: [() => Promise<unknown>, string][] = [
      [() => ctx.topics.get('x'), 'id'],
      [() => ctx.topics.save(aTopic({ category: 'Nope' as never })), 'topic.category'],
      [() => ctx.topics.save(aTopic({ title: '' })), 'topic.title'],
      [() => ctx.topics.save(aTopic({ summary: 'nul\u0000byte' })), 'topic.summary'],
      [() => ctx.topics.search({ limit: 5000 }), 'search.limit'],
      [() => ctx.topics.getByKeyword('', { limit: 10 }), 'keyword'],
      [() => ctx.topics.addItems('00000000-0000-4000-8000-000000000002', ['bad']), 'itemIds[0]'],
      [() => ctx.topics.listItems('00000000-0000-4000-8000-000000000002', { limit: -1 }), 'paging.limit'],
    ];
    for (const [call, field] of cases) {
      const err = await rejection(call);
      expect(err, field).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).field, field).toBe(field);
    }
    expect(await ctx.topics.count()).toBe(0);
  });
}
