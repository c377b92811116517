import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { PgOptions } from '../config.js';
import { ConnectionError, StorageError } from '../domain/errors.js';
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
import { activeScope, inNewScope, savepoint, type TxScope } from './tx-scope.js';

const TX_STATEMENT = /^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)/i;
// The server ended the session (shutdown, restart, crash recovery): whatever the statement was,
// it was aborted, not applied — so a pooled connection found dead this way is replaced and the
// statement sent again, once. pg's pool has no check-out validation of its own.
const SESSION_ENDED = new Set(['57P01', '57P02']);
const ignore = () => undefined;

/** Executor over one checked-out client, inside a transaction. */
class ClientExecutor implements Executor {
  readonly engine = 'postgres' as const;
  /** Set once the transaction is over: the client may already serve another caller. */
  ended = false;
  root: TxScope | undefined;

  constructor(
    readonly client: pg.PoolClient,
    private readonly owner: PgDatabase,
  ) {}

  async query<T extends Row = Row>(text: string, params?: readonly unknown[]): Promise<T[]> {
    if (this.ended) throw new StorageError('this transaction has ended; use the storage handle instead');
    checkStatement(text, params);
    const hook = this.owner.onStatement;
    const result = await observeStatement(
      hook,
      { text, params, started: clockFor(hook) },
      () => this.client.query<T>(text, params as unknown[] | undefined),
      mapDriverError,
    );
    return result.rows;
  }

  async exec(script: string): Promise<void> {
    await this.query(script);
  }

  async copyIn({ table, columns }: CopyTarget, data: Uint8Array): Promise<void> {
    if (this.ended) throw new StorageError('this transaction has ended; use the storage handle instead');
    const text = `COPY ${table} (${columns.join(', ')}) FROM STDIN WITH (FORMAT binary)`;
    const hook = this.owner.onStatement;
    await observeStatement(
      hook,
      { text, params: undefined, started: clockFor(hook) },
      async () => {
        const sink = this.client.query(copyFrom(text));
        await pipeline(Readable.from([data]), sink);
        return sink;
      },
      mapDriverError,
      (sink) => sink.rowCount,
    );
  }

  transaction<R>(fn: (tx: Executor) => Promise<R>): Promise<R> {
    const scope = activeScope(this.owner);
    // Outside the callback's async context (a callback API that lost it), the transaction's root.
    const target = scope?.executor === this ? scope : this.root;
    if (!target || this.ended) {
      return Promise.reject(new StorageError('this transaction has ended; use the storage handle instead'));
    }
    return savepoint(target, () => fn(this));
  }
}

/** A PostgreSQL server through a `pg` pool. */
export class PgDatabase implements Database {
  readonly engine = 'postgres' as const;
  readonly target: string;

  private constructor(
    readonly pool: pg.Pool,
    target: string,
    private readonly options: PgOptions,
    /** Told of every statement sent, when the store logs queries or traces statement text. */
    readonly onStatement: StatementHook | undefined,
  ) {
    this.target = target;
  }

  poolStats(): PoolStats {
    const { totalCount: total, idleCount: idle, waitingCount: pending } = this.pool;
    return { engine: 'postgres', max: this.options.poolMax, total, idle, used: total - idle, pending };
  }

