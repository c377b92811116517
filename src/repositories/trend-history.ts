// Trend history: the snapshots migration 0008's trigger records on every change of rank, score,
// velocity, state or item count, read back as bucketed series and as movers, imported for
// backfills, and downsampled with age. Buckets are UTC hours and days.
import { z } from 'zod';
import type { TrendState } from '../domain/enums.js';
import { IntegrityError, ValidationError } from '../domain/errors.js';
import {
  categorySchema,
  int32Count,
  limitSchema,
  type Trend,
  timestampSchema,
  trendStateSchema,
  uuidSchema,
} from '../domain/models.js';
import { validate } from '../domain/validate.js';
import type { Executor } from '../sql/executor.js';
import { Params } from '../sql/params.js';
import { TREND_COLUMNS, type TrendRow, toTrend } from './mapping.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const BUCKETS = ['hour', 'day'] as const;

const nonNegative = z
  .number()
  .refine(Number.isFinite, 'must be a finite number')
  .pipe(z.number().min(0, 'must be >= 0'));

export const historyOptionsSchema = z
  .object({
    /** Start of the series (default: 30 days before `to`); its whole bucket is included. */
    from: timestampSchema.optional(),
    /** End of the series (default: now); its whole bucket is included. */
    to: timestampSchema.optional(),
    /** `hour` (default) or `day`, in UTC. */
    bucket: z.enum(BUCKETS).default('hour'),
    /**
     * One point per bucket (at most 100,000): a bucket without a change repeats the values held
     * before it, from inside the range or before it. Buckets before the first snapshot stay absent.
     */
    fill: z.boolean().default(false),
  })
  .strict();
/**
 * Options of `trends.history`.
 *
 * @example
 * ```ts
 * const options: HistoryOptions = { from: new Date(Date.now() - 7 * 86_400_000), bucket: 'day' };
 * const series = await storage.trends.history(trendId, options);
 * ```
 */
export type HistoryOptions = z.input<typeof historyOptionsSchema>;

/** One bucket of a trend's history: the last values recorded in it, and its highest score. */
export interface TrendHistoryPoint {
  /** Start of the bucket (UTC hour or day). */
  at: Date;
  rank: number;
  score: number;
  /** The highest score recorded in the bucket. */
  maxScore: number;
  velocity: number;
  state: TrendState;
  itemCount: number;
}

export const moversOptionsSchema = z
  .object({
    /** Start of the window (default: 24 hours ago). */
    since: timestampSchema.optional(),
    /** Most trends returned, 1–1000 (default 10). */
    limit: limitSchema.default(10),
    /** Only trends of this category. */
    category: categorySchema.optional(),
    /** `up` (default): rose most; `down`: fell most. */
    direction: z.enum(['up', 'down']).default('up'),
    /** Change of `score` (default) or of `rank` (climbing from 9 to 2 is a change of +7). */
    by: z.enum(['score', 'rank']).default('score'),
  })
  .strict();
/**
 * Options of `trends.movers`.
 *
 * @example
 * ```ts
 * const options: MoversOptions = { since: new Date(Date.now() - 86_400_000), direction: 'down', limit: 5 };
 * const fallers = await storage.trends.movers(options);
 * ```
 */
export type MoversOptions = z.input<typeof moversOptionsSchema>;

/** A trend and how far it moved since the start of the window. */
export interface TrendMove {
  /** The trend as it is now. */
  trend: Trend;
  /**
   * Now minus then: score gained (negative when it fell), or with `by: 'rank'` places climbed
   * (negative when it dropped).
   */
  change: number;
  /**
   * What the change is measured from: the last snapshot at or before `since`, or, for a trend
   * first recorded after it, its first snapshot.
   */
  from: { at: Date; rank: number; score: number };
}

const pointSchema = z
  .object({
    trendId: uuidSchema,
    /** When the values held. */
    at: timestampSchema,
    rank: z.number().int('must be an integer').min(1, 'must be > 0').max(2_147_483_647),
    score: nonNegative,
    /** The highest score of the period this point stands for (default: score); >= score. */
    maxScore: nonNegative.optional(),
    velocity: nonNegative.default(0),
    state: trendStateSchema,
    itemCount: int32Count.default(0),
  })
  .strict()
  .refine((p) => p.maxScore === undefined || p.maxScore >= p.score, {
    message: 'must be >= score',
    path: ['maxScore'],
  });
/** One recorded state of a trend, for `trends.importHistory`. */
export type TrendHistoryInput = z.input<typeof pointSchema>;
const pointsSchema = z.array(pointSchema).max(1_000_000, 'at most 1,000,000 points per call');

