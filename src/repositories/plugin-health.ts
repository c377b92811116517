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
    /** Whether the run succeeded. */
    success: z.boolean(),
    /** What went wrong (at most 10,000 characters): lastError when the run failed, ignored otherwise. */
    error: storableText().max(10_000).optional(),
    /** When the run happened; now() when omitted. */
    at: timestampSchema.optional(),
  })
  .strict();
/**
 * One run of a plugin, as `pluginHealth.recordRun` takes it.
 *
 * @example
 * ```ts
 * const run: PluginRun = { success: false, error: 'HTTP 503 from the feed', at: new Date() };
 * await storage.pluginHealth.recordRun('reddit', run);
 * ```
 */
export type PluginRun = z.input<typeof runSchema>;

/** Tuning of the plugin-health records, given to `createStorage({ pluginHealth })`. */
export interface PluginHealthOptions {
  /** A plugin turns unhealthy after this many failures in a row (default 3). */
  unhealthyAfter?: number;
}

/**
 * The health records of the platform's collector plugins (`plugin_health`). Reached as
 * `storage.pluginHealth` or `tx.pluginHealth`.
 */
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
   * Returns the plugin's record as the database computed it; the first run of a `name` (1–100
   * characters) creates it.
   *
   * @example
   * ```ts
   * const health = await storage.pluginHealth.recordRun('hackernews', { success: true });
   * ```
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

  /**
   * The plugin's record, or null before its first recorded run.
   *
   * @example
   * ```ts
   * const health = await storage.pluginHealth.get('reddit');
   * ```
   */
  async get(name: string): Promise<PluginHealth | null> {
    validate(nameSchema, name, 'name');
    const [row] = await this.db.query<PluginRow>(
      `SELECT ${PLUGIN_COLUMNS} FROM plugin_health WHERE name = $1`,
      [name],
    );
    return row ? toPluginHealth(row) : null;
  }

  /**
   * Forgets a plugin's record. False when there was none.
   *
   * @example
   * ```ts
   * await storage.pluginHealth.delete('retired_plugin');
   * ```
   */
  async delete(name: string): Promise<boolean> {
    validate(nameSchema, name, 'name');
    return (await this.db.query('DELETE FROM plugin_health WHERE name = $1 RETURNING 1', [name])).length > 0;
  }

  /**
   * Every plugin, unhealthy first, then by name.
   *
   * @example
   * ```ts
   * const unhealthy = (await storage.pluginHealth.list()).filter((p) => !p.isHealthy);
   * ```
   */
  async list(): Promise<PluginHealth[]> {
    const rows = await this.db.query<PluginRow>(
      `SELECT ${PLUGIN_COLUMNS} FROM plugin_health ORDER BY is_healthy, name`,
    );
    return rows.map(toPluginHealth);
  }
}
