// The query log (`createStorage({ log })`) on PGlite and, when TREND_TEST_DATABASE_URL is set,
// PostgreSQL; and the statement sanitizer behind it and behind `db.query.text`.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { resolveConfig } from '../src/config.js';
import { IntegrityError, ValidationError } from '../src/domain/errors.js';
import type { QueryLogEvent } from '../src/observability/query-log.js';
import { maskUrlPasswords, Redactor, sanitizeSql } from '../src/observability/redact.js';
import { setupObservability } from '../src/observability/setup.js';
import { type CreateStorageOptions, createStorage, type Storage } from '../src/storage.js';
import { createServerDatabase, SERVER_URL } from './support/engines.js';
import { rejection } from './support/fixtures.js';

const server = SERVER_URL ? await createServerDatabase() : undefined;
afterAll(() => server?.drop());
if (!SERVER_URL) console.log('SKIPPED: query log [postgres] — TREND_TEST_DATABASE_URL is not set');

const engines: { name: string; open(options: CreateStorageOptions): Promise<Storage> }[] = [
  { name: 'pglite', open: (o) => createStorage({ dataDir: null, redis: false, env: {}, ...o }) },
  ...(server
    ? [
        {
          name: 'postgres',
          open: (o: CreateStorageOptions) =>
            createStorage({
              databaseUrl: server.url,
              postgres: { poolMin: 0, poolMax: 2 },
              redis: false,
              env: {},
              ...o,
            }),
        },
      ]
    : []),
];

const item = (n: string, title = `Logged ${n}`) => ({
  source: 'rss' as const,
  sourceId: `log-${n}`,
  url: `https://example.com/log/${n}`,
  title,
  publishedAt: new Date('2026-01-01T00:00:00Z'),
});

