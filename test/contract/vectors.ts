import { afterAll, beforeAll, expect, test } from 'vitest';
import { ValidationError } from '../../src/domain/errors.js';
import type { JsonObject } from '../../src/domain/models.js';
import type { VectorFilter } from '../../src/vector/filter.js';
import type { CollectionOptions, Distance, VectorRepository } from '../../src/vector/types.js';
import type { SearchPath, VectorEngine } from '../support/vector-engines.js';

const DIM = 4;

/** A small seeded generator: the same points on every engine and every run. */
export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

const CATS = ['tech', 'sports', 'politics'];
interface P {
  id: string;
  vector: number[];
  metadata: JsonObject;
}

function points(n = 24): P[] {
  const rnd = seeded(7);
  return Array.from({ length: n }, (_, i) => ({
    id: `trend_${i}`,
    vector: Array.from({ length: DIM }, rnd),
    metadata: {
      category: CATS[i % 3]!,
      n: i,
      half: i / 2,
      tags: i % 2 ? ['odd', 'x'] : ['even'],
      nested: { level: i % 4 },
      published: new Date(Date.UTC(2026, 10, 1 + i)).toISOString(),
      ...(i % 5 === 0 ? { maybe: null } : { maybe: i }),
      ...(i % 3 === 0 ? { opt: 'yes' } : {}),
      ...(i % 7 === 0 ? { list: [] } : i % 7 === 1 ? { list: ['a'] } : {}),
    },
  }));
}

const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const unit = (v: number[]) => v.map((x) => x / norm(v));
/** Qdrant's score definitions. */
function score(d: Distance, a: number[], b: number[]): number {
  if (d === 'cosine') return unit(a).reduce((s, x, i) => s + x * unit(b)[i]!, 0);
  if (d === 'dot') return a.reduce((s, x, i) => s + x * b[i]!, 0);
  return Math.sqrt(a.reduce((s, x, i) => s + (x - b[i]!) ** 2, 0));
}
const better = (d: Distance) => (x: number, y: number) => (d === 'euclid' ? x - y : y - x);

function ranked(d: Distance, all: P[], q: number[], keep: (p: P) => boolean = () => true): string[] {
  return all
    .filter(keep)
    .map((p) => ({ id: p.id, s: score(d, p.vector, q) }))
    .sort((a, b) => better(d)(a.s, b.s))
    .map((m) => m.id);
}

const m = (p: P) => p.metadata as Record<string, unknown>;
const FILTERS: [string, VectorFilter, (p: P) => boolean][] = [
  ['eq string', { field: 'category', eq: 'tech' }, (p) => m(p).category === 'tech'],
  ['eq integer', { field: 'n', eq: 5 }, (p) => m(p).n === 5],
  [
    'eq on an array field matches any element',
    { field: 'tags', eq: 'odd' },
    (p) => (m(p).tags as string[]).includes('odd'),
  ],
  ['in (any of)', { field: 'category', in: ['sports', 'politics'] }, (p) => m(p).category !== 'tech'],
  ['in integers', { field: 'n', in: [1, 2, 3, 40] }, (p) => [1, 2, 3].includes(m(p).n as number)],
  [
    'range numbers',
    { field: 'half', gte: 2.5, lt: 7 },
    (p) => (m(p).half as number) >= 2.5 && (m(p).half as number) < 7,
  ],
  [
    'range dates',
    { field: 'published', gt: '2026-11-05T00:00:00Z', lte: new Date('2026-11-12T00:00:00Z') },
    (p) => {
      const t = Date.parse(m(p).published as string);
      return t > Date.parse('2026-11-05T00:00:00Z') && t <= Date.parse('2026-11-12T00:00:00Z');
    },
  ],
  [
    'nested dotted path',
    { field: 'nested.level', eq: 2 },
    (p) => (m(p).nested as { level: number }).level === 2,
  ],
  ['exists', { field: 'opt', exists: true }, (p) => 'opt' in m(p)],
  ['exists ignores null', { field: 'maybe', exists: true }, (p) => m(p).maybe !== null],
  [
    'not exists (missing, null or empty array)',
    { field: 'list', exists: false },
    (p) => !(m(p).list as string[] | undefined)?.length,
  ],
  [
    'and',
    {
      and: [
        { field: 'category', eq: 'tech' },
        { field: 'n', gte: 6 },
      ],
    },
    (p) => m(p).category === 'tech' && (m(p).n as number) >= 6,
  ],
  [
    'or',
    {
      or: [
        { field: 'n', lt: 3 },
        { field: 'n', gt: 20 },
      ],
    },
    (p) => (m(p).n as number) < 3 || (m(p).n as number) > 20,
  ],
  ['not', { not: { field: 'category', eq: 'tech' } }, (p) => m(p).category !== 'tech'],
  [
    'not of a range keeps points without the field',
    { not: { field: 'maybe', gte: 10 } },
    (p) => !((m(p).maybe as number | null) !== null && (m(p).maybe as number) >= 10),
  ],
];

