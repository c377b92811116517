// The platform's Python services share the database. These statements are written from
// shared/spec (platform-schema.md and platform-contract.md) in the shape the platform's repository
// code sends them: ids wrapped as COALESCE($1, uuid_generate_v4()), enums and arrays as text, JSON
// as text, the item upsert on (source, source_id). Each runs against a freshly migrated database.
import { expect, test } from 'vitest';
import { ValidationError } from '../src/domain/errors.js';
import { describeEachEngine } from './support/engines.js';
import { anItem, aTopic, aTrend, NOW, rejection, useRepositories } from './support/fixtures.js';

const METRICS = '{"upvotes": 5, "downvotes": 0, "comments": 2, "shares": 0, "views": 100, "score": 3.5}';

const PLATFORM_TOPIC = `
INSERT INTO topics (id, title, summary, category, sources, item_count, language, keywords,
                    total_engagement, first_seen, last_updated, metadata)
VALUES (COALESCE($1, uuid_generate_v4()), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
RETURNING id`;

const PLATFORM_TREND = `
INSERT INTO trends (id, topic_id, rank, title, summary, key_points, category, state, score, sources,
                    item_count, velocity, language, keywords, related_trend_ids, total_engagement,
                    first_seen, last_updated, peak_engagement_at, metadata)
VALUES (COALESCE($1, uuid_generate_v4()), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
        $16, $17, $18, $19, $20)
RETURNING id`;

const PLATFORM_ITEM_UPSERT = `
INSERT INTO processed_items (id, source, source_id, url, title, title_normalized, description, content,
                             content_normalized, language, author, category, metrics, published_at,
                             collected_at, metadata)
VALUES (COALESCE($1, uuid_generate_v4()), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
ON CONFLICT (source, source_id) DO UPDATE SET
  title = EXCLUDED.title, title_normalized = EXCLUDED.title_normalized,
  description = EXCLUDED.description, content = EXCLUDED.content,
  content_normalized = EXCLUDED.content_normalized, category = EXCLUDED.category,
  metrics = EXCLUDED.metrics, metadata = EXCLUDED.metadata
RETURNING id`;

