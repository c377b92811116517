import type { Executor } from './executor.js';
import { Params, tsQuery } from './params.js';

/**
 * Relevance is ranked over at most this many matches: the newest ones. Below it, the ranking is
 * the full one; above it, older matches are reached with `sort: 'newest'` or date filters.
 */
export const RELEVANCE_WINDOW = 500;

/** Days after which the freshness factor halves a row's text rank (hyperbolic decay). */
export const FRESHNESS_DAYS = 7;

/** The ways a full-text search can order its results. */
export const TEXT_SORTS = ['relevance', 'newest'] as const;

/**
 * Relative costs measured on the server at 1M items, per unit of work: testing a row while walking
 * the time index (its tsvector read from TOAST), reading one match from a GIN bitmap, fetching one
 * row of a bitmap from the heap, and one entry of a time-index range.
 */
const COST = { orderedRow: 25, ginMatch: 1, heapRow: 3, timeEntry: 0.1 } as const;

/** Slices are sized for this many times the matches needed, so a low estimate rarely comes back short. */
const SLACK = 2;
/** How long table statistics read for planning a search are reused. */
const STATS_TTL_MS = 30_000;

/**
 * `ts_rank_cd × 1 / (1 + age / 7 days)`: cover-density text rank (title words weigh 1.0, summary
 * or description 0.4, the rest 0.2), scaled down as the row ages. Future times count as now.
 */
export function relevanceSql(vector: string, query: string, time: string): string {
  return `(ts_rank_cd(${vector}, ${query}) / (1.0 + greatest(extract(epoch FROM now() - ${time}), 0) / ${FRESHNESS_DAYS * 86_400}.0))`;
}

/** A full-text search over one table with a `search_vector` column and a time column. */
export interface TextSearch {
  table: 'processed_items' | 'trends';
  /** The column that orders `newest` and bounds the window (indexed). */
  time: 'published_at' | 'first_seen';
  /** Every condition, the full-text match included, joined by AND, with its parameters. */
  where: string;
  params: readonly unknown[];
}

interface TableStats {
  rows: number;
  /** The time column's histogram bounds, ascending (empty without statistics). */
  bounds: number[];
  read: number;
}

const statsCache = new WeakMap<Executor, Map<string, TableStats>>();

/** Drops the statistics read for `db`: the next search reads them again (after an ANALYZE, say). */
export function forgetTableStats(db: Executor): void {
  statsCache.delete(db);
}

/**
 * The ids of the newest `size` rows matching `s.where`, newest first (ties by id), read without
 * touching more rows than it must, whatever the share of rows that match:
 * - a common query (by the planner's estimate) walks the time index and stops after `size` matches;
 * - a rare one reads its matches from the GIN index, sorted in memory;
 * - in between, the GIN matches are intersected with the newest slice of the time index that
 *   should hold `size` matches (from the estimate and the time column's histogram), so only
 *   those rows are read; a slice that comes back short is widened to the whole table once.
 */
export async function newestMatches(db: Executor, s: TextSearch, size: number): Promise<Window> {
  const stats = await tableStats(db, s);
  const estimate = Math.max(await estimateRows(db, s), 1);
  const share = stats.rows > 0 ? Math.min(estimate / stats.rows, 1) : 1;
  // The walk stops after ~size/share rows; a bitmap reads every match from the GIN index and
  // fetches them all; a slice fetches ~SLACK × size of them, after a range of the time index.
  const sliceRows = (SLACK * size) / share;
  const since = sliceStart(stats, sliceRows);
  const cost = {
    ordered: (size / share) * COST.orderedRow,
    bitmap: estimate * (COST.ginMatch + COST.heapRow),
    slice: since
      ? estimate * COST.ginMatch + sliceRows * COST.timeEntry + SLACK * size * COST.heapRow
      : Number.POSITIVE_INFINITY,
  };
  if (cost.ordered <= cost.bitmap && cost.ordered <= cost.slice) {
    return { rows: await windowQuery(db, s, size, 'ordered'), plan: 'ordered' };
  }
  if (cost.bitmap <= cost.slice) return { rows: await windowQuery(db, s, size, 'bitmap'), plan: 'bitmap' };
  const rows = await windowQuery(db, s, size, 'bitmap', since);
  if (rows.length === size) return { rows, plan: 'slice' };
  return { rows: await windowQuery(db, s, size, 'bitmap'), plan: 'slice-widened' };
}

/** The newest matches, and how they were read (for tests and benchmarks). */
export interface Window {
  rows: { id: string; t: Date }[];
  plan: 'ordered' | 'bitmap' | 'slice' | 'slice-widened';
}

/** The window under a fixed plan: the estimate has chosen it, and generic costing would not. */
function windowQuery(
  db: Executor,
  s: TextSearch,
  size: number,
  plan: 'ordered' | 'bitmap',
  since?: Date,
): Promise<{ id: string; t: Date }[]> {
  const p = new Params();
  for (const v of s.params) p.add(v);
  const bound = since ? ` AND ${s.time} >= ${p.add(since)}` : '';
  return db.transaction(async (tx) => {
    // SET LOCAL scope: a pooled connection must not keep these for the next caller. The memory
    // keeps a bitmap of every match exact: a lossy one re-reads (and detoasts) whole pages.
    await tx.query(
      plan === 'ordered'
        ? `SELECT set_config('enable_bitmapscan', 'off', true), set_config('enable_seqscan', 'off', true)`
        : `SELECT set_config('enable_indexscan', 'off', true), set_config('enable_seqscan', 'off', true),
                  set_config('work_mem', '64MB', true)`,
    );
    return tx.query<{ id: string; t: Date }>(
      `SELECT id, ${s.time} AS t FROM ${s.table} WHERE ${s.where}${bound}
       ORDER BY ${s.time} DESC, id LIMIT ${p.add(size)}`,
      p.values,
    );
  });
}

