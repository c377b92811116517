import type { z } from 'zod';
import type { CategoryType } from '../domain/enums.js';
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
import { Params, tsQuery } from '../sql/params.js';
import { TREND_COLUMNS, type TrendRow, toTrend } from './mapping.js';

/** Each writable field: its column and the SQL that turns the bound parameter into the column's type. */
const FIELDS = {
  topicId: ['topic_id', (p: string) => `${p}::uuid`],
  rank: ['rank', (p: string) => `${p}::int`],
  title: ['title', (p: string) => p],
  summary: ['summary', (p: string) => p],
  keyPoints: ['key_points', (p: string) => `${p}::text[]`],
  category: ['category', (p: string) => `${p}::category_type`],
  state: ['state', (p: string) => `${p}::trend_state`],
  score: ['score', (p: string) => `${p}::float8`],
  sources: ['sources', (p: string) => `${p}::text[]::source_type[]`],
  itemCount: ['item_count', (p: string) => `${p}::int`],
  totalEngagement: ['total_engagement', (p: string) => `${p}::jsonb`],
  velocity: ['velocity', (p: string) => `${p}::float8`],
  firstSeen: ['first_seen', (p: string) => `coalesce(${p}::timestamptz, now())`],
  peakEngagementAt: ['peak_engagement_at', (p: string) => `${p}::timestamptz`],
  language: ['language', (p: string) => p],
  keywords: ['keywords', (p: string) => `${p}::text[]`],
  relatedTrendIds: ['related_trend_ids', (p: string) => `${p}::uuid[]`],
  metadata: ['metadata', (p: string) => `${p}::jsonb`],
} as const;
type Field = keyof typeof FIELDS;
const FIELD_NAMES = Object.keys(FIELDS) as Field[];

const JSON_FIELDS = new Set<Field>(['totalEngagement', 'metadata']);
const bind = (field: Field, value: unknown) =>
  JSON_FIELDS.has(field) ? JSON.stringify(value) : (value ?? null);

// Partial updates: the same rules as save, no defaults, nothing unknown.
const updateSchema = patchSchema(trendSchema, FIELD_NAMES);

const SORTS: Record<NonNullable<TrendFilter['sort']>, string> = {
  rank: 'rank ASC, score DESC',
  score: 'score DESC, rank ASC',
  velocity: 'velocity DESC, score DESC',
  lastUpdated: 'last_updated DESC',
};

export type TrendPatch = Partial<Omit<TrendInput, 'id' | 'embedding'>>;

export class TrendRepository {
  constructor(private readonly db: Executor) {}

  /** Inserts the trend, or replaces it when `id` names an existing one. Returns its id. */
  async save(trend: TrendInput): Promise<string> {
    const t = validate(trendSchema, trend, 'trend');
    const p = new Params();
    const values = FIELD_NAMES.map((f) => FIELDS[f][1](p.add(bind(f, t[f]))));
    const columns = FIELD_NAMES.map((f) => FIELDS[f][0]);
    // Re-saving without firstSeen keeps the stored one rather than resetting it to now().
    const firstSeen = p.add(t.firstSeen ?? null);
    const sets = columns.map((c) =>
      c === 'first_seen'
        ? `first_seen = coalesce(${firstSeen}::timestamptz, trends.first_seen)`
        : `${c} = EXCLUDED.${c}`,
    );
    const id = p.add(t.id ?? null);
    const [row] = await this.db.query<{ id: string }>(
      `INSERT INTO trends (id, ${columns.join(', ')})
       VALUES (coalesce(${id}::uuid, gen_random_uuid()), ${values.join(', ')})
       ON CONFLICT (id) DO UPDATE SET ${sets.join(', ')}
       RETURNING id`,
      p.values,
    );
    return row!.id;
  }

  async get(id: string): Promise<Trend | null> {
    validate(uuidSchema, id, 'id');
    const [row] = await this.db.query<TrendRow>(`SELECT ${TREND_COLUMNS} FROM trends WHERE id = $1`, [id]);
    return row ? toTrend(row) : null;
  }

  /** Changes only the given fields. False when no trend has that id. */
  async update(id: string, patch: TrendPatch): Promise<boolean> {
    validate(uuidSchema, id, 'id');
    const fields = validate(updateSchema, patch, 'patch');
    const given = FIELD_NAMES.filter((f) => f in fields && fields[f] !== undefined);
    if (given.length === 0) return (await this.get(id)) !== null;
    const p = new Params();
    const sets = given.map((f) => `${FIELDS[f][0]} = ${FIELDS[f][1](p.add(bind(f, fields[f])))}`);
    const rows = await this.db.query(
      `UPDATE trends SET ${sets.join(', ')} WHERE id = ${p.add(id)} RETURNING 1`,
      p.values,
    );
    return rows.length > 0;
  }

  async delete(id: string): Promise<boolean> {
    validate(uuidSchema, id, 'id');
    return (await this.db.query('DELETE FROM trends WHERE id = $1 RETURNING 1', [id])).length > 0;
  }

  /** Trends matching every given field of the filter. `q` ranks by relevance unless `sort` is set. */
  async search(filter: TrendFilter = {}): Promise<Trend[]> {
    const f = validate(trendFilterSchema, filter, 'filter');
    const p = new Params();
    const { where, rank } = this.#where(f, p);
    const order = f.sort ? SORTS[f.sort] : rank ? `${rank} DESC, ${SORTS.rank}` : SORTS.rank;
    const rows = await this.db.query<TrendRow>(
      `SELECT ${TREND_COLUMNS} FROM trends ${where} ORDER BY ${order}, id LIMIT ${p.add(f.limit)} OFFSET ${p.add(f.offset)}`,
      p.values,
    );
    return rows.map(toTrend);
  }

  /** How many trends match the filter (limit, offset and sort ignored). */
  async count(filter: Omit<TrendFilter, 'limit' | 'offset' | 'sort'> = {}): Promise<number> {
    const f = validate(trendFilterSchema, filter, 'filter');
    const p = new Params();
    const [row] = await this.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM trends ${this.#where(f, p).where}`,
      p.values,
    );
    return row!.n;
  }

  /** The platform's get_top_trends: by rank, then score, optionally one category and first seen since. */
  async getTopTrends(limit = 10, category?: CategoryType, dateFrom?: Date | string): Promise<Trend[]> {
    validate(limitSchema, limit, 'limit');
    if (category !== undefined) validate(categorySchema, category, 'category');
    const from = dateFrom === undefined ? null : validate(timestampSchema, dateFrom, 'dateFrom');
    const rows = await this.db.query<TrendRow>(
      `SELECT ${TREND_COLUMNS} FROM trends
       WHERE ($1::category_type IS NULL OR category = $1::category_type)
         AND ($2::timestamptz IS NULL OR first_seen >= $2::timestamptz)
       ORDER BY rank, score DESC, id LIMIT $3`,
      [category ?? null, from, limit],
    );
    return rows.map(toTrend);
  }

  #where(f: z.output<typeof trendFilterSchema>, p: Params): { where: string; rank?: string } {
    const c: string[] = [];
    let rank: string | undefined;
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
      const query = tsQuery(p, f.q, f.language);
      c.push(`search_vector @@ ${query}`);
      rank = `ts_rank_cd(search_vector, ${query})`;
    }
    return { where: c.length ? `WHERE ${c.join(' AND ')}` : '', rank };
  }
}
