// The one guard for text and JSON that goes into PostgreSQL (text, varchar, text[], jsonb) or a
// cache key. PostgreSQL refuses NUL in text and `\u0000` in jsonb strings, and a lone UTF-16
// surrogate is silently replaced by the driver (text) or refused (jsonb): both would reach the
// caller as an unnamed driver error, or as data that is not what was saved.
import { z } from 'zod';

/** Why `s` cannot be stored as it is, or undefined when it can. */
export function textProblem(s: string): string | undefined {
  if (s.includes('\0')) return 'must not contain NUL characters';
  if (!isWellFormed(s)) return 'must be valid Unicode (it has a lone surrogate)';
  return undefined;
}

// String.prototype.isWellFormed is Node 20+, but not in the ES2023 lib this project compiles against.
const isWellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

/**
 * The first string (or object key) inside a JSON value that cannot be stored, with its path
 * relative to the value, e.g. `{ path: ['tags', 2], problem: 'must not contain NUL characters' }`.
 */
export function jsonProblem(
  value: unknown,
  path: PropertyKey[] = [],
): { path: PropertyKey[]; problem: string } | undefined {
  if (typeof value === 'string') {
    const problem = textProblem(value);
    return problem ? { path, problem } : undefined;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = jsonProblem(value[i], [...path, i]);
      if (found) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      // Parsing copies objects key by key, where "__proto__" would set the prototype and vanish.
      if (k === '__proto__') return { path: [...path, k], problem: 'key "__proto__" cannot be stored' };
      const keyProblem = textProblem(k);
      if (keyProblem) return { path: [...path, k], problem: `key ${keyProblem}` };
      const found = jsonProblem(v, [...path, k]);
      if (found) return found;
    }
  }
  return undefined;
}

/** A string PostgreSQL can store exactly. */
export const storableText = () =>
  z.string().superRefine((s, ctx) => {
    const problem = textProblem(s);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** A JSON object PostgreSQL's jsonb can store exactly; a problem names the nested field. */
type JsonValue = z.output<ReturnType<typeof z.json>>;

/** Typed as the JSON object it parses to: the pre-check below must not widen the input to unknown. */
export const storableJsonObject = (): z.ZodType<Record<string, JsonValue>, Record<string, JsonValue>> =>
  z
    .unknown()
    // Checked on the caller's value itself, before parsing copies it (and loses a "__proto__" key).
    .superRefine((v, ctx) => {
      const found = jsonProblem(v);
      if (found) ctx.addIssue({ code: 'custom', message: found.problem, path: found.path });
    })
    .pipe(z.record(z.string(), z.json())) as unknown as z.ZodType<
    Record<string, JsonValue>,
    Record<string, JsonValue>
  >;
