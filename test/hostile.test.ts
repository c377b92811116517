// Hostile input, generated (README: "bad input is a ValidationError naming the field and nothing
// is written"). Each run builds a valid case carrying one extreme — 1 MB text, limit-sized arrays,
// emoji, RTL, combining marks, the six characters `\u0000`, SQL and tsquery syntax, text of
// exactly the maximum length — and its twin with exactly one field broken. The valid half must
// succeed, reach the engine and read back as given; the invalid half must fail with this
// library's ValidationError naming the broken field, before any statement is sent. Canaries
// outside what the calls touch must survive. Counts per engine and interface: docs/RELIABILITY.md.
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MemoryCache } from '../src/cache/memory.js';
import { RedisCache } from '../src/cache/redis.js';
import { type CacheRepository, MAX_TTL_SECONDS } from '../src/cache/types.js';
import { ValidationError } from '../src/domain/errors.js';
import type { JsonObject, ProcessedItem, Topic, Trend } from '../src/domain/models.js';
import { createRepositories, type Repositories } from '../src/repositories/index.js';
import type { Storage } from '../src/storage.js';
import { PgVectorRepository } from '../src/vector/pgvector.js';
import { SERVER_URL } from './support/engines.js';
import {
  allBads,
  allExtremes,
  arrayField,
  type Bad,
  brief,
  coverageExamples,
  coverageSize,
  type Field,
  instant,
  MISSING,
  type Model,
  objectField,
  objectPair,
  type Pair,
  type Path,
  quirks,
  seq,
  textField,
  uuidField,
} from './support/hostile-gen.js';
import {
  Counting,
  type Expect,
  expectCovered,
  type HostileEngine,
  invalid,
  pgvectorMissing,
  SQL_ENGINES,
  Tally,
  valid,
} from './support/hostile-harness.js';
import {
  AMOUNT_BADS,
  CACHE_KEY_MAX,
  COLLECTION_NAMES,
  cacheKeyField,
  cacheOptionsField,
  cacheValueField,
  elementBads,
  escapeGlob,
  FILTER_BAD_COUNT,
  FILTER_EXTREME_COUNT,
  FILTER_KINDS,
  type Filter,
  filterPair,
  GUARD_PATTERN_BADS,
  hashFieldsField,
  itemKeyModel,
  itemModel,
  itemSearchModel,
  listBads,
  listPair,
  matches,
  PATTERN_BADS,
  payloadIndexModel,
  pipelineCallModel,
  pluginCallModel,
  recentRunsModel,
  recordBads,
  sideField,
  topicKeywordModel,
  topicModel,
  topicSearchModel,
  topTrendsModel,
  trendFilterModel,
  trendModel,
  trendPatchModel,
  ttlOptionsField,
  vectorField,
  vectorRecordModel,
  vectorSearchOptionsModel,
} from './support/hostile-models.js';
import { REDIS_URL, testPrefix } from './support/redis.js';

/**
 * Random cases per property, on top of the coverage cases (every extreme and every fault once).
 * Lower than elsewhere by default: a case here writes up to megabytes, twice per engine.
 */
const RUNS = Number(process.env.TREND_PROPERTY_RUNS ?? 30);
/** Stop at the first failure: shrinking replays database work and megabyte values, and the report already names the field. */
const ASSERT = { numRuns: RUNS, endOnFailure: true } as const;
const TIMEOUT = 600_000;

type Obj = Record<string, unknown>;

/**
 * fast-check options: RUNS random cases after `n` that together carry every extreme and fault
 * (fast-check counts examples among the runs, hence the sum).
 */
function withExamples<T>(n: number, run: (o: { e?: number; b?: number }) => fc.Arbitrary<T>) {
  const examples = coverageExamples(n, (j) => run({ e: j, b: j })).map((x): [T] => [x]);
  return { ...ASSERT, numRuns: RUNS + examples.length, examples };
}

/** What a case's fault must be reported as, under the parameter the call gives it. */
const want = (p: Pair<unknown>, param?: string, orField?: string): Expect => ({
  field: param === undefined ? p.fault.path : [...param.split('.'), ...p.fault.path],
  kind: p.fault.kind,
  key: p.fault.key,
  orField,
});

/** The names objectPair gives a call model's extremes and faults, for the coverage check. */
function kindsOf(
  model: Model,
  objectBads: Bad[] = [],
  list?: Bad[],
): { extremes: string[]; faults: string[] } {
  return {
    extremes: allExtremes(model).map((e) => `${e.field}: ${e.tag}`),
    faults: [
      ...allBads(model).map((b) => `${b.field}: ${b.kind}`),
      ...objectBads.map((b) => b.kind),
      ...(list ?? []).map((b) => `list: ${b.kind}`),
    ],
  };
}

const arg = (v: unknown) => (v === MISSING ? undefined : v);

/** Compares what was stored with what was given, reporting long values briefly. */
function same(what: string, got: unknown, given: unknown): void {
  if (isDeepStrictEqual(got, given)) return;
  let where = '';
  if (typeof got === 'string' && typeof given === 'string') {
    let i = 0;
    while (i < got.length && got[i] === given[i]) i++;
    where = ` (first difference at index ${i} of ${given.length})`;
  }
  throw new Error(`${what}: read back ${brief(got)}, given ${brief(given)}${where}`);
}

/**
 * JSON as stored: generated objects may have a null prototype (fast-check makes some, and so do
 * some parsers), which the library accepts and reads back as plain objects.
 */
const asJson = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

const ZERO_METRICS = { upvotes: 0, downvotes: 0, comments: 0, shares: 0, views: 0, score: 0 };

function expectItem(got: ProcessedItem | null, it: Obj): void {
  expect(got, 'the saved item reads back').not.toBeNull();
  const g = got!;
  const label = `item ${brief(it.sourceId)}`;
  same(`${label} source`, g.source, it.source);
  same(`${label} sourceId`, g.sourceId, it.sourceId);
  same(`${label} url`, g.url, it.url);
  same(`${label} title`, g.title, it.title);
  same(`${label} description`, g.description, it.description ?? null);
  same(`${label} content`, g.content, it.content ?? null);
  same(`${label} author`, g.author, it.author ?? null);
  same(`${label} language`, g.language, it.language ?? 'en');
  same(`${label} category`, g.category, it.category ?? null);
  if (it.titleNormalized !== undefined)
    same(`${label} titleNormalized`, g.titleNormalized, it.titleNormalized);
  if (typeof it.contentNormalized === 'string')
    same(`${label} contentNormalized`, g.contentNormalized, it.contentNormalized);
  same(`${label} publishedAt`, g.publishedAt.toISOString(), new Date(instant(it.publishedAt)).toISOString());
  if (it.collectedAt !== undefined)
    same(
      `${label} collectedAt`,
      g.collectedAt.toISOString(),
      new Date(instant(it.collectedAt)).toISOString(),
    );
  same(`${label} metrics`, g.metrics, { ...ZERO_METRICS, ...(it.metrics as Obj) });
  same(`${label} metadata`, g.metadata, asJson(it.metadata ?? {}));
  if (it.id !== undefined) same(`${label} id`, g.id, String(it.id).toLowerCase());
}

function expectTopic(g: Topic | null, t: Obj): void {
  expect(g, 'the saved topic reads back').not.toBeNull();
  const label = `topic ${brief(t.title)}`;
  same(`${label} title`, g!.title, t.title);
  same(`${label} summary`, g!.summary, t.summary);
  same(`${label} category`, g!.category, t.category);
  same(`${label} sources`, g!.sources, t.sources ?? []);
  same(`${label} itemCount`, g!.itemCount, t.itemCount ?? 0);
  same(`${label} totalEngagement`, g!.totalEngagement, { ...ZERO_METRICS, ...(t.totalEngagement as Obj) });
  same(`${label} language`, g!.language, t.language ?? 'en');
  same(`${label} keywords`, g!.keywords, t.keywords ?? []);
  same(`${label} metadata`, g!.metadata, asJson(t.metadata ?? {}));
  if (t.firstSeen !== undefined)
    same(`${label} firstSeen`, g!.firstSeen.toISOString(), new Date(instant(t.firstSeen)).toISOString());
}

/** The trend's stored fields equal `t`'s — all of them, or only those a patch names. */
function expectTrend(g: Trend | null, t: Obj, only?: string[]): void {
  expect(g, 'the saved trend reads back').not.toBeNull();
  const label = `trend ${brief(t.title ?? g!.title)}`;
  const check = (field: string, got: unknown, given: unknown) => {
    if (!only || only.includes(field)) same(`${label} ${field}`, got, given);
  };
  const iso = (v: unknown) => new Date(instant(v)).toISOString();
  check('topicId', g!.topicId, t.topicId);
  check('rank', g!.rank, t.rank);
  check('title', g!.title, t.title);
  check('summary', g!.summary, t.summary);
  check('keyPoints', g!.keyPoints, t.keyPoints ?? []);
  check('category', g!.category, t.category);
  check('state', g!.state, t.state ?? 'emerging');
  check('score', g!.score, t.score);
  check('sources', g!.sources, t.sources ?? []);
  check('itemCount', g!.itemCount, t.itemCount ?? 0);
  check('totalEngagement', g!.totalEngagement, { ...ZERO_METRICS, ...(t.totalEngagement as Obj) });
  check('velocity', g!.velocity, t.velocity ?? 0);
  if (t.firstSeen !== undefined) check('firstSeen', g!.firstSeen.toISOString(), iso(t.firstSeen));
  if (t.peakEngagementAt !== undefined)
    check(
      'peakEngagementAt',
      g!.peakEngagementAt?.toISOString() ?? null,
      t.peakEngagementAt === null ? null : iso(t.peakEngagementAt),
    );
  check('language', g!.language, t.language ?? 'en');
  check('keywords', g!.keywords, t.keywords ?? []);
  check(
    'relatedTrendIds',
    g!.relatedTrendIds,
    ((t.relatedTrendIds ?? []) as string[]).map((id) => id.toLowerCase()),
  );
  check('metadata', g!.metadata, asJson(t.metadata ?? {}));
}

