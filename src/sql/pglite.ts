import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import { type Extensions, PGlite } from '@electric-sql/pglite';
import { mapDriverError } from './errors.js';
import {
  backoff,
  type Database,
  type Executor,
  MAX_ATTEMPTS,
  RETRYABLE_CODES,
  type Row,
} from './executor.js';

export interface PGliteOptions {
  /** A directory for the data files; omitted or null keeps everything in memory. */
  dataDir?: string | null;
  extensions?: Extensions;
}

interface TxState {
  done: boolean;
}

/**
 * PGlite has one connection. A mutex gives each top-level query or transaction the
 * connection in turn; AsyncLocalStorage lets code running inside a transaction call the
 * database again (through `tx` or through the outer handle) without waiting on itself.
 */
export class PGliteDatabase implements Database {
  readonly engine = 'pglite' as const;
  readonly target: string;
  #tail: Promise<unknown> = Promise.resolve();
  readonly #tx = new AsyncLocalStorage<TxState>();
  #savepoints = 0;

  private constructor(
    readonly pg: PGlite,
    dataDir: string | null,
  ) {
    this.target = dataDir ? `pglite:${dataDir}` : 'pglite:memory';
  }

  static async open(options: PGliteOptions = {}): Promise<PGliteDatabase> {
    const dataDir = options.dataDir ?? null;
    try {
      if (dataDir) mkdirSync(dataDir, { recursive: true });
      const pg = await PGlite.create({ dataDir: dataDir ?? undefined, extensions: options.extensions ?? {} });
      return new PGliteDatabase(pg, dataDir);
    } catch (err) {
      throw mapDriverError(err, `could not open embedded PostgreSQL at ${dataDir ?? 'memory'}`);
    }
  }

  /** Runs `fn` when the connection is free (or at once, inside this context's transaction). */
  #exclusive<R>(fn: () => Promise<R>): Promise<R> {
    const tx = this.#tx.getStore();
    if (tx && !tx.done) return fn();
    const run = this.#tail.then(fn);
    this.#tail = run.catch(() => undefined);
    return run;
  }

  async #query<T extends Row>(text: string, params?: readonly unknown[]): Promise<T[]> {
    try {
      const result = await this.pg.query<T>(text, params as unknown[] | undefined);
      return result.rows;
    } catch (err) {
      throw mapDriverError(err);
    }
  }

  query<T extends Row = Row>(text: string, params?: readonly unknown[]): Promise<T[]> {
    return this.#exclusive(() => this.#query<T>(text, params));
  }

  exec(script: string): Promise<void> {
    return this.#exclusive(async () => {
      try {
        await this.pg.exec(script);
      } catch (err) {
        throw mapDriverError(err);
      }
    });
  }

  transaction<R>(fn: (tx: Executor) => Promise<R>): Promise<R> {
    const outer = this.#tx.getStore();
    if (outer && !outer.done) return this.#savepoint(fn);
    return this.#exclusive(async () => {
      for (let attempt = 1; ; attempt++) {
        const state: TxState = { done: false };
        try {
          return await this.#tx.run(state, async () => {
            await this.#query('BEGIN');
            try {
              const result = await fn(this);
              await this.#query('COMMIT');
              return result;
            } catch (err) {
              await this.#query('ROLLBACK').catch(() => undefined);
              throw err;
            } finally {
              state.done = true;
            }
          });
        } catch (err) {
          const mapped = mapDriverError(err);
          if (attempt >= MAX_ATTEMPTS || !RETRYABLE_CODES.has(mapped.code ?? '')) throw err;
          await backoff(attempt);
        }
      }
    });
  }

  async #savepoint<R>(fn: (tx: Executor) => Promise<R>): Promise<R> {
    const name = `sp_${++this.#savepoints}`;
    await this.#query(`SAVEPOINT ${name}`);
    try {
      const result = await fn(this);
      await this.#query(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (err) {
      await this.#query(`ROLLBACK TO SAVEPOINT ${name}`).catch(() => undefined);
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.#exclusive(async () => {
      if (!this.pg.closed) await this.pg.close();
    });
  }
}
