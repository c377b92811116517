import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { describeDatabase, loadEnv, resolveConfig } from '../src/config.js';
import { ConnectionError, type StorageError, ValidationError } from '../src/domain/errors.js';
import { createStorage } from '../src/storage.js';
import { describeServer } from './support/engines.js';

const SECRET = 's3cr3t-P@ss';

test('nothing configured → embedded PGlite in ./.trend-data', () => {
  expect(resolveConfig({ env: {} }).database).toEqual({ kind: 'embedded', dataDir: '.trend-data' });
  expect(resolveConfig({ env: { TREND_DATA_DIR: '/tmp/x' } }).database).toEqual({
    kind: 'embedded',
    dataDir: '/tmp/x',
  });
});

test('DATABASE_URL wins over POSTGRES_*, with the platform defaults filled in', () => {
  const config = resolveConfig({
    env: {
      DATABASE_URL: `postgres://app:${SECRET}@db.example:6543/prod?sslmode=require`,
      POSTGRES_HOST: 'other',
    },
  }).database;
  expect(config).toMatchObject({
    kind: 'postgres',
    host: 'db.example',
    port: 6543,
    database: 'prod',
    user: 'app',
    password: SECRET,
    ssl: { rejectUnauthorized: false },
    poolMin: 10,
    poolMax: 20,
  });
  expect(describeDatabase(config)).toBe('postgres://app:****@db.example:6543/prod');
});

test('POSTGRES_* variables use the platform defaults (trends, trend_user, 5432)', () => {
  expect(resolveConfig({ env: { POSTGRES_HOST: 'h', POSTGRES_POOL_MAX: '30' } }).database).toMatchObject({
    kind: 'postgres',
    host: 'h',
    port: 5432,
    database: 'trends',
    user: 'trend_user',
    poolMax: 30,
  });
});

test('explicit options win over the environment', () => {
  const c = resolveConfig({ dataDir: null, env: { DATABASE_URL: 'postgres://x@y/z' } });
  expect(c.database).toEqual({ kind: 'embedded', dataDir: null });
});

test('precedence is per setting: choosing the database never hides REDIS_* or QDRANT_*', () => {
  const env = { REDIS_URL: 'redis://cache.example:6380', QDRANT_URL: 'http://vectors.example:6333' };
  for (const options of [
    { databaseUrl: 'postgres://u@db.example/x' },
    { dataDir: null },
    { dataDir: '/tmp/d' },
  ]) {
    const c = resolveConfig({ ...options, env });
    expect(c.cache, JSON.stringify(options)).toMatchObject({ kind: 'redis', url: env.REDIS_URL });
    expect(c.vector, JSON.stringify(options)).toMatchObject({ kind: 'qdrant', url: env.QDRANT_URL });
  }
  // An explicit option still wins over the environment for its own setting.
  const c = resolveConfig({ dataDir: null, redis: false, qdrant: { url: 'http://mine:1' }, env });
  expect(c.cache.kind).toBe('memory');
  expect(c.vector).toMatchObject({ kind: 'qdrant', url: 'http://mine:1' });
});

test('pool and timeout settings resolve one by one, whichever place named the server', () => {
  const env = { POSTGRES_STATEMENT_TIMEOUT_MS: '1234', POSTGRES_POOL_MAX: '7' };
  expect(resolveConfig({ databaseUrl: 'postgres://u@h/db', env }).database).toMatchObject({
    statementTimeoutMs: 1234,
    poolMax: 7,
  });
  expect(
    resolveConfig({ databaseUrl: 'postgres://u@h/db', postgres: { poolMax: 3 }, env }).database,
  ).toMatchObject({ statementTimeoutMs: 1234, poolMax: 3 });
  // `postgres` without a host tunes the server the environment names.
  expect(
    resolveConfig({ postgres: { poolMax: 5 }, env: { DATABASE_URL: 'postgres://u@envhost/db' } }).database,
  ).toMatchObject({ host: 'envhost', poolMax: 5 });
  expect(() =>
    resolveConfig({ databaseUrl: 'postgres://u@h/db', env: { POSTGRES_POOL_MAX: 'abc' } }),
  ).toThrow(ValidationError);
});

test('a number variable that is not a number is refused at startup, by name', async () => {
  for (const [name, value] of [
    ['CACHE_DEFAULT_TTL', 'abc'],
    ['CACHE_DEFAULT_TTL', '0'],
    ['CACHE_MAX_ENTRIES', '1e5'],
    ['POSTGRES_POOL_MAX', 'twenty'],
    ['POSTGRES_PORT', '54 32'],
    ['REDIS_PORT', '-1'],
    ['REDIS_PORT', '99999'],
    ['POSTGRES_PORT', '70000'],
    ['CACHE_DEFAULT_TTL', '99999999999999999999'],
  ] as const) {
    const env = { POSTGRES_HOST: 'h', ...(name === 'REDIS_PORT' ? { REDIS_HOST: 'r' } : {}), [name]: value };
    let err: unknown;
    try {
      resolveConfig({ env });
    } catch (e) {
      err = e;
    }
    expect(err, `${name}=${value}`).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).field, `${name}=${value}`).toMatch(new RegExp(`${name}|cacheTtlSeconds`));
  }
  const opened = await createStorage({ dataDir: null, env: { CACHE_DEFAULT_TTL: 'abc' } }).catch(
    (e: unknown) => e,
  );
  expect(opened).toBeInstanceOf(ValidationError);
  expect(resolveConfig({ env: { CACHE_DEFAULT_TTL: '60' } }).cache.defaultTtlSeconds).toBe(60);
});

