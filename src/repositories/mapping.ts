// Rows → domain objects. Rows may have been written by other platform services, so nullable
// arrays and JSON are defaulted here and metrics are normalised to the full shape.
import type { CategoryType, ProcessingStatus, SourceType, TrendState } from '../domain/enums.js';
import type {
  JsonObject,
  Metrics,
  PipelineRun,
  PluginHealth,
  ProcessedItem,
  Topic,
  Trend,
} from '../domain/models.js';

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v ?? 0) || 0);

export function toMetrics(v: unknown): Metrics {
  const m = (v && typeof v === 'object' ? v : {}) as Record<string, unknown>;
  return {
    upvotes: num(m.upvotes),
    downvotes: num(m.downvotes),
    comments: num(m.comments),
    shares: num(m.shares),
    views: num(m.views),
    score: num(m.score),
  };
}

const json = (v: unknown): JsonObject =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as JsonObject) : {};

// Enum arrays are selected as text[] (both drivers parse those); see the column lists below.
export const TREND_COLUMNS = `id, topic_id, rank, title, summary, coalesce(key_points, '{}') AS key_points,
  category::text AS category, state::text AS state, score, sources::text[] AS sources, item_count, velocity,
  language, coalesce(keywords, '{}') AS keywords, coalesce(related_trend_ids, '{}')::text[] AS related_trend_ids,
  total_engagement, first_seen, last_updated, peak_engagement_at, metadata`;

export interface TrendRow {
  id: string;
  topic_id: string;
  rank: number;
  title: string;
  summary: string;
  key_points: string[];
  category: string;
  state: string;
  score: number;
  sources: string[];
  item_count: number;
  velocity: number;
  language: string;
  keywords: string[];
  related_trend_ids: string[];
  total_engagement: unknown;
  first_seen: Date;
  last_updated: Date;
  peak_engagement_at: Date | null;
  metadata: unknown;
  [k: string]: unknown;
}

export function toTrend(r: TrendRow): Trend {
  return {
    id: r.id,
    topicId: r.topic_id,
    rank: r.rank,
    title: r.title,
    summary: r.summary,
    keyPoints: r.key_points,
    category: r.category as CategoryType,
    state: r.state as TrendState,
    score: r.score,
    sources: r.sources as SourceType[],
    itemCount: r.item_count,
    totalEngagement: toMetrics(r.total_engagement),
    velocity: r.velocity,
    firstSeen: r.first_seen,
    lastUpdated: r.last_updated,
    peakEngagementAt: r.peak_engagement_at,
    language: r.language,
    keywords: r.keywords,
    relatedTrendIds: r.related_trend_ids,
    metadata: json(r.metadata),
  };
}

export const TOPIC_COLUMNS = `id, title, summary, category::text AS category, sources::text[] AS sources, item_count,
  language, coalesce(keywords, '{}') AS keywords, total_engagement, first_seen, last_updated, metadata`;

export interface TopicRow {
  id: string;
  title: string;
  summary: string;
  category: string;
  sources: string[];
  item_count: number;
  language: string;
  keywords: string[];
  total_engagement: unknown;
  first_seen: Date;
  last_updated: Date;
  metadata: unknown;
  [k: string]: unknown;
}

export function toTopic(r: TopicRow): Topic {
  return {
    id: r.id,
    title: r.title,
    summary: r.summary,
    category: r.category as CategoryType,
    sources: r.sources as SourceType[],
    itemCount: r.item_count,
    totalEngagement: toMetrics(r.total_engagement),
    firstSeen: r.first_seen,
    lastUpdated: r.last_updated,
    language: r.language,
    keywords: r.keywords,
    metadata: json(r.metadata),
  };
}

export const ITEM_COLUMNS = `id, source::text AS source, source_id, url, title, title_normalized, description, content,
  content_normalized, language, author, category::text AS category, metrics, published_at, collected_at, metadata`;

export interface ItemRow {
  id: string;
  source: string;
  source_id: string;
  url: string;
  title: string;
  title_normalized: string;
  description: string | null;
  content: string | null;
  content_normalized: string | null;
  language: string;
  author: string | null;
  category: string | null;
  metrics: unknown;
  published_at: Date;
  collected_at: Date;
  metadata: unknown;
  [k: string]: unknown;
}

export function toItem(r: ItemRow): ProcessedItem {
  return {
    id: r.id,
    source: r.source as SourceType,
    sourceId: r.source_id,
    url: r.url,
    title: r.title,
    titleNormalized: r.title_normalized,
    description: r.description,
    content: r.content,
    contentNormalized: r.content_normalized,
    language: r.language,
    author: r.author,
    publishedAt: r.published_at,
    collectedAt: r.collected_at,
    metrics: toMetrics(r.metrics),
    category: r.category as CategoryType | null,
    metadata: json(r.metadata),
  };
}

export const PLUGIN_COLUMNS = `name, is_healthy, last_run_at, last_success_at, last_error, consecutive_failures,
  total_runs, success_rate, updated_at`;

export interface PluginRow {
  name: string;
  is_healthy: boolean;
  last_run_at: Date | null;
  last_success_at: Date | null;
  last_error: string | null;
  consecutive_failures: number;
  total_runs: number;
  success_rate: number;
  updated_at: Date;
  [k: string]: unknown;
}

export function toPluginHealth(r: PluginRow): PluginHealth {
  return {
    name: r.name,
    isHealthy: r.is_healthy,
    lastRunAt: r.last_run_at,
    lastSuccessAt: r.last_success_at,
    lastError: r.last_error,
    consecutiveFailures: r.consecutive_failures,
    totalRuns: r.total_runs,
    successRate: r.success_rate,
    updatedAt: r.updated_at,
  };
}

export const RUN_COLUMNS = `id, status::text AS status, items_collected, items_processed, items_deduplicated,
  topics_created, trends_created, duration_seconds, coalesce(errors, '{}') AS errors, started_at, completed_at, metadata`;

export interface RunRow {
  id: string;
  status: string;
  items_collected: number;
  items_processed: number;
  items_deduplicated: number;
  topics_created: number;
  trends_created: number;
  duration_seconds: number | null;
  errors: string[];
  started_at: Date;
  completed_at: Date | null;
  metadata: unknown;
  [k: string]: unknown;
}

export function toPipelineRun(r: RunRow): PipelineRun {
  return {
    id: r.id,
    status: r.status as ProcessingStatus,
    itemsCollected: r.items_collected,
    itemsProcessed: r.items_processed,
    itemsDeduplicated: r.items_deduplicated,
    topicsCreated: r.topics_created,
    trendsCreated: r.trends_created,
    durationSeconds: r.duration_seconds,
    errors: r.errors,
    startedAt: r.started_at,
    completedAt: r.completed_at,
    metadata: json(r.metadata),
  };
}
