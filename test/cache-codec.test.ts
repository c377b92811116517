import { expect, test } from 'vitest';
import { decode, encode } from '../src/cache/codec.js';
import { ValidationError } from '../src/domain/errors.js';

test('safe integers are stored bare, so Redis INCR and other clients read them', () => {
  expect(encode(42)).toBe('42');
  expect(encode(-7)).toBe('-7');
  expect(decode('42')).toBe(42);
  expect(encode(1.5)).not.toBe('1.5');
  expect(decode(encode('42'))).toBe('42'); // a string stays a string
  expect(decode('9007199254740993')).toBe('9007199254740993'); // beyond safe: raw string
  expect(decode('007')).toBe('007');
});

test('decoding never runs code: tags are data, unknown ones stay plain objects', () => {
  let ran = false;
  (globalThis as Record<string, unknown>).__pwn = () => {
    ran = true;
  };
  const hostile = [
    '\u0000ts1:{"$t":"fn","v":"globalThis.__pwn()"}',
    '\u0000ts1:{"__proto__":{"polluted":true}}',
    '\u0000ts1:{"constructor":{"prototype":{"polluted":true}}}',
    '\u0000ts1:not json',
    "cos\nsystem\n(S'id'\ntR.",
  ];
  const out = hostile.map(decode);
  expect(ran).toBe(false);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(out[0]).toEqual({ $t: 'fn', v: 'globalThis.__pwn()' });
  expect(out[3]).toBe('\u0000ts1:not json');
  expect(out[4]).toBe("cos\nsystem\n(S'id'\ntR.");
  delete (globalThis as Record<string, unknown>).__pwn;
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
  expect(decode(encode({ a: shared, b: shared }))).toEqual({ a: { x: 1 }, b: { x: 1 } }); // shared, not cyclic
});
