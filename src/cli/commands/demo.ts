import { describeCache, describeDatabase, describeVector } from '../../config.js';
import { hashEmbedding } from '../../demo/embed.js';
import { demoId, sample } from '../../demo/sample.js';
import { StorageError } from '../../domain/errors.js';
import { createStorage, type Storage } from '../../storage.js';
import type { VectorRepository } from '../../vector/types.js';
import { color, heading, type Out, printable, signed, table } from '../output.js';
import { progress } from '../progress.js';
import { renderTrendLines, trendLines } from './trends.js';

const DIMS = 384;
const ITEM_VECTORS = 'demo_item_embeddings';
const TREND_VECTORS = 'demo_trend_embeddings';
const CHUNK = 500;

async function reset(storage: Storage, out: Out): Promise<void> {
  // Only what the demo wrote (metadata.demo = true): safe on a shared server.
  const items = await storage.items.deleteByMetadata({ demo: true });
  const topics = await storage.topics.deleteByMetadata({ demo: true });
  for (const p of await storage.pluginHealth.list()) {
    if (p.name.startsWith('demo-')) await storage.pluginHealth.delete(p.name);
  }
  for (const name of [ITEM_VECTORS, TREND_VECTORS]) {
    await storage
      .vectors({ name, dimensions: DIMS })
      .dropCollection()
      .catch(() => false);
  }
  await storage.cache.deletePattern('demo:*');
  out.line(
    `reset: removed ${items} demo items and ${topics} demo topics (with their trends), vectors and cache keys`,
  );
}

/** The vector store for the demo, or the reason it cannot be used here. */
async function vectorStores(
  storage: Storage,
): Promise<{ items: VectorRepository; trends: VectorRepository } | string> {
  try {
    const items = storage.vectors({
      name: ITEM_VECTORS,
      dimensions: DIMS,
      payloadIndexes: { category: 'keyword', language: 'keyword' },
    });
    const trends = storage.vectors({ name: TREND_VECTORS, dimensions: DIMS });
    await items.ensureCollection();
    await trends.ensureCollection();
    return { items, trends };
  } catch (err) {
    if (err instanceof StorageError) return err.message;
    throw err;
  }
}

