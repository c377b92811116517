// Traces and metrics through the real OpenTelemetry SDK (in-memory exporters), on PGlite and — when
// TREND_TEST_DATABASE_URL / TREND_TEST_REDIS_URL are set — PostgreSQL and Redis: span names,
// attributes and nesting; error spans; what never reaches telemetry; duration histograms; pool
// gauges under load; cache hits and misses.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { ProcessedItemInput } from '../src/domain/models.js';
import type { QueryLogEvent } from '../src/observability/query-log.js';
import { operationsOf } from '../src/observability/tracing.js';
import { ItemRepository } from '../src/repositories/items.js';
import { type CreateStorageOptions, createStorage, type Storage } from '../src/storage.js';
import { createServerDatabase, SERVER_URL } from './support/engines.js';
import { isChildOf, type Otel, only, points, registerOtel } from './support/otel.js';
import { REDIS_URL, startPrivateRedis, testPrefix } from './support/redis.js';
import { serverHasPgvector } from './support/vector-engines.js';

const otel: Otel = registerOtel();
afterAll(() => otel.shutdown());
beforeEach(() => otel.reset());

const tracer = trace.getTracer('test');
/** Runs `fn` under a span of the caller's own, as an application's request handler would. */
async function underRequest<T>(fn: () => Promise<T>): Promise<{ result: T; request: ReadableSpan }> {
  const result = await tracer.startActiveSpan('request', async (span) => {
    try {
      return await fn();
    } finally {
      span.end();
    }
  });
  return { result, request: only(otel.spans(), 'request') };
}

const item = (n: string, over: Partial<ProcessedItemInput> = {}): ProcessedItemInput => ({
  source: 'reddit',
  sourceId: `obs-${n}`,
  url: `https://example.com/obs/${n}`,
  title: `Observed item ${n}`,
  publishedAt: new Date('2026-01-01T00:00:00Z'),
  ...over,
});
const topic = { title: 'Observed topic', summary: 'A topic', category: 'Technology' as const };

interface Engine {
  name: 'pglite' | 'postgres';
  /** A store on this engine's database for the file (a new in-memory one each time on PGlite). */
  open(options?: CreateStorageOptions): Promise<Storage>;
  /** postgres:// URL of the file's database (server only). */
  url?: string;
  pgvector: boolean;
}

const server = SERVER_URL ? await createServerDatabase() : undefined;
afterAll(() => server?.drop());
if (!SERVER_URL) console.log('SKIPPED: observability [postgres] — TREND_TEST_DATABASE_URL is not set');
const engines: Engine[] = [
  {
    name: 'pglite',
    open: (options = {}) => createStorage({ dataDir: null, redis: false, env: {}, ...options }),
    pgvector: true,
  },
  ...(server
    ? [
        {
          name: 'postgres' as const,
          url: server.url,
          open: (options: CreateStorageOptions = {}) =>
            createStorage({
              databaseUrl: server.url,
              postgres: { poolMin: 0, poolMax: 4 },
              redis: false,
              env: {},
              ...options,
            }),
          pgvector: await serverHasPgvector('observability vectors [postgres]'),
        },
      ]
    : []),
];

