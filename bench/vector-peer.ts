// This library's pgvector collection against the best-known peer, LangChain.js PGVectorStore, on the
// same PostgreSQL server and the same pgvector, in one run: bulk upsert rate, search latency
// unfiltered and at two filter widths, and whether the filtered searches return the full k.
//
//   npx tsx bench/vector-peer.ts [--n=50000] [--queries=200] [--ef=200] [--runs=3]
//
// prints the table and writes bench/results/vector-peer.json. `vectorPeer()` and `renderPeer()` are
// what `npm run bench` calls.
//
// How each side is used, and why it is fair:
// - Both load the same clustered 384-d vectors (bench/data.ts) into a table without an HNSW index,
//   in calls of 5,000 (ours: upsertBatch; theirs: addVectors, which sends INSERTs of its default
//   500 rows), then build HNSW with m = 16, ef_construction = 64 (theirs: createHnswIndex, as its
//   documentation shows, with `dimensions` so the column is typed and the index usable).
// - Both search with the same hnsw.ef_search: ours per query (set inside the search statement),
//   theirs on its pool's connections (`options: -c hnsw.ef_search=…`), since PGVectorStore has no
//   setting of its own. pgvector's iterative scan stays at its default (off) for theirs: its
//   documentation does not set it.
// - Both tables are VACUUM ANALYZEd after the build (autovacuum may be off, as on this machine, or
//   not yet run): the state a default server reaches shortly after a load.
// - Queries alternate between the two sides, so warm-up, drift and the shared buffer cache fall on
//   both alike. Filter values repeat (100 buckets, 2 halves), as an application's do: our planner
//   estimate per filter is then reused, as it would be in service.
// - Our exact searches (recall's ground truth) run outside the timings.
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PGVectorStore } from '@langchain/community/vectorstores/pgvector';
import { Document } from '@langchain/core/documents';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import pg from 'pg';
import { validate } from '../src/domain/validate.js';
import type { VectorFilter } from '../src/vector/filter.js';
import { PgVectorRepository } from '../src/vector/pgvector.js';
import { collectionOptionsSchema } from '../src/vector/types.js';
import { clusteredVectors } from './data.js';
import { openServer, SERVER_URL } from './engines.js';

export interface PeerOptions {
  /** Points loaded into each store (default 50,000). */
  points?: number;
  /** Timed queries of each kind, on each side (default 200). */
  queries?: number;
  /** hnsw.ef_search for both sides (default 200, this library's default). */
  efSearch?: number;
  /** Bulk loads timed on each side; the median is reported (default 3). */
  loadRuns?: number;
}

export interface SearchFigures {
  /** Milliseconds per search, one caller. */
  p50: number;
  p99: number;
  /** Mean number of results (k = 10 asked). */
  meanResults: number;
  /** Share of the queries that returned the full k (every filter here matches ≥ k points). */
  fullK: number;
  /** Top-k recall against an exact (filtered) search over the same points. */
  recall: number;
}

export interface PeerSide {
  name: string;
  /** Median vectors per second of the bulk loads. */
  upsertPerSec: number;
  upsertRuns: number[];
  indexBuildSeconds: number;
  unfiltered: SearchFigures;
  /** A filter matching half of the points. */
  filter50: SearchFigures;
  /** A filter matching 1% of the points. */
  filter1: SearchFigures;
}

export interface PeerResult {
  points: number;
  dimensions: number;
  k: number;
  m: number;
  efConstruction: number;
  efSearch: number;
  queries: number;
  server: string;
  pgvector: string;
  cpus: number;
  /** 1-minute load average when the run started and when it ended. */
  load: { start: number; end: number };
  seconds: number;
  ours: PeerSide;
  peer: PeerSide;
}

const DIM = 384;
const K = 10;
const M = 16;
const EF_CONSTRUCTION = 64;
const BATCH = 5000;
const here = dirname(fileURLToPath(import.meta.url));

