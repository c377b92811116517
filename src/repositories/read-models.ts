import { z } from 'zod';
import type { CategoryType, SourceType, TrendState } from '../domain/enums.js';
import { limitSchema } from '../domain/models.js';
import { validate } from '../domain/validate.js';
import type { Executor } from '../sql/executor.js';

/** A row of the platform's trending_topics view: a live trend (emerging, viral or sustained). */
export interface TrendingTopic {
  /** The trend's id. */
  id: string;
  /** The trend's topic. */
  topicId: string;
  /** The trend's title. */
  title: string;
  /** The trend's summary. */
  summary: string;
  /** The trend's category. */
  category: CategoryType;
  /** `emerging`, `viral` or `sustained`. */
  state: TrendState;
  /** Position in the ranking, 1 at the top. */
  rank: number;
  /** The trend's score. */
  score: number;
  /** The trend's velocity. */
  velocity: number;
  /** The trend's item count. */
  itemCount: number;
  /** The trend's sources. */
  sources: SourceType[];
  /** The trend's keywords. */
  keywords: string[];
  /** When the trend was first seen. */
  firstSeen: Date;
  /** When the trend last changed. */
  lastUpdated: Date;
  /** `totalEngagement.score` of the trend; null when it has none. */
  engagementScore: number | null;
}

/**
 * A row of the platform's popular_items_by_source view: items published in the last 7 days, per
 * source and category.
 */
export interface SourcePopularity {
  /** The items' source. */
  source: SourceType;
  /** The items' category; null for uncategorised items. */
  category: CategoryType | null;
  /** Items of this source and category. */
  itemCount: number;
  /** Average of the items' `metrics.score`; null when none has one. */
  avgScore: number | null;
  /** The newest `publishedAt` among them. */
  latestPublished: Date;
}

/** Items published by one source on one UTC day. */
export interface SourceDayCount {
  /** The items' source. */
  source: SourceType;
  /** UTC day, YYYY-MM-DD. */
  day: string;
  /** Items of this source published that day. */
  itemCount: number;
}

/** Rows in each of the platform's tables, keyed by table name. */
export interface TableCounts {
  /** Rows of `topics`. */
  topics: number;
  /** Rows of `trends`. */
  trends: number;
  /** Rows of `processed_items`. */
  processed_items: number;
  /** Rows of `topic_items`: links between topics and items. */
  topic_items: number;
  /** Rows of `plugin_health`. */
  plugin_health: number;
  /** Rows of `pipeline_runs`. */
  pipeline_runs: number;
}

const daysSchema = z.object({ days: z.number().int().min(1).max(3650).default(14) }).strict();

const readSchema = z
  .object({
    /** Most rows returned, 1–1000 (default 100). */
    limit: limitSchema.default(100),
    /** Read the materialized snapshot (fast, as of the last refreshViews) instead of the live view. */
    snapshot: z.boolean().default(false),
  })
  .strict();
/**
 * Options of the read models (`views.trendingTopics`, `views.popularItemsBySource`).
 *
 * @example
 * ```ts
 * const options: ReadOptions = { limit: 20, snapshot: true };
 * const trending = await storage.views.trendingTopics(options);
 * ```
 */
export type ReadOptions = z.input<typeof readSchema>;

/** The platform's views, live or as materialized snapshots. Reached as `storage.views` or `tx.views`. */
export class ReadModels {
  constructor(private readonly db: Executor) {}

