// One process per embedded data directory: PGlite has no lock of its own, and two writers would
// corrupt the files. A pid alone cannot say who holds a lock: after a crash the pid may belong to
// another process (in a restarted container, node is pid 1 every time). The lock file therefore
// names its owner by pid *and* that process's start time; a live pid that started at another time
// is not the owner, and its lock is stale.
import { randomUUID } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConnectionError, StorageError } from '../domain/errors.js';

interface Owner {
  pid: number;
  /** The process's start, ms since the epoch (from /proc); null where /proc is not there. */
  started: number | null;
  token: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let bootMs: number | null | undefined;

/** When `pid` started, from /proc (Linux); null elsewhere or when it cannot be read. */
export function processStart(pid: number): number | null {
  try {
    bootMs ??= Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))![1]) * 1000;
    // Field 22 (starttime, in clock ticks since boot) counts after the ")" that ends the command
    // name, which may itself hold spaces or parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    // USER_HZ is 100 on every Linux build Node supports.
    return Number.isFinite(ticks) ? bootMs + ticks * 10 : null;
  } catch {
    return null;
  }
}

// btime has one-second resolution: two readings of one process's start agree within it.
const SAME_START_MS = 1500;

/** Tokens of the locks this process holds: about its own pid, it knows rather than guesses. */
const mine = new Set<string>();

/** Whether the lock written as `text` (at `writtenAt`) is still held by a running process. */
function held(text: string, writtenAt: number): number | null {
  let owner: Partial<Owner>;
  try {
    owner = JSON.parse(text) as Partial<Owner>;
  } catch {
    owner = {};
  }
  // Locks written by earlier versions hold a bare pid.
  if (typeof owner !== 'object' || owner === null || typeof owner.pid !== 'number') {
    owner = { pid: Number(text.trim()), started: null };
  }
  const pid = owner.pid!;
  if (pid === process.pid) return typeof owner.token === 'string' && mine.has(owner.token) ? pid : null;
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return null;
  const started = processStart(pid);
  if (started === null) return pid; // no way to tell a reused pid: trust it
  if (typeof owner.started === 'number')
    return Math.abs(started - owner.started) <= SAME_START_MS ? pid : null;
  // A bare pid: its holder must have been running when the lock was written.
  return started <= writtenAt + SAME_START_MS ? pid : null;
}

// A crashed takeover leaves its guard behind; past this age it is ignored.
const GUARD_STALE_MS = 10_000;

/**
 * Removes the lock file if it still holds `staleText`. Only one process at a time may judge and
 * remove (an exclusive guard file): without it, two processes that both found the same stale lock
 * could each remove it — the second removing the first one's fresh lock — and both open the store.
 */
function removeStale(file: string, staleText: string): void {
  const guard = `${file}.takeover`;
  try {
    writeFileSync(guard, String(process.pid), { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    try {
      if (Date.now() - statSync(guard).mtimeMs > GUARD_STALE_MS) rmSync(guard, { force: true });
    } catch {
      // gone meanwhile
    }
    // Someone else is taking over: give them a moment, then look again.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    return;
  }
  try {
    let current: string | null = null;
    try {
      current = readFileSync(file, 'utf8');
    } catch {
      // already removed
    }
    if (current === staleText) rmSync(file, { force: true });
  } finally {
    rmSync(guard, { force: true });
  }
}

const ATTEMPTS = 20;

/**
 * Creates `file` with `text`, failing with EEXIST if it exists. The text is written to a file of
 * our own first and then hard-linked into place, so nobody ever reads a half-written lock (which
 * would look stale, and be removed from under its owner).
 */
function createComplete(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.${randomUUID()}`;
  writeFileSync(tmp, text);
  try {
    linkSync(tmp, file);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Takes the directory's lock or throws ConnectionError (code LOCKED). Returns the release function. */
export function lockDataDir(dataDir: string): () => void {
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (err) {
    throw new StorageError(
      `embedded data directory ${dataDir} cannot be used: it is not a directory we can create`,
      {
        cause: err,
        code: (err as NodeJS.ErrnoException).code,
      },
    );
  }
  const file = join(dataDir, 'lock');
  const me: Owner = { pid: process.pid, started: processStart(process.pid), token: randomUUID() };
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    try {
      createComplete(file, JSON.stringify(me));
      mine.add(me.token);
      return () => {
        mine.delete(me.token);
        // Only our own lock: if it was taken over (we were presumed dead), it is not ours to remove.
        try {
          if ((JSON.parse(readFileSync(file, 'utf8')) as Owner).token === me.token)
            rmSync(file, { force: true });
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let text: string;
      let writtenAt: number;
      try {
        text = readFileSync(file, 'utf8');
        writtenAt = statSync(file).mtimeMs;
      } catch {
        continue; // released between our two calls
      }
      const owner = held(text, writtenAt);
      if (owner !== null) {
        throw new ConnectionError(
          `embedded data directory ${dataDir} is in use by process ${owner}; stop it, or point TREND_DATA_DIR elsewhere`,
          { code: 'LOCKED' },
        );
      }
      removeStale(file, text);
    }
  }
  throw new ConnectionError(`could not lock embedded data directory ${dataDir}`, { code: 'LOCKED' });
}
