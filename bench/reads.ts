// Reads through the repositories against the raw driver running the very same SQL.
import { createRepositories, type Repositories } from '../src/repositories/index.js';
import type { Executor, Row } from '../src/sql/executor.js';
import { items } from './data.js';
import type { BenchDb } from './engines.js';
import { type Load, paired } from './lib.js';

/** An executor that records what a repository would send, without sending it. */
class Recorder implements Executor {
  readonly engine = 'postgres' as const;
  calls: { text: string; params: unknown[] }[] = [];
  async query<T extends Row>(text: string, params: readonly unknown[] = []): Promise<T[]> {
    this.calls.push({ text, params: [...params] });
    return [];
  }
  async exec(): Promise<void> {}
  async copyIn(): Promise<void> {}
  transaction<R>(fn: (tx: Executor) => Promise<R>): Promise<R> {
    return fn(this);
  }
}

export interface ReadResult {
  engine: string;
  op: string;
  concurrency: number;
  repo: Load;
  raw: Load;
  ratio: number;
  plan: string;
  usesIndex: boolean;
}

const CATS = ['Technology', 'Politics', 'Science', 'Business', 'Sports', 'Health'] as const;
const STATES = ['emerging', 'viral', 'sustained', 'declining', 'dead'] as const;
const SOURCES = ['reddit', 'hackernews', 'bbc', 'guardian', 'reuters', 'rss'] as const;

/** Items, topics and trends for the read benchmarks; returns the item ids. */
export async function seed(b: BenchDb, nItems: number, nTrends: number, nTopics: number): Promise<string[]> {
  const repos = createRepositories(b.db);
  const { ids } = await repos.items.saveBatch(items(nItems, 3, 'r'));
  await b.db.query(
    `INSERT INTO topics (title, summary, category, keywords)
     SELECT 'topic ' || g, 'summary of topic ' || g, ($2::text[])[1 + g % 6]::category_type, ARRAY['k' || (g % 50)]
     FROM generate_series(1, $1::int) g`,
    [nTopics, CATS],
  );
  await b.db.query(
    `INSERT INTO trends (topic_id, rank, title, summary, key_points, category, state, score, sources, velocity, language, keywords, first_seen)
     SELECT t.id, 1 + g % 500, 'trend ' || g || ' about ' || (ARRAY['models','markets','elections','climate','football'])[1 + g % 5],
       'summary ' || g, ARRAY['point ' || g], ($2::text[])[1 + g % 6]::category_type, ($3::text[])[1 + g % 5]::trend_state,
       (g * 7919 % 10000) / 100.0, ARRAY[($4::text[])[1 + g % 6]]::source_type[], g % 37, CASE WHEN g % 5 = 0 THEN 'de' ELSE 'en' END,
       ARRAY['k' || (g % 200)], now() - make_interval(hours => g % (24 * 30))
     FROM generate_series(1, $1::int) g
     JOIN LATERAL (SELECT id FROM topics ORDER BY id OFFSET (g % $5::int) LIMIT 1) t ON true`,
    [nTrends, CATS, STATES, SOURCES, nTopics],
  );
  await b.db.query('ANALYZE');
  return ids;
}

function planSummary(plan: unknown): { text: string; usesIndex: boolean } {
  const nodes: string[] = [];
  const walk = (n: Record<string, unknown>) => {
    const idx = n['Index Name'] ? ` ${n['Index Name']}` : '';
    nodes.push(`${n['Node Type']}${idx}`);
    for (const c of (n.Plans as Record<string, unknown>[] | undefined) ?? []) walk(c);
  };
  walk((plan as { Plan: Record<string, unknown> }[])[0]!.Plan);
  const scans = nodes.filter((n) => /Scan/.test(n));
  return { text: scans.join(' + '), usesIndex: scans.some((s) => /Index/.test(s)) };
}

