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

const OPERATOR = { cosine: '<=>', euclid: '<->', dot: '<#>' } as const;
const OPCLASS = { cosine: 'cosine_ops', euclid: 'l2_ops', dot: 'ip_ops' } as const;

export interface PgVectorOptions {
  /**
   * Build the HNSW index once the collection holds this many points (default 10,000). Below it,
   * exact search is fast and bulk loads avoid per-row index maintenance; 0 builds it at creation.
   */
  indexThreshold?: number;
  /**
   * A filtered search that matches fewer points than this is answered exactly, from the payload
   * indexes, instead of by walking the graph (default 5,000): the same choice as Qdrant's
   * full-scan threshold. Exact over a few thousand points is both faster and exact.
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

  /** The expression the HNSW index is built on, and that searches must order by to use it. */
  #distance(param: string): string {
    const op = OPERATOR[this.config.distance];
    if (this.#indexKind === 'hnsw_halfvec') {
      const d = this.config.dimensions;
      return `(embedding::halfvec(${d}) ${op} ${param}::halfvec(${d}))`;
    }
    return `(embedding ${op} ${param}::vector(${this.config.dimensions}))`;
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
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`trend_vector:${c.name}`]);
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
      const [idx] = await tx.query('SELECT 1 FROM pg_indexes WHERE indexname = $1', [`${this.#table}_hnsw`]);
      this.#indexed = Boolean(idx);
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
      await tx.query(`SELECT set_config('maintenance_work_mem', '256MB', true)`);
      await tx.query(
        `CREATE INDEX IF NOT EXISTS ${this.#table}_hnsw ON ${this.#table} USING hnsw (${target} ${opclass})
         WITH (m = ${c.m}, ef_construction = ${c.efConstruction})`,
      );
      // Without statistics the planner never chooses the graph for a filtered search; PGlite has no
      // autovacuum to gather them, and a server's may not have run yet.
      await tx.query(`ANALYZE ${this.#table}`);
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
   * One statement with the vectors as text, or — for larger batches in PGlite, where pgvector
   * parsing floats inside WebAssembly is most of the cost — binary COPY into a session-local
   * staging table and one upsert per chunk: the vectors cross as float4s (~15× faster there).
   * A server parses text natively (~8k vectors/s at 384-d measured here), and the only pgvector
   * reachable over the wire here (pglite-socket) does not speak COPY, so servers keep text.
   */
  async upsertBatch(records: readonly VectorRecord[]): Promise<number> {
    return this.#upsert(checkRecords(records, this.config));
  }

  async #upsert(checked: CheckedRecord[]): Promise<number> {
    if (checked.length === 0) return 0;
    await this.ensureCollection();
    const upsert = `ON CONFLICT (id) DO UPDATE SET embedding = EXCLUDED.embedding, metadata = EXCLUDED.metadata, updated_at = now()`;
    const d = this.config.dimensions;
    if (this.db.engine !== 'pglite' || checked.length < COPY_MIN) {
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
          await tx.query(
            `INSERT INTO ${this.#table} (id, embedding, metadata) SELECT id, embedding, metadata FROM ${stage} ORDER BY id ${upsert}`,
          );
          await tx.query(`TRUNCATE ${stage}`);
        }
      });
    }
    if (
      !this.#indexed &&
      !this.#mayNotIndex &&
      this.#threshold > 0 &&
      (await this.count()) >= this.#threshold
    ) {
      try {
        await this.buildIndex();
      } catch (err) {
        // An application role without ownership of the table cannot build the index; the points are
        // stored and searches stay exact until the owner builds it. Not an error of this upsert.
        if (!(err instanceof PermissionDeniedError)) throw err;
        this.#mayNotIndex = true;
      }
    }
    return checked.length;
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
   * Nearest points first. A filter that matches few points is answered exactly from the payload
   * indexes. Otherwise the HNSW scan is iterative (it keeps going until `limit` points pass the
   * filter); if it still comes back short, the search is redone exactly, so `limit` results come
   * back whenever that many points match.
   */
  async search(vector: readonly number[], options?: SearchOptions): Promise<VectorMatch[]> {
    const o = checkSearch(options);
    const q = vectorLiteral(checkVector(vector, this.config));
    await this.ensureCollection();
    const useIndex =
      this.#indexed && !o.exact && !(o.filter && (await this.#matchesFewerThan(o.filter, this.#exactBelow)));
    let rows = await this.#search(q, o, useIndex);
    if (useIndex && rows.length < o.limit && o.filter) rows = await this.#search(q, o, false);
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

  /** Counts at most `n` matches, so a broad filter stops early. */
  async #matchesFewerThan(filter: VectorFilter, n: number): Promise<boolean> {
    if (n <= 0) return false;
    const p = new Params();
    const where = filterToSql(filter, p);
    const [row] = await this.db.query<{ few: boolean }>(
      `SELECT count(*) < ${p.add(n)} AS few FROM (SELECT 1 FROM ${this.#table} WHERE ${where} LIMIT ${p.add(n)}) s`,
      p.values,
    );
    return row!.few;
  }

  #search(q: string, o: ReturnType<typeof checkSearch>, useIndex: boolean): Promise<Row[]> {
    return this.db.transaction(async (tx) => {
      // SET LOCAL scope: pooled connections must not keep these for the next caller.
      if (useIndex) {
        await tx.query(
          `SELECT set_config('hnsw.ef_search', $1, true), set_config('hnsw.iterative_scan', 'relaxed_order', true),
                  set_config('hnsw.max_scan_tuples', '100000', true)`,
          [String(Math.max(o.efSearch ?? this.config.efSearch, o.limit))],
        );
      } else {
        await tx.query(`SELECT set_config('enable_indexscan', 'off', true)`);
      }
      const p = new Params();
      const distance = this.#distance(p.add(q));
      const where = o.filter ? `WHERE ${filterToSql(o.filter, p)}` : '';
      // Relaxed order may return neighbours slightly out of order: sort the materialized few again.
      return tx.query<Row>(
        `WITH c AS MATERIALIZED (
           SELECT id, metadata, ${o.withVectors ? 'embedding::text AS embedding,' : ''} ${distance} AS distance
           FROM ${this.#table} ${where} ORDER BY ${distance} LIMIT ${p.add(o.limit)}
         )
         SELECT id, metadata, ${o.withVectors ? 'embedding,' : ''} ${this.#score('distance')}::float8 AS score
         FROM c ORDER BY distance, id`,
        p.values,
      );
    });
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
