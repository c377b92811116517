/**
 * Base of every error this library throws. `cause` carries the driver's original error.
 *
 * @example
 * ```ts
 * try { await storage.items.save(item); } catch (err) {
 *   if (!(err instanceof StorageError)) throw err;
 *   console.error(`${err.name} (${err.code ?? 'no code'}): ${err.message}`);
 * }
 * ```
 */
export class StorageError extends Error {
  /** The error's class name (`StorageError`, `ValidationError`, …), as logs show it. */
  override name = 'StorageError';
  /** SQLSTATE or driver code of the underlying error, when there is one. */
  readonly code: string | undefined;

  constructor(message: string, options: { cause?: unknown; code?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
  }
}

/**
 * The engine could not be reached, refused us, or dropped the connection. Usually transient.
 *
 * @example
 * ```ts
 * const top = await storage.trends.getTopTrends().catch(async (err) => {
 *   if (!(err instanceof ConnectionError)) throw err;
 *   await new Promise((resolve) => setTimeout(resolve, 1000)); // transient: try once more
 *   return storage.trends.getTopTrends();
 * });
 * ```
 */
export class ConnectionError extends StorageError {
  override name = 'ConnectionError';
}

/**
 * A constraint of the database refused the write (unique, foreign key, check, not null).
 *
 * @example
 * ```ts
 * try { await storage.trends.save(trend); } catch (err) {
 *   if (!(err instanceof IntegrityError)) throw err;
 *   if (err.constraint === 'trends_topic_id_fkey') console.error('no such topic');
 * }
 * ```
 */
export class IntegrityError extends StorageError {
  override name = 'IntegrityError';
  /** The name of the constraint that refused the write, when the driver reports it. */
  readonly constraint: string | undefined;

  constructor(message: string, options: { cause?: unknown; code?: string; constraint?: string } = {}) {
    super(message, options);
    this.constraint = options.constraint;
  }
}

/**
 * The statement ran out of time (POSTGRES_STATEMENT_TIMEOUT_MS) or was cancelled (SQLSTATE 57014).
 * The server is fine: retrying the same work will likely take as long again.
 *
 * @example
 * ```ts
 * try { await storage.views.refreshViews(); } catch (err) {
 *   if (err instanceof TimeoutError) console.warn('refresh passed the statement timeout; narrow the work');
 *   else throw err;
 * }
 * ```
 */
export class TimeoutError extends StorageError {
  override name = 'TimeoutError';
}

/**
 * A value or statement passed one of PostgreSQL's hard limits (SQLSTATE 54xxx), e.g. tsvector size.
 *
 * @example
 * ```ts
 * try { await storage.items.saveBatch(items); } catch (err) {
 *   if (err instanceof LimitExceededError) console.error(`too large for PostgreSQL: ${err.message}`);
 *   else throw err;
 * }
 * ```
 */
export class LimitExceededError extends StorageError {
  override name = 'LimitExceededError';
}

/**
 * The database role may not do this (SQLSTATE 42501): a grant is missing, nothing is wrong with the data.
 *
 * @example
 * ```ts
 * try { await storage.migrate(); } catch (err) {
 *   if (err instanceof PermissionDeniedError) console.error('migrate as the database owner');
 *   else throw err;
 * }
 * ```
 */
export class PermissionDeniedError extends StorageError {
  override name = 'PermissionDeniedError';
}

/**
 * A record the call needs does not exist, e.g. the topic or an item of `topics.addItems`.
 * (Reads answer a missing record with `null` instead.)
 *
 * @example
 * ```ts
 * try { await storage.topics.addItems(topicId, itemIds); } catch (err) {
 *   if (err instanceof NotFoundError) console.warn(err.message); // "topic … does not exist"
 *   else throw err;
 * }
 * ```
 */
export class NotFoundError extends StorageError {
  override name = 'NotFoundError';
}

/**
 * Input was rejected at the public boundary before anything was written.
 *
 * @example
 * ```ts
 * try { await storage.items.saveBatch(items); } catch (err) {
 *   if (err instanceof ValidationError) console.error(err.field, err.rule); // items[3].url, must be …
 *   else throw err;
 * }
 * ```
 */
export class ValidationError extends StorageError {
  override name = 'ValidationError';
  /** Dotted path of the offending field, e.g. `items[3].publishedAt`. */
  readonly field: string;
  /** The rule that failed, in words. */
  readonly rule: string;

  /** `code`: the SQLSTATE (class 22) when the database refused a value. */
  constructor(field: string, rule: string, options: { cause?: unknown; code?: string } = {}) {
    super(`${field || 'input'}: ${rule}`, options);
    this.field = field;
    this.rule = rule;
  }
}

/**
 * The database's schema cannot be brought to what this version needs: applied migrations and the
 * migration files disagree (then nothing is applied), or the schema is behind and this role may not
 * change it (the migration that failed is rolled back whole).
 *
 * @example
 * ```ts
 * const storage = await createStorage().catch((err) => {
 *   if (err instanceof MigrationError) console.error(err.message); // says what to run, and as whom
 *   throw err;
 * });
 * ```
 */
export class MigrationError extends StorageError {
  override name = 'MigrationError';
}

/** An item `items.ingest` refused: its position in the input stream and the rule it broke. */
export interface IngestReject {
  /** Position in the input stream, from 0 (every value read counts, valid or not). */
  index: number;
  /** Path of the offending field inside the item (`publishedAt`, `metrics.upvotes`); `''` when the item as a whole is wrong. */
  field: string;
  /** The rule that failed, in words. */
  message: string;
}

/** A run of input positions, both ends included: `{ first: 0, last: 1999 }` is the first 2,000 values. */
export interface IngestRange {
  /** First position of the run. */
  first: number;
  /** Last position of the run (included). */
  last: number;
}

/** What an ingest had committed when it stopped. */
export interface IngestCommitted {
  /** Items that did not exist before. */
  inserted: number;
  /** Existing items that changed and were refreshed. */
  updated: number;
  /** Existing items that were already exactly so. */
  unchanged: number;
  /**
   * The input positions whose chunks committed, ascending, adjacent runs merged: every valid item
   * at these positions is stored, and the invalid ones are in `rejected`. Positions outside them were
   * not stored (or not read): feed those again to finish.
   */
  ranges: IngestRange[];
}

/**
 * `items.ingest` stopped part-way — a chunk the database refused, a source that threw, or an
 * `onProgress` that threw (the `cause`). Reading stopped at once and the chunks already running were
 * let finish, so `committed` is final: what it names is stored, the rest is not.
 *
 * @example
 * ```ts
 * try { await storage.items.ingest(lines); } catch (err) {
 *   if (!(err instanceof IngestError)) throw err;
 *   const done = err.committed.ranges.map((r) => `${r.first}–${r.last}`).join(', ');
 *   console.error(`stored positions ${done}; ${err.rejected.length} rejected: ${err.message}`);
 * }
 * ```
 */
export class IngestError extends StorageError {
  override name = 'IngestError';
  /** What was committed before the stop. */
  readonly committed: IngestCommitted;
  /** Invalid items found before the stop, in input order. */
  readonly rejected: IngestReject[];
  /** Values read from the source before the stop. */
  readonly received: number;

  constructor(
    message: string,
    report: { committed: IngestCommitted; rejected: IngestReject[]; received: number },
    options: { cause?: unknown; code?: string } = {},
  ) {
    super(message, options);
    this.committed = report.committed;
    this.rejected = report.rejected;
    this.received = report.received;
  }
}
