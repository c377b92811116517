// One filter language for every vector engine, and its two translations: SQL over a JSONB
// `metadata` column (pgvector) and Qdrant's filter objects. Semantics follow Qdrant's: a
// condition on an array field matches when any element matches; `exists` means present,
// not null and not an empty array; a missing field never satisfies eq, in or a range.
import { z } from 'zod';
import { ValidationError } from '../domain/errors.js';
import { jsonProblem, storableText } from '../domain/text.js';
import { formatPath, validate } from '../domain/validate.js';
import type { Params } from '../sql/params.js';

/** A value `eq` compares with: a string (at most 10,000 characters), a safe integer, or a boolean. */
export type Scalar = string | number | boolean;
/** A range bound: a finite number, or a time as a Date or ISO-8601 string with offset. */
export type Bound = number | string | Date;

/**
 * A condition on point metadata, the same on every vector engine (Qdrant's semantics): a
 * condition on an array field matches when any element does; a missing field never satisfies
 * `eq`, `in` or a range. `field` is a dotted path of identifiers (`a.b`); at most 1,000 nodes.
 *
 * @example
 * ```ts
 * const filter: VectorFilter = {
 *   and: [{ field: 'language', eq: 'en' }, { field: 'source', in: ['bbc', 'reuters'] }],
 * };
 * const matches = await vectors.search(embedding, { filter });
 * ```
 */
export type VectorFilter =
  | {
      /** Every condition holds (1–100 of them). */
      and: VectorFilter[];
    }
  | {
      /** At least one condition holds (1–100 of them). */
      or: VectorFilter[];
    }
  | {
      /** The condition does not hold (a point without the field fails the condition, so passes `not`). */
      not: VectorFilter;
    }
  | {
      /** The payload path compared. */
      field: string;
      /** Equal to this string, integer or boolean (no fractions: use a range). */
      eq: Scalar;
    }
  | {
      /** The payload path compared. */
      field: string;
      /** Equal to any of these 1–1,000 strings, or 1–1,000 integers. */
      in: string[] | number[];
    }
  | {
      /** The payload path compared. */
      field: string;
      /** Greater than (all bounds numbers, or all times). */
      gt?: Bound;
      /** Greater than or equal. */
      gte?: Bound;
      /** Less than. */
      lt?: Bound;
      /** Less than or equal. */
      lte?: Bound;
    }
  | {
      /** The payload path tested. */
      field: string;
      /** `true`: present, not null and not an empty array; `false`: the opposite. */
      exists: boolean;
    };

/** Dotted payload paths: each segment a plain identifier, so a path can be inlined in SQL. */
export const FIELD_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62}){0,7}$/;
export const fieldSchema = z
  .string()
  .regex(FIELD_PATTERN, 'must be a dotted path of identifiers (letters, digits, _)');

const MAX_NODES = 1000;
const text = storableText().max(10_000);
const int = z.number().int('must be an integer (use a range for fractional numbers)').safe();
const isoDate = z.iso.datetime({ offset: true });
const inYears = (d: Date) => {
  const year = d.getUTCFullYear();
  return year >= 1 && year <= 9999;
};
const bound = z.union(
  [
    z.number().refine(Number.isFinite, 'must be finite'),
    isoDate.refine((s) => inYears(new Date(s)), 'must be between the years 1 and 9999'),
    z.date().refine(inYears, 'must be between the years 1 and 9999'),
  ],
  'must be a number, an ISO-8601 timestamp or a Date',
);

const conditionSchemas = [
  z.object({ field: fieldSchema, eq: z.union([text, int, z.boolean()]) }).strict(),
  z
    .object({
      field: fieldSchema,
      in: z.union([z.array(text).min(1).max(1000), z.array(int).min(1).max(1000)]),
    })
    .strict(),
  z
    .object({
      field: fieldSchema,
      gt: bound.optional(),
      gte: bound.optional(),
      lt: bound.optional(),
      lte: bound.optional(),
    })
    .strict()
    .refine(
      (r) => [r.gt, r.gte, r.lt, r.lte].some((b) => b !== undefined),
      'a range needs at least one of gt, gte, lt, lte',
    )
    .refine((r) => {
      const kinds = new Set(
        [r.gt, r.gte, r.lt, r.lte].filter((b) => b !== undefined).map((b) => typeof b === 'number'),
      );
      return kinds.size === 1;
    }, 'range bounds must all be numbers or all be dates'),
  z.object({ field: fieldSchema, exists: z.boolean() }).strict(),
] as const;

const filterSchema: z.ZodType<VectorFilter> = z.lazy(() =>
  z.union(
    [
      z.object({ and: z.array(filterSchema).min(1).max(100) }).strict(),
      z.object({ or: z.array(filterSchema).min(1).max(100) }).strict(),
      z.object({ not: filterSchema }).strict(),
      ...conditionSchemas,
    ],
    'must be a condition ({field, eq | in | gt/gte/lt/lte | exists}) or {and | or | not}',
  ),
) as z.ZodType<VectorFilter>;

function size(f: VectorFilter): number {
  if ('and' in f) return 1 + f.and.reduce((n, c) => n + size(c), 0);
  if ('or' in f) return 1 + f.or.reduce((n, c) => n + size(c), 0);
  if ('not' in f) return 1 + size(f.not);
  return 1;
}

