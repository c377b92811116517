import { z } from 'zod';
import {
  categorySchema,
  limitSchema,
  type Trend,
  type TrendFilter,
  type TrendInput,
  timestampSchema,
  trendFilterSchema,
  trendSchema,
  uuidSchema,
} from '../domain/models.js';
import { patchSchema, validate } from '../domain/validate.js';
import type { Executor } from '../sql/executor.js';
import { newestMatches, pageSql, windowSize } from '../sql/full-text.js';
import { Params, tsQuery, withTextQuery } from '../sql/params.js';
import { TREND_COLUMNS, type TrendRow, toTrend } from './mapping.js';
import {
  type CompactHistoryOptions,
  type CompactHistoryReport,
  compactHistory,
  type HistoryOptions,
  history,
  importHistory,
  type MoversOptions,
  movers,
  type TrendHistoryInput,
  type TrendHistoryPoint,
  type TrendMove,
} from './trend-history.js';
import { type Columns, cast, deleteById, updateById, upsertById } from './writes.js';

const COLUMNS: Columns<keyof Omit<TrendInput, 'id' | 'embedding'>> = {
  topicId: { name: 'topic_id', cast: cast.uuid },
  rank: { name: 'rank', cast: cast.int },
  title: { name: 'title', cast: cast.text },
  summary: { name: 'summary', cast: cast.text },
  keyPoints: { name: 'key_points', cast: cast.texts },
  category: { name: 'category', cast: cast.category },
  state: { name: 'state', cast: cast.state },
  score: { name: 'score', cast: cast.float },
  sources: { name: 'sources', cast: cast.sources },
  itemCount: { name: 'item_count', cast: cast.int },
  totalEngagement: { name: 'total_engagement', cast: cast.jsonb, json: true },
  velocity: { name: 'velocity', cast: cast.float },
  firstSeen: { name: 'first_seen', cast: cast.timestamptz, keepWhenOmitted: true },
  peakEngagementAt: { name: 'peak_engagement_at', cast: cast.timestamptz },
  language: { name: 'language', cast: cast.text },
  keywords: { name: 'keywords', cast: cast.texts },
  relatedTrendIds: { name: 'related_trend_ids', cast: cast.uuids },
  metadata: { name: 'metadata', cast: cast.jsonb, json: true },
};

// Partial updates: the same rules as save, no defaults, nothing unknown.
const updateSchema = patchSchema(trendSchema, Object.keys(COLUMNS) as (keyof typeof COLUMNS)[]);

const SORTS: Record<NonNullable<TrendFilter['sort']>, string> = {
  rank: 'rank ASC, score DESC',
  score: 'score DESC, rank ASC',
  velocity: 'velocity DESC, score DESC',
  lastUpdated: 'last_updated DESC',
  newest: 'first_seen DESC',
  // Only with q, where textSearchSql orders; listed so every sort has an entry.
  relevance: 'rank ASC, score DESC',
};

/** The fields `trends.update` may change, each with save's rules; omitted fields stay as stored. */
export type TrendPatch = Partial<Omit<TrendInput, 'id' | 'embedding'>>;

const topTrendsSchema = z
  .object({
    /** Most trends returned, 1–1000 (default 10). */
    limit: limitSchema.default(10),
    /** Only trends of this category. */
    category: categorySchema.optional(),
    /** Only trends first seen at or after this time. */
    dateFrom: timestampSchema.optional(),
  })
  .strict();
/**
 * Options of `trends.getTopTrends`, the platform's get_top_trends_by_category.
 *
 * @example
 * ```ts
 * const options: TopTrendsOptions = { limit: 5, category: 'Science', dateFrom: new Date('2024-05-01') };
 * const top = await storage.trends.getTopTrends(options);
 * ```
 */
export type TopTrendsOptions = z.input<typeof topTrendsSchema>;

/** The trends: ranked, scored topics. Reached as `storage.trends` or `tx.trends`. */
export class TrendRepository {
  constructor(private readonly db: Executor) {}

