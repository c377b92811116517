// Search quality at size, on pgvector inside PGlite and, when it has pgvector, on the PostgreSQL
// server: recall of the HNSW index against exact search, and filtered searches that must still
// fill their limit. Each search that claims a path is traced, and EXPLAIN shows the path it took.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { VectorRepository } from '../src/vector/types.js';
import { seeded } from './contract/vectors.js';
import { inProcess, type OpenVectorEngine, serverVectorEngine } from './support/vector-engines.js';

const N = 20_000;
const DIM = 384;
const TOPICS = 200;

describe.each([inProcess, ...(await serverVectorEngine('vector quality'))])(
  'vector search quality [$name]',
  (engine) => {
    let env: OpenVectorEngine;
    let repo: VectorRepository;
    const rnd = seeded(20261129);
    const gauss = () => Math.sqrt(-2 * Math.log(0.5 - rnd())) * Math.cos(2 * Math.PI * (rnd() + 0.5));
    const unit = (v: number[]) => {
      const n = Math.hypot(...v);
      return v.map((x) => x / n);
    };
    // Embedding-like points: topic centres with noise twice their length, so neighbours cross
    // topics. Uniform random vectors cannot serve here: the recall they need takes ef_search 1000,
    // and at that beam pgvector costs the walk as a full scan, so the planner answers exactly.
    const centres = Array.from({ length: TOPICS }, () => unit(Array.from({ length: DIM }, gauss)));
    const embedding = () => {
      const c = centres[Math.floor((rnd() + 0.5) * TOPICS)]!;
      return unit(c.map((x) => x + (gauss() * 2) / Math.sqrt(DIM)));
    };
    /** Two fields that each split the points in half, but agree on only 20 (every 1,000th). */
    const pair = (i: number) => ({ side: i % 2, mirror: i % 1000 === 0 ? i % 2 : 1 - (i % 2) });
    const trace = <T>(fn: () => Promise<T>) => env.plans!.trace(fn);

    beforeAll(async () => {
      env = await engine.open();
      // Every HNSW setting is the default: m 16, ef_construction 64, ef_search 200.
      repo = env.repo({ name: 'quality', dimensions: DIM }, { indexThreshold: N });
      for (let start = 0; start < N; start += 2000) {
        await repo.upsertBatch(
          Array.from({ length: 2000 }, (_, i) => ({
            id: `p${start + i}`,
            vector: embedding(),
            metadata: { bucket: (start + i) % 100, group: (start + i) % 7, ...pair(start + i) },
          })),
        );
      }
    }, 600_000);
    afterAll(() => env?.dispose());

    test('20,000 points were loaded and the HNSW index was built at the threshold', async () => {
      expect(await repo.count()).toBe(N);
      const { paths } = await trace(() => repo.search(embedding(), { limit: 10 }));
      expect(paths).toEqual(['index']);
    });

    test('HNSW top-10 recall against exact search is at least 0.95 over 100 queries', async () => {
      let hits = 0;
      let hitsAt40 = 0;
      for (let q = 0; q < 100; q++) {
        const query = embedding();
        // The first query of each kind is traced: the rest send the same statements.
        const traced =
          q === 0 ? trace : async <T>(fn: () => Promise<T>) => ({ result: await fn(), paths: [] });
        const exact = await traced(() => repo.search(query, { limit: 10, exact: true }));
        const walked = await traced(() => repo.search(query, { limit: 10 }));
        const at40 = await traced(() => repo.search(query, { limit: 10, efSearch: 40 }));
        if (q === 0)
          expect([exact.paths, walked.paths, at40.paths]).toEqual([['exact'], ['index'], ['index']]);
        const truth = new Set(exact.result.map((m) => m.id));
        hits += walked.result.filter((m) => truth.has(m.id)).length;
        hitsAt40 += at40.result.filter((m) => truth.has(m.id)).length;
      }
      const recall = hits / 1000;
      console.log(
        `[${engine.name}] recall@10 = ${recall.toFixed(3)} at ef_search=200, ${(hitsAt40 / 1000).toFixed(3)} at 40 (20,000 × 384-d around ${TOPICS} topics)`,
      );
      expect(recall).toBeGreaterThanOrEqual(0.95);
    }, 300_000);

    test('a 1% filter is answered exactly: the top 50 of an exact search, even at a tiny ef_search', async () => {
      for (let q = 0; q < 5; q++) {
        const query = embedding();
        const filter = { field: 'bucket', eq: q };
        const found = await trace(() => repo.search(query, { limit: 50, filter, efSearch: 10 }));
        expect(found.paths).toEqual(['exact']); // 200 matches: below exactSearchBelow (5,000)
        const exact = await repo.search(query, { limit: 50, filter, exact: true });
        expect(found.result).toHaveLength(50);
        expect(found.result.map((m) => m.id)).toEqual(exact.map((m) => m.id));
      }
    });

    test('a broad filter walks the index: limit results, all matching, best first, high recall', async () => {
      let hits = 0;
      for (let q = 0; q < 10; q++) {
        const query = embedding();
        const filter = { field: 'group', in: [0, 1, 2, 3] }; // 4/7 of the points: far above the exact threshold
        const { result: found, paths } = await trace(() => repo.search(query, { limit: 50, filter }));
        expect(paths).toEqual(['index']);
        expect(found).toHaveLength(50);
        expect(found.every((m) => [0, 1, 2, 3].includes(m.metadata.group as number))).toBe(true);
        const scores = found.map((m) => m.score);
        expect(scores).toEqual([...scores].sort((a, b) => b - a));
        const exact = new Set(
          (await repo.search(query, { limit: 50, filter, exact: true })).map((m) => m.id),
        );
        hits += found.filter((m) => exact.has(m.id)).length;
      }
      expect(hits / 500).toBeGreaterThanOrEqual(0.9);
    });

    test('when the index walk comes back short, the search is redone exactly', async () => {
      // exactSearchBelow 0: always walk the graph first, so a tiny result set takes the fallback.
      const walking = env.repo(repo.config, { indexThreshold: N, exactSearchBelow: 0 });
      const filter = {
        and: [
          { field: 'side', eq: 0 },
          { field: 'mirror', eq: 0 },
        ],
      };
      expect(await repo.count(filter)).toBe(20);
      // With statistics the planner multiplies the halves, expects 5,000 matches and walks the
      // graph; the walk meets too few of the 20. (Without them it expects none and never walks.)
      await env.plans!.analyze('quality');
      const query = embedding();
      const { result: found, paths } = await trace(() =>
        walking.search(query, { limit: 50, filter, efSearch: 10 }),
      );
      expect(paths).toEqual(['index', 'exact']);
      const exact = await repo.search(query, { limit: 50, filter, exact: true });
      expect(found.map((m) => m.id)).toEqual(exact.map((m) => m.id));
      expect(found).toHaveLength(20);
    });
  },
);
