// npm run bench [-- --quick] [-- --only=ingest,reads,vectors,cache,peer,quality] [-- --ingest=N]
// npm run bench -- --scale [--scale-sizes=10000,100000,1000000] [--scale-engine=postgres|pglite|both]
//   [--scale-vectors=N] [--scale-vector-budget=S] [--scale-queries=N] [--scale-budget=S]
// npm run bench -- --observability [--quick]: instrumentation overhead alone (uninstrumented, no SDK,
//   SDK at 100% sampling), bench/results/observability.json (observability-smoke.json with --quick).
// npm run bench -- --history [--quick]: trend history (snapshot trigger cost, history and movers
//   latency at 1,000 trends × 720 hourly snapshots), bench/results/history.json.
// npm run bench -- --report: docs/BENCHMARKS.md (and docs/scale-chart.svg) again from bench/results
//   (latest.json, scale.json, vector-peer.json, quality.json; no measuring).
// Every figure is measured in this run against the raw engine underneath, so ratios survive a
// noisy machine. Writes bench/results/latest.json (vector-peer.json and quality.json for those two
// sections) and docs/BENCHMARKS.md.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { cache, REDIS_URL } from './cache.js';
import { openPglite, openServer } from './engines.js';
import { historyBench, printHistory } from './history.js';
import { type IngestResult, ingest } from './ingest.js';
import { fmt, printTable, setBudget } from './lib.js';
import { observability, printObservability } from './observability.js';
import { type QualityResult, renderQuality, runQuality } from './quality.js';
import { type ReadResult, reads } from './reads.js';
import { writeBenchmarksPage } from './report.js';
import { type ScaleEngine, type ScaleResults, scale } from './scale.js';
import { printScale } from './scale-report.js';
import { type PeerResult, renderPeer, vectorPeer } from './vector-peer.js';
import { type VectorResult, vectors } from './vectors.js';

const quick = process.argv.includes('--quick');
const only = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice(7)
  .split(',');
const want = (s: string) => !only || only.includes(s);
const SIZE = quick
  ? {
      ingest: 2_000,
      items: 2_000,
      trends: 500,
      topics: 100,
      readOps: 50,
      vectors: 1_000,
      wireVectors: 500,
      queries: 30,
      cache: 2_000,
    }
  : {
      ingest: 100_000,
      items: 100_000,
      trends: 10_000,
      topics: 2_000,
      readOps: 2_000,
      vectors: 50_000,
      wireVectors: 10_000,
      queries: 300,
      cache: 20_000,
    };
const RESULTS = new URL('./results/', import.meta.url);
const saveJson = (name: string, value: unknown) => {
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(new URL(name, RESULTS), `${JSON.stringify(value, null, 2)}\n`);
};
const readScale = (name: string) => JSON.parse(readFileSync(new URL(name, RESULTS), 'utf8')) as ScaleResults;
if (process.argv.includes('--report')) {
  const written = await writeBenchmarksPage();
  console.log(`${written.join(', ')} rendered from bench/results`);
  process.exit(0);
}

const RUNS = 3;
// Ingest rows per run (--ingest=20000 for a run ~25 min shorter).
const ingestRows = Number(process.argv.find((a) => a.startsWith('--ingest='))?.slice(9) ?? SIZE.ingest);

function version(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8' }).trim().split('\n')[0]!;
  } catch {
    return 'unavailable';
  }
}

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const started = Date.now();
const machine = {
  date: new Date().toISOString(),
  mode: quick ? 'quick' : 'full',
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? 'unknown',
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  postgres: version('psql', ['--version']),
  redis: version('redis-server', ['--version']),
  sizes: SIZE,
};
console.log(
  `trend-storage benchmarks (${machine.mode}): ${machine.cpus} cores, ${machine.memoryGiB} GiB, node ${machine.node}`,
);

/**
 * A section measured on its own: `measure` at the quick or full sizes, printed, saved to
 * `<name>.json` (`<name>-smoke.json` with --quick), and the page re-rendered after a full run.
 */
