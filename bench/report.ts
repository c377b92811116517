// docs/BENCHMARKS.md from the results: figures, targets met or not, how to reproduce. The core run's
// results (bench/results/latest.json) plus the sections measured on their own, each from its file
// when it exists: scale.json (with docs/scale-chart.svg), vector-peer.json and quality.json.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { CacheResult } from './cache.js';
import { type HistoryResult, renderHistory } from './history.js';
import type { IngestResult } from './ingest.js';
import { fmt } from './lib.js';
import { type ObservabilityResult, observabilityTarget, renderObservability } from './observability.js';
import { type QualityResult, renderQuality } from './quality.js';
import type { ReadResult } from './reads.js';
import type { ScaleResults } from './scale.js';
import { writeScaleChart } from './scale-chart.js';
import { renderScale } from './scale-report.js';
import { type PeerResult, renderPeer } from './vector-peer.js';
import type { VectorResult } from './vectors.js';

interface Results {
  machine: Record<string, unknown>;
  seconds: number;
  ingest: IngestResult[];
  reads: ReadResult[];
  vectors: VectorResult[];
  cache?: { results: CacheResult[]; ceiling?: Record<string, number> };
}

const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
const head = (cells: string[]) => `${row(cells)}\n${row(cells.map(() => '---'))}`;
const mark = (ok: boolean | undefined) =>
  ok === undefined ? 'not measured' : ok ? '**met**' : '**not met**';

/** The sections measured apart from the core run, each present when its results file exists. */
export interface Sections {
  scale?: ScaleResults;
  peer?: PeerResult;
  quality?: QualityResult;
  observability?: ObservabilityResult;
  history?: HistoryResult;
}

const RESULTS = new URL('./results/', import.meta.url);
export const SCALE_CHART = 'scale-chart.svg';

function readJson<T>(name: string): T | undefined {
  const file = new URL(name, RESULTS);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined;
}

/** Every stored result: latest.json and the section files that exist. */
export function loadResults(): { core: Results; sections: Sections } {
  const core = readJson<Results>('latest.json');
  if (!core) throw new Error('bench/results/latest.json is missing: run `npm run bench` first');
  return {
    core,
    sections: {
      scale: readJson<ScaleResults>('scale.json'),
      peer: readJson<PeerResult>('vector-peer.json'),
      quality: readJson<QualityResult>('quality.json'),
      observability: readJson<ObservabilityResult>('observability.json'),
      history: readJson<HistoryResult>('history.json'),
    },
  };
}

/** docs/BENCHMARKS.md (and docs/scale-chart.svg when there are scale results) from the stored results. */
export async function writeBenchmarksPage(): Promise<string[]> {
  const { core, sections } = loadResults();
  const written = ['docs/BENCHMARKS.md'];
  if (sections.scale?.full) {
    await writeScaleChart(sections.scale, new URL(`../docs/${SCALE_CHART}`, import.meta.url));
    written.push(`docs/${SCALE_CHART}`);
  }
  writeFileSync(new URL('../docs/BENCHMARKS.md', import.meta.url), renderReport(core, sections));
  return written;
}