describe.each(engines)('observability [$name]', (engine) => {
  let storage: Storage;
  beforeAll(async () => {
    storage = await engine.open();
  });
  afterAll(() => storage?.close());

  const where = () =>
    engine.name === 'postgres'
      ? {
          'server.address': new URL(engine.url!).hostname,
          'server.port': Number(new URL(engine.url!).port || 5432),
          'db.namespace': new URL(engine.url!).pathname.slice(1),
        }
      : {};

  test("a repository call is one span, <area>.<method>, under the caller's span, with the database conventions", async () => {
    const { request } = await underRequest(() =>
      storage.items.saveBatch([
        item(`a-${randomUUID()}`),
        item(`b-${randomUUID()}`),
        item(`c-${randomUUID()}`),
      ]),
    );
    const spans = otel.spans();
    const span = only(spans, 'items.saveBatch');
    expect(isChildOf(span, request)).toBe(true);
    expect(span.kind).toBe(engine.name === 'postgres' ? SpanKind.CLIENT : SpanKind.INTERNAL);
    expect(span.attributes).toEqual({
      'db.system.name': 'postgresql',
      'db.collection.name': 'processed_items',
      'db.operation.name': 'items.saveBatch',
      'db.query.summary': 'items.saveBatch',
      'db.operation.batch.size': 3,
      ...where(),
    });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    // One public call, one span: the repository's own statements and helpers add none.
    expect(spans.map((s) => s.name).sort()).toEqual(['items.saveBatch', 'request']);
  });

  test('a transaction is one parent span of every call inside it, through tx or the outer handle; a nested one is its child', async () => {
    const { request } = await underRequest(() =>
      storage.transaction(async (tx) => {
        await tx.topics.save(topic);
        await storage.items.count();
        await tx.transaction((inner) => inner.items.get(randomUUID()));
      }),
    );
    const spans = otel.spans();
    const txSpans = spans.filter((s) => s.name === 'storage.transaction');
    expect(txSpans).toHaveLength(2);
    const outer = txSpans.find((s) => isChildOf(s, request))!;
    const nested = txSpans.find((s) => s !== outer)!;
    expect(outer).toBeDefined();
    expect(isChildOf(nested, outer)).toBe(true);
    expect(isChildOf(only(spans, 'topics.save'), outer)).toBe(true);
    expect(isChildOf(only(spans, 'items.count'), outer)).toBe(true);
    expect(isChildOf(only(spans, 'items.get'), nested)).toBe(true);
    expect(outer.attributes['db.operation.name']).toBe('storage.transaction');
    expect(outer.attributes['db.system.name']).toBe('postgresql');
  });

  test('a vector search is a span of its collection', async (ctx) => {
    if (!engine.pgvector) ctx.skip();
    const vectors = storage.vectors({ name: 'obs_vectors', dimensions: 3 });
    await vectors.upsertBatch([
      { id: 'a', vector: [1, 0, 0] },
      { id: 'b', vector: [0, 1, 0] },
    ]);
    const upsert = only(otel.spans(), 'vectors.upsertBatch');
    expect(upsert.attributes['db.operation.batch.size']).toBe(2);
    otel.reset();
    const { result, request } = await underRequest(() => vectors.search([1, 0.1, 0], { limit: 1 }));
    expect(result[0]!.id).toBe('a');
    const span = only(otel.spans(), 'vectors.search');
    expect(isChildOf(span, request)).toBe(true);
    expect(span.attributes).toEqual({
      'db.system.name': 'postgresql',
      'db.collection.name': 'obs_vectors',
      'db.operation.name': 'vectors.search',
      'db.query.summary': 'vectors.search',
      ...where(),
    });
    // An iteration is one operation, ended when the iteration ends.
    otel.reset();
    const ids: string[] = [];
    for await (const p of vectors.scroll({ withVectors: false })) ids.push(p.id);
    expect(ids).toEqual(['a', 'b']);
    expect(only(otel.spans(), 'vectors.scroll').status.code).toBe(SpanStatusCode.UNSET);
  });

  test('a failed call ends its span as an error: error.type, the SQLSTATE, no message', async () => {
    const missingTopic = randomUUID();
    await expect(
      storage.trends.save({
        topicId: missingTopic,
        rank: 1,
        title: 'T',
        summary: 'S',
        category: 'Science',
        score: 1,
      }),
    ).rejects.toThrow(/foreign key/);
    const fk = only(otel.spans(), 'trends.save');
    expect(fk.status.code).toBe(SpanStatusCode.ERROR);
    expect(fk.attributes['error.type']).toBe('IntegrityError');
    expect(fk.attributes['db.response.status_code']).toBe('23503');
    expect(fk.status.message).toBe('IntegrityError 23503');
    // The driver's detail quotes the value ("Key (topic_id)=(…) is not present"): kept off the span.
    expect(JSON.stringify([fk.attributes, fk.events, fk.status])).not.toContain(missingTopic);
    otel.reset();
    await expect(storage.items.save({ ...item('bad'), url: 'not a url' })).rejects.toThrow(/url/);
    const invalid = only(otel.spans(), 'items.save');
    expect(invalid.attributes['error.type']).toBe('ValidationError');
    expect(invalid.status.code).toBe(SpanStatusCode.ERROR);
    // A value the database refused (class 22) is a ValidationError that keeps its SQLSTATE.
    otel.reset();
    await expect(storage.db.query('SELECT 1/0')).rejects.toMatchObject({
      name: 'ValidationError',
      code: '22012',
    });
    expect(only(otel.spans(), 'db.query').attributes['db.response.status_code']).toBe('22012');
    // The error the caller's own transaction callback threw is the transaction's error.
    otel.reset();
    class Abandoned extends Error {
      override name = 'Abandoned';
    }
    await expect(
      storage.transaction(() => {
        throw new Abandoned('no');
      }),
    ).rejects.toThrow(Abandoned);
    expect(only(otel.spans(), 'storage.transaction').attributes['error.type']).toBe('Abandoned');
    // One that does not set its name (it inherits 'Error') is named by its class.
    otel.reset();
    class MyAppError extends Error {}
    await expect(
      storage.transaction(() => {
        throw new MyAppError('no');
      }),
    ).rejects.toThrow(MyAppError);
    expect(only(otel.spans(), 'storage.transaction').attributes['error.type']).toBe('MyAppError');
  });

  test('the executor storage.db.transaction hands its callback is traced like the outer handle', async () => {
    const histogramCount = async (op: string) =>
      points(await otel.collect(), 'db.client.operation.duration', { 'db.operation.name': op })
        .map((p) => (p.value as { count: number }).count)
        .reduce((a, b) => a + b, 0);
    const execs = await histogramCount('db.exec');
    const { request } = await underRequest(() =>
      storage.db.transaction(async (t) => {
        await t.query('SELECT 1');
        await t.exec('SELECT 2');
        await t.transaction(async (t3) => t3.query('SELECT 3'));
      }),
    );
    const spans = otel.spans();
    const txs = spans.filter((s) => s.name === 'db.transaction');
    expect(txs).toHaveLength(2);
    const outer = txs.find((s) => isChildOf(s, request))!;
    const savepoint = txs.find((s) => s !== outer)!;
    expect(outer).toBeDefined();
    expect(isChildOf(savepoint, outer)).toBe(true);
    const queries = spans.filter((s) => s.name === 'db.query');
    expect(queries).toHaveLength(2);
    expect(queries.filter((s) => isChildOf(s, outer))).toHaveLength(1);
    expect(queries.filter((s) => isChildOf(s, savepoint))).toHaveLength(1);
    expect(isChildOf(only(spans, 'db.exec'), outer)).toBe(true);
    expect(await histogramCount('db.exec')).toBe(execs + 1);
  });

  test('db.collection.name: describeCollection is about the collection it names, listCollections about none', async (ctx) => {
    if (!engine.pgvector) ctx.skip();
    const vectors = storage.vectors({ name: 'rv_a', dimensions: 2 });
    await vectors.upsert({ id: 'x', vector: [1, 0] });
    otel.reset();
    await vectors.describeCollection('rv_b');
    await vectors.listCollections();
    await vectors.count();
    const spans = otel.spans();
    expect(only(spans, 'vectors.describeCollection').attributes['db.collection.name']).toBe('rv_b');
    expect(only(spans, 'vectors.listCollections').attributes).not.toHaveProperty('db.collection.name');
    expect(only(spans, 'vectors.count').attributes['db.collection.name']).toBe('rv_a');
    const all = await otel.collect();
    expect(
      points(all, 'db.client.operation.duration', { 'db.operation.name': 'vectors.describeCollection' }).map(
        (p) => p.attributes['db.collection.name'],
      ),
    ).toContain('rv_b');
  });

  test('every operation records db.client.operation.duration, in seconds, failures with error.type', async () => {
    const topicId = await storage.topics.save(topic);
    await storage.trends.getTopTrends({ limit: 3 });
    await storage.db.query('SELECT 1');
    await storage.trends
      .save({ topicId: randomUUID(), rank: 1, title: 'T', summary: 'S', category: 'Science', score: 1 })
      .catch(() => undefined);
    const all = await otel.collect();
    const metric = all.find((m) => m.descriptor.name === 'db.client.operation.duration')!;
    expect(metric.descriptor.unit).toBe('s');
    for (const op of ['topics.save', 'trends.getTopTrends', 'db.query']) {
      const [p] = points(all, 'db.client.operation.duration', {
        'db.operation.name': op,
        'error.type': undefined,
        ...where(),
      });
      expect(p, op).toBeDefined();
      const v = p!.value as { count: number; sum: number };
      expect(v.count, op).toBeGreaterThanOrEqual(1);
      expect(v.sum / v.count, op).toBeGreaterThan(0);
      expect(v.sum / v.count, op).toBeLessThan(30); // seconds, not milliseconds
      expect(p!.attributes['db.system.name']).toBe('postgresql');
    }
    const failed = points(all, 'db.client.operation.duration', {
      'db.operation.name': 'trends.save',
      'error.type': 'IntegrityError',
      'db.response.status_code': '23503',
      ...where(),
    });
    expect(failed.length).toBeGreaterThanOrEqual(1);
    expect((failed[0]!.value as { count: number }).count).toBeGreaterThanOrEqual(1);
    expect(topicId).toMatch(/-/);
  });

  test('the pool gauges move under load: connections used and callers waiting, then idle again', async () => {
    const pool = engine.name === 'postgres' ? 2 : 1;
    const loaded = await engine.open({ postgres: { poolMin: 0, poolMax: pool } });
    try {
      await loaded.db.query('SELECT 1'); // the pool has opened its first connection
      let open!: () => void;
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      // Transactions that hold every connection until the gate opens, then callers that must wait.
      const holders = Array.from({ length: pool }, () => loaded.transaction(() => gate));
      await new Promise((r) => setTimeout(r, 100));
      const waiters = [loaded.items.count(), loaded.topics.count(), loaded.db.query('SELECT 1')];
      await new Promise((r) => setTimeout(r, 50));
      const name = (p: { attributes: Record<string, unknown> }) =>
        p.attributes['db.client.connection.pool.name'];
      const poolName =
        engine.name === 'postgres'
          ? `${new URL(engine.url!).hostname}:${new URL(engine.url!).port || 5432}/${new URL(engine.url!).pathname.slice(1)}`
          : 'pglite:memory';
      const gauge = (all: Awaited<ReturnType<Otel['collect']>>, metric: string, state?: string) => {
        const found = points(all, metric, state ? { 'db.client.connection.state': state } : {}).filter(
          (p) => typeof name(p) === 'string' && (name(p) as string).startsWith(poolName),
        );
        // The store opened last in this file carries the pool name with the highest suffix.
        return found.map((p) => p.value as number);
      };
      const busy = await otel.collect();
      expect(loaded.db.poolStats()).toMatchObject({ used: pool, idle: 0, pending: 3, max: pool });
      expect(gauge(busy, 'db.client.connection.count', 'used')).toContain(pool);
      expect(gauge(busy, 'db.client.connection.pending_requests')).toContain(3);
      expect(gauge(busy, 'db.client.connection.max')).toContain(pool);
      open();
      await Promise.all([...holders, ...waiters]);
      const idle = await otel.collect();
      expect(loaded.db.poolStats()).toMatchObject({ used: 0, pending: 0 });
      expect(loaded.db.poolStats().idle).toBeGreaterThanOrEqual(1);
      expect(gauge(idle, 'db.client.connection.pending_requests')).not.toContain(3);
      expect(gauge(idle, 'db.client.connection.count', 'used').every((n) => n === 0)).toBe(true);
    } finally {
      await loaded.close();
    }
  });

  test('no parameter values and no passwords in any attribute, event or status, nor in the query log by default', async () => {
    const DB_PASSWORD = 'Pw-db-7f3a9q';
    const REDIS_PASSWORD = 'Pw-redis-k2m8x';
    const CANARY = 'zqcanary';
    const CANARY_UUID = '5ca1ab1e-0000-4000-8000-00000000c0de';
    // A real connection with each password: PostgreSQL takes it (the test server trusts the host),
    // Redis refuses every command without it (requirepass).
    const databaseUrl = engine.url
      ? Object.assign(new URL(engine.url), { password: DB_PASSWORD }).toString()
      : undefined;
    const redis = REDIS_URL ? await startPrivateRedis({ password: REDIS_PASSWORD }) : undefined;
    if (!redis) console.log('SKIPPED: observability, a Redis password — TREND_TEST_REDIS_URL is not set');
    const logged: QueryLogEvent[] = [];
    const revealed: QueryLogEvent[] = [];
    const leaky = async (options: CreateStorageOptions) =>
      engine.open({
        ...(databaseUrl ? { databaseUrl } : {}),
        ...(redis ? { redis: { url: redis.url } } : {}),
        log: { onQuery: (e) => logged.push(e) },
        ...options,
      });
    try {
      for (const statementText of [false, true]) {
        // The second store logs to a second log, with values (parameters: true): see the end.
        const s = await leaky(
          statementText
            ? { telemetry: { statementText }, log: { onQuery: (e) => revealed.push(e), parameters: true } }
            : { telemetry: { statementText } },
        );
        try {
          await s.items.saveBatch([item(`${CANARY}-1`, { title: `About ${CANARY}` }), item(`${CANARY}-2`)]);
          await s.items.search({ q: CANARY });
          await s.items.getBySourceId('reddit', `${CANARY}-1`);
          await s.trends
            .save({
              topicId: CANARY_UUID,
              rank: 1,
              title: CANARY,
              summary: CANARY,
              category: 'Science',
              score: 1,
            })
            .catch(() => undefined);
          await s.db.query(
            `SELECT $1::text AS p, '${CANARY}-literal' AS l, '${DB_PASSWORD}' AS pw, '${REDIS_PASSWORD}' AS rpw`,
            [CANARY],
          );
          await s.cache.set(`key-${CANARY}`, { secret: CANARY });
          await s.cache.get(`key-${CANARY}`);
          await s.cache.getOrSet(`other-${CANARY}`, () => CANARY);
          await s.cache.increment(`key-${CANARY}`).catch(() => undefined);
          if (engine.pgvector) {
            const v = s.vectors({ name: 'obs_leak', dimensions: 2 });
            await v.upsert({ id: `${CANARY}-v`, vector: [1, 0], metadata: { note: CANARY } });
            await v.search([1, 0], { filter: { field: 'note', eq: CANARY } });
          }
        } finally {
          await s.close();
        }
        const spans = otel.spans();
        expect(spans.length).toBeGreaterThan(8);
        if (statementText) {
          // Statement text is on: the SQL is there, its literals and the password are not.
          const texts = spans.map((x) => x.attributes['db.query.text']).filter(Boolean);
          expect(texts.join('\n')).toMatch(/SELECT \$1::text AS p, \? AS l, \? AS pw, \? AS rpw/);
        } else {
          expect(spans.every((x) => x.attributes['db.query.text'] === undefined)).toBe(true);
        }
        expect(spans.some((x) => x.attributes['error.type'] === 'IntegrityError')).toBe(true);
        const emitted = JSON.stringify(
          spans.map((x) => ({
            name: x.name,
            attributes: x.attributes,
            events: x.events,
            status: x.status,
            links: x.links,
          })),
        );
        const metrics = JSON.stringify(await otel.collect());
        for (const secret of [CANARY, CANARY_UUID, DB_PASSWORD, REDIS_PASSWORD]) {
          expect(emitted, `${secret} in spans (statementText ${statementText})`).not.toContain(secret);
          expect(metrics, `${secret} in metrics`).not.toContain(secret);
        }
        otel.reset();
      }
      // The query log, by default: statements and their figures, no values, no password.
      expect(logged.length).toBeGreaterThan(10);
      expect(logged.some((e) => e.text.includes('? AS l, ? AS pw') && e.params[0] === '[redacted]')).toBe(
        true,
      );
      const log = JSON.stringify(logged.map(({ error, ...e }) => ({ ...e, error: error?.name })));
      for (const secret of [CANARY, CANARY_UUID, DB_PASSWORD, REDIS_PASSWORD])
        expect(log).not.toContain(secret);
      // Asked for, values and literals come as sent; a password never does.
      const values = JSON.stringify(revealed.map(({ error, ...e }) => ({ ...e, error: error?.name })));
      expect(values).toContain(`'${CANARY}-literal'`);
      // The passwords this store was given (none to PGlite; Redis's only with a server to run).
      const configured = [...(databaseUrl ? [DB_PASSWORD] : []), ...(redis ? [REDIS_PASSWORD] : [])];
      for (const secret of configured) expect(values).not.toContain(secret);
      if (databaseUrl) expect(values).toContain("'****' AS pw");
      if (redis) expect(values).toContain("'****' AS rpw");
    } finally {
      redis?.stop();
    }
  });
});

