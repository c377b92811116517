// The CLI on bad arguments and partial failures: every option is checked before any work starts,
// nothing prints a stack trace, and a command that could not finish says so in its exit code.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, vi } from 'vitest';
import { createStorage } from '../src/storage.js';
import { embeddedEnv, run } from './support/cli.js';
import { anItem, DAY } from './support/fixtures.js';

vi.setConfig({ testTimeout: 180_000 });

const STACK = /^\s+at .+:\d+:\d+\)?$/m;

test('bad option values are refused before anything opens, in one line, without a stack trace', async () => {
  const cases: [string[], RegExp][] = [
    [['demo', '--items', '-5'], /--items/],
    [['demo', '--items', 'abc'], /--items/],
    [['demo', '--items', '0'], /--items/],
    [['stats', '--days', 'abc'], /--days/],
    [['cleanup', '--older-than', 'soon'], /--older-than/],
    [['cleanup', '--older-than', '99999999d'], /--older-than/],
    [['verify', '--timeout', '0'], /--timeout/],
    [['trends', '--limit', '0'], /--limit/],
    [['trends', '--days', '1'], /--days/],
    [['trends', '--category', 'Gossip'], /--category/],
    [['cleanup', '--older-than', '30d', '--hourly-after', '-1'], /--hourly-after/],
    [['cleanup', '--older-than', '30d', '--daily-after', '5'], /--daily-after/],
  ];
  for (const [args, names] of cases) {
    const env = embeddedEnv();
    const r = await run(args, env);
    expect(r.code, args.join(' ')).not.toBe(0);
    expect(r.stderr, args.join(' ')).toMatch(names);
    expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    expect(r.stderr + r.stdout, args.join(' ')).not.toMatch(STACK);
    expect(r.stdout, args.join(' ')).not.toMatch(/Loading/);
    // Nothing was opened: the embedded store was never created.
    expect(existsSync(join(env.TREND_DATA_DIR!, 'pgdata')), args.join(' ')).toBe(false);
  }
});

test('demo with the smallest valid --items runs (themes without items are fine)', async () => {
  const r = await run(['--json', 'demo', '--items', '1'], embeddedEnv());
  expect(r.code, r.stderr).toBe(0);
  expect(JSON.parse(r.stdout).load).toMatchObject({ inserted: 1 });
});

test('with --json, an argument error is a JSON document on stdout', async () => {
  const r = await run(['--json', 'stats', '--days', 'abc'], embeddedEnv());
  expect(r.code).not.toBe(0);
  expect(JSON.parse(r.stdout).error).toMatch(/--days/);
});

test('import ignores a byte-order mark before the first line', async () => {
  const env = embeddedEnv();
  const file = join(mkdtempSync(join(tmpdir(), 'ts-bom-')), 'items.jsonl');
  const line = (n: number) => JSON.stringify({ ...anItem(n), publishedAt: new Date().toISOString() });
  writeFileSync(file, `\uFEFF${line(1)}\n${line(2)}\n`);
  const r = await run(['--json', 'import', file], env);
  expect(r.code, r.stderr).toBe(0);
  expect(JSON.parse(r.stdout)).toMatchObject({ inserted: 2, rejected: 0 });
});

test('import of a missing file or a directory: one clean line, exit 1, no stack trace', async () => {
  const env = embeddedEnv();
  for (const file of ['/no/such/file.jsonl', mkdtempSync(join(tmpdir(), 'ts-dir-'))]) {
    const r = await run(['import', file], env);
    expect(r.code, file).toBe(1);
    expect(r.stderr, file).toMatch(/no such file|is not a file/);
    expect(r.stderr.trim().split('\n'), file).toHaveLength(1);
    expect(r.stderr + r.stdout, file).not.toMatch(STACK);
  }
});

