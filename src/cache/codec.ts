// Cache values ↔ stored text, shared with the platform's Python services (docs/CACHE.md).
// A value JSON can represent is stored as plain JSON, which `json.loads` reads and Redis can INCR
// when it is an integer. A value holding Date, BigInt, Map, Set, bytes, NaN, ±Infinity, -0 or an
// undefined array element is one envelope object, still JSON: {"$trend":1,"v":<tree>} with
// {"$t":kind,"v":…} nodes where those sit. Tags mean something only inside an envelope, and a
// caller's object with a top-level "$trend" key is itself enveloped, so reading is unambiguous.
// Decoding is JSON.parse and a walk over plain data: it never runs code, and a pickle is refused.
import { ValidationError } from '../domain/errors.js';
import { formatPath } from '../domain/validate.js';
import { PickledValueError } from './errors.js';

/** A stored value as an engine hands it over: text, or bytes that may not be text. */
export type Stored = string | Buffer;

const ENVELOPE = '$trend';
const TAG = '$t';
/** What the previous encoder put before everything but a safe integer; still read. */
const PREVIOUS_MARK = '\u0000ts1:';
const INTEGER_TEXT = /^-?\d+$/;
// Python's json.dumps writes these for float nan and ±inf (allow_nan=True is its default).
const PYTHON_FLOATS = new Map([
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['-Infinity', Number.NEGATIVE_INFINITY],
]);

/**
 * Walks a value once: refuses what cannot be stored (naming where) and says whether JSON alone
 * would lose something, i.e. whether it needs the envelope.
 */
function needsTags(value: unknown, seen: Set<object>, path: string): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return false;
    case 'number':
      return !Number.isFinite(value) || Object.is(value, -0);
    case 'bigint':
    case 'undefined': // an array element, Map entry or Set member; encode refuses a top-level one
      return true;
    case 'object':
      break;
    default:
      throw new ValidationError(path, `cannot store a ${typeof value}`);
  }
  if (value === null) return false;
  if (seen.has(value)) throw new ValidationError(path, 'cannot store a value that contains itself (a cycle)');
  seen.add(value);
  try {
    let tags = false;
    if (value instanceof Date || value instanceof Uint8Array) return true;
    if (value instanceof Map) {
      for (const [i, [k, v]] of [...value].entries()) {
        needsTags(k, seen, `${path}<key ${i}>`);
        needsTags(v, seen, `${path}<${i}>`);
      }
      return true;
    }
    if (value instanceof Set) {
      for (const [i, v] of [...value].entries()) needsTags(v, seen, `${path}<${i}>`);
      return true;
    }
    if (Array.isArray(value)) {
      // `|| tags` last: every element is still checked for what cannot be stored.
      for (let i = 0; i < value.length; i++) tags = needsTags(value[i], seen, `${path}[${i}]`) || tags;
      return tags;
    }
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      throw new ValidationError(path, `cannot store an instance of ${proto?.constructor?.name ?? 'a class'}`);
    }
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) tags = needsTags(v, seen, formatPath([k], path)) || tags;
    }
    return tags;
  } finally {
    seen.delete(value);
  }
}

/** The envelope's tree for an already checked value. */
function tag(value: unknown): unknown {
  switch (typeof value) {
    case 'number':
      if (Number.isFinite(value) && !Object.is(value, -0)) return value;
      return { [TAG]: 'num', v: Object.is(value, -0) ? '-0' : String(value) };
    case 'bigint':
      return { [TAG]: 'bigint', v: value.toString() };
    case 'undefined':
      return { [TAG]: 'undef' };
    case 'object':
      break;
    default:
      return value;
  }
  if (value === null) return null;
  if (value instanceof Date)
    return { [TAG]: 'date', v: Number.isNaN(value.getTime()) ? null : value.toISOString() };
  if (Buffer.isBuffer(value)) return { [TAG]: 'buffer', v: value.toString('base64') };
  if (value instanceof Uint8Array) return { [TAG]: 'bytes', v: Buffer.from(value).toString('base64') };
  if (value instanceof Map) return { [TAG]: 'map', v: [...value].map(([k, v]) => [tag(k), tag(v)]) };
  if (value instanceof Set) return { [TAG]: 'set', v: [...value].map(tag) };
  if (Array.isArray(value)) return value.map(tag);
  // fromEntries, not assignment: an own "__proto__" key stays a key.
  const out = Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, tag(v)]),
  );
  // A caller's own "$t" key must not be mistaken for one of our tags.
  return Object.hasOwn(out, TAG) ? { [TAG]: 'obj', v: out } : out;
}