/** Validates a filter at the public boundary. */
export function parseFilter(filter: unknown, field = 'filter'): VectorFilter {
  // Text the database cannot hold is named where it is; the union's own error would not say.
  const bad = jsonProblem(filter);
  if (bad) throw new ValidationError(formatPath(bad.path, field), bad.problem);
  const parsed = validate(filterSchema, filter, field);
  if (size(parsed) > MAX_NODES) throw new ValidationError(field, `must have at most ${MAX_NODES} conditions`);
  return parsed;
}

const isDateBound = (b: Bound) => typeof b !== 'number';
const toIso = (b: Bound) => (b instanceof Date ? b : new Date(b)).toISOString();

function nest(path: string[], value: unknown): unknown {
  return path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), value);
}

/** `a.b` → `'{a,b}'`, safe to inline: FIELD_PATTERN admits identifiers only. */
export function sqlPath(field: string): string {
  if (!FIELD_PATTERN.test(field)) throw new ValidationError('field', 'must be a dotted path of identifiers');
  return `'{${field.split('.').join(',')}}'`;
}

/** The expressions a range compares; payload indexes are built on exactly these. */
export function numberExpr(field: string, column = 'metadata'): string {
  const at = `${column} #> ${sqlPath(field)}`;
  return `(CASE WHEN jsonb_typeof(${at}) = 'number' THEN (${at})::float8 END)`;
}
export function datetimeExpr(field: string, column = 'metadata'): string {
  return `trend_jsonb_timestamptz(${column} #> ${sqlPath(field)})`;
}

/** SQL for `filter` over a JSONB column; values are bound through `p`. */
export function filterToSql(filter: VectorFilter, p: Params, column = 'metadata'): string {
  if ('and' in filter) return `(${filter.and.map((f) => filterToSql(f, p, column)).join(' AND ')})`;
  if ('or' in filter) return `(${filter.or.map((f) => filterToSql(f, p, column)).join(' OR ')})`;
  if ('not' in filter) return `(NOT ${filterToSql(filter.not, p, column)})`;
  const path = filter.field.split('.');
  // Containment of {path: v} or {path: [v]} matches a scalar or any array element, via the GIN index.
  const matches = (v: Scalar) =>
    `${column} @> ${p.add(JSON.stringify(nest(path, v)))}::jsonb OR ${column} @> ${p.add(JSON.stringify(nest(path, [v])))}::jsonb`;
  if ('eq' in filter) return `(${matches(filter.eq)})`;
  if ('in' in filter) return `(${(filter.in as Scalar[]).map(matches).join(' OR ')})`;
  if ('exists' in filter) {
    const at = `${column} #> ${sqlPath(filter.field)}`;
    const present = `(coalesce(jsonb_typeof(${at}), 'null') <> 'null' AND ${at} <> '[]'::jsonb)`;
    return filter.exists ? present : `(NOT ${present})`;
  }
  const bounds = (['gt', 'gte', 'lt', 'lte'] as const).filter((k) => filter[k] !== undefined);
  const dates = isDateBound(filter[bounds[0]!]!);
  const expr = dates ? datetimeExpr(filter.field, column) : numberExpr(filter.field, column);
  const ops = { gt: '>', gte: '>=', lt: '<', lte: '<=' };
  const parts = bounds.map((k) => {
    const b = filter[k]!;
    return dates
      ? `${expr} ${ops[k]} ${p.add(toIso(b))}::timestamptz`
      : `${expr} ${ops[k]} ${p.add(b)}::float8`;
  });
  // coalesce: a missing field is "not in range" (false, not NULL), so NOT behaves like Qdrant's must_not.
  return `coalesce(${parts.join(' AND ')}, false)`;
}

export type QdrantCondition = Record<string, unknown>;
export interface QdrantFilter {
  must?: QdrantCondition[];
  should?: QdrantCondition[];
  must_not?: QdrantCondition[];
}

function toQdrantCondition(filter: VectorFilter): QdrantCondition {
  if ('and' in filter) return { must: filter.and.map(toQdrantCondition) };
  if ('or' in filter) return { should: filter.or.map(toQdrantCondition) };
  if ('not' in filter) return { must_not: [toQdrantCondition(filter.not)] };
  const key = filter.field;
  if ('eq' in filter) return { key, match: { value: filter.eq } };
  if ('in' in filter) return { key, match: { any: filter.in } };
  if ('exists' in filter)
    return filter.exists ? { must_not: [{ is_empty: { key } }] } : { is_empty: { key } };
  const range: Record<string, number | string> = {};
  for (const k of ['gt', 'gte', 'lt', 'lte'] as const) {
    const b = filter[k];
    if (b !== undefined) range[k] = typeof b === 'number' ? b : toIso(b);
  }
  return { key, range };
}

/** Qdrant's filter for `filter`; the top level is always a Filter object. */
export function filterToQdrant(filter: VectorFilter): QdrantFilter {
  const c = toQdrantCondition(filter);
  return 'must' in c || 'should' in c || 'must_not' in c ? (c as QdrantFilter) : { must: [c] };
}
