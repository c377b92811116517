// The CLI's vector path on the machine's PostgreSQL, both ways: on a database whose owner may not
// create pgvector (whether or not the server has it), and — when the server has pgvector — with
// vectors stored, counted and deleted on it. The built binary, driven as a child process.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { embeddedEnv, type Run, run } from './support/cli.js';
import { createServerDatabase, describeServer, SERVER_URL } from './support/engines.js';
import { REDIS_URL } from './support/redis.js';
import { serverHasPgvector } from './support/vector-engines.js';

vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const ITEMS = 200;

/** A client on `url`, closed after `fn`. */
async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

const json = (r: Run) => {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};

type Check = { name: string; ok: boolean; detail: string };
const checksByName = (r: Run): Record<string, Check> =>
  Object.fromEntries((JSON.parse(r.stdout).checks as Check[]).map((c) => [c.name, c]));

describeServer('the CLI where pgvector cannot be created (a database owner without the privilege)', () => {
  // pgvector's control file does not mark it trusted: only a superuser may create it, so the owner
  // of a database cannot, whether or not the server has pgvector installed.
  const role = `ts_nopgv_${process.pid}_${randomBytes(3).toString('hex')}`;
  let url: string;
  let refusal: string;
  let verify: Run;
  let demo: Run;

  beforeAll(async () => {
    if (!REDIS_URL) throw new Error('TREND_TEST_REDIS_URL must be set with TREND_TEST_DATABASE_URL');
    await withClient(SERVER_URL!, async (admin) => {
      await admin.query(`CREATE ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE`);
      await admin.query(`CREATE DATABASE ${role} OWNER ${role}`);
    });
    const u = new URL(SERVER_URL!);
    u.username = role;
    u.password = '';
    u.pathname = `/${role}`;
    url = u.toString();
    // The premise, checked rather than assumed: this owner's CREATE EXTENSION vector fails.
    refusal = await withClient(url, async (c) => {
      const err = await c.query('CREATE EXTENSION vector').then(
        () => null,
        (e: Error) => e.message,
      );
      if (err === null) throw new Error(`${role} could create pgvector: the test has no database without it`);
      return err;
    });
    const env = embeddedEnv({ DATABASE_URL: url, REDIS_URL, CACHE_PREFIX: `ts_cli_nopgv_${process.pid}:` });
    const migrated = await run(['migrate'], env);
    expect(migrated.code, migrated.stderr).toBe(0);
    verify = await run(['--json', 'verify'], env);
    demo = await run(['demo', '--items', String(ITEMS)], env);
    await run(['demo', '--reset', '--items', String(ITEMS)], env); // its cache keys off the shared Redis
  });

  afterAll(async () => {
    await withClient(SERVER_URL!, async (admin) => {
      await admin.query(`DROP DATABASE IF EXISTS ${role} WITH (FORCE)`);
      await admin.query(`DROP ROLE IF EXISTS ${role}`);
    });
  });

  test('demo runs every other section and skips the vector ones, giving the server’s reason', () => {
    expect(demo.code, demo.stderr).toBe(0);
    expect(demo.stdout).toContain(`vector sections skipped: the pgvector extension is not available`);
    expect(demo.stdout).toContain(refusal);
    for (const section of ['Top trends', 'Full-text search', 'Cache', 'Done'])
      expect(demo.stdout).toContain(section);
    for (const section of ['Vector search', 'Trends similar to']) expect(demo.stdout).not.toContain(section);
  });

  test('verify passes PostgreSQL, its schema and the cache', () => {
    const byName = checksByName(verify);
    expect(byName.PostgreSQL!.ok).toBe(true);
    expect(byName['PostgreSQL schema']!.ok).toBe(true);
    expect(byName.Cache).toMatchObject({ ok: true });
    expect(byName.Cache!.detail).toMatch(/^redis \d+\.\d+/);
  });

  // pgvector's files are on this server, so pg_available_extensions lists it: the check must try
  // creating it as this role (rolled back) to see that the owner may not.
  test('verify fails its vector check, naming pgvector, and exits 1', () => {
    const byName = checksByName(verify);
    expect(byName['Vector store']).toMatchObject({ ok: false });
    expect(byName['Vector store']!.detail).toMatch(/pgvector/);
    expect(verify.code).toBe(1);
  });
});

