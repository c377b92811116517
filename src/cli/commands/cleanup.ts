import { ValidationError } from '../../domain/errors.js';
import type { CompactHistoryReport } from '../../repositories/trend-history.js';
import { PurgeError } from '../../retention.js';
import { createStorage } from '../../storage.js';
import { errorColor, type Out } from '../output.js';

/** What downsampling the trend history did, in words. */
function describeCompaction(r: CompactHistoryReport): string {
  const verb = r.dryRun ? 'would merge' : 'merged';
  return `trend history: ${verb} ${r.hourly.merged} snapshots into ${r.hourly.into} hourly points and ${r.daily.merged} into ${r.daily.into} daily points`;
}

/**
 * Deletes items collected more than N days ago, their topic links, their vectors in every
 * `*item_embeddings` collection and their `item:<id>` cache entries (storage.purgeItems), then
 * downsamples old trend history (trends.compactHistory). Exit code 1 when any part failed, with
 * what was done before it.
 */
export async function cleanupCommand(
  out: Out,
  opts: { olderThan: number; dryRun?: boolean; hourlyAfter: number; dailyAfter: number },
): Promise<number> {
  if (opts.dailyAfter < opts.hourlyAfter) {
    throw new ValidationError('--daily-after', 'must be at least --hourly-after');
  }
  const days = opts.olderThan;
  const history = { hourlyAfterDays: opts.hourlyAfter, dailyAfterDays: opts.dailyAfter };
  const storage = await createStorage();
  try {
    if (opts.dryRun) {
      const r = await storage.purgeItems({ olderThanDays: days, dryRun: true });
      const h = await storage.trends.compactHistory({ ...history, dryRun: true });
      out.line(`would delete ${r.items} items collected more than ${days} days ago (dry run)`);
      out.line(`${describeCompaction(h)} (dry run)`);
      out.result({ dryRun: true, days, items: r.items, history: h });
      return 0;
    }
    try {
      const r = await storage.purgeItems({ olderThanDays: days });
      out.line(
        `deleted ${r.items} items, ${r.vectors} vectors, ${r.cacheEntries} cache entries (collected more than ${days} days ago)`,
      );
      const h = await storage.trends.compactHistory(history);
      out.line(describeCompaction(h));
      out.result({ days, items: r.items, vectors: r.vectors, cacheEntries: r.cacheEntries, history: h });
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
