// Labels and their order are the platform's (shared/spec/platform-schema.md): never reorder.
export const TREND_STATES = ['emerging', 'viral', 'sustained', 'declining', 'dead'] as const;
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
export const PROCESSING_STATUSES = ['pending', 'in_progress', 'completed', 'failed', 'skipped'] as const;

export type TrendState = (typeof TREND_STATES)[number];
export type SourceType = (typeof SOURCE_TYPES)[number];
export type CategoryType = (typeof CATEGORY_TYPES)[number];
export type ProcessingStatus = (typeof PROCESSING_STATUSES)[number];
