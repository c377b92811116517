import { z } from 'zod';
import type { PluginHealth } from '../domain/models.js';
import { timestampSchema } from '../domain/models.js';
import { storableText } from '../domain/text.js';
import { validate } from '../domain/validate.js';
import type { Executor } from '../sql/executor.js';
import { PLUGIN_COLUMNS, type PluginRow, toPluginHealth } from './mapping.js';

const nameSchema = storableText().min(1, 'must not be empty').max(100, 'must be at most 100 characters');
const runSchema = z
  .object({
    success: z.boolean(),
    error: storableText().max(10_000).optional(),
    /** When the run happened; now() when omitted. */
    at: timestampSchema.optional(),
  })
  .strict();
export type PluginRun = z.input<typeof runSchema>;

export interface PluginHealthOptions {
  /** A plugin turns unhealthy after this many failures in a row (default 3). */
  unhealthyAfter?: number;
}

export class PluginHealthRepository {
  readonly #unhealthyAfter: number;

  constructor(
    private readonly db: Executor,
    options: PluginHealthOptions = {},
  ) {
    this.#unhealthyAfter = options.unhealthyAfter ?? 3;
  }

  /**
   * Records one run in a single atomic statement: totals, failure streak, success rate
   * (successes / runs) and health move together even when runs are recorded concurrently.
   */
  async recordRun(name: string, run: PluginRun): Promise<PluginHealth> {
    validate(nameSchema, name, 'name');
    const r = validate(runSchema, run, 'run');
    const [row] = await this.db.query<PluginRow>(
      `INSERT INTO plugin_health AS p (name, is_healthy, last_run_at, last_success_at, last_error,
         consecutive_failures, total_runs, success_rate, updated_at)
       VALUES ($1, $2 OR $5 > 1, coalesce($3::timestamptz, now()),
         CASE WHEN $2 THEN coalesce($3::timestamptz, now()) END,
         CASE WHEN $2 THEN NULL ELSE $4 END,
         CASE WHEN $2 THEN 0 ELSE 1 END, 1, CASE WHEN $2 THEN 1 ELSE 0 END, now())
       ON CONFLICT (name) DO UPDATE SET
         total_runs = p.total_runs + 1,
         consecutive_failures = CASE WHEN $2 THEN 0 ELSE p.consecutive_failures + 1 END,
         is_healthy = $2 OR p.consecutive_failures + 1 < $5,
         success_rate = least(1, (p.success_rate * p.total_runs + CASE WHEN $2 THEN 1 ELSE 0 END) / (p.total_runs + 1)),
         last_run_at = greatest(p.last_run_at, EXCLUDED.last_run_at),
         last_success_at = CASE WHEN $2 THEN greatest(p.last_success_at, EXCLUDED.last_success_at) ELSE p.last_success_at END,
         last_error = CASE WHEN $2 THEN p.last_error ELSE $4 END,
         updated_at = now()
       RETURNING ${PLUGIN_COLUMNS}`,
      [name, r.success, r.at ?? null, r.error ?? null, this.#unhealthyAfter],
    );
    return toPluginHealth(row!);
  }

  async get(name: string): Promise<PluginHealth | null> {
    validate(nameSchema, name, 'name');
    const [row] = await this.db.query<PluginRow>(
      `SELECT ${PLUGIN_COLUMNS} FROM plugin_health WHERE name = $1`,
      [name],
    );
    return row ? toPluginHealth(row) : null;
  }

  /** Forgets a plugin's record. False when there was none. */
  async delete(name: string): Promise<boolean> {
    validate(nameSchema, name, 'name');
    return (await this.db.query('DELETE FROM plugin_health WHERE name = $1 RETURNING 1', [name])).length > 0;
  }

  /** Every plugin, unhealthy first, then by name. */
  async list(): Promise<PluginHealth[]> {
    const rows = await this.db.query<PluginRow>(
      `SELECT ${PLUGIN_COLUMNS} FROM plugin_health ORDER BY is_healthy, name`,
    );
    return rows.map(toPluginHealth);
  }
}