  /** A pool that had no free connection in time says so, instead of pg's bare "timeout exceeded". */
  #mapError(err: unknown, context?: string) {
    if (
      err instanceof Error &&
      /timeout exceeded when trying to connect/i.test(err.message) &&
      this.pool.totalCount >= this.options.poolMax
    ) {
      return new ConnectionError(
        `no free connection in the pool within ${this.options.connectTimeoutMs} ms (all ${this.options.poolMax} in use); raise POSTGRES_POOL_MAX or hold connections for less time`,
        { cause: err, code: 'POOL_EXHAUSTED' },
      );
    }
    return mapDriverError(err, context);
  }

  static async open(options: PgOptions, hooks: { onStatement?: StatementHook } = {}): Promise<PgDatabase> {
    const host = options.host.includes(':') ? `[${options.host}]` : options.host;
    const target = `postgres://${options.user}@${host}:${options.port}/${options.database}`;
    const pool = new pg.Pool({
      host: options.host,
      port: options.port,
      database: options.database,
      user: options.user,
      password: options.password,
      ssl: options.ssl,
      min: options.poolMin,
      max: options.poolMax,
      connectionTimeoutMillis: options.connectTimeoutMs,
      idleTimeoutMillis: options.idleTimeoutMs,
      statement_timeout: options.statementTimeoutMs || undefined,
      application_name: options.applicationName,
      keepAlive: true,
    });
    // An idle client whose server went away emits 'error' on the pool; the pool drops it.
    // Without a listener Node would crash the process.
    pool.on('error', () => undefined);
    const db = new PgDatabase(pool, target, options, hooks.onStatement);
    try {
      await pool.query('SELECT 1');
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw mapDriverError(err, `could not connect to ${target}`);
    }
    return db;
  }

  async query<T extends Row = Row>(text: string, params?: readonly unknown[]): Promise<T[]> {
    const scope = activeScope(this);
    if (scope) return scope.executor.query<T>(text, params);
    checkStatement(text, params);
    let stale = 0;
    const hook = this.onStatement;
    for (let attempt = 1; ; attempt++) {
      // Each attempt is a statement of its own in the log: a retried deadlock shows twice.
      try {
        const result = await observeStatement(
          hook,
          { text, params, started: clockFor(hook) },
          () => this.pool.query<T>(text, params as unknown[] | undefined),
          (err) => this.#mapError(err),
        );
        return result.rows;
      } catch (err) {
        const mapped = err as StorageError;
        // A single statement that lost a deadlock was rolled back whole: running it again is safe.
        if (attempt < MAX_ATTEMPTS && isRetryable(mapped) && !TX_STATEMENT.test(text)) {
          await backoff(attempt);
          continue;
        }
        // Every idle connection may be stale after a restart: each is dropped as it is found.
        if (
          stale++ <= this.options.poolMax &&
          SESSION_ENDED.has(mapped.code ?? '') &&
          !TX_STATEMENT.test(text)
        ) {
          attempt--;
          continue;
        }
        throw mapped;
      }
    }
  }

  async exec(script: string): Promise<void> {
    await this.query(script);
  }

  copyIn(target: CopyTarget, data: Uint8Array): Promise<void> {
    const scope = activeScope(this);
    if (scope) return scope.executor.copyIn(target, data);
    return this.transaction((tx) => tx.copyIn(target, data));
  }

  async transaction<R>(fn: (tx: Executor) => Promise<R>): Promise<R> {
    const scope = activeScope(this);
    if (scope) return savepoint(scope, () => fn(scope.executor));
    let stale = 0;
    for (let attempt = 1; ; attempt++) {
      let client: pg.PoolClient;
      try {
        client = await this.pool.connect();
      } catch (err) {
        throw this.#mapError(err, `could not connect to ${this.target}`);
      }
      let broken: Error | undefined;
      // A checked-out client whose server goes away emits 'error'; pg's pool listens only on idle
      // ones, and an unheard 'error' would crash the process. The failing query reports it.
      client.on('error', ignore);
      const tx = new ClientExecutor(client, this);
      try {
        try {
          await tx.query('BEGIN');
        } catch (err) {
          // A stale pooled connection: nothing has run yet, so take a fresh one.
          if (stale++ <= this.options.poolMax && SESSION_ENDED.has(mapDriverError(err).code ?? '')) {
            broken = err as Error;
            attempt--;
            continue;
          }
          throw err;
        }
        return await inNewScope(this, tx, async (root) => {
          tx.root = root;
          try {
            const result = await fn(tx);
            await tx.query('COMMIT');
            return result;
          } catch (err) {
            await tx.query('ROLLBACK').catch((rollbackErr: unknown) => {
              // A client that cannot even roll back is dead: destroy it instead of reusing it.
              broken = rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr));
            });
            throw err;
          }
        });
      } catch (err) {
        if (attempt < MAX_ATTEMPTS && isRetryable(err)) {
          await backoff(attempt);
          continue;
        }
        // Our own statements' errors are mapped already; the caller's come back unchanged.
        throw err;
      } finally {
        tx.ended = true;
        client.off('error', ignore);
        client.release(broken);
      }
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