/** PGVectorStore needs an embeddings object; the vectors are given to it, so it is never called. */
const noEmbeddings: EmbeddingsInterface = {
  embedDocuments: () => Promise.reject(new Error('vectors are given, not embedded')),
  embedQuery: () => Promise.reject(new Error('vectors are given, not embedded')),
};

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function peerVersion(): string {
  const pkg = join(here, '..', 'node_modules', '@langchain', 'community', 'package.json');
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
}

/** One search on one side: the ids it returned, as point numbers. */
type Search = (q: number[], filter: { field: string; value: number } | undefined) => Promise<number[]>;

export async function vectorPeer(options: PeerOptions = {}): Promise<PeerResult | null> {
  const n = options.points ?? 50_000;
  const queries = options.queries ?? 200;
  const efSearch = options.efSearch ?? 200;
  const loadRuns = options.loadRuns ?? 3;
  const started = performance.now();
  const loadStart = loadavg()[0]!;

  const label = `peer_${process.pid}`;
  const ours = await openServer(label);
  if (!ours) return null;
  const url = new URL(SERVER_URL);
  url.pathname = `/trend_bench_${label}`;
  const theirPool = new pg.Pool({
    connectionString: url.toString(),
    max: 4,
    options: `-c hnsw.ef_search=${efSearch}`,
  });
  try {
    const [about] = (await ours.raw(
      `SELECT current_setting('server_version') AS server,
              (SELECT default_version FROM pg_available_extensions WHERE name = 'vector') AS pgvector`,
    )) as { server: string; pgvector: string }[];

    const vectors = clusteredVectors(n, DIM, 3);
    const metadata = (i: number) => ({ bucket: i % 100, half: i % 2 });
    const uuids: string[] = vectors.map(() => randomUUID());
    const byUuid = new Map(uuids.map((u, i) => [u, i]));
    const config = (name: string) =>
      validate(collectionOptionsSchema, {
        name,
        dimensions: DIM,
        distance: 'cosine',
        m: M,
        efConstruction: EF_CONSTRUCTION,
        efSearch,
      });

    // Bulk loads: fresh tables each run, no HNSW index yet (built once below, on the first run's).
    const oursRuns: number[] = [];
    const theirsRuns: number[] = [];
    let repo: PgVectorRepository | undefined;
    let store: PGVectorStore | undefined;
    const loadOurs = async (run: number) => {
      const r = new PgVectorRepository(ours.db, config(`peer_${run}`), { indexThreshold: n + 1 });
      await r.ensureCollection();
      const t = performance.now();
      for (let i = 0; i < n; i += BATCH) {
        await r.upsertBatch(
          vectors.slice(i, i + BATCH).map((vector, j) => ({
            id: `p${i + j}`,
            vector,
            metadata: metadata(i + j),
          })),
        );
      }
      oursRuns.push(n / ((performance.now() - t) / 1000));
      if (run === 0) repo = r;
      else await r.dropCollection();
    };
    const loadTheirs = async (run: number) => {
      const s = await PGVectorStore.initialize(noEmbeddings, {
        pool: theirPool,
        tableName: `langchain_${run}`,
        dimensions: DIM,
        distanceStrategy: 'cosine',
      });
      const t = performance.now();
      for (let i = 0; i < n; i += BATCH) {
        const slice = vectors.slice(i, i + BATCH);
        await s.addVectors(
          slice,
          slice.map((_, j) => new Document({ pageContent: `doc ${i + j}`, metadata: metadata(i + j) })),
          { ids: uuids.slice(i, i + BATCH) },
        );
      }
      theirsRuns.push(n / ((performance.now() - t) / 1000));
      // initialize() holds a client checked out of the pool for the store's life.
      s.client?.release();
      s.client = undefined;
      if (run === 0) store = s;
      else await theirPool.query(`DROP TABLE langchain_${run}`);
    };
    for (let run = 0; run < loadRuns; run++) {
      console.log(`  bulk load ${run + 1}/${loadRuns}…`);
      // Alternate who goes first: a checkpoint or a warm cache then favours neither.
      if (run % 2) {
        await loadTheirs(run);
        await loadOurs(run);
      } else {
        await loadOurs(run);
        await loadTheirs(run);
      }
    }

    console.log('  HNSW builds…');
    let t = performance.now();
    await repo!.buildIndex();
    const oursBuild = (performance.now() - t) / 1000;
    t = performance.now();
    await store!.createHnswIndex({ dimensions: DIM, m: M, efConstruction: EF_CONSTRUCTION });
    const theirsBuild = (performance.now() - t) / 1000;
    await ours.raw(`VACUUM ANALYZE vec_peer_0`);
    await ours.raw(`VACUUM ANALYZE langchain_0`);

    const oursSearch: Search = async (q, f) => {
      const filter: VectorFilter | undefined = f && { field: f.field, eq: f.value };
      const found = await repo!.search(q, { limit: K, ...(filter ? { filter } : {}) });
      return found.map((m) => Number(m.id.slice(1)));
    };
    const theirsSearch: Search = async (q, f) => {
      const found = await store!.similaritySearchVectorWithScore(q, K, f && { [f.field]: f.value });
      return found.map(([doc]) => byUuid.get(doc.id!)!);
    };
    const exact = async (q: number[], f: { field: string; value: number } | undefined) => {
      const filter: VectorFilter | undefined = f && { field: f.field, eq: f.value };
      const found = await repo!.search(q, { limit: K, exact: true, ...(filter ? { filter } : {}) });
      return found.map((m) => Number(m.id.slice(1)));
    };

    const qs = clusteredVectors(queries + 50, DIM, 5);
    const measure = async (
      what: string,
      filterOf: (i: number) => { field: string; value: number } | undefined,
    ): Promise<[SearchFigures, SearchFigures]> => {
      console.log(`  search: ${what}…`);
      for (let i = 0; i < 50; i++) {
        await oursSearch(qs[queries + i]!, filterOf(i));
        await theirsSearch(qs[queries + i]!, filterOf(i));
      }
      const sides = [oursSearch, theirsSearch].map((search) => ({
        search,
        times: [] as number[],
        results: 0,
        full: 0,
        hits: 0,
      }));
      let truthTotal = 0;
      for (let i = 0; i < queries; i++) {
        const f = filterOf(i);
        const truth = new Set(await exact(qs[i]!, f));
        truthTotal += truth.size;
        for (const side of i % 2 ? [...sides].reverse() : sides) {
          const t0 = performance.now();
          const got = await side.search(qs[i]!, f);
          side.times.push(performance.now() - t0);
          side.results += got.length;
          if (got.length === K) side.full++;
          side.hits += got.filter((id) => truth.has(id)).length;
        }
      }
      return sides.map((s) => {
        const sorted = [...s.times].sort((a, b) => a - b);
        return {
          p50: percentile(sorted, 0.5),
          p99: percentile(sorted, 0.99),
          meanResults: s.results / queries,
          fullK: s.full / queries,
          recall: s.hits / truthTotal,
        };
      }) as [SearchFigures, SearchFigures];
    };
    const [oursUnfiltered, theirsUnfiltered] = await measure('unfiltered', () => undefined);
    const [ours50, theirs50] = await measure('50% filter', (i) => ({ field: 'half', value: i % 2 }));
    const [ours1, theirs1] = await measure('1% filter', (i) => ({ field: 'bucket', value: i % 100 }));

    return {
      points: n,
      dimensions: DIM,
      k: K,
      m: M,
      efConstruction: EF_CONSTRUCTION,
      efSearch,
      queries,
      server: `PostgreSQL ${about!.server}`,
      pgvector: about!.pgvector,
      cpus: cpus().length,
      load: { start: loadStart, end: loadavg()[0]! },
      seconds: (performance.now() - started) / 1000,
      ours: {
        name: 'this library (pgvector)',
        upsertPerSec: median(oursRuns),
        upsertRuns: oursRuns,
        indexBuildSeconds: oursBuild,
        unfiltered: oursUnfiltered,
        filter50: ours50,
        filter1: ours1,
      },
      peer: {
        name: `LangChain.js PGVectorStore (@langchain/community ${peerVersion()})`,
        upsertPerSec: median(theirsRuns),
        upsertRuns: theirsRuns,
        indexBuildSeconds: theirsBuild,
        unfiltered: theirsUnfiltered,
        filter50: theirs50,
        filter1: theirs1,
      },
    };
  } finally {
    await theirPool.end();
    await ours.close();
  }
}

