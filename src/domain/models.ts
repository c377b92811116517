import { z } from 'zod';
import { CATEGORY_TYPES, PROCESSING_STATUSES, SOURCE_TYPES, TREND_STATES } from './enums.js';
import { storableJsonObject, storableText } from './text.js';

/**
 * Size limits. Stored text is kept whole, but every title, description and summary also feeds a
 * generated tsvector, which PostgreSQL caps at 1 MB of lexemes (error 54000 for the whole
 * statement). These bounds keep the worst case (distinct 4-byte words) under that cap, with room
 * to spare for real articles: the longest news headlines are a few hundred characters.
 */
export const LIMITS = {
  itemTitle: 5_000,
  itemDescription: 50_000,
  /** Stored whole; the search index reads its first 100,000 characters. */
  itemContent: 2_000_000,
  summary: 50_000,
  keyPoint: 1_000,
  keyPoints: 100,
  keyword: 200,
  keywords: 200,
  metadataBytes: 1_000_000,
} as const;

const maxChars = (max: number) => `must be at most ${max.toLocaleString('en')} characters`;
const text = (max?: number) => (max ? storableText().max(max, maxChars(max)) : storableText());
const nonEmpty = (max?: number) => text(max).min(1, 'must not be empty');

export const uuidSchema = z.guid('must be a uuid');
export const sourceTypeSchema = z.enum(SOURCE_TYPES);
export const categorySchema = z.enum(CATEGORY_TYPES);
export const trendStateSchema = z.enum(TREND_STATES);
export const processingStatusSchema = z.enum(PROCESSING_STATUSES);

/**
 * A Date, or an ISO-8601 string with offset; always a valid Date after parsing. Years 1–9999:
 * PostgreSQL stores more, but the platform's Python services cannot read such a row back.
 */
export const timestampSchema = z
  .union([z.date(), z.iso.datetime({ offset: true })], 'must be a Date or an ISO-8601 timestamp')
  .transform((v) => (v instanceof Date ? v : new Date(v)))
  .refine((d) => {
    const year = d.getUTCFullYear();
    return year >= 1 && year <= 9999;
  }, 'must be between the years 1 and 9999');

/**
 * What the platform's item model accepts (pydantic's HttpUrl): an absolute http or https URL with
 * a host, at most 2,083 bytes of UTF-8 (pydantic counts bytes, so a non-ASCII URL reaches the
 * limit sooner than its character count says). Stored as given, not normalised.
 */
