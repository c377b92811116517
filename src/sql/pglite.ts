import { join } from 'node:path';
import { type Extensions, PGlite, types } from '@electric-sql/pglite';
import { pgcrypto } from '@electric-sql/pglite/contrib/pgcrypto';
import { uuid_ossp } from '@electric-sql/pglite/contrib/uuid_ossp';
import { StorageError } from '../domain/errors.js';
import { lockDataDir } from './data-dir-lock.js';
import { mapDriverError } from './errors.js';
import {
  backoff,
  type CopyTarget,
  checkStatement,
  clockFor,
  type Database,
  type Executor,
  isRetryable,
  MAX_ATTEMPTS,
  observeStatement,
  type PoolStats,
  type Row,
  type StatementHook,
} from './executor.js';
import { activeScope, inNewScope, savepoint } from './tx-scope.js';

export interface PGliteOptions {
  /**
   * A directory for the store (PostgreSQL's files in `pgdata/`, a `lock` file beside them);
   * omitted or null keeps everything in memory.
   */
  dataDir?: string | null;
  /** Added to PLATFORM_EXTENSIONS, which every embedded database has. */
  extensions?: Extensions;
  /** Told of every statement sent, when the store logs queries or traces statement text. */
  onStatement?: StatementHook;
}

/**
 * The extensions the platform's schema creates (its services call uuid_generate_v4() by name).
 * Any PGlite a migration runs on needs them.
 */
export const PLATFORM_EXTENSIONS: Extensions = { uuid_ossp, pgcrypto };

