// `trend-storage import --jobs N` (items.ingest over pooled connections) against the serial
// `import`: the same file gives the same report, exit code and line-numbered rejects, on the
// embedded engine and on the machine's PostgreSQL. Runs the built binary (`npm run build` first).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { expect, test, vi } from 'vitest';
import { embeddedEnv, run } from './support/cli.js';
import { createServerDatabase, describeServer } from './support/engines.js';

vi.setConfig({ testTimeout: 300_000 });

const STACK = /^\s+at .+\(.+:\d+:\d+\)$/m;

/**
 * 10,000 good lines and 10 bad ones (not JSON, an unknown source, an empty sourceId, a bad date),
 * with a byte-order mark on the first line and blank lines, which are skipped and not rejected.
 * Returns the file and the bad lines' numbers.
 */
function writeImportFile(dir: string): { file: string; bad: number[] } {
  const lines: string[] = [];
  const bad: number[] = [];
  const badLine = (k: number) =>
    [
      '{"source": "reddit", ',
      JSON.stringify({
        source: 'myspace',
        sourceId: 'x',
        url: 'https://a.example',
        title: 't',
        publishedAt: '2026-11-01T00:00:00Z',
      }),
      JSON.stringify({
        source: 'reddit',
        sourceId: '',
        url: 'https://a.example',
        title: 't',
        publishedAt: '2026-11-01T00:00:00Z',
      }),
      JSON.stringify({
        source: 'bbc',
        sourceId: `bad-${k}`,
        url: 'https://a.example',
        title: 't',
        publishedAt: 'last week',
      }),
    ][k % 4]!;
  for (let i = 0; i < 10_000; i++) {
    if (i % 1000 === 321) {
      lines.push(badLine(bad.length));
      bad.push(lines.length);
    }
    if (i % 2500 === 7) lines.push('   ');
    lines.push(
      JSON.stringify({
        source: ['reddit', 'hackernews', 'bbc'][i % 3],
        sourceId: `jobs-${i}`,
        url: `https://example.com/jobs/${i}`,
        title: `Imported in parallel ${i}`,
        content: `line ${i} of the parallel import test, about markets and models`,
        publishedAt: new Date(Date.UTC(2026, 10, 1 + (i % 28))).toISOString(),
        metrics: { upvotes: i % 100 },
      }),
    );
  }
  const file = join(dir, `import-jobs-${process.pid}.jsonl`);
  writeFileSync(file, `\uFEFF${lines.join('\n')}\n`);
  return { file, bad };
}

const sameAsSerial = async (
  file: string,
  bad: number[],
  serialEnv: NodeJS.ProcessEnv,
  jobsEnv: NodeJS.ProcessEnv,
) => {
  const serial = await run(['--json', 'import', file], serialEnv);
  const parallel = await run(['--json', 'import', file, '--jobs', '2'], jobsEnv);
  expect(serial.code, serial.stderr).toBe(2);
  expect(parallel.code, parallel.stderr).toBe(2);
  const s = JSON.parse(serial.stdout);
  const p = JSON.parse(parallel.stdout);
  expect(p).toMatchObject({ lines: 10_014, inserted: 10_000, updated: 0, unchanged: 0, rejected: 10 });
  expect(p.rejectedLines.map((r: { line: number }) => r.line)).toEqual(bad);
  // Exactly as `import`: the same counts, lines and reasons.
  expect(p).toEqual(s);
  // A second run finds every one of the 10,000 stored and unchanged.
  const again = JSON.parse((await run(['--json', 'import', file, '--jobs', '2'], jobsEnv)).stdout);
  expect(again).toMatchObject({ inserted: 0, updated: 0, unchanged: 10_000, rejected: 10 });
};

test('import --jobs 2 loads the 10,000-line file with 10 bad lines exactly as import does [embedded]', async () => {
  const serialEnv = embeddedEnv();
  const jobsEnv = embeddedEnv();
  const { file, bad } = writeImportFile(jobsEnv.TREND_DATA_DIR!);
  await sameAsSerial(file, bad, serialEnv, jobsEnv);
  // Human output: the rejected lines on stderr in line order, then the summary; stdin with "-".
  const text = `${JSON.stringify({ source: 'reddit', sourceId: 'h1', url: 'https://h.example', title: 'h', publishedAt: '2026-11-01T00:00:00Z' })}\n{oops\n\n${JSON.stringify({ source: 'reddit', sourceId: 'h2', url: 'nope', title: 'h', publishedAt: '2026-11-01T00:00:00Z' })}\n`;
  const human = await run(['import', '-', '--jobs', '3'], jobsEnv, { input: text });
  const serialHuman = await run(['import', '-'], serialEnv, { input: text });
  expect(human.code).toBe(2);
  expect(human.stdout).toBe(serialHuman.stdout);
  expect(human.stdout).toContain('4 lines: 1 inserted, 0 updated, 0 unchanged, 2 rejected');
  expect(human.stdout).toContain('rejected lines: 2, 4');
  expect(human.stderr).toBe(serialHuman.stderr);
  expect(human.stderr).toMatch(/^line 2: not valid JSON .*\nline 4: item\.url: .+\n$/);
});

