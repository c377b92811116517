// The zod schemas the repositories validate with, as API: validate input ahead of a call (the CLI's
// import checks each line with `schemas.processedItem` before batching), or derive a form from
// them. Parsing with them gives exactly what the repositories would accept.
export {
  metricsSchema as metrics,
  processedItemSchema as processedItem,
  topicSchema as topic,
  trendFilterSchema as trendFilter,
  trendSchema as trend,
} from './domain/models.js';
