import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { decode, encode } from '../src/cache/codec.js';
import { PickledValueError } from '../src/cache/errors.js';
import { ValidationError } from '../src/domain/errors.js';

const read = (raw: string | Buffer | null) => decode(raw, 'k');

test('safe integers are stored bare, so Redis INCR and other clients read them', () => {
  expect(encode(42)).toBe('42');
  expect(encode(-7)).toBe('-7');
  expect(read('42')).toBe(42);
  expect(read(encode('42'))).toBe('42'); // a string stays a string
  expect(read('9007199254740993')).toBe('9007199254740993'); // beyond a double: the exact text
  expect(read('9223372036854775807')).toBe('9223372036854775807'); // INT64_MAX, an INCR's ceiling
  expect(read('-9223372036854775808')).toBe(-(2 ** 63)); // INT64_MIN is a power of two: exact
  expect(read('1152921504606846976')).toBe(2 ** 60); // Python's digits for a double's exact value
  expect(read('1e400')).toBe(Number.POSITIVE_INFINITY); // not an integer text: JSON's reading
  expect(read('007')).toBe('007');
});

test('every JSON value is stored as its JSON text and reads back as itself', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      const json = JSON.stringify(value);
      // JSON cannot tell -0 from 0, and a top-level object with a "$trend" key is enveloped.
      fc.pre(isDeepStrictEqual(JSON.parse(json), value) && !Object.hasOwn(Object(value), '$trend'));
      expect(encode(value)).toBe(json);
      expect(read(encode(value))).toEqual(value);
    }),
  );
});

test('any value round-trips, JSON or not', () => {
  const leaf = fc.oneof(
    fc.jsonValue({ maxDepth: 1 }),
    fc.double(),
    fc.bigInt(),
    fc.date({ noInvalidDate: true }),
    fc.constant(new Date(Number.NaN)),
    fc.uint8Array().map((b) => Buffer.from(b)),
    fc.uint8Array(),
    fc.constant(-0),
  );
  const value = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: 'small' },
      leaf,
      fc.array(fc.oneof(tie('node'), fc.constant(undefined))),
      fc.dictionary(fc.constantFrom('$t', '$trend', 'v', 'a', '__proto__'), tie('node')),
      fc.array(fc.oneof(tie('node'), fc.constant(undefined))).map((xs) => new Set(xs)),
      fc.array(fc.tuple(tie('node'), fc.oneof(tie('node'), fc.constant(undefined)))).map((kv) => new Map(kv)),
    ),
  })).node;
  fc.assert(
    fc.property(value, (v) => {
      const text = encode(v);
      expect(() => JSON.parse(text), 'always valid JSON').not.toThrow();
      expect(read(text)).toEqual(v);
    }),
  );
  for (const v of [new Map([['k', undefined]]), new Set([undefined]), [undefined]])
    expect(read(encode(v))).toEqual(v);
  const ownProto = JSON.parse('{"__proto__": {"x": 1}}'); // an own key, as JSON.parse makes it
  ownProto.at = new Date(0);
  expect(Object.keys(read(encode(ownProto)) as object)).toEqual(['__proto__', 'at']);
});

test('decoding never runs code: tags are data, unknown ones stay plain objects', () => {
  let ran = false;
  (globalThis as Record<string, unknown>).__pwn = () => {
    ran = true;
  };
  const hostile = [
    '\u0000ts1:{"$t":"fn","v":"globalThis.__pwn()"}',
    '{"$trend":1,"v":{"$t":"fn","v":"globalThis.__pwn()"}}',
    '{"__proto__":{"polluted":true}}',
    '{"$trend":1,"v":{"__proto__":{"polluted":true}}}',
    '\u0000ts1:{"constructor":{"prototype":{"polluted":true}}}',
    '\u0000ts1:not json',
    "cos\nsystem\n(S'id'\ntR.",
    '{"$trend":1,"v":{"$t":"map","v":5}}',
  ];
  const out = hostile.map(read);
  expect(ran).toBe(false);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(out[0]).toEqual({ $t: 'fn', v: 'globalThis.__pwn()' });
  expect(out[1]).toEqual({ $t: 'fn', v: 'globalThis.__pwn()' });
  expect(out[5]).toBe('\u0000ts1:not json');
  expect(out[6]).toBe("cos\nsystem\n(S'id'\ntR.");
  // A malformed envelope is not ours after all: plain JSON, its tags uninterpreted.
  expect(out[7]).toEqual({ $trend: 1, v: { $t: 'map', v: 5 } });
  delete (globalThis as Record<string, unknown>).__pwn;
});

test('a pickle is recognised by its bytes (0x80, protocol 2–5), not by text that resembles it', () => {
  const pickle = Buffer.from('8004950a000000000000007d948c0161944b01732e', 'hex');
  expect(() => read(pickle)).toThrow(PickledValueError);
  expect(() => decode(pickle, 'users:1', 'field "f"')).toThrow(
    'cache key "users:1" (field "f") holds a Python pickle (protocol 4)',
  );
  // What ioredis would have handed back had it decoded the pickle as UTF-8: text, not a pickle.
  const mangled = pickle.toString('utf8');
  expect(mangled.startsWith('\ufffd\u0004')).toBe(true);
  expect(read(mangled)).toBe(mangled);
  expect(read(Buffer.from([0x80, 0x01, 0x02]))).toBe('\ufffd\u0001\u0002'); // protocol 1 has no marker
  expect(read(Buffer.from('"hello"'))).toBe('hello');
});

test('what cannot round-trip is refused with the path of the offending part', () => {
  const cases: [unknown, string][] = [
    [() => 1, 'value'],
    [Symbol('x'), 'value'],
    [{ a: [1, { f: () => 2 }] }, 'value.a[1].f'],
    [new Map([['k', Symbol('v')]]), 'value<0>'],
    [/regex/, 'value'],
    [new Error('e'), 'value'],
    [undefined, 'value'],
  ];
  for (const [v, field] of cases) {
    try {
      encode(v);
      throw new Error('expected a ValidationError');
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).field).toBe(field);
    }
  }
  const shared = { x: 1 };
  expect(read(encode({ a: shared, b: shared }))).toEqual({ a: { x: 1 }, b: { x: 1 } }); // shared, not cyclic
});
