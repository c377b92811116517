import { z } from 'zod';
import type { JsonObject, VectorMatch } from '../domain/models.js';
import type { VectorFilter } from './filter.js';

/** The distance functions a collection can use, with Qdrant's names and scores. */
export const DISTANCES = ['cosine', 'euclid', 'dot'] as const;
/**
 * A collection's distance: `cosine` (score: similarity, higher is nearer), `dot` (score: dot
 * product, higher is nearer) or `euclid` (score: distance, lower is nearer).
 */
export type Distance = (typeof DISTANCES)[number];
/** The kinds of payload index `createPayloadIndex` can build, as Qdrant names them. */
export const PAYLOAD_INDEX_TYPES = ['keyword', 'integer', 'float', 'bool', 'datetime'] as const;
/**
 * A payload index kind: `keyword` and `bool` serve `eq` / `in` (on pgvector the GIN index every
 * collection has already does); `integer`, `float` and `datetime` serve ranges.
 */
export type PayloadIndexType = (typeof PAYLOAD_INDEX_TYPES)[number];

/** The collection `storage.vectors()` opens when no name is given. */
export const DEFAULT_COLLECTION = 'trend_embeddings';
/** The dimensions of a collection when none are given (the size of OpenAI's text-embedding-3-small). */
export const DEFAULT_DIMENSIONS = 1536;

/** Lower-case identifiers: they become table names (pgvector) and collection names (Qdrant). */
export const COLLECTION_PATTERN = /^[a-z][a-z0-9_]{0,47}$/;

export const collectionNameSchema = z.string().regex(COLLECTION_PATTERN, 'must match [a-z][a-z0-9_]{0,47}');

export const collectionOptionsSchema = z
  .object({
    /**
     * A lower-case identifier, `[a-z][a-z0-9_]{0,47}` (default `trend_embeddings`): the table
     * `vec_<name>` (pgvector) or the collection's name (Qdrant).
     */
    name: collectionNameSchema.default(DEFAULT_COLLECTION),
    /** Length of every vector, 1–16,000 (default 1536). */
    dimensions: z.number().int().min(1).max(16_000).default(DEFAULT_DIMENSIONS),
    /** The distance function (default `cosine`); fixed when the collection is created. */
    distance: z.enum(DISTANCES).default('cosine'),
    /** HNSW graph degree and build beam (pgvector; Qdrant's hnsw_config). */
    m: z.number().int().min(2).max(100).default(16),
    /** HNSW build beam, 4–1000 (default 64): higher builds a better graph, slower. */
    efConstruction: z.number().int().min(4).max(1000).default(64),
    /** Default search beam; raise for recall, lower for speed. Per query: SearchOptions.efSearch. */
    efSearch: z.number().int().min(1).max(1000).default(200),
    /** Payload fields indexed when the collection is created. */
    payloadIndexes: z.record(z.string(), z.enum(PAYLOAD_INDEX_TYPES)).default({}),
  })
  .strict();
/**
 * Which collection `storage.vectors()` opens and how it is built; every field optional, unknown
 * fields a ValidationError.
 *
 * @example
 * ```ts
 * const options: CollectionOptions = { name: 'item_embeddings', dimensions: 384, distance: 'cosine' };
 * const vectors = storage.vectors(options);
 * ```
 */
export type CollectionOptions = z.input<typeof collectionOptionsSchema>;
/** A collection's options with every default filled in: `vectors.config`. */
export type CollectionConfig = z.output<typeof collectionOptionsSchema>;

/** What identifies a collection's layout (name, dimensions, distance), as `describeCollection` returns it. */
export type CollectionShape = Pick<CollectionConfig, 'name' | 'dimensions' | 'distance'>;

/** One point to write: `upsert` and `upsertBatch` take these. */
export interface VectorRecord {
  /** The caller's id, 1–256 characters (e.g. the item's uuid); an existing point with it is replaced. */
  id: string;
  /** The collection's number of finite numbers; for cosine, not all zeros (it is stored normalised). */
  vector: readonly number[];
  /** Any JSON object to filter on (default `{}`); the key `__trend_id` is reserved. */
  metadata?: JsonObject;
}

/** A point as `get` / `getMany` read it back. */
export interface StoredVector {
  /** As stored: float32 precision, and unit length in a cosine collection. */
  vector: number[];
  /** The point's metadata. */
  metadata: JsonObject;
}

/** A point as `scroll` yields it. */
export interface VectorPoint {
  /** The caller's id. */
  id: string;
  /** The point's metadata. */
  metadata: JsonObject;
  /** Present unless scrolled with `withVectors: false`. */
  vector?: number[];
}

/**
 * Options of `vectors.search`; unknown fields are a ValidationError.
 *
 * @example
 * ```ts
 * const options: SearchOptions = { limit: 20, minScore: 0.3, filter: { field: 'language', eq: 'en' } };
 * const similar = await vectors.search(embedding, options);
 * ```
 */
export interface SearchOptions {
  /** Most matches returned, 1–1000 (default 10). */
  limit?: number;
  /** Only points whose metadata matches. */
  filter?: VectorFilter;
  /** Qdrant's score_threshold: the least similarity, or for euclid the greatest distance. */
  minScore?: number;
  /** Return each match's vector too (default false). */
  withVectors?: boolean;
  /** HNSW beam for this query (pgvector hnsw.ef_search / Qdrant hnsw_ef). */
  efSearch?: number;
  /** Skip the index: exact results, slower on large collections. */
  exact?: boolean;
}