export function renderReport(r: Results, sections: Sections = {}): string {
  const m = r.machine;
  const server = r.ingest.find((i) => i.engine === 'postgres');
  const embedded = r.ingest.find((i) => i.engine === 'pglite');
  const serverReads = r.reads.filter((x) => x.engine === 'postgres');
  const worstRead = serverReads.length
    ? serverReads.reduce((a, b) => (a.ratio < b.ratio ? a : b))
    : undefined;
  const redis100 = r.cache?.results.filter((c) => c.engine === 'redis' && c.concurrency === 100) ?? [];
  const memGet = r.cache?.results.find((c) => c.engine === 'memory' && c.op === 'get' && c.concurrency === 1);
  const v = r.vectors[0];
  const targets: [string, string, boolean | undefined][] = [
    [
      'saveBatch ≥ 0.8× raw COPY (server)',
      server?.copy ? `${(server.saveBatch.median / server.copy.median).toFixed(2)}×` : '—',
      server?.copy ? server.saveBatch.median / server.copy.median >= 0.8 : undefined,
    ],
    [
      'saveBatch ≥ 25× one INSERT per row (server)',
      server?.perRow ? `${(server.saveBatch.median / server.perRow.median).toFixed(1)}×` : '—',
      server?.perRow ? server.saveBatch.median / server.perRow.median >= 25 : undefined,
    ],
    [
      'every repository read ≥ 0.85× the raw driver (server)',
      worstRead
        ? `lowest ${worstRead.ratio.toFixed(2)}× (${worstRead.op}, ${worstRead.concurrency} callers)`
        : '—',
      worstRead ? worstRead.ratio >= 0.85 : undefined,
    ],
    [
      'Redis through this layer ≥ 0.8× raw ioredis, 100 callers',
      redis100.map((c) => `${c.op} ${c.ratio?.toFixed(2)}×`).join(', ') || '—',
      redis100.length ? redis100.every((c) => (c.ratio ?? 0) >= 0.8) : undefined,
    ],
    [
      'memory engine ≥ 1,000,000 gets/s',
      memGet ? `${fmt(memGet.layer.opsPerSec)}/s` : '—',
      memGet ? memGet.layer.opsPerSec >= 1e6 : undefined,
    ],
    [
      `vector recall@10 ≥ 0.95 (ef_search ${v?.efSearch ?? '—'}, embedding-like data)`,
      v
        ? `${v.recallAt10.toFixed(3)}, ${v.filteredRecallAt10.toFixed(3)} with 1% filter (uniform random, the worst case: ${v.uniformRecallAt10.toFixed(3)})`
        : '—',
      v ? v.recallAt10 >= 0.95 && v.filteredRecallAt10 >= 0.95 : undefined,
    ],
    [
      `vector search p50 < 20 ms at ${v ? fmt(v.points) : '—'} points (PGlite)`,
      v
        ? `${v.searchUnfiltered.p50.toFixed(1)} ms unfiltered, ${v.searchFiltered.p50.toFixed(1)} ms with 1% filter`
        : '—',
      v ? v.searchUnfiltered.p50 < 20 && v.searchFiltered.p50 < 20 : undefined,
    ],
    observabilityTarget(sections.observability),
    [
      'upsertBatch ≥ 2,000 vectors/s at 384-d (PGlite)',
      v ? `${fmt(v.upsert384.median)}/s` : '—',
      v ? v.upsert384.median >= 2000 : undefined,
    ],
  ];
  const out: string[] = [];
  out.push(`# Benchmarks

Figures from \`npm run bench\` (${m.mode} mode) on ${m.date}: ${m.cpus} cores (${m.cpuModel}), ${m.memoryGiB} GiB,
Node ${m.node}, ${m.postgres}, ${m.redis}. Each figure is the median of 3 runs (spread shown); every
ratio compares this library with the raw engine underneath **in the same run**. Not part of
\`npm test\`, and nothing here is asserted.

Reproduce: \`npm run bench\` (full, ~56 min here before the vector-store comparison and the hybrid quality were added; ingest size \`--ingest=N\`, 100k by default) or \`npm run bench -- --quick\` (~2 min here, small sizes; writes bench/results/smoke.json only). \`-- --report\` renders this page again from the last full results.
The scale section is its own run, \`npm run bench -- --scale\` (${scaleTime(sections.scale)}; bench/results/scale.json;
\`--scale-engine=postgres|pglite\` measures one engine and keeps the other's figures; \`--scale-sizes=2000,10000\`
and other smaller runs write bench/results/scale-smoke.json only); the vector-store
comparison and the hybrid quality run with the full benchmark, or alone (\`npx tsx bench/vector-peer.ts\`,
\`npx tsx bench/quality.ts\`), and keep their own files (vector-peer.json, quality.json).
Servers: \`TREND_BENCH_DATABASE_URL\` (default \`postgres://postgres@127.0.0.1:5432/postgres\`; a
\`trend_bench_*\` database is created and dropped) and \`TREND_BENCH_REDIS_URL\` (default
\`redis://127.0.0.1:6379\`). Raw results: \`bench/results/latest.json\`.

## Targets

${head(['target', 'measured', 'status'])}
${targets.map(([t, meas, ok]) => row([t, meas, mark(ok)])).join('\n')}

The targets of scale, hybrid search, trend history and the vector store against LangChain.js are marked in their sections below.
`);
  out.push(`## Ingest (rows/s)

Synthetic items with realistic field sizes (title ~80 B, description ~300 B, content ~1.5 kB).
The raw COPY time includes formatting the rows as COPY text; saveBatch's includes validation.

${head(['engine', 'rows', 'saveBatch', 'all duplicates', 'raw COPY', 'COPY+upsert', 'one INSERT/row', 'raw multi-row INSERT'])}
${r.ingest
  .map((i) =>
    row([
      i.engine,
      fmt(i.rows),
      `${fmt(i.saveBatch.median)} (${fmt(i.saveBatch.min)}–${fmt(i.saveBatch.max)})`,
      fmt(i.reingest.median),
      i.copy ? fmt(i.copy.median) : '—',
      i.copyUpsert ? fmt(i.copyUpsert.median) : '—',
      i.perRow ? fmt(i.perRow.median) : '—',
      i.multiRowInsert ? fmt(i.multiRowInsert.median) : '—',
    ]),
  )
  .join('\n')}
`);
  for (const engine of ['postgres', 'pglite']) {
    const rs = r.reads.filter((x) => x.engine === engine);
    if (!rs.length) continue;
    out.push(`## Reads on ${engine} (${fmt(Number((m.sizes as Record<string, number>).items))} items)

Ratio = repository ops/s ÷ raw driver ops/s running the very SQL the repository sent. Plan: the
scans of \`EXPLAIN\` for that SQL.

${head(['operation', 'callers', 'repo ops/s', 'raw ops/s', 'ratio', 'p50 ms', 'p99 ms', 'plan'])}
${rs.map((x) => row([x.op, x.concurrency, fmt(x.repo.opsPerSec), fmt(x.raw.opsPerSec), x.ratio.toFixed(2), x.repo.p50.toFixed(2), x.repo.p99.toFixed(2), x.plan])).join('\n')}
`);
  }
  if (r.vectors.length) {
    out.push(`## Vectors

${head(['path', 'points', 'upsert 384-d', 'upsert 1536-d', 'HNSW build', 'upsert into index', 'search p50 / p99', '1% filter p50 / p99', 'recall@10', 'recall@10, 1% filter', 'recall@10, uniform'])}
${r.vectors
  .map((x) =>
    row([
      x.path,
      fmt(x.points),
      `${fmt(x.upsert384.median)}/s`,
      `${fmt(x.upsert1536.median)}/s`,
      `${x.indexBuildSeconds.toFixed(1)} s`,
      `${fmt(x.incrementalUpsert384.median)}/s`,
      `${x.searchUnfiltered.p50.toFixed(1)} / ${x.searchUnfiltered.p99.toFixed(1)} ms`,
      `${x.searchFiltered.p50.toFixed(1)} / ${x.searchFiltered.p99.toFixed(1)} ms`,
      x.recallAt10.toFixed(3),
      x.filteredRecallAt10.toFixed(3),
      `${x.uniformRecallAt10.toFixed(3)} (${fmt(x.uniformPoints)})`,
    ]),
  )
  .join('\n')}
`);
  }
  if (sections.peer) {
    const peer = renderPeer(sections.peer);
    out.push(
      `${peer.startsWith('#') ? '' : '## Vector store on the server vs LangChain.js PGVectorStore\n\n'}${peer}\n`,
    );
  }
  if (r.cache) {
    out.push(`## Cache

${head(['engine', 'op', 'callers', 'this layer ops/s', 'raw ioredis ops/s', 'ratio', 'p50 ms', 'p99 ms'])}
${r.cache.results.map((c) => row([c.engine, c.op, c.concurrency, fmt(c.layer.opsPerSec), c.raw ? fmt(c.raw.opsPerSec) : '—', c.ratio?.toFixed(2) ?? '—', c.layer.p50.toFixed(3), c.layer.p99.toFixed(3)])).join('\n')}
${r.cache.ceiling ? `\nCeiling, \`redis-benchmark -P 16\`: get ${fmt(r.cache.ceiling.get ?? 0)}/s, set ${fmt(r.cache.ceiling.set ?? 0)}/s.\n` : ''}`);
  }
  out.push(renderObservability(sections.observability));
  if (server && embedded) {
    out.push(`## Embedded vs server

What the zero-setup default costs: saveBatch ${fmt(embedded.saveBatch.median)} rows/s on PGlite vs
${fmt(server.saveBatch.median)} on the server (${(embedded.saveBatch.median / server.saveBatch.median).toFixed(2)}×). Reads: see the two read tables above.
`);
  }
  out.push(
    sections.scale?.full
      ? renderScale(sections.scale, SCALE_CHART)
      : `## Scale: cost against table size

Not measured yet at full size: \`npm run bench -- --scale\` (${scaleTime(sections.scale)}) grows one table to 10k, 100k and 1M
items on the server (10k, 100k and 200k on PGlite) and fills this section, its targets and the chart.
`,
  );
  if (sections.quality) out.push(`${renderQuality(sections.quality)}\n`);
  if (sections.history) out.push(renderHistory(sections.history));
  out.push(`## Where the time goes

${WHERE}
`);
  return out.join('\n');
}

