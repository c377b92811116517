// Random sequences of operations applied to the memory engine and to Redis: the same result
// (or the same error) at every step. This is the proof that the embedded default and the
// server behave alike.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MemoryCache } from '../src/cache/memory.js';
import { RedisCache } from '../src/cache/redis.js';
import type { CacheRepository } from '../src/cache/types.js';
import type { StorageError } from '../src/domain/errors.js';
import { REDIS_URL, testPrefix } from './support/redis.js';

const RUNS = Number(process.env.TREND_PROPERTY_RUNS ?? 200);
const key = fc.constantFrom('a', 'b', 'c', 'ab', 'ba', 'a1', 'x:y');
const field = fc.constantFrom('f', 'g', 'h');
const value = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }),
  fc.string({ maxLength: 8 }),
  fc.double({ noNaN: false }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.constantFrom('p', 'q'), fc.integer(), { maxKeys: 2 }),
  fc.date({ noInvalidDate: true }),
  fc.bigInt(),
);
const pattern = fc.constantFrom('*', 'a*', '?', '[ab]*', '[^a]*', 'a?', '*b', 'x\\:y', '[a-b]?');

type Op = { name: string; run(c: CacheRepository): Promise<unknown> };
const op = <A extends unknown[]>(
  name: string,
  args: fc.Arbitrary<A>,
  run: (c: CacheRepository, ...a: A) => Promise<unknown>,
) =>
  args.map(
    (a): Op => ({
      name: `${name}(${a.map((x) => JSON.stringify(x, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))).join(', ')})`,
      run: (c) => run(c, ...a),
    }),
  );

const ops = fc.oneof(
  op('get', fc.tuple(key), (c, k) => c.get(k)),
  op('set', fc.tuple(key, value), (c, k, v) => c.set(k, v, { ttlSeconds: 100 })),
  op('delete', fc.tuple(key), (c, k) => c.delete(k)),
  op('exists', fc.tuple(key), (c, k) => c.exists(k)),
  op('increment', fc.tuple(key, fc.integer({ min: -50, max: 50 })), (c, k, n) => c.increment(k, { by: n })),
  op('decrement', fc.tuple(key, fc.integer({ min: -50, max: 50 })), (c, k, n) => c.decrement(k, { by: n })),
  op('getHash', fc.tuple(key, field), (c, k, f) => c.getHash(k, f)),
  op('setHash', fc.tuple(key, field, value), (c, k, f, v) => c.setHash(k, { [f]: v })),
  op('getAllHash', fc.tuple(key), (c, k) => c.getAllHash(k)),
  op('deleteHashField', fc.tuple(key, field), (c, k, f) => c.deleteHashField(k, f)),
  op('setWithList', fc.tuple(key, fc.array(value, { maxLength: 3 })), (c, k, v) =>
    c.setWithList(k, v, { ttlSeconds: 100 }),
  ),
  op('getList', fc.tuple(key), (c, k) => c.getList(k)),
  op('pushToList', fc.tuple(key, value, fc.boolean()), (c, k, v, l) =>
    c.pushToList(k, v, { side: l ? 'left' : 'right' }),
  ),
  op('popFromList', fc.tuple(key, fc.boolean()), (c, k, l) =>
    c.popFromList(k, { side: l ? 'left' : 'right' }),
  ),
  op('getTtl', fc.tuple(key), (c, k) => c.getTtl(k)),
  op('setTtl', fc.tuple(key, fc.integer({ min: 1, max: 1000 })), (c, k, t) => c.setTtl(k, t)),
  op('keysMatching', fc.tuple(pattern), (c, p) => c.keysMatching(p)),
  op('deletePattern', fc.tuple(pattern), (c, p) => c.deletePattern(p)),
  op('getMany', fc.tuple(fc.array(key, { maxLength: 3 })), (c, ks) => c.getMany(ks)),
  op('deleteMany', fc.tuple(fc.array(key, { maxLength: 3 })), (c, ks) => c.deleteMany(ks)),
  op('flush', fc.tuple(), (c) => c.flush()),
);

/** A result or the error's kind and code, comparable across engines. */
async function outcome(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    return { ok: await fn() };
  } catch (err) {
    return { error: (err as StorageError).name, code: (err as StorageError).code };
  }
}

if (REDIS_URL) {
  describe('memory and Redis agree step by step', () => {
    let redis: RedisCache;
    beforeAll(async () => {
      redis = await RedisCache.connect({ url: REDIS_URL, prefix: testPrefix('diff') });
    });
    afterAll(async () => {
      await redis?.flush();
      await redis?.close();
    });

    test(`${RUNS} random operation sequences`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(ops, { minLength: 1, maxLength: 30 }), async (sequence) => {
          const memory = new MemoryCache();
          await redis.flush();
          for (const [i, step] of sequence.entries()) {
            const expected = await outcome(() => step.run(redis));
            const actual = await outcome(() => step.run(memory));
            expect(actual, `step ${i}: ${step.name}`).toEqual(expected);
          }
        }),
        { numRuns: RUNS, verbose: 1 },
      );
    }, 300_000);
  });
} else {
  console.log('SKIPPED: cache differential test (memory vs Redis) — TREND_TEST_REDIS_URL is not set');
  describe.skip('memory and Redis agree step by step (TREND_TEST_REDIS_URL not set)', () => undefined);
}
