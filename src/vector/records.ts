// Validation of what callers hand the vector store, shared by every engine.
import { z } from 'zod';
import { ValidationError } from '../domain/errors.js';
import { type JsonObject, jsonObjectSchema } from '../domain/models.js';
import { storableText } from '../domain/text.js';
import { validate } from '../domain/validate.js';
import { fieldSchema, parseFilter, type VectorFilter } from './filter.js';
import { ID_KEY } from './qdrant-mapping.js';
import {
  type CollectionConfig,
  PAYLOAD_INDEX_TYPES,
  type PayloadIndexType,
  type ScrollOptions,
  type SearchOptions,
  type VectorRecord,
} from './types.js';

export const idSchema = storableText().min(1, 'must not be empty').max(256, 'must be at most 256 characters');
const metadataSchema = jsonObjectSchema.refine(
  (v) => !(ID_KEY in v),
  `must not use the reserved key ${ID_KEY}`,
);

export function checkId(id: unknown, field = 'id'): string {
  return validate(idSchema, id, field);
}

export function checkIds(ids: unknown, field = 'ids'): string[] {
  return validate(z.array(idSchema).max(100_000), ids, field);
}

const FLOAT32_MAX = 3.4028234663852886e38;

/** A vector of the collection's dimension, finite, normalised for cosine (as Qdrant stores it). */
export function checkVector(vector: unknown, config: CollectionConfig, field = 'vector'): number[] {
  if (!Array.isArray(vector)) throw new ValidationError(field, 'must be an array of numbers');
  if (vector.length !== config.dimensions) {
    throw new ValidationError(field, `must have ${config.dimensions} dimensions, not ${vector.length}`);
  }
  let norm = 0;
  let negativeZero = false;
  for (let i = 0; i < vector.length; i++) {
    const x = vector[i];
    if (typeof x !== 'number' || !Number.isFinite(x))
      throw new ValidationError(`${field}[${i}]`, 'must be a finite number');
    // Both engines store float32: a larger magnitude would become infinite.
    if (Math.abs(x) > FLOAT32_MAX) throw new ValidationError(`${field}[${i}]`, 'must fit in a 32-bit float');
    norm += x * x;
    if (Object.is(x, -0)) negativeZero = true;
  }
  // -0 is stored as 0 on every path: vector text and Qdrant's JSON both write it as 0, while binary
  // COPY would keep the sign, and the two pgvector paths must store the same bits.
  const plain = (x: number) => (x === 0 ? 0 : x);
  if (config.distance !== 'cosine')
    return negativeZero ? (vector as number[]).map(plain) : (vector as number[]);
  if (norm === 0) throw new ValidationError(field, 'must not be all zeros for cosine distance');
  const scale = 1 / Math.sqrt(norm);
  return (vector as number[]).map((x) => plain(x * scale));
}

export interface CheckedRecord {
  id: string;
  vector: number[];
  metadata: JsonObject;
}

/** Validates every record before anything is written; the last record of a repeated id wins. */
export function checkRecords(records: unknown, config: CollectionConfig): CheckedRecord[] {
  if (!Array.isArray(records)) throw new ValidationError('records', 'must be an array');
  return checkEach(records, config, (i) => `records[${i}]`);
}

/** One record, named `record` in errors. */
export function checkRecord(record: unknown, config: CollectionConfig): CheckedRecord[] {
  return checkEach([record], config, () => 'record');
}

/** `field` (the payload path) and `type` of createPayloadIndex. */
export function checkPayloadIndex(field: unknown, options: unknown): PayloadIndexType {
  validate(fieldSchema, field, 'field');
  return validate(payloadIndexOptionsSchema, options ?? {}, 'options').type;
}

const payloadIndexOptionsSchema = z.object({ type: z.enum(PAYLOAD_INDEX_TYPES).default('keyword') }).strict();

function checkEach(
  records: unknown[],
  config: CollectionConfig,
  name: (i: number) => string,
): CheckedRecord[] {
  const byId = new Map<string, CheckedRecord>();
  records.forEach((r, i) => {
    if (typeof r !== 'object' || r === null) throw new ValidationError(name(i), 'must be an object');
    const rec = r as VectorRecord;
    const id = checkId(rec.id, `${name(i)}.id`);
    const vector = checkVector(rec.vector, config, `${name(i)}.vector`);
    const metadata = validate(metadataSchema, rec.metadata ?? {}, `${name(i)}.metadata`);
    byId.set(id, { id, vector, metadata });
  });
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

const searchSchema = z
  .object({
    limit: z.number().int().min(1).max(1000).default(10),
    filter: z.unknown().optional(),
    minScore: z.number().refine(Number.isFinite, 'must be finite').optional(),
    withVectors: z.boolean().default(false),
    efSearch: z.number().int().min(1).max(1000).optional(),
    exact: z.boolean().default(false),
  })
  .strict();

export type CheckedSearch = Omit<z.output<typeof searchSchema>, 'filter'> & { filter?: VectorFilter };

export function checkSearch(options: SearchOptions | undefined): CheckedSearch {
  const o = validate(searchSchema, options ?? {}, 'options');
  return { ...o, filter: o.filter === undefined ? undefined : parseFilter(o.filter, 'options.filter') };
}

const scrollSchema = z
  .object({
    filter: z.unknown().optional(),
    pageSize: z.number().int().min(1).max(10_000).default(256),
    withVectors: z.boolean().default(true),
  })
  .strict();

export function checkScroll(options: ScrollOptions | undefined) {
  const o = validate(scrollSchema, options ?? {}, 'options');
  return { ...o, filter: o.filter === undefined ? undefined : parseFilter(o.filter, 'options.filter') };
}

export function checkOptionalFilter(filter: unknown): VectorFilter | undefined {
  return filter === undefined ? undefined : parseFilter(filter);
}
