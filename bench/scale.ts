// Scale: how each operation's cost grows with the table. One table is grown through the sizes
// (load to 10k, measure, load on to 100k, measure, …): the load between sizes is the ingest
// measurement, alternating one stream and two parallel streams block by block, so both see the same
// table size. Each engine gets its own store: a throwaway trend_bench_scale_* database on the server,
// PGlite in a temporary directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProcessedItemInput } from '../src/domain/models.js';
import { createRepositories } from '../src/repositories/index.js';
import { HybridSearch } from '../src/search/hybrid.js';
import type { Executor } from '../src/sql/executor.js';
import { createStorage, type Storage } from '../src/storage.js';
import { PgVectorRepository } from '../src/vector/pgvector.js';
import { clusteredVectors } from './data.js';
import { throwawayDatabase } from './engines.js';
import { fmt } from './lib.js';
import {
  isOld,
  itemId,
  itemKey,
  matchFraction,
  OLD_CUTOFF_DAYS,
  PLANTED,
  pickCommon,
  scaleItems,
  scaleVectors,
  seedTrends,
  TREND_SUBJECTS,
  trendTarget,
} from './scale-data.js';
import { explainCall, type Latency, latency, type Plan, type Timed, timed } from './scale-measure.js';

export type ScaleEngine = 'postgres' | 'pglite';
export const WORD_CLASSES = ['common', 'mid', 'rare'] as const;
export type WordClass = (typeof WORD_CLASSES)[number];
export const COLLECTION = 'scale_item_embeddings';

export interface ScaleOptions {
  engines: ScaleEngine[];
  sizes: Record<ScaleEngine, number[]>;
  /** Timed calls per latency measurement (16 callers: twice as many). */
  queries: number;
  /** Milliseconds one latency measurement may take before it stops starting calls. */
  budgetMs: number;
  /** Vectors: a fixed largest collection, or undefined to decide by measuring (`vectorBudgetSeconds`). */
  maxVectors?: number;
  /** Seconds the vector load plus HNSW build of one size may take (predicted from the last size). */
  vectorBudgetSeconds: number;
  log?: (line: string) => void;
}

export interface IngestRate {
  rows: number;
  seconds: number;
  rowsPerSec: number;
  /** rows/s of each block of this mode, in load order. */
  blocks: number[];
}

export interface SizeResult {
  size: number;
  trends: number;
  ingest: { oneStream: IngestRate; parallel: IngestRate; ratio: number };
  /** VACUUM ANALYZE after the load (the state autovacuum reaches after a bulk load). */
  vacuumSeconds: number;
  /** The query words and the share of rows each matched at this size. */
  words: Record<WordClass, { word: string; fraction: number }[]>;
  /** Points in the vector collection searched at this size (it stops growing past the vector size). */
  vectorPoints: number;
  vectorLoad?: { seconds: number; vectorsPerSec: number; buildSeconds: number };
  /** Latency by operation (keys: see OPS in scale-report.ts). */
  ops: Record<string, Latency>;
  /** EXPLAIN ANALYZE of the full-text statements at this size. */
  plans: Record<string, Plan>;
  deleteOlderThan: Timed & { deleted: number; expected: number; method: string };
  refreshViews: Timed;
  /** Wall time spent at this size: load, vectors, measuring. */
  seconds: { load: number; vectors: number; measure: number };
}

export interface EngineScale {
  engine: ScaleEngine;
  /** How ingest and hybrid search were reached (the library calls, or what stood in for them). */
  api: { ingest: string; hybrid: string };
  /** How the vector collection's size was chosen. */
  vectorDecision: string;
  sizes: SizeResult[];
  seconds: number;
}

export interface ScaleResults {
  machine: Record<string, unknown>;
  date: string;
  /** Whether these are the default (full) sizes: only those go to docs/BENCHMARKS.md. */
  full: boolean;
  options: Omit<ScaleOptions, 'log'>;
  engines: EngineScale[];
  seconds: number;
}

const ROLLBACK = Symbol('rollback');

/**
 * pgvector builds HNSW in maintenance_work_mem (the library sets 256 MB for its build) and, once the
 * graph outgrows it, goes on on disk, far slower and by a factor no smaller build predicts. Measured
 * on this server (pgvector 0.8.6, m 16): 8 MB held 3,618 points of 384-d before pgvector said the
 * graph no longer fit, ~2.3 kB a point (the float4 vector's 1.5 kB plus links and bookkeeping).
 */
const BUILD_MEMORY = 256 * 2 ** 20;
const POINT_BYTES = (8 * 2 ** 20) / 3618;
const graphBytes = (points: number) => points * POINT_BYTES;

