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
  /** Characters in an item's title. */
  itemTitle: 5_000,
  /** Characters in an item's description. */
  itemDescription: 50_000,
  /** Characters in an item's content. Stored whole; the search index reads its first 100,000 characters. */
  itemContent: 2_000_000,
  /** Characters in a topic's or trend's summary. */
  summary: 50_000,
  /** Characters in one key point of a trend. */
  keyPoint: 1_000,
  /** Key points of one trend. */
  keyPoints: 100,
  /** Characters in one keyword. */
  keyword: 200,
  /** Keywords of one topic or trend. */
  keywords: 200,
  /** Size of a metadata object as JSON text, in UTF-8 bytes. */
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
  (v) => Buffer.byteLength(JSON.stringify(v), 'utf8') <= LIMITS.metadataBytes,
  `must be at most ${LIMITS.metadataBytes.toLocaleString('en')} bytes as JSON (UTF-8)`,
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
  .max(Number.MAX_SAFE_INTEGER, 'must be at most 2^53 - 1 (larger integers are not exact in JavaScript)')
  .int('must be an integer')
  .min(0, 'must be >= 0');
const finite = z.number().refine(Number.isFinite, 'must be a finite number');

/** Engagement counters and score (`schemas.metrics`): what MetricsInput accepts and Metrics is. */
export const metricsSchema = z.object({
  /** A safe integer >= 0 (default 0). */
  upvotes: metricCount.default(0),
  /** A safe integer >= 0 (default 0). */
  downvotes: metricCount.default(0),
  /** A safe integer >= 0 (default 0). */
  comments: metricCount.default(0),
  /** A safe integer >= 0 (default 0). */
  shares: metricCount.default(0),
  /** A safe integer >= 0 (default 0); views pass 2^31 on some sources. */
  views: metricCount.default(0),
  /** The source's or the platform's score: any finite number (default 0). */
  score: finite.default(0),
});

const embeddingSchema = z.array(finite).min(1).optional();
export const keywordSchema = nonEmpty(LIMITS.keyword);
const keywordsSchema = z.array(keywordSchema).max(LIMITS.keywords).default([]);
const sourcesSchema = z.array(sourceTypeSchema).default([]);

/** A processed item as `items.save` and `saveBatch` accept it (`schemas.processedItem`). */
export const processedItemSchema = z.object({
  /** A uuid for a new item (generated when omitted); an item saved before keeps its stored id. */
  id: uuidSchema.optional(),
  /** Where the item comes from; with `sourceId`, the item's identity (the upsert key). */
  source: sourceTypeSchema,
  /** The item's id at its source, 1–255 characters. */
  sourceId: nonEmpty(255),
  /** An absolute http(s):// URL with a host, at most 2,083 bytes of UTF-8; kept from the first save. */
  url: urlSchema,
  /** 1–5,000 characters; replaced by a re-save. */
  title: nonEmpty(LIMITS.itemTitle),
  /** Derived from `title` (NFKC, lower-cased, whitespace folded) when omitted. */
  titleNormalized: text(LIMITS.itemTitle).optional(),
  /** At most 50,000 characters; null or omitted for none. */
  description: text(LIMITS.itemDescription).nullish(),
  /** The full text, at most 2,000,000 characters; the search index reads its first 100,000. */
  content: text(LIMITS.itemContent).nullish(),
  /** Derived from `content` like `titleNormalized` when omitted. */
  contentNormalized: text(LIMITS.itemContent).nullish(),
  /** A language tag such as `en` (default) or `pt-BR`; picks the search stemmer; kept from the first save. */
  language: languageSchema.default('en'),
  /** At most 255 characters; kept from the first save. */
  author: text(255).nullish(),
  /** A Date or an ISO-8601 string with offset, years 1–9999; kept from the first save. */
  publishedAt: timestampSchema,
  /** The database's now() when omitted; kept from the first save. Retention counts from it. */
  collectedAt: timestampSchema.optional(),
  /** Engagement counters and score; an omitted field is 0. */
  metrics: metricsSchema.default(metricsSchema.parse({})),
  /** Null or omitted when uncategorised. */
  category: categorySchema.nullish(),
  /** Not stored in processed_items: embeddings live in the vector store. */
  embedding: embeddingSchema,
  /** Any JSON object, at most 1,000,000 characters as JSON (default `{}`). */
  metadata: jsonObjectSchema.default({}),
});