export function vectorContract(engine: VectorEngine): void {
  let env: Awaited<ReturnType<VectorEngine['open']>>;
  const all = points();
  const repos = new Map<string, VectorRepository>();
  const repo = (c: CollectionOptions) => {
    const key = JSON.stringify(c);
    if (!repos.has(key)) repos.set(key, env.repo(c));
    return repos.get(key)!;
  };
  const cosine = () => repo({ name: 'contract_cosine', dimensions: DIM, distance: 'cosine' });

  beforeAll(async () => {
    env = await engine.open();
    for (const d of ['cosine', 'euclid', 'dot'] as const) {
      await repo({ name: `contract_${d}`, dimensions: DIM, distance: d }).upsertBatch(all);
    }
  });
  afterAll(() => env?.dispose());

  test('collections: created on first use, listed, dropped; a mismatched reopen is refused', async () => {
    const scratch = repo({ name: 'scratch', dimensions: DIM });
    await scratch.ensureCollection();
    expect(await scratch.listCollections()).toEqual(expect.arrayContaining(['contract_cosine', 'scratch']));
    const other = env.repo({ name: 'scratch', dimensions: DIM + 1 });
    await expect(other.ensureCollection()).rejects.toBeInstanceOf(ValidationError);
    expect(await scratch.dropCollection()).toBe(true);
    expect(await scratch.dropCollection()).toBe(false);
    expect(await scratch.listCollections()).not.toContain('scratch');
  });

  test('describeCollection gives what it takes to open an existing collection by name', async () => {
    const any = cosine();
    expect(await any.describeCollection('contract_euclid')).toEqual({
      name: 'contract_euclid',
      dimensions: DIM,
      distance: 'euclid',
    });
    expect(await any.describeCollection('no_such_collection')).toBeNull();
    await expect(any.describeCollection('Bad-Name')).rejects.toBeInstanceOf(ValidationError);
    const reopened = env.repo((await any.describeCollection('contract_dot'))!);
    expect(await reopened.count()).toBe(all.length);
  });

  test('points: upsert, get, getMany, overwrite, delete, deleteMany, count', async () => {
    const r = repo({ name: 'points', dimensions: DIM, distance: 'euclid' });
    expect(
      await r.upsert({ id: 'a', vector: [1, 2, 3, 4], metadata: { k: 'v', deep: { x: [1, null] } } }),
    ).toBeUndefined();
    expect(await r.get('a')).toEqual({ vector: [1, 2, 3, 4], metadata: { k: 'v', deep: { x: [1, null] } } });
    await r.upsert({ id: 'a', vector: [4, 3, 2, 1] });
    expect(await r.get('a')).toEqual({ vector: [4, 3, 2, 1], metadata: {} });
    expect(
      await r.upsertBatch([
        { id: 'b', vector: [0, 0, 0, 1] },
        { id: 'c', vector: [0, 0, 1, 0] },
        { id: 'b', vector: [1, 0, 0, 0] },
      ]),
    ).toBe(2);
    expect((await r.get('b'))!.vector).toEqual([1, 0, 0, 0]); // the last record of a repeated id wins
    expect((await r.getMany(['c', 'nope', 'a'])).map((p) => p?.vector ?? null)).toEqual([
      [0, 0, 1, 0],
      null,
      [4, 3, 2, 1],
    ]);
    expect(await r.count()).toBe(3);
    expect(await r.delete('a')).toBe(true);
    expect(await r.delete('a')).toBe(false);
    expect(await r.deleteMany(['b', 'c', 'zz'])).toBe(2);
    expect(await r.count()).toBe(0);
    expect(await r.get('b')).toBeNull();
  });

  test('cosine vectors are stored normalised, as Qdrant stores them', async () => {
    const stored = (await cosine().get('trend_3'))!.vector;
    const expected = unit(all[3]!.vector);
    for (const [i, x] of stored.entries()) expect(x).toBeCloseTo(expected[i]!, 5);
  });

  test('a large batch stores exactly what single upserts store (float32), metadata intact', async () => {
    const r = repo({ name: 'batch_vs_single', dimensions: DIM, distance: 'euclid' });
    const awkward = all.map((p, i) => ({
      ...p,
      id: `${p.id} ü'"\\;${i}`,
      vector: p.vector.map((x, j) => x * 10 ** (((i + j) % 7) - 3) + 1 / 3),
    }));
    await r.upsertBatch(awkward); // 24 records: the bulk path where an engine has one
    const single = repo({ name: 'batch_vs_single_one', dimensions: DIM, distance: 'euclid' });
    for (const p of awkward) await single.upsert(p);
    const ids = awkward.map((p) => p.id);
    const [bulk, one] = [await r.getMany(ids), await single.getMany(ids)];
    expect(bulk).toEqual(one);
    for (const [i, got] of bulk.entries()) {
      expect(got!.vector.map(Math.fround)).toEqual(awkward[i]!.vector.map(Math.fround)); // float32, exactly
      expect(got!.metadata).toEqual(awkward[i]!.metadata);
    }
  });

  for (const d of ['cosine', 'euclid', 'dot'] as const) {
    test(`search (${d}): best first, scores by Qdrant's definition`, async () => {
      const r = repo({ name: `contract_${d}`, dimensions: DIM, distance: d });
      const q = [0.3, -0.2, 0.5, 0.1];
      const found = await r.search(q, { limit: 5 });
      expect(found.map((f) => f.id)).toEqual(ranked(d, all, q).slice(0, 5));
      for (const f of found) {
        const p = all.find((x) => x.id === f.id)!;
        expect(f.score).toBeCloseTo(score(d, p.vector, q), 4);
        expect(f.metadata).toEqual(p.metadata);
        expect(f.vector).toBeUndefined();
      }
      const withVectors = await r.search(q, { limit: 1, withVectors: true });
      expect(withVectors[0]!.vector).toHaveLength(DIM);
    });
  }

  test('minScore is a floor for similarity and a ceiling for euclidean distance', async () => {
    const q = [0.3, -0.2, 0.5, 0.1];
    const sims = all.map((p) => score('cosine', p.vector, q)).sort((a, b) => b - a);
    const floor = (sims[4]! + sims[5]!) / 2;
    const kept = await cosine().search(q, { limit: 20, minScore: floor });
    expect(kept).toHaveLength(5);
    expect(kept.every((k) => k.score >= floor)).toBe(true);
    const dists = all.map((p) => score('euclid', p.vector, q)).sort((a, b) => a - b);
    const ceiling = (dists[2]! + dists[3]!) / 2;
    const near = await repo({ name: 'contract_euclid', dimensions: DIM, distance: 'euclid' }).search(q, {
      limit: 20,
      minScore: ceiling,
    });
    expect(near).toHaveLength(3);
    expect(near.every((k) => k.score <= ceiling)).toBe(true);
  });

  for (const [name, filter, keep] of FILTERS) {
    test(`filter: ${name}`, async () => {
      const q = [0.1, 0.2, -0.3, 0.4];
      const expected = ranked('cosine', all, q, keep);
      expect(expected.length).toBeGreaterThan(0);
      expect(expected.length).toBeLessThan(all.length);
      expect((await cosine().search(q, { limit: 100, filter })).map((f) => f.id)).toEqual(expected);
      expect(await cosine().count(filter)).toBe(expected.length);
      const scrolled: string[] = [];
      for await (const p of cosine().scroll({ filter, pageSize: 4 })) scrolled.push(p.id);
      expect(scrolled.sort()).toEqual([...expected].sort());
    });
  }

  // Enough points, and a beam narrow enough (ef_search 40), for the planner to cost the HNSW walk
  // below sorting a scan (by a quarter or more here): with 24 points, or 1,000 at ef_search 40, it sorts.
  const many = points(2000);
  for (const d of ['cosine', 'euclid', 'dot'] as const) {
    test.skipIf(!engine.explains)(
      `search (${d}): the HNSW walk, shown by EXPLAIN, returns the exact top 10; a filter below exactSearchBelow is answered exactly`,
      async () => {
        const name = `walked_${d}`;
        // Filters matching 100 points or more walk the graph: at the 5,000 default every filter here
        // would be answered exactly. The index is built after the load, as at the default threshold.
        const r = env.repo(
          { name, dimensions: DIM, distance: d, efSearch: 40 },
          { indexThreshold: many.length, exactSearchBelow: 100 },
        );
        await r.upsertBatch(many);
        // Without statistics the planner puts a jsonb containment filter at 0.1% of the rows and
        // sorts a scan instead; a server's autovacuum gathers them in time, PGlite has no autovacuum.
        await env.plans!.analyze(name);
        const q = [0.3, -0.2, 0.5, 0.1];
        const cases: [string, VectorFilter | undefined, (p: P) => boolean, SearchPath][] = [
          ['no filter', undefined, () => true, 'index'],
          [
            'a third of the points',
            { field: 'category', eq: 'tech' },
            (p) => m(p).category === 'tech',
            'index',
          ],
          [
            'four points: below exactSearchBelow',
            { field: 'n', in: [1, 2, 3, 40] },
            (p) => [1, 2, 3, 40].includes(m(p).n as number),
            'exact',
          ],
        ];
        for (const [what, filter, keep, path] of cases) {
          const expected = ranked(d, many, q, keep).slice(0, 10);
          const walked = await env.plans!.trace(() => r.search(q, { limit: 10, filter }));
          expect(walked.paths, what).toEqual([path]);
          expect(
            walked.result.map((f) => f.id),
            what,
          ).toEqual(expected);
          // The probe tells the paths apart: the same search made exact must not look like a walk.
          const exact = await env.plans!.trace(() => r.search(q, { limit: 10, filter, exact: true }));
          expect(exact.paths, what).toEqual(['exact']);
          expect(
            exact.result.map((f) => f.id),
            what,
          ).toEqual(expected);
        }
      },
    );
  }

  test('deleteByFilter removes exactly the matching points', async () => {
    const r = repo({ name: 'deletable', dimensions: DIM });
    await r.upsertBatch(all);
    expect(await r.deleteByFilter({ field: 'category', eq: 'sports' })).toBe(8);
    expect(await r.count()).toBe(16);
    expect(await r.count({ field: 'category', eq: 'sports' })).toBe(0);
    await expect(r.deleteByFilter(undefined as never)).rejects.toBeInstanceOf(ValidationError);
  });

  test('scroll visits every point exactly once, with vectors', async () => {
    const seen = new Map<string, number>();
    for await (const p of cosine().scroll({ pageSize: 5 })) {
      seen.set(p.id, (seen.get(p.id) ?? 0) + 1);
      expect(p.vector).toHaveLength(DIM);
    }
    expect(seen.size).toBe(all.length);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
  });

  test('payload indexes of every type can be created and filters still hold', async () => {
    const r = cosine();
    for (const [field, type] of [
      ['category', 'keyword'],
      ['n', 'integer'],
      ['half', 'float'],
      ['published', 'datetime'],
      ['flag', 'bool'],
    ] as const) {
      await r.createPayloadIndex(field, { type });
    }
    const q = [0.1, 0.2, -0.3, 0.4];
    const keep = (p: P) => (m(p).half as number) >= 3 && m(p).published! < '2026-11-20';
    const filter: VectorFilter = {
      and: [
        { field: 'half', gte: 3 },
        { field: 'published', lt: '2026-11-20T00:00:00Z' },
      ],
    };
    expect((await r.search(q, { limit: 100, filter })).map((f) => f.id)).toEqual(
      ranked('cosine', all, q, keep),
    );
  });

  test('bad input is a ValidationError and nothing is written', async () => {
    const r = repo({ name: 'guarded', dimensions: DIM });
    await r.upsert({ id: 'ok', vector: [1, 0, 0, 0] });
    const bad: [() => Promise<unknown>, string][] = [
      [() => r.upsert({ id: 'x', vector: [1, 2, 3] }), 'record.vector'],
      [() => r.upsertBatch([{ id: 'x', vector: [1, 2, 3] }]), 'records[0].vector'],
      [() => r.upsert({ id: 'x', vector: [1, 2, 3, Number.NaN] }), 'record.vector[3]'],
      [() => r.upsert({ id: 'x', vector: [1, 2, Number.POSITIVE_INFINITY, 0] }), 'record.vector[2]'],
      [() => r.upsert({ id: 'x', vector: [0, 0, 0, 0] }), 'record.vector'],
      [() => r.upsert({ id: '', vector: [1, 2, 3, 4] }), 'record.id'],
      [() => r.upsert('x' as never), 'record'],
      [
        () =>
          r.upsertBatch([
            { id: 'y', vector: [1, 1, 1, 1] },
            { id: 'z', vector: [1, 1] },
          ]),
        'records[1].vector',
      ],
      [
        () => r.upsert({ id: 'x', vector: [1, 1, 1, 1], metadata: { __trend_id: 'spoof' } }),
        'record.metadata',
      ],
      [() => r.search([1, 2, 3]), 'vector'],
      [() => r.search([1, 2, 3, 4], { limit: 0 }), 'options.limit'],
      [() => r.search([1, 2, 3, 4], { filter: { field: 'a-b', eq: 1 } }), 'options.filter'],
      [() => r.search([1, 2, 3, 4], { filter: { field: "x'); DROP TABLE t; --", eq: 1 } }), 'options.filter'],
      [() => r.search([1, 2, 3, 4], { filter: { field: 'a', eq: 1.5 } }), 'options.filter'],
      [() => r.search([1, 2, 3, 4], { filter: { and: [] } }), 'options.filter'],
      [
        () => r.search([1, 2, 3, 4], { filter: { field: 'a', gt: 1, lt: '2026-01-01T00:00:00Z' } }),
        'options.filter',
      ],
      [() => r.count({ field: 'a', like: 'b' } as never), 'filter'],
      [() => r.createPayloadIndex('bad field', { type: 'keyword' }), 'field'],
      [() => r.createPayloadIndex('ok', { type: 'geo' as never }), 'options.type'],
    ];
    for (const [call, field] of bad) {
      const err = await call().then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, field).toBeInstanceOf(ValidationError);
      expect(
        (err as ValidationError).field.startsWith(field),
        `${field} vs ${(err as ValidationError).field}`,
      ).toBe(true);
    }
    expect(await r.count()).toBe(1);
    expect(() => env.repo({ name: 'Bad-Name' })).toThrow(ValidationError);
  });
}
