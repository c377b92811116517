import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import type { CacheRepository } from '../../src/cache/types.js';
import { StorageError, ValidationError } from '../../src/domain/errors.js';

export interface CacheEngine {
  name: string;
  /** A cache over the engine's shared backend, in namespace `prefix`. */
  create(prefix: string): Promise<CacheRepository>;
  /** Writes a raw string under a full key, as another Redis client would (where there is one). */
  rawSet?(fullKey: string, value: string): Promise<void>;
  rawGet?(fullKey: string): Promise<string | null>;
  dispose?(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function cacheContract(engine: CacheEngine, prefix: string): void {
  let cache: CacheRepository;
  let other: CacheRepository;
  beforeAll(async () => {
    cache = await engine.create(prefix);
    other = await engine.create(`${prefix.slice(0, -1)}_other:`);
  });
  beforeEach(async () => {
    await cache.flush();
    await other.flush();
  });
  afterAll(async () => {
    await cache?.flush();
    await other?.flush();
    await cache?.close();
    await other?.close();
    await engine.dispose?.();
  });

  test('values of every supported kind round-trip exactly', async () => {
    const values: unknown[] = [
      'plain',
      '',
      '42',
      'ünïcødé 🙂',
      0,
      -17,
      3.25,
      -0,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      2 ** 60,
      true,
      false,
      [1, 'two', null, undefined, [3]],
      { a: 1, nested: { b: [true, { c: 'd' }] }, $t: 'not a tag' },
      new Date('2026-11-29T10:00:00.123Z'),
      123456789012345678901234567890n,
      new Map<unknown, unknown>([
        ['k', 1],
        [2, new Set(['x'])],
      ]),
      new Set([1, 'a', new Date(0)]),
      new Uint8Array([0, 1, 254, 255]),
      Buffer.from('binary\u0000data'),
      { when: new Date(1), big: 1n, bytes: new Uint8Array([9]) },
    ];
    for (const [i, v] of values.entries()) {
      await cache.set(`v${i}`, v);
      const back = await cache.get(`v${i}`);
      expect(back, `value ${i}`).toEqual(v);
      if (v instanceof Uint8Array) expect(Buffer.isBuffer(back), `value ${i} kind`).toBe(Buffer.isBuffer(v));
      if (typeof v === 'number') expect(Object.is(back, v), `value ${i}`).toBe(true);
    }
  });

  test('get of a missing key is null; exists and delete', async () => {
    expect(await cache.get('missing')).toBeNull();
    expect(await cache.exists('k')).toBe(false);
    await cache.set('k', { x: 1 });
    expect(await cache.exists('k')).toBe(true);
    expect(await cache.delete('k')).toBe(true);
    expect(await cache.delete('k')).toBe(false);
    expect(await cache.exists('k')).toBe(false);
  });

  test('TTL: default on set, explicit, -1 without expiry, -2 when missing, setTtl', async () => {
    await cache.set('d', 1);
    expect(await cache.getTtl('d')).toBeGreaterThanOrEqual(3599);
    expect(await cache.getTtl('d')).toBeLessThanOrEqual(3600);
    await cache.set('e', 1, 10);
    expect([9, 10]).toContain(await cache.getTtl('e'));
    await cache.increment('counter');
    expect(await cache.getTtl('counter')).toBe(-1);
    expect(await cache.getTtl('nope')).toBe(-2);
    expect(await cache.setTtl('counter', 100)).toBe(true);
    expect([99, 100]).toContain(await cache.getTtl('counter'));
    expect(await cache.setTtl('nope', 5)).toBe(false);
  });

  test('keys expire when their TTL runs out', async () => {
    await cache.set('short', 'v', 1);
    await cache.setWithList('shortlist', ['a'], 1);
    await cache.set('long', 'v', 60);
    await sleep(1300);
    expect(await cache.get('short')).toBeNull();
    expect(await cache.exists('short')).toBe(false);
    expect(await cache.getTtl('short')).toBe(-2);
    expect(await cache.getList('shortlist')).toEqual([]);
    expect(await cache.keysMatching('*')).toEqual(['long']);
  });

  test('counters: increment, decrement, amounts; stored bare so INCR works on set values', async () => {
    expect(await cache.increment('c')).toBe(1);
    expect(await cache.increment('c', 10)).toBe(11);
    expect(await cache.decrement('c')).toBe(10);
    expect(await cache.decrement('c', 15)).toBe(-5);
    expect(await cache.get('c')).toBe(-5);
    await cache.set('n', 7);
    expect(await cache.increment('n', 3)).toBe(10);
    if (engine.rawGet) expect(await engine.rawGet(`${prefix}n`)).toBe('10');
  });

  test('misuse fails as Redis fails: not an integer, wrong type', async () => {
    await cache.set('s', 'text');
    await cache.setHash('h', 'f', 1);
    await cache.pushToList('l', 1);
    const code = async (fn: () => Promise<unknown>) => {
      const err = await fn().then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(StorageError);
      return (err as StorageError).code;
    };
    expect(await code(() => cache.increment('s'))).toBe('ERR');
    expect(await code(() => cache.increment('h'))).toBe('WRONGTYPE');
    expect(await code(() => cache.get('h'))).toBe('WRONGTYPE');
    expect(await code(() => cache.getHash('s', 'f'))).toBe('WRONGTYPE');
    expect(await code(() => cache.pushToList('h', 1))).toBe('WRONGTYPE');
    expect(await code(() => cache.getList('s'))).toBe('WRONGTYPE');
    expect(await cache.getMany(['s', 'h', 'missing'])).toEqual(['text', null, null]);
    await cache.set('h', 'now a string'); // SET replaces a key of any type
    expect(await cache.get('h')).toBe('now a string');
  });

  test('hashes: set, get, get all, delete a field; an emptied hash is gone', async () => {
    expect(await cache.setHash('h', 'a', { deep: [1] })).toBe(true);
    expect(await cache.setHash('h', 'a', 2)).toBe(false);
    expect(await cache.setHash('h', 'b', new Date(5))).toBe(true);
    expect(await cache.getHash('h', 'a')).toBe(2);
    expect(await cache.getHash('h', 'zz')).toBeNull();
    expect(await cache.getAllHash('h')).toEqual({ a: 2, b: new Date(5) });
    expect(await cache.getAllHash('none')).toEqual({});
    expect(await cache.deleteHashField('h', 'a')).toBe(true);
    expect(await cache.deleteHashField('h', 'a')).toBe(false);
    expect(await cache.deleteHashField('h', 'b')).toBe(true);
    expect(await cache.exists('h')).toBe(false);
  });

  test('lists: replace, read, push left and right, pop both ends', async () => {
    await cache.setWithList('l', ['b', 2, { c: 3 }]);
    expect(await cache.getList('l')).toEqual(['b', 2, { c: 3 }]);
    expect([3599, 3600]).toContain(await cache.getTtl('l'));
    expect(await cache.pushToList('l', 'end')).toBe(4);
    expect(await cache.pushToList('l', 'start', true)).toBe(5);
    expect(await cache.getList('l')).toEqual(['start', 'b', 2, { c: 3 }, 'end']);
    expect(await cache.popFromList('l')).toBe('end');
    expect(await cache.popFromList('l', true)).toBe('start');
    await cache.setWithList('l', ['only']);
    expect(await cache.getList('l')).toEqual(['only']);
    expect(await cache.popFromList('l')).toBe('only');
    expect(await cache.popFromList('l')).toBeNull();
    expect(await cache.exists('l')).toBe(false);
    await cache.setWithList('l2', ['x']);
    await cache.setWithList('l2', []);
    expect(await cache.exists('l2')).toBe(false);
    expect(await cache.getList('never')).toEqual([]);
  });

  test('patterns: *, ?, [ab], [^a], ranges and escapes, within the namespace only', async () => {
    for (const k of ['user:1', 'user:2', 'user:10', 'usar:1', 'item:a', 'item:b', 'item:c', 'star*key', 'q?'])
      await cache.set(k, 1);
    await other.set('user:99', 1);
    expect(await cache.keysMatching('user:*')).toEqual(['user:1', 'user:10', 'user:2']);
    expect(await cache.keysMatching('user:?')).toEqual(['user:1', 'user:2']);
    expect(await cache.keysMatching('us[ae]r:1')).toEqual(['usar:1', 'user:1']);
    expect(await cache.keysMatching('item:[^a]')).toEqual(['item:b', 'item:c']);
    expect(await cache.keysMatching('item:[a-b]')).toEqual(['item:a', 'item:b']);
    expect(await cache.keysMatching('star\\*key')).toEqual(['star*key']);
    expect(await cache.keysMatching('q\\?')).toEqual(['q?']);
    expect(await cache.keysMatching('nothing*')).toEqual([]);
    expect(await cache.deletePattern('item:*')).toBe(3);
    expect(await cache.keysMatching('item:*')).toEqual([]);
    expect(await cache.flush()).toBe(6);
    expect(await cache.keysMatching('*')).toEqual([]);
    expect(await other.get('user:99')).toBe(1);
  });

  test('getMany and setMany', async () => {
    await cache.setMany({ a: 1, b: 'two', c: [3] }, 50);
    expect(await cache.getMany(['c', 'x', 'a', 'b'])).toEqual([[3], null, 1, 'two']);
    expect([49, 50]).toContain(await cache.getTtl('b'));
    expect(await cache.getMany([])).toEqual([]);
  });

  test('getOrSet loads once for concurrent misses, then serves the cached value', async () => {
    let calls = 0;
    const loader = async () => {
      calls++;
      await sleep(30);
      return { loaded: calls };
    };
    const results = await Promise.all(Array.from({ length: 10 }, () => cache.getOrSet('lazy', loader, 60)));
    expect(calls).toBe(1);
    expect(results.every((r) => r.loaded === 1)).toBe(true);
    expect(await cache.getOrSet('lazy', loader)).toEqual({ loaded: 1 });
    expect(calls).toBe(1);
    expect([59, 60]).toContain(await cache.getTtl('lazy'));
  });

  test('bad input is a ValidationError and the store is unchanged', async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const bad: [() => Promise<unknown>, string][] = [
      [() => cache.set('', 1), 'key'],
      [() => cache.set(42 as never, 1), 'key'],
      [() => cache.set('k', () => 1), 'value'],
      [() => cache.set('k', Symbol('s')), 'value'],
      [() => cache.set('k', cyclic), 'value.self'],
      [() => cache.set('k', new (class Thing {})()), 'value'],
      [() => cache.set('k', undefined), 'value'],
      [() => cache.set('k', 1, 0), 'ttlSeconds'],
      [() => cache.set('k', 1, -5), 'ttlSeconds'],
      [() => cache.set('k', 1, Number.NaN), 'ttlSeconds'],
      [() => cache.set('k', 1, 1.5), 'ttlSeconds'],
      [() => cache.increment('k', 1.5), 'amount'],
      [() => cache.increment('k', Number.NaN), 'amount'],
      [() => cache.decrement('k', '2' as never), 'amount'],
      [() => cache.setHash('k', '', 1), 'field'],
      [() => cache.setWithList('k', [1, () => 2]), 'values[1]'],
      [() => cache.setTtl('k', 0), 'ttlSeconds'],
      [() => cache.keysMatching(''), 'pattern'],
      [() => cache.keysMatching('a[b'), 'pattern'],
      [() => cache.deletePattern('trailing\\'), 'pattern'],
      [() => cache.setMany({ a: 1, b: () => 2 }), 'entries.b'],
      [() => cache.getMany(['ok', ''] as string[]), 'keys[1]'],
    ];
    for (const [call, field] of bad) {
      const err = await call().then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, field).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).field, field).toBe(field);
    }
    expect(await cache.keysMatching('*')).toEqual([]);
  });

  if (engine.rawSet) {
    test('a value another client wrote reads back as its raw string', async () => {
      await engine.rawSet!(`${prefix}foreign`, '{"not": "ours"}');
      await engine.rawSet!(`${prefix}pickle`, "cos\nsystem\n(S'echo pwned'\ntR.");
      expect(await cache.get('foreign')).toBe('{"not": "ours"}');
      expect(await cache.get('pickle')).toBe("cos\nsystem\n(S'echo pwned'\ntR.");
    });
  }
}