/** A topic as `topics.save` accepts it (`schemas.topic`). */
export const topicSchema = z.object({
  /** Saves over the topic with this uuid when there is one; a new uuid when omitted. */
  id: uuidSchema.optional(),
  /** 1–500 characters. */
  title: nonEmpty(500),
  /** At most 50,000 characters; may be empty. */
  summary: text(LIMITS.summary),
  /** One of CATEGORY_TYPES. */
  category: categorySchema,
  /** The sources the topic's items came from (default `[]`). */
  sources: sourcesSchema,
  /** The starting count; once the topic exists the database keeps it from its topic_items links. */
  itemCount: int32Count.default(0),
  /** Engagement summed over the topic (default all 0). */
  totalEngagement: metricsSchema.default(metricsSchema.parse({})),
  /** now() when omitted; a re-save without it keeps the stored one. */
  firstSeen: timestampSchema.optional(),
  /** A language tag such as `en` (default); picks the search stemmer. */
  language: languageSchema.default('en'),
  /** At most 200 keywords of 1–200 characters; `getByKeyword` matches them exactly. */
  keywords: keywordsSchema,
  /** Not stored in topics: embeddings live in the vector store. */
  embedding: embeddingSchema,
  /** Any JSON object, at most 1,000,000 characters as JSON (default `{}`). */
  metadata: jsonObjectSchema.default({}),
});

