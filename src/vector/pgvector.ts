import { createHash } from 'node:crypto';
import { PermissionDeniedError, StorageError, ValidationError } from '../domain/errors.js';
import type { JsonObject, VectorMatch } from '../domain/models.js';
import { validate } from '../domain/validate.js';
import { encodeBinaryCopy } from '../sql/copy-binary.js';
import type { Executor } from '../sql/executor.js';
import { Params } from '../sql/params.js';
import { datetimeExpr, filterToSql, numberExpr, type VectorFilter } from './filter.js';
import {
  type CheckedRecord,
  type CheckedSearch,
  checkId,
  checkIds,
  checkOptionalFilter,
  checkPayloadIndex,
  checkRecord,
  checkRecords,
  checkScroll,
  checkSearch,
  checkVector,
} from './records.js';
import type {
  CollectionConfig,
  CollectionShape,
  PayloadIndexType,
  ScrollOptions,
  SearchOptions,
  StoredVector,
  VectorPoint,
  VectorRecord,
  VectorRepository,
} from './types.js';
import { collectionNameSchema } from './types.js';

/** HNSW on `vector` is limited to 2,000 dimensions, on `halfvec` to 4,000; beyond that, exact search. */
const HNSW_VECTOR_MAX = 2000;
const HNSW_HALFVEC_MAX = 4000;
const CHUNK = 2000;
/** Fewer records than this go in one statement as text: the binary COPY path is four statements. */
const COPY_MIN = 16;
/**
 * Statistics are gathered again once this share of the points gathered at has been written since:
 * the exact-or-index choice reads the planner's estimates, and PGlite runs no autovacuum (nor does
 * every server) to keep them current. Autovacuum's default is 10%; a vector upsert is costlier to
 * repeat than to plan around, so 20%.
 */
const REANALYZE_SHARE = 0.2;
/** …and at least this many writes, so a small collection is not analyzed on every batch. */
const REANALYZE_MIN = 1000;
/** Planner estimates kept per collection (filters), and for how long at most. */
const ESTIMATES_KEPT = 256;
const ESTIMATE_TTL_MS = 60_000;

/**
 * A walk's settings, as a condition that is true once they are set (for the rest of the
 * transaction): up to `ef` candidates per step and, when `iterative`, continuing until `limit`
 * points pass the filter, in relaxed order (re-sorted after), for at most 100,000 tuples. Not
 * iterative is pgvector's default, set anyway: the statement may run in a caller's transaction.
 */
const walkSettings = (ef: string, iterative: boolean) =>
  `set_config('hnsw.ef_search', ${ef}, true) IS NOT NULL
   AND set_config('hnsw.iterative_scan', '${iterative ? 'relaxed_order' : 'off'}', true) IS NOT NULL
   AND set_config('hnsw.max_scan_tuples', '100000', true) IS NOT NULL`;

const OPERATOR = { cosine: '<=>', euclid: '<->', dot: '<#>' } as const;
const OPCLASS = { cosine: 'cosine_ops', euclid: 'l2_ops', dot: 'ip_ops' } as const;

export interface PgVectorOptions {
  /**
   * Build the HNSW index once the collection holds this many points (default 10,000). Below it,
   * exact search is fast and bulk loads avoid per-row index maintenance; 0 builds it at creation.
   */
  indexThreshold?: number;
  /**
   * A filtered search that the planner expects to match fewer points than this is answered
   * exactly, from the payload indexes, instead of by walking the graph (default 5,000): the same
   * choice as Qdrant's full-scan threshold. Exact over a few thousand points is both faster and
   * exact. 0 always walks the graph (still falling back to exact when the walk comes back short).
   */
  exactSearchBelow?: number;
}

interface Row {
  id: string;
  metadata: JsonObject;
  embedding?: string;
  [k: string]: unknown;
}

const parseVector = (text: string): number[] => JSON.parse(text) as number[];

