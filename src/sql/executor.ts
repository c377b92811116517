import { StorageError } from '../domain/errors.js';

export type Row = Record<string, unknown>;

/**
 * The only thing repositories know about a database. Two adapters implement it:
 * PGlite (embedded, one connection) and `pg` (a pool of server connections).
 */
export interface Executor {
  readonly engine: 'pglite' | 'postgres';
  /** One statement, parameters bound by the driver ($1, $2 …). */
  query<T extends Row = Row>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /** A script of several statements without parameters (migrations). */
  exec(script: string): Promise<void>;
  /**
   * `COPY table (columns) FROM STDIN` in PostgreSQL's binary format (see copy-binary.ts).
   * `table` and `columns` are identifiers the library built, never caller text.
   */
  copyIn(table: string, columns: readonly string[], data: Uint8Array): Promise<void>;
  /**
   * Runs `fn` in a transaction: committed when it resolves, rolled back when it throws (the
   * error `fn` threw comes back unchanged). Every call made while `fn` runs joins the
   * transaction, through `tx` or through this handle. Nested calls use a savepoint; nested
   * transactions started side by side run one after the other. Serialization failures and
   * deadlocks are retried on the outermost transaction, so `fn` must be safe to run again.
   */
  transaction<R>(fn: (tx: Executor) => Promise<R>): Promise<R>;
}

export interface Database extends Executor {
  /** Where it points, with any password masked. */
  readonly target: string;
  close(): Promise<void>;
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
