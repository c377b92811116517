// The embedded store under SIGKILL: every batch acknowledged before the kill is there after
// reopening, and a second process is refused the data directory instead of corrupting it.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { ConnectionError } from '../src/domain/errors.js';
import { createStorage } from '../src/storage.js';
import { ROOT } from './support/cli.js';

const TRIALS = Number(process.env.TREND_DURABILITY_TRIALS ?? 20);
const WRITER = join(ROOT, 'test/support/children/writer.ts');

function startWriter(
  dataDir: string,
  from: number,
): { child: ChildProcess; acked: () => number; ready: Promise<void> } {
  const child = spawn(process.execPath, ['--import=tsx', WRITER, dataDir, String(from)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let last = from - 1;
  let buffer = '';
  let markReady!: () => void;
  let fail!: (e: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    fail = reject;
  });
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  child.on('exit', (code, signal) => {
    if (signal !== 'SIGKILL') fail(new Error(`writer exited (${code}): ${stderr}`));
  });
  child.stdout!.on('data', (d: Buffer) => {
    buffer += d.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop()!;
    for (const line of lines) {
      if (line === 'ready') markReady();
      const m = /^ack (\d+)$/.exec(line);
      if (m) last = Number(m[1]);
    }
  });
  return { child, acked: () => last, ready };
}

test(`SIGKILL at random moments loses no acknowledged batch (${TRIALS} trials)`, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ts-durable-'));
  let next = 0;
  let acknowledged = 0;
  for (let trial = 0; trial < TRIALS; trial++) {
    const w = startWriter(dataDir, next);
    await w.ready;
    await new Promise((r) => setTimeout(r, 100 + Math.random() * 900));
    w.child.kill('SIGKILL');
    await new Promise((r) => w.child.once('exit', r));
    const acked = w.acked();
    // Reopening takes over the stale lock of the killed process and must see every acked batch.
    const storage = await createStorage({ dataDir });
    try {
      const rows = await storage.db.query<{ batch: number; n: number }>(
        `SELECT (metadata->>'batch')::int AS batch, count(*)::int AS n FROM processed_items GROUP BY 1`,
      );
      const counts = new Map(rows.map((r) => [r.batch, r.n]));
      for (let b = 0; b <= acked; b++) expect(counts.get(b), `trial ${trial}: batch ${b}`).toBe(50);
      // A batch in flight at the kill is all there or not there at all.
      for (const [b, n] of counts) expect([0, 50], `trial ${trial}: batch ${b}`).toContain(n);
      acknowledged = Math.max(acknowledged, acked + 1);
      next = Math.max(...rows.map((r) => r.batch), acked) + 1;
    } finally {
      await storage.close();
    }
  }
  console.log(
    `durability: ${TRIALS} SIGKILL trials, ${acknowledged} acknowledged batches (${acknowledged * 50} rows) all present`,
  );
  expect(acknowledged).toBeGreaterThan(TRIALS);
}, 900_000);

test('a second process is refused the data directory while the first holds it', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ts-locked-'));
  const w = startWriter(dataDir, 0);
  await w.ready;
  try {
    const err = await createStorage({ dataDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as Error).message).toMatch(/in use by process \d+/);
  } finally {
    w.child.kill('SIGKILL');
    await new Promise((r) => w.child.once('exit', r));
  }
  // Once it is gone, the directory opens.
  const storage = await createStorage({ dataDir });
  await storage.close();
}, 120_000);