/** The planner's estimate of the rows matching `where` (from the table's statistics). */
async function estimateRows(db: Executor, s: TextSearch): Promise<number> {
  const [row] = await db.query<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] | string }>(
    `EXPLAIN (FORMAT JSON) SELECT 1 FROM ${s.table} WHERE ${s.where}`,
    [...s.params],
  );
  const plan = row!['QUERY PLAN'];
  const parsed = typeof plan === 'string' ? (JSON.parse(plan) as [{ Plan: { 'Plan Rows': number } }]) : plan;
  return parsed[0].Plan['Plan Rows'];
}

/** Where the newest `rows` rows begin, read off the time column's histogram (undefined: all rows). */
function sliceStart(stats: TableStats, rows: number): Date | undefined {
  const { bounds } = stats;
  if (bounds.length < 2 || rows >= stats.rows) return undefined;
  // Equal-frequency buckets: the newest `rows` rows lie within the last fraction of the bounds.
  const pos = (bounds.length - 1) * (1 - rows / stats.rows);
  const i = Math.floor(pos);
  if (i <= 0) return undefined;
  const at = bounds[i]! + (bounds[i + 1]! - bounds[i]!) * (pos - i);
  return new Date(at);
}

/**
 * Row count and time histogram, reused for 30 s. PGlite runs no autovacuum: when its statistics
 * are missing or a fifth of the rows changed since, it analyzes the table first (autovacuum's rule).
 */
async function tableStats(db: Executor, s: TextSearch): Promise<TableStats> {
  let perTable = statsCache.get(db);
  if (!perTable) {
    perTable = new Map();
    statsCache.set(db, perTable);
  }
  const cached = perTable.get(s.table);
  if (cached && Date.now() - cached.read < STATS_TTL_MS) return cached;
  const read = async () => {
    const [row] = await db.query<{ rows: number; modified: number; bounds: number[] | null }>(
      `SELECT greatest(c.reltuples, 0)::float8 AS rows, coalesce(u.n_mod_since_analyze, 0)::float8 AS modified,
              (SELECT array_agg(extract(epoch FROM b)::float8 * 1000 ORDER BY b)
               FROM pg_stats st, unnest(st.histogram_bounds::text::timestamptz[]) b
               WHERE st.schemaname = n.nspname AND st.tablename = c.relname AND st.attname = $2) AS bounds
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_stat_user_tables u ON u.relid = c.oid
       WHERE c.oid = to_regclass($1)`,
      [s.table, s.time],
    );
    return row!;
  };
  let row = await read();
  if (db.engine === 'pglite' && (row.bounds === null || row.modified > 0.2 * row.rows + 1000)) {
    await db.query(`ANALYZE ${s.table}`);
    row = await read();
  }
  const stats = { rows: row.rows, bounds: (row.bounds ?? []).map(Number), read: Date.now() };
  perTable.set(s.table, stats);
  return stats;
}

/**
 * How many of the newest matches a search reads: its page for `newest`; for `relevance` always the
 * window, so every page is cut from one ranking (a page past it is empty).
 */
export function windowSize(s: { sort: (typeof TEXT_SORTS)[number]; limit: number; offset: number }): number {
  return s.sort === 'newest' ? s.offset + s.limit : RELEVANCE_WINDOW;
}

/**
 * The page of a search from its window: `newest` is the window in order; `relevance` ranks the
 * window by {@link relevanceSql} and reads the page's rows.
 */
export function pageSql(
  s: Pick<TextSearch, 'table' | 'time'> & {
    columns: string;
    q: string;
    language?: string;
    sort: (typeof TEXT_SORTS)[number];
    limit: number;
    offset: number;
  },
  p: Params,
  windowIds: readonly string[],
): string {
  const ids = p.add(windowIds);
  if (s.sort === 'newest') {
    return `SELECT ${s.columns} FROM unnest(${ids}::uuid[]) WITH ORDINALITY AS w(wid, pos)
      JOIN ${s.table} ON id = w.wid ORDER BY w.pos LIMIT ${p.add(s.limit)} OFFSET ${p.add(s.offset)}`;
  }
  return `WITH page_ AS (
      SELECT id AS page_id, ${s.time} AS page_t,
        ${relevanceSql('search_vector', tsQuery(p, s.q, s.language), s.time)} AS page_score
      FROM ${s.table} WHERE id = ANY(${ids}::uuid[])
      ORDER BY page_score DESC, page_t DESC, id LIMIT ${p.add(s.limit)} OFFSET ${p.add(s.offset)}
    )
    SELECT ${s.columns} FROM page_ JOIN ${s.table} ON id = page_id ORDER BY page_score DESC, page_t DESC, page_id`;
}
