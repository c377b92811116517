/**
 * The zod schemas the repositories validate with, as API: validate input ahead of a call (the CLI's
 * import checks each line with `schemas.processedItem` before batching), or derive a form from
 * them. Parsing with them gives exactly what the repositories would accept.
 *
 * @example
 * ```ts
 * const result = schemas.processedItem.safeParse(JSON.parse(line));
 * if (!result.success) console.error(result.error.issues[0]?.message); // a ZodError, not a ValidationError
 * ```
 *
 * @packageDocumentation
 */
export {
  categorySchema as category,
  languageSchema as language,
  metricsSchema as metrics,
  processedItemSchema as processedItem,
  processingStatusSchema as processingStatus,
  sourceTypeSchema as sourceType,
  timestampSchema as timestamp,
  topicSchema as topic,
  trendFilterSchema as trendFilter,
  trendSchema as trend,
  trendStateSchema as trendState,
  urlSchema as url,
  uuidSchema as uuid,
} from './domain/models.js';
