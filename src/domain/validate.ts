import { z } from 'zod';
import { ValidationError } from './errors.js';

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * `['items', 3, 'publishedAt']` → `items[3].publishedAt`, after `prefix` (a path already written). A key that is not a plain identifier is
 * quoted and escaped (`metadata["a\u0000b"]`), so the path — and an error message holding it —
 * is itself storable text.
 */
export function formatPath(path: readonly PropertyKey[], prefix = ''): string {
  let out = prefix;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && IDENTIFIER.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

/**
 * Parses `value` with `schema` or throws a ValidationError naming the first offending
 * field (prefixed by `field`) and the rule it broke.
 */
export function validate<S extends z.ZodType>(schema: S, value: unknown, field = ''): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  // `field` is a path already written out (`items[3]`); the issue's path is appended to it.
  throw new ValidationError(formatPath(issue?.path ?? [], field), issue?.message ?? 'invalid', {
    cause: result.error,
  });
}

/**
 * The schema of a partial update: the given fields of `schema` without their defaults (an
 * omitted field stays as stored), every one optional, unknown fields rejected.
 */
export function patchSchema<T extends z.ZodRawShape, K extends keyof T & string>(
  schema: z.ZodObject<T>,
  fields: readonly K[],
): z.ZodType<Record<string, unknown>> {
  const shape = Object.fromEntries(
    fields.map((f) => {
      const s = schema.shape[f] as z.ZodType;
      return [f, (s instanceof z.ZodDefault ? s.unwrap() : s) as z.ZodType];
    }),
  );
  return z.object(shape).partial().strict() as unknown as z.ZodType<Record<string, unknown>>;
}
