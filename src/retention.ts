// Retiring old items across every store that holds a piece of them: the item rows (their topic
// links go by cascade), their embeddings and their cache entries. It works in batches, each one
// removing the vectors and cache entries first and the rows last, so a failure part-way leaves
// only rows whose satellites are gone — and running it again finishes the job.
import { z } from 'zod';
import type { CacheRepository } from './cache/types.js';
import { StorageError } from './domain/errors.js';
import { validate } from './domain/validate.js';
import type { ItemRepository } from './repositories/items.js';
import { type CollectionOptions, collectionNameSchema, type VectorRepository } from './vector/types.js';

export const ITEM_VECTOR_SUFFIX = 'item_embeddings';

const optionsSchema = z
  .object({
    /** Items collected more than this many days ago (by this process's clock) go; 0–36,500. */
    olderThanDays: z.number().int('must be a whole number of days').min(0).max(36_500),
    /** Count the items that would go, and change nothing. */
    dryRun: z.boolean().default(false),
    /** Items per step, 1–100,000 (default 5,000). */
    batchSize: z.number().int().min(1).max(100_000).default(5000),
    /** Collections keyed by item id (default: every collection whose name ends in `item_embeddings`). */
    vectorCollections: z.array(collectionNameSchema).optional(),
    /** The cache keys of one item (default `item:<id>`). */
    cacheKeys: z.custom<(id: string) => string[]>((f) => typeof f === 'function').optional(),
    /** Called after each batch with the running totals. */
    onProgress: z.custom<(report: PurgeReport) => void>((f) => typeof f === 'function').optional(),
  })
  .strict();
/**
 * Options of `storage.purgeItems`: how old an item must be to go, and how to go about it.
 *
 * @example
 * ```ts
 * const options: PurgeOptions = { olderThanDays: 30, onProgress: (r) => console.log(`${r.items} so far`) };
 * const report = await storage.purgeItems(options);
 * ```
 */
export type PurgeOptions = z.input<typeof optionsSchema>;

/** What `storage.purgeItems` did (or, with `dryRun`, would do). */
export interface PurgeReport {
  /** Items collected before this moment are the ones that go. */
  cutoff: Date;
  /** Whether this was a dry run (then only `items` is counted). */
  dryRun: boolean;
  /** Items deleted (with a dry run: items that would be). */
  items: number;
  /** Vector points deleted, over every collection purged. */
  vectors: number;
  /** Cache entries deleted (keys that existed). */
  cacheEntries: number;
}

/**
 * A purge stopped part-way; `report` says what it had done. Run it again to finish.
 *
 * @example
 * ```ts
 * try { await storage.purgeItems({ olderThanDays: 30 }); } catch (err) {
 *   if (!(err instanceof PurgeError)) throw err;
 *   console.error(`stopped after ${err.report.items} items: ${err.message}`); // run it again later
 * }
 * ```
 */
export class PurgeError extends StorageError {
  override name = 'PurgeError';
  constructor(
    message: string,
    /** What the purge had done before it stopped. */
    readonly report: PurgeReport,
    options: { cause?: unknown; code?: string } = {},
  ) {
    super(message, options);
  }
}

export interface PurgeTarget {
  items: ItemRepository;
  vectors(collection?: CollectionOptions): VectorRepository;
  cache: CacheRepository;
}

async function itemCollections(store: PurgeTarget, names?: string[]): Promise<VectorRepository[]> {
  const all = await store.vectors().listCollections();
  const wanted = names ?? all.filter((n) => n.endsWith(ITEM_VECTOR_SUFFIX));
  const repos: VectorRepository[] = [];
  for (const name of wanted) {
    const shape = await store.vectors().describeCollection(name);
    if (shape) repos.push(store.vectors(shape));
  }
  return repos;
}

/** Deletes items collected before the cutoff, with their vectors and cache entries, at any size. */
export async function purgeItems(store: PurgeTarget, options: PurgeOptions): Promise<PurgeReport> {
  const o = validate(optionsSchema, options, 'options');
  const cutoff = new Date(Date.now() - o.olderThanDays * 86_400_000);
  const report: PurgeReport = { cutoff, dryRun: o.dryRun, items: 0, vectors: 0, cacheEntries: 0 };
  if (o.dryRun) {
    report.items = await store.items.count({ collectedBefore: cutoff });
    return report;
  }
  const step = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw new PurgeError(
        `purge stopped while ${what}, after ${report.items} items, ${report.vectors} vectors and ${report.cacheEntries} cache entries; run it again to finish: ${(err as Error).message}`,
        { ...report },
        { cause: err, code: (err as StorageError).code },
      );
    }
  };
  const collections = await step('listing vector collections', () =>
    itemCollections(store, o.vectorCollections),
  );
  const keysOf = o.cacheKeys ?? ((id: string) => [`item:${id}`]);
  for (;;) {
    const ids = await step('reading the next batch', () =>
      store.items.listIdsCollectedBefore(cutoff, { limit: o.batchSize }),
    );
    if (ids.length === 0) return report;
    for (const collection of collections) {
      report.vectors += await step(`deleting vectors of ${collection.config.name}`, () =>
        collection.deleteMany(ids),
      );
    }
    const deleted = await step('deleting cache entries', () => store.cache.deleteMany(ids.flatMap(keysOf)));
    report.cacheEntries += deleted;
    report.items += await step('deleting items', () => store.items.deleteMany(ids));
    o.onProgress?.({ ...report });
  }
}
