import { z } from 'zod';
import type { JsonObject, VectorMatch } from '../domain/models.js';
import type { VectorFilter } from './filter.js';

export const DISTANCES = ['cosine', 'euclid', 'dot'] as const;
export type Distance = (typeof DISTANCES)[number];
export const PAYLOAD_INDEX_TYPES = ['keyword', 'integer', 'float', 'bool', 'datetime'] as const;
export type PayloadIndexType = (typeof PAYLOAD_INDEX_TYPES)[number];

export const DEFAULT_COLLECTION = 'trend_embeddings';
export const DEFAULT_DIMENSIONS = 1536;

/** Lower-case identifiers: they become table names (pgvector) and collection names (Qdrant). */
export const COLLECTION_PATTERN = /^[a-z][a-z0-9_]{0,47}$/;

export const collectionNameSchema = z.string().regex(COLLECTION_PATTERN, 'must match [a-z][a-z0-9_]{0,47}');

export const collectionOptionsSchema = z
  .object({
    name: collectionNameSchema.default(DEFAULT_COLLECTION),
    dimensions: z.number().int().min(1).max(16_000).default(DEFAULT_DIMENSIONS),
    distance: z.enum(DISTANCES).default('cosine'),
    /** HNSW graph degree and build beam (pgvector; Qdrant's hnsw_config). */
    m: z.number().int().min(2).max(100).default(16),
    efConstruction: z.number().int().min(4).max(1000).default(64),
    /** Default search beam; raise for recall, lower for speed. Per query: SearchOptions.efSearch. */
    efSearch: z.number().int().min(1).max(1000).default(200),
    /** Payload fields indexed when the collection is created. */
    payloadIndexes: z.record(z.string(), z.enum(PAYLOAD_INDEX_TYPES)).default({}),
  })
  .strict();
export type CollectionOptions = z.input<typeof collectionOptionsSchema>;
export type CollectionConfig = z.output<typeof collectionOptionsSchema>;

export type CollectionShape = Pick<CollectionConfig, 'name' | 'dimensions' | 'distance'>;

export interface VectorRecord {
  id: string;
  vector: readonly number[];
  metadata?: JsonObject;
}

export interface StoredVector {
  vector: number[];
  metadata: JsonObject;
}

export interface VectorPoint {
  id: string;
  metadata: JsonObject;
  /** Present unless scrolled with `withVectors: false`. */
  vector?: number[];
}

export interface SearchOptions {
  limit?: number;
  filter?: VectorFilter;
  /** Qdrant's score_threshold: the least similarity, or for euclid the greatest distance. */
  minScore?: number;
  withVectors?: boolean;
  /** HNSW beam for this query (pgvector hnsw.ef_search / Qdrant hnsw_ef). */
  efSearch?: number;
  /** Skip the index: exact results, slower on large collections. */
  exact?: boolean;
}

export interface ScrollOptions {
  filter?: VectorFilter;
  /** Points fetched per round trip (default 256). */
  pageSize?: number;
  /** Include each point's vector (default true). */
  withVectors?: boolean;
}

/** One collection of embeddings; the same contract on every engine. */
export interface VectorRepository {
  readonly engine: 'pgvector' | 'qdrant';
  readonly config: CollectionConfig;
  /** Creates the collection if missing (every other method does it on first use). */
  ensureCollection(): Promise<void>;
  /** Drops the collection and all its points. False when it did not exist. */
  dropCollection(): Promise<boolean>;
  /** Every collection of this engine. */
  listCollections(): Promise<string[]>;
  /**
   * The shape of an existing collection of this engine (null when there is none), so it can be
   * opened again by name: `storage.vectors(await v.describeCollection(name))`.
   */
  describeCollection(name: string): Promise<CollectionShape | null>;
  /** Indexes a payload field for filters (`type` default keyword). */
  createPayloadIndex(field: string, options?: { type?: PayloadIndexType }): Promise<void>;
  /** Inserts or replaces one point. */
  upsert(record: VectorRecord): Promise<void>;
  /** Returns how many distinct ids were written. */
  upsertBatch(records: readonly VectorRecord[]): Promise<number>;
  get(id: string): Promise<StoredVector | null>;
  /** In input order, null where missing. */
  getMany(ids: readonly string[]): Promise<(StoredVector | null)[]>;
  delete(id: string): Promise<boolean>;
  deleteMany(ids: readonly string[]): Promise<number>;
  deleteByFilter(filter: VectorFilter): Promise<number>;
  count(filter?: VectorFilter): Promise<number>;
  search(vector: readonly number[], options?: SearchOptions): Promise<VectorMatch[]>;
  /** Every point matching the filter exactly once, in id order, fetched page by page. */
  scroll(options?: ScrollOptions): AsyncIterable<VectorPoint>;
}
