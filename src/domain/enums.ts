// Labels and their order are the platform's (shared/spec/platform-schema.md): never reorder.
/** A trend's life-cycle states, in the platform's order. */
export const TREND_STATES = ['emerging', 'viral', 'sustained', 'declining', 'dead'] as const;
/** The sources an item can come from (the platform's source_type enum). */
export const SOURCE_TYPES = [
  'reddit',
  'hackernews',
  'twitter',
  'youtube',
  'google_news',
  'bbc',
  'reuters',
  'ap_news',
  'al_jazeera',
  'guardian',
  'rss',
  'custom',
] as const;
/** The categories of items, topics and trends (the platform's category_type enum). */
export const CATEGORY_TYPES = [
  'Technology',
  'Politics',
  'Entertainment',
  'Sports',
  'Science',
  'Business',
  'Health',
  'World News',
  'Environment',
  'Education',
  'Other',
] as const;
/** The states of a pipeline run (the platform's processing_status enum). */
export const PROCESSING_STATUSES = ['pending', 'in_progress', 'completed', 'failed', 'skipped'] as const;

/** One of TREND_STATES: `emerging`, `viral`, `sustained`, `declining` or `dead`. */
export type TrendState = (typeof TREND_STATES)[number];
/** One of SOURCE_TYPES, e.g. `hackernews`, `reddit`, `rss`. */
export type SourceType = (typeof SOURCE_TYPES)[number];
/** One of CATEGORY_TYPES, e.g. `Technology`, `World News`. */
export type CategoryType = (typeof CATEGORY_TYPES)[number];
/** One of PROCESSING_STATUSES: `pending`, `in_progress`, `completed`, `failed` or `skipped`. */
export type ProcessingStatus = (typeof PROCESSING_STATUSES)[number];