export async function demoCommand(out: Out, opts: { reset?: boolean; items: number }): Promise<number> {
  const started = performance.now();
  const storage = await createStorage();
  const report: Record<string, unknown> = {};
  try {
    out.line(color.bold('trend-storage demo'));
    out.line(`database: ${describeDatabase(storage.config.database)}`);
    out.line(`vectors:  ${describeVector(storage.config.vector)}`);
    out.line(`cache:    ${describeCache(storage.config.cache)}`);
    if (opts.reset) await reset(storage, out);

    // 1. Load the sample: items, topics, links, trends.
    const count = opts.items;
    const data = sample(count);
    out.line(
      heading(`Loading ${count} items, ${data.topics.length} topics and ${data.trends.length} trends`),
    );
    const bar = progress('items', data.items.length, !out.json);
    let inserted = 0;
    let updated = 0;
    let unchanged = 0;
    const itemIds: string[] = [];
    for (let i = 0; i < data.items.length; i += CHUNK) {
      const chunk = data.items.slice(i, i + CHUNK).map(({ theme: _theme, ...item }) => item);
      const r = await storage.items.saveBatch(chunk);
      inserted += r.inserted;
      updated += r.updated;
      unchanged += r.unchanged;
      itemIds.push(...r.ids);
      bar.increment(chunk.length);
    }
    bar.stop();
    for (const topic of data.topics) await storage.topics.save(topic);
    let linked = 0;
    for (const [t, topic] of data.topics.entries()) {
      const ids = itemIds.filter((_, i) => data.items[i]!.theme === t);
      linked += await storage.topics.addItems(topic.id!, ids);
    }
    for (const trend of data.trends) await storage.trends.save(trend);
    // 14 days of hourly history, so the first run already draws curves.
    await storage.trends.importHistory(data.history);
    await storage.views.refreshViews();
    out.line(
      `items: ${inserted} inserted, ${updated} refreshed, ${unchanged} unchanged; ${linked} new topic links`,
    );
    report.load = {
      inserted,
      updated,
      unchanged,
      linked,
      topics: data.topics.length,
      trends: data.trends.length,
    };

    // 2. Embeddings, computed locally (hashed word n-grams, 384-d).
    out.line(heading('Embeddings (local, deterministic, 384-d)'));
    const vectors = await vectorStores(storage);
    if (typeof vectors === 'string') {
      out.line(color.yellow(`vector sections skipped: ${vectors}`));
      report.vectors = { skipped: vectors };
    } else {
      const vbar = progress('vectors', data.items.length, !out.json);
      for (let i = 0; i < data.items.length; i += CHUNK) {
        const records = data.items.slice(i, i + CHUNK).map((it, j) => ({
          id: itemIds[i + j]!,
          vector: hashEmbedding(`${it.title} ${it.description ?? ''}`, DIMS),
          metadata: {
            source: it.source,
            category: it.category ?? 'Other',
            language: it.language ?? 'en',
            title: it.title,
          },
        }));
        await vectors.items.upsertBatch(records);
        vbar.increment(records.length);
      }
      vbar.stop();
      await vectors.trends.upsertBatch(
        data.trends.map((t) => ({
          id: t.id!,
          vector: hashEmbedding(`${t.title} ${t.summary} ${(t.keywords ?? []).join(' ')}`, DIMS),
          metadata: { title: t.title, category: t.category, state: t.state ?? 'emerging' },
        })),
      );
      out.line(
        `${await vectors.items.count()} item vectors, ${await vectors.trends.count()} trend vectors stored`,
      );
    }

    // 3. The platform's usage examples.
    out.line(heading('Save a topic and a trend'));
    const topicId = await storage.topics.save({
      id: demoId('walkthrough-topic'),
      title: 'Demo walkthrough: storage layers',
      summary: 'A topic saved by the demo',
      category: 'Technology',
      sources: ['hackernews'],
      keywords: ['storage', 'postgres'],
      metadata: { demo: true },
    });
    const trendId = await storage.trends.save({
      id: demoId('walkthrough-trend'),
      topicId,
      rank: 99,
      title: 'Demo walkthrough: embedded PostgreSQL',
      summary: 'A trend saved by the demo',
      category: 'Technology',
      score: 1.5,
      keywords: ['storage'],
      metadata: { demo: true },
    });
    const saved = await storage.trends.get(trendId);
    out.line(
      `topic ${topicId}\ntrend ${trendId}: "${saved!.title}" (state ${saved!.state}, rank ${saved!.rank})`,
    );

    out.line(heading('Trends in Technology, by rank'));
    const tech = await storage.trends.search({ category: 'Technology', limit: 5 });
    out.line(
      table(
        ['rank', 'score', 'state', 'title'],
        tech.map((t) => [t.rank, t.score, t.state, t.title]),
      ),
    );

    out.line(heading('Top trends'));
    const top = await storage.trends.getTopTrends({ limit: 5 });
    out.line(
      table(
        ['rank', 'score', 'velocity', 'title'],
        top.map((t) => [t.rank, t.score, t.velocity, t.title]),
      ),
    );

    out.line(heading('Trend history: daily score over the last 14 days'));
    const lines = await trendLines(storage, { limit: data.trends.length, days: 14 });
    out.line(renderTrendLines(lines));
    const [riser] = await storage.trends.movers({ since: new Date(Date.now() - 3 * 86_400_000), limit: 1 });
    if (riser) out.line(`rose most in 3 days: "${printable(riser.trend.title)}" (${signed(riser.change)})`);
    report.history = {
      points: data.history.length,
      trends: lines.map((l) => ({ title: l.trend.title, change: l.change })),
    };

    out.line(heading('Full-text search: "trending models benchmark"'));
    const found = await storage.items.search({ q: 'trending models benchmark', limit: 5 });
    out.line(
      table(
        ['source', 'published', 'title'],
        found.map((i) => [i.source, i.publishedAt.toISOString().slice(0, 10), i.title]),
      ),
    );

    if (typeof vectors !== 'string') {
      out.line(
        heading(
          'Vector search: "open source language model inference", English Technology items, score ≥ 0.2',
        ),
      );
      const query = hashEmbedding('open source language model inference', DIMS);
      const near = await vectors.items.search(query, {
        limit: 5,
        minScore: 0.2,
        filter: {
          and: [
            { field: 'category', eq: 'Technology' },
            { field: 'language', eq: 'en' },
          ],
        },
      });
      out.line(
        table(
          ['score', 'source', 'title'],
          near.map((m) => [m.score.toFixed(3), String(m.metadata.source), String(m.metadata.title)]),
        ),
      );

      const anchor = top[0]!;
      out.line(heading(`Trends similar to "${anchor.title}"`));
      const own = await vectors.trends.get(anchor.id);
      const similar = own
        ? (await vectors.trends.search(own.vector, { limit: 4 })).filter((m) => m.id !== anchor.id)
        : [];
      out.line(
        table(
          ['score', 'title'],
          similar.map((m) => [m.score.toFixed(3), String(m.metadata.title)]),
        ),
      );
      report.vectors = { nearest: near.length, similar: similar.length };
    }

    out.line(heading('Cache'));
    await storage.cache.set('demo:top-trend', { id: top[0]!.id, title: top[0]!.title }, { ttlSeconds: 300 });
    const cached = await storage.cache.get<{ title: string }>('demo:top-trend');
    for (let i = 0; i < 3; i++) await storage.cache.increment('demo:views');
    await storage.cache.setHash('demo:source-counts', {
      reddit: data.items.filter((i) => i.source === 'reddit').length,
      bbc: data.items.filter((i) => i.source === 'bbc').length,
    });
    out.line(`get demo:top-trend → ${cached?.title}`);
    out.line(
      `counter demo:views → ${await storage.cache.get('demo:views')} (ttl ${await storage.cache.getTtl('demo:views')})`,
    );
    out.line(
      `hash demo:source-counts → ${JSON.stringify(await storage.cache.getAllHash('demo:source-counts'))}`,
    );

    out.line(heading('Plugin health'));
    await storage.pluginHealth.recordRun('demo-reddit', { success: true });
    const health = await storage.pluginHealth.recordRun('demo-bbc', { success: false, error: 'HTTP 503' });
    out.line(
      `demo-bbc after one failed run (${health.lastError}): healthy=${health.isHealthy} (unhealthy after 3 failures in a row), runs=${health.totalRuns}, success rate=${health.successRate.toFixed(2)}`,
    );

    const tables = await storage.views.tableCounts();
    const counts = [
      { t: 'items', n: tables.processed_items },
      { t: 'topics', n: tables.topics },
      { t: 'trends', n: tables.trends },
      { t: 'links', n: tables.topic_items },
    ];
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    out.line(heading('Done'));
    out.line(`${counts.map((c) => `${c.n} ${c.t}`).join(', ')} — ${seconds} s`);
    out.result({
      ...report,
      counts: Object.fromEntries(counts.map((c) => [c.t, c.n])),
      seconds: Number(seconds),
    });
    return 0;
  } finally {
    await storage.close();
  }
}
