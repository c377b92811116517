import { StorageError, ValidationError } from '../domain/errors.js';

/** One result row: column name → value as the driver decoded it. */
export type Row = Record<string, unknown>;

/** Where a binary COPY goes: identifiers the library built, never caller text. */
export interface CopyTarget {
  table: string;
  columns: readonly string[];
}

/**
 * The only thing repositories know about a database. Two adapters implement it:
 * PGlite (embedded, one connection) and `pg` (a pool of server connections).
 * Driver errors come back as StorageError kinds (IntegrityError, ConnectionError, …).
 */
export interface Executor {
  /** `pglite` for the embedded engine, `postgres` for a server. */
  readonly engine: 'pglite' | 'postgres';
  /**
   * One statement, parameters bound by the driver ($1, $2 …); returns its rows, typed by the caller
   * (`T` is not checked).
   *
   * @example
   * ```ts
   * const rows = await storage.db.query<{ title: string }>('SELECT title FROM trends WHERE rank <= $1', [3]);
   * ```
   */
  query<T extends Row = Row>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /**
   * A script of several statements without parameters (migrations).
   *
   * @example
   * ```ts
   * await storage.db.exec('CREATE TABLE IF NOT EXISTS notes (id int PRIMARY KEY); ANALYZE notes;');
   * ```
   */
  exec(script: string): Promise<void>;
  /**
   * `COPY table (columns) FROM STDIN` in PostgreSQL's binary format (see copy-binary.ts).
   * `table` and `columns` go into the statement unquoted: identifiers the library built, never
   * caller text.
   *
   * @example
   * ```ts
   * await storage.db.copyIn({ table: 'notes', columns: ['id', 'body'] }, bytes); // binary COPY format
   * ```
   */
  copyIn(target: CopyTarget, data: Uint8Array): Promise<void>;
  /**
   * Runs `fn` in a transaction: committed when it resolves, rolled back when it throws (the
   * error `fn` threw comes back unchanged). Every call made while `fn` runs joins the
   * transaction, through `tx` or through this handle. Nested calls use a savepoint; nested
   * transactions started side by side run one after the other. Serialization failures and
   * deadlocks are retried on the outermost transaction, so `fn` must be safe to run again.
   *
   * @example
   * ```ts
   * await storage.db.transaction(async (tx) => {
   *   await tx.query('UPDATE trends SET rank = rank + 1 WHERE category = $1', ['Science']);
   * });
   * ```
   */
  transaction<R>(fn: (tx: Executor) => Promise<R>): Promise<R>;
}

/**
 * The connections of a store's database at one moment, from `storage.db.poolStats()`. The embedded
 * engine has one connection, which callers take in turn: its `pending` is the queue waiting for it.
 *
 * @example
 * ```ts
 * const { used, max, pending } = storage.db.poolStats();
 * if (pending > 0) console.warn(`${used}/${max} connections busy, ${pending} callers waiting`);
 * ```
 */
export interface PoolStats {
  /** `pglite` for the embedded engine, `postgres` for a server. */
  engine: 'pglite' | 'postgres';
  /** The most connections the pool opens (POSTGRES_POOL_MAX); 1 on the embedded engine. */
  max: number;
  /** Connections open now (idle + used); 0 once closed. */
  total: number;
  /** Open connections no caller holds. */
  idle: number;
  /** Connections running a statement or held by a transaction. */
  used: number;
  /** Callers waiting for a connection: the pool's wait queue, or the embedded engine's queue. */
  pending: number;
}

/** An Executor that owns its connection(s): `storage.db`. */
export interface Database extends Executor {
  /** Where it points, with any password masked. */
  readonly target: string;
  /**
   * How many connections are open, idle, in use, and how many callers wait for one; read from the
   * pool without a round trip.
   *
   * @example
   * ```ts
   * console.log(storage.db.poolStats()); // { engine: 'postgres', max: 20, total: 12, idle: 9, used: 3, pending: 0 }
   * ```
   */
  poolStats(): PoolStats;
  /**
   * Closes the pool or the embedded engine (releasing its data directory). `storage.close()` calls
   * it after closing the cache: prefer that.
   *
   * @example
   * ```ts
   * await storage.db.close();
   * ```
   */
  close(): Promise<void>;
}

/** One statement as an adapter ran it: what the query log and statement span events are made of. */
export interface StatementEvent {
  /** The statement text as sent to the driver. */
  text: string;
  /** The bind values as given, unredacted: whoever receives this redacts. */
  params: readonly unknown[] | undefined;
  durationMs: number;
  /** Rows returned, or affected by a write; null when it failed. */
  rowCount: number | null;
  /** The error as the caller gets it (mapped to a StorageError kind). */
  error: StorageError | undefined;
}

/** Called by an adapter after every statement it sends, when the store has a query log or statement text on. */
export type StatementHook = (event: StatementEvent) => void;

/**
 * A statement as a caller handed it, checked before it reaches a driver: plain-JavaScript callers
 * can pass anything, and PGlite left a non-string text half-sent, failing the next caller's query.
 */
export function checkStatement(text: unknown, params?: unknown): void {
  if (typeof text !== 'string') throw new ValidationError('text', 'must be a string of SQL');
  if (params !== undefined && !Array.isArray(params)) {
    throw new ValidationError('params', 'must be an array of bind values');
  }
}

/**
 * `send` one statement and tell `hook` of it: its duration from `started` (the call, which may be
 * earlier than the send: a queue's wait counts), its row count or its error as the caller gets it.
 * Driver errors come back through `mapError`. The one place adapters report statements.
 */
export async function observeStatement<R>(
  hook: StatementHook | undefined,
  statement: { text: string; params: readonly unknown[] | undefined; started: number },
  send: () => Promise<R>,
  mapError: (err: unknown) => StorageError,
  rows: (result: R) => number = rowCountOf,
): Promise<R> {
  const { text, params, started } = statement;
  let result: R;
  try {
    result = await send();
  } catch (err) {
    const error = mapError(err);
    hook?.({ text, params, durationMs: performance.now() - started, rowCount: null, error });
    throw error;
  }
  hook?.({ text, params, durationMs: performance.now() - started, rowCount: rows(result), error: undefined });
  return result;
}

/** When a statement's duration starts, if anyone is told of it (no clock read otherwise). */
export const clockFor = (hook: StatementHook | undefined): number => (hook ? performance.now() : 0);

/** Rows a driver result stands for: affected rows of a write, else rows returned; summed over a script. */
export function rowCountOf(result: unknown): number {
  if (Array.isArray(result)) return result.reduce((n: number, r: unknown) => n + rowCountOf(r), 0);
  const r = result as { rows?: unknown[]; rowCount?: number | null; affectedRows?: number };
  const rows = r.rows?.length ?? 0;
  // A SELECT reports its rows; an INSERT/UPDATE/DELETE without RETURNING reports what it touched.
  return Math.max(rows, r.rowCount ?? 0, r.affectedRows ?? 0);
}

/** SQLSTATEs PostgreSQL asks the client to retry: serialization_failure, deadlock_detected. */
export const RETRYABLE_CODES = new Set(['40001', '40P01']);
export const MAX_ATTEMPTS = 4;

/** A serialization failure or deadlock raised by the database, never a caller's own error. */
export function isRetryable(err: unknown): boolean {
  return err instanceof StorageError && RETRYABLE_CODES.has(err.code ?? '');
}

export function backoff(attempt: number): Promise<void> {
  const ms = Math.min(200, 5 * 2 ** attempt) * (0.5 + Math.random());
  return new Promise((resolve) => setTimeout(resolve, ms));
}