  /**
   * Inserts the trend, or replaces it when `id` names an existing one (keeping firstSeen when
   * omitted). Returns the trend's id; a topicId with no topic is an IntegrityError.
   *
   * @example
   * ```ts
   * const id = await storage.trends.save({
   *   topicId, rank: 1, title: 'Fusion passes break-even', summary: '', category: 'Science', score: 9,
   * });
   * ```
   */
  async save(trend: TrendInput): Promise<string> {
    return upsertById(this.db, 'trends', COLUMNS, validate(trendSchema, trend, 'trend'));
  }

  /**
   * The trend with this uuid, or null.
   *
   * @example
   * ```ts
   * const trend = await storage.trends.get(trendId);
   * ```
   */
  async get(id: string): Promise<Trend | null> {
    validate(uuidSchema, id, 'id');
    const [row] = await this.db.query<TrendRow>(`SELECT ${TREND_COLUMNS} FROM trends WHERE id = $1`, [id]);
    return row ? toTrend(row) : null;
  }

  /**
   * Changes only the given fields. False when no trend has that id.
   *
   * @example
   * ```ts
   * const found = await storage.trends.update(trendId, { state: 'sustained', rank: 2 });
   * ```
   */
  async update(id: string, patch: TrendPatch): Promise<boolean> {
    validate(uuidSchema, id, 'id');
    return updateById(this.db, 'trends', COLUMNS, id, validate(updateSchema, patch, 'patch'));
  }

  /**
   * Deletes the trend (its topic stays). False when no trend has that id.
   *
   * @example
   * ```ts
   * const deleted = await storage.trends.delete(trendId);
   * ```
   */
  async delete(id: string): Promise<boolean> {
    validate(uuidSchema, id, 'id');
    return deleteById(this.db, 'trends', id);
  }

  /**
   * Trends matching every given field of the filter, by rank unless `sort` says otherwise. With `q`
   * the default is `relevance`: text rank × freshness (by firstSeen), ranked over the newest 1,000
   * matches.
   *
   * @example
   * ```ts
   * const trends = await storage.trends.search({ category: 'Technology', q: 'language models', limit: 20 });
   * ```
   */
  async search(filter: TrendFilter = {}): Promise<Trend[]> {
    const f = validate(trendFilterSchema, filter, 'filter');
    const p = new Params();
    const { where, query } = this.#where(f, p);
    const sort = f.sort ?? (query ? 'relevance' : 'rank');
    if (f.q !== undefined && (sort === 'relevance' || sort === 'newest')) {
      const target = { table: 'trends', time: 'first_seen' } as const;
      const q = f.q;
      return withTextQuery('filter.q', async () => {
        const { rows: window } = await newestMatches(
          this.db,
          { ...target, where, params: p.values },
          windowSize({ ...f, sort }),
        );
        if (window.length <= f.offset) return [];
        const page = new Params();
        const sql = pageSql(
          { ...target, ...f, q, sort, columns: TREND_COLUMNS },
          page,
          window.map((w) => w.id),
        );
        return (await this.db.query<TrendRow>(sql, page.values)).map(toTrend);
      });
    }
    const sql = `SELECT ${TREND_COLUMNS} FROM trends ${where ? `WHERE ${where}` : ''}
      ORDER BY ${SORTS[sort]}, id LIMIT ${p.add(f.limit)} OFFSET ${p.add(f.offset)}`;
    const rows = await withTextQuery('filter.q', () => this.db.query<TrendRow>(sql, p.values));
    return rows.map(toTrend);
  }

