import { createStorage } from '../../storage.js';
import { type Out, parseDays } from '../output.js';

const ITEM_COLLECTION_SUFFIX = 'item_embeddings';

/**
 * Deletes items collected more than N days ago, their topic links (by cascade), their vectors in
 * every `*item_embeddings` collection, and their `item:<id>` cache entries.
 */
export async function cleanupCommand(
  out: Out,
  opts: { olderThan: string; dryRun?: boolean },
): Promise<number> {
  const days = parseDays(opts.olderThan);
  const storage = await createStorage();
  try {
    if (opts.dryRun) {
      const [row] = await storage.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM processed_items WHERE collected_at < now() - make_interval(days => $1)',
        [days],
      );
      out.line(`would delete ${row!.n} items collected more than ${days} days ago (dry run)`);
      out.result({ dryRun: true, days, items: row!.n });
      return 0;
    }
    const deleted = await storage.db.query<{ id: string }>(
      'DELETE FROM processed_items WHERE collected_at < now() - make_interval(days => $1) RETURNING id',
      [days],
    );
    const ids = deleted.map((r) => r.id);
    let vectors = 0;
    let cacheEntries = 0;
    if (ids.length) {
      try {
        const collections = (await storage.vectors().listCollections()).filter((c) =>
          c.endsWith(ITEM_COLLECTION_SUFFIX),
        );
        for (const name of collections) {
          const shape = await storage.vectors().describeCollection(name);
          if (shape) vectors += await storage.vectors(shape).deleteMany(ids);
        }
      } catch (err) {
        out.line(`vectors left alone: ${(err as Error).message}`);
      }
      for (const id of ids) if (await storage.cache.delete(`item:${id}`)) cacheEntries++;
    }
    out.line(
      `deleted ${ids.length} items, ${vectors} vectors, ${cacheEntries} cache entries (collected more than ${days} days ago)`,
    );
    out.result({ days, items: ids.length, vectors, cacheEntries });
    return 0;
  } finally {
    await storage.close();
  }
}
