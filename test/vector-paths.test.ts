// How pgvector bulk upserts and searches run, on PGlite and on the PostgreSQL server: binary COPY
// on both engines with the same stored float4s as the text path; no count of the collection after
// every batch; one statement per search, whose walk settings reach the HNSW scan; the exact-or-graph
// choice made from the planner's estimate (kept per filter, no counting of matches) and kept current
// by statistics gathered as the collection grows; plain or iterative walks by the estimated share;
// and the full `limit` whenever an estimate sends a narrow filter to the graph.
// Each suite has its own database (server) or engine instance (PGlite).

import { vector } from '@electric-sql/pglite-pgvector';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { validate } from '../src/domain/validate.js';
import type { CopyTarget, Database, Executor, Row } from '../src/sql/executor.js';
import { migrate } from '../src/sql/migrate.js';
import { PGliteDatabase } from '../src/sql/pglite.js';
import { PgVectorRepository } from '../src/vector/pgvector.js';
import { type CollectionOptions, collectionOptionsSchema } from '../src/vector/types.js';
import { seeded } from './contract/vectors.js';
import { createServerDatabase, openServerDatabase } from './support/engines.js';
import {
  inProcess,
  type OpenVectorEngine,
  serverVectorEngine,
  type VectorEngine,
} from './support/vector-engines.js';

/** Passes everything to a real engine and notes what was sent: statement texts and COPYs. */
class Recording implements Executor {
  constructor(
    private readonly inner: Executor,
    readonly sent: string[] = [],
    /** The parameters of each statement in `sent` (none for COPY and scripts). */
    readonly params: (readonly unknown[] | undefined)[] = [],
  ) {}

  get engine() {
    return this.inner.engine;
  }

  query<T extends Row = Row>(text: string, params?: readonly unknown[]): Promise<T[]> {
    this.sent.push(text);
    this.params[this.sent.length - 1] = params;
    return this.inner.query<T>(text, params);
  }

  exec(script: string): Promise<void> {
    this.sent.push(script);
    return this.inner.exec(script);
  }

  copyIn(target: CopyTarget, data: Uint8Array): Promise<void> {
    this.sent.push(`COPY ${target.table}`);
    return this.inner.copyIn(target, data);
  }

  transaction<R>(fn: (tx: Executor) => Promise<R>): Promise<R> {
    return this.inner.transaction((tx) => fn(new Recording(tx, this.sent, this.params)));
  }
}

