// Cache: the memory engine, and the Redis engine against raw ioredis (auto-pipelined) and
// redis-benchmark -P 16 as the ceiling.
import { execFileSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { MemoryCache } from '../src/cache/memory.js';
import { RedisCache } from '../src/cache/redis.js';
import { type Load, load3, paired } from './lib.js';

export const REDIS_URL = process.env.TREND_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface CacheResult {
  engine: string;
  op: 'get' | 'set';
  concurrency: number;
  layer: Load;
  raw?: Load;
  ratio?: number;
}

export async function cache(
  total: number,
  runs: number,
): Promise<{ results: CacheResult[]; ceiling?: Record<string, number> }> {
  const results: CacheResult[] = [];
  const memory = new MemoryCache({ prefix: 'bench:' });
  await memory.set('k', 'value-0123456789');
  for (const concurrency of [1, 100]) {
    results.push({
      engine: 'memory',
      op: 'get',
      concurrency,
      layer: await load3(runs, total * 10, concurrency, () => memory.get('k')),
    });
    results.push({
      engine: 'memory',
      op: 'set',
      concurrency,
      layer: await load3(runs, total * 5, concurrency, (i) =>
        memory.set(`k${i % 1000}`, i, { ttlSeconds: 60 }),
      ),
    });
  }

  let layer: RedisCache;
  try {
    layer = await RedisCache.connect({ url: REDIS_URL, prefix: `bench${process.pid}:` });
  } catch (err) {
    console.log(`redis benchmarks skipped: ${(err as Error).message}`);
    return { results };
  }
  const raw = new Redis(REDIS_URL, { enableAutoPipelining: true });
  const prefix = `bench${process.pid}:`;
  const value = 'value-0123456789';
  await layer.set('k', value, { ttlSeconds: 600 });
  for (const concurrency of [1, 100]) {
    const n = concurrency === 1 ? total : total * 5;
    const [lg, rg] = await paired(
      runs,
      n,
      concurrency,
      () => layer.get('k'),
      () => raw.get(`${prefix}k`),
    );
    results.push({
      engine: 'redis',
      op: 'get',
      concurrency,
      layer: lg,
      raw: rg,
      ratio: lg.opsPerSec / rg.opsPerSec,
    });
    const [ls, rs] = await paired(
      runs,
      n,
      concurrency,
      (i) => layer.set(`s${i % 1000}`, value, { ttlSeconds: 600 }),
      (i) => raw.set(`${prefix}s${i % 1000}`, JSON.stringify(value), 'EX', 600),
    );
    results.push({
      engine: 'redis',
      op: 'set',
      concurrency,
      layer: ls,
      raw: rs,
      ratio: ls.opsPerSec / rs.opsPerSec,
    });
  }
  await layer.flush();
  await layer.close();
  raw.disconnect();

  let ceiling: Record<string, number> | undefined;
  try {
    const u = new URL(REDIS_URL);
    const out = execFileSync(
      'redis-benchmark',
      ['-h', u.hostname, '-p', u.port || '6379', '-P', '16', '-t', 'get,set', '-n', String(total * 10), '-q'],
      {
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    ceiling = Object.fromEntries(
      [...out.matchAll(/^(GET|SET): ([\d.]+) requests per second/gm)].map((m) => [
        m[1]!.toLowerCase(),
        Number(m[2]),
      ]),
    );
  } catch (err) {
    console.log(`redis-benchmark not run: ${(err as Error).message.split('\n')[0]}`);
  }
  return { results, ceiling };
}
