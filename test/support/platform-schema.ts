// shared/spec/platform-schema.md, transcribed by hand into the catalog's own words.
// Independent of the migration SQL on purpose: the schema test compares the two.

export const METRICS_DEFAULT = { upvotes: 0, downvotes: 0, comments: 0, shares: 0, views: 0, score: 0 };

type Default = string | null | { json: unknown };
/** [type, NOT NULL, default] */
type Col = [string, boolean, Default];

const uuidPk: Col = ['uuid', true, 'gen_random_uuid()'];
const metrics: Col = ['jsonb', true, { json: METRICS_DEFAULT }];
const metadata: Col = ['jsonb', false, { json: {} }];
const tstz = 'timestamp with time zone';

export const ENUMS: Record<string, string[]> = {
  trend_state: ['emerging', 'viral', 'sustained', 'declining', 'dead'],
  source_type: [
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
  ],
  category_type: [
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
  ],
  processing_status: ['pending', 'in_progress', 'completed', 'failed', 'skipped'],
};

export const TABLES: Record<string, Record<string, Col>> = {
  topics: {
    id: uuidPk,
    title: ['character varying(500)', true, null],
    summary: ['text', true, null],
    category: ['category_type', true, null],
    sources: ['source_type[]', true, "'{}'::source_type[]"],
    item_count: ['integer', true, '0'],
    language: ['character varying(10)', true, "'en'::character varying"],
    keywords: ['text[]', false, "'{}'::text[]"],
    total_engagement: metrics,
    first_seen: [tstz, true, 'now()'],
    last_updated: [tstz, true, 'now()'],
    metadata,
  },
  trends: {
    id: uuidPk,
    topic_id: ['uuid', true, null],
    rank: ['integer', true, null],
    title: ['character varying(500)', true, null],
    summary: ['text', true, null],
    key_points: ['text[]', false, "'{}'::text[]"],
    category: ['category_type', true, null],
    state: ['trend_state', true, "'emerging'::trend_state"],
    score: ['double precision', true, null],
    sources: ['source_type[]', true, "'{}'::source_type[]"],
    item_count: ['integer', true, '0'],
    velocity: ['double precision', true, '0.0'],
    language: ['character varying(10)', true, "'en'::character varying"],
    keywords: ['text[]', false, "'{}'::text[]"],
    related_trend_ids: ['uuid[]', false, "'{}'::uuid[]"],
    total_engagement: metrics,
    first_seen: [tstz, true, null],
    last_updated: [tstz, true, 'now()'],
    peak_engagement_at: [tstz, false, null],
    metadata,
  },
  processed_items: {
    id: uuidPk,
    source: ['source_type', true, null],
    source_id: ['character varying(255)', true, null],
    url: ['text', true, null],
    title: ['text', true, null],
    title_normalized: ['text', true, null],
    description: ['text', false, null],
    content: ['text', false, null],
    content_normalized: ['text', false, null],
    language: ['character varying(10)', true, "'en'::character varying"],
    author: ['character varying(255)', false, null],
    category: ['category_type', false, null],
    metrics,
    published_at: [tstz, true, null],
    collected_at: [tstz, true, 'now()'],
    metadata,
  },
  topic_items: {
    topic_id: ['uuid', true, null],
    item_id: ['uuid', true, null],
    added_at: [tstz, true, 'now()'],
  },
  plugin_health: {
    name: ['character varying(100)', true, null],
    is_healthy: ['boolean', true, 'true'],
    last_run_at: [tstz, false, null],
    last_success_at: [tstz, false, null],
    last_error: ['text', false, null],
    consecutive_failures: ['integer', true, '0'],
    total_runs: ['integer', true, '0'],
    success_rate: ['double precision', true, '0.0'],
    updated_at: [tstz, true, 'now()'],
  },
  pipeline_runs: {
    id: uuidPk,
    status: ['processing_status', true, null],
    items_collected: ['integer', true, '0'],
    items_processed: ['integer', true, '0'],
    items_deduplicated: ['integer', true, '0'],
    topics_created: ['integer', true, '0'],
    trends_created: ['integer', true, '0'],
    duration_seconds: ['double precision', false, null],
    errors: ['text[]', false, "'{}'::text[]"],
    started_at: [tstz, true, 'now()'],
    completed_at: [tstz, false, null],
    metadata,
  },
};