test('import rejects only the line whose text is too large, and stores the rest', async () => {
  const env = embeddedEnv();
  const file = join(mkdtempSync(join(tmpdir(), 'ts-big-')), 'items.jsonl');
  const line = (n: number, title: string) =>
    JSON.stringify({ ...anItem(n, { title }), publishedAt: new Date().toISOString() });
  writeFileSync(
    file,
    [line(1, 'fine'), line(2, 'x'.repeat(1_100_000)), line(3, 'also fine'), line(4, 'y'.repeat(5_000))].join(
      '\n',
    ),
  );
  const r = await run(['--json', 'import', file], env);
  expect(r.code, r.stderr).toBe(2);
  const summary = JSON.parse(r.stdout);
  expect(summary).toMatchObject({ inserted: 3, rejected: 1 });
  expect(summary.rejectedLines).toEqual([
    { line: 2, reason: expect.stringMatching(/item\.title: must be at most 5,000/) },
  ]);
});

test('cleanup that cannot finish exits 1 and says how far it got; run again, it finishes', async () => {
  const env = embeddedEnv();
  const dataDir = env.TREND_DATA_DIR!;
  mkdirSync(dataDir, { recursive: true });
  const storage = await createStorage({ dataDir, redis: false, env: {} });
  try {
    const old = new Date(Date.now() - 40 * DAY);
    const { ids } = await storage.items.saveBatch(
      Array.from({ length: 12 }, (_, i) => anItem(i, { collectedAt: old })),
    );
    const v = storage.vectors({ name: 'cli_item_embeddings', dimensions: 3 });
    await v.upsertBatch(ids.map((id) => ({ id, vector: [1, 0, 0] })));
    await storage.db.query('ALTER TABLE vec_cli_item_embeddings RENAME TO vec_elsewhere');
  } finally {
    await storage.close();
  }
  const failed = await run(['cleanup', '--older-than', '30d'], env);
  expect(failed.code).toBe(1);
  expect(failed.stderr).toMatch(/purge stopped while deleting vectors of cli_item_embeddings, after 0 items/);
  expect(failed.stderr + failed.stdout).not.toMatch(STACK);

  const again = await createStorage({ dataDir, redis: false, env: {} });
  try {
    expect(await again.items.count()).toBe(12); // nothing half-done
    await again.db.query('ALTER TABLE vec_elsewhere RENAME TO vec_cli_item_embeddings');
  } finally {
    await again.close();
  }
  const done = await run(['--json', 'cleanup', '--older-than', '30d'], env);
  expect(done.code, done.stderr).toBe(0);
  expect(JSON.parse(done.stdout)).toMatchObject({ items: 12, vectors: 12 });
});

test('stored text reaches the terminal printable: a title with escape sequences, newlines and tabs stays on its row', async () => {
  const env = embeddedEnv();
  const dataDir = env.TREND_DATA_DIR!;
  mkdirSync(dataDir, { recursive: true });
  const storage = await createStorage({ dataDir, redis: false, env: {} });
  const title = 'Evil\u001b[31mRED\u001b[0m\nsecond line\ttab';
  try {
    const topicId = await storage.topics.save({ title: 't', summary: '', category: 'Science' });
    const id = await storage.trends.save({
      topicId,
      rank: 1,
      title,
      summary: '',
      category: 'Science',
      score: 2,
    });
    await storage.trends.update(id, { score: 5 }); // a mover in stats
  } finally {
    await storage.close();
  }
  for (const args of [['trends'], ['stats']]) {
    const r = await run(args, { ...env, FORCE_COLOR: '0' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout, args[0]).not.toContain('\u001b');
    expect(r.stdout, args[0]).not.toContain('\t');
    const rows = r.stdout.split('\n').filter((l) => l.includes('Evil'));
    expect(rows.length, args[0]).toBeGreaterThan(0);
    for (const row of rows) expect(row).toContain('Evil\\u001b[31mRED\\u001b[0m\\nsecond line\\ttab');
  }
  // JSON keeps the text as stored.
  const json = JSON.parse((await run(['--json', 'trends'], env)).stdout);
  expect(json.trends[0].title).toBe(title);
});
