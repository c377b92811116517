import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  IntegrityError,
  LimitExceededError,
  PermissionDeniedError,
  StorageError,
  ValidationError,
} from '../../src/domain/errors.js';
import { encodeBinaryCopy } from '../../src/sql/copy-binary.js';
import { migrate } from '../../src/sql/migrate.js';
import type { SqlEngine, TestDatabase } from '../support/engines.js';

/** What every SQL executor must do, whatever the engine underneath. */
export function executorContract(engine: SqlEngine): void {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await engine.create();
    await migrate(t.db);
    await t.db.exec('CREATE TABLE probe (id int PRIMARY KEY, note text); CREATE TABLE probe2 (id int)');
  });
  afterAll(() => t?.dispose());

  const count = async () => (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM probe'))[0]!.n;

  test('query binds parameters and maps types', async () => {
    const [row] = await t.db.query<{ a: number; b: string; c: Date; d: unknown; e: string[] }>(
      `SELECT $1::int AS a, $2::text AS b, $3::timestamptz AS c, $4::jsonb AS d, $5::text[] AS e`,
      [7, "it's; --", new Date('2026-01-02T03:04:05Z'), JSON.stringify({ x: [1, 'y'] }), ['p', 'q']],
    );
    expect(row).toEqual({
      a: 7,
      b: "it's; --",
      c: new Date('2026-01-02T03:04:05Z'),
      d: { x: [1, 'y'] },
      e: ['p', 'q'],
    });
  });

  test('a statement that is not text, or bind values that are not an array, are refused before the driver sees them', async () => {
    const bad: [() => Promise<unknown>, string][] = [
      [() => t.db.query({} as never), 'text'],
      [() => t.db.query(123 as never), 'text'],
      [() => t.db.exec(undefined as never), 'text'],
      [() => t.db.query('SELECT $1::int AS n', 7 as never), 'params'],
      [() => t.db.transaction((tx) => tx.query({ text: 'SELECT 1' } as never)), 'text'],
    ];
    for (const [call, field] of bad) {
      await expect(call()).rejects.toMatchObject({ name: 'ValidationError', field });
      // PGlite was left half-way through its protocol: the next caller's statement failed.
      expect(await t.db.query<{ n: number }>('SELECT 1 AS n')).toEqual([{ n: 1 }]);
    }
  });

  test('a transaction commits when its function resolves', async () => {
    const result = await t.db.transaction(async (tx) => {
      await tx.query(`INSERT INTO probe VALUES (1, 'a')`);
      return 'done';
    });
    expect(result).toBe('done');
    expect(await count()).toBe(1);
  });

  test('a transaction rolls back everything when its function throws', async () => {
    await expect(
      t.db.transaction(async (tx) => {
        await tx.query(`INSERT INTO probe VALUES (2, 'b')`);
        await tx.query(`INSERT INTO probe2 VALUES (2)`);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await count()).toBe(1);
    expect(await t.db.query('SELECT * FROM probe2')).toEqual([]);
  });

  test('a failed statement rolls the transaction back and leaves the executor usable', async () => {
    await expect(
      t.db.transaction(async (tx) => {
        await tx.query(`INSERT INTO probe VALUES (3, 'c')`);
        await tx.query(`INSERT INTO probe VALUES (1, 'duplicate')`);
      }),
    ).rejects.toThrow(IntegrityError);
    expect(await count()).toBe(1);
    expect(await t.db.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  test('a nested transaction is a savepoint: its failure does not undo the outer work', async () => {
    await t.db.transaction(async (tx) => {
      await tx.query(`INSERT INTO probe VALUES (10, 'outer')`);
      await expect(
        tx.transaction(async (inner) => {
          await inner.query(`INSERT INTO probe VALUES (11, 'inner')`);
          throw new Error('inner fails');
        }),
      ).rejects.toThrow('inner fails');
    });
    const ids = (await t.db.query<{ id: number }>('SELECT id FROM probe WHERE id >= 10')).map((r) => r.id);
    expect(ids).toEqual([10]);
  });

  test("the caller's own error comes back from a transaction unchanged", async () => {
    class Mine extends Error {}
    const thrown = new Mine('mine');
    const caught = await t.db
      .transaction(async (tx) => {
        await tx.query(`INSERT INTO probe VALUES (12, 'x')`);
        throw thrown;
      })
      .catch((err: unknown) => err);
    expect(caught).toBe(thrown);
    // …also when it carries a SQLSTATE-looking code: only the database's own failures are retried.
    let calls = 0;
    const coded = Object.assign(new Error('looks retryable'), { code: '40001' });
    await expect(
      t.db.transaction(async () => {
        calls++;
        throw coded;
      }),
    ).rejects.toBe(coded);
    expect(calls).toBe(1);
  });

  test('writes through the outer handle inside a transaction join it (and roll back with it)', async () => {
    await expect(
      t.db.transaction(async (tx) => {
        await tx.query(`INSERT INTO probe VALUES (13, 'via tx')`);
        await t.db.query(`INSERT INTO probe VALUES (14, 'via outer handle')`);
        const [seen] = await t.db.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM probe WHERE id IN (13, 14)',
        );
        expect(seen!.n).toBe(2); // the outer handle sees the transaction's own rows
        throw new Error('roll back both');
      }),
    ).rejects.toThrow('roll back both');
    expect(await t.db.query('SELECT id FROM probe WHERE id IN (13, 14)')).toEqual([]);
  });

  test('nested transactions started side by side run one after the other; a failing one undoes only itself', async () => {
    await t.db.transaction(async (tx) => {
      const results = await Promise.allSettled([
        tx.transaction(async (a) => {
          await a.query(`INSERT INTO probe VALUES (15, 'a')`);
          await new Promise((r) => setTimeout(r, 20));
          throw new Error('a fails');
        }),
        tx.transaction(async (b) => {
          await b.query(`INSERT INTO probe VALUES (16, 'b')`);
          return 'b ok';
        }),
        t.db.transaction(async (c) => {
          await c.query(`INSERT INTO probe VALUES (17, 'c')`);
          await c.transaction((d) => d.query(`INSERT INTO probe VALUES (18, 'd')`));
          return 'c ok';
        }),
      ]);
      expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    });
    const ids = (
      await t.db.query<{ id: number }>('SELECT id FROM probe WHERE id BETWEEN 15 AND 18 ORDER BY id')
    ).map((r) => r.id);
    expect(ids).toEqual([16, 17, 18]);
  });

  test('calls outside a running transaction wait for it and never see its uncommitted rows', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const tx = t.db.transaction(async (inner) => {
      await inner.query(`INSERT INTO probe VALUES (20, 'pending')`);
      await gate;
    });
    await new Promise((r) => setTimeout(r, 20));
    const outside = t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM probe WHERE id = 20');
    const early = await Promise.race([outside, new Promise((r) => setTimeout(() => r('waiting'), 500))]);
    release();
    await tx;
    if (engine.name === 'pglite') {
      // One connection: the read waits for the commit, then sees the row.
      expect(early).toBe('waiting');
      expect((await outside)[0]!.n).toBe(1);
    } else {
      // Another pooled connection: the read answers at once, from committed data only.
      expect(early).toEqual([{ n: 0 }]);
    }
  });

  test('code inside a transaction can call the outer handle without deadlocking', async () => {
    const result = await Promise.race([
      t.db.transaction(async (tx) => {
        await tx.query(`INSERT INTO probe VALUES (30, 'x')`);
        const rows = await t.db.query('SELECT 1 AS one');
        return rows.length;
      }),
      new Promise((_, reject) => setTimeout(() => reject(new Error('deadlock')), 5000)),
    ]);
    expect(result).toBe(1);
  });

  test('constraint violations are IntegrityErrors naming the constraint', async () => {
    const fail = async (sql: string) => {
      try {
        await t.db.query(sql);
      } catch (e) {
        return e as IntegrityError;
      }
      throw new Error('expected an error');
    };
    await t.db.query(`INSERT INTO processed_items (source, source_id, url, title, title_normalized, published_at)
      VALUES ('reddit', 'dup', 'u', 't', 't', now())`);
    const unique =
      await fail(`INSERT INTO processed_items (source, source_id, url, title, title_normalized, published_at)
      VALUES ('reddit', 'dup', 'u', 't', 't', now())`);
    expect(unique).toBeInstanceOf(IntegrityError);
    expect(unique.constraint).toBe('processed_items_source_unique');
    expect(unique.code).toBe('23505');
    expect(unique.cause).toBeDefined();
    const fk = await fail(`INSERT INTO trends (topic_id, rank, title, summary, category, score, first_seen)
      VALUES (gen_random_uuid(), 1, 't', 's', 'Other', 1, now())`);
    expect(fk.constraint).toBe('trends_topic_id_fkey');
    const check = await fail(`INSERT INTO plugin_health (name, success_rate) VALUES ('p', 2)`);
    expect(check.constraint).toBe('plugin_health_success_rate_check');
  });

  test('other driver errors are StorageErrors with the SQLSTATE and the cause', async () => {
    const err = await t.db.query('SELECT * FROM no_such_table').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).code).toBe('42P01');
    const bad = await t.db.query(`SELECT 'not-a-uuid'::uuid`).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ValidationError);
  });

  test('a hard limit and a missing privilege have error classes that say so', async () => {
    const limit = await t.db.query('SELECT array_fill(1, ARRAY[1000000000])').catch((e: unknown) => e);
    expect(limit).toBeInstanceOf(LimitExceededError);
    expect((limit as StorageError).code).toBe('54000');
    const role = `ts_no_rights_${process.pid}`;
    await t.db.exec(`CREATE ROLE ${role}`);
    try {
      const denied = await t.db
        .transaction(async (tx) => {
          await tx.query(`SET LOCAL ROLE ${role}`);
          await tx.query('SELECT * FROM probe');
        })
        .catch((e: unknown) => e);
      expect(denied).toBeInstanceOf(PermissionDeniedError);
      expect((denied as StorageError).code).toBe('42501');
    } finally {
      await t.db.exec(`DROP ROLE ${role}`);
    }
  });

  test('copyIn loads binary COPY input exactly, and a malformed one is an error that writes nothing', async () => {
    await t.db.exec('CREATE TABLE copied (id text, doc jsonb)');
    const rows = [
      ['plain', { a: 1 }],
      ["quote ' and \\ backslash; --", { nested: { list: [1, 'two', null, true] } }],
      ['', {}],
      ['emoji 🚀 and ünïcode', { text: 'tab\there' }],
    ] as const;
    await t.db.copyIn(
      { table: 'copied', columns: ['id', 'doc'] },
      encodeBinaryCopy(rows.map(([id, doc]) => [{ text: id }, { jsonb: JSON.stringify(doc) }])),
    );
    const back = await t.db.query<{ id: string; doc: unknown }>('SELECT id, doc FROM copied ORDER BY id');
    expect(back).toEqual([...rows].map(([id, doc]) => ({ id, doc })).sort((a, b) => (a.id < b.id ? -1 : 1)));
    const truncated = encodeBinaryCopy([[{ text: 'x' }, { jsonb: '{}' }]]).slice(0, -4);
    await expect(t.db.copyIn({ table: 'copied', columns: ['id', 'doc'] }, truncated)).rejects.toBeInstanceOf(
      StorageError,
    );
    expect(await t.db.query('SELECT 1 FROM copied')).toHaveLength(rows.length);
  });
}
