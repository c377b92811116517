import { z } from 'zod';
import {
  int32Count,
  type JsonObject,
  jsonObjectSchema,
  limitSchema,
  type PipelineRun,
  processingStatusSchema,
  uuidSchema,
} from '../domain/models.js';
import { storableText } from '../domain/text.js';
import { validate } from '../domain/validate.js';
import type { Executor } from '../sql/executor.js';
import { RUN_COLUMNS, type RunRow, toPipelineRun } from './mapping.js';

const count = int32Count;
const errorText = storableText().max(10_000);
const resultSchema = z
  .object({
    /** The run's final status (default `completed`). */
    status: processingStatusSchema.default('completed'),
    /** Items collected (omitted: as recorded so far, 0 for a new run). */
    itemsCollected: count.optional(),
    /** Items processed (omitted: as recorded so far). */
    itemsProcessed: count.optional(),
    /** Items dropped as duplicates (omitted: as recorded so far). */
    itemsDeduplicated: count.optional(),
    /** Topics created (omitted: as recorded so far). */
    topicsCreated: count.optional(),
    /** Trends created (omitted: as recorded so far). */
    trendsCreated: count.optional(),
    /** Measured from startedAt when omitted. */
    durationSeconds: z.number().min(0).refine(Number.isFinite, 'must be finite').optional(),
    /** Error messages to append to the run's, at most 10,000 of at most 10,000 characters. */
    errors: z.array(errorText).max(10_000).default([]),
  })
  .strict();
/**
 * What `pipelineRuns.complete` records: the status and counts (each a 32-bit count >= 0; an omitted
 * one keeps what the run recorded so far, so `fail` never wipes counts)
 * and errors to append.
 *
 * @example
 * ```ts
 * const result: PipelineResult = { itemsCollected: 420, itemsProcessed: 400, trendsCreated: 5 };
 * await storage.pipelineRuns.complete(runId, result);
 * ```
 */
export type PipelineResult = z.input<typeof resultSchema>;

const startSchema = z.object({ metadata: jsonObjectSchema.default({}) }).strict();
const recentSchema = z
  .object({
    /** Most runs returned, 1–1000 (default 20). */
    limit: limitSchema.default(20),
    /** Only runs in this status. */
    status: processingStatusSchema.optional(),
  })
  .strict();
/**
 * Options of `pipelineRuns.listRecent`.
 *
 * @example
 * ```ts
 * const options: RecentRunsOptions = { limit: 5, status: 'failed' };
 * const failed = await storage.pipelineRuns.listRecent(options);
 * ```
 */
export type RecentRunsOptions = z.input<typeof recentSchema>;

/**
 * The runs of the platform's pipeline (`pipeline_runs`): opened by `start`, closed by `complete`
 * or `fail`. Reached as `storage.pipelineRuns` or `tx.pipelineRuns`.
 */
export class PipelineRunRepository {
  constructor(private readonly db: Executor) {}

  /**
   * Opens a run in state in_progress, with optional metadata. Returns its id.
   *
   * @example
   * ```ts
   * const runId = await storage.pipelineRuns.start({ metadata: { trigger: 'cron' } });
   * ```
   */
  async start(options: { metadata?: JsonObject } = {}): Promise<string> {
    const { metadata: m } = validate(startSchema, options, 'options');
    const [row] = await this.db.query<{ id: string }>(
      `INSERT INTO pipeline_runs (status, metadata) VALUES ('in_progress', $1::jsonb) RETURNING id`,
      [JSON.stringify(m)],
    );
    return row!.id;
  }

  /**
   * Closes a run with its counts: sets status (default `completed`), counts and duration, appends
   * `errors`, and stamps completedAt. False when no run has that id. Calling it again overwrites
   * the counts and appends again.
   *
   * @example
   * ```ts
   * await storage.pipelineRuns.complete(runId, { itemsCollected: 420, itemsProcessed: 400 });
   * ```
   */
  async complete(id: string, result: PipelineResult = {}): Promise<boolean> {
    validate(uuidSchema, id, 'id');
    const r = validate(resultSchema, result, 'result');
    const rows = await this.db.query(
      `UPDATE pipeline_runs SET status = $2::processing_status, items_collected = coalesce($3, items_collected),
         items_processed = coalesce($4, items_processed), items_deduplicated = coalesce($5, items_deduplicated),
         topics_created = coalesce($6, topics_created), trends_created = coalesce($7, trends_created),
         duration_seconds = coalesce($8::float8, extract(epoch FROM now() - started_at)::float8),
         errors = coalesce(errors, '{}') || $9::text[], completed_at = now()
       WHERE id = $1 RETURNING 1`,
      [
        id,
        r.status,
        r.itemsCollected ?? null,
        r.itemsProcessed ?? null,
        r.itemsDeduplicated ?? null,
        r.topicsCreated ?? null,
        r.trendsCreated ?? null,
        r.durationSeconds ?? null,
        r.errors,
      ],
    );
    return rows.length > 0;
  }

  /**
   * Closes a run as failed, appending the errors (its counts are set to 0). False when no run has
   * that id; a bad error is named `errors[i]`.
   *
   * @example
   * ```ts
   * await storage.pipelineRuns.fail(runId, [String(err)]);
   * ```
   */
  async fail(id: string, errors: readonly string[]): Promise<boolean> {
    validate(resultSchema.shape.errors, errors, 'errors');
    return this.complete(id, { status: 'failed', errors: [...errors] });
  }

  /**
   * The run with this uuid, or null.
   *
   * @example
   * ```ts
   * const run = await storage.pipelineRuns.get(runId);
   * ```
   */
  async get(id: string): Promise<PipelineRun | null> {
    validate(uuidSchema, id, 'id');
    const [row] = await this.db.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM pipeline_runs WHERE id = $1`, [id]);
    return row ? toPipelineRun(row) : null;
  }

  /**
   * The most recently started runs, newest first, optionally of one status (`limit` default 20).
   *
   * @example
   * ```ts
   * const runs = await storage.pipelineRuns.listRecent({ limit: 10, status: 'completed' });
   * ```
   */
  async listRecent(options: RecentRunsOptions = {}): Promise<PipelineRun[]> {
    const { limit, status } = validate(recentSchema, options, 'options');
    const rows = await this.db.query<RunRow>(
      `SELECT ${RUN_COLUMNS} FROM pipeline_runs WHERE $1::processing_status IS NULL OR status = $1::processing_status
       ORDER BY started_at DESC, id LIMIT $2`,
      [status ?? null, limit],
    );
    return rows.map(toPipelineRun);
  }
}