/** Every row a trend search returns satisfies the filter's conditions. */
function expectWithinFilter(rows: Trend[], f: Obj): void {
  const has = (xs: unknown, any: unknown) => (any as unknown[]).some((x) => (xs as unknown[]).includes(x));
  for (const r of rows) {
    const why = `trend ${r.id} returned for filter ${brief(f)}`;
    if (f.category !== undefined) expect(r.category, why).toBe(f.category);
    if (f.state !== undefined) expect(r.state, why).toBe(f.state);
    if (f.language !== undefined) expect(r.language, why).toBe(f.language);
    if (f.minScore !== undefined) expect(r.score, why).toBeGreaterThanOrEqual(f.minScore as number);
    if (f.maxScore !== undefined) expect(r.score, why).toBeLessThanOrEqual(f.maxScore as number);
    if (f.sources !== undefined) expect(has(r.sources, f.sources), why).toBe(true);
    if (f.keywords !== undefined) expect(has(r.keywords, f.keywords), why).toBe(true);
    if (f.dateFrom !== undefined)
      expect(r.firstSeen.getTime(), why).toBeGreaterThanOrEqual(instant(f.dateFrom));
    if (f.dateTo !== undefined) expect(r.firstSeen.getTime(), why).toBeLessThanOrEqual(instant(f.dateTo));
  }
  expect(rows.length).toBeLessThanOrEqual((f.limit as number | undefined) ?? 100);
}

// ---------------------------------------------------------------------------------------------
// SQL repositories and pgvector, per engine

interface Canaries {
  item: ProcessedItem;
  topic: Topic;
  trend: Trend;
  plugin: unknown;
  run: unknown;
  vector: unknown;
}

