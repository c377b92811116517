// Cache values ↔ Redis strings. JSON plus Date, BigInt, Map, Set, Uint8Array and Buffer, exact.
// Decoding is JSON.parse and a walk over plain data: it never runs code (the platform's Python
// store used pickle; not here). Safe integers are stored bare so Redis can INCR them and any
// other client can read them; every other value carries a marker, so a string some other client
// wrote reads back as that raw string.
import { ValidationError } from '../domain/errors.js';

const MARK = '\u0000ts1:';
const TAG = '$t';
const BARE_INTEGER = /^-?(0|[1-9]\d{0,15})$/;

function tag(value: unknown, seen: Set<object>, path: string): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
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
      throw new ValidationError(path, `cannot store a ${typeof value}`);
  }
  if (value === null) return null;
  if (seen.has(value)) throw new ValidationError(path, 'cannot store a value that contains itself (a cycle)');
  seen.add(value);
  try {
    if (value instanceof Date)
      return { [TAG]: 'date', v: Number.isNaN(value.getTime()) ? null : value.toISOString() };
    if (Buffer.isBuffer(value)) return { [TAG]: 'buffer', v: value.toString('base64') };
    if (value instanceof Uint8Array) return { [TAG]: 'bytes', v: Buffer.from(value).toString('base64') };
    if (value instanceof Map) {
      return {
        [TAG]: 'map',
        v: [...value].map(([k, v], i) => [tag(k, seen, `${path}<key ${i}>`), tag(v, seen, `${path}<${i}>`)]),
      };
    }
    if (value instanceof Set)
      return { [TAG]: 'set', v: [...value].map((v, i) => tag(v, seen, `${path}<${i}>`)) };
    if (Array.isArray(value)) return value.map((v, i) => tag(v, seen, `${path}[${i}]`));
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      throw new ValidationError(path, `cannot store an instance of ${proto?.constructor?.name ?? 'a class'}`);
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) out[k] = tag(v, seen, `${path}.${k}`);
    }
    // A caller's own "$t" key must not be mistaken for one of our tags.
    return TAG in out ? { [TAG]: 'obj', v: out } : out;
  } finally {
    seen.delete(value);
  }
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

/** A value as the string stored in Redis. Throws ValidationError for what cannot round-trip. */
export function encode(value: unknown, field = 'value'): string {
  if (value === undefined) throw new ValidationError(field, 'must not be undefined (use delete)');
  if (typeof value === 'number' && Number.isSafeInteger(value) && !Object.is(value, -0)) return String(value);
  return MARK + JSON.stringify(tag(value, new Set(), field));
}

/** A stored string as a value: ours decoded, bare integers as numbers, anything else as the raw string. */
export function decode(raw: string | null): unknown {
  if (raw === null) return null;
  if (raw.startsWith(MARK)) {
    try {
      return untag(JSON.parse(raw.slice(MARK.length)));
    } catch {
      return raw;
    }
  }
  if (BARE_INTEGER.test(raw)) {
    const n = Number(raw);
    if (Number.isSafeInteger(n)) return n;
  }
  return raw;
}
