import type { Executor } from '../sql/executor.js';
import { ItemRepository } from './items.js';
import { PipelineRunRepository } from './pipeline-runs.js';
import { type PluginHealthOptions, PluginHealthRepository } from './plugin-health.js';
import { ReadModels } from './read-models.js';
import { TopicRepository } from './topics.js';
import { TrendRepository } from './trends.js';

/** Every relational repository over one executor: the pool, or one transaction. */
export interface Repositories {
  readonly trends: TrendRepository;
  readonly topics: TopicRepository;
  readonly items: ItemRepository;
  readonly pluginHealth: PluginHealthRepository;
  readonly pipelineRuns: PipelineRunRepository;
  readonly views: ReadModels;
}

export interface RepositoryOptions {
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
