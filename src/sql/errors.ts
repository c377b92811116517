import {
  ConnectionError,
  IntegrityError,
  LimitExceededError,
  PermissionDeniedError,
  StorageError,
  TimeoutError,
  ValidationError,
} from '../domain/errors.js';

interface DriverError {
  code?: unknown;
  message?: unknown;
  constraint?: unknown;
  detail?: unknown;
}

const INTEGRITY = new Set(['23000', '23001', '23502', '23503', '23505', '23514', '23P01']);
// admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections
const CONNECTION = new Set(['57P01', '57P02', '57P03', '53300']);
const SOCKET = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EPIPE',
  'EHOSTUNREACH',
  'EAI_AGAIN',
]);
const POOL_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|not queryable|Connection ended|connect ETIMEDOUT|Client was closed/i;

/** Turns whatever a driver threw into a StorageError kind, keeping the original as `cause`. */
export function mapDriverError(err: unknown, context?: string): StorageError {
  if (err instanceof StorageError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as DriverError;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const raw = typeof e.message === 'string' ? e.message : String(err);
  const message = context ? `${context}: ${raw}` : raw;
  if (code && INTEGRITY.has(code)) {
    const constraint = typeof e.constraint === 'string' ? e.constraint : undefined;
    const detail = typeof e.detail === 'string' ? ` (${e.detail})` : '';
    return new IntegrityError(`${message}${detail}`, { cause: err, code, constraint });
  }
  if (
    (code && (code.startsWith('08') || code.startsWith('28') || CONNECTION.has(code) || SOCKET.has(code))) ||
    POOL_MESSAGES.test(raw)
  ) {
    return new ConnectionError(message, { cause: err, code });
  }
  if (code === '57014') return new TimeoutError(message, { cause: err, code });
  if (code?.startsWith('54')) return new LimitExceededError(message, { cause: err, code });
  if (code === '42501') return new PermissionDeniedError(message, { cause: err, code });
  // Data exceptions (22xxx) mean a value got past validation that the database rejects.
  if (code?.startsWith('22')) return new ValidationError('value', message, { cause: err, code });
  return new StorageError(message, { cause: err, code });
}
