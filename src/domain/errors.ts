/** Base of every error this library throws. `cause` carries the driver's original error. */
export class StorageError extends Error {
  override name = 'StorageError';
  /** SQLSTATE or driver code of the underlying error, when there is one. */
  readonly code: string | undefined;

  constructor(message: string, options: { cause?: unknown; code?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
  }
}

/** The engine could not be reached, refused us, or dropped the connection. Usually transient. */
export class ConnectionError extends StorageError {
  override name = 'ConnectionError';
}

/** A constraint of the database refused the write (unique, foreign key, check, not null). */
export class IntegrityError extends StorageError {
  override name = 'IntegrityError';
  readonly constraint: string | undefined;

  constructor(message: string, options: { cause?: unknown; code?: string; constraint?: string } = {}) {
    super(message, options);
    this.constraint = options.constraint;
  }
}

/**
 * The statement ran out of time (POSTGRES_STATEMENT_TIMEOUT_MS) or was cancelled (SQLSTATE 57014).
 * The server is fine: retrying the same work will likely take as long again.
 */
export class TimeoutError extends StorageError {
  override name = 'TimeoutError';
}

/** A value or statement passed one of PostgreSQL's hard limits (SQLSTATE 54xxx), e.g. tsvector size. */
export class LimitExceededError extends StorageError {
  override name = 'LimitExceededError';
}

/** The database role may not do this (SQLSTATE 42501): a grant is missing, nothing is wrong with the data. */
export class PermissionDeniedError extends StorageError {
  override name = 'PermissionDeniedError';
}

export class NotFoundError extends StorageError {
  override name = 'NotFoundError';
}

/** Input was rejected at the public boundary before anything was written. */
export class ValidationError extends StorageError {
  override name = 'ValidationError';
  /** Dotted path of the offending field, e.g. `items[3].publishedAt`. */
  readonly field: string;
  /** The rule that failed, in words. */
  readonly rule: string;

  constructor(field: string, rule: string, options: { cause?: unknown } = {}) {
    super(`${field || 'input'}: ${rule}`, options);
    this.field = field;
    this.rule = rule;
  }
}

/** Applied migrations and the migration files disagree; the database was left as it was. */
export class MigrationError extends StorageError {
  override name = 'MigrationError';
}