async function section<S, R extends { seconds: number }>(
  name: string,
  sizes: { quick: S; full: S },
  measure: (sizes: S, machine: Record<string, unknown>) => Promise<R>,
  print: (result: R) => void,
): Promise<never> {
  const result = await measure(quick ? sizes.quick : sizes.full, machine);
  print(result);
  const file = quick ? `${name}-smoke.json` : `${name}.json`;
  saveJson(file, result);
  const written = !quick && existsSync(new URL('latest.json', RESULTS)) ? await writeBenchmarksPage() : [];
  console.log(
    `\n${name} done in ${result.seconds.toFixed(0)} s → bench/results/${file}${written.length ? `, ${written.join(', ')}` : ''}`,
  );
  process.exit(0);
}

if (process.argv.includes('--observability')) {
  // Instrumentation overhead on its own: small data (it measures the wrapper, not the query), many calls.
  await section(
    'observability',
    {
      quick: { items: 2_000, trends: 500, topics: 100, readOps: 100, cacheOps: 2_000, runs: 3 },
      full: { items: 20_000, trends: 5_000, topics: 500, readOps: 3_000, cacheOps: 50_000, runs: 7 },
    },
    observability,
    printObservability,
  );
}

if (process.argv.includes('--history')) {
  // Trend history (#15) on its own: the snapshot trigger's cost and history/movers latency.
  await section(
    'history',
    {
      quick: { trends: 100, hours: 72, updates: 300, runs: 3, queries: 60 },
      full: { trends: 1_000, hours: 720, updates: 3_000, runs: 5, queries: 600 },
    },
    historyBench,
    printHistory,
  );
}

if (process.argv.includes('--scale')) {
  // The scale run on its own. At the default sizes it writes bench/results/scale.json (an engine run
  // alone replaces that engine's figures and keeps the other's) and renders the page; other sizes or
  // fewer queries go to bench/results/scale-smoke.json only.
  const DEFAULT_SIZES = { postgres: [10_000, 100_000, 1_000_000], pglite: [10_000, 100_000, 200_000] };
  const listed = arg('scale-sizes')?.split(',').map(Number);
  if (listed?.some((n) => !Number.isInteger(n) || n < 1000 || n % 1000)) {
    throw new Error('--scale-sizes: whole thousands, e.g. --scale-sizes=10000,100000,1000000');
  }
  const engineArg = arg('scale-engine') ?? 'both';
  if (!['postgres', 'pglite', 'both'].includes(engineArg)) {
    throw new Error('--scale-engine: postgres, pglite or both');
  }
  const sizes = listed ? { postgres: listed, pglite: listed.filter((n) => n <= 200_000) } : DEFAULT_SIZES;
  const engines = (engineArg === 'both' ? ['postgres', 'pglite'] : [engineArg]) as ScaleEngine[];
  const full = !listed && !arg('scale-vectors') && !arg('scale-queries') && !arg('scale-budget');
  const file = full ? 'scale.json' : 'scale-smoke.json';
  const previous = full && existsSync(new URL(file, RESULTS)) ? readScale(file) : undefined;
  const merge = (r: ScaleResults): ScaleResults => {
    const kept = previous?.full ? previous.engines.filter((e) => !engines.includes(e.engine)) : [];
    const all = [...r.engines, ...kept].sort((a, b) =>
      a.engine === 'postgres' ? -1 : b.engine === 'postgres' ? 1 : 0,
    );
    return { ...r, engines: all, seconds: all.reduce((t, e) => t + e.seconds, 0) };
  };
  const vectorsArg = arg('scale-vectors');
  const result = merge(
    await scale(
      {
        engines,
        sizes,
        queries: Number(arg('scale-queries') ?? 200),
        budgetMs: Number(arg('scale-budget') ?? 30) * 1000,
        maxVectors: vectorsArg === undefined ? undefined : Number(vectorsArg),
        vectorBudgetSeconds: Number(arg('scale-vector-budget') ?? 900),
      },
      { ...machine, mode: full ? 'full' : 'smoke' },
      full,
      (partial) => saveJson(file, merge(partial)),
    ),
  );
  saveJson(file, result);
  printScale(result);
  const written = full ? await writeBenchmarksPage() : [];
  console.log(
    `\nscale done in ${(result.seconds / 60).toFixed(1)} min → bench/results/${file}${written.length ? `, ${written.join(', ')}` : ''}`,
  );
  process.exit(0);
}