const TIMESTAMPTZ =
  /^(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(\.\d+)?([+-])(\d\d)(?::(\d\d))?(?::(\d\d))?( BC)?$/;

/**
 * timestamptz text → Date. PGlite's own parser hands the text to `new Date()`, which reads years
 * 0–99 as 1900–1999: "0050-06-15" came back as 1950. Here every field is read as written.
 */
export function parseTimestamptz(text: string): Date {
  const m = TIMESTAMPTZ.exec(text);
  if (!m) return new Date(text); // infinity, -infinity
  const [, y, mo, d, h, mi, s, frac, sign, oh, om, os, bc] = m;
  const ms = frac ? Math.floor(Number(frac) * 1000) : 0;
  const date = new Date(Date.UTC(2000, Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms));
  date.setUTCFullYear(bc ? 1 - Number(y) : Number(y));
  const offset = (Number(oh) * 3600 + Number(om ?? 0) * 60 + Number(os ?? 0)) * 1000;
  return new Date(date.getTime() - (sign === '+' ? offset : -offset));
}

const ENDED = 'this transaction has ended; use the storage handle instead';

/**
 * The `tx` a PGlite transaction hands its callback. Inside the transaction it is the database
 * itself (calls run at once, in the transaction's scope); once the transaction is over it refuses
 * work, as the server engine's does, instead of quietly autocommitting.
 */
class PGliteTransaction implements Executor {
  readonly engine = 'pglite' as const;
  ended = false;

  constructor(private readonly db: PGliteDatabase) {}

  query<T extends Row = Row>(text: string, params?: readonly unknown[]): Promise<T[]> {
    return this.ended ? Promise.reject(new StorageError(ENDED)) : this.db.query<T>(text, params);
  }

  exec(script: string): Promise<void> {
    return this.ended ? Promise.reject(new StorageError(ENDED)) : this.db.exec(script);
  }

  copyIn(target: CopyTarget, data: Uint8Array): Promise<void> {
    return this.ended ? Promise.reject(new StorageError(ENDED)) : this.db.copyIn(target, data);
  }

  transaction<R>(fn: (tx: Executor) => Promise<R>): Promise<R> {
    return this.ended ? Promise.reject(new StorageError(ENDED)) : this.db.transaction(fn);
  }
}

/**
 * PGlite has one connection. A mutex gives each top-level query or transaction the
 * connection in turn; code running inside a transaction (its scope, see tx-scope.ts) uses the
 * connection at once, through `tx` or through the outer handle, without waiting on itself.
 */
export class PGliteDatabase implements Database {
  readonly engine = 'pglite' as const;
  readonly target: string;
  #tail: Promise<unknown> = Promise.resolve();
  /** Callers queued for the connection, and whether one holds it: the pool figures of one connection. */
  #waiting = 0;
  #busy = false;
  readonly #release = () => {
    this.#busy = false;
  };

  private constructor(
    readonly pg: PGlite,
    dataDir: string | null,
    readonly onStatement: StatementHook | undefined,
  ) {
    this.target = dataDir ? `pglite:${dataDir}` : 'pglite:memory';
  }

  poolStats(): PoolStats {
    const open = this.pg.closed ? 0 : 1;
    const used = this.#busy && open ? 1 : 0;
    return { engine: 'pglite', max: 1, total: open, idle: open - used, used, pending: this.#waiting };
  }

  #unlock: (() => void) | undefined;

  static async open(options: PGliteOptions = {}): Promise<PGliteDatabase> {
    const dataDir = options.dataDir ?? null;
    const unlock = dataDir ? lockDataDir(dataDir) : undefined;
    try {
      const pg = await PGlite.create({
        dataDir: dataDir ? join(dataDir, 'pgdata') : undefined,
        extensions: { ...PLATFORM_EXTENSIONS, ...options.extensions },
        parsers: { [types.TIMESTAMPTZ]: parseTimestamptz },
      });
      // New GIN entries wait in a pending list that every search scans in full until VACUUM
      // merges it or it passes this limit (4 MB by default). PGlite runs no autovacuum, so the
      // limit is what bounds that scan: at 256 kB a 1% metadata filter over 50k vectors took
      // ~4.5 ms instead of ~15–20 ms, and bulk loads were no slower.
      await pg.exec(`SET gin_pending_list_limit = '256kB'`);
      const db = new PGliteDatabase(pg, dataDir, options.onStatement);
      db.#unlock = unlock;
      return db;
    } catch (err) {
      unlock?.();
      throw mapDriverError(err, `could not open embedded PostgreSQL at ${dataDir ?? 'memory'}`);
    }
  }

  /** Runs `fn` when the connection is free (or at once, inside this context's transaction). */
  #exclusive<R>(fn: () => Promise<R>): Promise<R> {
    if (activeScope(this)) return fn();
    this.#waiting++;
    const run = this.#tail.then(() => {
      this.#waiting--;
      this.#busy = true;
      return fn();
    });
    this.#tail = run.then(this.#release, this.#release);
    return run;
  }

  /** One statement on the engine, reported from `started` (the call, not the connection's turn). */
  #send<R>(text: string, params: readonly unknown[] | undefined, started: number, send: () => Promise<R>) {
    return observeStatement(this.onStatement, { text, params, started }, send, (err) => mapDriverError(err));
  }

  async #query<T extends Row>(
    text: string,
    params?: readonly unknown[],
    started = clockFor(this.onStatement),
  ): Promise<T[]> {
    checkStatement(text, params);
    const result = await this.#send(text, params, started, () =>
      this.pg.query<T>(text, params as unknown[] | undefined),
    );
    return result.rows;
  }

  // Timed from the call, as a pool's query is: the wait in the queue for the one connection is
  // part of what the caller waited for (the log's durationMs, the statement events).
  query<T extends Row = Row>(text: string, params?: readonly unknown[]): Promise<T[]> {
    const started = clockFor(this.onStatement);
    return this.#exclusive(() => this.#query<T>(text, params, started));
  }

  exec(script: string): Promise<void> {
    const started = clockFor(this.onStatement);
    return this.#exclusive(async () => {
      checkStatement(script);
      await this.#send(script, undefined, started, () => this.pg.exec(script));
    });
  }

  copyIn({ table, columns }: CopyTarget, data: Uint8Array): Promise<void> {
    // PGlite reads COPY input from a blob it mounts at /dev/blob.
    const started = clockFor(this.onStatement);
    const text = `COPY ${table} (${columns.join(', ')}) FROM '/dev/blob' WITH (FORMAT binary)`;
    return this.#exclusive(async () => {
      await this.#send(text, undefined, started, () => this.pg.query(text, [], { blob: new Blob([data]) }));
    });
  }

  transaction<R>(fn: (tx: Executor) => Promise<R>): Promise<R> {
    const scope = activeScope(this);
    if (scope) return savepoint(scope, () => fn(scope.executor));
    return this.#exclusive(async () => {
      for (let attempt = 1; ; attempt++) {
        const tx = new PGliteTransaction(this);
        try {
          return await inNewScope(this, tx, async () => {
            await this.#query('BEGIN');
            try {
              const result = await fn(tx);
              await this.#query('COMMIT');
              return result;
            } catch (err) {
              await this.#query('ROLLBACK').catch(() => undefined);
              throw err;
            } finally {
              tx.ended = true;
            }
          });
        } catch (err) {
          // The caller's own error comes back as it was thrown; only ours are retried.
          if (attempt >= MAX_ATTEMPTS || !isRetryable(err)) throw err;
          await backoff(attempt);
        }
      }
    });
  }

  async close(): Promise<void> {
    await this.#exclusive(async () => {
      if (!this.pg.closed) await this.pg.close();
      this.#unlock?.();
      this.#unlock = undefined;
    });
  }
}
