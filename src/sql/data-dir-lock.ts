// One process per embedded data directory: PGlite has no lock of its own, and two writers would
// corrupt the files. A pid alone cannot say who holds a lock: after a crash the pid may belong to
// another process (in a restarted container, node is pid 1 every time). The lock file therefore
// names its owner by pid *and* that process's start time; a live pid that started at another time
// is not the owner, and its lock is stale.
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConnectionError } from '../domain/errors.js';

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
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return null;
  const started = processStart(pid);
  if (started === null) return pid; // no way to tell a reused pid: trust it
  if (typeof owner.started === 'number')
    return Math.abs(started - owner.started) <= SAME_START_MS ? pid : null;
  // A bare pid: its holder must have been running when the lock was written.
  return started <= writtenAt + SAME_START_MS ? pid : null;
}

/** Takes the directory's lock or throws ConnectionError (code LOCKED). Returns the release function. */
export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'lock');
  const me: Owner = { pid: process.pid, started: processStart(process.pid), token: randomUUID() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, JSON.stringify(me), { flag: 'wx' });
      return () => {
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
      rmSync(file, { force: true }); // stale: its owner is gone
    }
  }
  throw new ConnectionError(`could not lock embedded data directory ${dataDir}`, { code: 'LOCKED' });
}
