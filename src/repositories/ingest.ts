// Loading a stream of items of any length over several pooled connections at once (issue #14).
//
// One COPY or upsert stream runs on one server backend, so on one core, and the generated tsvector
// makes every row cost CPU there. Several chunks in flight put several backends to work while this
// process validates and encodes the next chunk. Each chunk is saveBatch's all-or-nothing upsert,
// committed on its own; the run as a whole is not atomic (that is what saveBatch is for), so a
// failure reports exactly which input positions were committed.
import { z } from 'zod';
import {
  type IngestCommitted,
  IngestError,
  type IngestRange,
  type IngestReject,
  StorageError,
  ValidationError,
} from '../domain/errors.js';
import { processedItemSchema } from '../domain/models.js';
import { formatPath, validate } from '../domain/validate.js';
import type { Executor } from '../sql/executor.js';
import type { BatchResult } from './items.js';

/** Anything `items.ingest` can read items from: an array, a generator, a stream of parsed lines. */
export type IngestSource = AsyncIterable<unknown> | Iterable<unknown>;

/** Running totals `items.ingest` reports after each chunk commits, and once at the end. */
export interface IngestProgress {
  /** Values read from the source so far (some may still be in a chunk that has not committed). */
  received: number;
  /** Items committed so far: inserted + updated + unchanged. */
  stored: number;
  /** Invalid items so far. */
  rejected: number;
}

/** Chunks in flight at most: each holds a pooled connection while it runs. */
export const MAX_INGEST_CONCURRENCY = 64;
// Server default: two backends computing tsvectors keep two cores busy while this process encodes
// the next chunk; more chunks at once pay only with more server cores.
const DEFAULT_INGEST_CONCURRENCY = 2;
// saveBatch's BATCH_CHUNK (not imported: items.ts imports this module): one statement per chunk.
const DEFAULT_CHUNK_SIZE = 2000;

const optionsSchema = z
  .object({
    /**
     * Chunks written at once, each on its own pooled connection, 1–64 (default 2). Keep it below
     * POSTGRES_POOL_MAX: a chunk waiting longer than the connect timeout for a connection fails.
     * The embedded engine has one connection and always writes one chunk at a time.
     */
    concurrency: z.number().int('must be a whole number').min(1).max(MAX_INGEST_CONCURRENCY).optional(),
    /** Valid items per chunk, 1–100,000 (default 2,000): the unit that commits, or fails, whole. */
    chunkSize: z.number().int('must be a whole number').min(1).max(100_000).default(DEFAULT_CHUNK_SIZE),
    /** Called with running totals after each chunk commits and once at the end; if it throws, the ingest stops. */
    onProgress: z
      .custom<(progress: IngestProgress) => unknown>((f) => typeof f === 'function', 'must be a function')
      .optional(),
  })
  .strict();
/**
 * Options of `items.ingest`: how many chunks at once, how large, and a progress callback.
 *
 * @example
 * ```ts
 * const options: IngestOptions = { concurrency: 2, chunkSize: 2000, onProgress: (p) => console.log(p.stored) };
 * const result = await storage.items.ingest(items, options);
 * ```
 */
export type IngestOptions = z.input<typeof optionsSchema>;

/** What `items.ingest` did. Counts are saveBatch's, per chunk: a key repeated in a later chunk counts again. */
export interface IngestResult {
  /** Values read from the source. */
  received: number;
  /** Items that did not exist before. */
  inserted: number;
  /** Existing items whose mutable fields changed and were refreshed. */
  updated: number;
  /** Existing items that were already exactly so. */
  unchanged: number;
  /** Invalid items, in input order; they never stop the run. */
  rejected: IngestReject[];
}

type ParsedItem = z.output<typeof processedItemSchema>;

/** What ingest writes through: the repository's executor and its saveBatch upsert of parsed items. */
export interface IngestTarget {
  db: Executor;
  save(items: ParsedItem[]): Promise<BatchResult>;
}

const keyOf = (it: ParsedItem) => `${it.source}\u0000${it.sourceId}`;

function checkSource(source: unknown): IngestSource {
  // A string is iterable too: each character would become a rejected "item".
  if (typeof source === 'string')
    throw new ValidationError('source', 'must be an iterable of items, not a string');
  const s = source as Partial<Record<symbol, unknown>> | null | undefined;
  if (
    s != null &&
    (typeof s[Symbol.asyncIterator] === 'function' || typeof s[Symbol.iterator] === 'function')
  ) {
    return source as IngestSource;
  }
  throw new ValidationError('source', 'must be an iterable or async iterable of items');
}

/** Ascending, adjacent runs merged: what a person (or a resume) reads. */
function mergeRanges(ranges: IngestRange[]): IngestRange[] {
  const out: IngestRange[] = [];
  for (const r of [...ranges].sort((a, b) => a.first - b.first)) {
    const last = out[out.length - 1];
    if (last && last.last + 1 >= r.first) last.last = Math.max(last.last, r.last);
    else out.push({ ...r });
  }
  return out;
}

const describeRanges = (ranges: IngestRange[]) =>
  ranges.length
    ? ranges.map((r) => (r.first === r.last ? `${r.first}` : `${r.first}–${r.last}`)).join(', ')
    : 'none';

