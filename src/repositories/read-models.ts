import { z } from 'zod';
import type { CategoryType, SourceType, TrendState } from '../domain/enums.js';
import { limitSchema } from '../domain/models.js';
import { validate } from '../domain/validate.js';
import type { Executor } from '../sql/executor.js';

export interface TrendingTopic {
  id: string;
  topicId: string;
  title: string;
  summary: string;
  category: CategoryType;
  state: TrendState;
  rank: number;
  score: number;
  velocity: number;
  itemCount: number;
  sources: SourceType[];
  keywords: string[];
  firstSeen: Date;
  lastUpdated: Date;
  engagementScore: number | null;
}

export interface SourcePopularity {
  source: SourceType;
  category: CategoryType | null;
  itemCount: number;
  avgScore: number | null;
  latestPublished: Date;
}

export interface SourceDayCount {
  source: SourceType;
  /** UTC day, YYYY-MM-DD. */
  day: string;
  itemCount: number;
}

/** Rows in each of the platform's tables. */
export interface TableCounts {
  topics: number;
  trends: number;
  processed_items: number;
  topic_items: number;
  plugin_health: number;
  pipeline_runs: number;
}

const daysSchema = z.object({ days: z.number().int().min(1).max(3650).default(14) }).strict();

const readSchema = z
  .object({
    limit: limitSchema.default(100),
    /** Read the materialized snapshot (fast, as of the last refreshViews) instead of the live view. */
    snapshot: z.boolean().default(false),
  })
  .strict();
export type ReadOptions = z.input<typeof readSchema>;

/** The platform's views, live or as materialized snapshots. */
export class ReadModels {
  constructor(private readonly db: Executor) {}

  /** Trends that are emerging, viral or sustained, by rank then score. */
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

  /** Items of the last 7 days per (source, category), busiest first. */
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

  /** Exact row counts of the platform's tables, in one statement. */
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

  /** Items published per source and UTC day over the last `days` days, newest day first. */
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

  /** Refreshes every materialized view concurrently: readers are never blocked. */
  async refreshViews(): Promise<void> {
    await this.db.query('SELECT refresh_trend_views()');
  }
}