export const compactOptionsSchema = z
  .object({
    /** Snapshots older than this many days become one per hour (default 7; 0–36,500). */
    hourlyAfterDays: z.number().int('must be a whole number of days').min(0).max(36_500).default(7),
    /** Snapshots older than this many days become one per day (default 30; >= hourlyAfterDays). */
    dailyAfterDays: z.number().int('must be a whole number of days').min(0).max(36_500).default(30),
    /** Count what would be merged, and change nothing. */
    dryRun: z.boolean().default(false),
  })
  .strict()
  .refine((o) => o.dailyAfterDays >= o.hourlyAfterDays, {
    message: 'must be >= hourlyAfterDays',
    path: ['dailyAfterDays'],
  });
/**
 * Options of `trends.compactHistory`.
 *
 * @example
 * ```ts
 * const options: CompactHistoryOptions = { hourlyAfterDays: 2, dailyAfterDays: 30 };
 * const report = await storage.trends.compactHistory(options);
 * ```
 */
export type CompactHistoryOptions = z.input<typeof compactOptionsSchema>;

/** What `trends.compactHistory` merged (or, with `dryRun`, would merge), per resolution. */
export interface CompactHistoryReport {
  dryRun: boolean;
  /** Snapshots merged into hourly points, and how many points they became. */
  hourly: { merged: number; into: number };
  /** Snapshots merged into daily points, and how many points they became. */
  daily: { merged: number; into: number };
}

type SnapshotRow = {
  at: Date;
  rank: number;
  score: number;
  max_score: number;
  velocity: number;
  state: string;
  item_count: number;
};

export async function history(
  db: Executor,
  id: string,
  options: HistoryOptions,
): Promise<TrendHistoryPoint[]> {
  validate(uuidSchema, id, 'id');
  const o = validate(historyOptionsSchema, options, 'options');
  const to = o.to ?? new Date();
  const from = o.from ?? new Date(to.getTime() - 30 * DAY_MS);
  if (from > to) {
    throw new ValidationError('options.from', `must not be after options.to${o.to ? '' : ' (default: now)'}`);
  }
  const size = o.bucket === 'hour' ? HOUR_MS : DAY_MS;
  const first = Math.floor(from.getTime() / size) * size;
  const last = Math.floor(to.getTime() / size) * size;
  if (o.fill && (last - first) / size >= MAX_FILLED) {
    throw new ValidationError('options.fill', `must span at most ${MAX_FILLED.toLocaleString('en')} buckets`);
  }
  // Within one bucket, DISTINCT ON keeps the newest row (the last values); the window the max.
  // One JSON row rather than a row per bucket: the embedded engine spends ~20 µs on every row it
  // returns, which at 720 hourly buckets was most of the call.
  const [row] = await db.query<{ points: SeriesTuple[] | null }>(
    `SELECT json_agg(json_build_array(date_part('epoch', b), rank, score, max_score, velocity, state,
                                      item_count) ORDER BY b) AS points
     FROM (SELECT DISTINCT ON (b) b, rank, score, max(max_score) OVER (PARTITION BY b) AS max_score,
                  velocity, state, item_count
           FROM (SELECT ${UTC_BUCKET} AS b, * FROM trend_snapshots
                 WHERE trend_id = $1 AND recorded_at >= $3 AND recorded_at < $4) s
           ORDER BY b, recorded_at DESC) x`,
    // The end of the bucket holding the last millisecond of 9999 is past what the engines accept.
    [id, `1 ${o.bucket}`, new Date(first), last + size >= END_OF_TIME ? 'infinity' : new Date(last + size)],
  );
  const points = (row?.points ?? []).map(fromTuple);
  if (!o.fill) return points;
  const [before] = await db.query<SnapshotRow>(
    `SELECT recorded_at AS at, rank, score, score AS max_score, velocity, state::text AS state, item_count
     FROM trend_snapshots WHERE trend_id = $1 AND recorded_at < $2 ORDER BY recorded_at DESC LIMIT 1`,
    [id, new Date(first)],
  );
  const filled: TrendHistoryPoint[] = [];
  let held = before ? toPoint(before) : undefined;
  let next = 0;
  // Values are carried up to now, not into the future.
  const end = Math.min(last, Math.floor(Date.now() / size) * size);
  for (let t = first; t <= last && (t <= end || next < points.length); t += size) {
    const point = points[next]?.at.getTime() === t ? points[next++] : undefined;
    if (point) held = point;
    else if (held) filled.push({ ...held, at: new Date(t), maxScore: held.score });
    if (point) filled.push(point);
  }
  return filled;
}