describeEachEngine('platform compatibility: the platform writes, this library reads, and back', (engine) => {
  const ctx = useRepositories(engine);

  async function platformTopic(id: string | null = null): Promise<string> {
    const [row] = await ctx.db.query<{ id: string }>(PLATFORM_TOPIC, [
      id,
      'Chips',
      'Chip makers',
      'Technology',
      '{reddit,hackernews}',
      0,
      'en',
      '{chips,ai}',
      METRICS,
      NOW,
      NOW,
      '{"origin": "python"}',
    ]);
    return row!.id;
  }

  function platformItem(sourceId: string, title: string, id: string | null = null) {
    return ctx.db.query<{ id: string }>(PLATFORM_ITEM_UPSERT, [
      id,
      'hackernews',
      sourceId,
      `https://news.example.com/${sourceId}`,
      title,
      title.toLowerCase(),
      'A description',
      'Body text',
      'body text',
      'en',
      'pg',
      'Technology',
      METRICS,
      NOW,
      NOW,
      '{"origin": "python"}',
    ]);
  }

  test('the platform inserts a topic and a trend with generated ids; this library reads them', async () => {
    const topicId = await platformTopic();
    const [trend] = await ctx.db.query<{ id: string }>(PLATFORM_TREND, [
      null,
      topicId,
      1,
      'Chips rally',
      'Chip stocks rise',
      '{"point one","point two"}',
      'Technology',
      'viral',
      42.5,
      '{reddit}',
      3,
      1.25,
      'en',
      '{chips}',
      '{}',
      METRICS,
      NOW,
      NOW,
      null,
      '{}',
    ]);
    expect(await ctx.topics.get(topicId)).toMatchObject({
      title: 'Chips',
      sources: ['reddit', 'hackernews'],
      keywords: ['chips', 'ai'],
      totalEngagement: { upvotes: 5, views: 100, score: 3.5 },
      metadata: { origin: 'python' },
    });
    expect(await ctx.trends.get(trend!.id)).toMatchObject({
      topicId,
      rank: 1,
      keyPoints: ['point one', 'point two'],
      state: 'viral',
      score: 42.5,
      velocity: 1.25,
      firstSeen: NOW,
      peakEngagementAt: null,
    });
    // An id the platform chose itself is kept.
    const chosen = '7d9c1f2e-3b4a-4c5d-8e6f-708192a3b4c5';
    expect(await platformTopic(chosen)).toBe(chosen);
  });

  test('the platform inserts and re-collects an item; this library reads the new text', async () => {
    const [first] = await platformItem('hn-1', 'Original title');
    const [again] = await platformItem('hn-1', 'Edited title');
    expect(again!.id).toBe(first!.id);
    expect(await ctx.items.getBySourceId('hackernews', 'hn-1')).toMatchObject({
      id: first!.id,
      title: 'Edited title',
      titleNormalized: 'edited title',
      url: 'https://news.example.com/hn-1',
      metrics: { upvotes: 5, comments: 2, views: 100, score: 3.5 },
      publishedAt: NOW,
    });
    // …and the row takes part in this library's own upsert, keeping its id.
    const { ids } = await ctx.items.saveBatch([
      anItem('x', { source: 'hackernews', sourceId: 'hn-1', title: 'Third title' }),
    ]);
    expect(ids[0]).toBe(first!.id);
    const [row] = await ctx.db.query<{ title: string; title_normalized: string }>(
      `SELECT title, title_normalized FROM processed_items WHERE source = 'hackernews' AND source_id = 'hn-1'`,
    );
    expect(row).toEqual({ title: 'Third title', title_normalized: 'third title' });
  });

  test('rows this library writes read back through plain SQL with the platform names and types', async () => {
    const topicId = await ctx.topics.save(aTopic({ keywords: ['k1'], sources: ['bbc'] }));
    const trendId = await ctx.trends.save(
      aTrend(topicId, { keyPoints: ['p'], relatedTrendIds: [topicId], state: 'sustained' }),
    );
    const itemId = await ctx.items.save(
      anItem(1, { category: 'Science', metrics: { views: 15_000_000_000 }, author: 'me' }),
    );
    await ctx.topics.addItems(topicId, [itemId]);
    await ctx.pluginHealth.recordRun('reddit', { success: true });
    const runId = await ctx.pipelineRuns.start({ metadata: { by: 'ts' } });
    await ctx.pipelineRuns.complete(runId, { itemsCollected: 1 });

    const [item] = await ctx.db.query(
      `SELECT id, source::text, source_id, url, title, title_normalized, language, author, category::text,
              metrics, published_at, collected_at, metadata FROM processed_items WHERE id = $1`,
      [itemId],
    );
    expect(item).toMatchObject({
      id: itemId,
      source: 'reddit',
      source_id: 'post-1',
      url: 'https://example.com/1',
      title_normalized: 'item number 1',
      language: 'en',
      author: 'me',
      category: 'Science',
      metrics: { upvotes: 0, downvotes: 0, comments: 0, shares: 0, views: 15_000_000_000, score: 0 },
      metadata: {},
    });
    expect(item!.published_at).toBeInstanceOf(Date);
    const [trend] = await ctx.db.query(
      `SELECT topic_id, rank, state::text, score, velocity, key_points, related_trend_ids::text[] AS related,
              sources::text[] AS sources, first_seen FROM trends WHERE id = $1`,
      [trendId],
    );
    expect(trend).toEqual({
      topic_id: topicId,
      rank: 1,
      state: 'sustained',
      score: 10,
      velocity: 0,
      key_points: ['p'],
      related: [topicId],
      sources: [],
      first_seen: NOW,
    });
    const [topic] = await ctx.db.query(
      'SELECT item_count, keywords, sources::text[] AS sources FROM topics WHERE id = $1',
      [topicId],
    );
    expect(topic).toEqual({ item_count: 1, keywords: ['k1'], sources: ['bbc'] });
    const [health] = await ctx.db.query(
      `SELECT is_healthy, total_runs, success_rate, consecutive_failures FROM plugin_health WHERE name = 'reddit'`,
    );
    expect(health).toEqual({ is_healthy: true, total_runs: 1, success_rate: 1, consecutive_failures: 0 });
    const [run] = await ctx.db.query(
      `SELECT status::text, items_collected, completed_at IS NOT NULL AS done FROM pipeline_runs WHERE id = $1`,
      [runId],
    );
    expect(run).toEqual({ status: 'completed', items_collected: 1, done: true });
  });

  test('the platform functions run on rows from both writers', async () => {
    const topicId = await platformTopic();
    await ctx.trends.save(aTrend(topicId, { rank: 2, title: 'ours' }));
    await ctx.db.query(PLATFORM_TREND, [
      null,
      topicId,
      1,
      'theirs',
      's',
      '{}',
      'Technology',
      'emerging',
      1,
      '{}',
      0,
      0.0,
      'en',
      '{}',
      '{}',
      METRICS,
      NOW,
      NOW,
      null,
      '{}',
    ]);
    const rows = await ctx.db.query<{ title: string }>(
      `SELECT title FROM get_top_trends_by_category('Technology'::category_type, 10)`,
    );
    expect(rows.map((r) => r.title)).toEqual(['theirs', 'ours']);
    expect((await ctx.trends.getTopTrends({ limit: 10 })).map((t) => t.title)).toEqual(['theirs', 'ours']);
  });

  test('a value the platform model could not read back is refused, naming the field', async () => {
    for (const url of [
      'not a url',
      'ftp://example.com/file',
      'https://',
      'http:/example.com',
      'example.com/page',
      'https://exa mple.com/',
      `https://example.com/${'a'.repeat(2100)}`,
      // pydantic counts UTF-8 bytes: 1,120 characters, 2,220 bytes
      `https://example.com/${'é'.repeat(1100)}`,
      'https://example.com/\ud800',
      'https://example.com/\u0000',
    ]) {
      const err = await rejection(() => ctx.items.save(anItem(1, { url })));
      expect(err, url).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).field, url).toBe('item.url');
    }
    const batch = await rejection(() =>
      ctx.items.saveBatch([anItem(1), anItem(2, { url: 'mailto:someone@example.com' })]),
    );
    expect((batch as ValidationError).field).toBe('items[1].url');
    // Python's datetime ends at year 9999.
    const far = await rejection(() => ctx.items.save(anItem(1, { publishedAt: new Date('+010000-01-01') })));
    expect((far as ValidationError).field).toBe('item.publishedAt');
    expect((await ctx.db.query('SELECT 1 FROM processed_items')).length).toBe(0);
    // The boundaries themselves are accepted.
    await ctx.items.save(anItem(2, { url: `HTTPS://Example.com/${'a'.repeat(2083 - 20)}` }));
    await ctx.items.save(anItem(3, { url: 'http://localhost:8080/x?q=1#top' }));
    await ctx.items.save(anItem(4, { url: `https://example.com/${'é'.repeat(1031)}` }));
  });

  test('a row the platform wrote with a language tag of its own can be re-saved through this library', async () => {
    for (const [n, language] of [
      [1, 'EN'],
      [2, 'zh-Hant-TW'],
    ] as const) {
      await platformItem(`lang-${n}`, 'Original');
      await ctx.db.query(`UPDATE processed_items SET language = $1 WHERE source_id = $2`, [
        language,
        `lang-${n}`,
      ]);
      const row = await ctx.items.getBySourceId('hackernews', `lang-${n}`);
      const { id: _id, ...item } = row!;
      expect((await ctx.items.saveBatch([{ ...item, title: 'Edited' }])).updated).toBe(1);
      expect(await ctx.items.getBySourceId('hackernews', `lang-${n}`)).toMatchObject({
        title: 'Edited',
        language,
      });
    }
  });
});