/** A trend as `trends.save` accepts it (`schemas.trend`). */
export const trendSchema = z.object({
  /** Saves over the trend with this uuid when there is one; a new uuid when omitted. */
  id: uuidSchema.optional(),
  /** The topic the trend belongs to; a missing topic is an IntegrityError (trends_topic_id_fkey). */
  topicId: uuidSchema,
  /** Position in the ranking, 1 at the top. */
  rank: z.number().int('must be an integer').min(1, 'must be > 0').max(2_147_483_647),
  /** 1–500 characters. */
  title: nonEmpty(500),
  /** At most 50,000 characters; may be empty. */
  summary: text(LIMITS.summary),
  /** At most 100 of at most 1,000 characters each (default `[]`). */
  keyPoints: z.array(text(LIMITS.keyPoint)).max(LIMITS.keyPoints).default([]),
  /** One of CATEGORY_TYPES. */
  category: categorySchema,
  /** One of TREND_STATES (default `emerging`). */
  state: trendStateSchema.default('emerging'),
  /** A finite number >= 0. */
  score: finite.pipe(z.number().min(0, 'must be >= 0')),
  /** The sources the trend's items came from (default `[]`). */
  sources: sourcesSchema,
  /** Stored as given (default 0); unlike a topic's, no trigger keeps it. */
  itemCount: int32Count.default(0),
  /** Engagement summed over the trend (default all 0). */
  totalEngagement: metricsSchema.default(metricsSchema.parse({})),
  /** How fast the trend grows, as the platform measures it: finite, >= 0 (default 0). */
  velocity: finite.pipe(z.number().min(0, 'must be >= 0')).default(0),
  /** now() when omitted; a re-save without it keeps the stored one. */
  firstSeen: timestampSchema.optional(),
  /** When engagement peaked; null or omitted when unknown. */
  peakEngagementAt: timestampSchema.nullish(),
  /** A language tag such as `en` (default); picks the search stemmer. */
  language: languageSchema.default('en'),
  /** At most 200 keywords of 1–200 characters. */
  keywords: keywordsSchema,
  /** Ids of related trends, at most 1,000; not checked to exist. */
  relatedTrendIds: z.array(uuidSchema).max(1000).default([]),
  /** Not stored in trends: embeddings live in the vector store. */
  embedding: embeddingSchema,
  /** Any JSON object, at most 1,000,000 characters as JSON (default `{}`). */
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

export const TREND_SORTS = ['rank', 'score', 'velocity', 'lastUpdated', 'relevance', 'newest'] as const;

/** What `trends.search` accepts (`schemas.trendFilter`); unknown fields are refused. */
export const trendFilterSchema = z
  .object({
    /** Only this category. */
    category: categorySchema.optional(),
    /** Any of these sources. */
    sources: z.array(sourceTypeSchema).min(1).optional(),
    /** Only this state. */
    state: trendStateSchema.optional(),
    /** Score at least this (inclusive). */
    minScore: finite.optional(),
    /** Score at most this (inclusive). */
    maxScore: finite.optional(),
    /** Only this language tag; also picks the stemmer for `q`. */
    language: languageSchema.optional(),
    /** Any of these keywords. */
    keywords: z.array(keywordSchema).min(1).max(100).optional(),
    /** Lower bound on firstSeen (inclusive). */
    dateFrom: timestampSchema.optional(),
    /** Upper bound on firstSeen (inclusive). */
    dateTo: timestampSchema.optional(),
    /** Free text over title, summary and key points; results ordered by relevance unless `sort` is given. */
    q: queryTextSchema.optional(),
    /**
     * The order (TrendSort); default `rank`, or `relevance` when `q` is given (text rank × freshness
     * over the newest 1,000 matches, which needs `q`). `newest`: latest firstSeen first.
     */
    sort: z.enum(TREND_SORTS).optional(),
    /** Most trends returned, 1–1000 (default 100). */
    limit: limitSchema.default(100),
    /** Trends skipped first, for paging (default 0). */
    offset: offsetSchema.default(0),
  })
  .strict()
  .refine((f) => f.sort !== 'relevance' || f.q !== undefined, {
    path: ['sort'],
    message: "'relevance' ranks a full-text query: give q",
  });

/** Engagement counters and score as stored and read back: every field present. */
export type Metrics = z.output<typeof metricsSchema>;
/** Engagement as accepted: every field optional (0 when omitted); counters are safe integers >= 0. */
export type MetricsInput = z.input<typeof metricsSchema>;
/**
 * An item as `items.save` / `saveBatch` accept it: required are source, sourceId, url, title and
 * publishedAt; the rest has defaults (field comments in `schemas.processedItem`).
 *
 * @example
 * ```ts
 * const item: ProcessedItemInput = {
 *   source: 'reddit', sourceId: 't3_abc', url: 'https://www.reddit.com/r/science/comments/abc',
 *   title: 'Fusion passes break-even', publishedAt: '2024-05-01T12:00:00Z', metrics: { upvotes: 1200 },
 * };
 * const id = await storage.items.save(item);
 * ```
 */
export type ProcessedItemInput = z.input<typeof processedItemSchema>;
/**
 * A topic as `topics.save` accepts it: required are title, summary and category.
 *
 * @example
 * ```ts
 * const topic: TopicInput = { title: 'Fusion', summary: '', category: 'Science', keywords: ['energy'] };
 * const topicId = await storage.topics.save(topic);
 * ```
 */
export type TopicInput = z.input<typeof topicSchema>;
/**
 * A trend as `trends.save` accepts it: required are topicId, rank, title, summary, category and score.
 *
 * @example
 * ```ts
 * const trend: TrendInput = {
 *   topicId, rank: 1, title: 'Fusion passes break-even', summary: 'Net gain', category: 'Science', score: 9,
 * };
 * const trendId = await storage.trends.save(trend);
 * ```
 */
export type TrendInput = z.input<typeof trendSchema>;
/**
 * What `trends.search` matches: every given field must hold; `q` adds full-text search.
 * `dateFrom` / `dateTo` bound `firstSeen`; unknown fields are a ValidationError.
 *
 * @example
 * ```ts
 * const filter: TrendFilter = { category: 'Science', state: 'viral', minScore: 10, q: 'fusion', limit: 20 };
 * const trends = await storage.trends.search(filter);
 * ```
 */
export type TrendFilter = z.input<typeof trendFilterSchema>;
/**
 * An order of `trends.search`: `rank` (ascending, then score), `score`, `velocity` (descending)
 * or `lastUpdated` (newest first).
 */
export type TrendSort = (typeof TREND_SORTS)[number];

/** Any value JSON can hold: string, number, boolean, null, array or object. */
export type JsonValue = z.output<ReturnType<typeof z.json>>;
/** A JSON object: the metadata of items, topics, trends, runs and vector points. */
export type JsonObject = Record<string, JsonValue>;
type Json = JsonObject;

/** A processed item as stored. */
export interface ProcessedItem {
  /** The item's uuid, kept across re-saves. */
  id: string;
  /** Where the item came from; with `sourceId`, its identity. */
  source: z.output<typeof sourceTypeSchema>;
  /** The item's id at its source. */
  sourceId: string;
  /** The URL as first saved. */
  url: string;
  /** The title of the latest save. */
  title: string;
  /** The title in matching form (NFKC, lower-cased, whitespace folded), unless the saver gave its own. */
  titleNormalized: string;
  /** Null when none was given. */
  description: string | null;
  /** The full text, stored whole; null when none was given. */
  content: string | null;
  /** The content in matching form; null without content. */
  contentNormalized: string | null;
  /** The language tag as first saved, e.g. `en`. */
  language: string;
  /** Null when unknown. */
  author: string | null;
  /** When the source published the item. */
  publishedAt: Date;
  /** When the item was first collected; retention (`purgeItems`, `deleteOlderThan`) counts from it. */
  collectedAt: Date;
  /** Engagement as of the latest save, every field present. */
  metrics: Metrics;
  /** Null when uncategorised. */
  category: z.output<typeof categorySchema> | null;
  /** The metadata of the latest save (`{}` when none). */
  metadata: Json;
}

/** A topic as stored: a group of items about one subject. */
export interface Topic {
  /** The topic's uuid. */
  id: string;
  /** The topic's title. */
  title: string;
  /** The topic's summary; may be empty. */
  summary: string;
  /** One of CATEGORY_TYPES. */
  category: z.output<typeof categorySchema>;
  /** The sources its items came from, as the saver set them. */
  sources: z.output<typeof sourceTypeSchema>[];
  /** Items linked to the topic, kept by the database as links are added and removed. */
  itemCount: number;
  /** Engagement summed over the topic, as the saver set it. */
  totalEngagement: Metrics;
  /** When the topic was first seen. */
  firstSeen: Date;
  /** When the row last changed (set by the database, also when links change its item count). */
  lastUpdated: Date;
  /** The topic's language tag, e.g. `en`. */
  language: string;
  /** The topic's keywords (`[]` when none). */
  keywords: string[];
  /** The topic's metadata (`{}` when none). */
  metadata: Json;
}

/** A trend as stored: a ranked, scored topic at one point in its life cycle. */
export interface Trend {
  /** The trend's uuid. */
  id: string;
  /** The topic the trend belongs to; deleting the topic deletes its trends. */
  topicId: string;
  /** Position in the ranking, 1 at the top. */
  rank: number;
  /** The trend's title. */
  title: string;
  /** The trend's summary; may be empty. */
  summary: string;
  /** The trend's key points (`[]` when none). */
  keyPoints: string[];
  /** One of CATEGORY_TYPES. */
  category: z.output<typeof categorySchema>;
  /** One of TREND_STATES. */
  state: z.output<typeof trendStateSchema>;
  /** The trend's score, >= 0. */
  score: number;
  /** The sources its items came from, as the saver set them. */
  sources: z.output<typeof sourceTypeSchema>[];
  /** Items behind the trend, as the saver set it (no trigger keeps it). */
  itemCount: number;
  /** Engagement summed over the trend, as the saver set it. */
  totalEngagement: Metrics;
  /** How fast the trend grows, as the platform measures it; >= 0. */
  velocity: number;
  /** When the trend was first seen; `dateFrom` / `dateTo` of a TrendFilter bound it. */
  firstSeen: Date;
  /** When the row last changed (set by the database). */
  lastUpdated: Date;
  /** When engagement peaked; null when unknown. */
  peakEngagementAt: Date | null;
  /** The trend's language tag, e.g. `en`. */
  language: string;
  /** The trend's keywords (`[]` when none). */
  keywords: string[];
  /** Ids of related trends (`[]` when none); not checked to exist. */
  relatedTrendIds: string[];
  /** The trend's metadata (`{}` when none). */
  metadata: Json;
}

/** One result of a vector search: a point's id, score and metadata. */
export interface VectorMatch {
  /** The point's id, as upserted. */
  id: string;
  /** Qdrant's definitions: cosine similarity, dot product, or euclidean distance. */
  score: number;
  /** The point's metadata. */
  metadata: JsonObject;
  /** With `withVectors: true`. */
  vector?: number[];
}

/** A plugin's health record, as `pluginHealth.recordRun` keeps it. */
export interface PluginHealth {
  /** The plugin's name. */
  name: string;
  /** False once `unhealthyAfter` runs in a row have failed (default 3); true again after a success. */
  isHealthy: boolean;
  /** The latest `at` of any recorded run. */
  lastRunAt: Date | null;
  /** The latest `at` of a successful run; null before the first. */
  lastSuccessAt: Date | null;
  /** The error of the most recently recorded failure, kept after later successes; null if none. */
  lastError: string | null;
  /** Failures recorded since the last success. */
  consecutiveFailures: number;
  /** Runs recorded. */
  totalRuns: number;
  /** Successful runs / runs, from 0 to 1. */
  successRate: number;
  /** When the record was last written (the database's clock). */
  updatedAt: Date;
}

/** One run of the platform's pipeline, from `pipelineRuns.start` to `complete` or `fail`. */
export interface PipelineRun {
  /** The run's uuid. */
  id: string;
  /** `in_progress` from start; `completed`, `failed` or what `complete` was given afterwards. */
  status: z.output<typeof processingStatusSchema>;
  /** Items collected, as reported to `complete` (0 before). */
  itemsCollected: number;
  /** Items processed, as reported to `complete` (0 before). */
  itemsProcessed: number;
  /** Items dropped as duplicates, as reported to `complete` (0 before). */
  itemsDeduplicated: number;
  /** Topics created, as reported to `complete` (0 before). */
  topicsCreated: number;
  /** Trends created, as reported to `complete` (0 before). */
  trendsCreated: number;
  /** Given to `complete`, or measured from `startedAt` by the database; null while running. */
  durationSeconds: number | null;
  /** Error messages, appended by each `complete` / `fail` (`[]` when none). */
  errors: string[];
  /** When the run was started (the database's clock). */
  startedAt: Date;
  /** When `complete` or `fail` was last called; null while running. */
  completedAt: Date | null;
  /** The metadata given to `start`. */
  metadata: Json;
}
