import { z } from 'zod';
import { CATEGORY_TYPES, PROCESSING_STATUSES, SOURCE_TYPES, TREND_STATES } from './enums.js';

// PostgreSQL text cannot hold NUL; rejecting it here turns a driver error into a named field.
const text = () => z.string().refine((s) => !s.includes('\0'), 'must not contain NUL characters');
const shortText = (max: number) => text().pipe(z.string().max(max, `must be at most ${max} characters`));
const nonEmpty = (max?: number) =>
  (max ? shortText(max) : text()).pipe(z.string().min(1, 'must not be empty'));

export const uuidSchema = z.guid('must be a uuid');
export const sourceTypeSchema = z.enum(SOURCE_TYPES);
export const categorySchema = z.enum(CATEGORY_TYPES);
export const trendStateSchema = z.enum(TREND_STATES);
export const processingStatusSchema = z.enum(PROCESSING_STATUSES);

/** A Date, or an ISO-8601 string with offset; always a valid Date after parsing. */
export const timestampSchema = z
  .union([z.date(), z.iso.datetime({ offset: true })], 'must be a Date or an ISO-8601 timestamp')
  .transform((v) => (v instanceof Date ? v : new Date(v)));

export const languageSchema = z
  .string()
  .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,6})?$/, 'must be an ISO 639-1 code such as "en" or "pt-BR"')
  .max(10);

const jsonObject = z
  .record(z.string(), z.json())
  .refine((v) => !JSON.stringify(v).includes('\\u0000'), 'must not contain NUL characters');

const count = z.number().int('must be an integer').min(0, 'must be >= 0').max(2_147_483_647);
const finite = z.number().refine(Number.isFinite, 'must be a finite number');

export const metricsSchema = z.object({
  upvotes: count.default(0),
  downvotes: count.default(0),
  comments: count.default(0),
  shares: count.default(0),
  views: count.default(0),
  score: finite.default(0),
});

const embeddingSchema = z.array(finite).min(1).optional();
const keywordsSchema = z.array(nonEmpty(200)).max(1000).default([]);
const sourcesSchema = z.array(sourceTypeSchema).default([]);

export const processedItemSchema = z.object({
  id: uuidSchema.optional(),
  source: sourceTypeSchema,
  sourceId: nonEmpty(255),
  url: nonEmpty(),
  title: nonEmpty(),
  /** Derived from `title` (lower-cased, whitespace folded) when omitted. */
  titleNormalized: text().optional(),
  description: text().nullish(),
  content: text().nullish(),
  contentNormalized: text().nullish(),
  language: languageSchema.default('en'),
  author: shortText(255).nullish(),
  publishedAt: timestampSchema,
  /** The database's now() when omitted. */
  collectedAt: timestampSchema.optional(),
  metrics: metricsSchema.default(metricsSchema.parse({})),
  category: categorySchema.nullish(),
  /** Not stored in processed_items: embeddings live in the vector store. */
  embedding: embeddingSchema,
  metadata: jsonObject.default({}),
});

export const topicSchema = z.object({
  id: uuidSchema.optional(),
  title: nonEmpty(500),
  summary: text(),
  category: categorySchema,
  sources: sourcesSchema,
  /** Maintained by the database from topic_items once links exist. */
  itemCount: count.default(0),
  totalEngagement: metricsSchema.default(metricsSchema.parse({})),
  firstSeen: timestampSchema.optional(),
  language: languageSchema.default('en'),
  keywords: keywordsSchema,
  embedding: embeddingSchema,
  metadata: jsonObject.default({}),
});

export const trendSchema = z.object({
  id: uuidSchema.optional(),
  topicId: uuidSchema,
  rank: z.number().int('must be an integer').min(1, 'must be > 0').max(2_147_483_647),
  title: nonEmpty(500),
  summary: text(),
  keyPoints: z.array(text()).max(1000).default([]),
  category: categorySchema,
  state: trendStateSchema.default('emerging'),
  score: finite.pipe(z.number().min(0, 'must be >= 0')),
  sources: sourcesSchema,
  itemCount: count.default(0),
  totalEngagement: metricsSchema.default(metricsSchema.parse({})),
  velocity: finite.pipe(z.number().min(0, 'must be >= 0')).default(0),
  /** now() when omitted. */
  firstSeen: timestampSchema.optional(),
  peakEngagementAt: timestampSchema.nullish(),
  language: languageSchema.default('en'),
  keywords: keywordsSchema,
  relatedTrendIds: z.array(uuidSchema).max(1000).default([]),
  embedding: embeddingSchema,
  metadata: jsonObject.default({}),
});

