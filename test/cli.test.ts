// The built binary, driven as a child process: output and exit codes as a person or a script sees them.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test, vi } from 'vitest';
import { embeddedEnv, run } from './support/cli.js';
import { createServerDatabase, describeServer, SERVER_URL } from './support/engines.js';
import { REDIS_URL } from './support/redis.js';

// Each test launches the binary several times, each booting PGlite: slow on a loaded CI machine.
vi.setConfig({ testTimeout: 180_000 });

const COMMANDS = ['migrate', 'verify', 'demo', 'import', 'stats', 'trends', 'cleanup', 'refresh-views'];
const STACK = /^\s+at .+\(.+:\d+:\d+\)$/m;

test('--help lists every command, and every command has its own --help', async () => {
  const env = embeddedEnv();
  const help = await run(['--help'], env);
  expect(help.code).toBe(0);
  for (const c of COMMANDS) expect(help.stdout).toContain(c);
  for (const c of COMMANDS) {
    const r = await run([c, '--help'], env);
    expect(r.code, c).toBe(0);
    expect(r.stdout, c).toContain(`Usage: trend-storage ${c}`);
  }
  const bad = await run(['no-such-command'], env);
  expect(bad.code).not.toBe(0);
});

test('migrate: --dry-run lists, then applies each version once', async () => {
  const env = embeddedEnv();
  const dry = await run(['--json', 'migrate', '--dry-run'], env);
  expect(dry.code).toBe(0);
  expect(JSON.parse(dry.stdout).pending).toEqual([
    '0001_platform_schema',
    '0002_full_text_search',
    '0003_materialized_views',
    '0004_filter_indexes',
    '0005_vector_support',
    '0006_platform_extensions',
    '0007_search_statistics',
    '0008_trend_history',
  ]);
  const applied = await run(['migrate'], env);
  expect(applied.stdout).toContain('applied 0001_platform_schema');
  expect((await run(['init'], env)).stdout).toContain('up to date');
});

test('demo: the main job runs end to end on the embedded default; running it again adds no rows', async () => {
  const env = embeddedEnv();
  const first = await run(['demo'], env);
  expect(first.code, first.stderr).toBe(0);
  for (const section of [
    'Loading 5000 items',
    'Embeddings',
    'Save a topic and a trend',
    'Trends in Technology',
    'Top trends',
    'Trend history',
    'Full-text search',
    'Vector search',
    'Trends similar to',
    'Cache',
    'Plugin health',
    'Done',
  ]) {
    expect(first.stdout, section).toContain(section);
  }
  expect(first.stdout).toContain('items: 5000 inserted, 0 refreshed, 0 unchanged');
  const second = await run(['--json', 'demo'], env);
  expect(second.code).toBe(0);
  const report = JSON.parse(second.stdout);
  expect(report.load).toMatchObject({ inserted: 0, updated: 0, unchanged: 5000, linked: 0 });
  expect(report.counts).toEqual({ items: 5000, topics: 18, trends: 18, links: 5000 });
  const stats = JSON.parse((await run(['--json', 'stats'], env)).stdout);
  expect(stats.tables).toMatchObject({ processed_items: 5000, topics: 18, trends: 18, topic_items: 5000 });
  expect(stats.vectors.collections).toEqual([
    { collection: 'demo_item_embeddings', points: 5000 },
    { collection: 'demo_trend_embeddings', points: 17 },
  ]);
  expect(stats.itemsPerSourceAndDay.length).toBeGreaterThan(14);
  // The demo's 14 days of history: risers today, a sparkline per trend.
  expect(stats.movers.up.length).toBeGreaterThan(0);
  expect(stats.movers.up[0].change).toBeGreaterThan(0);
  const trends = JSON.parse((await run(['--json', 'trends', '--limit', '5'], env)).stdout);
  expect(trends.trends).toHaveLength(5);
  for (const t of trends.trends) {
    expect(t.daily).toHaveLength(14);
    expect(t.daily.every((d: { score: number | null }) => d.score !== null)).toBe(true);
  }
  expect(trends.trends[0].change).toBeGreaterThan(0);
  expect((await run(['trends', '--days', '7'], env)).stdout).toMatch(/ [▁▂▃▄▅▆▇█]{7} /);
  expect(first.stdout).toMatch(/ [▁▂▃▄▅▆▇█]{14} /);
  const verify = await run(['verify'], env);
  expect(verify.code).toBe(0);
  expect(verify.stdout).toContain('All checks passed! (4/4)');
  const refreshed = await run(['refresh-views'], env);
  expect(refreshed.code).toBe(0);
  // Hourly history older than 7 days becomes daily: 17 sample trends, 7 days each (the first one
  // partial: from 23:00 on, it holds one point, which has nothing to merge with).
  const cleanup = ['--json', 'cleanup', '--older-than', '0d', '--hourly-after', '0', '--daily-after', '7'];
  const dry = JSON.parse((await run([...cleanup, '--dry-run'], env)).stdout);
  expect(dry).toMatchObject({ dryRun: true, items: 5000 });
  expect([17 * 6, 17 * 7]).toContain(dry.history.daily.into);
  expect(dry.history.daily.merged).toBeGreaterThan(dry.history.daily.into * 20);
  const cleaned = JSON.parse((await run(cleanup, env)).stdout);
  expect(cleaned).toMatchObject({ items: 5000, vectors: 5000, history: { ...dry.history, dryRun: false } });
}, 180_000);