describe.each(engines)('query log [$name]', (engine) => {
  const events: QueryLogEvent[] = [];
  const withValues: QueryLogEvent[] = [];
  let storage: Storage;
  let revealing: Storage;
  beforeAll(async () => {
    storage = await engine.open({ log: { onQuery: (e) => events.push(e), slowQueryMs: 40 } });
    revealing = await engine.open({
      log: { onQuery: (e) => withValues.push(e), parameters: true },
      autoMigrate: false,
    });
    await storage.db.exec('CREATE TABLE IF NOT EXISTS log_notes (id int PRIMARY KEY, body text)');
  });
  afterAll(async () => {
    await revealing?.close();
    await storage?.close();
  });
  beforeEach(() => {
    events.length = 0;
    withValues.length = 0;
  });

  test('every statement: its text, duration and row count; bind values and literals redacted', async () => {
    await storage.db.query('DELETE FROM log_notes');
    events.length = 0;
    await storage.db.query("INSERT INTO log_notes VALUES (1, 'one'), (2, $1), (3, $2)", ['two', 'three']);
    const rows = await storage.db.query('SELECT id FROM log_notes WHERE id >= $1 ORDER BY id', [2]);
    expect(rows).toHaveLength(2);
    expect(events).toHaveLength(2);
    const [insert, select] = events;
    expect(insert).toMatchObject({
      text: 'INSERT INTO log_notes VALUES (?, ?), (?, $1), (?, $2)',
      params: ['[redacted]', '[redacted]'],
      rowCount: 3,
      slow: false,
    });
    expect(select).toMatchObject({
      text: 'SELECT id FROM log_notes WHERE id >= $1 ORDER BY id',
      params: ['[redacted]'],
      rowCount: 2,
    });
    expect(select!.durationMs).toBeGreaterThan(0);
    expect(select!.error).toBeUndefined();
  });

  test('parameters: true hands over the values and the text as sent', async () => {
    await revealing.db.query("SELECT $1::text AS a, 'lit' AS b, 42 AS c", ['value']);
    expect(withValues).toEqual([
      expect.objectContaining({
        text: "SELECT $1::text AS a, 'lit' AS b, 42 AS c",
        params: ['value'],
        rowCount: 1,
      }),
    ]);
  });

  test('a repository call logs what it sent; a transaction its BEGIN and COMMIT, or ROLLBACK', async () => {
    await storage.items.saveBatch([item(randomUUID()), item(randomUUID())]);
    expect(events.some((e) => /^\s*INSERT INTO processed_items/.test(e.text) && e.rowCount === 2)).toBe(true);
    events.length = 0;
    await storage.transaction(async (tx) => {
      await tx.topics.save({ title: 'T', summary: 'S', category: 'Science' });
    });
    expect(events.map((e) => e.text.split(/\s/)[0])).toEqual(['BEGIN', 'INSERT', 'COMMIT']);
    events.length = 0;
    await storage
      .transaction(async () => {
        throw new Error('changed my mind');
      })
      .catch(() => undefined);
    expect(events.map((e) => e.text)).toEqual(['BEGIN', 'ROLLBACK']);
  });

  test('a failed statement: its error class and code, no row count; the message only with parameters: true', async () => {
    const topicId = randomUUID();
    const save = (s: Storage) =>
      s.trends.save({ topicId, rank: 1, title: 'T', summary: 'S', category: 'Science', score: 1 });
    const err = await rejection(() => save(storage));
    expect(err).toBeInstanceOf(IntegrityError);
    const failed = events.find((e) => e.error);
    // The driver's message quotes the refused value: "Key (topic_id)=(…) is not present".
    expect(failed?.error).toEqual({ name: 'IntegrityError', code: '23503', message: 'IntegrityError 23503' });
    expect(JSON.stringify(events)).not.toContain(topicId);
    expect(failed?.rowCount).toBeNull();
    await rejection(() => revealing.db.query('SELECT $1::int', [topicId]));
    const revealed = withValues.find((e) => e.error);
    expect(revealed?.error?.message).toContain(topicId);
  });

  test('with parameters: true an error message is handed over with a configured password masked', async () => {
    const PASSWORD = "O'Brien-Canary";
    const logged: QueryLogEvent[] = [];
    const s = await engine.open({
      qdrant: { url: 'http://127.0.0.1:6399', apiKey: PASSWORD },
      log: { onQuery: (e) => logged.push(e), parameters: true },
      autoMigrate: false,
    });
    try {
      // The database echoes the value it refused; SQL text doubles the quote inside a literal.
      await rejection(() => s.db.query('SELECT $1::int', [PASSWORD]));
      await s.db.query(`SELECT 'O''Brien-Canary' AS a, 1 AS "O'Brien-Canary"`);
    } finally {
      await s.close();
    }
    expect(logged.find((e) => e.error)?.error).toMatchObject({ name: 'ValidationError', code: '22P02' });
    expect(logged.find((e) => e.error)?.error?.message).toContain('****');
    expect(JSON.stringify(logged)).not.toMatch(/o'{1,2}brien-canary/i);
  });

  test('slow: a statement that takes slowQueryMs or longer', async () => {
    await storage.db.query('SELECT pg_sleep(0.06)');
    await storage.db.query('SELECT 1');
    expect(events.map((e) => [e.text, e.slow])).toEqual([
      ['SELECT pg_sleep(?)', true],
      ['SELECT ?', false],
    ]);
    expect(events[0]!.durationMs).toBeGreaterThanOrEqual(40);
  });

  test('parameters: true masks a configured password inside array and object values, in any letter case', async () => {
    const PASSWORD = 'S3cretCanary';
    const logged: QueryLogEvent[] = [];
    // Qdrant's API key is a configured password; the store only reaches Qdrant on a vector call.
    const s = await engine.open({
      qdrant: { url: 'http://127.0.0.1:6399', apiKey: PASSWORD },
      log: { onQuery: (e) => logged.push(e), parameters: true },
    });
    try {
      // saveBatch sends its columns as arrays; title_normalized is the title lower-cased.
      await s.items.saveBatch([item(`pw-${randomUUID()}`, `t ${PASSWORD}`), item(`pw-${randomUUID()}`)]);
      await s.db.query('SELECT $1::jsonb AS j, $2::jsonb AS k', [
        { pw: PASSWORD, list: [`x ${PASSWORD}`], [PASSWORD]: 1 },
        JSON.stringify({ pw: PASSWORD }),
      ]);
    } finally {
      await s.close();
    }
    expect(JSON.stringify(logged)).not.toMatch(/s3cretcanary/i);
    const batch = logged.find((e) => /^\s*INSERT INTO processed_items/.test(e.text));
    expect(batch?.params).toContainEqual(expect.arrayContaining(['t ****']));
    const json = logged.find((e) => e.text.includes('$1::jsonb'));
    expect(json?.params).toEqual([{ pw: '****', list: ['x ****'], '****': 1 }, '{"pw":"****"}']);
  });

  test("the wait for a connection is part of a statement's duration", async () => {
    // Every connection held by a transaction waiting on a gate: the next statements queue.
    const held = engine.name === 'postgres' ? 2 : 1;
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const holders = Array.from({ length: held }, () => storage.transaction(() => gate));
    await new Promise((r) => setTimeout(r, 20));
    const waiters = [storage.db.query('SELECT 2 AS waited'), storage.db.exec('SELECT 3 AS waited_too')];
    await new Promise((r) => setTimeout(r, 80));
    open();
    await Promise.all([...holders, ...waiters]);
    for (const text of ['SELECT ? AS waited', 'SELECT ? AS waited_too']) {
      const e = events.find((x) => x.text === text);
      expect(e?.durationMs, text).toBeGreaterThanOrEqual(60);
    }
  });

  test('an async log function that rejects is ignored, from the migrations at open on', async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', listener);
    try {
      const s = await engine.open({
        log: {
          onQuery: async () => {
            throw new Error('async log sink down');
          },
        },
      });
      try {
        expect(await s.db.query<{ n: number }>('SELECT 1 AS n')).toEqual([{ n: 1 }]);
      } finally {
        await s.close();
      }
      await new Promise((r) => setTimeout(r, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', listener);
    }
  });

  test('a log function that throws does not fail the statement', async () => {
    const s = await engine.open({
      autoMigrate: false,
      log: {
        onQuery: () => {
          throw new Error('log sink down');
        },
      },
    });
    try {
      expect(await s.db.query<{ n: number }>('SELECT 1 AS n')).toEqual([{ n: 1 }]);
    } finally {
      await s.close();
    }
  });
});

test('log and telemetry are checked at createStorage, each field named', async () => {
  const bad: [CreateStorageOptions, string][] = [
    [{ log: { onQuery: 'console.log' as unknown as () => void } }, 'log.onQuery'],
    [{ log: { onQuery: () => undefined, slowQueryMs: -1 } }, 'log.slowQueryMs'],
    [{ log: { onQuery: () => undefined, parameters: 'yes' as unknown as boolean } }, 'log.parameters'],
    [{ log: { onQuery: () => undefined, slowMs: 5 } as never }, 'log.slowMs'],
    [{ log: null as never }, 'log'],
    [{ telemetry: { statementText: 1 as unknown as boolean } }, 'telemetry.statementText'],
    [{ telemetry: { sampling: 1 } as never }, 'telemetry.sampling'],
    [{ telemetry: null as never }, 'telemetry'],
  ];
  for (const [options, field] of bad) {
    const err = await rejection(() => createStorage({ dataDir: null, redis: false, env: {}, ...options }));
    expect(err, field).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).field, JSON.stringify(options)).toBe(field);
  }
});

