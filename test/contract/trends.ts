import { expect, test } from 'vitest';
import { ValidationError } from '../../src/domain/errors.js';
import type { Trend, TrendFilter, TrendInput } from '../../src/domain/models.js';
import type { SqlEngine } from '../support/engines.js';
import { aTopic, aTrend, DAY, NOW, rejection, useRepositories } from '../support/fixtures.js';

const CATEGORIES = ['Technology', 'Science', 'Sports'] as const;
const STATES = ['emerging', 'viral', 'sustained', 'declining', 'dead'] as const;
const SOURCES = ['reddit', 'hackernews', 'bbc', 'guardian'] as const;
const WORDS = ['quantum chips', 'election results', 'football transfers', 'climate summit', 'vaccine trials'];

/** 30 trends whose fields vary independently, so every filter keeps some and drops some. */
function dataset(topicId: string): TrendInput[] {
  return Array.from({ length: 30 }, (_, i) => ({
    ...aTrend(topicId),
    rank: (i % 7) + 1,
    title: `Trend ${i} about ${WORDS[i % WORDS.length]}`,
    summary: i % 4 === 0 ? 'Researchers are trending towards new results' : 'Nothing to add',
    keyPoints: [`point ${i}`],
    category: CATEGORIES[i % 3]!,
    state: STATES[i % 5]!,
    score: (i * 37) % 100,
    velocity: (i * 13) % 17,
    sources: [SOURCES[i % 4]!, ...(i % 3 === 0 ? [SOURCES[(i + 1) % 4]!] : [])],
    language: i % 6 === 0 ? 'de' : 'en',
    keywords: [`k${i % 5}`, ...(i % 2 ? ['odd'] : [])],
    firstSeen: new Date(NOW.getTime() - i * DAY),
    metadata: { i },
  }));
}

const byRank = (a: Trend, b: Trend) => a.rank - b.rank || b.score - a.score || (a.id < b.id ? -1 : 1);