const MAX_FILLED = 100_000;
/**
 * The UTC hour or day (`$2`: '1 hour' or '1 day') holding recorded_at. date_bin from a UTC
 * midnight is arithmetic; date_trunc(…, 'UTC') looks the zone up on every row (~2 µs each).
 */
const UTC_BUCKET = `date_bin($2::interval, recorded_at, '2000-01-01 00:00:00+00')`;
/** 10000-01-01T00:00:00Z: timestamps end before it (PGlite refuses it as a parameter). */
const END_OF_TIME = Date.UTC(10_000, 0, 1);

/** [epoch seconds, rank, score, max_score, velocity, state, item_count] */
type SeriesTuple = [number, number, number | string, number | string, number | string, TrendState, number];

// JSON has no Infinity or NaN: PostgreSQL writes them as strings, which Number() reads back.
function fromTuple([at, rank, score, maxScore, velocity, state, itemCount]: SeriesTuple): TrendHistoryPoint {
  return {
    at: new Date(at * 1000),
    rank,
    score: Number(score),
    maxScore: Number(maxScore),
    velocity: Number(velocity),
    state,
    itemCount,
  };
}

function toPoint(r: SnapshotRow): TrendHistoryPoint {
  return {
    at: r.at,
    rank: r.rank,
    score: r.score,
    maxScore: r.max_score,
    velocity: r.velocity,
    state: r.state as TrendState,
    itemCount: r.item_count,
  };
}

export async function movers(db: Executor, options: MoversOptions): Promise<TrendMove[]> {
  const o = validate(moversOptionsSchema, options, 'options');
  const p = new Params();
  const since = p.add(o.since ?? new Date(Date.now() - DAY_MS));
  const change = o.by === 'score' ? 't.score - b.score' : 'b.rank - t.rank';
  const sign = o.direction === 'up' ? '>' : '<';
  const order = o.direction === 'up' ? 'DESC' : 'ASC';
  const category = o.category ? `WHERE t.category = ${p.add(o.category)}::category_type` : '';
  // Per trend, two probes of the (trend_id, recorded_at) key: the baseline before the window, or
  // failing that the first point inside it. Only the trends listed are read whole.
  const rows = await db.query<
    TrendRow & { change: number; from_at: Date; from_rank: number; from_score: number }
  >(
    `WITH m AS (
       SELECT t.id, ${change} AS change, t.score AS now_score, b.recorded_at AS from_at,
              b.rank AS from_rank, b.score AS from_score
       FROM trends t
       CROSS JOIN LATERAL (
         (SELECT recorded_at, rank, score FROM trend_snapshots
          WHERE trend_id = t.id AND recorded_at <= ${since} ORDER BY recorded_at DESC LIMIT 1)
         UNION ALL
         (SELECT recorded_at, rank, score FROM trend_snapshots
          WHERE trend_id = t.id AND recorded_at > ${since} ORDER BY recorded_at LIMIT 1)
         LIMIT 1) b
       ${category ? `${category} AND` : 'WHERE'} ${change} ${sign} 0
       ORDER BY ${change} ${order}, t.score DESC, t.id
       LIMIT ${p.add(o.limit)})
     SELECT ${TREND_COLUMNS}, m.change, m.from_at, m.from_rank, m.from_score
     FROM m JOIN trends USING (id)
     ORDER BY m.change ${order}, m.now_score DESC, id`,
    p.values,
  );
  return rows.map((r) => ({
    trend: toTrend(r),
    change: r.change,
    from: { at: r.from_at, rank: r.from_rank, score: r.from_score },
  }));
}

const IMPORT_CHUNK = 5000;

