// Hybrid search quality: nDCG@10 of keyword only, vector only and hybrid search on the labelled set
// of bench/quality-data.ts, per query class, on PGlite and (when asked) the PostgreSQL server.
//
//   npx tsx bench/quality.ts [--engine=pglite|postgres|pglite,postgres] [--items=N] [--queries=N] [--seed=N] [--sweep]
//
// Without --engine: PGlite, plus the server when TREND_BENCH_DATABASE_URL is set. Prints the table and
// writes bench/results/quality.json. From bench/run.ts: runQuality(options) and renderQuality(result).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createStorage, type Storage } from '../src/storage.js';
import { throwawayDatabase } from './engines.js';
import { printTable } from './lib.js';
import {
  buildQualitySet,
  describeQualitySet,
  QUERY_CLASSES,
  type QualityQuery,
  type QueryClass,
  SHAPE,
} from './quality-data.js';

export type QualityEngine = 'pglite' | 'postgres';

export interface QualityOptions {
  /** Default: PGlite, plus the server when TREND_BENCH_DATABASE_URL is set. */
  engines?: QualityEngine[];
  /** Items in the set (default 3,000). */
  items?: number;
  /** Queries of each class (default 80). */
  queriesPerClass?: number;
  /** The set's seed (default 1). */
  seed?: number;
  /**
   * Hybrid with other text : vector weights as well (1:3 … 3:1): `auto` (default) when equal
   * weights miss the target on some class.
   */
  sweep?: 'auto' | 'always' | 'never';
  /** Progress lines (default console.log). */
  log?: (line: string) => void;
}

export type Method = 'keyword' | 'vector' | 'hybrid';
export const METHODS: readonly Method[] = ['keyword', 'vector', 'hybrid'];

export interface ClassScores {
  cls: QueryClass | 'overall';
  queries: number;
  /** Mean nDCG@10 per method. */
  ndcg: Record<Method, number>;
  /** The better single method on this class. */
  best: 'keyword' | 'vector';
  /** Hybrid (equal weights) ≥ the better single method, compared at 3 decimals. */
  met: boolean;
}

export interface WeightRow {
  text: number;
  vector: number;
  /** Mean nDCG@10 of hybrid with these weights, per class. */
  ndcg: Record<QueryClass | 'overall', number>;
  /** ≥ the better single method on every class (3 decimals). */
  meetsTarget: boolean;
}

export interface EngineQuality {
  engine: QualityEngine;
  /** Set when the engine could not be used (e.g. the server is unreachable). */
  skipped?: string;
  vectorStore?: 'pgvector' | 'qdrant';
  loadSeconds?: number;
  /** Mean milliseconds per query and method. */
  meanMs?: Record<Method, number>;
  classes?: ClassScores[];
  /** Hybrid with other weights, the equal-weights row included; empty when not swept. */
  weights?: WeightRow[];
  /** Every class met with equal weights. */
  targetMet?: boolean;
}

export interface QualityResult {
  date: string;
  seed: number;
  items: number;
  queriesPerClass: number;
  setStats: ReturnType<typeof buildQualitySet>['stats'];
  description: string;
  engines: EngineQuality[];
}

const K = 10;
const COLLECTION = 'quality_item_embeddings';
/** The weight ratios of the sweep (text, vector), equal weights included. */
const WEIGHTS: readonly [number, number][] = [
  [1, 3],
  [1, 2],
  [1, 1],
  [2, 1],
  [3, 1],
];

