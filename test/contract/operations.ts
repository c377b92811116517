import { expect, test } from 'vitest';
import { ValidationError } from '../../src/domain/errors.js';
import type { SqlEngine } from '../support/engines.js';
import { rejection, useRepositories } from '../support/fixtures.js';

/** PluginHealthRepository and PipelineRunRepository. */
export function operationsContract(engine: SqlEngine): void {
  const ctx = useRepositories(engine);

  test('recordRun keeps totals, streak, success rate and health in step', async () => {
    const t0 = new Date('2026-11-01T00:00:00Z');
    const at = (m: number) => new Date(t0.getTime() + m * 60_000);
    expect(await ctx.pluginHealth.recordRun('reddit', { success: true, at: at(0) })).toMatchObject({
      isHealthy: true,
      totalRuns: 1,
      consecutiveFailures: 0,
      successRate: 1,
      lastSuccessAt: at(0),
      lastError: null,
    });
    await ctx.pluginHealth.recordRun('reddit', { success: false, error: 'HTTP 500', at: at(1) });
    const twoFails = await ctx.pluginHealth.recordRun('reddit', {
      success: false,
      error: 'HTTP 503',
      at: at(2),
    });
    expect(twoFails).toMatchObject({
      isHealthy: true,
      consecutiveFailures: 2,
      totalRuns: 3,
      lastError: 'HTTP 503',
    });
    expect(twoFails.successRate).toBeCloseTo(1 / 3, 10);
    const down = await ctx.pluginHealth.recordRun('reddit', { success: false, error: 'timeout', at: at(3) });
    expect(down).toMatchObject({
      isHealthy: false,
      consecutiveFailures: 3,
      lastRunAt: at(3),
      lastSuccessAt: at(0),
    });
    const back = await ctx.pluginHealth.recordRun('reddit', { success: true, at: at(4) });
    expect(back).toMatchObject({
      isHealthy: true,
      consecutiveFailures: 0,
      totalRuns: 5,
      lastSuccessAt: at(4),
    });
    expect(back.successRate).toBeCloseTo(2 / 5, 10);
    expect(await ctx.pluginHealth.get('reddit')).toEqual(back);
    expect(await ctx.pluginHealth.get('nobody')).toBeNull();
  });

  test('concurrent recordRun calls lose no run', async () => {
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        ctx.pluginHealth.recordRun('hn', { success: i % 4 !== 0, error: 'e' }),
      ),
    );
    const h = await ctx.pluginHealth.get('hn');
    expect(h!.totalRuns).toBe(40);
    expect(h!.successRate).toBeCloseTo(30 / 40, 10);
  });

  test('list puts unhealthy plugins first', async () => {
    await ctx.pluginHealth.recordRun('b-ok', { success: true });
    await ctx.pluginHealth.recordRun('a-ok', { success: true });
    for (let i = 0; i < 3; i++) await ctx.pluginHealth.recordRun('z-down', { success: false });
    expect((await ctx.pluginHealth.list()).map((p) => p.name)).toEqual(['z-down', 'a-ok', 'b-ok']);
  });

  test('pipeline runs: start, complete, fail, get, listRecent', async () => {
    const id = await ctx.pipelineRuns.start({ metadata: { trigger: 'cron' } });
    expect(await ctx.pipelineRuns.get(id)).toMatchObject({
      status: 'in_progress',
      completedAt: null,
      metadata: { trigger: 'cron' },
    });
    expect(
      await ctx.pipelineRuns.complete(id, {
        itemsCollected: 100,
        itemsProcessed: 90,
        itemsDeduplicated: 10,
        topicsCreated: 3,
        trendsCreated: 2,
      }),
    ).toBe(true);
    const done = await ctx.pipelineRuns.get(id);
    expect(done).toMatchObject({
      status: 'completed',
      itemsCollected: 100,
      itemsDeduplicated: 10,
      trendsCreated: 2,
      errors: [],
    });
    expect(done!.completedAt).toBeInstanceOf(Date);
    expect(done!.durationSeconds).toBeGreaterThanOrEqual(0);

    const failed = await ctx.pipelineRuns.start();
    // Counts recorded on the way are kept when the run fails.
    await ctx.pipelineRuns.complete(failed, {
      status: 'in_progress',
      itemsCollected: 40,
      itemsProcessed: 12,
    });
    expect(await ctx.pipelineRuns.fail(failed, ['reddit: 429', 'bbc: timeout'])).toBe(true);
    expect(await ctx.pipelineRuns.get(failed)).toMatchObject({
      status: 'failed',
      errors: ['reddit: 429', 'bbc: timeout'],
      itemsCollected: 40,
      itemsProcessed: 12,
    });

    expect((await ctx.pipelineRuns.listRecent()).map((r) => r.id)).toEqual([failed, id]);
    expect((await ctx.pipelineRuns.listRecent({ limit: 10, status: 'completed' })).map((r) => r.id)).toEqual([
      id,
    ]);
    expect(await ctx.pipelineRuns.listRecent({ limit: 1 })).toHaveLength(1);
    const missing = '00000000-0000-4000-8000-000000000003';
    expect(await ctx.pipelineRuns.complete(missing)).toBe(false);
    expect(await ctx.pipelineRuns.get(missing)).toBeNull();
  });

  test('bad input is a ValidationError naming the field', async () => {
    const cases: [() => Promise<unknown>, string][] = [
      [() => ctx.pluginHealth.recordRun('', { success: true }), 'name'],
      [() => ctx.pluginHealth.recordRun('x'.repeat(101), { success: true }), 'name'],
      [() => ctx.pluginHealth.recordRun('p', { success: 'yes' as never }), 'run.success'],
      [
        () => ctx.pipelineRuns.complete('00000000-0000-4000-8000-000000000003', { itemsCollected: -5 }),
        'result.itemsCollected',
      ],
      [
        () =>
          ctx.pipelineRuns.complete('00000000-0000-4000-8000-000000000003', { status: 'exploded' as never }),
        'result.status',
      ],
      [() => ctx.pipelineRuns.listRecent({ limit: 0 }), 'options.limit'],
      [() => ctx.pipelineRuns.get('run-1'), 'id'],
    ];
    for (const [call, field] of cases) {
      const err = await rejection(call);
      expect(err, field).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).field, field).toBe(field);
    }
    expect(await ctx.pluginHealth.list()).toEqual([]);
  });
}
