// Vectors: pgvector inside PGlite (in-process, and through the wire with the pg driver), and on the
// PostgreSQL server when it has pgvector.

import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { resolveConfig } from '../src/config.js';
import { validate } from '../src/domain/validate.js';
import type { Executor } from '../src/sql/executor.js';
import { migrate } from '../src/sql/migrate.js';
import { PgDatabase } from '../src/sql/pg.js';
import { PGliteDatabase, PLATFORM_EXTENSIONS } from '../src/sql/pglite.js';
import { PgVectorRepository } from '../src/vector/pgvector.js';
import { collectionOptionsSchema } from '../src/vector/types.js';
import { clusteredVectors, unitVectors } from './data.js';
import { openServer } from './engines.js';
import { type Load, load3, rate, type Stat } from './lib.js';

export interface VectorResult {
  path: string;
  points: number;
  upsert384: Stat;
  upsert1536: Stat;
  indexBuildSeconds: number;
  incrementalUpsert384: Stat;
  searchUnfiltered: Load;
  searchFiltered: Load;
  /** On embedding-like (clustered) data, the search collection. */
  recallAt10: number;
  /** With the 1% filter, against an exact filtered search. */
  filteredRecallAt10: number;
  /** On uniformly random vectors (HNSW's worst case), a separate collection. */
  uniformPoints: number;
  uniformRecallAt10: number;
  efSearch: number;
}

async function measure(
  db: Executor,
  path: string,
  points: number,
  runs: number,
  queries: number,
): Promise<VectorResult> {
  const config = (name: string, dimensions: number) =>
    validate(collectionOptionsSchema, { name, dimensions });
  const records = (
    n: number,
    dims: number,
    seed: number,
    make: (n: number, d: number, s: number) => number[][] = unitVectors,
  ) =>
    make(n, dims, seed).map((v, i) => ({
      id: `p${i}`,
      vector: v,
      metadata: { bucket: i % 100, lang: i % 3 ? 'en' : 'de' },
    }));

  const batchN = Math.min(points, 5000);
  const r384 = records(batchN, 384, 1);
  const r1536 = records(Math.min(batchN, 1000), 1536, 2);
  let c = 0;
  /** Upserts into a fresh, unindexed collection each run. */
  const upsertRate = (batch: typeof r384, dims: number) => {
    let target: PgVectorRepository;
    return rate(
      runs,
      batch.length,
      () => target.upsertBatch(batch),
      async () => {
        target = new PgVectorRepository(db, config(`bench_${dims}_${++c}`, dims), {
          indexThreshold: 1_000_000,
        });
        await target.ensureCollection();
      },
    );
  };
  const upsert384 = await upsertRate(r384, 384);
  const upsert1536 = await upsertRate(r1536, 1536);

  // The search collection: embedding-like data, loaded, then HNSW built once (the bulk path).
  const repo = new PgVectorRepository(db, config('bench_search', 384), { indexThreshold: 1_000_000 });
  const all = records(points, 384, 3, clusteredVectors);
  for (let i = 0; i < all.length; i += 5000) await repo.upsertBatch(all.slice(i, i + 5000));
  const t = performance.now();
  await repo.buildIndex();
  const indexBuildSeconds = (performance.now() - t) / 1000;
  const extra = records(500, 384, 4, clusteredVectors).map((r) => ({ ...r, id: `extra${r.id}` }));
  const incrementalUpsert384 = await rate(1, extra.length, () => repo.upsertBatch(extra));

  const qs = clusteredVectors(200, 384, 5);
  const bucket = (i: number) => ({ field: 'bucket', eq: i % 100 });
  const searchUnfiltered = await load3(runs, queries, 1, (i) => repo.search(qs[i % 200]!, { limit: 10 }));
  const searchFiltered = await load3(runs, queries, 1, (i) =>
    repo.search(qs[i % 200]!, { limit: 10, filter: bucket(i) }),
  );
  const recallQueries = 50;
  const recall = async (r: PgVectorRepository, queryVectors: number[][], filtered: boolean) => {
    let hits = 0;
    for (let i = 0; i < recallQueries; i++) {
      const o = { limit: 10, ...(filtered ? { filter: bucket(i) } : {}) };
      const exact = new Set((await r.search(queryVectors[i]!, { ...o, exact: true })).map((m) => m.id));
      hits += (await r.search(queryVectors[i]!, o)).filter((m) => exact.has(m.id)).length;
    }
    return hits / (recallQueries * 10);
  };
  const recallAt10 = await recall(repo, qs, false);
  const filteredRecallAt10 = await recall(repo, qs, true);

  // The worst case for any HNSW: uniformly random vectors, nothing to exploit.
  const uniformPoints = Math.min(points, 20_000);
  const uniform = new PgVectorRepository(db, config('bench_uniform', 384), { indexThreshold: 1_000_000 });
  const uniformAll = records(uniformPoints, 384, 6);
  for (let i = 0; i < uniformAll.length; i += 5000) await uniform.upsertBatch(uniformAll.slice(i, i + 5000));
  await uniform.buildIndex();
  const uniformRecallAt10 = await recall(uniform, unitVectors(recallQueries, 384, 7), false);
  return {
    path,
    points,
    upsert384,
    upsert1536,
    indexBuildSeconds,
    incrementalUpsert384,
    searchUnfiltered,
    searchFiltered,
    recallAt10,
    filteredRecallAt10,
    uniformPoints,
    uniformRecallAt10,
    efSearch: repo.config.efSearch,
  };
}

export async function vectors(
  points: number,
  wirePoints: number,
  runs: number,
  queries: number,
): Promise<VectorResult[]> {
  const results: VectorResult[] = [];
  const db = await PGliteDatabase.open({ extensions: { vector } });
  await migrate(db);
  results.push(await measure(db, 'pgvector in PGlite (in-process)', points, runs, queries));
  await db.close();

  const pglite = await PGlite.create({ extensions: { ...PLATFORM_EXTENSIONS, vector } });
  const server = new PGLiteSocketServer({ db: pglite, port: 0, host: '127.0.0.1', maxConnections: 1 });
  await server.start();
  const [host, port] = server.getServerConn().split(':');
  const config = resolveConfig({
    databaseUrl: `postgres://postgres@${host}:${port}/postgres`,
    postgres: { poolMin: 0, poolMax: 1 },
  });
  if (config.database.kind !== 'postgres') throw new Error('unreachable');
  const { kind: _k, ...options } = config.database;
  const wire = await PgDatabase.open(options);
  await migrate(wire);
  results.push(await measure(wire, 'pgvector in PGlite via pg driver (wire)', wirePoints, runs, queries));
  await wire.close();
  await server.stop();
  await pglite.close();

  const onServer = await openServer('vectors');
  if (onServer) {
    try {
      const hasPgvector = await onServer.db.query('CREATE EXTENSION IF NOT EXISTS vector').then(
        () => true,
        (err: Error) => {
          console.log(`server vector benchmarks skipped: ${err.message}`);
          return false;
        },
      );
      if (hasPgvector)
        results.push(await measure(onServer.db, 'pgvector on the PostgreSQL server', points, runs, queries));
    } finally {
      await onServer.close();
    }
  }
  return results;
}
