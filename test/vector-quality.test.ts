// Search quality at size, on the embedded engine (pgvector inside PGlite): recall of the HNSW
// index against exact search, and filtered searches that must still fill their limit.
import { vector } from '@electric-sql/pglite-pgvector';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { validate } from '../src/domain/validate.js';
import { migrate } from '../src/sql/migrate.js';
import { PGliteDatabase } from '../src/sql/pglite.js';
import { PgVectorRepository } from '../src/vector/pgvector.js';
import { collectionOptionsSchema } from '../src/vector/types.js';
import { seeded } from './contract/vectors.js';

const N = 20_000;
const DIM = 384;
let db: PGliteDatabase;
let repo: PgVectorRepository;
const rnd = seeded(20261129);
const unitVector = () => {
  const v = Array.from({ length: DIM }, rnd);
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};

beforeAll(async () => {
  db = await PGliteDatabase.open({ extensions: { vector } });
  await migrate(db);
  // Uniform random vectors are the hardest case for HNSW (nothing to exploit): at this size
  // 0.95 recall@10 takes ef_search = 1000 (see docs/VECTORS.md); m and ef_construction are the defaults.
  const config = validate(collectionOptionsSchema, { name: 'quality', dimensions: DIM, efSearch: 1000 });
  repo = new PgVectorRepository(db, config, { indexThreshold: N });
  for (let start = 0; start < N; start += 2000) {
    await repo.upsertBatch(
      Array.from({ length: 2000 }, (_, i) => ({
        id: `p${start + i}`,
        vector: unitVector(),
        metadata: { bucket: (start + i) % 100, group: (start + i) % 7 },
      })),
    );
  }
}, 600_000);
afterAll(() => db?.close());

test('20,000 points were loaded and the HNSW index was built at the threshold', async () => {
  expect(await repo.count()).toBe(N);
  const [idx] = await db.query(`SELECT 1 FROM pg_indexes WHERE indexname = 'vec_quality_hnsw'`);
  expect(idx).toBeDefined();
});

test('HNSW top-10 recall against exact search is at least 0.95 over 100 queries', async () => {
  let hits = 0;
  let hitsAt200 = 0;
  for (let q = 0; q < 100; q++) {
    const query = unitVector();
    const exact = new Set((await repo.search(query, { limit: 10, exact: true })).map((m) => m.id));
    hits += (await repo.search(query, { limit: 10 })).filter((m) => exact.has(m.id)).length;
    hitsAt200 += (await repo.search(query, { limit: 10, efSearch: 200 })).filter((m) =>
      exact.has(m.id),
    ).length;
  }
  const recall = hits / 1000;
  console.log(
    `recall@10 = ${recall.toFixed(3)} at ef_search=1000, ${(hitsAt200 / 1000).toFixed(3)} at 200 (20,000 × 384-d random)`,
  );
  expect(recall).toBeGreaterThanOrEqual(0.95);
}, 300_000);

test('a 1% filter returns exactly the top 50 of an exact search, even at a tiny ef_search', async () => {
  for (let q = 0; q < 5; q++) {
    const query = unitVector();
    const filter = { field: 'bucket', eq: q };
    const found = await repo.search(query, { limit: 50, filter, efSearch: 10 });
    const exact = await repo.search(query, { limit: 50, filter, exact: true });
    expect(found).toHaveLength(50);
    expect(found.map((m) => m.id)).toEqual(exact.map((m) => m.id));
  }
});

test('a broad filter walks the index: limit results, all matching, best first, high recall', async () => {
  let hits = 0;
  for (let q = 0; q < 10; q++) {
    const query = unitVector();
    const filter = { field: 'group', in: [0, 1, 2, 3] }; // 4/7 of the points: far above the exact threshold
    const found = await repo.search(query, { limit: 50, filter });
    expect(found).toHaveLength(50);
    expect(found.every((m) => [0, 1, 2, 3].includes(m.metadata.group as number))).toBe(true);
    const scores = found.map((m) => m.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    const exact = new Set((await repo.search(query, { limit: 50, filter, exact: true })).map((m) => m.id));
    hits += found.filter((m) => exact.has(m.id)).length;
  }
  expect(hits / 500).toBeGreaterThanOrEqual(0.9);
});

test('when the index walk comes back short, the search is redone exactly', async () => {
  // exactSearchBelow 0: always walk the graph first, so a tiny result set takes the fallback.
  const walking = new PgVectorRepository(db, repo.config, { indexThreshold: N, exactSearchBelow: 0 });
  const filter = {
    and: [
      { field: 'bucket', eq: 3 },
      { field: 'group', eq: 2 },
    ],
  };
  const expected = await repo.count(filter);
  expect(expected).toBeGreaterThan(0);
  const found = await walking.search(unitVector(), { limit: 50, filter, efSearch: 10 });
  expect(found).toHaveLength(Math.min(50, expected));
});