/** pgvector stores float32, and nine significant digits name any float32 exactly. */
function vectorLiteral(v: readonly number[]): string {
  let text = '[';
  for (let i = 0; i < v.length; i++) text += (i ? ',' : '') + Math.fround(v[i]!).toPrecision(9);
  return `${text}]`;
}

/** The pgvector engine: one table per collection in the same PostgreSQL (embedded or server). */
export class PgVectorRepository implements VectorRepository {
  readonly engine = 'pgvector' as const;
  readonly #table: string;
  readonly #threshold: number;
  readonly #exactBelow: number;
  #ready: Promise<void> | undefined;
  #indexed = false;
  /** This role was refused building the index (not the table's owner): do not try on every write. */
  #mayNotIndex = false;
  /**
   * Whether bulk upserts may use COPY: not when the server is PGlite behind pglite-socket, which does
   * not implement the COPY sub-protocol (a COPY sent to it ends the connection).
   */
  #copy = true;
  /**
   * At least as many points as the collection holds, while it has no index: the count when first
   * needed plus every point upserted since (overwrites and deletes only make it looser). The
   * collection is counted again only when this reaches the index threshold, not after every batch.
   */
  #atMost: number | undefined;
  /** Points written since statistics were last gathered here, and how many points there were then. */
  #written = 0;
  #analyzedRows: number | undefined;
  /** The planner's estimate of the points a filter matches, by filter (see #estimate). */
  readonly #estimates = new Map<string, { rows: number; at: number }>();

  constructor(
    private readonly db: Executor,
    readonly config: CollectionConfig,
    options: PgVectorOptions = {},
  ) {
    this.#table = `vec_${config.name}`;
    this.#threshold = options.indexThreshold ?? 10_000;
    this.#exactBelow = options.exactSearchBelow ?? 5_000;
  }