describe('the cache', () => {
  const caches: { name: string; options: () => CreateStorageOptions; system: string; kind: SpanKind }[] = [
    {
      name: 'memory',
      options: () => ({ redis: false }),
      system: 'trend_storage.memory',
      kind: SpanKind.INTERNAL,
    },
    ...(REDIS_URL
      ? [
          {
            name: 'redis',
            options: () => ({ redis: { url: REDIS_URL! }, cachePrefix: testPrefix('obs') }),
            system: 'redis',
            kind: SpanKind.CLIENT,
          },
        ]
      : []),
  ];
  if (!REDIS_URL) console.log('SKIPPED: observability, the cache [redis] — TREND_TEST_REDIS_URL is not set');

  describe.each(caches)('[$name]', (c) => {
    let storage: Storage;
    beforeAll(async () => {
      storage = await createStorage({ dataDir: null, env: {}, ...c.options() });
    });
    afterAll(async () => {
      if (c.name === 'redis') await storage?.cache.flush();
      await storage?.close();
    });

    test('getOrSet is a span of the cache; the loader it runs is its child', async () => {
      const { result, request } = await underRequest(() =>
        storage.cache.getOrSet('top', () => storage.trends.getTopTrends({ limit: 1 }), { ttlSeconds: 60 }),
      );
      expect(result).toEqual([]);
      const spans = otel.spans();
      const span = only(spans, 'cache.getOrSet');
      expect(isChildOf(span, request)).toBe(true);
      expect(isChildOf(only(spans, 'trends.getTopTrends'), span)).toBe(true);
      expect(span.kind).toBe(c.kind);
      const redisTarget = REDIS_URL ? new URL(REDIS_URL) : undefined;
      expect(span.attributes).toEqual({
        'db.system.name': c.system,
        'db.operation.name': 'cache.getOrSet',
        'db.query.summary': 'cache.getOrSet',
        ...(c.name === 'redis'
          ? {
              'server.address': redisTarget!.hostname,
              'server.port': Number(redisTarget!.port || 6379),
              'db.namespace': '0',
            }
          : {}),
      });
    });

    test('setMany carries its batch size; a failed command is an error span with the reply code', async () => {
      await storage.cache.setMany({ a: 1, b: 2, c: 3 });
      expect(only(otel.spans(), 'cache.setMany').attributes['db.operation.batch.size']).toBe(3);
      otel.reset();
      await storage.cache.set('text', 'not a number');
      await expect(storage.cache.increment('text')).rejects.toThrow(/not an integer/);
      const failed = only(otel.spans(), 'cache.increment');
      expect(failed.status.code).toBe(SpanStatusCode.ERROR);
      expect(failed.attributes['error.type']).toBe('StorageError');
      expect(failed.attributes['db.response.status_code']).toBe('ERR');
    });

    test('hits and misses: counted by engine as metrics, and by cache.stats()', async () => {
      const before = await storage.cache.stats();
      const counter = async (name: string) =>
        points(await otel.collect(), name, { 'trend_storage.cache.engine': c.name })
          .map((p) => p.value as number)
          .reduce((a, b) => a + b, 0);
      const hits0 = await counter('trend_storage.cache.hits');
      const misses0 = await counter('trend_storage.cache.misses');
      await storage.cache.set('present', 1);
      await storage.cache.get('present');
      await storage.cache.get('present');
      await storage.cache.get('absent');
      await storage.cache.getMany(['present', 'absent', 'also-absent']);
      expect((await counter('trend_storage.cache.hits')) - hits0).toBe(3);
      expect((await counter('trend_storage.cache.misses')) - misses0).toBe(3);
      const after = await storage.cache.stats();
      expect(after.engine).toBe(c.name);
      expect(after.scope).toBe(c.name === 'redis' ? 'server' : 'process');
      // Redis counts every client of the server: others may have looked up keys meanwhile.
      expect(after.hits - before.hits).toBeGreaterThanOrEqual(3);
      expect(after.misses - before.misses).toBeGreaterThanOrEqual(3);
      expect(after.hitRatio).toBeCloseTo(after.hits / (after.hits + after.misses), 10);
      if (c.name === 'memory') expect(after.hits - before.hits).toBe(3);
    });
  });
});

