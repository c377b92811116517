import type { CacheStats } from '../../cache/types.js';
import { describeCache, describeDatabase, describeVector } from '../../config.js';
import type { TrendMove } from '../../repositories/trend-history.js';
import type { PoolStats } from '../../sql/executor.js';
import { createStorage } from '../../storage.js';
import { heading, type Out, signed, table } from '../output.js';

const percent = (ratio: number | null) => (ratio === null ? '—' : `${(ratio * 100).toFixed(1)}%`);

/** The cache's hit figures in words: whose lookups they count matters as much as the ratio. */
function describeHits(s: CacheStats): string {
  const counts = `${s.hits.toLocaleString('en')} hits, ${s.misses.toLocaleString('en')} misses`;
  return s.scope === 'server'
    ? `hit ratio ${percent(s.hitRatio)} (${counts}; Redis INFO, every client since the server started)`
    : `hit ratio ${percent(s.hitRatio)} (${counts}; this process's in-memory cache)`;
}

function describePool(p: PoolStats): string {
  return p.engine === 'pglite'
    ? `connection: embedded, one connection ${p.used ? 'in use' : 'idle'}, ${p.pending} queued`
    : `connection pool: ${p.used} used, ${p.idle} idle, ${p.pending} waiting (${p.total} open, max ${p.max})`;
}

const move = (m: TrendMove) => ({
  title: m.trend.title,
  change: m.change,
  score: m.trend.score,
  rank: m.trend.rank,
});

export async function statsCommand(out: Out, opts: { days: number }): Promise<number> {
  const storage = await createStorage();
  try {
    const days = opts.days;
    const counts = await storage.views.tableCounts();
    const perDay = await storage.views.itemsPerSourceAndDay({ days });
    const top = await storage.trends.getTopTrends({ limit: 5 });
    const since = new Date(Date.now() - 86_400_000);
    const risers = await storage.trends.movers({ since, limit: 5 });
    const fallers = await storage.trends.movers({ since, limit: 5, direction: 'down' });
    const cacheKeys = (await storage.cache.keysMatching('*')).length;
    const hits = await storage.cache.stats();
    const pool = storage.db.poolStats();
    let vectors: { collection: string; points: number }[] | { error: string };
    try {
      const names = await storage.vectors().listCollections();
      vectors = [];
      for (const name of names) {
        const shape = await storage.vectors().describeCollection(name);
        if (!shape) continue; // dropped since it was listed
        const repo = storage.vectors(shape);
        vectors.push({ collection: name, points: await repo.count() });
      }
    } catch (err) {
      vectors = { error: (err as Error).message };
    }
    out.result({
      database: describeDatabase(storage.config.database),
      tables: counts,
      itemsPerSourceAndDay: perDay,
      topTrends: top.map((t) => ({ rank: t.rank, title: t.title, score: t.score, state: t.state })),
      movers: { since, up: risers.map(move), down: fallers.map(move) },
      pool,
      cache: {
        engine: describeCache(storage.config.cache),
        keys: cacheKeys,
        hits: hits.hits,
        misses: hits.misses,
        hitRatio: hits.hitRatio,
        scope: hits.scope,
      },
      vectors: { engine: describeVector(storage.config.vector), collections: vectors },
    });
    out.line(`Store: ${describeDatabase(storage.config.database)}`);
    out.line(heading('Rows'));
    out.line(table(['table', 'rows'], Object.entries(counts)));
    out.line(heading(`Items per source and day (last ${days} days)`));
    const sources = [...new Set(perDay.map((r) => r.source))].sort();
    const dayList = [...new Set(perDay.map((r) => r.day))];
    const cell = (day: string, s: string) =>
      perDay.find((r) => r.day === day && r.source === s)?.itemCount ?? 0;
    out.line(
      dayList.length
        ? table(
            ['day', ...sources],
            dayList.map((d) => [d, ...sources.map((s) => cell(d, s))]),
          )
        : '(no items)',
    );
    out.line(heading('Top trends'));
    out.line(
      top.length
        ? table(
            ['rank', 'score', 'state', 'title'],
            top.map((t) => [t.rank, t.score, t.state, t.title]),
          )
        : '(no trends)',
    );
    out.line(heading('Top movers (last 24 hours, by score)'));
    const moves = [...risers, ...fallers];
    out.line(
      moves.length
        ? table(
            ['change', 'score', 'rank', 'title'],
            moves.map((m) => [signed(m.change), m.trend.score.toFixed(2), m.trend.rank, m.trend.title]),
          )
        : '(no trend moved)',
    );
    out.line(heading('Connections, cache and vectors'));
    out.line(describePool(pool));
    out.line(`cache: ${describeCache(storage.config.cache)}, ${cacheKeys} keys, ${describeHits(hits)}`);
    out.line(
      Array.isArray(vectors)
        ? `vectors: ${describeVector(storage.config.vector)}, ${vectors.map((v) => `${v.collection} (${v.points})`).join(', ') || 'no collections'}`
        : `vectors: unavailable — ${vectors.error}`,
    );
    return 0;
  } finally {
    await storage.close();
  }
}
