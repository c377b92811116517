// Restarting the machine's PostgreSQL and Redis, with the commands the machine starts them with.
// Only when TREND_TEST_ALLOW_RESTART=1 (CI sets it): a developer's servers are not ours to bounce.
import { execFileSync, execSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

export const ALLOW_RESTART = process.env.TREND_TEST_ALLOW_RESTART === '1';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitUntil(check: () => boolean, what: string, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (check()) return;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const ok = (cmd: string, args: string[]) => {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

export async function restartPostgres(): Promise<void> {
  const version = readdirSync('/etc/postgresql')[0]!;
  execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'restart'], {
    stdio: 'ignore',
  });
  await waitUntil(() => ok('pg_isready', ['-h', '127.0.0.1', '-p', '5432', '-q']), 'PostgreSQL');
}

export function stopRedis(): void {
  ok('redis-cli', ['-h', '127.0.0.1', '-p', '6379', 'shutdown', 'nosave']);
}

export async function startRedis(): Promise<void> {
  execSync(
    'mkdir -p /var/lib/redis /var/log/redis && redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log',
    { stdio: 'ignore' },
  );
  await waitUntil(() => ok('redis-cli', ['-h', '127.0.0.1', '-p', '6379', 'ping']), 'Redis');
}