const ms = (x: number) => `${x.toFixed(2)} ms`;
const int = (x: number) => Math.round(x).toLocaleString('en-US');
const times = (x: number) => `${x.toFixed(2)}×`;
const mark = (met: boolean) => (met ? '**met**' : '**not met**');

/** Markdown: the comparison table with each target marked met or not met, then how it was run. */
export function renderPeer(r: PeerResult): string {
  const { ours: a, peer: b } = r;
  const upsertRatio = a.upsertPerSec / b.upsertPerSec;
  const fullK = (s: SearchFigures) => `${s.meanResults.toFixed(1)}/${r.k}, recall ${s.recall.toFixed(3)}`;
  // Latency targets hold only with the full k wherever k points match (every filter here does).
  const latency = (x: SearchFigures, y: SearchFigures) =>
    `${times(y.p50 / x.p50)}: ${mark(x.p50 <= y.p50 && x.fullK === 1)}`;
  const rows: string[][] = [
    [
      'bulk upsert, vectors/s',
      int(a.upsertPerSec),
      int(b.upsertPerSec),
      `${times(upsertRatio)}: target ≥ 1.5× ${mark(upsertRatio >= 1.5)}`,
    ],
    [
      'HNSW build, s (not a target)',
      a.indexBuildSeconds.toFixed(1),
      b.indexBuildSeconds.toFixed(1),
      times(b.indexBuildSeconds / a.indexBuildSeconds),
    ],
  ];
  for (const [what, x, y] of [
    ['unfiltered', a.unfiltered, b.unfiltered],
    ['50% filter', a.filter50, b.filter50],
    ['1% filter', a.filter1, b.filter1],
  ] as const) {
    rows.push([`${what}, k=${r.k}: search p50`, ms(x.p50), ms(y.p50), latency(x, y)]);
    rows.push([`${what}: search p99`, ms(x.p99), ms(y.p99), times(y.p99 / x.p99)]);
    rows.push([
      `${what}: results and recall`,
      fullK(x),
      fullK(y),
      x.fullK === 1 ? 'full k every query' : `full k on ${(x.fullK * 100).toFixed(0)}% of queries`,
    ]);
  }
  const table = [
    '| measurement | this library | LangChain.js | ratio (latency: theirs ÷ ours) |',
    '|---|---|---|---|',
    ...rows.map((c) => `| ${c.join(' | ')} |`),
  ];
  return [
    ...table,
    '',
    `${int(r.points)} clustered ${r.dimensions}-d vectors, cosine, HNSW m=${r.m} ef_construction=${r.efConstruction}, ` +
      `hnsw.ef_search=${r.efSearch} on both; ${r.queries} queries of each kind, one caller; ${r.server}, pgvector ${r.pgvector}; ` +
      `${b.name}. Upsert: median of ${a.upsertRuns.length} loads each (ours ${a.upsertRuns.map(int).join(', ')}; ` +
      `theirs ${b.upsertRuns.map(int).join(', ')}). A search target is met when our p50 is at most theirs and we return ` +
      `the full k on every query. ${r.cpus} CPUs, load average ${r.load.start.toFixed(2)} at the start, ` +
      `${r.load.end.toFixed(2)} at the end; ${r.seconds.toFixed(0)} s.`,
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const result = await vectorPeer({
    points: Number(arg('n') ?? 50_000),
    queries: Number(arg('queries') ?? 200),
    efSearch: Number(arg('ef') ?? 200),
    loadRuns: Number(arg('runs') ?? 3),
  });
  if (!result) process.exit(1);
  console.log(`\n${renderPeer(result)}`);
  const dir = join(here, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'vector-peer.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nwritten: ${join(dir, 'vector-peer.json')}`);
}
