// The platform's relational usage: save a topic and its items, rank a trend, query it back.
// Run: npx tsx examples/relational.ts   (embedded store in ./.trend-data unless DATABASE_URL is set)
import { createStorage } from 'trend-storage';

const storage = await createStorage();
try {
  const { ids, inserted } = await storage.items.saveBatch([
    {
      source: 'hackernews',
      sourceId: 'example-1',
      url: 'https://news.ycombinator.com/item?id=1',
      title: 'Show HN: an embedded PostgreSQL for trend analysis',
      publishedAt: new Date(),
      metrics: { upvotes: 320, comments: 85, score: 4.2 },
    },
    {
      source: 'reddit',
      sourceId: 'example-2',
      url: 'https://reddit.com/r/programming/example-2',
      title: 'Trending: storage layers that need no servers',
      publishedAt: new Date(),
      metrics: { upvotes: 1200, comments: 240, score: 7.9 },
    },
  ]);
  console.log(`items saved: ${ids.length} (${inserted} new)`);

  const topicId = await storage.topics.save({
    title: 'Embedded databases',
    summary: 'Databases that run inside the application process',
    category: 'Technology',
    sources: ['hackernews', 'reddit'],
    keywords: ['postgres', 'embedded'],
  });
  await storage.topics.addItems(topicId, ids);

  const trendId = await storage.trends.save({
    topicId,
    rank: 1,
    title: 'Embedded databases are trending',
    summary: 'Developers want zero-setup storage',
    category: 'Technology',
    score: 12.1,
    state: 'viral',
  });

  const trends = await storage.trends.search({
    category: 'Technology',
    minScore: 10,
    q: 'trending databases',
  });
  console.log(`trends found: ${trends.map((t) => t.title).join('; ')}`);
  console.log(`topic item count: ${(await storage.topics.get(topicId))?.itemCount}`);
  await storage.trends.update(trendId, { state: 'sustained' });
  console.log(`top trend now: ${(await storage.trends.getTopTrends({ limit: 1 }))[0]?.title}`);
} finally {
  await storage.close();
}