test('an IPv6 literal is server.address without its URL brackets', async () => {
  if (!REDIS_URL) {
    console.log('SKIPPED: observability, Redis over IPv6 — TREND_TEST_REDIS_URL is not set');
    return;
  }
  // The machine's Redis listens on ::1 as well (the CI starts it with --bind 127.0.0.1 -::1).
  const url = new URL(REDIS_URL);
  url.hostname = '[::1]';
  const storage = await createStorage({
    dataDir: null,
    env: {},
    redis: { url: url.toString() },
    cachePrefix: testPrefix('obs6'),
  });
  try {
    otel.reset();
    await storage.cache.get('k');
    expect(only(otel.spans(), 'cache.get').attributes['server.address']).toBe('::1');
  } finally {
    await storage.close();
  }
});

test('docs/OBSERVABILITY.md names every span a store makes, methods added since included', async () => {
  const doc = readFileSync(new URL('../docs/OBSERVABILITY.md', import.meta.url), 'utf8');
  const storage = await createStorage({ dataDir: null, redis: false, env: {} });
  try {
    const names = [...Object.values(storage), storage.vectors()].flatMap((v) =>
      typeof v === 'object' || typeof v === 'function' ? operationsOf(v ?? {}) : [],
    );
    expect(names).toContain('storage.transaction');
    expect(names).toContain('items.saveBatch');
    expect(names).toContain('vectors.search');
    expect(names.filter((n) => !doc.includes(`\`${n}\``))).toEqual([]);
  } finally {
    await storage.close();
  }
});

test('telemetry off (the benchmark baseline): the objects are the repositories themselves, and record nothing', async () => {
  const storage = await createStorage({
    dataDir: null,
    redis: false,
    env: {},
    telemetry: { enabled: false },
  });
  try {
    expect(Object.getPrototypeOf(storage.items)).toBe(ItemRepository.prototype);
    expect(operationsOf(storage.items)).toEqual([]);
    await storage.items.count();
    await storage.cache.get('k');
    expect(otel.spans()).toEqual([]);
  } finally {
    await storage.close();
  }
});

describe('with no SDK registered', () => {
  test('nothing is recorded, and the store works as before; registering one later is seen', async () => {
    const storage = await createStorage({ dataDir: null, redis: false, env: {} });
    try {
      await storage.items.count(); // instruments and tracer made while the SDK is there
      otel.reset();
      otel.unregister();
      try {
        await storage.items.saveBatch([item('no-sdk-1'), item('no-sdk-2')]);
        expect(await storage.items.count()).toBe(2);
        expect(otel.spans()).toEqual([]);
      } finally {
        otel.register();
      }
      await storage.items.count();
      expect(otel.spans().map((s) => s.name)).toEqual(['items.count']);
    } finally {
      await storage.close();
    }
  });
});
