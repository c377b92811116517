import { QdrantClient } from '@qdrant/js-client-rest';
import { ConnectionError, StorageError, ValidationError } from '../domain/errors.js';
import type { VectorMatch } from '../domain/models.js';
import { validate } from '../domain/validate.js';
import { filterToQdrant, type VectorFilter } from './filter.js';
import { fromPayload, ID_KEY, pointId, QDRANT_DISTANCE, toPayload, vectorOf } from './qdrant-mapping.js';
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
import {
  type CollectionConfig,
  type CollectionShape,
  collectionNameSchema,
  DISTANCES,
  type PayloadIndexType,
  type ScrollOptions,
  type SearchOptions,
  type StoredVector,
  type VectorPoint,
  type VectorRecord,
  type VectorRepository,
} from './types.js';

export interface QdrantOptions {
  url: string;
  apiKey?: string;
  /** Client-side request timeout in milliseconds (the REST API's own `timeout` is in seconds). */
  timeoutMs?: number;
  /** Points per upsert request, and requests in flight at once. */
  batchSize?: number;
  parallelism?: number;
}

/** Qdrant's errors → ours: unreachable → ConnectionError, anything else → StorageError. */
export function mapQdrantError(err: unknown, what: string): StorageError {
  if (err instanceof StorageError) return err;
  const e = err as { message?: string; status?: number; cause?: { code?: string } };
  const message = `qdrant ${what}: ${e.message ?? String(err)}`;
  if (
    e.status === undefined ||
    e.cause?.code ||
    /fetch failed|ECONNREFUSED|timeout|aborted/i.test(e.message ?? '')
  ) {
    return new ConnectionError(message, { cause: err, code: e.cause?.code });
  }
  return new StorageError(message, { cause: err, code: String(e.status) });
}

type QdrantPoint = {
  id: string | number;
  payload?: Record<string, unknown> | null;
  vector?: unknown;
  score?: number;
};

/** The Qdrant engine, through the official REST client. */
export class QdrantVectorRepository implements VectorRepository {
  readonly engine = 'qdrant' as const;
  readonly #client: QdrantClient;
  readonly #batchSize: number;
  readonly #parallelism: number;
  #ready: Promise<void> | undefined;