test('--jobs takes a whole number from 1 to 64, checked before anything opens', async () => {
  const env = embeddedEnv();
  for (const jobs of ['0', '65', 'two', '1.5']) {
    const r = await run(['import', '-', '--jobs', jobs], env, { input: '' });
    expect(r.code, jobs).not.toBe(0);
    expect(r.stderr, jobs).toContain('expected a whole number from 1 to 64');
  }
  expect((await run(['import', '--help'], env)).stdout).toContain('--jobs <n>');
});

/** A trigger in the database at `url` that refuses any processed item titled `title`. */
async function refuseTitle(url: string, title: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`
      CREATE FUNCTION refuse_title() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.title = ${pg.escapeLiteral(title)} THEN RAISE EXCEPTION 'refused title'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER refuse_title BEFORE INSERT ON processed_items FOR EACH ROW EXECUTE FUNCTION refuse_title();`);
  } finally {
    await client.end();
  }
}

describeServer('import --jobs against the machine’s PostgreSQL', () => {
  test('loads the 10,000-line file with 10 bad lines exactly as import does', async () => {
    const a = await createServerDatabase();
    const b = await createServerDatabase();
    try {
      const serialEnv = embeddedEnv({ DATABASE_URL: a.url });
      const jobsEnv = embeddedEnv({ DATABASE_URL: b.url });
      const { file, bad } = writeImportFile(jobsEnv.TREND_DATA_DIR!);
      await sameAsSerial(file, bad, serialEnv, jobsEnv);
      for (const env of [serialEnv, jobsEnv]) {
        const stats = JSON.parse((await run(['--json', 'stats'], env)).stdout);
        expect(stats.tables.processed_items).toBe(10_000);
      }
    } finally {
      await a.drop();
      await b.drop();
    }
  });

  test('serial import: lines of a refused batch and unreadable lines are listed in line order', async () => {
    const db = await createServerDatabase();
    try {
      const env = embeddedEnv({ DATABASE_URL: db.url });
      expect((await run(['migrate'], env)).code).toBe(0);
      await refuseTitle(db.url, 'BAD');
      const item = (i: number, title: string) =>
        JSON.stringify({
          source: 'reddit',
          sourceId: `o-${i}`,
          url: `https://e.com/${i}`,
          title,
          publishedAt: '2026-11-01T00:00:00Z',
        });
      // Lines 1, 6 and 7 make the database refuse their batch (so its lines 2, 6, 7 are rejected with
      // it, as the import documents); lines 3–5 are not items, rejected while reading.
      const lines = [item(1, 'BAD'), item(2, 'fine'), 'null', '[]', '"str"', item(6, 'BAD'), item(7, 'BAD')];
      const file = join(env.TREND_DATA_DIR!, 'order.jsonl');
      writeFileSync(file, `${lines.join('\n')}\n`);
      const r = await run(['--json', 'import', file], env);
      expect(r.code, r.stderr).toBe(2);
      expect(JSON.parse(r.stdout).rejectedLines.map((x: { line: number }) => x.line)).toEqual([
        1, 2, 3, 4, 5, 6, 7,
      ]);
    } finally {
      await db.drop();
    }
  });

  test('a chunk the database refuses stops the import, exit 1, naming the lines committed', async () => {
    const db = await createServerDatabase();
    try {
      const env = embeddedEnv({ DATABASE_URL: db.url });
      expect((await run(['migrate'], env)).code).toBe(0);
      await refuseTitle(db.url, 'poison');
      // 5,000 lines, one of them refused at line 4,500: chunks of 2,000 lines commit or not whole.
      const lines = Array.from({ length: 5000 }, (_, i) =>
        JSON.stringify({
          source: 'reddit',
          sourceId: `p-${i}`,
          url: `https://example.com/p/${i}`,
          title: i === 4499 ? 'poison' : `line ${i + 1}`,
          publishedAt: '2026-11-01T00:00:00Z',
        }),
      );
      const file = join(env.TREND_DATA_DIR!, 'poison.jsonl');
      writeFileSync(file, `${lines.join('\n')}\n`);
      const r = await run(['--json', 'import', file, '--jobs', '2'], env);
      expect(r.code, r.stderr).toBe(1);
      const report = JSON.parse(r.stdout);
      expect(report.error).toMatch(/^import stopped: StorageError: refused title/);
      expect(report.committedLines).toEqual([{ first: 1, last: 4000 }]);
      expect(report).toMatchObject({ inserted: 4000, rejected: 0 });
      const human = await run(['import', file, '--jobs', '2'], embeddedEnv({ DATABASE_URL: db.url }));
      expect(human.code).toBe(1);
      expect(human.stderr).toContain('trend-storage: import stopped: StorageError: refused title');
      expect(human.stderr).toContain('committed lines: 1-4000; the other valid lines were not stored');
      expect(`${human.stdout}${human.stderr}`).not.toMatch(STACK);
    } finally {
      await db.drop();
    }
  });
});
