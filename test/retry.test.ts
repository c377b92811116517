// Deadlocks and serialization failures, caused for real on the PostgreSQL server and met by
// PgDatabase's retries: the losing callback runs again, and every transaction ends committed.
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import { IntegrityError, type StorageError } from '../src/domain/errors.js';
import type { PgDatabase } from '../src/sql/pg.js';
import { createServerDatabase, describeServer, openServerDatabase } from './support/engines.js';

/** A promise with its resolver, to order steps across concurrent transactions. */
function signal() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describeServer('transaction retries on the PostgreSQL server', () => {
  let server: Awaited<ReturnType<typeof createServerDatabase>>;
  let db: PgDatabase;
  const rows = () => db.query<{ id: number; n: number }>('SELECT id, n FROM acct ORDER BY id');

  beforeAll(async () => {
    server = await createServerDatabase();
    db = await openServerDatabase(server.url, 4);
  });
  afterAll(async () => {
    await db?.close();
    await server?.drop();
  });
  beforeEach(async () => {
    await db.exec(
      'DROP TABLE IF EXISTS acct; CREATE TABLE acct (id int PRIMARY KEY, n int NOT NULL); INSERT INTO acct VALUES (1, 0), (2, 0)',
    );
  });

  test('two transactions locking two rows in opposite order: the deadlock victim runs again, both commit', async () => {
    const runs = { forward: 0, backward: 0 };
    const failures: string[] = [];
    let holding = 0;
    const bothHoldOne = signal();
    const both = (name: keyof typeof runs, first: number, second: number) =>
      db.transaction(async (tx) => {
        const attempt = ++runs[name];
        await tx.query('UPDATE acct SET n = n + 1 WHERE id = $1', [first]);
        // First attempts only: each holds its first row until the other holds its own, so each
        // then waits for the other — a deadlock, which PostgreSQL breaks by failing one of them.
        if (attempt === 1) {
          if (++holding === 2) bothHoldOne.resolve();
          await bothHoldOne.promise;
        }
        try {
          await tx.query('UPDATE acct SET n = n + 1 WHERE id = $1', [second]);
        } catch (err) {
          failures.push(`${name} ${(err as StorageError).code}`);
          throw err;
        }
      });
    await Promise.all([both('forward', 1, 2), both('backward', 2, 1)]);
    expect(failures).toHaveLength(1);
    const [loser, code] = failures[0]!.split(' ');
    expect(code).toBe('40P01');
    expect(runs).toEqual({ forward: loser === 'forward' ? 2 : 1, backward: loser === 'backward' ? 2 : 1 });
    // Each committed once: the victim's first attempt was rolled back whole.
    expect(await rows()).toEqual([
      { id: 1, n: 2 },
      { id: 2, n: 2 },
    ]);
  });

  test('a single statement that loses a deadlock is sent again, and the transaction it crossed runs once', async () => {
    let runs = 0;
    const holdsRow2 = signal();
    const statementWaits = signal();
    const tx = db.transaction(async (t) => {
      runs++;
      await t.query('UPDATE acct SET n = n + 10 WHERE id = 2');
      if (runs === 1) {
        holdsRow2.resolve();
        await statementWaits.promise;
      }
      await t.query('UPDATE acct SET n = n + 10 WHERE id = 1');
    });
    await holdsRow2.promise;
    const statement = db.query('UPDATE acct SET n = n + 1 WHERE id IN (1, 2)');
    // Until the statement holds row 1 (its transaction is row 1's xmax) and waits for a lock (row 2).
    // It waits first, so its deadlock check fires first and PostgreSQL fails it, not the transaction.
    for (;;) {
      const [w] = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity a JOIN acct r ON r.id = 1 AND r.xmax = a.backend_xid
         WHERE a.datname = current_database() AND a.wait_event_type = 'Lock'`,
      );
      if (w!.n === 1) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    statementWaits.resolve();
    await Promise.all([tx, statement]);
    expect(runs).toBe(1);
    expect(await rows()).toEqual([
      { id: 1, n: 11 },
      { id: 2, n: 11 },
    ]);
  });

  test('REPEATABLE READ: a row changed since the snapshot fails the update (40001); the retry reads afresh, no update lost', async () => {
    let runs = 0;
    const codes: string[] = [];
    const snapshotTaken = signal();
    const otherCommitted = signal();
    const increment = db.transaction(async (tx) => {
      runs++;
      await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      const [row] = await tx.query<{ n: number }>('SELECT n FROM acct WHERE id = 1');
      if (runs === 1) {
        snapshotTaken.resolve();
        await otherCommitted.promise;
      }
      try {
        // Read, modify, write: with the stale read and no failure, the other's +10 would be lost.
        await tx.query('UPDATE acct SET n = $1 WHERE id = 1', [row!.n + 1]);
      } catch (err) {
        codes.push((err as StorageError).code!);
        throw err;
      }
    });
    await snapshotTaken.promise;
    await db.transaction((tx) => tx.query('UPDATE acct SET n = n + 10 WHERE id = 1'));
    otherCommitted.resolve();
    await increment;
    expect(codes).toEqual(['40001']);
    expect(runs).toBe(2);
    expect((await rows())[0]).toEqual({ id: 1, n: 11 });
  });

  test('SERIALIZABLE write skew: the later COMMIT is refused and retried; the retry sees the first, the invariant holds', async () => {
    // Two rows on call (n = 0); each transaction takes its row off only if both are on. Run one
    // after the other, the second finds one on and leaves it: one must stay on. Here both read
    // before either writes, and each writes a row the other read.
    const runs = { a: 0, b: 0 };
    const aRead = signal();
    const bRead = signal();
    const bWrote = signal();
    let aCommitted: Promise<void> | undefined;
    const offCall = (me: 'a' | 'b', id: number) =>
      db.transaction(async (tx) => {
        const first = ++runs[me] === 1;
        await tx.query('SET TRANSACTION ISOLATION LEVEL SERIALIZABLE');
        const [on] = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM acct WHERE n = 0');
        if (first) {
          (me === 'a' ? aRead : bRead).resolve();
          await (me === 'a' ? bRead : aRead).promise;
          if (me === 'a') await bWrote.promise; // a commits only once b has written
        }
        if (on!.n === 2) await tx.query('UPDATE acct SET n = 1 WHERE id = $1', [id]);
        if (me === 'b' && first) {
          bWrote.resolve();
          // Committing after a, b is the one PostgreSQL refuses. The rows differ, so no lock is
          // ever waited for and no deadlock is possible: the retry can only be for 40001.
          await aCommitted;
        }
      });
    aCommitted = offCall('a', 1);
    const b = offCall('b', 2);
    await Promise.all([aCommitted, b]);
    expect(runs).toEqual({ a: 1, b: 2 });
    expect(await rows()).toEqual([
      { id: 1, n: 1 },
      { id: 2, n: 0 },
    ]);
  });

  test('an error that is not a deadlock or serialization failure is not retried', async () => {
    let runs = 0;
    const err = await db
      .transaction(async (tx) => {
        runs++;
        await tx.query('INSERT INTO acct VALUES (1, 5)');
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntegrityError);
    expect(runs).toBe(1);
  });
});