export async function reads(
  b: BenchDb,
  size: { items: number; trends: number; topics: number },
  total: number,
  runs: number,
): Promise<ReadResult[]> {
  const ids = await seed(b, size.items, size.trends, size.topics);
  const repos = createRepositories(b.db);
  const keys = (i: number) =>
    Array.from({ length: 1000 }, (_, j) => ({
      source: SOURCES[(i + j) % 6]!,
      sourceId: `r-${(i * 1000 + j) % (size.items * 2)}`,
    }));
  const ops: [string, (r: Repositories, i: number) => Promise<unknown>][] = [
    ['items.get', (r, i) => r.items.get(ids[(i * 7919) % ids.length]!)],
    [
      'items.getBySourceId',
      (r, i) => r.items.getBySourceId(SOURCES[i % 6]!, `r-${(i * 6 + (i % 6)) % size.items}`),
    ],
    ['items.existsMany(1000)', (r, i) => r.items.existsMany(keys(i))],
    ['trends.search category', (r, i) => r.trends.search({ category: CATS[i % 6]!, limit: 20 })],
    ['trends.search sources', (r, i) => r.trends.search({ sources: [SOURCES[i % 6]!], limit: 20 })],
    ['trends.search state', (r, i) => r.trends.search({ state: STATES[i % 5]!, limit: 20 })],
    ['trends.search minScore', (r, i) => r.trends.search({ minScore: 99 - (i % 3), limit: 20 })],
    ['trends.search language', (r) => r.trends.search({ language: 'de', limit: 20 })],
    ['trends.search keywords', (r, i) => r.trends.search({ keywords: [`k${i % 200}`], limit: 20 })],
    [
      'trends.search dateFrom',
      (r) => r.trends.search({ dateFrom: new Date(Date.now() - 86_400_000), limit: 20 }),
    ],
    [
      'trends.search q',
      (r, i) => r.trends.search({ q: ['models', 'markets', 'elections'][i % 3]!, limit: 20 }),
    ],
    [
      'trends.search combined',
      (r, i) =>
        r.trends.search({ category: CATS[i % 6]!, state: 'viral', minScore: 10, language: 'en', limit: 20 }),
    ],
    [
      'items.search (full-text)',
      (r, i) => r.items.search({ q: ['kamitel', 'quantum chip', 'rosanvor'][i % 3]!, limit: 20 }),
    ],
    [
      'trends.getTopTrends(10)',
      (r, i) => r.trends.getTopTrends({ limit: 10, category: i % 2 ? CATS[i % 6] : undefined }),
    ],
  ];
  const results: ReadResult[] = [];
  for (const [op, call] of ops) {
    // Record the SQL of 200 distinct calls; the raw driver replays exactly those.
    const recorder = new Recorder();
    const recRepos = createRepositories(recorder);
    for (let i = 0; i < 200; i++) await call(recRepos, i);
    const recorded = recorder.calls;
    const perCall = recorded.length / 200;
    const explain = (await b.raw(
      `EXPLAIN (FORMAT JSON) ${recorded[0]!.text}`,
      recorded[0]!.params,
    )) as Record<string, unknown>[];
    const plan = planSummary(explain[0]!['QUERY PLAN']);
    for (const concurrency of [1, 16]) {
      const n = op.startsWith('items.existsMany') ? Math.max(50, total / 20) : total;
      const [repo, raw] = await paired(
        runs,
        n,
        concurrency,
        (i) => call(repos, i % 200),
        async (i) => {
          for (let k = 0; k < perCall; k++) {
            const q = recorded[(i % 200) * perCall + k]!;
            await b.raw(q.text, q.params);
          }
        },
      );
      results.push({
        engine: b.name,
        op,
        concurrency,
        repo,
        raw,
        ratio: repo.opsPerSec / raw.opsPerSec,
        plan: plan.text,
        usesIndex: plan.usesIndex,
      });
    }
  }
  return results;
}
