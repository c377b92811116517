// `stats` shows the connection pool and the cache's hit figures; `verify --json` the server and
// extension versions — on the embedded default, and on PostgreSQL and Redis when their URLs are set.
import { describe, expect, test, vi } from 'vitest';
import { embeddedEnv, run } from './support/cli.js';
import { createServerDatabase, SERVER_URL } from './support/engines.js';
import { REDIS_URL, testPrefix } from './support/redis.js';

vi.setConfig({ testTimeout: 180_000 });

const VERSION = /^\d+\.\d+/;

test('embedded: stats shows the one connection and the in-memory cache; verify --json the versions', async () => {
  const env = embeddedEnv();
  expect((await run(['migrate'], env)).code).toBe(0);
  const stats = await run(['--json', 'stats'], env);
  expect(stats.code, stats.stderr).toBe(0);
  const doc = JSON.parse(stats.stdout);
  expect(doc.pool).toEqual({ engine: 'pglite', max: 1, total: 1, idle: 1, used: 0, pending: 0 });
  expect(doc.cache).toMatchObject({
    engine: 'in-memory cache',
    keys: 0,
    hits: 0,
    misses: 0,
    hitRatio: null,
    scope: 'process',
  });
  const human = await run(['stats'], env);
  expect(human.stdout).toContain('connection: embedded, one connection idle, 0 queued');
  expect(human.stdout).toMatch(
    /cache: in-memory cache, 0 keys, hit ratio — \(0 hits, 0 misses; this process's in-memory cache\)/,
  );

  const verify = await run(['--json', 'verify'], env);
  expect(verify.code, verify.stdout).toBe(0);
  const { versions } = JSON.parse(verify.stdout);
  expect(versions.postgresql).toMatch(VERSION);
  expect(versions.extensions).toMatchObject({
    plpgsql: expect.stringMatching(VERSION),
    'uuid-ossp': expect.any(String),
  });
  expect(versions.redis).toBeUndefined();
});

const servers = SERVER_URL && REDIS_URL;
if (!servers)
  console.log(
    'SKIPPED: stats and verify on servers — TREND_TEST_DATABASE_URL and TREND_TEST_REDIS_URL are not both set',
  );
describe.skipIf(!servers)('on PostgreSQL and Redis', () => {
  test('stats shows the pool and Redis INFO hit ratio; verify --json has PostgreSQL, extension and Redis versions', async () => {
    const { url, drop } = await createServerDatabase();
    try {
      const env = embeddedEnv({
        DATABASE_URL: url,
        REDIS_URL: REDIS_URL!,
        CACHE_PREFIX: testPrefix('cli_obs'),
        POSTGRES_POOL_MAX: '3',
      });
      expect((await run(['migrate'], env)).code).toBe(0);
      const stats = await run(['--json', 'stats'], env);
      expect(stats.code, stats.stderr).toBe(0);
      const doc = JSON.parse(stats.stdout);
      expect(doc.pool).toMatchObject({ engine: 'postgres', max: 3, used: 0, pending: 0 });
      expect(doc.pool.total).toBeGreaterThanOrEqual(1);
      expect(doc.cache.scope).toBe('server');
      expect(doc.cache.hits + doc.cache.misses).toBeGreaterThanOrEqual(0);
      if (doc.cache.hits + doc.cache.misses > 0) expect(doc.cache.hitRatio).toBeGreaterThanOrEqual(0);
      const human = await run(['stats'], env);
      expect(human.stdout).toMatch(/connection pool: 0 used, \d+ idle, 0 waiting \(\d+ open, max 3\)/);
      expect(human.stdout).toMatch(/hit ratio (\d+\.\d%|—) \([\d,]+ hits, [\d,]+ misses; Redis INFO/);

      const verify = await run(['--json', 'verify'], env);
      const report = JSON.parse(verify.stdout);
      expect(report.versions.postgresql).toMatch(VERSION);
      expect(report.versions.extensions.plpgsql).toMatch(VERSION);
      expect(report.versions.redis).toMatch(VERSION);
    } finally {
      await drop();
    }
  });
});