/** "table.constraint" → definition as pg_get_constraintdef prints it. */
export const CONSTRAINTS: Record<string, string> = {
  'topics.topics_pkey': 'PRIMARY KEY (id)',
  'topics.topics_item_count_check': 'CHECK ((item_count >= 0))',
  'trends.trends_pkey': 'PRIMARY KEY (id)',
  'trends.trends_topic_id_fkey': 'FOREIGN KEY (topic_id) REFERENCES topics(id) ON DELETE CASCADE',
  'trends.trends_rank_check': 'CHECK ((rank > 0))',
  'trends.trends_score_check': 'CHECK ((score >= (0)::double precision))',
  'trends.trends_velocity_check': 'CHECK ((velocity >= (0)::double precision))',
  'processed_items.processed_items_pkey': 'PRIMARY KEY (id)',
  'processed_items.processed_items_source_unique': 'UNIQUE (source, source_id)',
  'topic_items.topic_items_pkey': 'PRIMARY KEY (topic_id, item_id)',
  'topic_items.topic_items_topic_id_fkey': 'FOREIGN KEY (topic_id) REFERENCES topics(id) ON DELETE CASCADE',
  'topic_items.topic_items_item_id_fkey':
    'FOREIGN KEY (item_id) REFERENCES processed_items(id) ON DELETE CASCADE',
  'plugin_health.plugin_health_pkey': 'PRIMARY KEY (name)',
  'plugin_health.plugin_health_success_rate_check':
    'CHECK (((success_rate >= (0.0)::double precision) AND (success_rate <= (1.0)::double precision)))',
  'pipeline_runs.pipeline_runs_pkey': 'PRIMARY KEY (id)',
};

const btree = (name: string, table: string, cols: string) => [
  name,
  `CREATE INDEX ${name} ON ${table} USING btree (${cols})`,
];
const gin = (name: string, table: string, col: string) => [
  name,
  `CREATE INDEX ${name} ON ${table} USING gin (${col})`,
];

export const INDEXES: Record<string, string> = Object.fromEntries([
  btree('idx_topics_category', 'topics', 'category'),
  btree('idx_topics_language', 'topics', 'language'),
  btree('idx_topics_first_seen', 'topics', 'first_seen DESC'),
  btree('idx_topics_last_updated', 'topics', 'last_updated DESC'),
  gin('idx_topics_keywords', 'topics', 'keywords'),
  gin('idx_topics_metadata', 'topics', 'metadata'),
  btree('idx_trends_topic_id', 'trends', 'topic_id'),
  btree('idx_trends_rank', 'trends', 'rank'),
  btree('idx_trends_category', 'trends', 'category'),
  btree('idx_trends_state', 'trends', 'state'),
  btree('idx_trends_score', 'trends', 'score DESC'),
  btree('idx_trends_language', 'trends', 'language'),
  btree('idx_trends_first_seen', 'trends', 'first_seen DESC'),
  btree('idx_trends_last_updated', 'trends', 'last_updated DESC'),
  gin('idx_trends_keywords', 'trends', 'keywords'),
  gin('idx_trends_metadata', 'trends', 'metadata'),
  btree('idx_trends_composite_rank_score', 'trends', 'rank, score DESC'),
  btree('idx_processed_items_source', 'processed_items', 'source'),
  btree('idx_processed_items_source_id', 'processed_items', 'source_id'),
  btree('idx_processed_items_language', 'processed_items', 'language'),
  btree('idx_processed_items_category', 'processed_items', 'category'),
  btree('idx_processed_items_published_at', 'processed_items', 'published_at DESC'),
  btree('idx_processed_items_collected_at', 'processed_items', 'collected_at DESC'),
  gin('idx_processed_items_metadata', 'processed_items', 'metadata'),
  btree('idx_topic_items_topic_id', 'topic_items', 'topic_id'),
  btree('idx_topic_items_item_id', 'topic_items', 'item_id'),
  btree('idx_pipeline_runs_status', 'pipeline_runs', 'status'),
  btree('idx_pipeline_runs_started_at', 'pipeline_runs', 'started_at DESC'),
]);

export const TRIGGERS: Record<string, string> = {
  trigger_topics_updated:
    'CREATE TRIGGER trigger_topics_updated BEFORE UPDATE ON topics FOR EACH ROW EXECUTE FUNCTION update_topics_timestamp()',
  trigger_trends_updated:
    'CREATE TRIGGER trigger_trends_updated BEFORE UPDATE ON trends FOR EACH ROW EXECUTE FUNCTION update_trends_timestamp()',
  trigger_topic_items_count:
    'CREATE TRIGGER trigger_topic_items_count AFTER INSERT OR DELETE ON topic_items FOR EACH ROW EXECUTE FUNCTION update_topic_item_count()',
};

export const VIEWS: Record<string, string[]> = {
  trending_topics: [
    'id',
    'topic_id',
    'title',
    'summary',
    'category',
    'state',
    'rank',
    'score',
    'velocity',
    'item_count',
    'sources',
    'keywords',
    'first_seen',
    'last_updated',
    'engagement_score',
  ],
  popular_items_by_source: ['source', 'category', 'item_count', 'avg_score', 'latest_published'],
};

/** Extensions the platform's schema creates: its INSERTs call uuid_generate_v4() by name. */
export const EXTENSIONS = ['uuid-ossp', 'pgcrypto'];

/** signature → result type */
export const FUNCTIONS: Record<string, string> = {
  'update_topics_timestamp()': 'trigger',
  'update_trends_timestamp()': 'trigger',
  'update_topic_item_count()': 'trigger',
  'cleanup_old_items(days_to_keep integer)': 'integer',
  'get_top_trends_by_category(p_category category_type, p_limit integer, p_date_from timestamp with time zone)':
    'TABLE(id uuid, rank integer, title character varying, summary text, score double precision, state trend_state, category category_type)',
};