  constructor(
    readonly config: CollectionConfig,
    options: QdrantOptions,
  ) {
    this.#client = new QdrantClient({
      url: options.url,
      apiKey: options.apiKey,
      timeout: options.timeoutMs ?? 10_000,
      checkCompatibility: false,
    });
    this.#batchSize = options.batchSize ?? 256;
    this.#parallelism = options.parallelism ?? 4;
  }

  async #call<T>(what: string, fn: (c: QdrantClient) => Promise<T>): Promise<T> {
    try {
      return await fn(this.#client);
    } catch (err) {
      throw mapQdrantError(err, what);
    }
  }

  /** The server's version, for health checks. */
  async serverVersion(): Promise<string> {
    return (await this.#call('version', (c) => c.versionInfo())).version;
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
    const existing = await this.describeCollection(c.name);
    if (existing) {
      if (existing.dimensions !== c.dimensions || existing.distance !== c.distance) {
        throw new ValidationError(
          'collection',
          `${c.name} exists with ${existing.dimensions} dimensions and ${existing.distance} distance, not ${c.dimensions} and ${c.distance}`,
        );
      }
    } else {
      await this.#call('createCollection', (q) =>
        q.createCollection(c.name, {
          vectors: { size: c.dimensions, distance: QDRANT_DISTANCE[c.distance] },
          hnsw_config: { m: c.m, ef_construct: c.efConstruction },
        }),
      );
      await this.#call('createPayloadIndex', (q) =>
        q.createPayloadIndex(c.name, { field_name: ID_KEY, field_schema: 'keyword', wait: true }),
      );
    }
    for (const [field, type] of Object.entries(c.payloadIndexes)) {
      await this.#call('createPayloadIndex', (q) =>
        q.createPayloadIndex(c.name, { field_name: field, field_schema: type, wait: true }),
      );
    }
  }

  async dropCollection(): Promise<boolean> {
    const { exists } = await this.#call('collectionExists', (q) => q.collectionExists(this.config.name));
    if (exists) await this.#call('deleteCollection', (q) => q.deleteCollection(this.config.name));
    this.#ready = undefined;
    return exists;
  }

  async listCollections(): Promise<string[]> {
    const { collections } = await this.#call('getCollections', (q) => q.getCollections());
    return collections.map((c) => c.name).sort();
  }

  async describeCollection(name: string): Promise<CollectionShape | null> {
    validate(collectionNameSchema, name, 'name');
    const { exists } = await this.#call('collectionExists', (q) => q.collectionExists(name));
    if (!exists) return null;
    const info = await this.#call('getCollection', (q) => q.getCollection(name));
    const vectors = info.config.params.vectors as { size?: number; distance?: string } | undefined;
    const distance = DISTANCES.find((d) => QDRANT_DISTANCE[d] === vectors?.distance);
    if (typeof vectors?.size !== 'number' || !distance) {
      throw new StorageError(`Qdrant collection ${name} does not hold one unnamed vector per point`);
    }
    return { name, dimensions: vectors.size, distance };
  }

  async createPayloadIndex(field: string, options: { type?: PayloadIndexType } = {}): Promise<void> {
    const type = checkPayloadIndex(field, options);
    await this.ensureCollection();
    await this.#call('createPayloadIndex', (q) =>
      q.createPayloadIndex(this.config.name, { field_name: field, field_schema: type, wait: true }),
    );
  }

  async upsert(record: VectorRecord): Promise<void> {
    await this.#upsert(checkRecord(record, this.config));
  }

  async upsertBatch(records: readonly VectorRecord[]): Promise<number> {
    return this.#upsert(checkRecords(records, this.config));
  }

  async #upsert(checked: CheckedRecord[]): Promise<number> {
    await this.ensureCollection();
    const chunks: (typeof checked)[] = [];
    for (let i = 0; i < checked.length; i += this.#batchSize)
      chunks.push(checked.slice(i, i + this.#batchSize));
    // Bounded parallelism: a few requests in flight, never one per chunk at once.
    let next = 0;
    const worker = async () => {
      while (next < chunks.length) {
        const chunk = chunks[next++]!;
        await this.#call('upsert', (q) =>
          q.upsert(this.config.name, {
            wait: true,
            points: chunk.map((r) => ({
              id: pointId(r.id),
              vector: r.vector,
              payload: toPayload(r.id, r.metadata),
            })),
          }),
        );
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#parallelism, chunks.length) }, worker));
    return checked.length;
  }

  async get(id: string): Promise<StoredVector | null> {
    return (await this.getMany([checkId(id)]))[0]!;
  }

  async getMany(ids: readonly string[]): Promise<(StoredVector | null)[]> {
    const checked = checkIds(ids);
    if (checked.length === 0) return [];
    await this.ensureCollection();
    const points = (await this.#call('retrieve', (q) =>
      q.retrieve(this.config.name, { ids: checked.map(pointId), with_payload: true, with_vector: true }),
    )) as QdrantPoint[];
    const byId = new Map(
      points.map((p) => {
        const { id, metadata } = fromPayload(p.payload);
        return [id, { vector: vectorOf(p.vector) ?? [], metadata }];
      }),
    );
    return checked.map((id) => byId.get(id) ?? null);
  }

  async delete(id: string): Promise<boolean> {
    return (await this.deleteMany([checkId(id)])) > 0;
  }

  async deleteMany(ids: readonly string[]): Promise<number> {
    const checked = checkIds(ids);
    if (checked.length === 0) return 0;
    const present = (await this.getMany(checked)).filter(Boolean).length;
    await this.#call('delete', (q) =>
      q.delete(this.config.name, { wait: true, points: checked.map(pointId) }),
    );
    return present;
  }

  /** Counts, then deletes: not atomic against concurrent writers (Qdrant reports no count). */
  async deleteByFilter(filter: VectorFilter): Promise<number> {
    const f = checkOptionalFilter(filter);
    if (!f) throw new ValidationError('filter', 'is required (use dropCollection to delete everything)');
    const n = await this.count(f);
    await this.#call('delete', (q) => q.delete(this.config.name, { wait: true, filter: filterToQdrant(f) }));
    return n;
  }

  async count(filter?: VectorFilter): Promise<number> {
    const f = checkOptionalFilter(filter);
    await this.ensureCollection();
    const { count } = await this.#call('count', (q) =>
      q.count(this.config.name, { exact: true, ...(f ? { filter: filterToQdrant(f) } : {}) }),
    );
    return count;
  }

  async search(vector: readonly number[], options?: SearchOptions): Promise<VectorMatch[]> {
    const o = checkSearch(options);
    const v = checkVector(vector, this.config);
    await this.ensureCollection();
    const { points } = await this.#call('query', (q) =>
      q.query(this.config.name, {
        query: v,
        limit: o.limit,
        with_payload: true,
        with_vector: o.withVectors,
        params: { hnsw_ef: Math.max(o.efSearch ?? this.config.efSearch, o.limit), exact: o.exact },
        ...(o.filter ? { filter: filterToQdrant(o.filter) } : {}),
        ...(o.minScore !== undefined ? { score_threshold: o.minScore } : {}),
      }),
    );
    return (points as QdrantPoint[]).map((p) => {
      const { id, metadata } = fromPayload(p.payload);
      const vec = o.withVectors ? vectorOf(p.vector) : undefined;
      return { id, score: p.score ?? 0, metadata, ...(vec ? { vector: vec } : {}) };
    });
  }

  async *scroll(options?: ScrollOptions): AsyncIterable<VectorPoint> {
    const o = checkScroll(options);
    await this.ensureCollection();
    let offset: string | number | undefined;
    for (;;) {
      const page = await this.#call('scroll', (q) =>
        q.scroll(this.config.name, {
          limit: o.pageSize,
          with_payload: true,
          with_vector: o.withVectors,
          ...(offset !== undefined ? { offset } : {}),
          ...(o.filter ? { filter: filterToQdrant(o.filter) } : {}),
        }),
      );
      for (const p of page.points as QdrantPoint[]) {
        const { id, metadata } = fromPayload(p.payload);
        const vec = o.withVectors ? vectorOf(p.vector) : undefined;
        yield { id, metadata, ...(vec ? { vector: vec } : {}) };
      }
      const nextOffset = page.next_page_offset as string | number | null | undefined;
      if (nextOffset === null || nextOffset === undefined) return;
      offset = nextOffset;
    }
  }
}
