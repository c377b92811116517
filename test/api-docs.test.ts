// docs/api is generated from the code (npm run docs:api). A change to the public API or its
// comments without regenerating it fails here.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { expect, test } from 'vitest';

function files(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[relative(dir, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

test('docs/api is in sync with the code (npm run docs:api)', () => {
  const fresh = mkdtempSync(join(tmpdir(), 'ts-api-'));
  execFileSync(
    process.execPath,
    ['node_modules/typedoc/bin/typedoc', '--out', fresh, '--logLevel', 'Error'],
    {
      stdio: 'pipe',
    },
  );
  const generated = files(fresh);
  expect(Object.keys(generated).length).toBeGreaterThan(0);
  expect(files('docs/api')).toEqual(generated);
}, 120_000);