/**
 * Reads `source` once, front to back, never more than (concurrency + 1) chunks ahead of what has
 * committed. Invalid values become rejects; valid ones go in chunks of `chunkSize`, each written by
 * `target.save` in a transaction of its own, up to `concurrency` at a time.
 *
 * Order: a chunk holding a key that an earlier chunk still in flight holds waits for that chunk,
 * so the later value wins exactly as in a serial import, and two running chunks never touch the
 * same row (no lock waits between them, so no deadlock; saveBatch's key order covers other writers).
 *
 * Failure (a chunk refused, the source or onProgress throwing): reading stops, and the chunks
 * already handed to the database are written, except one sharing a key with a chunk that did not
 * commit. So what is committed is a set of whole chunks, and feeding again the positions outside
 * it, in order, ends as an uninterrupted run would have.
 *
 * Inside a caller's transaction each chunk is a savepoint of it and they run one after another
 * (the executor queues nested transactions; `concurrency` then only bounds the read-ahead): a
 * refused chunk rolls back alone, and nothing commits until the caller's transaction does.
 */
export async function ingestItems(
  target: IngestTarget,
  source: IngestSource,
  options: IngestOptions = {},
): Promise<IngestResult> {
  const o = validate(optionsSchema, options, 'options');
  const input = checkSource(source);
  // PGlite has one connection: a second chunk would only queue on it while more is read ahead.
  const concurrency = target.db.engine === 'pglite' ? 1 : (o.concurrency ?? DEFAULT_INGEST_CONCURRENCY);

  const rejected: IngestReject[] = [];
  const committed: IngestCommitted = { inserted: 0, updated: 0, unchanged: 0, ranges: [] };
  let received = 0;
  let failure: { cause: unknown; during: string } | undefined;
  const running = new Set<Promise<void>>();
  // The latest chunk in flight that holds each key, resolving to whether it committed.
  const holders = new Map<string, Promise<boolean>>();

  let reported = '';
  // Awaited: a callback returning a rejected promise stops the ingest like one that throws. The
  // same figures are not reported twice.
  const report = async () => {
    const p = {
      received,
      stored: committed.inserted + committed.updated + committed.unchanged,
      rejected: rejected.length,
    };
    const key = `${p.received}/${p.stored}/${p.rejected}`;
    if (key === reported) return;
    reported = key;
    await o.onProgress?.(p);
  };

  const dispatch = (items: ParsedItem[], range: IngestRange) => {
    const keys = items.map(keyOf);
    const earlier = new Set<Promise<boolean>>();
    for (const k of keys) {
      const holder = holders.get(k);
      if (holder) earlier.add(holder);
    }
    // True when the chunk committed.
    const write = async (): Promise<boolean> => {
      // A chunk that shares a key with one that did not commit does not run either: re-feeding
      // the positions not committed, in order, must end as a serial import would.
      if (earlier.size && !(await Promise.all(earlier)).every(Boolean)) return false;
      try {
        const r = await target.db.transaction(() => target.save(items));
        committed.inserted += r.inserted;
        committed.updated += r.updated;
        committed.unchanged += r.unchanged;
        committed.ranges.push(range);
      } catch (err) {
        failure ??= { cause: err, during: `writing the chunk at positions ${describeRanges([range])}` };
        return false;
      }
      try {
        await report();
      } catch (err) {
        failure ??= { cause: err, during: 'onProgress' };
      }
      return true;
    };
    const task = write();
    const settled: Promise<void> = task.then(() => {
      running.delete(settled);
      for (const k of keys) if (holders.get(k) === task) holders.delete(k);
    });
    running.add(settled);
    for (const k of keys) holders.set(k, task);
  };

  // Back-pressure: the source is not read while every slot is busy.
  const slot = async () => {
    while (running.size >= concurrency && !failure) await Promise.race(running);
  };

  let chunk: ParsedItem[] = [];
  let first = 0;
  try {
    for await (const value of input) {
      const index = received++;
      const parsed = processedItemSchema.safeParse(value);
      if (parsed.success) chunk.push(parsed.data);
      else {
        const issue = parsed.error.issues[0];
        rejected.push({ index, field: formatPath(issue?.path ?? []), message: issue?.message ?? 'invalid' });
      }
      if (chunk.length >= o.chunkSize) {
        await slot();
        if (failure) break;
        dispatch(chunk, { first, last: index });
        chunk = [];
        first = index + 1;
      }
      if (failure) break;
    }
    if (chunk.length && !failure) {
      await slot();
      if (!failure) dispatch(chunk, { first, last: received - 1 });
    }
  } catch (err) {
    failure ??= { cause: err, during: 'reading the source' };
  }
  // Chunks already running finish (their tasks never reject), so `committed` is final.
  while (running.size) await Promise.all(running);

  if (!failure) {
    try {
      await report();
    } catch (err) {
      failure = { cause: err, during: 'onProgress' };
    }
  }
  if (failure) {
    const ranges = mergeRanges(committed.ranges);
    const stored = committed.inserted + committed.updated + committed.unchanged;
    const cause = failure.cause;
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new IngestError(
      `ingest stopped: ${failure.during} failed (${reason}); ${stored} items committed at input positions ${describeRanges(ranges)}, ${rejected.length} rejected, ${received} read`,
      { committed: { ...committed, ranges }, rejected, received },
      { cause, code: cause instanceof StorageError ? cause.code : undefined },
    );
  }
  return {
    received,
    inserted: committed.inserted,
    updated: committed.updated,
    unchanged: committed.unchanged,
    rejected,
  };
}
