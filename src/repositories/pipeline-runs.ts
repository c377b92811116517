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
    status: processingStatusSchema.default('completed'),
    itemsCollected: count.default(0),
    itemsProcessed: count.default(0),
    itemsDeduplicated: count.default(0),
    topicsCreated: count.default(0),
    trendsCreated: count.default(0),
    /** Measured from startedAt when omitted. */
    durationSeconds: z.number().min(0).refine(Number.isFinite, 'must be finite').optional(),
    errors: z.array(errorText).max(10_000).default([]),
  })
  .strict();
export type PipelineResult = z.input<typeof resultSchema>;

const startSchema = z.object({ metadata: jsonObjectSchema.default({}) }).strict();
const recentSchema = z
  .object({ limit: limitSchema.default(20), status: processingStatusSchema.optional() })
  .strict();
export type RecentRunsOptions = z.input<typeof recentSchema>;

export class PipelineRunRepository {
  constructor(private readonly db: Executor) {}

  /** Opens a run in state in_progress. Returns its id. */
  async start(options: { metadata?: JsonObject } = {}): Promise<string> {
    const { metadata: m } = validate(startSchema, options, 'options');
    const [row] = await this.db.query<{ id: string }>(
      `INSERT INTO pipeline_runs (status, metadata) VALUES ('in_progress', $1::jsonb) RETURNING id`,
      [JSON.stringify(m)],
    );
    return row!.id;
  }

  /** Closes a run with its counts. False when no run has that id. */
  async complete(id: string, result: PipelineResult = {}): Promise<boolean> {
    validate(uuidSchema, id, 'id');
    const r = validate(resultSchema, result, 'result');
    const rows = await this.db.query(
      `UPDATE pipeline_runs SET status = $2::processing_status, items_collected = $3, items_processed = $4,
         items_deduplicated = $5, topics_created = $6, trends_created = $7,
         duration_seconds = coalesce($8::float8, extract(epoch FROM now() - started_at)::float8),
         errors = coalesce(errors, '{}') || $9::text[], completed_at = now()
       WHERE id = $1 RETURNING 1`,
      [
        id,
        r.status,
        r.itemsCollected,
        r.itemsProcessed,
        r.itemsDeduplicated,
        r.topicsCreated,
        r.trendsCreated,
        r.durationSeconds ?? null,
        r.errors,
      ],
    );
    return rows.length > 0;
  }

  /** Closes a run as failed, appending the errors. False when no run has that id. */
  async fail(id: string, errors: readonly string[]): Promise<boolean> {
    validate(resultSchema.shape.errors, errors, 'errors');
    return this.complete(id, { status: 'failed', errors: [...errors] });
  }

  async get(id: string): Promise<PipelineRun | null> {
    validate(uuidSchema, id, 'id');
    const [row] = await this.db.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM pipeline_runs WHERE id = $1`, [id]);
    return row ? toPipelineRun(row) : null;
  }

  /** Newest first, optionally of one status. */
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
