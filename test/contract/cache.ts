import { existsSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import { PickledValueError } from '../../src/cache/errors.js';
import { MemoryCache } from '../../src/cache/memory.js';
import type { CacheRepository } from '../../src/cache/types.js';
import { StorageError, ValidationError } from '../../src/domain/errors.js';

/** Another client's plain commands on full keys, as the platform's Python services issue them. */
export interface RawClient {
  set(fullKey: string, value: string | Buffer): Promise<void>;
  hset(fullKey: string, field: string, value: string | Buffer): Promise<void>;
  rpush(fullKey: string, ...values: (string | Buffer)[]): Promise<void>;
  get(fullKey: string): Promise<string | null>;
}

export interface CacheEngine {
  name: string;
  /** A cache over the engine's shared backend, in namespace `prefix`. */
  create(prefix: string): Promise<CacheRepository>;
  raw: RawClient;
  /** Moves the engine's clock on, where it has one; otherwise TTL tests wait in real time. */
  advance?(ms: number): void;
  dispose?(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * MemoryCache with its own raw writes (what its SET, HSET and RPUSH do) reachable: no other client
 * can write to it, so a fixture goes in through them as the exact bytes, and comes back as bytes,
 * just as Redis stores and hands back what a Python client wrote.
 */
class OpenMemoryCache extends MemoryCache {
  readonly raw: RawClient = {
    // Another client's SET has no expiry; a day outlives any test.
    set: (k, v) => this.rawSet(k, v, 86_400),
    hset: async (k, f, v) => {
      await this.rawHSet(k, [[f, v]]);
    },
    rpush: async (k, ...vs) => {
      for (const v of vs) await this.rawPush(k, v, false);
    },
    get: async (k) => (await this.rawGet(k))?.toString() ?? null,
  };
}

/**
 * The memory engine on a clock the tests move. Raw writes go to the cache whose namespace holds
 * the key, so a seeded Buffer is stored as the bytes Redis would hold and hand back.
 */
export function memoryEngine(): CacheEngine {
  let now = Date.now();
  const caches: OpenMemoryCache[] = [];
  const owner = (fullKey: string) =>
    caches.filter((c) => fullKey.startsWith(c.prefix)).sort((a, b) => b.prefix.length - a.prefix.length)[0] ??
    caches[0]!;
  return {
    name: 'memory',
    create: async (prefix) => {
      const cache = new OpenMemoryCache({ prefix, now: () => now });
      caches.push(cache);
      return cache;
    },
    raw: {
      set: (k, v) => owner(k).raw.set(k, v),
      hset: (k, f, v) => owner(k).raw.hset(k, f, v),
      rpush: (k, ...vs) => owner(k).raw.rpush(k, ...vs),
      get: (k) => owner(k).raw.get(k),
    },
    advance: (ms) => {
      now += ms;
    },
  };
}

// What the platform's Python cache stores, byte for byte: json.dumps (ensure_ascii=True, default
// separators) for str/int/float/bool/None, pickle.dumps(..., protocol=N) for everything else.
const PLATFORM_JSON: [string, unknown][] = [
  ['"hello"', 'hello'],
  ['42', 42],
  ['1.5', 1.5],
  ['true', true],
  ['false', false],
  ['null', null],
  [String.raw`"caf\u00e9"`, 'café'],
  [String.raw`"\ud83d\ude00"`, '😀'],
  ['[1, "a"]', [1, 'a']],
  ['{"a": 1}', { a: 1 }],
  ['{"$t": "date", "v": "2026-01-01T00:00:00Z"}', { $t: 'date', v: '2026-01-01T00:00:00Z' }],
  ['-0.0', -0],
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['-Infinity', Number.NEGATIVE_INFINITY],
  ['1152921504606846976', 2 ** 60], // 2**60: exactly a double
  ['9007199254740993', '9007199254740993'], // 2**53+1: no double holds it, so its exact text
];
const hex = (s: string) => Buffer.from(s, 'hex');
const PICKLES = {
  dict4: hex('8004950a000000000000007d948c0161944b01732e'), // {'a': 1}, protocol 4
  list4: hex('8004950b000000000000005d94284b018c016194652e'), // [1, 'a'], protocol 4
  dict2: hex('80027d710058010000006171014b01732e'), // {'a': 1}, protocol 2
  dict5: hex('8005950a000000000000007d948c0161944b01732e'), // {'a': 1}, protocol 5
};
// A class whose __reduce__ is (os.system, ('touch /tmp/trend-storage-pickle-ran',)), protocol 4:
// unpickling it runs that command.
const PICKLE_RAN = '/tmp/trend-storage-pickle-ran';
const EVIL_PICKLE = hex(
  '8004953e000000000000008c05706f736978948c0673797374656d9493948c23746f756368202f746d702f7472656e642d' +
    '73746f726167652d7069636b6c652d72616e94859452942e',
);
// Stored by the previous encoder (every value but a safe integer behind "\u0000ts1:").
const PREVIOUS_FORMAT: [string, unknown][] = [
  ['42', 42],
  ['\u0000ts1:"hello"', 'hello'],
  ['\u0000ts1:"42"', '42'],
  ['\u0000ts1:1.5', 1.5],
  ['\u0000ts1:{"$t":"num","v":"-0"}', -0],
  ['\u0000ts1:{"$t":"num","v":"NaN"}', Number.NaN],
  ['\u0000ts1:1152921504606847000', 2 ** 60],
  [
    '\u0000ts1:{"$t":"obj","v":{"a":1,"$t":"not a tag","nested":[true,null,{"$t":"undef"}]}}',
    { a: 1, $t: 'not a tag', nested: [true, null, undefined] },
  ],
  ['\u0000ts1:{"$t":"date","v":"2026-11-29T10:00:00.123Z"}', new Date('2026-11-29T10:00:00.123Z')],
  ['\u0000ts1:{"$t":"bigint","v":"123456789012345678901234567890"}', 123456789012345678901234567890n],
  [
    '\u0000ts1:{"$t":"map","v":[["k",1],[2,{"$t":"set","v":["x"]}]]}',
    new Map<unknown, unknown>([
      ['k', 1],
      [2, new Set(['x'])],
    ]),
  ],
  ['\u0000ts1:{"$t":"bytes","v":"AAH+/w=="}', new Uint8Array([0, 1, 254, 255])],
  ['\u0000ts1:{"$t":"buffer","v":"YmluAA=="}', Buffer.from('bin\u0000')],
];

/** The rejection of `p`, or null when it resolves. */
const rejection = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e,
  );

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

  test('get of a missing key is undefined, a stored null is null; exists and delete', async () => {
    expect(await cache.get('missing')).toBeUndefined();
    await cache.set('stored-null', null);
    expect(await cache.get('stored-null')).toBeNull();
    expect(await cache.exists('stored-null')).toBe(true);
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
    await cache.set('e', 1, { ttlSeconds: 10 });
    expect([9, 10]).toContain(await cache.getTtl('e'));
    await cache.increment('counter');
    expect(await cache.getTtl('counter')).toBe(-1);
    expect(await cache.getTtl('nope')).toBe(-2);
    expect(await cache.setTtl('counter', 100)).toBe(true);
    expect([99, 100]).toContain(await cache.getTtl('counter'));
    expect(await cache.setTtl('nope', 5)).toBe(false);
  });

  test('keys expire when their TTL runs out', async () => {
    await cache.set('short', 'v', { ttlSeconds: 1 });
    await cache.setWithList('shortlist', ['a'], { ttlSeconds: 1 });
    await cache.set('long', 'v', { ttlSeconds: 60 });
    if (engine.advance) engine.advance(1001);
    else await sleep(1300); // Redis's own clock: 300 ms past the expiry, however slow the calls were

    expect(await cache.get('short')).toBeUndefined();
    expect(await cache.exists('short')).toBe(false);
    expect(await cache.getTtl('short')).toBe(-2);
    expect(await cache.getList('shortlist')).toEqual([]);
    expect(await cache.keysMatching('*')).toEqual(['long']);
  });

  test('counters: increment, decrement, amounts; stored bare so INCR works on set values', async () => {
    expect(await cache.increment('c')).toBe(1);
    expect(await cache.increment('c', { by: 10 })).toBe(11);
    expect(await cache.decrement('c')).toBe(10);
    expect(await cache.decrement('c', { by: 15 })).toBe(-5);
    expect(await cache.get('c')).toBe(-5);
    await cache.set('n', 7);
    expect(await cache.increment('n', { by: 3 })).toBe(10);
    expect(await engine.raw.get(`${prefix}n`)).toBe('10');
  });

  test('misuse fails as Redis fails: not an integer, wrong type', async () => {
    await cache.set('s', 'text');
    await cache.setHash('h', { f: 1 });
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
    expect(await cache.getMany(['s', 'h', 'missing'])).toEqual(['text', undefined, undefined]);
    await cache.set('h', 'now a string'); // SET replaces a key of any type
    expect(await cache.get('h')).toBe('now a string');
  });

  test('hashes: set, get, get all, delete a field; an emptied hash is gone', async () => {
    expect(await cache.setHash('h', { a: { deep: [1] } })).toBe(1);
    expect(await cache.setHash('h', { a: 2 })).toBe(0);
    expect(await cache.setHash('h', { b: new Date(5), c: 'new' })).toBe(2);
    expect(await cache.getHash('h', 'a')).toBe(2);
    expect(await cache.getHash('h', 'zz')).toBeUndefined();
    expect(await cache.getAllHash('h')).toEqual({ a: 2, b: new Date(5), c: 'new' });
    expect(await cache.getAllHash('none')).toEqual({});
    expect(await cache.deleteHashField('h', 'a')).toBe(true);
    expect(await cache.deleteHashField('h', 'a')).toBe(false);
    expect(await cache.deleteHashField('h', 'b')).toBe(true);
    expect(await cache.deleteHashField('h', 'c')).toBe(true);
    expect(await cache.exists('h')).toBe(false);
  });

  test('lists: replace, read, push left and right, pop both ends', async () => {
    await cache.setWithList('l', ['b', 2, { c: 3 }]);
    expect(await cache.getList('l')).toEqual(['b', 2, { c: 3 }]);
    expect([3599, 3600]).toContain(await cache.getTtl('l'));
    expect(await cache.pushToList('l', 'end')).toBe(4);
    expect(await cache.pushToList('l', 'start', { side: 'left' })).toBe(5);
    expect(await cache.getList('l')).toEqual(['start', 'b', 2, { c: 3 }, 'end']);
    expect(await cache.popFromList('l')).toBe('end');
    expect(await cache.popFromList('l', { side: 'left' })).toBe('start');
    await cache.setWithList('l', ['only']);
    expect(await cache.getList('l')).toEqual(['only']);
    expect(await cache.popFromList('l')).toBe('only');
    expect(await cache.popFromList('l')).toBeUndefined();
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
    await cache.setMany({ a: 1, b: 'two', c: [3] }, { ttlSeconds: 50 });
    expect(await cache.getMany(['c', 'x', 'a', 'b'])).toEqual([[3], undefined, 1, 'two']);
    expect([49, 50]).toContain(await cache.getTtl('b'));
    expect(await cache.getMany([])).toEqual([]);
  });

  test('deleteMany: values, hashes and lists at once; a missing or repeated key counts once', async () => {
    await cache.setMany({ a: 1, b: 2 });
    await cache.setHash('h', { f: 1 });
    await cache.setWithList('l', [1, 2]);
    expect(await cache.deleteMany(['a', 'h', 'l', 'missing', 'a'])).toBe(3);
    expect(await cache.getMany(['a', 'b'])).toEqual([undefined, 2]);
    expect(await cache.exists('h')).toBe(false);
    expect(await cache.exists('l')).toBe(false);
    expect(await cache.deleteMany([])).toBe(0);
  });

  test('getOrSet loads once for concurrent misses, then serves the cached value', async () => {
    let calls = 0;
    const loader = async () => {
      calls++;
      await sleep(30);
      return { loaded: calls };
    };
    const results = await Promise.all(
      Array.from({ length: 10 }, () => cache.getOrSet('lazy', loader, { ttlSeconds: 60 })),
    );
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
      [() => cache.deleteMany(['k', '']), 'keys[1]'],
      [() => cache.deleteMany('k' as never), 'keys'],
      [() => cache.set(42 as never, 1), 'key'],
      [() => cache.set('k', () => 1), 'value'],
      [() => cache.set('k', Symbol('s')), 'value'],
      [() => cache.set('k', cyclic), 'value.self'],
      [() => cache.set('k', new (class Thing {})()), 'value'],
      [() => cache.set('k', undefined), 'value'],
      [() => cache.set('k', 1, { ttlSeconds: 0 }), 'options.ttlSeconds'],
      [() => cache.set('k', 1, { ttlSeconds: -5 }), 'options.ttlSeconds'],
      [() => cache.set('k', 1, 60 as never), 'options'],
      [() => cache.set('k', 1, { ttlSeconds: Number.NaN }), 'options.ttlSeconds'],
      [() => cache.set('k', 1, { ttlSeconds: 1.5 }), 'options.ttlSeconds'],
      [() => cache.increment('k', { by: 1.5 }), 'options.by'],
      [() => cache.increment('k', { by: Number.NaN }), 'options.by'],
      [() => cache.pushToList('k', 1, { side: 'top' as never }), 'options.side'],
      [() => cache.decrement('k', '2' as never), 'options'],
      [() => cache.decrement('k', { by: '2' as never }), 'options.by'],
      [() => cache.setHash('k', { '': 1 }), 'fields'],
      [() => cache.setHash('k', {}), 'fields'],
      [() => cache.setWithList('k', [1, () => 2]), 'values[1]'],
      [() => cache.setTtl('k', 0), 'ttlSeconds'],
      [() => cache.keysMatching(''), 'pattern'],
      [() => cache.keysMatching('a[b'), 'pattern'],
      [() => cache.deletePattern('trailing\\'), 'pattern'],
      [() => cache.setMany({ a: 1, b: () => 2 }), 'entries.b'],
      [() => cache.getMany(['ok', ''] as string[]), 'keys[1]'],
      // Keys and fields are text (Redis would take the bytes, but a lone surrogate is not UTF-8).
      [() => cache.set('a\u0000b', 1), 'key'],
      [() => cache.get('\ud800'), 'key'],
      [() => cache.getOrSet('x\udc00y', () => 1), 'key'],
      [() => cache.increment('\u0000'), 'key'],
      [() => cache.setHash('k', { 'f\u0000': 1 }), 'fields'],
      [() => cache.getHash('k', '\udfff'), 'field'],
      [() => cache.deleteHashField('k', '\u0000'), 'field'],
      [() => cache.getMany(['a', 'b', 'c', 'd\ud83d']), 'keys[3]'],
      [() => cache.setMany({ ok: 1, 'b\u0000': 2 }), 'entries'],
      [() => cache.keysMatching('a\u0000*'), 'pattern'],
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

  test('a JSON value is stored as plain JSON text, readable by any JSON client', async () => {
    const plain: [unknown, string][] = [
      [{ title: 'x', tags: ['a'] }, '{"title":"x","tags":["a"]}'],
      ['hello', '"hello"'],
      ['', '""'],
      ['café 🙂', '"café 🙂"'],
      [42, '42'],
      [-7, '-7'],
      [1.5, '1.5'],
      [2 ** 60, '1152921504606847000'],
      [true, 'true'],
      [null, 'null'],
      [[1, 'a', null, [true]], '[1,"a",null,[true]]'],
      [{ a: undefined, b: 1 }, '{"b":1}'], // an undefined property is left out, as JSON.stringify does
      [{ $t: 'date', v: 'x' }, '{"$t":"date","v":"x"}'], // tags mean something only in an envelope
    ];
    for (const [value, text] of plain) {
      await cache.set('k', value);
      expect(await engine.raw.get(`${prefix}k`), text).toBe(text);
      expect(await cache.get('k'), text).toEqual(value);
    }
  });

  test('a value JSON cannot carry is one JSON envelope object, and round-trips', async () => {
    const enveloped: [unknown, string][] = [
      [new Date('2026-11-29T10:00:00.123Z'), '{"$trend":1,"v":{"$t":"date","v":"2026-11-29T10:00:00.123Z"}}'],
      [
        { when: new Date(1), n: 1, inner: { $t: 'mine' } },
        '{"$trend":1,"v":{"when":{"$t":"date","v":"1970-01-01T00:00:00.001Z"},"n":1,"inner":{"$t":"obj","v":{"$t":"mine"}}}}',
      ],
      [-0, '{"$trend":1,"v":{"$t":"num","v":"-0"}}'],
      [Number.NaN, '{"$trend":1,"v":{"$t":"num","v":"NaN"}}'],
      [12n, '{"$trend":1,"v":{"$t":"bigint","v":"12"}}'],
      [[1, undefined], '{"$trend":1,"v":[1,{"$t":"undef"}]}'],
      [Buffer.from('hi'), '{"$trend":1,"v":{"$t":"buffer","v":"aGk="}}'],
      [new Uint8Array([1]), '{"$trend":1,"v":{"$t":"bytes","v":"AQ=="}}'],
      [new Set(['a']), '{"$trend":1,"v":{"$t":"set","v":["a"]}}'],
      [new Map([['k', 1]]), '{"$trend":1,"v":{"$t":"map","v":[["k",1]]}}'],
      // A caller's object shaped like the envelope is itself enveloped, so it reads back as itself.
      [{ $trend: 1, v: 2 }, '{"$trend":1,"v":{"$trend":1,"v":2}}'],
      [{ $trend: 'x' }, '{"$trend":1,"v":{"$trend":"x"}}'],
    ];
    for (const [value, text] of enveloped) {
      await cache.set('k', value);
      expect(await engine.raw.get(`${prefix}k`), text).toBe(text);
      const back = await cache.get('k');
      expect(back, text).toEqual(value);
      if (typeof value === 'number') expect(Object.is(back, value), text).toBe(true);
      if (value instanceof Uint8Array) expect(Buffer.isBuffer(back), text).toBe(Buffer.isBuffer(value));
    }
  });

  test("the platform's json.dumps values read back decoded, wherever they are stored", async () => {
    for (const [i, [text, value]] of PLATFORM_JSON.entries()) {
      await engine.raw.set(`${prefix}py${i}`, Buffer.from(text)); // ASCII: ensure_ascii escapes the rest
      const back = await cache.get(`py${i}`);
      expect(back, text).toEqual(value);
      if (typeof value === 'number') expect(Object.is(back, value), text).toBe(true);
    }
    expect(await cache.exists(`py${PLATFORM_JSON.findIndex(([t]) => t === 'null')}`)).toBe(true);
    expect(await cache.getMany(['py0', 'py1', 'missing'])).toEqual(['hello', 42, undefined]);
    await engine.raw.hset(`${prefix}h`, 'f', Buffer.from('"caf\\u00e9"'));
    await engine.raw.rpush(`${prefix}l`, Buffer.from('"hello"'), Buffer.from('{"a": 1}'));
    expect(await cache.getAllHash('h')).toEqual({ f: 'café' });
    expect(await cache.getHash('h', 'f')).toBe('café');
    expect(await cache.getList('l')).toEqual(['hello', { a: 1 }]);
    expect(await cache.popFromList('l', { side: 'left' })).toBe('hello');
  });

  test('text that is neither JSON nor ours reads back as the raw string', async () => {
    for (const text of ['hello', "cos\nsystem\n(S'echo pwned'\ntR.", '{"unclosed": ', '007', 'NaNa', '']) {
      await engine.raw.set(`${prefix}foreign`, text);
      expect(await cache.get('foreign'), text).toBe(text);
    }
  });

  test('a pickle is never unpickled: PickledValueError names the key and keeps the bytes', async () => {
    rmSync(PICKLE_RAN, { force: true });
    const expectPickle = async (read: Promise<unknown>, bytes: Buffer, key: string, part?: string) => {
      const err = await rejection(read);
      expect(err, key).toBeInstanceOf(PickledValueError);
      const e = err as PickledValueError;
      expect(e.key).toBe(key);
      expect(e.bytes.equals(bytes), `${key}: the exact bytes`).toBe(true);
      expect(e.message).toContain(`"${key}"`);
      if (part) expect(e.message).toContain(part);
    };
    for (const [name, bytes] of Object.entries({ ...PICKLES, evil: EVIL_PICKLE })) {
      await engine.raw.set(`${prefix}${name}`, bytes);
      await expectPickle(cache.get(name), bytes, name);
    }
    expect((await rejection(cache.get('dict4'))) as Error).toMatchObject({
      message: expect.stringContaining('protocol 4'),
    });
    expect((await rejection(cache.get('dict2'))) as Error).toMatchObject({
      message: expect.stringContaining('protocol 2'),
    });
    let loaded = false;
    await expectPickle(
      cache.getOrSet('evil', () => {
        loaded = true;
        return 1;
      }),
      EVIL_PICKLE,
      'evil',
    );
    expect(loaded, 'getOrSet does not overwrite what another service stored').toBe(false);
    expect(existsSync(PICKLE_RAN), 'the pickle never ran').toBe(false);

    // One pickle among other values fails the whole read, naming where it is.
    await cache.set('ok', 1);
    await expectPickle(cache.getMany(['ok', 'list4', 'missing']), PICKLES.list4, 'list4');
    await engine.raw.hset(`${prefix}h`, 'good', '1');
    await engine.raw.hset(`${prefix}h`, 'bad', PICKLES.dict4);
    await expectPickle(cache.getHash('h', 'bad'), PICKLES.dict4, 'h', 'field "bad"');
    expect(await cache.getHash('h', 'good')).toBe(1);
    await expectPickle(cache.getAllHash('h'), PICKLES.dict4, 'h', 'field "bad"');
    await engine.raw.rpush(`${prefix}l`, '"a"', PICKLES.list4, EVIL_PICKLE);
    await expectPickle(cache.getList('l'), PICKLES.list4, 'l', 'element 1');
    // A pop takes the element off the list whatever it holds; its bytes travel on the error.
    await expectPickle(cache.popFromList('l'), EVIL_PICKLE, 'l');
    await expectPickle(cache.popFromList('l'), PICKLES.list4, 'l');
    expect(await cache.getList('l')).toEqual(['a']);
    expect(existsSync(PICKLE_RAN), 'the pickle never ran').toBe(false);
  });

  test('values stored in the previous format still read back exactly', async () => {
    for (const [i, [text, value]] of PREVIOUS_FORMAT.entries()) {
      await engine.raw.set(`${prefix}old${i}`, text);
      const back = await cache.get(`old${i}`);
      expect(back, text).toEqual(value);
      if (typeof value === 'number') expect(Object.is(back, value), text).toBe(true);
      if (value instanceof Uint8Array) expect(Buffer.isBuffer(back), text).toBe(Buffer.isBuffer(value));
    }
    await engine.raw.hset(`${prefix}h`, 'f', '\u0000ts1:{"$t":"date","v":"1970-01-01T00:00:00.005Z"}');
    await engine.raw.rpush(`${prefix}l`, '\u0000ts1:{"$t":"bigint","v":"5"}', '7');
    expect(await cache.getAllHash('h')).toEqual({ f: new Date(5) });
    expect(await cache.getList('l')).toEqual([5n, 7]);
  });

  test('getOrSet: a delete or set during the load wins; the waiting callers still get the loaded value', async () => {
    const load = (key: string) => {
      let release!: () => void;
      let started!: () => void;
      const running = new Promise<void>((r) => {
        started = r;
      });
      const gate = new Promise<void>((r) => {
        release = r;
      });
      const result = cache.getOrSet(key, async () => {
        started();
        await gate;
        return 'loaded';
      });
      return { result, running, release };
    };

    const a = load('a');
    await a.running;
    const joined = cache.getOrSet('a', () => 'second loader');
    await cache.set('a', 'newer');
    const after = cache.getOrSet('a', () => 'third loader');
    a.release();
    expect(await a.result).toBe('loaded');
    expect(await joined).toBe('loaded');
    expect(await after, 'a call after the set reads the set').toBe('newer');
    expect(await cache.get('a')).toBe('newer');

    const b = load('b');
    await b.running;
    await cache.delete('b');
    b.release();
    expect(await b.result).toBe('loaded');
    expect(await cache.exists('b')).toBe(false);

    const c = load('c');
    await c.running;
    await cache.deletePattern('c*');
    c.release();
    expect(await c.result).toBe('loaded');
    expect(await cache.exists('c')).toBe(false);

    const d = load('d');
    await d.running;
    d.release();
    expect(await d.result).toBe('loaded');
    expect(await cache.get('d'), 'without a write in between, the load is stored').toBe('loaded');
  });
}