  get #indexKind(): 'hnsw' | 'hnsw_halfvec' | 'none' {
    const d = this.config.dimensions;
    return d <= HNSW_VECTOR_MAX ? 'hnsw' : d <= HNSW_HALFVEC_MAX ? 'hnsw_halfvec' : 'none';
  }

  /**
   * The expression the HNSW index is built on, and that searches must order by to use it; `query`
   * is the query vector's SQL, typed by #typed.
   */
  #distance(query: string): string {
    const op = OPERATOR[this.config.distance];
    if (this.#indexKind === 'hnsw_halfvec')
      return `(embedding::halfvec(${this.config.dimensions}) ${op} ${query})`;
    return `(embedding ${op} ${query})`;
  }

  /** `param` (a vector literal) as the type the index compares. */
  #typed(param: string): string {
    return `${param}::${this.#indexKind === 'hnsw_halfvec' ? 'halfvec' : 'vector'}(${this.config.dimensions})`;
  }

  /** Qdrant's score from the operator's distance. */
  #score(distance: string): string {
    switch (this.config.distance) {
      case 'cosine':
        return `(1 - ${distance})`;
      case 'dot':
        return `(-${distance})`;
      case 'euclid':
        return distance;
    }
  }

  ensureCollection(): Promise<void> {
    this.#ready ??= this.#create().catch((err: unknown) => {
      this.#ready = undefined;
      throw err;
    });
    return this.#ready;
  }

  async #create(): Promise<void> {
    const c = this.config;
    await this.db.transaction(async (tx) => {
      const [server] = await tx.query<{ pglite: boolean }>(
        `SELECT pg_advisory_xact_lock(hashtext($1)), strpos(version(), '(PGlite ') > 0 AS pglite`,
        [`trend_vector:${c.name}`],
      );
      // PGlite in-process copies from a mounted blob; PGlite over a socket cannot COPY at all.
      this.#copy = this.db.engine === 'pglite' || !server!.pglite;
      try {
        await tx.query('CREATE EXTENSION IF NOT EXISTS vector');
      } catch (err) {
        throw new StorageError(
          `the pgvector extension is not available on this PostgreSQL server (${(err as Error).message}); install pgvector or configure QDRANT_URL`,
          { cause: err, code: (err as StorageError).code },
        );
      }
      const [existing] = await tx.query<{ dimensions: number; distance: string }>(
        'SELECT dimensions, distance FROM trend_vector_collections WHERE name = $1',
        [c.name],
      );
      if (existing && (existing.dimensions !== c.dimensions || existing.distance !== c.distance)) {
        throw new ValidationError(
          'collection',
          `${c.name} exists with ${existing.dimensions} dimensions and ${existing.distance} distance, not ${c.dimensions} and ${c.distance}`,
        );
      }
      if (!existing) {
        await tx.query(
          `INSERT INTO trend_vector_collections (name, dimensions, distance, index_kind, hnsw_m, hnsw_ef_construction)
           VALUES ($1, $2, $3, $4, $5, $6)`,
          [c.name, c.dimensions, c.distance, this.#indexKind, c.m, c.efConstruction],
        );
        await tx.exec(`
          CREATE TABLE IF NOT EXISTS ${this.#table} (
            id text PRIMARY KEY,
            embedding vector(${c.dimensions}) NOT NULL,
            metadata jsonb NOT NULL DEFAULT '{}',
            updated_at timestamptz NOT NULL DEFAULT now()
          );
          CREATE INDEX IF NOT EXISTS ${this.#table}_metadata ON ${this.#table} USING gin (metadata jsonb_path_ops);`);
      }
      const [state] = await tx.query<{ indexed: boolean; rows: number }>(
        `SELECT to_regclass($1) IS NOT NULL AS indexed,
                (SELECT reltuples::float8 FROM pg_class WHERE oid = to_regclass($2)) AS rows`,
        [`${this.#table}_hnsw`, this.#table],
      );
      this.#indexed = state!.indexed;
      // Statistics as of the last ANALYZE (or index build); -1 when never analyzed.
      this.#analyzedRows = this.#indexed ? Math.max(0, state!.rows) : undefined;
    });
    for (const [field, type] of Object.entries(c.payloadIndexes)) await this.#payloadIndex(field, type);
    if (this.#threshold === 0) await this.#buildIndex();
  }

  /** Builds the HNSW index now (a bulk build, much faster than growing it row by row). */
  async buildIndex(): Promise<void> {
    await this.ensureCollection();
    await this.#buildIndex();
  }

  async #buildIndex(): Promise<void> {
    if (this.#indexed || this.#indexKind === 'none') return;
    const c = this.config;
    const target = this.#indexKind === 'hnsw_halfvec' ? `(embedding::halfvec(${c.dimensions}))` : 'embedding';
    const opclass = `${this.#indexKind === 'hnsw_halfvec' ? 'halfvec' : 'vector'}_${OPCLASS[c.distance]}`;
    await this.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`trend_vector:${c.name}`]);
      // A build grows with the collection (minutes at a million points): the pool's statement
      // timeout is meant for queries, not for this one-off statement, so it is lifted here only.
      await tx.query(
        `SELECT set_config('maintenance_work_mem', '256MB', true), set_config('statement_timeout', '0', true)`,
      );
      await tx.query(
        `CREATE INDEX IF NOT EXISTS ${this.#table}_hnsw ON ${this.#table} USING hnsw (${target} ${opclass})
         WITH (m = ${c.m}, ef_construction = ${c.efConstruction})`,
      );
      // Without statistics the planner never chooses the graph for a filtered search, nor can it
      // estimate how many points a filter matches (see search); PGlite has no autovacuum to gather
      // them, and a server's may not have run yet.
      await this.#analyze(tx);
    });
    this.#indexed = true;
  }

  async dropCollection(): Promise<boolean> {
    const dropped = await this.db.transaction(async (tx) => {
      const rows = await tx.query('DELETE FROM trend_vector_collections WHERE name = $1 RETURNING 1', [
        this.config.name,
      ]);
      await tx.query(`DROP TABLE IF EXISTS ${this.#table}`);
      return rows.length > 0;
    });
    this.#ready = undefined;
    this.#indexed = false;
    this.#atMost = undefined;
    this.#analyzedRows = undefined;
    this.#written = 0;
    this.#estimates.clear();
    return dropped;
  }

  async listCollections(): Promise<string[]> {
    const rows = await this.db.query<{ name: string }>(
      'SELECT name FROM trend_vector_collections ORDER BY name',
    );
    return rows.map((r) => r.name);
  }

  async describeCollection(name: string): Promise<CollectionShape | null> {
    validate(collectionNameSchema, name, 'name');
    const [row] = await this.db.query<CollectionShape>(
      'SELECT name, dimensions, distance FROM trend_vector_collections WHERE name = $1',
      [name],
    );
    return row ?? null;
  }

  async createPayloadIndex(field: string, options: { type?: PayloadIndexType } = {}): Promise<void> {
    const type = checkPayloadIndex(field, options);
    await this.ensureCollection();
    await this.#payloadIndex(field, type);
  }

  async #payloadIndex(field: string, type: PayloadIndexType): Promise<void> {
    // Equality and any-of use containment, served by the GIN index every collection has.
    if (type === 'keyword' || type === 'bool') return;
    const expr = type === 'datetime' ? datetimeExpr(field) : numberExpr(field);
    const suffix = createHash('sha1').update(`${field}:${type}`).digest('hex').slice(0, 8);
    await this.db.query(`CREATE INDEX IF NOT EXISTS ${this.#table}_p_${suffix} ON ${this.#table} (${expr})`);
  }

  async upsert(record: VectorRecord): Promise<void> {
    await this.#upsert(checkRecord(record, this.config));
  }

  /**
   * Batches of 16 or more send the vectors as binary COPY into a session-local staging table, then
   * upsert from it in one statement per chunk: the vectors cross as float4s, so neither side formats
   * or parses float text — inside PGlite's WebAssembly that parsing was most of the cost (~15×), on a
   * server formatting the text in Node was (with its garbage). Smaller batches are one statement with
   * the vectors as text. Either way the stored float4s are the same (the contract test compares them).
   */
  async upsertBatch(records: readonly VectorRecord[]): Promise<number> {
    return this.#upsert(checkRecords(records, this.config));
  }

  async #upsert(checked: CheckedRecord[]): Promise<number> {
    if (checked.length === 0) return 0;
    await this.ensureCollection();
    const upsert = `ON CONFLICT (id) DO UPDATE SET embedding = EXCLUDED.embedding, metadata = EXCLUDED.metadata, updated_at = now()`;
    const d = this.config.dimensions;
    if (!this.#copy || checked.length < COPY_MIN) {
      await this.db.query(
        `INSERT INTO ${this.#table} (id, embedding, metadata)
         SELECT u.id, u.e::vector(${d}), u.m FROM unnest($1::text[], $2::text[], $3::jsonb[]) AS u(id, e, m) ${upsert}`,
        [
          checked.map((r) => r.id),
          checked.map((r) => vectorLiteral(r.vector)),
          checked.map((r) => JSON.stringify(r.metadata)),
        ],
      );
    } else {
      // Named for the dimensions: a collection dropped and made again may differ.
      const stage = `stage_${this.#table}_${d}`;
      await this.db.transaction(async (tx) => {
        await tx.query(
          `CREATE TEMP TABLE IF NOT EXISTS ${stage} (id text, embedding vector(${d}), metadata jsonb) ON COMMIT DELETE ROWS`,
        );
        for (let start = 0; start < checked.length; start += CHUNK) {
          const chunk = checked.slice(start, start + CHUNK);
          const rows = chunk.map((r) => [
            { text: r.id },
            { vector: r.vector },
            { jsonb: JSON.stringify(r.metadata) },
          ]);
          await tx.copyIn({ table: stage, columns: ['id', 'embedding', 'metadata'] }, encodeBinaryCopy(rows));
          // Rows in id order (the records are sorted): concurrent batches lock shared ids in one order.
          await tx.query(
            `INSERT INTO ${this.#table} (id, embedding, metadata) SELECT id, embedding, metadata FROM ${stage} ORDER BY id ${upsert}`,
          );
          if (start + CHUNK < checked.length) await tx.query(`TRUNCATE ${stage}`);
        }
      });
    }
    await this.#afterWrite(checked.length);
    return checked.length;
  }

  /**
   * Builds the index once the collection reaches the threshold, and gathers statistics again once
   * enough has been written since they were: the two things a write can change about how searches run.
   */
  async #afterWrite(written: number): Promise<void> {
    if (this.#indexed) return this.#changed(written);
    if (this.#mayNotIndex || this.#threshold <= 0 || this.#indexKind === 'none') return;
    // Counting is a scan of the table: done when the bound says the threshold may have been reached.
    this.#atMost = this.#atMost === undefined ? await this.count() : this.#atMost + written;
    if (this.#atMost < this.#threshold) return;
    this.#atMost = await this.count();
    if (this.#atMost < this.#threshold) return;
    try {
      await this.buildIndex();
    } catch (err) {
      // An application role without ownership of the table cannot build the index; the points are
      // stored and searches stay exact until the owner builds it. Not an error of this upsert.
      if (!(err instanceof PermissionDeniedError)) throw err;
      this.#mayNotIndex = true;
    }
  }

  /**
   * Counts points written or deleted, and gathers statistics again past REANALYZE_SHARE of those
   * they were gathered at. They only steer the choice of search path: if gathering fails (a
   * timeout on a huge table), the write that triggered it has still succeeded and says so; the
   * next writes try again.
   */
  async #changed(points: number): Promise<void> {
    this.#written += points;
    if (this.#written < Math.max(REANALYZE_MIN, (this.#analyzedRows ?? 0) * REANALYZE_SHARE)) return;
    await this.#analyze(this.db).catch(() => undefined);
  }

  /** Planner statistics for the table, and the point count they were gathered at. */
  async #analyze(db: Executor): Promise<void> {
    // Not the owner: PostgreSQL skips the table with a warning, and the count is what it was.
    await db.query(`ANALYZE ${this.#table}`);
    const [row] = await db.query<{ rows: number }>(
      'SELECT reltuples::float8 AS rows FROM pg_class WHERE oid = to_regclass($1)',
      [this.#table],
    );
    this.#analyzedRows = Math.max(0, row?.rows ?? 0);
    this.#written = 0;
    this.#estimates.clear();
  }

  async get(id: string): Promise<StoredVector | null> {
    return (await this.getMany([checkId(id)]))[0]!;
  }

  async getMany(ids: readonly string[]): Promise<(StoredVector | null)[]> {
    const checked = checkIds(ids);
    if (checked.length === 0) return [];
    await this.ensureCollection();
    const rows = await this.db.query<Row>(
      `SELECT id, embedding::text AS embedding, metadata FROM ${this.#table} WHERE id = ANY($1::text[])`,
      [checked],
    );
    const byId = new Map(
      rows.map((r) => [r.id, { vector: parseVector(r.embedding!), metadata: r.metadata }]),
    );
    return checked.map((id) => byId.get(id) ?? null);
  }

  async delete(id: string): Promise<boolean> {
    return (await this.deleteMany([checkId(id)])) > 0;
  }

  async deleteMany(ids: readonly string[]): Promise<number> {
    const checked = checkIds(ids);
    if (checked.length === 0) return 0;
    await this.ensureCollection();
    const [row] = await this.db.query<{ n: number }>(
      `WITH d AS (DELETE FROM ${this.#table} WHERE id = ANY($1::text[]) RETURNING 1) SELECT count(*)::int AS n FROM d`,
      [checked],
    );
    if (this.#indexed) await this.#changed(row!.n);
    return row!.n;
  }

  async deleteByFilter(filter: VectorFilter): Promise<number> {
    const f = checkOptionalFilter(filter);
    if (!f) throw new ValidationError('filter', 'is required (use dropCollection to delete everything)');
    await this.ensureCollection();
    const p = new Params();
    const [row] = await this.db.query<{ n: number }>(
      `WITH d AS (DELETE FROM ${this.#table} WHERE ${filterToSql(f, p)} RETURNING 1) SELECT count(*)::int AS n FROM d`,
      p.values,
    );
    if (this.#indexed) await this.#changed(row!.n);
    return row!.n;
  }

  async count(filter?: VectorFilter): Promise<number> {
    const f = checkOptionalFilter(filter);
    await this.ensureCollection();
    const p = new Params();
    const [row] = await this.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${this.#table}${f ? ` WHERE ${filterToSql(f, p)}` : ''}`,
      p.values,
    );
    return row!.n;
  }

  /**
   * Nearest points first. A filter the planner expects to match fewer than `exactSearchBelow`
   * points is answered exactly, from the payload indexes. Otherwise the search walks the graph:
   * plainly when one beam of candidates is expected to hold the matches it needs, else with the
   * iterative scan (which keeps going until `limit` points pass the filter). A walk that comes back
   * short — a filter matching fewer points than estimated — is redone iteratively, then exactly, so
   * `limit` results come back whenever that many points match.
   */
  async search(vector: readonly number[], options?: SearchOptions): Promise<VectorMatch[]> {
    const o = checkSearch(options);
    const q = vectorLiteral(checkVector(vector, this.config));
    await this.ensureCollection();
    let walk = this.#indexed && !o.exact;
    /** The share of the points the filter is expected to match; unknown without an estimate. */
    let share: number | undefined;
    if (walk && o.filter && this.#exactBelow > 0) {
      const matches = await this.#estimate(o.filter);
      walk = matches >= this.#exactBelow;
      if (walk) share = matches / Math.max(matches, await this.#estimate(undefined), 1);
    }
    // ef_search at least `limit`: a walk without a filter then always fills it.
    const ef = Math.max(o.efSearch ?? this.config.efSearch, o.limit);
    // The iterative scan costs ~25% more per walk (pgvector keeps every candidate it passes over):
    // worth it only when a filter may leave fewer than `limit` matches, twice over, in one beam.
    let iterative = o.filter !== undefined && (share === undefined || share * ef < 2 * o.limit);
    let rows = await this.#nearest(q, o, walk ? { ef, iterative } : undefined);
    if (walk && o.filter && rows.length < o.limit && !iterative) {
      iterative = true;
      rows = await this.#nearest(q, o, { ef, iterative });
    }
    if (walk && o.filter && rows.length < o.limit) rows = await this.#nearest(q, o, undefined);
    const matches = rows.map((r) => ({
      id: r.id,
      score: r.score as number,
      metadata: r.metadata,
      ...(o.withVectors ? { vector: parseVector(r.embedding!) } : {}),
    }));
    return o.minScore === undefined
      ? matches
      : matches.filter((m) =>
          this.config.distance === 'euclid' ? m.score <= o.minScore! : m.score >= o.minScore!,
        );
  }

  /**
   * How many points the planner expects `filter` to match (all points without one): its estimate
   * from the statistics (see #analyze), where the choice between exact and graph used to count up
   * to 5,000 matches (4–5 ms on a broad filter over 50,000 points). The estimate changes only when
   * statistics are gathered again, so it is kept per filter until then (or a minute, for another
   * process's ANALYZE). A wrong guess costs time, never results: too high walks the graph and falls
   * back when the walk comes back short; too low answers a broad filter exactly.
   */
  async #estimate(filter: VectorFilter | undefined): Promise<number> {
    const p = new Params();
    const where = filter ? `WHERE ${filterToSql(filter, p)}` : '';
    const key = `${where}\u0000${JSON.stringify(p.values)}`;
    const now = Date.now();
    const known = this.#estimates.get(key);
    if (known && now - known.at < ESTIMATE_TTL_MS) return known.rows;
    const [row] = await this.db.query<{ 'QUERY PLAN': { Plan: { 'Plan Rows': number } }[] }>(
      `EXPLAIN (FORMAT JSON) SELECT 1 FROM ${this.#table} ${where}`,
      p.values,
    );
    const rows = row!['QUERY PLAN'][0]!.Plan['Plan Rows'];
    this.#estimates.delete(key);
    if (this.#estimates.size >= ESTIMATES_KEPT) this.#estimates.delete(this.#estimates.keys().next().value!);
    this.#estimates.set(key, { rows, at: now });
    return rows;
  }

  /**
   * One statement either way. Exact (no `walk`): ordered by `distance + 0`, which is not the
   * indexed expression, so the planner cannot walk the graph (and payload indexes stay usable).
   * Walk: the query vector comes from a subquery that first sets the walk's settings for the rest
   * of the statement's own transaction (`is_local`): an index scan cannot start before its
   * ordering key is computed, and pgvector reads these settings when the scan starts. That saves a
   * transaction — BEGIN, SET LOCAL, COMMIT: three round trips — on every search.
   */
  #nearest(
    q: string,
    o: CheckedSearch,
    walk: { ef: number; iterative: boolean } | undefined,
  ): Promise<Row[]> {
    const p = new Params();
    const query = walk
      ? `(SELECT ${this.#typed(p.add(q))} WHERE ${walkSettings(p.add(String(walk.ef)), walk.iterative)})`
      : this.#typed(p.add(q));
    const distance = this.#distance(query);
    const where = o.filter ? `WHERE ${filterToSql(o.filter, p)}` : '';
    // Relaxed order may return neighbours slightly out of order: sort the materialized few again.
    return this.db.query<Row>(
      `WITH c AS MATERIALIZED (
         SELECT id, metadata, ${o.withVectors ? 'embedding::text AS embedding,' : ''} ${distance} AS distance
         FROM ${this.#table} ${where} ORDER BY ${walk ? distance : `${distance} + 0`} LIMIT ${p.add(o.limit)}
       )
       SELECT id, metadata, ${o.withVectors ? 'embedding,' : ''} ${this.#score('distance')}::float8 AS score
       FROM c ORDER BY distance, id`,
      p.values,
    );
  }

  /**
   * For a statement of another module that orders this collection's points by nearness (hybrid
   * search): the table, the distance expression over its unqualified `embedding` column, and the
   * settings to apply in that statement's transaction first (iterative index scan).
   */
  nearestSql(
    p: Params,
    vector: readonly number[],
    candidates: number,
  ): { table: string; distance: string; prepare: (tx: Executor) => Promise<void> } {
    const q = vectorLiteral(checkVector(vector, this.config, 'search.vector'));
    return {
      table: this.#table,
      distance: this.#distance(this.#typed(p.add(q))),
      prepare: async (tx) => {
        await tx.query(
          `SELECT set_config('hnsw.ef_search', $1, true), set_config('hnsw.iterative_scan', 'relaxed_order', true),
                  set_config('hnsw.max_scan_tuples', '100000', true)`,
          [String(Math.max(this.config.efSearch, candidates))],
        );
      },
    };
  }

  async *scroll(options?: ScrollOptions): AsyncIterable<VectorPoint> {
    const o = checkScroll(options);
    await this.ensureCollection();
    let cursor: string | null = null;
    for (;;) {
      const p = new Params();
      const where = [
        cursor === null ? null : `id > ${p.add(cursor)}`,
        o.filter ? filterToSql(o.filter, p) : null,
      ].filter(Boolean);
      const rows: Row[] = await this.db.query<Row>(
        `SELECT id, metadata${o.withVectors ? ', embedding::text AS embedding' : ''} FROM ${this.#table}
         ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT ${p.add(o.pageSize)}`,
        p.values,
      );
      for (const r of rows) {
        yield {
          id: r.id,
          metadata: r.metadata,
          ...(o.withVectors ? { vector: parseVector(r.embedding!) } : {}),
        };
      }
      if (rows.length < o.pageSize) return;
      cursor = rows[rows.length - 1]!.id;
    }
  }
}