/**
 * What a full scale run takes here: measured once there is one; before that, estimated from small
 * runs and the known rates (ingest ~12 min on the server and ~5 min on PGlite, vectors ~6 min, the
 * rest depending on how many measurements run into their 30 s budget).
 */
const scaleTime = (s: ScaleResults | undefined) =>
  s?.full ? `${(s.seconds / 60).toFixed(0)} min here` : 'about an hour here, estimated';

const WHERE = `- **Ingest** is bound by the server-side work per row, not by round trips: the generated
  full-text column (three \`to_tsvector\` calls, ~0.1 ms per kB of text) plus GIN and nine btree
  indexes. Measured separately with COPY into the same table: 11.8k rows/s without the
  \`search_vector\` column, ~2k rows/s with it. At 100k rows saveBatch keeps pace with raw COPY
  (the same per-row work dominates both); one INSERT per row in one transaction is within ~2× of
  both, so "25× per-row" is beyond what COPY itself reaches here. What would move all three: an
  option to fill \`search_vector\` asynchronously (a background UPDATE of new rows), trading
  seconds of search lag for ~5× ingest; re-ingest of unchanged items already skips this work
  (\`unchanged\`). Validation and normalisation in JS: ~0.5 s per 20k rows (~3%).
- **Full-text over items** with common words (the benchmark's vocabulary is skewed on purpose:
  "quantum chip" matches about a third of 100k rows) ranks every match; ranking dominates.
  Selective words use the GIN index and answer in milliseconds.
- **items.existsMany(1000)** is the read below 0.85× in this run (0.75–0.77×; 0.82–0.90× in an
  earlier 20k-row run; 0.76–1.05× in a quick run). The repository sends the same SQL; its own work
  — validating the 1,000 keys (0.08 ms measured) and building two arrays — is ~3% of a 3.8 ms
  call, so most of the gap is not explained by the code path; not resolved.
- **Memory engine gets** measured 0.96M/s in this run, 1.20–1.32M/s in others on this machine:
  at the target's edge, with the run-to-run spread of a shared 2-core machine.
- **Vector upserts in PGlite** were bound by pgvector parsing vector text inside WebAssembly
  (~1,000 vectors/s at 384-d; rows of the same size as plain text loaded 3× faster). Batches of 16
  or more now cross as binary \`COPY\` into a staging table (float4s, nothing to parse), then one
  upsert. Growing an HNSW index row by row stays slow (~100–170 rows/s), which is why collections
  build their index once, at a size threshold. Through the wire the figure is pglite-socket's
  (WebAssembly parsing text, no COPY support), not a real server's.
- **Filtered vector search** (these figures are from the run above, before 0.3) counted its
  matches first; since 0.3 it asks the planner's estimate instead (docs/VECTORS.md). A selective
  filter (1% here) is answered exactly from the GIN payload index. In PGlite (no autovacuum) that index's pending list of
  unmerged entries, up to 4 MB, was scanned by every search; the PGlite adapter now caps it at
  256 kB per session (~15–20 → ~4.5 ms measured; the full run above merged after bulk writes
  instead, to the same effect).
- **Recall**: on embedding-like data (points around 1,000 topic centres) the default
  \`ef_search\` 200 finds the exact top 10. Uniformly random vectors are HNSW's worst case —
  nothing to exploit, the walk must visit most points — and recall there is far lower at the
  same setting (0.95 needs \`ef_search\` near 1000 at 20k points, test/vector-quality.test.ts).`;
