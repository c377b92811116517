import { resolveConfig } from '../../config.js';
import { checkHealth } from '../../health.js';
import { color, fail, type Out, ok } from '../output.js';

/** The platform's health check; exit code 1 when any check fails. */
export async function verifyCommand(out: Out, opts: { timeout: number }): Promise<number> {
  const report = await checkHealth(resolveConfig(), { timeoutMs: opts.timeout * 1000 });
  for (const c of report.checks)
    out.line(c.ok ? ok(`${c.name}: ${c.detail}`) : fail(`${c.name}: ${c.detail}`));
  out.line(
    report.ok
      ? color.green(`All checks passed! (${report.passed}/${report.total})`)
      : color.red(
          `${report.total - report.passed} of ${report.total} checks failed (${report.passed}/${report.total} passed)`,
        ),
  );
  out.result(report);
  return report.ok ? 0 : 1;
}
