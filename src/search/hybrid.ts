import { z } from 'zod';
import { ValidationError } from '../domain/errors.js';
import {
  categorySchema,
  languageSchema,
  type ProcessedItem,
  queryTextSchema,
  sourceTypeSchema,
  type Trend,
  timestampSchema,
  trendStateSchema,
} from '../domain/models.js';
import { validate } from '../domain/validate.js';
import { itemConditions } from '../repositories/items.js';
import {
  ITEM_COLUMNS,
  type ItemRow,
  TREND_COLUMNS,
  type TrendRow,
  toItem,
  toTrend,
} from '../repositories/mapping.js';
import type { Executor } from '../sql/executor.js';
import { newestMatches, RELEVANCE_WINDOW, relevanceSql } from '../sql/full-text.js';
import { Params, tsQuery, withTextQuery } from '../sql/params.js';
import { PgVectorRepository } from '../vector/pgvector.js';
import { type CollectionOptions, collectionNameSchema, type VectorRepository } from '../vector/types.js';
import { type Fused, fuseRanks, RRF_K } from './fusion.js';

/** The ids a row can have; other point ids name no row. */
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Candidates taken from each side before fusing (at least `limit`). */
export const HYBRID_CANDIDATES = 100;

const weightSchema = z.number().min(0, 'must be >= 0').max(100, 'must be <= 100');
const weightsSchema = z
  .object({
    /** Weight of the full-text ranking (default 1). */
    text: weightSchema.default(1),
    /** Weight of the vector ranking (default 1). */
    vector: weightSchema.default(1),
  })
  .strict()
  .refine((w) => w.text > 0 || w.vector > 0, 'must not both be 0');

const common = {
  /** Free text, as in `items.search` (web-search syntax). */
  q: queryTextSchema,
  /** The query's embedding: the collection's number of finite numbers. */
  vector: z.array(z.number()).min(1, 'must not be empty').max(16_000),
  /** The vector collection whose point ids are the rows' ids (as `storage.vectors({ name })` names it). */
  collection: collectionNameSchema,
  /** Most results, 1–100 (default 20). */
  limit: z.number().int('must be an integer').min(1, 'must be >= 1').max(HYBRID_CANDIDATES).default(20),
  /** How much each side counts in the fused score (default `{ text: 1, vector: 1 }`). */
  weights: weightsSchema.default({ text: 1, vector: 1 }),
};

const itemHybridSchema = z
  .object({
    ...common,
    /** Only items of this source (both sides). */
    source: sourceTypeSchema.optional(),
    /** Only items in this language (both sides); also picks the stemmer for `q`. */
    language: languageSchema.optional(),
    /** Only items of this category (both sides). */
    category: categorySchema.optional(),
    /** Published at or after this time (both sides). */
    publishedFrom: timestampSchema.optional(),
    /** Published at or before this time (both sides). */
    publishedTo: timestampSchema.optional(),
  })
  .strict();
/**
 * A hybrid search of items (`storage.search.items`): full-text `q` and a query `vector` over a
 * collection of item embeddings, fused; the filters hold on both sides.
 *
 * @example
 * ```ts
 * const search: HybridItemSearch = { q: 'fusion power', vector: embedding, collection: 'item_embeddings', limit: 10 };
 * const hits = await storage.search.items(search);
 * ```
 */
export type HybridItemSearch = z.input<typeof itemHybridSchema>;

const trendHybridSchema = z
  .object({
    ...common,
    /** Only trends of this category (both sides). */
    category: categorySchema.optional(),
    /** Only trends in this state (both sides). */
    state: trendStateSchema.optional(),
    /** Only trends in this language (both sides); also picks the stemmer for `q`. */
    language: languageSchema.optional(),
  })
  .strict();
/**
 * A hybrid search of trends (`storage.search.trends`): like {@link HybridItemSearch}, over a
 * collection of trend embeddings.
 *
 * @example
 * ```ts
 * const hits = await storage.search.trends({ q: 'fusion', vector: embedding, collection: 'trend_embeddings' });
 * ```
 */
export type HybridTrendSearch = z.input<typeof trendHybridSchema>;

/** One hybrid result: the row, its fused score, and its 1-based rank on each side (null: not a candidate there). */
export interface HybridHit<T> {
  /** The item or trend. */
  item: T;
  /** Weighted reciprocal rank fusion: w_text / (60 + textRank) + w_vector / (60 + vectorRank). */
  score: number;
  /** Rank among the full-text candidates (relevance order), or null. */
  textRank: number | null;
  /** Rank among the vector candidates (nearest first), or null. */
  vectorRank: number | null;
}

/** What one table needs for hybrid search: its columns, time column and filter conditions. */
interface Target<R> {
  table: 'processed_items' | 'trends';
  columns: string;
  time: 'published_at' | 'first_seen';
  /** The filter's conditions, their columns prefixed with `alias` (e.g. `r.`). */
  where: (p: Params, alias?: string) => string[];
  map: (row: R) => unknown;
}