export function trendContract(engine: SqlEngine): void {
  const ctx = useRepositories(engine);

  async function seed(): Promise<Trend[]> {
    const topicId = await ctx.topics.save(aTopic());
    for (const t of dataset(topicId)) await ctx.trends.save(t);
    return ctx.trends.search({ limit: 1000 });
  }

  test('save → get round-trips every field with its type', async () => {
    const topicId = await ctx.topics.save(aTopic());
    const related = '5b3f9c3e-8a2e-4c8e-9b6f-2f1d8c7a6e5d';
    const input: TrendInput = {
      ...aTrend(topicId),
      keyPoints: ['one', 'two'],
      state: 'viral',
      sources: ['reddit', 'hackernews'],
      itemCount: 12,
      totalEngagement: { upvotes: 5, comments: 2, score: 3.25 },
      velocity: 1.5,
      peakEngagementAt: new Date('2026-11-19T00:00:00Z'),
      language: 'en',
      keywords: ['ai', 'chips'],
      relatedTrendIds: [related],
      metadata: { nested: { a: [1, 'x', null] }, flag: true },
    };
    const id = await ctx.trends.save(input);
    const got = await ctx.trends.get(id);
    expect(got).toMatchObject({
      id,
      topicId,
      rank: 1,
      title: 'A trend',
      keyPoints: ['one', 'two'],
      category: 'Technology',
      state: 'viral',
      score: 10,
      sources: ['reddit', 'hackernews'],
      itemCount: 12,
      totalEngagement: { upvotes: 5, downvotes: 0, comments: 2, shares: 0, views: 0, score: 3.25 },
      velocity: 1.5,
      firstSeen: NOW,
      peakEngagementAt: new Date('2026-11-19T00:00:00Z'),
      keywords: ['ai', 'chips'],
      relatedTrendIds: [related],
      metadata: { nested: { a: [1, 'x', null] }, flag: true },
    });
    expect(got!.lastUpdated).toBeInstanceOf(Date);
  });

  test('save with an existing id replaces the trend and keeps firstSeen when omitted', async () => {
    const topicId = await ctx.topics.save(aTopic());
    const id = await ctx.trends.save(aTrend(topicId));
    const { firstSeen: _omitted, ...rest } = aTrend(topicId, { title: 'Renamed', rank: 3 });
    expect(await ctx.trends.save({ ...rest, id })).toBe(id);
    expect(await ctx.trends.get(id)).toMatchObject({ title: 'Renamed', rank: 3, firstSeen: NOW });
    expect(await ctx.trends.count()).toBe(1);
  });

  test('a row written by another service with SQL defaults reads back whole', async () => {
    const topicId = await ctx.topics.save(aTopic());
    const [row] = await ctx.db.query<{ id: string }>(
      `INSERT INTO trends (topic_id, rank, title, summary, category, score, first_seen, key_points, keywords, related_trend_ids, metadata, total_engagement)
       VALUES ($1, 2, 't', 's', 'Science', 1, now(), NULL, NULL, NULL, NULL, '{"upvotes": 3}') RETURNING id`,
      [topicId],
    );
    expect(await ctx.trends.get(row!.id)).toMatchObject({
      keyPoints: [],
      keywords: [],
      relatedTrendIds: [],
      metadata: {},
      state: 'emerging',
      sources: [],
      totalEngagement: { upvotes: 3, downvotes: 0, comments: 0, shares: 0, views: 0, score: 0 },
    });
  });

  test('update changes only the given fields; missing ids give false', async () => {
    const topicId = await ctx.topics.save(aTopic());
    const id = await ctx.trends.save(aTrend(topicId, { keywords: ['keep'] }));
    expect(await ctx.trends.update(id, { state: 'dead', score: 2.5, peakEngagementAt: null })).toBe(true);
    expect(await ctx.trends.get(id)).toMatchObject({
      state: 'dead',
      score: 2.5,
      keywords: ['keep'],
      title: 'A trend',
    });
    expect(await ctx.trends.update('00000000-0000-4000-8000-000000000000', { score: 1 })).toBe(false);
    const err = await rejection(() => ctx.trends.update(id, { score: -1 }));
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).field).toBe('patch.score');
    expect(await rejection(() => ctx.trends.update(id, { nope: 1 } as never))).toBeInstanceOf(
      ValidationError,
    );
    expect((await ctx.trends.get(id))!.score).toBe(2.5);
  });

  test('delete removes once; get of a missing id is null', async () => {
    const topicId = await ctx.topics.save(aTopic());
    const id = await ctx.trends.save(aTrend(topicId));
    expect(await ctx.trends.delete(id)).toBe(true);
    expect(await ctx.trends.delete(id)).toBe(false);
    expect(await ctx.trends.get(id)).toBeNull();
  });

  test('every filter field narrows the result exactly as specified', async () => {
    const all = await seed();
    expect(all).toHaveLength(30);
    const cases: [TrendFilter, (t: Trend) => boolean][] = [
      [{ category: 'Science' }, (t) => t.category === 'Science'],
      [{ sources: ['bbc', 'guardian'] }, (t) => t.sources.some((s) => s === 'bbc' || s === 'guardian')],
      [{ state: 'viral' }, (t) => t.state === 'viral'],
      [{ minScore: 50 }, (t) => t.score >= 50],
      [{ maxScore: 40 }, (t) => t.score <= 40],
      [{ language: 'de' }, (t) => t.language === 'de'],
      [{ keywords: ['k1', 'k3'] }, (t) => t.keywords.includes('k1') || t.keywords.includes('k3')],
      [
        { dateFrom: new Date(NOW.getTime() - 10 * DAY) },
        (t) => t.firstSeen.getTime() >= NOW.getTime() - 10 * DAY,
      ],
      [
        { dateTo: new Date(NOW.getTime() - 20 * DAY).toISOString() },
        (t) => t.firstSeen.getTime() <= NOW.getTime() - 20 * DAY,
      ],
      [
        { category: 'Technology', minScore: 20, keywords: ['odd'] },
        (t) => t.category === 'Technology' && t.score >= 20 && t.keywords.includes('odd'),
      ],
    ];
    for (const [filter, keep] of cases) {
      const expected = all
        .filter(keep)
        .sort(byRank)
        .map((t) => t.id);
      expect(expected.length, JSON.stringify(filter)).toBeGreaterThan(0);
      expect(expected.length, JSON.stringify(filter)).toBeLessThan(all.length);
      expect(
        (await ctx.trends.search(filter)).map((t) => t.id),
        JSON.stringify(filter),
      ).toEqual(expected);
      expect(await ctx.trends.count(filter), JSON.stringify(filter)).toBe(expected.length);
    }
  });

  test('limit and offset page through the default order (rank, then score)', async () => {
    const all = (await seed()).sort(byRank).map((t) => t.id);
    expect((await ctx.trends.search({ limit: 5 })).map((t) => t.id)).toEqual(all.slice(0, 5));
    expect((await ctx.trends.search({ limit: 5, offset: 5 })).map((t) => t.id)).toEqual(all.slice(5, 10));
  });

  test('sort keys: score, velocity, lastUpdated', async () => {
    const all = await seed();
    const scores = (await ctx.trends.search({ sort: 'score', limit: 1000 })).map((t) => t.score);
    expect(scores).toEqual([...all.map((t) => t.score)].sort((a, b) => b - a));
    const velocities = (await ctx.trends.search({ sort: 'velocity', limit: 1000 })).map((t) => t.velocity);
    expect(velocities).toEqual([...all.map((t) => t.velocity)].sort((a, b) => b - a));
    const touched = all[17]!;
    await ctx.trends.update(touched.id, { title: 'touched' });
    expect((await ctx.trends.search({ sort: 'lastUpdated', limit: 1 }))[0]!.id).toBe(touched.id);
  });

  test('q is full-text: stemmed, across title, summary and key points, most relevant first', async () => {
    const topicId = await ctx.topics.save(aTopic());
    const inTitle = await ctx.trends.save(
      aTrend(topicId, { title: 'Trends in quantum computing', summary: 'quantum trends' }),
    );
    const inSummary = await ctx.trends.save(aTrend(topicId, { title: 'Chips', summary: 'a trending topic' }));
    const inPoints = await ctx.trends.save(
      aTrend(topicId, { title: 'Other', summary: 'x', keyPoints: ['the trend continues'] }),
    );
    await ctx.trends.save(aTrend(topicId, { title: 'Unrelated', summary: 'nothing here' }));
    const found = (await ctx.trends.search({ q: 'trending' })).map((t) => t.id);
    expect(found).toEqual([inTitle, inSummary, inPoints]);
    expect(await ctx.trends.count({ q: 'trending' })).toBe(3);
  });

  test('getTopTrends orders by rank then score, with optional category and dateFrom', async () => {
    const all = await seed();
    const top = await ctx.trends.getTopTrends({ limit: 5 });
    expect(top.map((t) => t.id)).toEqual(
      [...all]
        .sort(byRank)
        .slice(0, 5)
        .map((t) => t.id),
    );
    const from = new Date(NOW.getTime() - 15 * DAY);
    const expected = all
      .filter((t) => t.category === 'Sports' && t.firstSeen >= from)
      .sort(byRank)
      .slice(0, 3)
      .map((t) => t.id);
    expect(
      (await ctx.trends.getTopTrends({ limit: 3, category: 'Sports', dateFrom: from })).map((t) => t.id),
    ).toEqual(expected);
  });

  test('malformed ids, bad filters and out-of-range limits are ValidationErrors before any SQL', async () => {
    const cases: [() => Promise<unknown>, string][] = [
      [() => ctx.trends.get('not-a-uuid'), 'id'],
      [() => ctx.trends.delete("1' OR '1'='1"), 'id'],
      [() => ctx.trends.search({ limit: 1001 }), 'filter.limit'],
      [() => ctx.trends.search({ limit: 0 }), 'filter.limit'],
      [() => ctx.trends.search({ offset: -1 }), 'filter.offset'],
      [() => ctx.trends.search({ category: 'Gossip' as never }), 'filter.category'],
      [() => ctx.trends.search({ sources: ['myspace' as never] }), 'filter.sources[0]'],
      [() => ctx.trends.search({ minScore: Number.NaN }), 'filter.minScore'],
      [() => ctx.trends.search({ dateFrom: 'yesterday' }), 'filter.dateFrom'],
      [() => ctx.trends.search({ colour: 'red' } as never), 'filter'],
      [() => ctx.trends.getTopTrends({ limit: 0 }), 'options.limit'],
      [() => ctx.trends.save({ ...aTrend('00000000-0000-4000-8000-000000000000'), rank: 0 }), 'trend.rank'],
      [
        () => ctx.trends.save({ ...aTrend('00000000-0000-4000-8000-000000000000'), title: 'x'.repeat(501) }),
        'trend.title',
      ],
    ];
    for (const [call, field] of cases) {
      const err = await rejection(call);
      expect(err, field).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).field, field).toBe(field);
    }
    expect(await ctx.trends.count()).toBe(0);
  });
}