function untag(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(untag);
  if (value === null || typeof value !== 'object') return value;
  const o = value as Record<string, unknown>;
  switch (o[TAG]) {
    case 'num':
      return o.v === '-0' ? -0 : Number(o.v);
    case 'bigint':
      return BigInt(String(o.v));
    case 'undef':
      return undefined;
    case 'date':
      return new Date(o.v === null ? Number.NaN : String(o.v));
    case 'buffer':
      return Buffer.from(String(o.v), 'base64');
    case 'bytes':
      return new Uint8Array(Buffer.from(String(o.v), 'base64'));
    case 'map':
      return new Map((o.v as [unknown, unknown][]).map(([k, v]) => [untag(k), untag(v)]));
    case 'set':
      return new Set((o.v as unknown[]).map(untag));
    case 'obj':
      return Object.fromEntries(
        Object.entries(o.v as Record<string, unknown>).map(([k, v]) => [k, untag(v)]),
      );
    default:
      return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, untag(v)]));
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** A value as the text stored in Redis. Throws ValidationError for what cannot round-trip. */
export function encode(value: unknown, field = 'value'): string {
  if (value === undefined) throw new ValidationError(field, 'must not be undefined (use delete)');
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' && Number.isSafeInteger(value) && !Object.is(value, -0)) return String(value);
  if (needsTags(value, new Set(), field) || (isPlainObject(value) && Object.hasOwn(value, ENVELOPE))) {
    return JSON.stringify({ [ENVELOPE]: 1, v: tag(value) });
  }
  return JSON.stringify(value);
}

/**
 * A stored value as a value (`undefined` for a missing one): ours and any JSON decoded, a pickle refused with PickledValueError,
 * anything else as the raw string. `key` and `part` only name the place in that error.
 */
export function decode(raw: Stored | null, key: string, part?: string): unknown {
  if (raw === null) return undefined; // missing; a stored null decodes to null
  if (typeof raw !== 'string') {
    // Pickle protocols 2–5 open with PROTO (0x80) and the protocol number; no UTF-8 text starts
    // with 0x80, so this cannot be a string anyone stored.
    if (raw[0] === 0x80 && raw.length > 1 && raw[1]! >= 2 && raw[1]! <= 5) {
      throw new PickledValueError(key, raw, { part });
    }
    raw = raw.toString('utf8');
  }
  if (raw.startsWith(PREVIOUS_MARK)) {
    try {
      return untag(JSON.parse(raw.slice(PREVIOUS_MARK.length)));
    } catch {
      return raw;
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return PYTHON_FLOATS.get(raw) ?? raw;
  }
  if (typeof parsed === 'number') return exactNumber(parsed, raw) ? parsed : raw;
  if (
    isPlainObject(parsed) &&
    parsed[ENVELOPE] === 1 &&
    Object.hasOwn(parsed, 'v') &&
    Object.keys(parsed).length === 2
  ) {
    try {
      return untag(parsed.v);
    } catch {
      return parsed; // not ours after all: plain JSON
    }
  }
  return parsed;
}

/**
 * Whether a number text reads back without losing digits. Beyond 2^53 a double cannot hold every
 * integer: an INCR counter or a Python int that parsing would change stays its exact text.
 */
function exactNumber(n: number, text: string): boolean {
  if (Number.isSafeInteger(n) || !INTEGER_TEXT.test(text)) return true;
  return String(n) === text || (Number.isFinite(n) && BigInt(n) === BigInt(text));
}