function sqlSuite(engine: HostileEngine): void {
  let storage: Storage;
  let dispose: () => Promise<void>;
  let repos: Repositories;
  let parentTopic: string;
  let canaries: Canaries;
  const sent = { n: 0 };
  const tallies = new Map<string, Tally>();
  const tally = (name: string) => {
    if (!tallies.has(name)) tallies.set(name, new Tally());
    return tallies.get(name)!;
  };
  const vectorCanary = () => storage.vectors({ name: 'canary_vectors', dimensions: 3 });

  beforeAll(async () => {
    quirks.leadingBom = engine.name !== 'pglite';
    ({ storage, dispose } = await engine.open());
    repos = createRepositories(new Counting(storage.db, sent));
    // Canaries: a table outside the schema, and a row of every table no call below touches.
    await storage.db.exec(`CREATE TABLE canary (v text); INSERT INTO canary VALUES ('alive')`);
    const itemId = await storage.items.save({
      source: 'custom',
      sourceId: 'canary',
      url: 'https://canary.example/',
      title: 'canary',
      publishedAt: '2026-01-01T00:00:00Z',
      metadata: { alive: true },
    });
    const topicId = await storage.topics.save({
      title: 'canary',
      summary: 'canary',
      category: 'Other',
      keywords: ['canary'],
    });
    const trendId = await storage.trends.save({
      topicId,
      rank: 1,
      title: 'canary',
      summary: 'canary',
      category: 'Other',
      score: 1,
    });
    await storage.pluginHealth.recordRun('canary', { success: false, error: 'canary' });
    const runId = await storage.pipelineRuns.start({ metadata: { canary: true } });
    parentTopic = await storage.topics.save({
      title: 'parent of generated trends',
      summary: '',
      category: 'Technology',
    });
    canaries = {
      item: (await storage.items.get(itemId))!,
      topic: (await storage.topics.get(topicId))!,
      trend: (await storage.trends.get(trendId))!,
      plugin: await storage.pluginHealth.get('canary'),
      run: await storage.pipelineRuns.get(runId),
      vector: null,
    };
  }, 120_000);

  afterAll(async () => {
    if (!storage) return;
    try {
      expect(await storage.db.query('SELECT v FROM canary')).toEqual([{ v: 'alive' }]);
      expect(await storage.items.get(canaries.item.id)).toEqual(canaries.item);
      expect(await storage.topics.get(canaries.topic.id)).toEqual(canaries.topic);
      expect(await storage.trends.get(canaries.trend.id)).toEqual(canaries.trend);
      expect(await storage.pluginHealth.get('canary')).toEqual(canaries.plugin);
      expect(await storage.pipelineRuns.get((canaries.run as { id: string }).id)).toEqual(canaries.run);
      if (canaries.vector) expect(await vectorCanary().get('canary')).toEqual(canaries.vector);
      for (const [name, t] of tallies) console.log(t.line(engine.name, name));
      console.log(
        `hostile input [${engine.name}]: canary table and canary rows (item, topic, trend, plugin, run${canaries.vector ? ', vector' : ''}) intact`,
      );
    } finally {
      await dispose();
    }
  }, 120_000);

  test(
    'items: saveBatch, save, existsMany and search',
    async () => {
      const model = itemModel();
      const keys: Model = {
        keys: arrayField(objectField(itemKeyModel()), { max: 100_000, extreme: 10_000 }),
      };
      const search: Model = { search: objectField(itemSearchModel(), { strict: true }) };
      const n = Math.max(
        coverageSize(model, [...elementBads, ...listBads]),
        coverageSize(keys),
        coverageSize(search),
      );
      const run = (o: { e?: number; b?: number } = {}) =>
        fc.tuple(listPair(model, { ...o, maxSize: 4 }), objectPair(keys, o), objectPair(search, o));
      const [tBatch, tSave, tKeys, tSearch] = [
        tally('items.saveBatch'),
        tally('items.save'),
        tally('items.existsMany'),
        tally('items.search'),
      ];

      await fc.assert(
        fc.asyncProperty(run(), async ([batch, k, s]) => {
          // Refused whole, naming the field, before anything is sent; then nothing is stored.
          await invalid(
            tBatch,
            'items.saveBatch',
            () => repos.items.saveBatch(batch.invalid as never),
            want(batch, 'items'),
            { sent, input: batch.invalid },
          );
          const [i, ...inItem] = batch.fault.path;
          if (typeof i === 'number') {
            const one = (batch.invalid as unknown[])[i];
            await invalid(
              tSave,
              'items.save',
              () => repos.items.save(one as never),
              { ...want(batch), field: ['item', ...inItem] },
              { sent, input: one },
            );
          }
          const itemKeys = batch.valid.map((it) => ({ source: it.source, sourceId: it.sourceId }));
          expect(await repos.items.existsMany(itemKeys as never), 'a refused batch stores nothing').toEqual(
            itemKeys.map(() => false),
          );
          const saved = await valid(
            tBatch,
            'items.saveBatch',
            () => repos.items.saveBatch(batch.valid as never),
            { sent, extreme: batch.extreme, input: batch.valid },
          );
          expect(saved.inserted).toBe(batch.valid.length);
          for (const [j, it] of batch.valid.entries()) expectItem(await repos.items.get(saved.ids[j]!), it);
          expect(await repos.items.existsMany(itemKeys as never)).toEqual(itemKeys.map(() => true));
          // The same item again through save(): an upsert that changes nothing, same id.
          const again = batch.valid[batch.valid.length - 1]!;
          expect(
            await valid(tSave, 'items.save', () => repos.items.save(again as never), { sent, input: again }),
          ).toBe(saved.ids[batch.valid.length - 1]);
          await invalid(
            tKeys,
            'items.existsMany',
            () => repos.items.existsMany(arg((k.invalid as Obj).keys) as never),
            want(k),
            { sent, input: k.invalid },
          );
          const probe = k.valid.keys as unknown[];
          const found = await valid(tKeys, 'items.existsMany', () => repos.items.existsMany(probe as never), {
            sent,
            mustSend: probe.length ? 1 : 0,
            extreme: k.extreme,
            input: probe,
          });
          expect(found).toHaveLength(probe.length);
          await invalid(
            tSearch,
            'items.search',
            () => repos.items.search(arg((s.invalid as Obj).search) as never),
            want(s),
            { sent, input: s.invalid },
          );
          const q = s.valid.search as Obj;
          const rows = await valid(tSearch, 'items.search', () => repos.items.search(q as never), {
            sent,
            extreme: s.extreme,
            input: q,
          });
          for (const r of rows) {
            if (q.source) expect(r.source).toBe(q.source);
            if (q.language) expect(r.language).toBe(q.language);
            if (q.category) expect(r.category).toBe(q.category);
            if (q.publishedFrom)
              expect(r.publishedAt.getTime()).toBeGreaterThanOrEqual(instant(q.publishedFrom));
            if (q.publishedTo) expect(r.publishedAt.getTime()).toBeLessThanOrEqual(instant(q.publishedTo));
          }
          expect(rows.length).toBeLessThanOrEqual((q.limit as number | undefined) ?? 20);
        }),
        withExamples(n, run),
      );

      // Two chunks of the upsert in one transaction, every row hostile.
      const big = fc.sample(listPair(model, { maxSize: 1, bigList: 2001 }), { numRuns: 1, seed: 42 })[0]!;
      const res = await valid(
        tBatch,
        'items.saveBatch (2,001 items)',
        () => repos.items.saveBatch(big.valid as never),
        { sent, mustSend: 2 },
      );
      expect(res.inserted).toBe(2001);
      expect(
        await repos.items.existsMany(
          big.valid.map((it) => ({ source: it.source, sourceId: it.sourceId })) as never,
        ),
      ).toEqual(big.valid.map(() => true));

      expectCovered(
        tBatch,
        [...kindsOf(model).extremes.map((e) => e)],
        kindsOf(model, elementBads, listBads).faults,
      );
      expectCovered(tKeys, kindsOf(keys).extremes, kindsOf(keys).faults);
      expectCovered(tSearch, kindsOf(search).extremes, kindsOf(search).faults);
    },
    TIMEOUT,
  );

  test(
    'topics: save, search and getByKeyword',
    async () => {
      const save: Model = { topic: objectField(topicModel()) };
      const search: Model = { search: objectField(topicSearchModel(), { strict: true }) };
      const byKeyword = topicKeywordModel();
      const n = Math.max(coverageSize(save), coverageSize(search), coverageSize(byKeyword));
      const run = (o: { e?: number; b?: number } = {}) =>
        fc.tuple(objectPair(save, o), objectPair(search, o), objectPair(byKeyword, o));
      const [tSave, tSearch, tKeyword] = [
        tally('topics.save'),
        tally('topics.search'),
        tally('topics.getByKeyword'),
      ];

      await fc.assert(
        fc.asyncProperty(run(), async ([t, s, k]) => {
          await invalid(
            tSave,
            'topics.save',
            () => repos.topics.save(arg((t.invalid as Obj).topic) as never),
            want(t),
            { sent, input: t.invalid },
          );
          const topic = t.valid.topic as Obj;
          const id = await valid(tSave, 'topics.save', () => repos.topics.save(topic as never), {
            sent,
            extreme: t.extreme,
            input: topic,
          });
          expectTopic(await repos.topics.get(id), topic);
          const kw = (topic.keywords as string[] | undefined)?.[0];
          if (kw !== undefined) {
            const tagged = await valid(
              tKeyword,
              'topics.getByKeyword',
              () => repos.topics.getByKeyword(kw, { limit: 1000 }),
              { sent, input: kw },
            );
            expect(
              tagged.map((x) => x.id),
              `getByKeyword(${brief(kw)}) finds the topic just saved`,
            ).toContain(id);
          }

          await invalid(
            tSearch,
            'topics.search',
            () => repos.topics.search(arg((s.invalid as Obj).search) as never),
            want(s),
            { sent, input: s.invalid },
          );
          const q = s.valid.search as Obj;
          const rows = await valid(tSearch, 'topics.search', () => repos.topics.search(q as never), {
            sent,
            extreme: s.extreme,
            input: q,
          });
          for (const r of rows) {
            if (q.category) expect(r.category).toBe(q.category);
            if (q.language) expect(r.language).toBe(q.language);
          }

          const ki = k.invalid as Obj;
          await invalid(
            tKeyword,
            'topics.getByKeyword',
            () => repos.topics.getByKeyword(arg(ki.keyword) as never, arg(ki.options) as never),
            want(k),
            { sent, input: ki },
          );
          const keyword = k.valid.keyword as string;
          const keywordHits = await valid(
            tKeyword,
            'topics.getByKeyword',
            () => repos.topics.getByKeyword(keyword, k.valid.options as never),
            { sent, extreme: k.extreme, input: k.valid },
          );
          const limit = ((k.valid.options ?? {}) as Obj).limit as number | undefined;
          expect(keywordHits.length).toBeLessThanOrEqual(limit ?? 10);
          for (const x of keywordHits)
            expect(x.keywords, `getByKeyword(${brief(keyword)})`).toContain(keyword);
        }),
        withExamples(n, run),
      );
      expectCovered(tSave, kindsOf(save).extremes, kindsOf(save).faults);
      expectCovered(tSearch, kindsOf(search).extremes, kindsOf(search).faults);
      expectCovered(tKeyword, kindsOf(byKeyword).extremes, kindsOf(byKeyword).faults);
    },
    TIMEOUT,
  );

  test(
    'trends: save, update, and search and count by filter',
    async () => {
      const save: Model = { trend: objectField(trendModel(parentTopic)) };
      const update: Model = {
        id: uuidField(),
        patch: objectField(trendPatchModel(parentTopic), { strict: true }),
      };
      const filter: Model = { filter: objectField(trendFilterModel(), { strict: true }) };
      const top = topTrendsModel();
      const n = Math.max(coverageSize(save), coverageSize(update), coverageSize(filter), coverageSize(top));
      const run = (o: { e?: number; b?: number } = {}) =>
        fc.tuple(objectPair(save, o), objectPair(update, o), objectPair(filter, o), objectPair(top, o));
      const [tSave, tUpdate, tFilter, tTop] = [
        tally('trends.save'),
        tally('trends.update'),
        tally('trends.search/count'),
        tally('trends.getTopTrends'),
      ];

      await fc.assert(
        fc.asyncProperty(run(), async ([t, u, f, g]) => {
          await invalid(
            tSave,
            'trends.save',
            () => repos.trends.save(arg((t.invalid as Obj).trend) as never),
            want(t),
            { sent, input: t.invalid },
          );
          const trend = t.valid.trend as Obj;
          const id = await valid(tSave, 'trends.save', () => repos.trends.save(trend as never), {
            sent,
            extreme: t.extreme,
            input: trend,
          });
          const stored = await repos.trends.get(id);
          expectTrend(stored, trend);

          // The trend is found by a filter made of its own values (hostile keywords included).
          const own: Obj = {
            category: stored!.category,
            state: stored!.state,
            language: stored!.language,
            minScore: stored!.score,
            maxScore: stored!.score,
            dateFrom: stored!.firstSeen,
            // Read back to the millisecond, stored to the microsecond.
            dateTo: new Date(
              Math.min(stored!.firstSeen.getTime() + 1, Date.parse('9999-12-31T23:59:59.999Z')),
            ),

            limit: 1000,
          };
          if (stored!.keywords.length) own.keywords = stored!.keywords.slice(0, 100);
          if (stored!.sources.length) own.sources = stored!.sources;
          const mine = await valid(tFilter, 'trends.search', () => repos.trends.search(own as never), {
            sent,
            input: own,
          });
          expect(
            mine.map((r) => r.id),
            `a filter of the trend's own values finds it: ${brief(own)}`,
          ).toContain(id);

          const ui = u.invalid as Obj;
          await invalid(
            tUpdate,
            'trends.update',
            () => repos.trends.update(arg(ui.id) as never, arg(ui.patch) as never),
            want(u),
            { sent, input: ui },
          );
          const patch = u.valid.patch as Obj;
          expect(
            await valid(tUpdate, 'trends.update', () => repos.trends.update(id, patch as never), {
              sent,
              extreme: u.extreme,
              input: patch,
            }),
          ).toBe(true);
          expectTrend(await repos.trends.get(id), { ...trend, ...patch }, Object.keys(patch));

          const fi = (f.invalid as Obj).filter;
          await invalid(tFilter, 'trends.search', () => repos.trends.search(arg(fi) as never), want(f), {
            sent,
            input: fi,
          });
          await invalid(tFilter, 'trends.count', () => repos.trends.count(arg(fi) as never), want(f), {
            sent,
            input: fi,
          });
          const q = f.valid.filter as Obj;
          const rows = await valid(tFilter, 'trends.search', () => repos.trends.search(q as never), {
            sent,
            extreme: f.extreme,
            input: q,
          });
          expectWithinFilter(rows, q);
          const count = await valid(tFilter, 'trends.count', () => repos.trends.count(q as never), {
            sent,
            input: q,
          });
          if (!q.offset)
            expect(rows.length, `count ${count} vs search`).toBe(
              Math.min(count, (q.limit as number | undefined) ?? 100),
            );

          const gi = g.invalid as Obj;
          await invalid(
            tTop,
            'trends.getTopTrends',
            () => repos.trends.getTopTrends(arg(gi.options) as never),
            want(g),
            { sent, input: gi },
          );
          const topOptions = (g.valid.options ?? {}) as Obj;
          const best = await valid(
            tTop,
            'trends.getTopTrends',
            () => repos.trends.getTopTrends(g.valid.options as never),
            { sent, extreme: g.extreme, input: topOptions },
          );
          expect(best.length).toBeLessThanOrEqual((topOptions.limit as number | undefined) ?? 10);
          for (const [j, r] of best.entries()) {
            const why = `getTopTrends(${brief(topOptions)}) returned ${r.id}`;
            if (topOptions.category !== undefined) expect(r.category, why).toBe(topOptions.category);
            if (topOptions.dateFrom !== undefined)
              expect(r.firstSeen.getTime(), why).toBeGreaterThanOrEqual(instant(topOptions.dateFrom));
            const prev = best[j - 1];
            if (prev)
              expect(
                prev.rank < r.rank || (prev.rank === r.rank && prev.score >= r.score),
                `${why}: ranked after ${prev.id} (rank ${prev.rank}, score ${prev.score}) with rank ${r.rank}, score ${r.score}`,
              ).toBe(true);
          }
        }),
        withExamples(n, run),
      );
      expectCovered(tSave, kindsOf(save).extremes, kindsOf(save).faults);
      expectCovered(
        tUpdate,
        kindsOf(update).extremes.filter((e) => !e.startsWith('id:')),
        kindsOf(update).faults,
      );
      expectCovered(tFilter, kindsOf(filter).extremes, kindsOf(filter).faults);
      expectCovered(tTop, kindsOf(top).extremes, kindsOf(top).faults);
    },
    TIMEOUT,
  );

  test(
    'plugin health and pipeline runs',
    async () => {
      const plugin = pluginCallModel();
      const pipeline: Model = { id: uuidField(), ...pipelineCallModel() };
      const recent = recentRunsModel();
      const n = Math.max(coverageSize(plugin), coverageSize(pipeline), coverageSize(recent));
      const run = (o: { e?: number; b?: number } = {}) =>
        fc.tuple(objectPair(plugin, o), objectPair(pipeline, o), objectPair(recent, o));
      const [tPlugin, tPipeline, tRecent] = [
        tally('pluginHealth.recordRun'),
        tally('pipelineRuns.start/complete'),
        tally('pipelineRuns.listRecent'),
      ];

      await fc.assert(
        fc.asyncProperty(run(), async ([p, r, l]) => {
          const pi = p.invalid as Obj;
          await invalid(
            tPlugin,
            'pluginHealth.recordRun',
            () => repos.pluginHealth.recordRun(arg(pi.name) as never, arg(pi.run) as never),
            want(p),
            { sent, input: pi },
          );
          if (typeof pi.name === 'string' && pi.name.length <= 100)
            expect(
              await repos.pluginHealth.get(pi.name).catch(() => null),
              'a refused run records nothing',
            ).toBeNull();
          const name = p.valid.name as string;
          const run = p.valid.run as Obj;
          const health = await valid(
            tPlugin,
            'pluginHealth.recordRun',
            () => repos.pluginHealth.recordRun(name, run as never),
            { sent, extreme: p.extreme, input: p.valid },
          );
          const back = await repos.pluginHealth.get(name);
          expect(back).toEqual(health);
          same('plugin name', back!.name, name);
          same('plugin lastError', back!.lastError, run.success ? null : (run.error ?? null));
          expect(back!.totalRuns).toBe(1);
          if (run.at !== undefined)
            same('plugin lastRunAt', back!.lastRunAt!.toISOString(), new Date(instant(run.at)).toISOString());

          const ri = r.invalid as Obj;
          const [param] = r.fault.path;
          if (param === 'options') {
            await invalid(
              tPipeline,
              'pipelineRuns.start',
              () => repos.pipelineRuns.start(arg(ri.options) as never),
              want(r),
              { sent, input: ri },
            );
          } else {
            const opened = await repos.pipelineRuns.start();
            await invalid(
              tPipeline,
              'pipelineRuns.complete',
              () =>
                repos.pipelineRuns.complete(
                  param === 'id' ? (arg(ri.id) as never) : opened,
                  arg(ri.result) as never,
                ),
              want(r),
              { sent, input: ri },
            );
            expect((await repos.pipelineRuns.get(opened))!.status, 'a refused result changes nothing').toBe(
              'in_progress',
            );
          }
          const result = (r.valid.result ?? {}) as Obj;
          const startOptions = r.valid.options as Obj | undefined;
          const id = await valid(
            tPipeline,
            'pipelineRuns.start',
            () => repos.pipelineRuns.start(startOptions as never),
            { sent, input: startOptions },
          );
          expect(
            await valid(
              tPipeline,
              'pipelineRuns.complete',
              () => repos.pipelineRuns.complete(id, r.valid.result as never),
              { sent, extreme: r.extreme, input: result },
            ),
          ).toBe(true);
          const stored = await repos.pipelineRuns.get(id);
          same('run metadata', stored!.metadata, asJson(startOptions?.metadata ?? {}));
          same('run status', stored!.status, result.status ?? 'completed');
          same('run errors', stored!.errors, result.errors ?? []);
          for (const c of [
            'itemsCollected',
            'itemsProcessed',
            'itemsDeduplicated',
            'topicsCreated',
            'trendsCreated',
          ] as const)
            same(`run ${c}`, stored![c], result[c] ?? 0);
          if (result.durationSeconds !== undefined)
            same('run durationSeconds', stored!.durationSeconds, result.durationSeconds);

          const li = l.invalid as Obj;
          await invalid(
            tRecent,
            'pipelineRuns.listRecent',
            () => repos.pipelineRuns.listRecent(arg(li.options) as never),
            want(l),
            { sent, input: li },
          );
          const recentOptions = (l.valid.options ?? {}) as Obj;
          const runs = await valid(
            tRecent,
            'pipelineRuns.listRecent',
            () => repos.pipelineRuns.listRecent(l.valid.options as never),
            { sent, extreme: l.extreme, input: recentOptions },
          );
          expect(runs.length).toBeLessThanOrEqual((recentOptions.limit as number | undefined) ?? 20);
          for (const [j, x] of runs.entries()) {
            if (recentOptions.status !== undefined) expect(x.status).toBe(recentOptions.status);
            if (j > 0) expect(runs[j - 1]!.startedAt.getTime()).toBeGreaterThanOrEqual(x.startedAt.getTime());
          }
          // Newest first: the run just completed started last, so when its status passes it is listed,
          // unless the list is full of runs that started at the same instant (PGlite's clock is coarse).
          if (
            (recentOptions.status === undefined || recentOptions.status === stored!.status) &&
            !runs.some((x) => x.id === id)
          ) {
            const limit = (recentOptions.limit as number | undefined) ?? 20;
            expect(runs.length, `listRecent(${brief(recentOptions)}) leaves out the newest run`).toBe(limit);
            for (const x of runs)
              expect(x.startedAt.getTime()).toBeGreaterThanOrEqual(stored!.startedAt.getTime());
          }
        }),
        withExamples(n, run),
      );
      expectCovered(tPlugin, kindsOf(plugin).extremes, kindsOf(plugin).faults);
      expectCovered(
        tPipeline,
        kindsOf(pipeline).extremes.filter((e) => !e.startsWith('id:')),
        kindsOf(pipeline).faults,
      );
      expectCovered(tRecent, kindsOf(recent).extremes, kindsOf(recent).faults);
    },
    TIMEOUT,
  );

  test(
    'vectors (pgvector): ids, payloads, filters, search options, collection names',
    async (ctx) => {
      const missing = await pgvectorMissing(storage.db);
      if (missing) {
        if (process.env.TREND_TEST_PGVECTOR === 'required')
          throw new Error(`pgvector is required but missing: ${missing}`);
        console.log(
          `SKIPPED: hostile vector input [${engine.name}] — CREATE EXTENSION vector fails (${missing})`,
        );
        ctx.skip();
        return;
      }
      const canary = vectorCanary();
      expect(
        await canary.upsert({ id: 'canary', vector: [1, 2, 3], metadata: { alive: true } }),
      ).toBeUndefined();
      canaries.vector = await canary.get('canary');

      const repo = new PgVectorRepository(
        new Counting(storage.db, sent),
        storage.vectors({ name: 'hostile', dimensions: 3 }).config,
      );
      await repo.ensureCollection();
      const stored = new Map<string, Obj>();
      const records = vectorRecordModel();
      const search: Model = {
        vector: vectorField(),
        // null options mean the defaults, as undefined does.
        options: objectField(vectorSearchOptionsModel(), { strict: true, optional: true, nullable: true }),
      };
      const ids: Model = { id: textField({ min: 1, max: 256, atMax: true, kinds: true }) };
      const index = payloadIndexModel();
      const n = Math.max(
        coverageSize(records, [...recordBads, ...listBads]),
        FILTER_EXTREME_COUNT,
        FILTER_BAD_COUNT,
        coverageSize(search),
        coverageSize(ids),
        coverageSize(index),
      );
      const run = (o: { e?: number; b?: number } = {}) =>
        fc.tuple(
          listPair(records, { ...o, maxSize: 20, elements: recordBads }),
          filterPair(o),
          objectPair(search, o),
          objectPair(ids, o),
          objectPair(index, o),
          fc.nat(3),
        );
      const [tRec, tUpsert, tFilter, tSearch, tIds, tIndex, tNames] = [
        tally('vectors.upsertBatch'),
        tally('vectors.upsert'),
        tally('vectors.filter (count/search/deleteByFilter)'),
        tally('vectors.search'),
        tally('vectors.get/getMany/delete ids'),
        tally('vectors.createPayloadIndex'),
        tally('vectors collection names'),
      ];
      const q = [1, 0.5, -0.25];
      const expected = (f: Filter) =>
        [...stored]
          .filter(([, m]) => matches(f, m))
          .map(([id]) => id)
          .sort();

      await fc.assert(
        fc.asyncProperty(run(), async ([batch, f, s, idc, pix, dice]) => {
          await invalid(
            tRec,
            'vectors.upsertBatch',
            () => repo.upsertBatch(batch.invalid as never),
            want(batch, 'records'),
            { sent, input: batch.invalid },
          );
          const [i, ...inRecord] = batch.fault.path;
          if (typeof i === 'number') {
            // upsert(record) takes the record upsertBatch takes, named `record`.
            const one = (batch.invalid as unknown[])[i];
            await invalid(
              tUpsert,
              'vectors.upsert',
              () => repo.upsert(one as never),
              { ...want(batch), field: ['record', ...inRecord] },
              { sent, input: one },
            );
          }
          const batchIds = batch.valid.map((r) => r.id as string);
          expect(await repo.getMany(batchIds), 'a refused batch stores nothing').toEqual(
            batchIds.map(() => null),
          );
          expect(
            await valid(tRec, 'vectors.upsertBatch', () => repo.upsertBatch(batch.valid as never), {
              sent,
              extreme: batch.extreme,
              input: batch.valid,
            }),
          ).toBe(batch.valid.length);
          const back = await repo.getMany(batchIds);
          for (const [j, r] of batch.valid.entries()) {
            const v = r.vector as number[];
            const norm = Math.hypot(...v);
            const unit = v.map((x) => x / norm);
            same(`vector ${brief(r.id)} metadata`, back[j]!.metadata, asJson(r.metadata ?? {}));
            for (const [d, x] of back[j]!.vector.entries())
              expect(Math.abs(x - unit[d]!), `vector ${brief(r.id)}[${d}]`).toBeLessThan(1e-6);
            stored.set(r.id as string, (r.metadata ?? {}) as Obj);
          }
          const last = batch.valid[batch.valid.length - 1]!;
          expect(
            await valid(tUpsert, 'vectors.upsert', () => repo.upsert(last as never), { sent, input: last }),
            'vectors.upsert returns nothing',
          ).toBeUndefined();
          // Each filter condition reads the whole payload again, so a large payload under a filter
          // of many values takes seconds or exhausts PGlite's memory (a known problem, in the
          // report and docs/RELIABILITY.md): large payloads leave once read back.
          for (const r of batch.valid) {
            if (JSON.stringify(r.metadata ?? {}).length > 10_000) {
              expect(await repo.delete(r.id as string)).toBe(true);
              stored.delete(r.id as string);
            }
          }

          // Filters: refused at every entry point, naming the filter; valid ones match as documented.
          const fi = f.invalid;
          await invalid(
            tFilter,
            'vectors.count',
            () => repo.count(fi as never),
            want(f, 'filter', 'filter'),
            { sent, input: fi },
          );
          await invalid(
            tFilter,
            'vectors.search',
            () => repo.search(q, { filter: fi as never, limit: 10 }),
            want(f, 'options.filter', 'options.filter'),
            { sent, input: fi },
          );
          await invalid(
            tFilter,
            'vectors.deleteByFilter',
            () => repo.deleteByFilter(fi as never),
            want(f, 'filter', 'filter'),
            { sent, input: fi },
          );
          const matching = expected(f.valid);
          const label = `filter ${brief(f.valid)}`;
          expect(
            await valid(tFilter, 'vectors.count', () => repo.count(f.valid as never), {
              sent,
              extreme: f.extreme,
              input: f.valid,
            }),
            `count, ${label}`,
          ).toBe(matching.length);
          const hits = await valid(
            tFilter,
            'vectors.search',
            () => repo.search(q, { filter: f.valid as never, limit: 1000 }),
            { sent, input: f.valid },
          );
          expect(hits.length, `search, ${label}`).toBe(Math.min(matching.length, 1000));
          const matched = new Set(matching);
          expect(
            hits.filter((h) => !matched.has(h.id)).map((h) => h.id),
            `search returned points outside the ${label}`,
          ).toEqual([]);
          if (dice === 0) {
            expect(
              await valid(tFilter, 'vectors.deleteByFilter', () => repo.deleteByFilter(f.valid as never), {
                sent,
                input: f.valid,
              }),
              `deleteByFilter, ${label}`,
            ).toBe(matching.length);
            for (const id of matching) stored.delete(id);
          }

          const si = s.invalid as Obj;
          await invalid(
            tSearch,
            'vectors.search',
            () => repo.search(arg(si.vector) as never, arg(si.options) as never),
            want(s),
            { sent, input: si },
          );
          const opts = (s.valid.options ?? {}) as Obj;
          const found = await valid(
            tSearch,
            'vectors.search',
            () => repo.search(s.valid.vector as number[], s.valid.options as never),
            { sent, extreme: s.extreme, input: s.valid },
          );
          expect(found.length).toBeLessThanOrEqual((opts.limit as number | undefined) ?? 10);
          if (opts.minScore === undefined)
            expect(found.length).toBe(Math.min(stored.size, (opts.limit as number | undefined) ?? 10));
          for (const m of found) {
            expect(Number.isFinite(m.score)).toBe(true);
            expect(m.vector !== undefined, 'vectors only when asked for').toBe(opts.withVectors === true);
          }

          const bad = (idc.invalid as Obj).id;
          await invalid(tIds, 'vectors.get', () => repo.get(arg(bad) as never), want(idc), {
            sent,
            input: bad,
          });
          await invalid(tIds, 'vectors.delete', () => repo.delete(arg(bad) as never), want(idc), {
            sent,
            input: bad,
          });
          await invalid(
            tIds,
            'vectors.getMany',
            () => repo.getMany(['ok', arg(bad)] as never),
            { ...want(idc), field: ['ids', 1, ...idc.fault.path.slice(1)] },
            { sent, input: bad },
          );
          const id = idc.valid.id as string;
          const got = await valid(tIds, 'vectors.get', () => repo.get(id), {
            sent,
            extreme: idc.extreme,
            input: id,
          });
          expect(got === null, `get(${brief(id)})`).toBe(!stored.has(id));
          expect(await valid(tIds, 'vectors.delete', () => repo.delete(id), { sent, input: id })).toBe(
            stored.delete(id),
          );

          const xi = pix.invalid as Obj;
          await invalid(
            tIndex,
            'vectors.createPayloadIndex',
            () => repo.createPayloadIndex(arg(xi.field) as never, arg(xi.options) as never),
            want(pix),
            { sent, input: xi },
          );
          const indexType = ((pix.valid.options ?? {}) as Obj).type as string | undefined;
          await valid(
            tIndex,
            'vectors.createPayloadIndex',
            () => repo.createPayloadIndex(pix.valid.field as string, pix.valid.options as never),
            {
              sent,
              // keyword and bool are served by the GIN index every collection has: nothing to create.
              mustSend: indexType === 'integer' || indexType === 'float' || indexType === 'datetime' ? 1 : 0,
              extreme: pix.extreme,
              input: pix.valid,
            },
          );
        }),
        withExamples(n, run),
      );

      // Collection names become table names: only [a-z][a-z0-9_]{0,47} gets through.
      for (const name of COLLECTION_NAMES.valid) {
        const config = (
          await valid(tNames, 'storage.vectors', async () => storage.vectors({ name, dimensions: 3 }), {
            input: name,
          })
        ).config;
        expect(config.name).toBe(name);
        // Each name becomes a table: created, written, counted and dropped.
        const v = new PgVectorRepository(new Counting(storage.db, sent), config);
        await valid(tNames, 'vectors.upsert', () => v.upsert({ id: 'x', vector: [1, 1, 1] }), {
          sent,
          input: name,
        });
        expect(await v.count()).toBe(1);
        expect(await v.dropCollection()).toBe(true);
      }
      const badOptions: [unknown, Path, string?][] = [
        ...COLLECTION_NAMES.invalid.map((name): [unknown, Path] => [
          { name, dimensions: 3 },
          ['collection', 'name'],
        ]),
        ...[0, 16_001, 1.5, '3', Number.NaN].map((dimensions): [unknown, Path] => [
          { name: 'a', dimensions },
          ['collection', 'dimensions'],
        ]),
        [{ name: 'a', distance: 'manhattan' }, ['collection', 'distance']],
        [{ name: 'a', evil: 1 }, ['collection'], 'evil'],
        [42, ['collection']],
      ];
      for (const [c, field, key] of badOptions)
        await invalid(
          tNames,
          'storage.vectors',
          async () => storage.vectors(c as never),
          { field, kind: 'bad collection options', key },
          { input: c },
        );
      for (const name of COLLECTION_NAMES.invalid)
        await invalid(
          tNames,
          'vectors.describeCollection',
          () => repo.describeCollection(name as never),
          { field: ['name'], kind: 'bad collection name' },
          { sent, input: name },
        );
      expect((await repo.listCollections()).sort()).toEqual(['canary_vectors', 'hostile']);

      expectCovered(tRec, kindsOf(records).extremes, kindsOf(records, recordBads, listBads).faults);
      expectCovered(tSearch, kindsOf(search).extremes, kindsOf(search).faults);
      expectCovered(tIds, kindsOf(ids).extremes, kindsOf(ids).faults);
      expectCovered(tFilter, FILTER_KINDS.extremes, FILTER_KINDS.faults);
      expectCovered(tIndex, kindsOf(index).extremes, kindsOf(index).faults);
      expectCovered(tUpsert, [], kindsOf(records, recordBads).faults);
    },
    TIMEOUT,
  );

  // Fixed bugs, kept as plain tests so a regression names itself (the generators reach them too).

  // Was a bug on PGlite: timestamps before the year 100 read back wrong (0001 → 2001, 0050 → 1950),
  // PGlite parsing timestamptz text with `new Date(text)`. Stored correctly; now read exactly too.
  test('timestamps of the years 1–99 read back as given', async () => {
    for (const at of ['0001-01-01T00:00:00.000Z', '0050-06-15T12:00:00.000Z', '0099-12-31T23:59:59.999Z']) {
      const id = await storage.items.save({
        source: 'custom',
        sourceId: `${seq()}~year`,
        url: 'https://example.com/',
        title: 'old',
        publishedAt: at,
      });
      expect((await storage.items.get(id))!.publishedAt.toISOString(), 'item publishedAt').toBe(at);
      const trend = await storage.trends.save({
        topicId: parentTopic,
        rank: 1,
        title: 'old',
        summary: '',
        category: 'Other',
        score: 0,
        firstSeen: new Date(at),
      });
      expect((await storage.trends.get(trend))!.firstSeen.toISOString(), 'trend firstSeen').toBe(at);
      const name = `${seq()}~year`;
      await storage.pluginHealth.recordRun(name, { success: true, at });
      expect((await storage.pluginHealth.get(name))!.lastRunAt!.toISOString(), 'plugin lastRunAt').toBe(at);
    }
  });

  // Was a bug (both engines): a JSON key "__proto__" (JSON.parse makes it an own property, and
  // jsonb stores it) was dropped on save. It is now refused by name, before anything is sent; the
  // generators carry it as a fault of every JSON object field.
  test('a JSON key "__proto__" is refused by name, before anything is sent', async () => {
    const top = JSON.parse('{"__proto__": {"polluted": true}, "kept": 1}') as JsonObject;
    const deep = JSON.parse('{"a": [0, {"__proto__": 1}]}') as JsonObject;
    const item = (metadata: JsonObject) => ({
      source: 'custom' as const,
      sourceId: `${seq()}~proto`,
      url: 'https://example.com/',
      title: 'proto',
      publishedAt: new Date(),
      metadata,
    });
    const cases: [string, () => Promise<unknown>, string][] = [
      ['items.save', () => repos.items.save(item(top)), 'item.metadata.__proto__'],
      [
        'items.saveBatch',
        () => repos.items.saveBatch([item({}), item(deep)]),
        'items[1].metadata.a[1].__proto__',
      ],
      [
        'topics.save',
        () => repos.topics.save({ title: 'proto', summary: '', category: 'Other', metadata: top }),
        'topic.metadata.__proto__',
      ],
      [
        'trends.update',
        () => repos.trends.update('00000000-0000-4000-8000-000000000000', { metadata: deep }),
        'patch.metadata.a[1].__proto__',
      ],
      ['pipelineRuns.start', () => repos.pipelineRuns.start({ metadata: top }), 'options.metadata.__proto__'],
    ];
    if (!(await pgvectorMissing(storage.db))) {
      const repo = new PgVectorRepository(new Counting(storage.db, sent), vectorCanary().config);
      cases.push([
        'vectors.upsert',
        () => repo.upsert({ id: 'proto', vector: [1, 0, 0], metadata: top }),
        'record.metadata.__proto__',
      ]);
    }
    for (const [what, call, field] of cases) {
      const before = sent.n;
      const err = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, what).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).field, what).toBe(field);
      expect(sent.n - before, `${what}: refused before any statement`).toBe(0);
    }
    expect(({} as Record<string, unknown>).polluted, 'no prototype polluted').toBeUndefined();
  });

  // Was a bug (both engines): a vector filter's Date bound was not limited to the years 1–9999;
  // beyond them its ISO form ("+010000-…") reached SQL and failed there. Now refused up front,
  // naming the filter; the generated filters carry it as a fault.
  test('a vector filter date bound outside the years 1–9999 is refused before SQL, naming the filter', async (ctx) => {
    if (await pgvectorMissing(storage.db)) ctx.skip();
    const repo = new PgVectorRepository(new Counting(storage.db, sent), vectorCanary().config);
    for (const gt of [
      new Date('+010000-01-01T00:00:00Z'),
      new Date(-8.64e15),
      new Date('0000-12-31T23:59:59.999Z'),
      '0000-06-01T00:00:00Z',
    ]) {
      const before = sent.n;
      const err = await repo.count({ field: 'd', gt }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, `gt ${brief(gt)}`).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).field).toMatch(/^filter/);
      expect(sent.n, 'refused before any statement').toBe(before);
    }
  });

  // Known bugs: each case below is valid (or invalid) by the README's rules and comes back wrong.
  // They are kept out of the generators above (see `quirks`) so everything else stays checked.

  // BUG (PGlite): a text value that starts with U+FEFF reads back without it (PGlite decodes with
  // a BOM-stripping TextDecoder). Inside text[] or jsonb it survives; PostgreSQL keeps it.
  (engine.name === 'pglite' ? test.fails : test)(
    `text starting with U+FEFF reads back whole${engine.name === 'pglite' ? ' — KNOWN BUG on PGlite' : ''}`,
    async () => {
      const text = '\ufeffbyte order mark';
      const id = await storage.topics.save({ title: text, summary: text, category: 'Other' });
      const back = (await storage.topics.get(id))!;
      expect([back.title, back.summary]).toEqual([text, text]);
      const item = await storage.items.save({
        source: 'custom',
        sourceId: `${seq()}~bom`,
        url: 'https://example.com/',
        title: text,
        publishedAt: new Date(),
      });
      expect((await storage.items.get(item))!.title).toBe(text);
    },
  );

  // BUG (both engines): 33 or more negations in a row ("-" × 33, or "- " × 40) make PostgreSQL's
  // websearch_to_tsquery fail with "tsquery stack too small" (SQLSTATE XX000); 32 pass. That failure
  // is now reported as a ValidationError naming the query (it was a plain StorageError)...
  test('full-text queries of 33 or more negations are ValidationErrors naming the query', async () => {
    for (const q of ['-'.repeat(33), '- '.repeat(40), '-'.repeat(1000)]) {
      for (const [what, call, field] of [
        ['items.search', () => repos.items.search({ q }), 'search.q'],
        ['topics.search', () => repos.topics.search({ q }), 'search.q'],
        ['topics.count', () => repos.topics.count({ q }), 'search.q'],
        ['trends.search', () => repos.trends.search({ q }), 'filter.q'],
        ['trends.count', () => repos.trends.count({ q }), 'filter.q'],
      ] as const) {
        const err = await call().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err, `${what}(${brief(q)})`).toBeInstanceOf(ValidationError);
        expect((err as ValidationError).field, `${what}(${brief(q)})`).toBe(field);
      }
    }
  });

  // ...but only after the database has failed the statement, unlike every other ValidationError:
  // inside a transaction that failure aborts it, so a caller that catches the error and goes on
  // gets "current transaction is aborted" (both engines). The generated queries above are still
  // steered around it (steerQuery), since their refusals must send nothing.
  test.fails('a full-text query of 33 negations is refused before any statement is sent — KNOWN BUG', async () => {
    const q = '-'.repeat(33);
    const before = sent.n;
    await expect(repos.items.search({ q })).rejects.toBeInstanceOf(ValidationError);
    expect(sent.n, 'refused before any statement').toBe(before);
    await storage.transaction(async (tx) => {
      await expect(tx.topics.search({ q })).rejects.toBeInstanceOf(ValidationError);
      expect(await tx.topics.count(), 'the transaction goes on after a ValidationError').toBeGreaterThan(0);
    });
  });

  // Minor (both engines): a vector record given as an array passes the record check (arrays are
  // objects) and is reported at records[i].id ("expected string, received undefined").
  test.fails('a vector record that is an array is named at records[i] — KNOWN LIMITATION', async () => {
    const repo = new PgVectorRepository(new Counting(storage.db, sent), vectorCanary().config);
    const err = await repo.upsertBatch([{ id: 'ok', vector: [1, 0, 0] }, [] as never]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as ValidationError).field).toBe('records[1]');
  });

  // Minor (both engines): a fault deep in a vector filter is reported for the whole filter — the
  // union of condition shapes hides the path — and often with a misleading rule ({eq: NaN} says
  // 'Unrecognized key: "eq"'). The generated cases above accept the whole-filter name for this.
  test.fails('a fault inside a vector filter is named at the faulty condition — KNOWN LIMITATION', async (ctx) => {
    if (await pgvectorMissing(storage.db)) ctx.skip();
    const repo = new PgVectorRepository(new Counting(storage.db, sent), vectorCanary().config);
    const cases: [Filter, string][] = [
      [
        {
          and: [
            { field: 't', eq: 1 },
            { field: 'a b', eq: 1 },
          ],
        },
        'filter.and[1].field',
      ],
      [{ field: 't', eq: Number.NaN }, 'filter.eq'],
      [{ or: [{ not: { field: 't', in: [] } }] }, 'filter.or[0].not.in'],
    ];
    for (const [f, field] of cases) {
      const err = await repo.count(f as never).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((err as ValidationError).field).toBe(field);
    }
  });
}