  /**
   * Trends that are emerging, viral or sustained, by rank then score.
   *
   * @example
   * ```ts
   * const trending = await storage.views.trendingTopics({ limit: 10 });
   * ```
   */
  async trendingTopics(options: ReadOptions = {}): Promise<TrendingTopic[]> {
    const o = validate(readSchema, options, 'options');
    const rows = await this.db.query<Record<string, unknown>>(
      `SELECT id, topic_id, title, summary, category::text AS category, state::text AS state, rank, score, velocity,
         item_count, sources::text[] AS sources, coalesce(keywords, '{}') AS keywords, first_seen, last_updated,
         engagement_score
       FROM ${o.snapshot ? 'mv_trending_topics' : 'trending_topics'} ORDER BY rank, score DESC, id LIMIT $1`,
      [o.limit],
    );
    return rows.map((r) => ({
      id: r.id as string,
      topicId: r.topic_id as string,
      title: r.title as string,
      summary: r.summary as string,
      category: r.category as CategoryType,
      state: r.state as TrendState,
      rank: r.rank as number,
      score: r.score as number,
      velocity: r.velocity as number,
      itemCount: r.item_count as number,
      sources: r.sources as SourceType[],
      keywords: r.keywords as string[],
      firstSeen: r.first_seen as Date,
      lastUpdated: r.last_updated as Date,
      engagementScore: r.engagement_score as number | null,
    }));
  }

  /**
   * Items published in the last 7 days per (source, category), busiest first.
   *
   * @example
   * ```ts
   * const popular = await storage.views.popularItemsBySource({ snapshot: true });
   * ```
   */
  async popularItemsBySource(options: ReadOptions = {}): Promise<SourcePopularity[]> {
    const o = validate(readSchema, options, 'options');
    const rows = await this.db.query<Record<string, unknown>>(
      `SELECT source::text AS source, category::text AS category, item_count::int AS item_count, avg_score, latest_published
       FROM ${o.snapshot ? 'mv_popular_items_by_source' : 'popular_items_by_source'}
       ORDER BY item_count DESC, source, category LIMIT $1`,
      [o.limit],
    );
    return rows.map((r) => ({
      source: r.source as SourceType,
      category: r.category as CategoryType | null,
      itemCount: r.item_count as number,
      avgScore: r.avg_score as number | null,
      latestPublished: r.latest_published as Date,
    }));
  }

  /**
   * Exact row counts of the platform's tables, in one statement (each counted in full: not free on
   * large tables).
   *
   * @example
   * ```ts
   * const { processed_items, trends } = await storage.views.tableCounts();
   * ```
   */
  async tableCounts(): Promise<TableCounts> {
    const [row] = await this.db.query<{ [K in keyof TableCounts]: number }>(
      `SELECT (SELECT count(*)::int FROM topics) AS topics, (SELECT count(*)::int FROM trends) AS trends,
              (SELECT count(*)::int FROM processed_items) AS processed_items,
              (SELECT count(*)::int FROM topic_items) AS topic_items,
              (SELECT count(*)::int FROM plugin_health) AS plugin_health,
              (SELECT count(*)::int FROM pipeline_runs) AS pipeline_runs`,
    );
    return row!;
  }

  /**
   * Items published per source and UTC day over the last `days` days (1–3650, default 14), newest day
   * first, counted live from the items. The window starts `days` × 24 h before now, so its oldest
   * day is partial.
   *
   * @example
   * ```ts
   * const perDay = await storage.views.itemsPerSourceAndDay({ days: 7 });
   * ```
   */
  async itemsPerSourceAndDay(options: { days?: number } = {}): Promise<SourceDayCount[]> {
    const { days } = validate(daysSchema, options, 'options');
    const rows = await this.db.query<{ source: string; day: string; n: number }>(
      `SELECT source::text AS source, to_char((published_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day,
              count(*)::int AS n
       FROM processed_items WHERE published_at >= now() - make_interval(days => $1)
       GROUP BY 1, 2 ORDER BY 2 DESC, 1`,
      [days],
    );
    return rows.map((r) => ({ source: r.source as SourceType, day: r.day, itemCount: r.n }));
  }

  /**
   * Refreshes every materialized view concurrently: readers are never blocked.
   *
   * @example
   * ```ts
   * await storage.views.refreshViews();
   * ```
   */
  async refreshViews(): Promise<void> {
    await this.db.query('SELECT refresh_trend_views()');
  }
}
