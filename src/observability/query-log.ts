// The query log: every SQL statement the store sends, with its duration and row count, handed to
// the application's function — kysely's and Prisma's shape. Fed by the executors (pg.ts, pglite.ts),
// so it sees what reaches the database: BEGIN, COMMIT, savepoints and retried attempts included.
import { z } from 'zod';
import type { StatementEvent, StatementHook } from '../sql/executor.js';
import type { Redactor, StatementText } from './redact.js';

/** What a bind value reads as in a query log event unless the log was opened with `parameters: true`. */
export const REDACTED = '[redacted]';

/**
 * One SQL statement the store ran, as `log.onQuery` receives it.
 *
 * @example
 * ```ts
 * const onQuery = (e: QueryLogEvent) => {
 *   if (e.slow || e.error) console.warn(`${e.durationMs.toFixed(1)} ms, ${e.rowCount ?? 'failed'}: ${e.text}`);
 * };
 * ```
 */
export interface QueryLogEvent {
  /**
   * The statement. Without `parameters: true` its literals read `?` (parameters stay `$1`, `$2`);
   * with it, the text as sent. A configured password never appears either way.
   */
  text: string;
  /** The bind values in order; each reads `'[redacted]'` unless the log was opened with `parameters: true`. */
  params: readonly unknown[];
  /** Milliseconds from sending the statement to its answer (a pool's wait for a connection included). */
  durationMs: number;
  /** Rows returned, or for INSERT / UPDATE / DELETE without RETURNING the rows affected; null when it failed. */
  rowCount: number | null;
  /** `durationMs` reached `slowQueryMs`. */
  slow: boolean;
  /** How the statement failed; absent when it succeeded. */
  error?: QueryLogError;
}

/**
 * A failed statement's error in the log. Its message is withheld unless the log was opened with
 * `parameters: true`: a driver's message quotes the values it refused (`Key (email)=(…) already
 * exists`, `invalid input syntax for type integer: "…"`). Your call's rejection carries the whole
 * error (for some calls a more specific one: `NotFoundError` where the statement broke a foreign key).
 */
export interface QueryLogError {
  /** The error class the statement's failure maps to: `IntegrityError`, `ValidationError`, `ConnectionError`, … */
  name: string;
  /** The SQLSTATE or driver code, when there is one. */
  code: string | undefined;
  /** With `parameters: true` the message (a configured password masked); otherwise `<name> <code>`. */
  message: string;
}

/**
 * `createStorage({ log })`: a function called after every SQL statement, and when a statement counts
 * as slow. Unknown fields are a ValidationError.
 *
 * @example
 * ```ts
 * const storage = await createStorage({
 *   log: { onQuery: (e) => e.slow && console.warn(`slow (${e.durationMs} ms): ${e.text}`), slowQueryMs: 200 },
 * });
 * ```
 */
export interface QueryLogOptions {
  /**
   * Called after each statement, synchronously; what it throws, or the promise it returns rejects
   * with, is ignored (a log never fails a query).
   */
  onQuery: (event: QueryLogEvent) => void;
  /** Statements taking at least this many milliseconds are `slow` (default 1,000). */
  slowQueryMs?: number;
  /**
   * Hand over bind values and literal text as they are (default false: redacted). They carry
   * user data; a configured password is masked all the same.
   */
  parameters?: boolean;
}

export const queryLogSchema = z
  .object({
    onQuery: z.custom<(event: QueryLogEvent) => void>((v) => typeof v === 'function', 'must be a function'),
    slowQueryMs: z.number().min(0).default(1000),
    parameters: z.boolean().default(false),
  })
  .strict();

export type QueryLog = z.output<typeof queryLogSchema>;

const ignore = () => undefined;

/** The statement hook that feeds `log.onQuery`. */
export function queryLogHook(log: QueryLog, texts: StatementText, redactor: Redactor): StatementHook {
  const { onQuery, slowQueryMs, parameters } = log;
  return (e: StatementEvent) => {
    const event: QueryLogEvent = {
      text: parameters ? redactor.scrub(e.text) : texts.of(e.text),
      params: (e.params ?? []).map((v) => (parameters ? redactor.scrubValue(v) : REDACTED)),
      durationMs: e.durationMs,
      rowCount: e.rowCount,
      slow: e.durationMs >= slowQueryMs,
    };
    if (e.error) {
      const { name, code } = e.error;
      event.error = {
        name,
        code,
        message: parameters ? redactor.scrub(e.error.message) : code ? `${name} ${code}` : name,
      };
    }
    try {
      const result: unknown = onQuery(event);
      // An async log's rejection is ignored too: unheard, it would end the process.
      if (typeof (result as PromiseLike<unknown> | null)?.then === 'function')
        Promise.resolve(result).catch(ignore);
    } catch {
      // A log that throws must not turn a statement that worked into one that failed.
    }
  };
}