test('a .env file is honoured, and process.env wins over it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ts-env-'));
  writeFileSync(join(dir, '.env'), 'POSTGRES_HOST=from-file\nTREND_ENV_PROBE=file\n');
  process.env.TREND_ENV_PROBE = 'process';
  try {
    const env = loadEnv(dir);
    expect(env.POSTGRES_HOST).toBe('from-file');
    expect(env.TREND_ENV_PROBE).toBe('process');
  } finally {
    delete process.env.TREND_ENV_PROBE;
  }
});

test('an IPv6 literal in a URL is the host without its brackets (a driver looks up "[::1]" as a name)', () => {
  const c = resolveConfig({ databaseUrl: 'postgres://u@[::1]:6543/db', env: {} }).database;
  expect(c.kind === 'postgres' && [c.host, c.port]).toEqual(['::1', 6543]);
});

/** What `fn` throws (undefined when it returns). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

test('a malformed URL is a ValidationError that does not echo the password', () => {
  for (const url of [`postgres://u:${SECRET}@host:notaport/db`, `mysql://u:${SECRET}@h/db`, `::${SECRET}`]) {
    const err = thrown(() => resolveConfig({ env: { DATABASE_URL: url } }));
    expect(err, url).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).field).toBe('DATABASE_URL');
    expect(String((err as Error).message)).not.toContain(SECRET);
  }
  // A `%` that starts no escape passes the URL parser; decoding it threw a bare URIError.
  for (const url of [
    `postgres://u:${SECRET}%zz@h/db`,
    `postgres://u%zz:${SECRET}@h/db`,
    `postgres://u:${SECRET}@h/d%zzb`,
  ]) {
    for (const [options, field] of [
      [{ env: { DATABASE_URL: url } }, 'DATABASE_URL'],
      [{ databaseUrl: url, env: {} }, 'databaseUrl'],
    ] as const) {
      const err = thrown(() => resolveConfig(options));
      expect(err, url).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).field).toBe(field);
      expect((err as ValidationError).rule).toMatch(/%XX escape/);
      expect(String((err as Error).message)).not.toContain(SECRET);
    }
  }
  // The same in a Redis URL failed later, inside ioredis, with the bare URIError.
  for (const [options, field] of [
    [{ env: { REDIS_URL: `redis://:${SECRET}%zz@h:6379` } }, 'REDIS_URL'],
    [{ redis: { url: `redis://u%zz:${SECRET}@h:6379` }, env: {} }, 'redis.url'],
  ] as const) {
    const err = thrown(() => resolveConfig(options));
    expect(err, field).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).field).toBe(field);
    expect(String((err as Error).message)).not.toContain(SECRET);
  }
  expect(() => resolveConfig({ env: { POSTGRES_HOST: 'h', POSTGRES_PORT: '70000' } })).toThrow(
    /POSTGRES_PORT/,
  );
  expect(() => resolveConfig({ env: { POSTGRES_HOST: 'h', POSTGRES_SSLMODE: 'sometimes' } })).toThrow(
    ValidationError,
  );
});

async function failure(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a failure');
}

function expectNoSecret(err: unknown): void {
  const seen = new Set<unknown>();
  for (let e: unknown = err; e && !seen.has(e); e = (e as Error).cause) {
    seen.add(e);
    expect(String((e as Error).message)).not.toContain(SECRET);
    expect(String((e as Error).stack)).not.toContain(SECRET);
  }
}

test('an unreachable host is a ConnectionError within the connect timeout, without the password', async () => {
  const started = Date.now();
  const err = await failure(() =>
    createStorage({
      databaseUrl: `postgres://u:${SECRET}@127.0.0.1:1/db`,
      postgres: { connectTimeoutMs: 2000 },
    }),
  );
  expect(err).toBeInstanceOf(ConnectionError);
  expect((err as Error).message).toMatch(/could not connect to postgres:\/\/u@127\.0\.0\.1:1\/db/);
  expectNoSecret(err);
  expect(Date.now() - started).toBeLessThan(10_000);
});

describeServer('authentication failures (server)', () => {
  test('an unknown role is a ConnectionError that names no password', async () => {
    const url = new URL(process.env.TREND_TEST_DATABASE_URL!);
    url.username = 'ts_no_such_role';
    url.password = SECRET;
    const err = await failure(() => createStorage({ databaseUrl: url.toString(), autoMigrate: false }));
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as StorageError).code).toMatch(/^28/);
    expectNoSecret(err);
  });

  test('a wrong password is a ConnectionError that names no password', async (ctx) => {
    // Needs a password-checked role: .ci/run adds one (TREND_TEST_PASSWORD_URL); trust auth cannot refuse.
    const good = process.env.TREND_TEST_PASSWORD_URL;
    if (!good) {
      console.log('SKIPPED: wrong-password test — TREND_TEST_PASSWORD_URL is not set');
      ctx.skip();
      return;
    }
    const url = new URL(good);
    url.password = SECRET;
    const err = await failure(() => createStorage({ databaseUrl: url.toString(), autoMigrate: false }));
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as StorageError).code).toBe('28P01');
    expectNoSecret(err);
  });
});