export const urlSchema = storableText()
  .refine((s) => Buffer.byteLength(s, 'utf8') <= 2083, 'must be at most 2,083 bytes (UTF-8)')
  .refine((s) => {
    if (!/^https?:\/\/[^\s/?#]/i.test(s) || /[\s\p{Cc}]/u.test(s)) return false;
    try {
      return new URL(s).hostname.length > 0;
    } catch {
      return false;
    }
  }, 'must be an absolute http:// or https:// URL with a host');

/** A language tag as the column holds it: "en", "pt-BR", also "EN" or "zh-Hant" written by others. */
export const languageSchema = z
  .string()
  .max(10, 'must be at most 10 characters')
  .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/, 'must be a language code such as "en" or "pt-BR"');

export const jsonObjectSchema = storableJsonObject().refine(
  (v) => JSON.stringify(v).length <= LIMITS.metadataBytes,
  `must be at most ${LIMITS.metadataBytes.toLocaleString('en')} characters as JSON`,
);

/** A metadata containment match (`metadata @> match`); empty would select every row. */
export const metadataMatchSchema = jsonObjectSchema.refine(
  (m) => Object.keys(m).length > 0,
  'must not be empty',
);

/** An int4 column (item_count, rank, pipeline counts). */
export const int32Count = z.number().int('must be an integer').min(0, 'must be >= 0').max(2_147_483_647);
/**
 * A counter inside the metrics JSON: JSONB holds any integer and views pass 2^31 (youtube), so
 * every safe integer. Above 2^53 a JavaScript number is no longer exact: rejected, not rounded.
 */
const metricCount = z
  .number()
  .int('must be an integer')
  .min(0, 'must be >= 0')
  .max(Number.MAX_SAFE_INTEGER, 'must be at most 2^53 - 1 (larger integers are not exact in JavaScript)');
const finite = z.number().refine(Number.isFinite, 'must be a finite number');

export const metricsSchema = z.object({
  upvotes: metricCount.default(0),
  downvotes: metricCount.default(0),
  comments: metricCount.default(0),
  shares: metricCount.default(0),
  views: metricCount.default(0),
  score: finite.default(0),
});

const embeddingSchema = z.array(finite).min(1).optional();
export const keywordSchema = nonEmpty(LIMITS.keyword);
const keywordsSchema = z.array(keywordSchema).max(LIMITS.keywords).default([]);
const sourcesSchema = z.array(sourceTypeSchema).default([]);

export const processedItemSchema = z.object({
  id: uuidSchema.optional(),
  source: sourceTypeSchema,
  sourceId: nonEmpty(255),
  url: urlSchema,
  title: nonEmpty(LIMITS.itemTitle),
  /** Derived from `title` (NFKC, lower-cased, whitespace folded) when omitted. */
  titleNormalized: text(LIMITS.itemTitle).optional(),
  description: text(LIMITS.itemDescription).nullish(),
  content: text(LIMITS.itemContent).nullish(),
  contentNormalized: text(LIMITS.itemContent).nullish(),
  language: languageSchema.default('en'),
  author: text(255).nullish(),
  publishedAt: timestampSchema,
  /** The database's now() when omitted. */
  collectedAt: timestampSchema.optional(),
  metrics: metricsSchema.default(metricsSchema.parse({})),
  category: categorySchema.nullish(),
  /** Not stored in processed_items: embeddings live in the vector store. */
  embedding: embeddingSchema,
  metadata: jsonObjectSchema.default({}),
});

export const topicSchema = z.object({
  id: uuidSchema.optional(),
  title: nonEmpty(500),
  summary: text(LIMITS.summary),
  category: categorySchema,
  sources: sourcesSchema,
  /** The starting count; once the topic exists the database keeps it from its topic_items links. */
  itemCount: int32Count.default(0),
  totalEngagement: metricsSchema.default(metricsSchema.parse({})),
  firstSeen: timestampSchema.optional(),
  language: languageSchema.default('en'),
  keywords: keywordsSchema,
  embedding: embeddingSchema,
  metadata: jsonObjectSchema.default({}),
});

export const trendSchema = z.object({
  id: uuidSchema.optional(),
  topicId: uuidSchema,
  rank: z.number().int('must be an integer').min(1, 'must be > 0').max(2_147_483_647),
  title: nonEmpty(500),
  summary: text(LIMITS.summary),
  keyPoints: z.array(text(LIMITS.keyPoint)).max(LIMITS.keyPoints).default([]),
  category: categorySchema,
  state: trendStateSchema.default('emerging'),
  score: finite.pipe(z.number().min(0, 'must be >= 0')),
  sources: sourcesSchema,
  itemCount: int32Count.default(0),
  totalEngagement: metricsSchema.default(metricsSchema.parse({})),
  velocity: finite.pipe(z.number().min(0, 'must be >= 0')).default(0),
  /** now() when omitted. */
  firstSeen: timestampSchema.optional(),
  peakEngagementAt: timestampSchema.nullish(),
  language: languageSchema.default('en'),
  keywords: keywordsSchema,
  relatedTrendIds: z.array(uuidSchema).max(1000).default([]),
  embedding: embeddingSchema,
  metadata: jsonObjectSchema.default({}),
});

/** Free text for full-text search. */
export const queryTextSchema = nonEmpty(1000);

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
    keywords: z.array(keywordSchema).min(1).max(100).optional(),
    /** Lower bound on firstSeen (inclusive). */
    dateFrom: timestampSchema.optional(),
    /** Upper bound on firstSeen (inclusive). */
    dateTo: timestampSchema.optional(),
    /** Free text over title, summary and key points; results ordered by relevance unless `sort` is given. */
    q: queryTextSchema.optional(),
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