export const limitSchema = z
  .number()
  .int('must be an integer')
  .min(1, 'must be >= 1')
  .max(1000, 'must be <= 1000');
export const offsetSchema = z.number().int('must be an integer').min(0, 'must be >= 0');

export const TREND_SORTS = ['rank', 'score', 'velocity', 'lastUpdated'] as const;

export const trendFilterSchema = z
  .object({
    category: categorySchema.optional(),
    /** Any of these sources. */
    sources: z.array(sourceTypeSchema).min(1).optional(),
    state: trendStateSchema.optional(),
    minScore: finite.optional(),
    maxScore: finite.optional(),
    language: languageSchema.optional(),
    /** Any of these keywords. */
    keywords: z.array(nonEmpty(200)).min(1).max(100).optional(),
    /** Lower bound on firstSeen (inclusive). */
    dateFrom: timestampSchema.optional(),
    /** Upper bound on firstSeen (inclusive). */
    dateTo: timestampSchema.optional(),
    /** Free text over title, summary and key points; results ordered by relevance unless `sort` is given. */
    q: nonEmpty(1000).optional(),
    sort: z.enum(TREND_SORTS).optional(),
    limit: limitSchema.default(100),
    offset: offsetSchema.default(0),
  })
  .strict();

export type Metrics = z.output<typeof metricsSchema>;
export type MetricsInput = z.input<typeof metricsSchema>;
export type ProcessedItemInput = z.input<typeof processedItemSchema>;
export type TopicInput = z.input<typeof topicSchema>;
export type TrendInput = z.input<typeof trendSchema>;
export type TrendFilter = z.input<typeof trendFilterSchema>;
export type TrendSort = (typeof TREND_SORTS)[number];

export type JsonValue = z.output<ReturnType<typeof z.json>>;
export type JsonObject = Record<string, JsonValue>;
type Json = JsonObject;

/** A processed item as stored. */
export interface ProcessedItem {
  id: string;
  source: z.output<typeof sourceTypeSchema>;
  sourceId: string;
  url: string;
  title: string;
  titleNormalized: string;
  description: string | null;
  content: string | null;
  contentNormalized: string | null;
  language: string;
  author: string | null;
  publishedAt: Date;
  collectedAt: Date;
  metrics: Metrics;
  category: z.output<typeof categorySchema> | null;
  metadata: Json;
}

export interface Topic {
  id: string;
  title: string;
  summary: string;
  category: z.output<typeof categorySchema>;
  sources: z.output<typeof sourceTypeSchema>[];
  itemCount: number;
  totalEngagement: Metrics;
  firstSeen: Date;
  lastUpdated: Date;
  language: string;
  keywords: string[];
  metadata: Json;
}

export interface Trend {
  id: string;
  topicId: string;
  rank: number;
  title: string;
  summary: string;
  keyPoints: string[];
  category: z.output<typeof categorySchema>;
  state: z.output<typeof trendStateSchema>;
  score: number;
  sources: z.output<typeof sourceTypeSchema>[];
  itemCount: number;
  totalEngagement: Metrics;
  velocity: number;
  firstSeen: Date;
  lastUpdated: Date;
  peakEngagementAt: Date | null;
  language: string;
  keywords: string[];
  relatedTrendIds: string[];
  metadata: Json;
}

export interface VectorMatch {
  id: string;
  /** Qdrant's definitions: cosine similarity, dot product, or euclidean distance. */
  score: number;
  metadata: JsonObject;
  /** With `withVectors: true`. */
  vector?: number[];
}

export interface PluginHealth {
  name: string;
  isHealthy: boolean;
  lastRunAt: Date | null;
  lastSuccessAt: Date | null;
  lastError: string | null;
  consecutiveFailures: number;
  totalRuns: number;
  successRate: number;
  updatedAt: Date;
}

export interface PipelineRun {
  id: string;
  status: z.output<typeof processingStatusSchema>;
  itemsCollected: number;
  itemsProcessed: number;
  itemsDeduplicated: number;
  topicsCreated: number;
  trendsCreated: number;
  durationSeconds: number | null;
  errors: string[];
  startedAt: Date;
  completedAt: Date | null;
  metadata: Json;
}