interface PlanNode {
  'Index Name'?: string;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

function find(node: PlanNode, match: (n: PlanNode) => boolean): PlanNode | undefined {
  if (match(node)) return node;
  for (const child of node.Plans ?? []) {
    const found = find(child, match);
    if (found) return found;
  }
  return undefined;
}

interface Opened {
  db: Database;
  dispose(): Promise<void>;
}

const sqlEngines: { name: string; open(): Promise<Opened> }[] = [
  {
    name: 'pglite',
    async open() {
      const db = await PGliteDatabase.open({ extensions: { vector } });
      await migrate(db);
      return { db, dispose: () => db.close() };
    },
  },
  ...((await serverVectorEngine('vector paths (upserts)')).length
    ? [
        {
          name: 'postgres-server',
          async open() {
            const { url, drop } = await createServerDatabase();
            const db = await openServerDatabase(url, 2);
            await migrate(db);
            return {
              db,
              async dispose() {
                await db.close();
                await drop();
              },
            };
          },
        },
      ]
    : []),
];

const rnd = seeded(140505);
const vectorOf = (dims: number) => Array.from({ length: dims }, rnd);

describe.each(sqlEngines)('pgvector statements [$name]', (engine) => {
  let opened: Opened;
  const repo = (db: Executor, c: CollectionOptions, indexThreshold: number) =>
    new PgVectorRepository(db, validate(collectionOptionsSchema, c), { indexThreshold });
  beforeAll(async () => {
    opened = await engine.open();
  });
  afterAll(() => opened?.dispose());

  test('a batch goes by binary COPY and stores the same float4s, bit for bit, as text does', async () => {
    const log = new Recording(opened.db);
    const bulk = repo(log, { name: 'bits_bulk', dimensions: 8, distance: 'euclid' }, 1_000_000);
    const single = repo(opened.db, { name: 'bits_single', dimensions: 8, distance: 'euclid' }, 1_000_000);
    // Values where text and binary could part: float32 rounding ties, subnormals, extremes, -0.
    const awkward = [
      1 / 3,
      -0,
      1e-45,
      1.1754942e-38,
      3.4028234e38,
      -3.4028234e38,
      16777217,
      0.1 + 0.2,
      2 ** -149,
      Math.fround(1.1) + 2 ** -30,
    ];
    const records = Array.from({ length: 40 }, (_, i) => ({
      id: `b${i}`,
      // Every other value scaled, never up: the extremes are at float32's limit.
      vector: Array.from(
        { length: 8 },
        (_, j) => awkward[(i + j) % awkward.length]! * (j % 2 ? 1 : 0.75 + rnd() / 2),
      ),
      metadata: { i, text: `ü'"\\;${i}` },
    }));
    await bulk.upsertBatch(records);
    expect(log.sent.filter((s) => s.startsWith('COPY'))).toHaveLength(1);
    for (const r of records) await single.upsert(r);
    const [row] = await opened.db.query<{ differ: number; same: number }>(
      `SELECT count(*) FILTER (WHERE a.embedding::text <> b.embedding::text OR a.metadata <> b.metadata)::int AS differ,
              count(*)::int AS same
       FROM vec_bits_bulk a JOIN vec_bits_single b USING (id)`,
    );
    expect(row).toEqual({ differ: 0, same: records.length });
    const got = await bulk.getMany(records.map((r) => r.id));
    // float32 exactly, and -0 as 0 (as Qdrant stores it).
    const plain = (x: number) => (x === 0 ? 0 : Math.fround(x));
    for (const [i, g] of got.entries())
      expect(g!.vector.map(Math.fround)).toEqual(records[i]!.vector.map(plain));
  });

  test('the collection is not counted after every batch; the index comes at the threshold', async () => {
    const log = new Recording(opened.db);
    const r = repo(log, { name: 'threshold', dimensions: 4 }, 1000);
    for (let b = 0; b < 10; b++) {
      await r.upsertBatch(
        Array.from({ length: 100 }, (_, i) => ({ id: `t${b * 100 + i}`, vector: vectorOf(4) })),
      );
    }
    // One count to start the bound, one when the bound reaches 1,000 (then the index is built).
    expect(log.sent.filter((s) => /count\(\*\)/.test(s))).toHaveLength(2);
    expect(log.sent.some((s) => /CREATE INDEX IF NOT EXISTS vec_threshold_hnsw/.test(s))).toBe(true);
    // Overwrites loosen the bound without adding points: counted again, and no index yet elsewhere.
    const other = repo(log, { name: 'overwritten', dimensions: 4 }, 1000);
    const same = Array.from({ length: 300 }, (_, i) => ({ id: `o${i}`, vector: vectorOf(4) }));
    for (let b = 0; b < 4; b++) await other.upsertBatch(same);
    expect(await other.count()).toBe(300);
    const [idx] = await opened.db.query(`SELECT to_regclass('vec_overwritten_hnsw') AS idx`);
    expect(idx!.idx).toBeNull();
  });

  test('a search is one statement, and the settings it carries reach the HNSW scan', async () => {
    const log = new Recording(opened.db);
    const r = repo(log, { name: 'carried', dimensions: 16 }, 0);
    await r.upsertBatch(Array.from({ length: 3000 }, (_, i) => ({ id: `c${i}`, vector: vectorOf(16) })));
    const query = vectorOf(16);
    /** Blocks the HNSW scan touched: a wider beam (ef_search) visits more of the graph. */
    const blocks = async (efSearch: number) => {
      log.sent.length = 0;
      log.params.length = 0;
      expect(await r.search(query, { limit: 10, efSearch })).toHaveLength(10);
      expect(log.sent).toHaveLength(1); // no BEGIN / SET LOCAL / COMMIT around it
      const [row] = await opened.db.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(
        `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${log.sent[0]}`,
        log.params[0],
      );
      const scan = find(row!['QUERY PLAN'][0]!.Plan, (n) => n['Index Name'] === 'vec_carried_hnsw');
      expect(scan, 'the HNSW index is walked').toBeDefined();
      return scan!['Shared Hit Blocks']! + scan!['Shared Read Blocks']!;
    };
    const [narrow, wide] = [await blocks(10), await blocks(400)];
    expect(wide).toBeGreaterThan(narrow * 3);
    // And nothing is left behind: the session's own settings are untouched (the most recently
    // released pooled connection is the next one lent; the cast loads pgvector's settings into it).
    const [after] = await opened.db.query<{ ef: string; iterative: string }>(
      `SELECT current_setting('hnsw.ef_search') AS ef, current_setting('hnsw.iterative_scan') AS iterative
       FROM (SELECT '[1]'::vector) loaded`,
    );
    expect(after).toEqual({ ef: '40', iterative: 'off' });
  });

  test('a filtered search asks the planner, not a count of its matches, and keeps the answer', async () => {
    const log = new Recording(opened.db);
    const r = repo(log, { name: 'asks', dimensions: 4 }, 0);
    await r.upsertBatch(
      Array.from({ length: 200 }, (_, i) => ({ id: `a${i}`, vector: vectorOf(4), metadata: { b: i % 10 } })),
    );
    log.sent.length = 0;
    expect(await r.search(vectorOf(4), { limit: 5, filter: { field: 'b', eq: 3 } })).toHaveLength(5);
    expect(log.sent.filter((s) => /count\(/.test(s))).toEqual([]);
    // The filter's estimate, and (when it walks) the collection's, to know the share it matches.
    const explained = log.sent.filter((s) => s.startsWith('EXPLAIN')).length;
    expect(explained).toBeGreaterThanOrEqual(1);
    expect(explained).toBeLessThanOrEqual(2);
    log.sent.length = 0;
    expect(await r.search(vectorOf(4), { limit: 5, filter: { field: 'b', eq: 3 } })).toHaveLength(5);
    expect(log.sent.filter((s) => s.startsWith('EXPLAIN'))).toEqual([]);
    // New statistics, new estimates.
    await r.upsertBatch(Array.from({ length: 1000 }, (_, i) => ({ id: `n${i}`, vector: vectorOf(4) })));
    log.sent.length = 0;
    await r.search(vectorOf(4), { limit: 5, filter: { field: 'b', eq: 3 } });
    expect(log.sent.filter((s) => s.startsWith('EXPLAIN')).length).toBeGreaterThanOrEqual(1);
  });
});

// Enough points, and a narrow enough beam (ef_search 40), for the planner to cost the HNSW walk
// below sorting a scan; the thresholds scaled down with them (the defaults are 10,000 and 5,000).
const N = 4000;
const DIM = 16;
const EXACT_BELOW = 400;

describe.each([inProcess, ...(await serverVectorEngine('vector paths (search)'))] as VectorEngine[])(
  'pgvector filtered search paths [$name]',
  (engine) => {
    let env: OpenVectorEngine;
    const config = { name: 'paths', dimensions: DIM, efSearch: 40 };
    const options = { indexThreshold: N, exactSearchBelow: EXACT_BELOW };
    /** Two fields that each split the points in half, but agree on only 8 of them. */
    const meta = (i: number) => ({
      bucket: i % 100,
      half: i % 2,
      side: i % 2,
      mirror: i % 500 === 0 ? i % 2 : 1 - (i % 2),
    });
    const trace = <T>(fn: () => Promise<T>) => env.plans!.trace(fn);

    beforeAll(async () => {
      env = await engine.open();
      const r = env.repo(config, options);
      for (let start = 0; start < N; start += 1000) {
        await r.upsertBatch(
          Array.from({ length: 1000 }, (_, i) => ({
            id: `p${start + i}`,
            vector: vectorOf(DIM),
            metadata: meta(start + i),
          })),
        );
      }
    }, 300_000);
    afterAll(() => env?.dispose());

    test('the index is built at the threshold; a 1% filter is answered exactly, 50% walks the graph', async () => {
      const r = env.repo(config, options);
      expect(await r.count()).toBe(N);
      for (let q = 0; q < 3; q++) {
        const query = vectorOf(DIM);
        const narrow = { field: 'bucket', eq: q }; // 40 points: below exactSearchBelow
        const found = await trace(() => r.search(query, { limit: 10, filter: narrow }));
        expect(found.paths).toEqual(['exact']);
        const exact = await r.search(query, { limit: 10, filter: narrow, exact: true });
        expect(found.result.map((m) => m.id)).toEqual(exact.map((m) => m.id));

        const broad = { field: 'half', eq: q % 2 }; // 2,000 points
        const walked = await trace(() => r.search(query, { limit: 10, filter: broad }));
        expect(walked.paths).toEqual(['index']);
        expect(walked.result).toHaveLength(10);
        expect(walked.result.every((m) => m.metadata.half === q % 2)).toBe(true);
      }
    });

    test('the walk is iterative: more matches than one beam holds, without falling back', async () => {
      const r = env.repo(config, options);
      // 150 of a half: one beam of 150 candidates holds ~75 matches; only an iterative scan fills it.
      const query = vectorOf(DIM);
      const filter = { field: 'half', eq: 1 };
      const walked = await trace(() => r.search(query, { limit: 150, filter }));
      expect(walked.paths).toEqual(['index']);
      expect(walked.result).toHaveLength(150);
      expect(walked.result.every((m) => m.metadata.half === 1)).toBe(true);
    });

    test('a narrow filter the planner overestimates walks the graph, then is redone exactly', async () => {
      const r = env.repo(config, options);
      const filter = {
        and: [
          { field: 'side', eq: 0 },
          { field: 'mirror', eq: 0 },
        ],
      };
      // The planner multiplies two halves (~1,000 points, above exactSearchBelow); 8 match.
      expect(await r.count(filter)).toBe(8);
      const query = vectorOf(DIM);
      const exact = await r.search(query, { limit: 10, filter, exact: true });
      expect(exact).toHaveLength(8);
      // A quarter of a 40-candidate beam is too few for 10: the walk is iterative from the start.
      const iterative = await trace(() => r.search(query, { limit: 10, filter }));
      expect(iterative.paths).toEqual(['index', 'exact']);
      expect(iterative.result.map((m) => m.id)).toEqual(exact.map((m) => m.id));
      // A quarter of 400 candidates is ten times enough: a plain walk first, then iterative, then exact.
      // (The probe names a walk that passes no point through the filter 'exact': three statements.)
      const plain = await trace(() => r.search(query, { limit: 10, filter, efSearch: 400 }));
      expect(plain.paths).toHaveLength(3);
      expect(plain.paths.slice(1)).toEqual(['index', 'exact']);
      expect(plain.result.map((m) => m.id)).toEqual(exact.map((m) => m.id));
    });

    test('a broad filter whose beam holds enough matches takes one plain walk', async () => {
      const r = env.repo(config, options);
      const query = vectorOf(DIM);
      const filter = { field: 'half', eq: 0 };
      const walked = await trace(() => r.search(query, { limit: 10, filter, efSearch: 100 }));
      expect(walked.paths).toEqual(['index']);
      expect(walked.result).toHaveLength(10);
      const exact = await r.search(query, { limit: 10, filter, exact: true });
      const truth = new Set(exact.map((m) => m.id));
      expect(walked.result.filter((m) => truth.has(m.id)).length).toBeGreaterThanOrEqual(9);
    });

    test('statistics are gathered again as the collection grows, so new values are estimated', async () => {
      const r = env.repo(config, options);
      const filter = { field: 'bucket', eq: 1000 }; // a value the statistics have never seen
      const query = vectorOf(DIM);
      const before = await trace(() => r.search(query, { limit: 10, filter }));
      expect(before.result).toEqual([]);
      expect(before.paths).toEqual(['exact']);
      // 1,000 new points (a quarter of the collection, past the 20% that triggers ANALYZE), all in it.
      await r.upsertBatch(
        Array.from({ length: 1000 }, (_, i) => ({
          id: `new${i}`,
          vector: vectorOf(DIM),
          metadata: { ...meta(i), bucket: 1000 },
        })),
      );
      const after = await trace(() => r.search(query, { limit: 10, filter }));
      expect(after.paths).toEqual(['index']);
      expect(after.result).toHaveLength(10);
      expect(after.result.every((m) => m.id.startsWith('new'))).toBe(true);
    });
  },
);
