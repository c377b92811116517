import { createStorage } from '../../storage.js';
import type { Out } from '../output.js';

export async function refreshViewsCommand(out: Out): Promise<number> {
  const storage = await createStorage();
  try {
    const started = performance.now();
    await storage.views.refreshViews();
    const ms = Math.round(performance.now() - started);
    out.line(`refreshed mv_trending_topics, mv_popular_items_by_source, mv_daily_item_counts in ${ms} ms`);
    out.result({
      refreshed: ['mv_trending_topics', 'mv_popular_items_by_source', 'mv_daily_item_counts'],
      ms,
    });
    return 0;
  } finally {
    await storage.close();
  }
}