async function openEngine(
  engine: ScaleEngine,
): Promise<{ storage: Storage; cleanup: () => Promise<void> } | null> {
  const common = { redis: false as const, env: {}, vectorIndexThreshold: 1_000_000_000 };
  if (engine === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), 'trend-bench-scale-'));
    const storage = await createStorage({ ...common, dataDir: dir });
    return {
      storage,
      cleanup: async () => {
        await storage.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  let server: Awaited<ReturnType<typeof throwawayDatabase>>;
  try {
    server = await throwawayDatabase(`trend_bench_scale_${process.pid}`);
  } catch (err) {
    console.log(`server scale benchmark skipped: ${(err as Error).message}`);
    return null;
  }
  const storage = await createStorage({
    ...common,
    databaseUrl: server.url,
    // No statement timeout: a refresh or a delete at 1M rows is one statement of many seconds.
    postgres: { poolMin: 0, poolMax: 20, statementTimeoutMs: 0 },
  });
  return {
    storage,
    cleanup: async () => {
      await storage.close();
      await server.drop();
    },
  };
}

/**
 * Loads items [from, to) with items.ingest, in blocks that alternate one stream (concurrency 1)
 * and two (concurrency 2), so drift and table growth fall on both alike. Each block is generated
 * before its clock starts.
 */
async function load(storage: Storage, from: number, to: number) {
  const span = to - from;
  const block = Math.min(50_000, Math.max(1000, Math.round(span / 10 / 1000) * 1000));
  const modes = {
    oneStream: { rows: 0, seconds: 0, blocks: [] as number[] },
    parallel: { rows: 0, seconds: 0, blocks: [] as number[] },
  };
  let k = 0;
  for (let a = from; a < to; a += block, k++) {
    const b = Math.min(to, a + block);
    const rows: ProcessedItemInput[] = [...scaleItems(a, b)];
    const mode = k % 2 ? modes.parallel : modes.oneStream;
    const t = performance.now();
    const r = await storage.items.ingest(rows, { concurrency: k % 2 ? 2 : 1 });
    const s = (performance.now() - t) / 1000;
    if (r.inserted !== rows.length || r.rejected.length) {
      throw new Error(
        `load ${a}–${b}: ${r.inserted} inserted, ${r.rejected.length} rejected of ${rows.length}`,
      );
    }
    mode.rows += rows.length;
    mode.seconds += s;
    mode.blocks.push(rows.length / s);
  }
  const rate = (m: typeof modes.oneStream): IngestRate => ({ ...m, rowsPerSec: m.rows / m.seconds });
  const oneStream = rate(modes.oneStream);
  const parallel = rate(modes.parallel);
  return { oneStream, parallel, ratio: parallel.rowsPerSec / oneStream.rowsPerSec };
}

/** Drops the collection, loads the vectors of items [0, size), builds HNSW: load and build times. */
async function loadVectors(storage: Storage, size: number) {
  const v = storage.vectors({ name: COLLECTION, dimensions: 384 });
  await v.dropCollection();
  await v.ensureCollection();
  // Only the upserts are timed, not generating the vectors.
  let seconds = 0;
  for (const batch of scaleVectors(0, size)) {
    const t = performance.now();
    await v.upsertBatch(batch);
    seconds += (performance.now() - t) / 1000;
  }
  const b = performance.now();
  // Qdrant builds as it goes; pgvector builds once, in bulk (the library's path past its threshold).
  if (v instanceof PgVectorRepository) await v.buildIndex();
  const buildSeconds = (performance.now() - b) / 1000;
  return { seconds, vectorsPerSec: size / seconds, buildSeconds };
}

async function runEngine(
  engine: ScaleEngine,
  o: ScaleOptions,
  onSize: (r: EngineScale) => void,
): Promise<EngineScale | null> {
  const log = o.log ?? ((line: string) => console.log(line));
  const opened = await openEngine(engine);
  if (!opened) return null;
  const { storage, cleanup } = opened;
  const started = performance.now();
  const result: EngineScale = {
    engine,
    api: {
      ingest: `items.ingest, concurrency 1 and 2${engine === 'pglite' ? ' (PGlite has one connection: 2 runs as 1)' : ''}`,
      hybrid: `storage.search.items, vectors in ${storage.vectors({ name: COLLECTION, dimensions: 384 }).engine}`,
    },
    vectorDecision: '',
    sizes: [],
    seconds: 0,
  };
  const sizes = [...o.sizes[engine]].sort((a, b) => a - b);
  const queryVectors = clusteredVectors(200, 384, 99);
  let loaded = 0;
  let common: string[] = [];
  // The vector collection grows with the table while its graph fits the build memory and its load +
  // build is predicted to fit the budget.
  let vectorPoints = 0;
  let vectorsGrowing = true;
  let lastBuild: { size: number; seconds: number; rate: number } | undefined;
  const decisions: string[] = [];
  try {
    for (const size of sizes) {
      const sizeStart = performance.now();
      log(`${engine}: loading ${fmt(loaded)} → ${fmt(size)} items…`);
      const ingest = await load(storage, loaded, size);
      loaded = size;
      await seedTrends(storage.db, trendTarget(size));
      const v0 = performance.now();
      await storage.db.query('VACUUM ANALYZE processed_items');
      await storage.db.query('VACUUM ANALYZE trends');
      const vacuumSeconds = (performance.now() - v0) / 1000;
      const loadSeconds = (performance.now() - sizeStart) / 1000;
      log(
        `  ingest ${fmt(ingest.oneStream.rowsPerSec)} rows/s one stream, ${fmt(ingest.parallel.rowsPerSec)} parallel (${ingest.ratio.toFixed(2)}×); vacuum ${vacuumSeconds.toFixed(1)} s`,
      );

      if (!common.length) common = await pickCommon(storage.db, size);
      const words = {
        common: common,
        mid: [...PLANTED.mid.words],
        rare: [...PLANTED.rare.words],
      } as Record<WordClass, string[]>;
      const fractions = {} as SizeResult['words'];
      for (const cls of WORD_CLASSES) {
        fractions[cls] = [];
        for (const word of words[cls]) {
          fractions[cls].push({ word, fraction: await matchFraction(storage.db, word, size) });
        }
      }

      // Vectors.
      const vStart = performance.now();
      let vectorLoad: SizeResult['vectorLoad'];
      if (vectorsGrowing) {
        const cap = o.maxVectors;
        let go = cap === undefined || size <= cap;
        if (cap === undefined) {
          const graph = graphBytes(size);
          const fits = graph <= BUILD_MEMORY;
          // HNSW build grows a little faster than n (n log n); the load, with n.
          const predicted = lastBuild
            ? lastBuild.seconds * (size / lastBuild.size) ** 1.25 + size / lastBuild.rate
            : undefined;
          go = fits && (predicted === undefined || predicted <= o.vectorBudgetSeconds);
          decisions.push(
            `${fmt(size)}: graph ~${(graph / 2 ** 20).toFixed(0)} MB${fits ? '' : ` > ${BUILD_MEMORY / 2 ** 20} MB`}${predicted === undefined ? '' : `, load + build predicted ${predicted.toFixed(0)} s`} → ${go ? 'built' : 'not built'}`,
          );
        }
        if (go) {
          log(`  vectors: loading ${fmt(size)} and building HNSW…`);
          vectorLoad = await loadVectors(storage, size);
          vectorPoints = size;
          lastBuild = { size, seconds: vectorLoad.buildSeconds, rate: vectorLoad.vectorsPerSec };
          log(
            `  vectors ${fmt(vectorLoad.vectorsPerSec)}/s, HNSW build ${vectorLoad.buildSeconds.toFixed(1)} s`,
          );
        } else {
          vectorsGrowing = false;
        }
      }
      const vectorSeconds = (performance.now() - vStart) / 1000;

      // Reads.
      const mStart = performance.now();
      const q = o.queries;
      const ops: Record<string, Latency> = {};
      const measure = async (
        name: string,
        total: number,
        callers: number,
        fn: (i: number) => Promise<unknown>,
      ) => {
        ops[name] = await latency(total, callers, o.budgetMs, fn);
        const m = ops[name]!;
        log(
          `  ${name}: p50 ${m.p50.toFixed(2)} ms, p99 ${m.p99.toFixed(2)} ms, ${fmt(m.opsPerSec)}/s (n ${m.n})`,
        );
      };
      const pick = (i: number) => (i * 7919 + 13) % size;
      await measure('items.get', q * 5, 1, (i) => storage.items.get(itemId(pick(i))));
      await measure('items.getBySourceId', q * 5, 1, (i) => {
        const k = itemKey(pick(i));
        return storage.items.getBySourceId(k.source, k.sourceId);
      });
      // Half the keys are stored, half are not (indexes past the table).
      await measure('items.existsMany(1000)', q, 1, (i) =>
        storage.items.existsMany(
          Array.from({ length: 1000 }, (_, j) =>
            itemKey(j % 2 ? pick(i * 1000 + j) : size + pick(i * 1000 + j)),
          ),
        ),
      );
      const trendQ = (i: number) => TREND_SUBJECTS[i % 3]!;
      await measure('trends.search q', q, 1, (i) => storage.trends.search({ q: trendQ(i), limit: 20 }));
      for (const cls of WORD_CLASSES) {
        const word = (i: number) => words[cls][i % words[cls].length]!;
        await measure(`items.search ${cls}`, q, 1, (i) => storage.items.search({ q: word(i), limit: 20 }));
        await measure(`items.search ${cls} ×16`, q * 2, 16, (i) =>
          storage.items.search({ q: word(i), limit: 20 }),
        );
      }
      if (vectorPoints) {
        const v = storage.vectors({ name: COLLECTION, dimensions: 384 });
        await measure('vector search', q, 1, (i) => v.search(queryVectors[i % 200]!, { limit: 10 }));
        for (const cls of WORD_CLASSES) {
          const word = (i: number) => words[cls][i % words[cls].length]!;
          await measure(`hybrid ${cls}`, q, 1, (i) =>
            storage.search.items({
              q: word(i),
              vector: queryVectors[i % 200]!,
              collection: COLLECTION,
              limit: 20,
            }),
          );
        }
      }
      const plans: Record<string, Plan> = {};
      const explain = async (name: string, call: (exec: Executor) => Promise<unknown>) => {
        const plan = await explainCall(storage.db, call);
        if (plan) plans[name] = plan;
      };
      for (const cls of WORD_CLASSES) {
        const q1 = words[cls][0]!;
        await explain(`items.search ${cls}`, (x) => createRepositories(x).items.search({ q: q1, limit: 20 }));
        if (vectorPoints) {
          await explain(`hybrid ${cls}`, (x) =>
            new HybridSearch(x, (c) => storage.vectors(c)).items({
              q: q1,
              vector: queryVectors[0]!,
              collection: COLLECTION,
              limit: 20,
            }),
          );
        }
      }
      await explain('trends.search q', (x) =>
        createRepositories(x).trends.search({ q: trendQ(0), limit: 20 }),
      );

      // Maintenance. deleteOlderThan runs in a transaction that is rolled back: the DELETE does all
      // its work (finding, locking and marking every old row, and its WAL), and the table stays whole
      // for the next size. Only the commit is left out.
      let expected = 0;
      for (let i = 0; i < size; i++) if (isOld(i)) expected++;
      let deleted = 0;
      const del = await timed(3, 60_000, async () => {
        try {
          await storage.transaction(async (tx) => {
            deleted = await tx.items.deleteOlderThan(OLD_CUTOFF_DAYS);
            throw ROLLBACK;
          });
        } catch (err) {
          if (err !== ROLLBACK) throw err;
        }
      });
      if (deleted !== expected) throw new Error(`deleteOlderThan took ${deleted} rows, expected ${expected}`);
      log(`  deleteOlderThan (${fmt(deleted)} rows): ${del.ms.toFixed(0)} ms`);
      const refreshViews = await timed(3, 60_000, () => storage.views.refreshViews());
      log(`  refreshViews: ${refreshViews.ms.toFixed(0)} ms`);

      result.sizes.push({
        size,
        trends: trendTarget(size),
        ingest,
        vacuumSeconds,
        words: fractions,
        vectorPoints,
        ...(vectorLoad ? { vectorLoad } : {}),
        ops,
        plans,
        deleteOlderThan: { ...del, deleted, expected, method: 'in a transaction rolled back afterwards' },
        refreshViews,
        seconds: { load: loadSeconds, vectors: vectorSeconds, measure: (performance.now() - mStart) / 1000 },
      });
      result.vectorDecision = describeVectors(o, vectorPoints, decisions);
      result.seconds = (performance.now() - started) / 1000;
      onSize(result);
    }
  } finally {
    await cleanup();
  }
  return result;
}

function describeVectors(o: ScaleOptions, points: number, decisions: string[]): string {
  if (o.maxVectors !== undefined) return `fixed with --scale-vectors=${o.maxVectors}: ${fmt(points)} points`;
  return `grown with the table while the HNSW graph fits the build's memory (${BUILD_MEMORY / 2 ** 20} MB, at ~${(POINT_BYTES / 1024).toFixed(1)} kB a point) and the load + build is predicted (last build × size ratio^1.25, plus the load at the last rate) to take ≤ ${o.vectorBudgetSeconds} s; largest: ${fmt(points)} points (${decisions.join('; ')})`;
}

/** Runs every engine; `save` gets the results so far after each size (a long run keeps what it did). */
export async function scale(
  o: ScaleOptions,
  machine: Record<string, unknown>,
  full: boolean,
  save: (r: ScaleResults) => void,
): Promise<ScaleResults> {
  const started = performance.now();
  const { log: _log, ...options } = o;
  const results: ScaleResults = {
    machine,
    date: new Date().toISOString(),
    full,
    options,
    engines: [],
    seconds: 0,
  };
  for (const engine of o.engines) {
    const done = results.engines.length;
    await runEngine(engine, o, (r) => {
      results.engines[done] = r;
      results.seconds = (performance.now() - started) / 1000;
      save(results);
    });
  }
  results.seconds = (performance.now() - started) / 1000;
  return results;
}