type VectorOpener = (collection: CollectionOptions) => VectorRepository;

/**
 * Keyword and semantic search in one call (`storage.search`). Each side takes its best 100
 * candidates under the same filters — full text by relevance (as `items.search`), vectors by
 * nearness — and the two rankings are fused by weighted reciprocal rank fusion. On pgvector this is
 * one SQL statement; with Qdrant the two lists are fused here.
 */
export class HybridSearch {
  readonly #collections = new Map<string, VectorRepository>();

  /** `fuseInSql: false` makes pgvector take the other engines' path (tests compare the two). */
  constructor(
    private readonly db: Executor,
    private readonly vectors: VectorOpener,
    private readonly internal: { fuseInSql?: boolean } = {},
  ) {}

  /**
   * Items ranked by fusing full-text relevance and vector nearness; the filters apply to both.
   *
   * @example
   * ```ts
   * const hits = await storage.search.items({ q: 'fusion power', vector: embedding, collection: 'item_embeddings' });
   * for (const { item, score, textRank, vectorRank } of hits) console.log(item.title, score, textRank, vectorRank);
   * ```
   */
  async items(search: HybridItemSearch): Promise<HybridHit<ProcessedItem>[]> {
    const s = validate(itemHybridSchema, search, 'search');
    return this.#run<ItemRow, ProcessedItem>(s, {
      table: 'processed_items',
      columns: ITEM_COLUMNS,
      time: 'published_at',
      where: (p, a = '') => itemConditions(s, p, a),
      map: toItem,
    });
  }

  /**
   * Trends ranked by fusing full-text relevance and vector nearness; the filters apply to both.
   *
   * @example
   * ```ts
   * const hits = await storage.search.trends({ q: 'fusion', vector: embedding, collection: 'trend_embeddings', category: 'Science' });
   * ```
   */
  async trends(search: HybridTrendSearch): Promise<HybridHit<Trend>[]> {
    const s = validate(trendHybridSchema, search, 'search');
    return this.#run<TrendRow, Trend>(s, {
      table: 'trends',
      columns: TREND_COLUMNS,
      time: 'first_seen',
      where: (p, a = '') => {
        const c: string[] = [];
        if (s.category) c.push(`${a}category = ${p.add(s.category)}::category_type`);
        if (s.state) c.push(`${a}state = ${p.add(s.state)}::trend_state`);
        if (s.language) c.push(`${a}language = ${p.add(s.language)}`);
        return c;
      },
      map: toTrend,
    });
  }

  async #run<R, T>(
    s: z.output<typeof itemHybridSchema> | z.output<typeof trendHybridSchema>,
    target: Target<R>,
  ): Promise<HybridHit<T>[]> {
    const store = await this.#collection(s.collection);
    const candidates = Math.max(HYBRID_CANDIDATES, s.limit);
    if (store instanceof PgVectorRepository && this.internal.fuseInSql !== false) {
      return this.#oneStatement(store, s, target, candidates);
    }
    return this.#fuseHere(store, s, target, candidates);
  }

  async #collection(name: string): Promise<VectorRepository> {
    let store = this.#collections.get(name);
    if (!store) {
      const shape = await this.vectors({ name }).describeCollection(name);
      if (!shape) throw new ValidationError('search.collection', `no vector collection named ${name}`);
      store = this.vectors(shape);
      this.#collections.set(name, store);
    }
    return store;
  }

  /** The newest matches of the text side, as `items.search` chooses its relevance window. */
  async #window<R>(s: { q: string; language?: string }, target: Target<R>, n: number): Promise<string[]> {
    const p = new Params();
    const where = [`search_vector @@ ${tsQuery(p, s.q, s.language)}`, ...target.where(p)].join(' AND ');
    const { rows: window } = await newestMatches(
      this.db,
      { table: target.table, time: target.time, where, params: p.values },
      Math.max(RELEVANCE_WINDOW, n),
    );
    return window.map((w) => w.id);
  }

  /** The text side ranked: the window's rows by relevance, best `n` first. */
  #textSide<R>(
    s: { q: string; language?: string },
    target: Target<R>,
    p: Params,
    ids: string[],
    n: number,
  ): string {
    const query = tsQuery(p, s.q, s.language);
    return `text_side AS (
        SELECT id, row_number() OVER (ORDER BY ${relevanceSql('search_vector', query, target.time)} DESC, ${target.time} DESC, id) AS r
        FROM ${target.table} WHERE id = ANY(${p.add(ids)}::uuid[]) ORDER BY r LIMIT ${p.add(n)}
      )`;
  }

  /** pgvector: both sides, the fusion and the rows in one statement. */
  async #oneStatement<R, T>(
    store: PgVectorRepository,
    s: z.output<typeof itemHybridSchema>,
    target: Target<R>,
    n: number,
  ): Promise<HybridHit<T>[]> {
    const p = new Params();
    const nearest = store.nearestSql(p, s.vector, n);
    const ids = await withTextQuery('search.q', () => this.#window(s, target, n));
    const filters = target.where(p, 'r.');
    // Point ids are text; only uuid-shaped ones can name a row (a cast of anything else would fail).
    const rowId = `CASE WHEN v.id ~ '${UUID.source}' THEN v.id::uuid END`;
    const sql = `WITH ${this.#textSide(s, target, p, ids, n)},
      vector_near AS MATERIALIZED (${
        filters.length
          ? `SELECT r.id, ${nearest.distance} AS d FROM ${nearest.table} v
             JOIN ${target.table} r ON r.id = ${rowId} AND v.id = r.id::text
             WHERE ${filters.join(' AND ')} ORDER BY d LIMIT ${p.add(n)}`
          : // Unfiltered: the nearest points first (the index's own query), then their rows.
            `SELECT r.id, v.d FROM (SELECT id, ${nearest.distance} AS d FROM ${nearest.table} ORDER BY d LIMIT ${p.add(n)}) v
             JOIN ${target.table} r ON r.id = ${rowId}`
      }
      ), vector_side AS (
        SELECT id, row_number() OVER (ORDER BY d, id) AS r FROM vector_near
      ), fused AS (
        SELECT coalesce(t.id, v.id) AS fused_id, t.r AS text_rank, v.r AS vector_rank,
          coalesce(${p.add(s.weights.text)}::float8 / (${RRF_K} + t.r), 0)
            + coalesce(${p.add(s.weights.vector)}::float8 / (${RRF_K} + v.r), 0) AS fused_score
        FROM text_side t FULL JOIN vector_side v ON t.id = v.id
        ORDER BY fused_score DESC, fused_id LIMIT ${p.add(s.limit)}
      )
      SELECT ${target.columns}, text_rank::int AS text_rank, vector_rank::int AS vector_rank, fused_score
      FROM fused JOIN ${target.table} ON id = fused_id ORDER BY fused_score DESC, fused_id`;
    const rows = await this.db.transaction(async (tx) => {
      await nearest.prepare(tx);
      return tx.query<R & { text_rank: number | null; vector_rank: number | null; fused_score: number }>(
        sql,
        p.values,
      );
    });
    return rows.map((r) => ({
      item: target.map(r) as T,
      score: r.fused_score,
      textRank: r.text_rank,
      vectorRank: r.vector_rank,
    }));
  }

  /**
   * Another vector engine (Qdrant): the text side in SQL, the vector side from the engine, kept only
   * where the row exists and passes the filters, then fused here by the same rule.
   */
  async #fuseHere<R, T>(
    store: VectorRepository,
    s: z.output<typeof itemHybridSchema>,
    target: Target<R>,
    n: number,
  ): Promise<HybridHit<T>[]> {
    const textIds = await withTextQuery('search.q', async () => {
      const p = new Params();
      const sql = `WITH ${this.#textSide(s, target, p, await this.#window(s, target, n), n)}
        SELECT id::text AS id FROM text_side ORDER BY r`;
      return (await this.db.query<{ id: string }>(sql, p.values)).map((r) => r.id);
    });
    // The engine cannot see the rows' columns: fetch more neighbours than needed, then filter.
    const near = await store.search(s.vector, { limit: Math.min(n * 4, 1000) });
    const fp = new Params();
    const ids = fp.add(near.map((m) => m.id).filter((id) => UUID.test(id)));
    const kept = await this.db.query<{ id: string }>(
      `SELECT id::text AS id FROM ${target.table}
       WHERE id = ANY(${ids}::uuid[]) ${target
         .where(fp)
         .map((c) => `AND ${c}`)
         .join(' ')}`,
      fp.values,
    );
    const pass = new Set(kept.map((r) => r.id));
    const vectorIds = near
      .map((m) => m.id)
      .filter((id) => pass.has(id))
      .slice(0, n);
    const fused = fuseRanks(textIds, vectorIds, s.weights, s.limit);
    return this.#rows(fused, target);
  }

  async #rows<R, T>(fused: Fused[], target: Target<R>): Promise<HybridHit<T>[]> {
    if (fused.length === 0) return [];
    const rows = await this.db.query<R & { id: string }>(
      `SELECT ${target.columns} FROM ${target.table} WHERE id = ANY($1::uuid[])`,
      [fused.map((f) => f.id)],
    );
    const byId = new Map(rows.map((r) => [String(r.id), r]));
    return fused.flatMap((f) => {
      const row = byId.get(f.id);
      return row
        ? [{ item: target.map(row) as T, score: f.score, textRank: f.textRank, vectorRank: f.vectorRank }]
        : [];
    });
  }
}