const title = 'the CLI’s vector path on the PostgreSQL server';
describe.skipIf(!(await serverHasPgvector(title)))(title, () => {
  let db: { url: string; drop(): Promise<void> };
  beforeAll(async () => {
    db = await createServerDatabase();
  });
  afterAll(() => db?.drop());

  /** Points per collection, read from the server rather than from the CLI. */
  const points = () =>
    withClient(db.url, async (c) => {
      const counts: Record<string, number> = {};
      for (const name of ['demo_item_embeddings', 'demo_trend_embeddings']) {
        const { rows } = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM vec_${name}`);
        counts[name] = rows[0]!.n;
      }
      return counts;
    });

  test('demo stores and searches vectors; verify and stats report them; cleanup deletes the items’ vectors', async () => {
    const env = embeddedEnv({ DATABASE_URL: db.url });
    expect((await run(['migrate'], env)).code).toBe(0);

    const demo = await run(['demo', '--items', String(ITEMS)], env);
    expect(demo.code, demo.stderr).toBe(0);
    expect(demo.stdout).not.toContain('vector sections skipped');
    for (const section of ['Vector search', 'Trends similar to', 'Done'])
      expect(demo.stdout).toContain(section);
    const stored = await points();
    expect(stored.demo_item_embeddings).toBe(ITEMS);
    expect(stored.demo_trend_embeddings).toBeGreaterThan(0);
    expect(demo.stdout).toContain(
      `${ITEMS} item vectors, ${stored.demo_trend_embeddings} trend vectors stored`,
    );
    const [ext] = await withClient(
      db.url,
      async (c) => (await c.query(`SELECT extversion FROM pg_extension WHERE extname = 'vector'`)).rows,
    );
    expect(ext).toBeDefined();

    // Run again, the demo reuses its rows and still finds neighbours through the server.
    const again = json(await run(['--json', 'demo', '--items', String(ITEMS)], env));
    expect(again.vectors.nearest).toBeGreaterThan(0);
    expect(again.vectors.similar).toBeGreaterThan(0);
    expect(await points()).toEqual(stored);

    const verify = await run(['--json', 'verify'], env);
    expect(verify.code, verify.stdout).toBe(0);
    expect(checksByName(verify)['Vector store']).toEqual({
      name: 'Vector store',
      ok: true,
      detail: `pgvector ${ext.extversion}, 2 collection(s): demo_item_embeddings, demo_trend_embeddings`,
    });

    const collections = () =>
      run(['--json', 'stats'], env).then((r) => json(r).vectors.collections as unknown[]);
    expect(await collections()).toEqual([
      { collection: 'demo_item_embeddings', points: ITEMS },
      { collection: 'demo_trend_embeddings', points: stored.demo_trend_embeddings },
    ]);

    const dry = json(await run(['--json', 'cleanup', '--older-than', '0d', '--dry-run'], env));
    expect(dry).toMatchObject({ dryRun: true, items: ITEMS });
    expect(await points()).toEqual(stored);

    const cleaned = json(await run(['--json', 'cleanup', '--older-than', '0d'], env));
    expect(cleaned).toMatchObject({ items: ITEMS, vectors: ITEMS });
    expect(await points()).toEqual({ ...stored, demo_item_embeddings: 0 }); // trends' vectors stay
    expect(await collections()).toEqual([
      { collection: 'demo_item_embeddings', points: 0 },
      { collection: 'demo_trend_embeddings', points: stored.demo_trend_embeddings },
    ]);
  });
});