  /**
   * How many trends match the filter (limit, offset and sort ignored).
   *
   * @example
   * ```ts
   * const viral = await storage.trends.count({ state: 'viral' });
   * ```
   */
  async count(filter: Omit<TrendFilter, 'limit' | 'offset' | 'sort'> = {}): Promise<number> {
    const f = validate(trendFilterSchema, filter, 'filter');
    const p = new Params();
    const { where } = this.#where(f, p);
    const [row] = await withTextQuery('filter.q', () =>
      this.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM trends ${where ? `WHERE ${where}` : ''}`,
        p.values,
      ),
    );
    return row!.n;
  }

  /**
   * The platform's get_top_trends: by rank, then score, optionally one category and first seen since;
   * every state, `dead` included.
   *
   * @example
   * ```ts
   * const top = await storage.trends.getTopTrends({ limit: 5, category: 'Science' });
   * ```
   */
  async getTopTrends(options: TopTrendsOptions = {}): Promise<Trend[]> {
    const { limit, category, dateFrom } = validate(topTrendsSchema, options, 'options');
    const from = dateFrom ?? null;
    const rows = await this.db.query<TrendRow>(
      `SELECT ${TREND_COLUMNS} FROM trends
       WHERE ($1::category_type IS NULL OR category = $1::category_type)
         AND ($2::timestamptz IS NULL OR first_seen >= $2::timestamptz)
       ORDER BY rank, score DESC, id LIMIT $3`,
      [category ?? null, from, limit],
    );
    return rows.map(toTrend);
  }

  /**
   * The trend's trajectory, one point per UTC hour or day in which it changed: the last rank,
   * score, velocity, state and item count recorded in the bucket, and its highest score. Every
   * writer's changes are recorded (a database trigger), plain SQL included. Oldest first; buckets
   * without a change are absent; an unknown id has no history ([]).
   *
   * @example
   * ```ts
   * const week = await storage.trends.history(trendId, { from: new Date(Date.now() - 7 * 86_400_000), bucket: 'day' });
   * ```
   */
  async history(id: string, options: HistoryOptions = {}): Promise<TrendHistoryPoint[]> {
    return history(this.db, id, options);
  }

  /**
   * The trends whose score (or rank) changed most since `since`: the trend now, compared with its
   * last snapshot before the window (or its first one, for a trend recorded only later). Only
   * trends that moved in `direction` are listed, the biggest move first.
   *
   * @example
   * ```ts
   * const risers = await storage.trends.movers({ since: new Date(Date.now() - 86_400_000), limit: 5 });
   * ```
   */
  async movers(options: MoversOptions = {}): Promise<TrendMove[]> {
    return movers(this.db, options);
  }

  /**
   * Writes recorded states of trends into their history (backfills, imports from elsewhere):
   * all or nothing. Points at the same trend and time merge as the trigger's do (last values,
   * highest score). Returns how many points were given; a trendId with no trend is an
   * IntegrityError.
   *
   * @example
   * ```ts
   * await storage.trends.importHistory([{ trendId, at: new Date('2026-11-01T10:00:00Z'), rank: 3, score: 7.5, state: 'viral' }]);
   * ```
   */
  async importHistory(points: readonly TrendHistoryInput[]): Promise<number> {
    return importHistory(this.db, points);
  }

  /**
   * Downsamples old history, keeping what `history` reads: snapshots older than `hourlyAfterDays`
   * become one per UTC hour, older than `dailyAfterDays` one per day, each keeping the last values
   * and the highest score of its bucket. Re-runnable; `trend-storage cleanup` runs it.
   *
   * @example
   * ```ts
   * const { hourly, daily } = await storage.trends.compactHistory({ hourlyAfterDays: 7, dailyAfterDays: 30 });
   * ```
   */
  async compactHistory(options: CompactHistoryOptions = {}): Promise<CompactHistoryReport> {
    return compactHistory(this.db, options);
  }

  /** The filter's conditions joined by AND ('' for none), and the tsquery when `q` is given. */
  #where(f: z.output<typeof trendFilterSchema>, p: Params): { where: string; query?: string } {
    const c: string[] = [];
    let query: string | undefined;
    if (f.category) c.push(`category = ${p.add(f.category)}::category_type`);
    if (f.sources) c.push(`sources && ${p.add(f.sources)}::text[]::source_type[]`);
    if (f.state) c.push(`state = ${p.add(f.state)}::trend_state`);
    if (f.minScore !== undefined) c.push(`score >= ${p.add(f.minScore)}`);
    if (f.maxScore !== undefined) c.push(`score <= ${p.add(f.maxScore)}`);
    if (f.language) c.push(`language = ${p.add(f.language)}`);
    if (f.keywords) c.push(`keywords && ${p.add(f.keywords)}::text[]`);
    if (f.dateFrom) c.push(`first_seen >= ${p.add(f.dateFrom)}`);
    if (f.dateTo) c.push(`first_seen <= ${p.add(f.dateTo)}`);
    if (f.q) {
      query = tsQuery(p, f.q, f.language);
      c.push(`search_vector @@ ${query}`);
    }
    return { where: c.join(' AND '), query };
  }
}