for (const engine of SQL_ENGINES) describe(`hostile input [${engine.name}]`, () => sqlSuite(engine));
if (!SERVER_URL) console.log('SKIPPED: hostile input [postgres] — TREND_TEST_DATABASE_URL is not set');

// ---------------------------------------------------------------------------------------------
// Cache: memory and Redis

interface CacheEngine {
  name: 'memory' | 'redis';
  open(): Promise<{ cache: CacheRepository; canaryIntact(): Promise<void>; dispose(): Promise<void> }>;
}

const memoryEngine: CacheEngine = {
  name: 'memory',
  async open() {
    const cache = new MemoryCache({ prefix: 'hostile:' });
    await cache.set('canary', { alive: true, at: new Date(0) }, { ttlSeconds: 3600 });
    expect(await cache.setHash('canary:h', { f: 'alive' })).toBe(1);
    return {
      cache,
      async canaryIntact() {
        expect(await cache.get('canary')).toEqual({ alive: true, at: new Date(0) });
        expect(await cache.getAllHash('canary:h')).toEqual({ f: 'alive' });
      },
      dispose: () => cache.close(),
    };
  },
};

const redisEngine: CacheEngine = {
  name: 'redis',
  async open() {
    const raw = new Redis(REDIS_URL!);
    const outside = `canary:hostile:${process.pid}`;
    await raw.set(outside, 'alive');
    await raw.hset(`${outside}:h`, 'f', 'alive');
    const cache = await RedisCache.connect({ url: REDIS_URL!, prefix: testPrefix('hostile') });
    await cache.set('canary', { alive: true, at: new Date(0) }, { ttlSeconds: 3600 });
    return {
      cache,
      async canaryIntact() {
        expect(await raw.get(outside), 'a key outside the namespace').toBe('alive');
        expect(await raw.hgetall(`${outside}:h`)).toEqual({ f: 'alive' });
        expect(await cache.get('canary'), 'a key inside the namespace no call named').toEqual({
          alive: true,
          at: new Date(0),
        });
      },
      async dispose() {
        await cache.flush();
        await cache.close();
        await raw.del(outside, `${outside}:h`);
        raw.disconnect();
      },
    };
  },
};

