import { PurgeError } from '../../retention.js';
import { createStorage } from '../../storage.js';
import { errorColor, type Out } from '../output.js';

/**
 * Deletes items collected more than N days ago, their topic links, their vectors in every
 * `*item_embeddings` collection and their `item:<id>` cache entries (storage.purgeItems).
 * Exit code 1 when any part failed, with what was done before it.
 */
export async function cleanupCommand(
  out: Out,
  opts: { olderThan: number; dryRun?: boolean },
): Promise<number> {
  const days = opts.olderThan;
  const storage = await createStorage();
  try {
    if (opts.dryRun) {
      const r = await storage.purgeItems({ olderThanDays: days, dryRun: true });
      out.line(`would delete ${r.items} items collected more than ${days} days ago (dry run)`);
      out.result({ dryRun: true, days, items: r.items });
      return 0;
    }
    try {
      const r = await storage.purgeItems({ olderThanDays: days });
      out.line(
        `deleted ${r.items} items, ${r.vectors} vectors, ${r.cacheEntries} cache entries (collected more than ${days} days ago)`,
      );
      out.result({ days, items: r.items, vectors: r.vectors, cacheEntries: r.cacheEntries });
      return 0;
    } catch (err) {
      if (!(err instanceof PurgeError)) throw err;
      const r = err.report;
      if (!out.json) console.error(errorColor.red(`trend-storage: ${err.message}`));
      out.result({
        days,
        items: r.items,
        vectors: r.vectors,
        cacheEntries: r.cacheEntries,
        error: err.message,
      });
      return 1;
    }
  } finally {
    await storage.close();
  }
}