describe('statement text, as telemetry and the log emit it', () => {
  test.each([
    ["SELECT * FROM t WHERE a = 'x' AND b = 'it''s'", 'SELECT * FROM t WHERE a = ? AND b = ?'],
    ["SELECT E'a\\'b', e'\\\\' FROM t", 'SELECT ?, ? FROM t'],
    ["SELECT $$body with $1 and 'quote'$$, $tag$x$tag$", 'SELECT ?, ?'],
    ['SELECT 42, 3.14, .5, 1e10, -7 FROM t LIMIT 10', 'SELECT ?, ?, ?, ?, -? FROM t LIMIT ?'],
    [
      'SELECT $1::int4, $12 FROM vec_item_embeddings_2 WHERE sp_1 = col9',
      'SELECT $1::int4, $12 FROM vec_item_embeddings_2 WHERE sp_1 = col9',
    ],
    ['SELECT "col ""1""", "it\'s" FROM "T2"', 'SELECT "col ""1""", "it\'s" FROM "T2"'],
    ["SELECT 1 -- it's 2\n, 3 /* '4' */", "SELECT ? -- it's 2\n, ? /* '4' */"],
    ['UPDATE t SET ok = TRUE, gone = false WHERE id = $1', 'UPDATE t SET ok = ?, gone = ? WHERE id = $1'],
    ["ALTER ROLE app PASSWORD 'hunter2secret'", 'ALTER ROLE app PASSWORD ?'],
    // Block comments nest: the first */ does not end this one.
    ["SELECT /* a /* b */ it's */ 'NestedSecret'", "SELECT /* a /* b */ it's */ ?"],
    ['SELECT 0x1F, 0o17, 0b101, 1_000, 1_000.5e1_0, 0xFFFF_FFFF FROM t', 'SELECT ?, ?, ?, ?, ?, ? FROM t'],
    [`SELECT ${'9'.repeat(100)}.${'1'.repeat(100)}`, 'SELECT ?'],
  ])('%s', (sql, expected) => {
    expect(sanitizeSql(sql)).toBe(expected);
  });

  test('passwords are masked from any text: in URLs, and configured ones by value', () => {
    expect(
      maskUrlPasswords('could not reach postgres://app:s3cret@db:5432/x and redis://:pw@cache:6379'),
    ).toBe('could not reach postgres://app:****@db:5432/x and redis://:****@cache:6379');
    const r = new Redactor(['s3cret-pw', undefined, 'ab']);
    expect(r.scrub("SELECT 's3cret-pw' -- ab")).toBe("SELECT '****' -- ab"); // too short to mask by value: ab
    expect(new Redactor(['p@ss/word']).scrub('x p%40ss%2Fword y p@ss/word')).toBe('x **** y ****');
  });

  test("a configured password holding '@' or '/' is masked whole inside a URL", () => {
    expect(new Redactor(['S3cr@t/Canary:x']).scrub('see https://user:S3cr@t/Canary:x@example.com/p')).toBe(
      'see https://user:****@example.com/p',
    );
  });

  test('bind values: masked inside arrays, plain objects and JSON text, in any letter case', () => {
    const r = new Redactor(['S3cretCanary', 'q"uote\\pw']);
    const date = new Date(0);
    expect(
      r.scrubValue([
        ['t S3cretCanary', 't s3cretcanary', null, 7],
        { pw: 'S3CRETCANARY', nested: { deep: ['S3cretCanary'] }, at: date },
        JSON.stringify({ pw: 'q"uote\\pw' }),
      ]),
    ).toEqual([
      ['t ****', 't ****', null, 7],
      { pw: '****', nested: { deep: ['****'] }, at: date },
      '{"pw":"****"}',
    ]);
    const cyclic: Record<string, unknown> = { pw: 'S3cretCanary' };
    cyclic.self = cyclic;
    expect(r.scrubValue(cyclic)).toEqual({ pw: '****', self: '[circular]' });
  });

  test('a Qdrant URL password that is not valid percent-encoding is masked as written, not thrown on', async () => {
    // (A Redis URL like it is refused by resolveConfig: ioredis would throw decoding it.)
    const config = resolveConfig({
      dataDir: null,
      env: {},
      qdrant: { url: 'http://u:pa%zzss@127.0.0.1:6399' },
    });
    const logged: QueryLogEvent[] = [];
    const observed = setupObservability(config, {
      log: { onQuery: (e) => logged.push(e), parameters: true },
    });
    observed.onStatement!({
      text: "SELECT 'pa%zzss', 'PA%ZZSS'",
      params: ['redis://:pa%zzss@h'],
      durationMs: 1,
      rowCount: 1,
      error: undefined,
    });
    expect(logged[0]).toMatchObject({ text: "SELECT '****', '****'", params: ['redis://:****@h'] });
    // And a store opens with one (Qdrant is reached only on a vector call).
    const s = await createStorage({
      dataDir: null,
      redis: false,
      env: {},
      autoMigrate: false,
      qdrant: { url: 'http://u:pa%zz@127.0.0.1:6399' },
    });
    await s.close();
  });
});