/** nDCG@k with gain 2^g − 1 and the ideal order over every judged item. */
export function ndcgAt(k: number, ranked: readonly string[], relevance: ReadonlyMap<string, number>): number {
  const dcg = (grades: number[]) =>
    grades.slice(0, k).reduce((s, g, i) => s + (2 ** g - 1) / Math.log2(i + 2), 0);
  const ideal = dcg([...relevance.values()].sort((a, b) => b - a));
  if (ideal === 0) return 0;
  return dcg(ranked.map((id) => relevance.get(id) ?? 0)) / ideal;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

async function measure(
  storage: Storage,
  set: ReturnType<typeof buildQualitySet>,
  options: Pick<QualityOptions, 'sweep'>,
  log: (line: string) => void,
): Promise<Omit<EngineQuality, 'engine'>> {
  const t0 = performance.now();
  const ids: string[] = [];
  for (let i = 0; i < set.items.length; i += 1000) {
    ids.push(...(await storage.items.saveBatch(set.items.slice(i, i + 1000))).ids);
  }
  const sourceIdOf = new Map(ids.map((id, i) => [id, set.items[i]!.sourceId]));
  const vectors = storage.vectors({ name: COLLECTION, dimensions: SHAPE.dimensions });
  for (let i = 0; i < ids.length; i += 1000) {
    await vectors.upsertBatch(
      ids.slice(i, i + 1000).map((id, j) => ({ id, vector: set.embeddings[i + j]! })),
    );
  }
  const loadSeconds = (performance.now() - t0) / 1000;
  log(`  loaded ${ids.length} items and vectors in ${loadSeconds.toFixed(1)} s`);

  const ms: Record<Method, number> = { keyword: 0, vector: 0, hybrid: 0 };
  const timed = async <T>(m: Method, fn: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    const out = await fn();
    ms[m] += performance.now() - t;
    return out;
  };
  const keywordList = async (q: QualityQuery, limit: number) =>
    (await storage.items.search({ q: q.q, limit, sort: 'relevance' })).map((it) => it.sourceId);
  const vectorList = async (q: QualityQuery, limit: number) =>
    (await vectors.search(q.vector, { limit })).map((m) => sourceIdOf.get(m.id) ?? m.id);

  /** One ranked list of sourceIds per query: hybrid with the given weights. */
  const hybridLists = async (weights: { text: number; vector: number }, time: boolean) => {
    const lists: string[][] = [];
    for (const q of set.queries) {
      const call = async () =>
        (
          await storage.search.items({ q: q.q, vector: q.vector, collection: COLLECTION, limit: K, weights })
        ).map((h) => h.item.sourceId);
      lists.push(time ? await timed('hybrid', call) : await call());
    }
    return lists;
  };

  const scores: Record<Method, number[]> = { keyword: [], vector: [], hybrid: [] };
  for (const q of set.queries) {
    scores.keyword.push(ndcgAt(K, await timed('keyword', () => keywordList(q, K)), q.relevance));
    scores.vector.push(ndcgAt(K, await timed('vector', () => vectorList(q, K)), q.relevance));
  }
  const equal = await hybridLists({ text: 1, vector: 1 }, true);
  scores.hybrid = equal.map((list, i) => ndcgAt(K, list, set.queries[i]!.relevance));
  const n = set.queries.length;
  const meanMs = Object.fromEntries(METHODS.map((m) => [m, ms[m] / n])) as Record<Method, number>;

  const mean = (xs: number[], pick: (i: number) => boolean) => {
    let s = 0;
    let c = 0;
    for (const [i, x] of xs.entries()) {
      if (!pick(i)) continue;
      s += x;
      c++;
    }
    return c ? s / c : 0;
  };
  const groups: (QueryClass | 'overall')[] = [...QUERY_CLASSES, 'overall'];
  const inGroup = (g: QueryClass | 'overall') => (i: number) => g === 'overall' || set.queries[i]!.cls === g;
  const classes: ClassScores[] = groups.map((cls) => {
    const ndcg = Object.fromEntries(METHODS.map((m) => [m, mean(scores[m], inGroup(cls))])) as Record<
      Method,
      number
    >;
    const best = ndcg.keyword >= ndcg.vector ? 'keyword' : 'vector';
    return {
      cls,
      queries: set.queries.filter((_, i) => inGroup(cls)(i)).length,
      ndcg,
      best,
      met: round3(ndcg.hybrid) >= round3(ndcg[best]),
    };
  });
  const bestOf = new Map(classes.map((c) => [c.cls, c.ndcg[c.best]]));
  const targetMet = classes.filter((c) => c.cls !== 'overall').every((c) => c.met);
  // Other weightings: when asked, or when equal weights miss the target on some class.
  const sweep = options.sweep === 'always' || (options.sweep !== 'never' && !targetMet);
  const weights: WeightRow[] = [];
  for (const [text, vector] of sweep ? WEIGHTS : []) {
    if (text !== vector) log(`  hybrid with weights text ${text} : vector ${vector}…`);
    const lists = text === vector ? equal : await hybridLists({ text, vector }, false);
    const perQuery = lists.map((list, i) => ndcgAt(K, list, set.queries[i]!.relevance));
    const ndcg = Object.fromEntries(groups.map((g) => [g, mean(perQuery, inGroup(g))])) as Record<
      QueryClass | 'overall',
      number
    >;
    weights.push({
      text,
      vector,
      ndcg,
      meetsTarget: QUERY_CLASSES.every((c) => round3(ndcg[c]) >= round3(bestOf.get(c)!)),
    });
  }
  return {
    vectorStore: storage.config.vector.kind,
    loadSeconds,
    meanMs,
    classes,
    weights,
    targetMet,
  };
}

async function onPglite(run: (storage: Storage) => Promise<Omit<EngineQuality, 'engine'>>) {
  const dataDir = mkdtempSync(join(tmpdir(), 'trend-quality-'));
  try {
    const storage = await createStorage({ dataDir, redis: false });
    try {
      return { engine: 'pglite' as const, ...(await run(storage)) };
    } finally {
      await storage.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function onServer(
  run: (storage: Storage) => Promise<Omit<EngineQuality, 'engine'>>,
): Promise<EngineQuality> {
  let server: Awaited<ReturnType<typeof throwawayDatabase>>;
  try {
    server = await throwawayDatabase(`trend_bench_quality_${process.pid}`);
  } catch (err) {
    return { engine: 'postgres', skipped: `server unreachable: ${(err as Error).message}` };
  }
  try {
    const storage = await createStorage({ databaseUrl: server.url, redis: false });
    try {
      return { engine: 'postgres', ...(await run(storage)) };
    } finally {
      await storage.close();
    }
  } finally {
    await server.drop();
  }
}

export async function runQuality(options: QualityOptions = {}): Promise<QualityResult> {
  const seed = options.seed ?? 1;
  const items = options.items ?? 3000;
  const queriesPerClass = options.queriesPerClass ?? 80;
  const log = options.log ?? ((line: string) => console.log(line));
  const engines =
    options.engines ??
    (['pglite', ...(process.env.TREND_BENCH_DATABASE_URL ? ['postgres'] : [])] as QualityEngine[]);
  const t = performance.now();
  const set = buildQualitySet({ items, queriesPerClass, seed });
  log(
    `quality set: ${set.items.length} items, ${set.queries.length} queries (${((performance.now() - t) / 1000).toFixed(1)} s to build)`,
  );
  const results: EngineQuality[] = [];
  for (const engine of engines) {
    log(`quality on ${engine}…`);
    const run = (storage: Storage) => measure(storage, set, options, log);
    const r = engine === 'pglite' ? await onPglite(run) : await onServer(run);
    if (r.skipped) log(`  skipped: ${r.skipped}`);
    results.push(r);
  }
  return {
    date: new Date().toISOString(),
    seed,
    items,
    queriesPerClass,
    setStats: set.stats,
    description: describeQualitySet(set, seed),
    engines: results,
  };
}

const f3 = (x: number) => x.toFixed(3);
const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
const head = (cells: string[]) => `${row(cells)}\n${row(cells.map(() => '---'))}`;
const weightLabel = (w: { text: number; vector: number }) => `text ${w.text} : vector ${w.vector}`;

/** The markdown section for docs/BENCHMARKS.md. */
export function renderQuality(result: QualityResult): string {
  const out = [
    '## Hybrid search quality (nDCG@10)',
    '',
    'Keyword only is `storage.items.search({ q, limit: 10 })` (relevance order), vector only is',
    '`storage.vectors(collection).search(queryVector, { limit: 10 })`, hybrid is',
    '`storage.search.items({ q, vector, collection, limit: 10 })` with equal weights. Target: hybrid',
    '≥ the better of the two on every query class (compared at three decimals). Equal fused scores are',
    'ordered by row id, a random uuid, so engines and runs can differ in the third decimal.',
    '',
    result.description,
    '',
  ];
  for (const e of result.engines) {
    if (e.skipped || !e.classes || !e.weights) {
      out.push(`**${e.engine}**: not measured (${e.skipped ?? 'no result'}).`, '');
      continue;
    }
    out.push(
      `**${e.engine}** (vectors in ${e.vectorStore}; mean time per query in this run, not a latency benchmark: keyword ${e.meanMs!.keyword.toFixed(1)} ms, vector ${e.meanMs!.vector.toFixed(1)} ms, hybrid ${e.meanMs!.hybrid.toFixed(1)} ms)`,
      '',
      head(['query class', 'queries', 'keyword', 'vector', 'hybrid', 'hybrid ≥ better of the two']),
      ...e.classes.map((c) =>
        row([
          c.cls,
          c.queries,
          f3(c.ndcg.keyword),
          f3(c.ndcg.vector),
          f3(c.ndcg.hybrid),
          c.cls === 'overall' ? (c.met ? 'yes' : 'no') : c.met ? '**met**' : '**not met**',
        ]),
      ),
      '',
    );
    if (!e.weights.length) {
      out.push(
        'Equal weights meet the target on every class; other weights were not measured (`--sweep`).',
        '',
      );
      continue;
    }
    const meeting = e.weights.filter((w) => w.meetsTarget);
    out.push(
      `Hybrid with other weights (same queries; ${meeting.length ? `meeting the target on every class: ${meeting.map(weightLabel).join(', ')}` : 'none of these meets the target on every class'}):`,
      '',
      head(['weights', ...QUERY_CLASSES, 'overall', 'target']),
      ...e.weights.map((w) =>
        row([
          weightLabel(w),
          ...QUERY_CLASSES.map((c) => f3(w.ndcg[c])),
          f3(w.ndcg.overall),
          w.meetsTarget ? 'met' : 'not met',
        ]),
      ),
      '',
    );
  }
  return out.join('\n');
}

function printResult(result: QualityResult): void {
  for (const e of result.engines) {
    if (!e.classes || !e.weights) {
      console.log(`\n${e.engine}: skipped (${e.skipped})`);
      continue;
    }
    printTable(
      `nDCG@10 on ${e.engine} (${result.items} items; vectors in ${e.vectorStore})`,
      ['class', 'queries', 'keyword', 'vector', 'hybrid', 'target'],
      e.classes.map((c) => [
        c.cls,
        c.queries,
        f3(c.ndcg.keyword),
        f3(c.ndcg.vector),
        f3(c.ndcg.hybrid),
        c.met ? 'met' : 'not met',
      ]),
    );
    if (!e.weights.length) continue;
    printTable(
      `hybrid by weights on ${e.engine}`,
      ['weights', ...QUERY_CLASSES, 'overall', 'target'],
      e.weights.map((w) => [
        weightLabel(w),
        ...QUERY_CLASSES.map((c) => f3(w.ndcg[c])),
        f3(w.ndcg.overall),
        w.meetsTarget ? 'met' : 'not met',
      ]),
    );
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const engineArg = arg('engine');
  const engines = engineArg?.split(',').map((e) => {
    if (e !== 'pglite' && e !== 'postgres') throw new Error(`--engine: pglite or postgres, not ${e}`);
    return e;
  });
  const num = (name: string) => (arg(name) === undefined ? undefined : Number(arg(name)));
  const started = performance.now();
  const result = await runQuality({
    engines,
    items: num('items'),
    queriesPerClass: num('queries'),
    seed: num('seed'),
    sweep: process.argv.includes('--sweep') ? 'always' : 'auto',
  });
  printResult(result);
  const dir = new URL('./results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  writeFileSync(new URL('quality.json', dir), `${JSON.stringify(result, null, 2)}\n`);
  console.log(
    `\nbench/results/quality.json written (${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );
}