const ingestResults: IngestResult[] = [];
const readResults: ReadResult[] = [];
let vectorResults: VectorResult[] = [];
let cacheResults: Awaited<ReturnType<typeof cache>> | undefined;
let peerResult: PeerResult | null | undefined;
let qualityResult: QualityResult | undefined;

if (want('ingest') || want('reads')) {
  for (const open of [() => openServer('ingest'), openPglite]) {
    const b = await open();
    if (!b) continue;
    try {
      if (want('ingest')) {
        console.log(`ingest on ${b.name}…`);
        ingestResults.push(await ingest(b, ingestRows, RUNS));
        await b.db.query('TRUNCATE processed_items CASCADE');
      }
      if (want('reads')) {
        console.log(`reads on ${b.name}…`);
        setBudget(quick ? 200 : 2500); // per measurement: slow queries stop early, fast ones reach readOps
        readResults.push(
          ...(await reads(
            b,
            { items: SIZE.items, trends: SIZE.trends, topics: SIZE.topics },
            SIZE.readOps,
            RUNS,
          )),
        );
      }
    } finally {
      await b.close();
    }
  }
}
setBudget(Number.POSITIVE_INFINITY);
if (want('vectors')) {
  console.log('vectors…');
  vectorResults = await vectors(SIZE.vectors, SIZE.wireVectors, RUNS, SIZE.queries);
}
if (want('cache')) {
  console.log('cache…');
  cacheResults = await cache(SIZE.cache, RUNS);
}
// The vector-store comparison and the hybrid quality, at their own defaults in a full run.
if (want('peer')) {
  console.log('vector store vs LangChain.js PGVectorStore (server)…');
  peerResult = await vectorPeer(quick ? { points: 2_000, queries: 30, loadRuns: 1 } : {});
  if (!peerResult) console.log('vector peer comparison skipped: no server');
}
if (want('quality')) {
  console.log('hybrid search quality…');
  qualityResult = await runQuality({
    engines: ['pglite', 'postgres'],
    ...(quick ? { items: 600, queriesPerClass: 10 } : {}),
  });
}

