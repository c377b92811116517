import { ConnectionError, StorageError } from '../domain/errors.js';

// Redis's own words for misuse, so both engines fail the same way.
export const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
export const NOT_INTEGER = 'ERR value is not an integer or out of range';
export const OVERFLOW = 'ERR increment or decrement would overflow';

export const wrongType = () => new StorageError(WRONGTYPE, { code: 'WRONGTYPE' });
export const notInteger = () => new StorageError(NOT_INTEGER, { code: 'ERR' });
export const overflow = () => new StorageError(OVERFLOW, { code: 'ERR' });

const CONNECTION =
  /Connection is closed|Stream isn't writeable|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|Command timed out|Reached the max retries|ClusterAllFailedError|Failed to refresh slots|None of startup nodes|CLUSTERDOWN|LOADING/i;

/** ioredis errors → ours. Replies keep Redis's message and its first word as `code`. */
export function mapRedisError(err: unknown): StorageError {
  if (err instanceof StorageError) return err;
  const e = err as { name?: string; message?: string; code?: string };
  const message = e.message ?? String(err);
  if (e.name === 'ReplyError' && !CONNECTION.test(message)) {
    return new StorageError(message, { cause: err, code: message.split(' ')[0] });
  }
  if (CONNECTION.test(message) || e.name === 'MaxRetriesPerRequestError' || e.code) {
    return new ConnectionError(`redis: ${message}`, { cause: err, code: e.code });
  }
  return new StorageError(`redis: ${message}`, { cause: err });
}

/**
 * A value another client stored as a Python pickle (protocol 2–5). It is never unpickled:
 * unpickling runs whatever code the writer named. The bytes are kept, untouched, for a caller
 * that wants them (popFromList has already taken the element off its list).
 *
 * @example
 * ```ts
 * const value = await storage.cache.get('legacy').catch((err) => {
 *   if (!(err instanceof PickledValueError)) throw err;
 *   console.warn(`${err.key} holds a pickle (${err.bytes.length} bytes); the writer must store JSON`);
 * });
 * ```
 */
export class PickledValueError extends StorageError {
  override name = 'PickledValueError';
  /** The cache key, without the prefix. */
  readonly key: string;
  /** The stored bytes, as read. */
  readonly bytes: Buffer;

  /** `part` narrows the place: `field "f"` of a hash, `element 2` of a list. */
  constructor(key: string, bytes: Buffer, { part }: { part?: string } = {}) {
    super(
      `cache key ${JSON.stringify(key)}${part ? ` (${part})` : ''} holds a Python pickle (protocol ${bytes[1]}), ` +
        'which is never unpickled; the writer must store JSON',
    );
    this.key = key;
    this.bytes = bytes;
  }
}

/**
 * A namespace-wide delete on a cache whose prefix is empty: that namespace is the whole database.
 *
 * @example
 * ```ts
 * try { await cache.flush(); } catch (err) {
 *   if (err instanceof EmptyNamespaceError) await cache.deletePattern('trends:*'); // only our keys
 *   else throw err;
 * }
 * ```
 */
export class EmptyNamespaceError extends StorageError {
  override name = 'EmptyNamespaceError';
}
