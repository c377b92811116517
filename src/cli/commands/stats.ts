import { describeCache, describeDatabase, describeVector } from '../../config.js';
import { createStorage } from '../../storage.js';
import { heading, type Out, table } from '../output.js';

export async function statsCommand(out: Out, opts: { days: number }): Promise<number> {
  const storage = await createStorage();
  try {
    const days = opts.days;
    const counts = await storage.views.tableCounts();
    const perDay = await storage.views.itemsPerSourceAndDay({ days });
    const top = await storage.trends.getTopTrends({ limit: 5 });
    const cacheKeys = (await storage.cache.keysMatching('*')).length;
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
      cache: { engine: describeCache(storage.config.cache), keys: cacheKeys },
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
    out.line(heading('Cache and vectors'));
    out.line(`cache: ${describeCache(storage.config.cache)}, ${cacheKeys} keys`);
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