export async function importHistory(db: Executor, points: readonly TrendHistoryInput[]): Promise<number> {
  const valid = validate(pointsSchema, points, 'points');
  if (valid.length === 0) return 0;
  // Points at one trend and millisecond merge here, as the trigger's do in the table: one
  // statement may not touch a row twice.
  const merged = new Map<string, (typeof valid)[number] & { maxScore: number }>();
  for (const point of valid) {
    const key = `${point.trendId}|${point.at.getTime()}`;
    const top = Math.max(point.maxScore ?? point.score, merged.get(key)?.maxScore ?? 0);
    merged.set(key, { ...point, maxScore: top });
  }
  const rows = [...merged.values()];
  const trendIds = [...new Set(rows.map((r) => r.trendId))];
  // All or nothing: one transaction over every chunk, the trends held against deletion.
  await db.transaction(async (tx) => {
    const found = await tx.query<{ id: string }>(
      'SELECT id FROM trends WHERE id = ANY($1::uuid[]) FOR KEY SHARE',
      [trendIds],
    );
    if (found.length < trendIds.length) {
      const have = new Set(found.map((f) => f.id));
      const index = valid.findIndex((p) => !have.has(p.trendId));
      throw new IntegrityError(`points[${index}].trendId: no trend has the id ${valid[index]!.trendId}`);
    }
    for (let i = 0; i < rows.length; i += IMPORT_CHUNK) {
      const chunk = rows.slice(i, i + IMPORT_CHUNK);
      await tx.query(
        `INSERT INTO trend_snapshots AS s
           (trend_id, recorded_at, rank, score, max_score, velocity, state, item_count)
         SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::int[], $4::float8[], $5::float8[],
                              $6::float8[], $7::text[]::trend_state[], $8::int[])
         ON CONFLICT (trend_id, recorded_at) DO UPDATE SET
           rank = EXCLUDED.rank, score = EXCLUDED.score,
           max_score = greatest(s.max_score, EXCLUDED.max_score),
           velocity = EXCLUDED.velocity, state = EXCLUDED.state, item_count = EXCLUDED.item_count`,
        [
          chunk.map((c) => c.trendId),
          chunk.map((c) => c.at.toISOString()),
          chunk.map((c) => c.rank),
          chunk.map((c) => c.score),
          chunk.map((c) => c.maxScore),
          chunk.map((c) => c.velocity),
          chunk.map((c) => c.state),
          chunk.map((c) => c.itemCount),
        ],
      );
    }
  });
  return valid.length;
}

/** Trends per compaction statement: each statement is its own short transaction. */
const COMPACT_TRENDS = 200;

export async function compactHistory(
  db: Executor,
  options: CompactHistoryOptions,
): Promise<CompactHistoryReport> {
  const o = validate(compactOptionsSchema, options, 'options');
  const now = Date.now();
  // Cutoffs fall on bucket boundaries (by this process's clock), so every merged bucket is whole.
  const floor = (t: number, ms: number) => new Date(Math.floor(t / ms) * ms);
  const report: CompactHistoryReport = {
    dryRun: o.dryRun,
    hourly: { merged: 0, into: 0 },
    daily: { merged: 0, into: 0 },
  };
  const ids = (await db.query<{ id: string }>('SELECT id FROM trends ORDER BY id')).map((r) => r.id);
  const dailyCutoff = floor(now - o.dailyAfterDays * DAY_MS, DAY_MS);
  const hourlyCutoff = floor(now - o.hourlyAfterDays * DAY_MS, HOUR_MS);
  // Daily first; the hourly pass starts where the daily one ends (in a dry run too).
  for (const [tier, bucket, start, end] of [
    ['daily', 'day', '-infinity', dailyCutoff],
    ['hourly', 'hour', dailyCutoff, hourlyCutoff],
  ] as const) {
    for (let i = 0; i < ids.length; i += COMPACT_TRENDS) {
      const [row] = await db.query<{ merged: number; into: number }>(compactSql(o.dryRun), [
        ids.slice(i, i + COMPACT_TRENDS),
        `1 ${bucket}`,
        start,
        end,
      ]);
      report[tier].merged += row!.merged;
      report[tier].into += row!.into;
    }
  }
  return report;
}

/**
 * Each bucket in [$3, $4) holding more than one snapshot keeps its newest row, given the
 * bucket's highest score; the others go. Last values and maximum are what `history` reads, so a
 * series at this resolution or coarser reads the same afterwards.
 */
function compactSql(dryRun: boolean): string {
  const groups = `SELECT trend_id, ${UTC_BUCKET} AS b, max(recorded_at) AS last_at,
           max(max_score) AS top, count(*)::int AS n
    FROM trend_snapshots
    WHERE trend_id = ANY($1::uuid[]) AND recorded_at >= $3::timestamptz AND recorded_at < $4
    GROUP BY 1, 2 HAVING count(*) > 1`;
  if (dryRun) {
    return `SELECT coalesce(sum(n), 0)::int AS merged, count(*)::int AS into FROM (${groups}) g`;
  }
  return `WITH g AS (${groups}),
    kept AS (
      UPDATE trend_snapshots s SET max_score = g.top FROM g
      WHERE s.trend_id = g.trend_id AND s.recorded_at = g.last_at RETURNING 1),
    gone AS (
      DELETE FROM trend_snapshots s USING g
      WHERE s.trend_id = g.trend_id AND s.recorded_at >= g.b AND s.recorded_at < g.last_at RETURNING 1)
    SELECT (SELECT count(*) FROM gone)::int + (SELECT count(*) FROM kept)::int AS merged,
           (SELECT count(*) FROM kept)::int AS into`;
}