const cacheKey = (guard = false) => cacheKeyField({ guard });
/**
 * Counter amounts (`{ by }`). The largest safe integers are left to a known-bug test: Redis
 * replies to them are decoded one off by ioredis, so here the extreme stops 64 short of 2^53.
 */
const NEAR_MAX = Number.MAX_SAFE_INTEGER - 64;
const amountField: Field = {
  valid: fc
    .oneof(fc.integer({ min: -1000, max: 1000 }), fc.constantFrom(NEAR_MAX, -NEAR_MAX))
    .map((value) => ({ value, tags: [] })),
  optional: true,
  extremes: [{ tag: '±(2^53 - 65)', arb: fc.constantFrom(NEAR_MAX, -NEAR_MAX) }],
  bad: AMOUNT_BADS,
};

/**
 * The cache's call models (the text-guard faults of keys and fields are tested apart), each with
 * the tally it counts in.
 */
function cacheModels() {
  return {
    set: { key: cacheKey(), value: cacheValueField(), options: ttlOptionsField() } as Model,
    hash: { key: cacheKey(), fields: hashFieldsField() } as Model,
    hashField: { key: cacheKey(), field: cacheKey() } as Model,
    counter: { key: cacheKey(), options: cacheOptionsField({ by: amountField }) } as Model,
    list: {
      key: cacheKey(),
      values: arrayField(cacheValueField(), { extreme: 10_000 }),
      options: ttlOptionsField(),
    } as Model,
    push: {
      key: cacheKey(),
      value: cacheValueField(),
      options: cacheOptionsField({ side: sideField() }),
    } as Model,
    many: { keys: arrayField(cacheKey(), { extreme: 10_000 }) } as Model,
    pattern: {
      pattern: {
        valid: fc.constant({ value: '*', tags: [] }),
        bad: PATTERN_BADS,
      },
    } as Model,
  };
}
type CacheModel = keyof ReturnType<typeof cacheModels>;
/** Which tally (and line of docs/RELIABILITY.md) each model counts in. */
const CACHE_TALLY: Record<CacheModel, string> = {
  set: 'set',
  hash: 'hash',
  hashField: 'hash',
  counter: 'counter',
  list: 'list',
  push: 'push',
  many: 'many',
  pattern: 'pattern',
};

