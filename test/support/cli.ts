import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(ROOT, 'dist/cli/main.js');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** The environment without any server configuration or colour setting: the embedded default. */
export function embeddedEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) {
    if (/^(DATABASE_URL|POSTGRES_|REDIS_|QDRANT_|TREND_DATA_DIR|FORCE_COLOR|NO_COLOR)/.test(k)) delete env[k];
  }
  // CI=true as on a CI machine: output to a pipe must stay plain there too.
  return { ...env, CI: 'true', TREND_DATA_DIR: mkdtempSync(join(tmpdir(), 'ts-cli-')), ...extra };
}

export function run(
  args: string[],
  env: NodeJS.ProcessEnv,
  options: { input?: string; cwd?: string; file?: string } = {},
): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [options.file ?? BIN, ...args],
      { env, cwd: options.cwd ?? ROOT, maxBuffer: 64 * 1024 * 1024, timeout: 180_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr, ms: Date.now() - started });
      },
    );
    if (options.input !== undefined) child.stdin!.end(options.input);
  });
}
