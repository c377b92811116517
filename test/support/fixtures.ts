import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { ProcessedItemInput, TopicInput, TrendInput } from '../../src/domain/models.js';
import { createRepositories, type Repositories } from '../../src/repositories/index.js';
import type { Database } from '../../src/sql/executor.js';
import { migrate } from '../../src/sql/migrate.js';
import type { SqlEngine, TestDatabase } from './engines.js';

export interface Ctx extends Repositories {
  db: Database;
}

/**
 * One migrated database per suite (engines boot in seconds), emptied before each test so
 * tests do not see each other's rows.
 */
export function useRepositories(engine: SqlEngine): Ctx {
  const ctx = {} as Ctx & { t?: TestDatabase };
  beforeAll(async () => {
    ctx.t = await engine.create();
    await migrate(ctx.t.db);
    Object.assign(ctx, createRepositories(ctx.t.db), { db: ctx.t.db });
  });
  beforeEach(async () => {
    await ctx.db.query(
      'TRUNCATE topics, trends, processed_items, topic_items, plugin_health, pipeline_runs CASCADE',
    );
  });
  afterAll(() => ctx.t?.dispose());
  return ctx;
}

export const DAY = 86_400_000;
export const NOW = new Date('2026-11-20T12:00:00Z');

export function anItem(n: number | string, overrides: Partial<ProcessedItemInput> = {}): ProcessedItemInput {
  return {
    source: 'reddit',
    sourceId: `post-${n}`,
    url: `https://example.com/${n}`,
    title: `Item number ${n}`,
    publishedAt: new Date(NOW.getTime() - DAY),
    metrics: { upvotes: 10, score: 1.5 },
    ...overrides,
  };
}

export function aTopic(overrides: Partial<TopicInput> = {}): TopicInput {
  return {
    title: 'Open models',
    summary: 'Open-weight language models',
    category: 'Technology',
    ...overrides,
  };
}

export function aTrend(topicId: string, overrides: Partial<TrendInput> = {}): TrendInput {
  return {
    topicId,
    rank: 1,
    title: 'A trend',
    summary: 'What is trending',
    category: 'Technology',
    score: 10,
    firstSeen: NOW,
    ...overrides,
  };
}

/** Expects `fn` to reject and returns the error. */
export async function rejection(fn: () => Promise<unknown>): Promise<Error> {
  try {
    await fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}