test('import: 10,000 good lines and 10 malformed ones store exactly 10,000 and name the 10 lines', async () => {
  const env = embeddedEnv();
  const lines: string[] = [];
  const bad = new Set<number>();
  for (let i = 0; i < 10_010; i++) {
    const n = lines.length + 1;
    if (i % 1001 === 500) {
      bad.add(n);
      lines.push(
        [
          '{not json',
          JSON.stringify({
            source: 'myspace',
            sourceId: 'x',
            url: 'u',
            title: 't',
            publishedAt: '2026-11-01T00:00:00Z',
          }),
          JSON.stringify({
            source: 'reddit',
            sourceId: '',
            url: 'u',
            title: 't',
            publishedAt: '2026-11-01T00:00:00Z',
          }),
          JSON.stringify({
            source: 'reddit',
            sourceId: `b${i}`,
            url: 'u',
            title: 't',
            publishedAt: 'yesterday',
          }),
        ][bad.size % 4]!,
      );
    } else {
      lines.push(
        JSON.stringify({
          source: i % 2 ? 'reddit' : 'bbc',
          sourceId: `imp-${i}`,
          url: `https://example.com/${i}`,
          title: `Imported item ${i}`,
          publishedAt: new Date(Date.UTC(2026, 10, 1 + (i % 28))).toISOString(),
          metrics: { upvotes: i % 100 },
        }),
      );
    }
  }
  expect(bad.size).toBe(10);
  const file = join(env.TREND_DATA_DIR!, '..', `import-${process.pid}.jsonl`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  const r = await run(['--json', 'import', file], env);
  expect(r.code).toBe(2);
  const report = JSON.parse(r.stdout);
  expect(report).toMatchObject({ lines: 10_010, inserted: 10_000, updated: 0, unchanged: 0, rejected: 10 });
  expect(report.rejectedLines.map((x: { line: number }) => x.line)).toEqual([...bad]);
  expect(report.rejectedLines[0].reason).toBeTruthy();
  const stats = JSON.parse((await run(['--json', 'stats'], env)).stdout);
  expect(stats.tables.processed_items).toBe(10_000);
  // Human output names the lines too; stdin works with "-".
  const again = await run(['import', '-'], env, { input: `${lines.slice(0, 3).join('\n')}\n{oops\n` });
  expect(again.code).toBe(2);
  expect(again.stdout).toContain('0 inserted, 0 updated, 3 unchanged, 1 rejected');
  expect(again.stdout).toContain('rejected lines: 4');
}, 180_000);

test('verify against a closed port fails within 10 s, exit code 1, no stack trace, no password', async () => {
  const r = await run(
    ['verify'],
    embeddedEnv({ DATABASE_URL: 'postgres://app:hunter2-secret@127.0.0.1:1/trends' }),
  );
  expect(r.code).toBe(1);
  expect(r.ms).toBeLessThan(10_000);
  expect(r.stdout).toContain('✖ PostgreSQL');
  expect(r.stdout).toMatch(/checks failed/);
  expect(`${r.stdout}${r.stderr}`).not.toMatch(STACK);
  expect(`${r.stdout}${r.stderr}`).not.toContain('hunter2-secret');
});

test('a failing command prints one readable line and exits 1', async () => {
  const r = await run(
    ['stats'],
    embeddedEnv({ DATABASE_URL: 'postgres://app:hunter2-secret@127.0.0.1:1/trends' }),
  );
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/^trend-storage: ConnectionError: could not connect/);
  expect(r.stderr).not.toMatch(STACK);
  expect(r.stderr).not.toContain('hunter2-secret');
});

test('colour follows FORCE_COLOR, and NO_COLOR wins', async () => {
  const colored = await run(['verify'], embeddedEnv({ FORCE_COLOR: '1' }));
  expect(colored.stdout).toContain('\u001b[');
  const plain = await run(['verify'], embeddedEnv({ FORCE_COLOR: '1', NO_COLOR: '1' }));
  expect(plain.stdout).not.toContain('\u001b[');
  expect(plain.stdout).toMatch(/✖ PostgreSQL schema: missing tables/); // verify never migrates
});

describeServer('the CLI against the machine’s PostgreSQL and Redis', () => {
  test('verify passes PostgreSQL, its schema and the Redis cache; demo runs on them (vectors: cli-vectors.test.ts)', async () => {
    if (!REDIS_URL) throw new Error('TREND_TEST_REDIS_URL must be set with TREND_TEST_DATABASE_URL');
    const { url, drop } = await createServerDatabase();
    try {
      const env = embeddedEnv({ DATABASE_URL: url, REDIS_URL, CACHE_PREFIX: `ts_cli_${process.pid}:` });
      expect((await run(['migrate'], env)).code).toBe(0);
      const v = await run(['--json', 'verify'], env);
      const report = JSON.parse(v.stdout);
      const byName = Object.fromEntries(report.checks.map((c: { name: string }) => [c.name, c]));
      expect(byName.PostgreSQL.ok).toBe(true);
      expect(byName['PostgreSQL schema'].ok).toBe(true);
      expect(byName.Cache).toMatchObject({ ok: true });
      expect(byName.Cache.detail).toMatch(/^redis \d+\.\d+/);
      const demo = await run(['demo', '--items', '500'], env);
      expect(demo.code, demo.stderr).toBe(0);
      for (const section of ['Top trends', 'Full-text search', 'Cache', 'Done'])
        expect(demo.stdout).toContain(section);
      await run(['demo', '--reset', '--items', '1'], env);
    } finally {
      await drop();
    }
  }, 120_000);
});

describe('examples/ run as a user would run them', () => {
  for (const [file, expected] of [
    ['relational.ts', 'trends found: Embedded databases are trending'],
    ['vector.ts', 'trend_1'],
    ['cache.ts', 'counter: 5'],
  ] as const) {
    test(file, async () => {
      const r = await run([join('examples', file)], embeddedEnv(), { file: '--import=tsx' });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(expected);
    }, 60_000);
  }
});

void SERVER_URL;