for (const r of ingestResults) {
  const rows: (string | number)[][] = [
    ['saveBatch', fmt(r.saveBatch.median), `${fmt(r.saveBatch.min)}–${fmt(r.saveBatch.max)}`, '1.00'],
    [
      'saveBatch, all duplicates',
      fmt(r.reingest.median),
      `${fmt(r.reingest.min)}–${fmt(r.reingest.max)}`,
      (r.reingest.median / r.saveBatch.median).toFixed(2),
    ],
  ];
  for (const [name, s] of [
    ['raw COPY FROM STDIN', r.copy],
    ['COPY to staging + upsert (alternative)', r.copyUpsert],
    ['one INSERT per row', r.perRow],
    ['raw multi-row INSERT', r.multiRowInsert],
  ] as const) {
    if (s)
      rows.push([
        name,
        fmt(s.median),
        `${fmt(s.min)}–${fmt(s.max)}`,
        (r.saveBatch.median / s.median).toFixed(2),
      ]);
  }
  printTable(
    `Ingest on ${r.engine}: ${fmt(r.rows)} items (rows/s; last column: saveBatch ÷ that row)`,
    ['method', 'rows/s', 'spread', 'ratio'],
    rows,
  );
}
for (const engine of ['postgres', 'pglite']) {
  const rs = readResults.filter((r) => r.engine === engine);
  if (!rs.length) continue;
  printTable(
    `Reads on ${engine} (ops/s; ratio = repository ÷ raw driver, same SQL)`,
    ['operation', 'conc', 'repo ops/s', 'raw ops/s', 'ratio', 'p50 ms', 'p99 ms', 'plan'],
    rs.map((r) => [
      r.op,
      r.concurrency,
      fmt(r.repo.opsPerSec),
      fmt(r.raw.opsPerSec),
      r.ratio.toFixed(2),
      r.repo.p50.toFixed(2),
      r.repo.p99.toFixed(2),
      r.plan,
    ]),
  );
}
for (const v of vectorResults) {
  printTable(
    `Vectors: ${v.path}, ${fmt(v.points)} points`,
    ['measure', 'value'],
    [
      ['upsertBatch 384-d (no index yet)', `${fmt(v.upsert384.median)} vectors/s`],
      ['upsertBatch 1536-d (no index yet)', `${fmt(v.upsert1536.median)} vectors/s`],
      ['HNSW build', `${v.indexBuildSeconds.toFixed(1)} s`],
      ['upsert into the built index, 384-d', `${fmt(v.incrementalUpsert384.median)} vectors/s`],
      [
        'search unfiltered',
        `${fmt(v.searchUnfiltered.opsPerSec)} q/s, p50 ${v.searchUnfiltered.p50.toFixed(1)} ms, p99 ${v.searchUnfiltered.p99.toFixed(1)} ms`,
      ],
      [
        'search, 1% filter',
        `${fmt(v.searchFiltered.opsPerSec)} q/s, p50 ${v.searchFiltered.p50.toFixed(1)} ms, p99 ${v.searchFiltered.p99.toFixed(1)} ms`,
      ],
      [`recall@10 (ef_search ${v.efSearch}, embedding-like data)`, v.recallAt10.toFixed(3)],
      ['recall@10 with the 1% filter', v.filteredRecallAt10.toFixed(3)],
      [`recall@10 on ${fmt(v.uniformPoints)} uniform random vectors`, v.uniformRecallAt10.toFixed(3)],
    ],
  );
}
if (cacheResults) {
  printTable(
    'Cache (ops/s; ratio = this layer ÷ raw ioredis, auto-pipelined)',
    ['engine', 'op', 'callers', 'layer ops/s', 'raw ops/s', 'ratio', 'p50 ms', 'p99 ms'],
    cacheResults.results.map((r) => [
      r.engine,
      r.op,
      r.concurrency,
      fmt(r.layer.opsPerSec),
      r.raw ? fmt(r.raw.opsPerSec) : '—',
      r.ratio?.toFixed(2) ?? '—',
      r.layer.p50.toFixed(3),
      r.layer.p99.toFixed(3),
    ]),
  );
  if (cacheResults.ceiling)
    console.log(
      `redis-benchmark -P 16 (ceiling): get ${fmt(cacheResults.ceiling.get ?? 0)}/s, set ${fmt(cacheResults.ceiling.set ?? 0)}/s`,
    );
}

if (peerResult) console.log(`\n${renderPeer(peerResult)}`);
if (qualityResult) console.log(`\n${renderQuality(qualityResult)}`);

const results = {
  machine,
  seconds: (Date.now() - started) / 1000,
  ingest: ingestResults,
  reads: readResults,
  vectors: vectorResults,
  cache: cacheResults,
  redis: REDIS_URL.replace(/\/\/[^@]*@/, '//'),
};
// --quick and --only are smoke checks: they never replace the full figures in docs/BENCHMARKS.md.
const full = !quick && !only;
const written: string[] = [];
if (full) {
  saveJson('latest.json', results);
  // The peer comparison and the quality keep files of their own (what their scripts write alone too).
  if (peerResult) saveJson('vector-peer.json', peerResult);
  if (qualityResult) saveJson('quality.json', qualityResult);
  written.push(...(await writeBenchmarksPage()));
} else {
  saveJson('smoke.json', { ...results, peer: peerResult, quality: qualityResult });
}
console.log(
  `\ndone in ${results.seconds.toFixed(0)} s → bench/results/${full ? ['latest.json', ...(peerResult ? ['vector-peer.json'] : []), ...(qualityResult ? ['quality.json'] : [])].join(', ') : 'smoke.json'}${written.length ? `, ${written.join(', ')}` : ''}`,
);