/** Options of `vectors.scroll`; unknown fields are a ValidationError. */
export interface ScrollOptions {
  /** Only points whose metadata matches. */
  filter?: VectorFilter;
  /** Points fetched per round trip (default 256). */
  pageSize?: number;
  /** Include each point's vector (default true). */
  withVectors?: boolean;
}

/**
 * One collection of embeddings; the same contract on every engine. From `storage.vectors(options)`;
 * the collection is created on first use (by any call but listCollections, describeCollection and
 * dropCollection).
 */
export interface VectorRepository {
  /** `pgvector` (tables in the store's database) or `qdrant`. */
  readonly engine: 'pgvector' | 'qdrant';
  /** The collection's options, defaults filled in. */
  readonly config: CollectionConfig;
  /**
   * Creates the collection if missing (every other method does it on first use). A collection of
   * that name with other dimensions or distance is a ValidationError; pgvector missing from the
   * server is a StorageError.
   *
   * @example
   * ```ts
   * await storage.vectors({ name: 'item_embeddings', dimensions: 384 }).ensureCollection();
   * ```
   */
  ensureCollection(): Promise<void>;
  /**
   * Drops the collection and all its points. False when it did not exist. A later call on this
   * repository creates it again, empty.
   *
   * @example
   * ```ts
   * const dropped = await storage.vectors({ name: 'scratch_embeddings', dimensions: 8 }).dropCollection();
   * ```
   */
  dropCollection(): Promise<boolean>;
  /**
   * Every collection of this engine, by name: pgvector's registry, or every collection on the
   * Qdrant server.
   *
   * @example
   * ```ts
   * const names = await storage.vectors().listCollections();
   * ```
   */
  listCollections(): Promise<string[]>;
  /**
   * The shape of an existing collection of this engine (null when there is none), so it can be
   * opened again by name: `storage.vectors(await v.describeCollection(name))`.
   *
   * @example
   * ```ts
   * const shape = await storage.vectors().describeCollection('item_embeddings');
   * if (shape) console.log(await storage.vectors(shape).count());
   * ```
   */
  describeCollection(name: string): Promise<CollectionShape | null>;
  /**
   * Indexes a payload field (a dotted path) for filters (`type` default keyword). On pgvector,
   * `keyword` and `bool` need nothing (the collection's GIN index serves them); the range kinds
   * get an expression index.
   *
   * @example
   * ```ts
   * await vectors.createPayloadIndex('publishedAt', { type: 'datetime' });
   * ```
   */
  createPayloadIndex(field: string, options?: { type?: PayloadIndexType }): Promise<void>;
  /**
   * Inserts or replaces one point; a bad record is a ValidationError naming `record.id`,
   * `record.vector` or `record.metadata`.
   *
   * @example
   * ```ts
   * await vectors.upsert({ id: itemId, vector: embedding, metadata: { source: 'reddit', language: 'en' } });
   * ```
   */
  upsert(record: VectorRecord): Promise<void>;
  /**
   * Inserts or replaces many points, all validated before any is written (errors name
   * `records[i]`); the last record of a repeated id wins. Returns how many distinct ids were written.
   *
   * @example
   * ```ts
   * const written = await vectors.upsertBatch(ids.map((id, i) => ({ id, vector: embeddings[i]! })));
   * ```
   */
  upsertBatch(records: readonly VectorRecord[]): Promise<number>;
  /**
   * The point with this id, or null.
   *
   * @example
   * ```ts
   * const point = await vectors.get(itemId);
   * ```
   */
  get(id: string): Promise<StoredVector | null>;
  /**
   * In input order, null where missing (at most 100,000 ids).
   *
   * @example
   * ```ts
   * const points = await vectors.getMany(ids);
   * ```
   */
  getMany(ids: readonly string[]): Promise<(StoredVector | null)[]>;
  /**
   * Deletes the point with this id. False when there was none.
   *
   * @example
   * ```ts
   * await vectors.delete(itemId);
   * ```
   */
  delete(id: string): Promise<boolean>;
  /**
   * Deletes the points with these ids (at most 100,000) and returns how many existed.
   *
   * @example
   * ```ts
   * const deleted = await vectors.deleteMany(ids);
   * ```
   */
  deleteMany(ids: readonly string[]): Promise<number>;
  /**
   * Deletes the points whose metadata matches `filter` (required: dropCollection deletes all) and
   * returns how many. Qdrant counts first, then deletes: not atomic against concurrent writers.
   *
   * @example
   * ```ts
   * const deleted = await vectors.deleteByFilter({ field: 'source', eq: 'rss' });
   * ```
   */
  deleteByFilter(filter: VectorFilter): Promise<number>;
  /**
   * How many points there are, or match `filter` (exact).
   *
   * @example
   * ```ts
   * const english = await vectors.count({ field: 'language', eq: 'en' });
   * ```
   */
  count(filter?: VectorFilter): Promise<number>;
  /**
   * The points nearest to `vector` (the collection's dimensions), nearest first, scored by the
   * collection's distance (VectorMatch.score); with a filter, only points whose metadata matches.
   *
   * @example
   * ```ts
   * const similar = await vectors.search(embedding, { limit: 10, filter: { field: 'language', eq: 'en' } });
   * ```
   */
  search(vector: readonly number[], options?: SearchOptions): Promise<VectorMatch[]>;
  /**
   * Every point matching the filter exactly once, fetched page by page, in a stable order: by id
   * on pgvector, by Qdrant's internal point id (a hash of the id) on Qdrant.
   *
   * @example
   * ```ts
   * const english = vectors.scroll({ filter: { field: 'language', eq: 'en' }, withVectors: false });
   * for await (const point of english) console.log(point.id);
   * ```
   */
  scroll(options?: ScrollOptions): AsyncIterable<VectorPoint>;
}
