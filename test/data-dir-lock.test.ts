// The embedded store's data-directory lock, with real processes and real lock files.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ConnectionError } from '../src/domain/errors.js';
import { lockDataDir, processStart } from '../src/sql/data-dir-lock.js';

let other: ChildProcess;
beforeAll(async () => {
  other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 200));
});
afterAll(() => {
  other.kill('SIGKILL');
});

const dir = () => mkdtempSync(join(tmpdir(), 'ts-lock-'));
const LOCKER = fileURLToPath(new URL('./support/children/locker.ts', import.meta.url));
const HOUR = 3_600_000;

test('this machine tells when a process started (the lock relies on it)', () => {
  const mine = processStart(process.pid);
  expect(mine).not.toBeNull();
  expect(Math.abs(mine! - (Date.now() - process.uptime() * 1000))).toBeLessThan(2000);
});

test('a lock whose pid is alive but belongs to a process started later is stale (pid reused)', () => {
  const d = dir();
  // As after a container restart: the old owner had this very pid, an hour earlier.
  writeFileSync(
    join(d, 'lock'),
    JSON.stringify({ pid: process.pid, started: processStart(process.pid)! - HOUR, token: 'old' }),
  );
  const release = lockDataDir(d);
  expect(JSON.parse(readFileSync(join(d, 'lock'), 'utf8'))).toMatchObject({ pid: process.pid });
  release();
  expect(existsSync(join(d, 'lock'))).toBe(false);
});

test('an old-format lock (a bare pid) written before that pid started is stale', () => {
  const d = dir();
  writeFileSync(join(d, 'lock'), String(process.pid));
  const past = new Date(Date.now() - 24 * HOUR);
  utimesSync(join(d, 'lock'), past, past);
  lockDataDir(d)();
});

test('an old-format lock naming this very pid is not ours, so it is stale (pid 1 after a restart)', () => {
  const d = dir();
  writeFileSync(join(d, 'lock'), String(process.pid)); // written "now": the mtime rule alone would keep it
  lockDataDir(d)();
  writeFileSync(join(d, 'lock'), JSON.stringify({ pid: process.pid }));
  lockDataDir(d)();
});

test('a lock this process holds is refused to a second open in the same process', () => {
  const d = dir();
  const release = lockDataDir(d);
  try {
    expect(() => lockDataDir(d)).toThrow(/in use by process/);
  } finally {
    release();
  }
});

test('processes racing to take over one stale lock: exactly one wins', async () => {
  for (let trial = 0; trial < 5; trial++) {
    const d = dir();
    writeFileSync(join(d, 'lock'), JSON.stringify({ pid: 999_999_999, started: 1, token: 'dead' }));
    const at = Date.now() + 2000;
    const children = Array.from({ length: 8 }, () =>
      spawn(process.execPath, ['--import=tsx', LOCKER, d, String(at)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      }),
    );
    try {
      const outcomes = await Promise.all(
        children.map(
          (child) =>
            new Promise<string>((resolve) => {
              child.stdout!.once('data', (b: Buffer) => resolve(b.toString().trim()));
              child.once('exit', () => resolve('exited'));
            }),
        ),
      );
      expect(
        outcomes.filter((o) => o === 'locked'),
        `trial ${trial}: ${outcomes.join(',')}`,
      ).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'refused')).toHaveLength(7);
    } finally {
      for (const c of children) c.kill('SIGKILL');
    }
  }
}, 120_000);

test('a lock held by a running process is refused, in either format', () => {
  const d = dir();
  writeFileSync(
    join(d, 'lock'),
    JSON.stringify({ pid: other.pid, started: processStart(other.pid!), token: 't' }),
  );
  const err = (() => {
    try {
      lockDataDir(d);
    } catch (e) {
      return e;
    }
  })();
  expect(err).toBeInstanceOf(ConnectionError);
  expect((err as ConnectionError).code).toBe('LOCKED');
  expect((err as Error).message).toContain(`in use by process ${other.pid}`);
  writeFileSync(join(d, 'lock'), String(other.pid));
  expect(() => lockDataDir(d)).toThrow(/in use by process/);
});

test('releasing removes only our own lock, not one that took over from us', () => {
  const d = dir();
  const release = lockDataDir(d);
  writeFileSync(
    join(d, 'lock'),
    JSON.stringify({ pid: other.pid, started: processStart(other.pid!), token: 'theirs' }),
  );
  release();
  expect(JSON.parse(readFileSync(join(d, 'lock'), 'utf8'))).toMatchObject({ token: 'theirs' });
});