/**
 * The cache names a key that is not an identifier as it is (`entries.1~a b`, `fields.f.b c`),
 * not JSON-quoted like the rest of the library (a known inconsistency with its own test).
 */
const cacheRefused = (tally: Tally, what: string, call: () => Promise<unknown>, w: Expect, input: unknown) =>
  invalid(tally, what, call, w, { input, plainPaths: true });

function cacheSuite(engine: CacheEngine): void {
  test(
    `hostile cache input [${engine.name}]: keys, hash fields, values, TTLs, counters, lists, patterns`,
    async () => {
      const { cache, canaryIntact, dispose } = await engine.open();
      try {
        const m = cacheModels();
        const names = Object.keys(m) as CacheModel[];
        const n = Math.max(...names.map((k) => coverageSize(m[k])));
        const run = (o: { e?: number; b?: number } = {}) =>
          fc.record(
            Object.fromEntries(names.map((k) => [k, objectPair(m[k], o)])) as Record<
              CacheModel,
              fc.Arbitrary<Pair>
            >,
          );
        const tallies = new Map<string, Tally>();
        const t = Object.fromEntries(
          names.map((k) => {
            const name = CACHE_TALLY[k];
            if (!tallies.has(name)) tallies.set(name, new Tally());
            return [k, tallies.get(name)!];
          }),
        ) as Record<CacheModel, Tally>;

        await fc.assert(
          fc.asyncProperty(run(), async (c) => {
            // set, get, getTtl, getMany, setMany, getOrSet, keysMatching, deletePattern
            const s = c.set;
            const si = s.invalid as Obj;
            await cacheRefused(
              t.set,
              'cache.set',
              () => cache.set(arg(si.key) as never, arg(si.value), arg(si.options) as never),
              want(s),
              si,
            );
            // The loader's promise is awaited, so a Promise value is no fault for getOrSet.
            if (!(si.value instanceof Promise))
              await cacheRefused(
                t.set,
                'cache.getOrSet',
                () => cache.getOrSet(arg(si.key) as never, () => arg(si.value), arg(si.options) as never),
                want(s),
                si,
              );
            const key = s.valid.key as string;
            const value = s.valid.value;
            const options = s.valid.options as Obj | undefined;
            const ttl = options?.ttlSeconds as number | undefined;
            expect(await cache.exists(key), 'a refused set stores nothing').toBe(false);
            const [param] = s.fault.path;
            if (param === 'value') {
              await cacheRefused(
                t.set,
                'cache.setMany',
                () => cache.setMany({ [key]: si.value }),
                { ...want(s), field: ['entries', key, ...s.fault.path.slice(1)] },
                si.value,
              );
            } else if (param === 'options') {
              await cacheRefused(
                t.set,
                'cache.setMany',
                () => cache.setMany({ [key]: value }, arg(si.options) as never),
                want(s),
                si.options,
              );
              if (s.fault.path[1] === 'ttlSeconds')
                await cacheRefused(
                  t.set,
                  'cache.setTtl',
                  () => cache.setTtl(key, (si.options as Obj).ttlSeconds as never),
                  { ...want(s), field: ['ttlSeconds'] },
                  si.options,
                );
            } else if (typeof si.key === 'string') {
              await cacheRefused(
                t.set,
                'cache.setMany',
                () => cache.setMany({ [si.key as string]: value }),
                { ...want(s), field: ['entries'] },
                si.key,
              );
            }
            expect(await cache.exists(key), 'a refused setMany stores nothing').toBe(false);
            await valid(t.set, 'cache.set', () => cache.set(key, value, options), {
              extreme: s.extreme,
              input: s.valid,
            });
            same(`cache.get(${brief(key)})`, await cache.get(key), value);
            const left = await cache.getTtl(key);
            expect(left).toBeGreaterThan(0);
            expect(left).toBeLessThanOrEqual(ttl ?? 3600);
            if (ttl !== undefined) {
              expect(await valid(t.set, 'cache.setTtl', () => cache.setTtl(key, ttl), { input: ttl })).toBe(
                true,
              );
              expect(await cache.getTtl(key)).toBeLessThanOrEqual(ttl);
            }
            const exact = escapeGlob(key);
            if (exact.length <= CACHE_KEY_MAX)
              same(
                `keysMatching(${brief(exact)})`,
                await valid(t.pattern, 'cache.keysMatching', () => cache.keysMatching(exact), {
                  input: exact,
                }),
                [key],
              );
            same('getMany', await cache.getMany([key, `${seq()}~missing`]), [value, undefined]);
            await valid(t.set, 'cache.setMany', () => cache.setMany({ [key]: value }, options), {
              input: key,
            });
            same(`cache.get(${brief(key)}) after setMany`, await cache.get(key), value);
            expect(
              exact.length <= CACHE_KEY_MAX
                ? await valid(t.pattern, 'cache.deletePattern', () => cache.deletePattern(exact), {
                    input: exact,
                  })
                : Number(await cache.delete(key)),
            ).toBe(1);
            expect(await cache.get(key), 'a missing key reads as undefined').toBeUndefined();
            // getOrSet: a miss loads and stores with the TTL; a hit returns what is stored.
            same(
              `getOrSet(${brief(key)}) on a miss`,
              await valid(t.set, 'cache.getOrSet', () => cache.getOrSet(key, () => value, options), {
                input: s.valid,
              }),
              value,
            );
            same(`cache.get(${brief(key)}) after getOrSet`, await cache.get(key), value);
            const left2 = await cache.getTtl(key);
            expect(left2).toBeGreaterThan(0);
            expect(left2).toBeLessThanOrEqual(ttl ?? 3600);
            same(
              `getOrSet(${brief(key)}) on a hit`,
              await cache.getOrSet(key, () => {
                throw new Error('getOrSet loaded on a hit');
              }),
              value,
            );
            expect(await cache.delete(key)).toBe(true);

            // setHash (fields object), getAllHash
            const h = c.hash;
            const hi = h.invalid as Obj;
            await cacheRefused(
              t.hash,
              'cache.setHash',
              () => cache.setHash(arg(hi.key) as never, arg(hi.fields) as never),
              want(h),
              hi,
            );
            const hk = h.valid.key as string;
            const fields = h.valid.fields as Obj;
            expect(await cache.exists(hk), 'a refused setHash stores nothing').toBe(false);
            expect(
              await valid(t.hash, 'cache.setHash', () => cache.setHash(hk, fields), {
                extreme: h.extreme,
                input: h.valid,
              }),
              'setHash answers how many fields were new',
            ).toBe(Object.keys(fields).length);
            same(`getAllHash(${brief(hk)})`, await cache.getAllHash(hk), fields);
            for (const [f, v] of Object.entries(fields))
              same(`getHash(${brief(hk)}, ${brief(f)})`, await cache.getHash(hk, f), v);
            expect(await cache.setHash(hk, fields), 'the same fields again are not new').toBe(0);
            for (const f of Object.keys(fields)) expect(await cache.deleteHashField(hk, f)).toBe(true);
            expect(await cache.exists(hk), 'a hash goes with its last field').toBe(false);

            // getHash, deleteHashField, getAllHash: one key and field
            const hf = c.hashField;
            const fi = hf.invalid as Obj;
            await cacheRefused(
              t.hashField,
              'cache.getHash',
              () => cache.getHash(arg(fi.key) as never, arg(fi.field) as never),
              want(hf),
              fi,
            );
            await cacheRefused(
              t.hashField,
              'cache.deleteHashField',
              () => cache.deleteHashField(arg(fi.key) as never, arg(fi.field) as never),
              want(hf),
              fi,
            );
            if (hf.fault.path[0] === 'key')
              await cacheRefused(
                t.hashField,
                'cache.getAllHash',
                () => cache.getAllHash(arg(fi.key) as never),
                want(hf),
                fi,
              );
            const [fk, ff] = [hf.valid.key as string, hf.valid.field as string];
            expect(
              await valid(t.hashField, 'cache.getHash', () => cache.getHash(fk, ff), {
                extreme: hf.extreme,
                input: hf.valid,
              }),
              'a missing hash field reads as undefined',
            ).toBeUndefined();
            expect(await cache.setHash(fk, { [ff]: null })).toBe(1);
            expect(await cache.getHash(fk, ff), 'a stored null reads as null').toBeNull();
            expect(
              await valid(t.hashField, 'cache.deleteHashField', () => cache.deleteHashField(fk, ff), {
                input: hf.valid,
              }),
            ).toBe(true);
            expect(await cache.exists(fk)).toBe(false);

            // increment, decrement ({ by })
            const ci = c.counter.invalid as Obj;
            await cacheRefused(
              t.counter,
              'cache.increment',
              () => cache.increment(arg(ci.key) as never, arg(ci.options) as never),
              want(c.counter),
              ci,
            );
            await cacheRefused(
              t.counter,
              'cache.decrement',
              () => cache.decrement(arg(ci.key) as never, arg(ci.options) as never),
              want(c.counter),
              ci,
            );
            const ck = c.counter.valid.key as string;
            const by = c.counter.valid.options as { by?: number } | undefined;
            expect(await cache.exists(ck), 'a refused increment stores nothing').toBe(false);
            expect(
              await valid(t.counter, 'cache.increment', () => cache.increment(ck, by), {
                extreme: c.counter.extreme,
                input: c.counter.valid,
              }),
            ).toBe(by?.by ?? 1);
            expect(
              await valid(t.counter, 'cache.decrement', () => cache.decrement(ck, by), {
                input: c.counter.valid,
              }),
            ).toBe(0);
            expect(await cache.delete(ck)).toBe(true);

            // setWithList, getList
            const li = c.list.invalid as Obj;
            await cacheRefused(
              t.list,
              'cache.setWithList',
              () =>
                cache.setWithList(arg(li.key) as never, arg(li.values) as never, arg(li.options) as never),
              want(c.list),
              li,
            );
            const [lk, values] = [c.list.valid.key as string, c.list.valid.values as unknown[]];
            const listOptions = c.list.valid.options as Obj | undefined;
            expect(await cache.exists(lk), 'a refused setWithList stores nothing').toBe(false);
            await valid(t.list, 'cache.setWithList', () => cache.setWithList(lk, values, listOptions), {
              extreme: c.list.extreme,
              input: c.list.valid,
            });
            same(`getList(${brief(lk)})`, await cache.getList(lk), values);
            if (values.length) {
              const left3 = await cache.getTtl(lk);
              expect(left3).toBeGreaterThan(0);
              expect(left3).toBeLessThanOrEqual((listOptions?.ttlSeconds as number | undefined) ?? 3600);
              expect(await cache.delete(lk)).toBe(true);
            } else expect(await cache.exists(lk), 'an empty list is no key').toBe(false);

            // pushToList, popFromList ({ side })
            const pi = c.push.invalid as Obj;
            await cacheRefused(
              t.push,
              'cache.pushToList',
              () => cache.pushToList(arg(pi.key) as never, arg(pi.value), arg(pi.options) as never),
              want(c.push),
              pi,
            );
            if (c.push.fault.path[0] !== 'value')
              await cacheRefused(
                t.push,
                'cache.popFromList',
                () => cache.popFromList(arg(pi.key) as never, arg(pi.options) as never),
                want(c.push),
                pi,
              );
            const [pk, pv] = [c.push.valid.key as string, c.push.valid.value];
            const side = c.push.valid.options as { side?: 'left' | 'right' } | undefined;
            const other = { side: side?.side === 'left' ? ('right' as const) : ('left' as const) };
            expect(await cache.exists(pk), 'a refused push stores nothing').toBe(false);
            expect(
              await valid(t.push, 'cache.pushToList', () => cache.pushToList(pk, pv, side), {
                extreme: c.push.extreme,
                input: c.push.valid,
              }),
            ).toBe(1);
            expect(await cache.pushToList(pk, 'second', side)).toBe(2);
            same(
              `getList(${brief(pk)}) after two pushes ${brief(side)}`,
              await cache.getList(pk),
              side?.side === 'left' ? ['second', pv] : [pv, 'second'],
            );
            // The other end holds the first value pushed; this end the second.
            same(
              `popFromList(${brief(pk)}, ${brief(other)})`,
              await valid(t.push, 'cache.popFromList', () => cache.popFromList(pk, other), { input: other }),
              pv,
            );
            same(
              `popFromList(${brief(pk)}, ${brief(side)})`,
              await valid(t.push, 'cache.popFromList', () => cache.popFromList(pk, side), { input: side }),
              'second',
            );
            expect(await cache.popFromList(pk, side), 'an empty list pops undefined').toBeUndefined();
            expect(await cache.exists(pk)).toBe(false);

            // getMany
            const gi = c.many.invalid as Obj;
            await cacheRefused(
              t.many,
              'cache.getMany',
              () => cache.getMany(arg(gi.keys) as never),
              want(c.many),
              gi,
            );
            const keys = c.many.valid.keys as string[];
            same(
              'getMany of unset keys',
              await valid(t.many, 'cache.getMany', () => cache.getMany(keys), {
                extreme: c.many.extreme,
                input: keys,
              }),
              keys.map(() => undefined),
            );

            // keysMatching, deletePattern
            const pattern = (c.pattern.invalid as Obj).pattern;
            await cacheRefused(
              t.pattern,
              'cache.keysMatching',
              () => cache.keysMatching(arg(pattern) as never),
              want(c.pattern),
              pattern,
            );
            await cacheRefused(
              t.pattern,
              'cache.deletePattern',
              () => cache.deletePattern(arg(pattern) as never),
              want(c.pattern),
              pattern,
            );
          }),
          withExamples(n, run),
        );
        // Valid patterns: every key of the namespace is left but the canaries.
        expect(await cache.keysMatching('*')).toEqual(
          ['canary', ...(engine.name === 'memory' ? ['canary:h'] : [])].sort(),
        );
        await canaryIntact();
        for (const name of new Set(Object.values(CACHE_TALLY))) {
          const models = names.filter((k) => CACHE_TALLY[k] === name);
          const kinds = models.map((k) => kindsOf(m[k]));
          expectCovered(
            tallies.get(name)!,
            name === 'pattern' ? [] : kinds.flatMap((x) => x.extremes),
            kinds.flatMap((x) => x.faults),
          );
          console.log(tallies.get(name)!.line(engine.name, `cache.${name}`, false));
        }
      } finally {
        await dispose();
      }
    },
    TIMEOUT,
  );

  // Added to src/cache while this suite was written; kept apart so a regression names itself.
  test(
    `hostile cache input [${engine.name}]: keys, hash fields and patterns with NUL or a lone surrogate are ValidationErrors`,
    async () => {
      const { cache, dispose } = await engine.open();
      try {
        const models = {
          key: { key: cacheKey(true) } as Model,
          field: { field: cacheKey(true) } as Model,
          pattern: {
            pattern: { valid: fc.constant({ value: '*', tags: [] }), bad: GUARD_PATTERN_BADS },
          } as Model,
        };
        const n = Math.max(...Object.values(models).map((m) => coverageSize(m)));
        const run = (o: { e?: number; b?: number }) =>
          fc.tuple(objectPair(models.key, o), objectPair(models.field, o), objectPair(models.pattern, o));
        const tally = new Tally();
        await fc.assert(
          fc.asyncProperty(run({}), async ([k, f, p]) => {
            const key = arg((k.invalid as Obj).key) as string;
            for (const [what, call] of [
              ['cache.set', () => cache.set(key, 1)],
              ['cache.get', () => cache.get(key)],
              ['cache.increment', () => cache.increment(key)],
              ['cache.setHash', () => cache.setHash(key, { f: 1 })],
              ['cache.getOrSet', () => cache.getOrSet(key, () => 1)],
              ['cache.pushToList', () => cache.pushToList(key, 1, { side: 'left' })],
              ['cache.popFromList', () => cache.popFromList(key)],
            ] as const)
              await invalid(tally, what, call, want(k), { input: key });
            await invalid(
              tally,
              'cache.getMany',
              () => cache.getMany(['ok', key]),
              { ...want(k), field: ['keys', 1] },
              { input: key },
            );
            await invalid(
              tally,
              'cache.setMany',
              () => cache.setMany({ ok: 1, [key]: 2 }),
              { ...want(k), field: ['entries'] },
              { input: key },
            );
            const field = arg((f.invalid as Obj).field) as string;
            await invalid(
              tally,
              'cache.setHash',
              () => cache.setHash('k', { ok: 1, [field]: 1 }),
              { ...want(f), field: ['fields'] },
              { input: field },
            );
            await invalid(tally, 'cache.getHash', () => cache.getHash('k', field), want(f), {
              input: field,
            });
            await invalid(tally, 'cache.deleteHashField', () => cache.deleteHashField('k', field), want(f), {
              input: field,
            });
            const pattern = arg((p.invalid as Obj).pattern) as string;
            await invalid(tally, 'cache.keysMatching', () => cache.keysMatching(pattern), want(p), {
              input: pattern,
            });
            await invalid(tally, 'cache.deletePattern', () => cache.deletePattern(pattern), want(p), {
              input: pattern,
            });
          }),
          withExamples(n, run),
        );
        expect(await cache.keysMatching('*')).toEqual(
          ['canary', ...(engine.name === 'memory' ? ['canary:h'] : [])].sort(),
        );
        console.log(
          tally.line(engine.name, 'cache keys, fields, patterns with NUL / lone surrogates', false),
        );
      } finally {
        await dispose();
      }
    },
    TIMEOUT,
  );

  // BUG (Redis): ioredis decodes an integer reply as `n * 10 + digit - 48` in doubles, so replies
  // within ~57 of 2^53 come back one off: increment('k', { by: 2^53 - 1 }) answers 2^53. Memory is exact.
  (engine.name === 'redis' ? test.fails : test)(
    `cache [${engine.name}]: increment and decrement by ±(2^53 - 1) answer the exact count${engine.name === 'redis' ? ' — KNOWN BUG on Redis' : ''}`,
    async () => {
      const { cache, dispose } = await engine.open();
      try {
        const key = `${seq()}~counter`;
        const by = { by: Number.MAX_SAFE_INTEGER };
        expect(await cache.increment(key, by)).toBe(Number.MAX_SAFE_INTEGER);
        expect(await cache.get(key)).toBe(Number.MAX_SAFE_INTEGER);
        expect(await cache.decrement(key, by)).toBe(0);
        expect(await cache.decrement(key, by)).toBe(-Number.MAX_SAFE_INTEGER);
      } finally {
        await dispose();
      }
    },
  );

  // Was a bug (both engines): ttlSeconds had no upper bound; past what Redis holds (its expiry is a
  // signed 64-bit count of milliseconds) Redis failed with a raw StorageError and memory accepted.
  // Now at most 100 years (MAX_TTL_SECONDS) on both, for every call that takes a TTL; the generated
  // TTLs carry it as a fault.
  test(`cache [${engine.name}]: a TTL over 100 years is a ValidationError naming options.ttlSeconds`, async () => {
    const { cache, dispose } = await engine.open();
    try {
      const key = `${seq()}~ttl`;
      for (const ttlSeconds of [MAX_TTL_SECONDS + 1, 9_223_372_036_854_776, 1e21, 1e300]) {
        for (const [what, call, field] of [
          ['set', () => cache.set(key, 1, { ttlSeconds }), 'options.ttlSeconds'],
          ['setMany', () => cache.setMany({ [key]: 1 }, { ttlSeconds }), 'options.ttlSeconds'],
          ['setWithList', () => cache.setWithList(key, [1], { ttlSeconds }), 'options.ttlSeconds'],
          ['getOrSet', () => cache.getOrSet(key, () => 1, { ttlSeconds }), 'options.ttlSeconds'],
          ['setTtl', () => cache.setTtl(key, ttlSeconds), 'ttlSeconds'],
        ] as const) {
          const err = await call().then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(err, `${what}: ttlSeconds ${ttlSeconds}`).toBeInstanceOf(ValidationError);
          expect((err as ValidationError).field, what).toBe(field);
          expect(await cache.exists(key), `${what}: nothing stored`).toBe(false);
        }
      }
      await cache.set(key, 1, { ttlSeconds: MAX_TTL_SECONDS });
      expect(await cache.getTtl(key)).toBeGreaterThan(MAX_TTL_SECONDS - 60);
      expect(await cache.setTtl(key, MAX_TTL_SECONDS)).toBe(true);
      expect(await cache.delete(key)).toBe(true);
    } finally {
      await dispose();
    }
  });

  // BUG (both engines): `{ by: null }` and `{ side: null }` are taken for the defaults (`?? 1`,
  // `?? 'right'`), where `{ ttlSeconds: null }` is refused, the relational options refuse null, and
  // 0.1's increment(key, null) was refused. Left out of the generated faults meanwhile.
  test(`cache [${engine.name}]: { by: null } and { side: null } are ValidationErrors naming the option`, async () => {
    const { cache, dispose } = await engine.open();
    try {
      const key = `${seq()}~null-option`;
      for (const [what, call, field] of [
        ['increment', () => cache.increment(key, { by: null as never }), 'options.by'],
        ['decrement', () => cache.decrement(key, { by: null as never }), 'options.by'],
        ['pushToList', () => cache.pushToList(key, 1, { side: null as never }), 'options.side'],
        ['popFromList', () => cache.popFromList(key, { side: null as never }), 'options.side'],
      ] as const) {
        const err = await call().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err, what).toBeInstanceOf(ValidationError);
        expect((err as ValidationError).field, what).toBe(field);
      }
    } finally {
      await dispose();
    }
  });

  // BUG (both engines): a cache options object with a key it does not know is accepted and the key
  // ignored, so a misspelt or 0.1-style option (`{ ttl: 60 }`, `{ amount: 5 }`, `{ left: true }`)
  // silently does the default. Every relational options object refuses unknown keys by name.
  test(`cache [${engine.name}]: an unknown key in a cache options object is a ValidationError`, async () => {
    const { cache, dispose } = await engine.open();
    try {
      const key = `${seq()}~unknown-option`;
      for (const [what, call] of [
        ['set', () => cache.set(key, 1, { ttl: 60 } as never)],
        ['setMany', () => cache.setMany({ [key]: 1 }, { ttlSecond: 60 } as never)],
        ['setWithList', () => cache.setWithList(key, [1], { expire: 60 } as never)],
        ['getOrSet', () => cache.getOrSet(key, () => 1, { ttl: 60 } as never)],
        ['increment', () => cache.increment(key, { amount: 5 } as never)],
        ['pushToList', () => cache.pushToList(key, 1, { left: true } as never)],
        ['popFromList', () => cache.popFromList(key, { left: true } as never)],
      ] as const) {
        const err = await call().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err, what).toBeInstanceOf(ValidationError);
        expect((err as ValidationError).field, what).toBe('options');
        expect(await cache.exists(key), `${what}: nothing stored`).toBe(false);
      }
    } finally {
      await dispose();
    }
  });

  // Inconsistency (both engines): the cache names a key that is not an identifier as it is
  // (`entries.1~a b`, `fields.f.b c`, `value.b c`), where the rest of the library writes it
  // JSON-quoted (`metadata["a b"]`) so that the name, and a message holding it, is storable text;
  // a value's key with a lone surrogate puts one in the error's field. The generated cases accept
  // either spelling for the cache (`plainPaths`).
  test(`cache [${engine.name}]: a key that is not an identifier is named JSON-quoted`, async () => {
    const { cache, dispose } = await engine.open();
    try {
      const fn = () => 1;
      for (const [what, call, field] of [
        ['set', () => cache.set('k', { 'b c': fn }), 'value["b c"]'],
        ['setMany', () => cache.setMany({ 'a b': fn }), 'entries["a b"]'],
        ['setHash', () => cache.setHash('h', { 'f g': { 'b\ud800': fn } }), 'fields["f g"]["b\\ud800"]'],
      ] as const) {
        const err = await call().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err, what).toBeInstanceOf(ValidationError);
        expect((err as ValidationError).field, what).toBe(field);
      }
    } finally {
      await dispose();
    }
  });
}

cacheSuite(memoryEngine);
if (REDIS_URL) cacheSuite(redisEngine);
else console.log('SKIPPED: hostile cache input [redis] — TREND_TEST_REDIS_URL is not set');
