import type { Executor } from '../sql/executor.js';
import { ItemRepository } from './items.js';
import { PipelineRunRepository } from './pipeline-runs.js';
import { type PluginHealthOptions, PluginHealthRepository } from './plugin-health.js';
import { ReadModels } from './read-models.js';
import { TopicRepository } from './topics.js';
import { TrendRepository } from './trends.js';

/** Every relational repository over one executor: the pool, or one transaction. */
export interface Repositories {
  /** Trends: save, get, update, delete, search, count, getTopTrends. */
  readonly trends: TrendRepository;
  /** Topics and their item links. */
  readonly topics: TopicRepository;
  /** Processed items: upserts, lookups, full-text search, retention. */
  readonly items: ItemRepository;
  /** Health records of the collector plugins. */
  readonly pluginHealth: PluginHealthRepository;
  /** Runs of the pipeline. */
  readonly pipelineRuns: PipelineRunRepository;
  /** The platform's views and counts. */
  readonly views: ReadModels;
}

/** Options of the relational repositories, part of `CreateStorageOptions`. */
export interface RepositoryOptions {
  /** When a plugin counts as unhealthy (`{ unhealthyAfter: 3 }` by default). */
  pluginHealth?: PluginHealthOptions;
}

export function createRepositories(db: Executor, options: RepositoryOptions = {}): Repositories {
  return {
    trends: new TrendRepository(db),
    topics: new TopicRepository(db),
    items: new ItemRepository(db),
    pluginHealth: new PluginHealthRepository(db, options.pluginHealth),
    pipelineRuns: new PipelineRunRepository(db),
    views: new ReadModels(db),
  };
}
