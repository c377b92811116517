import { expect, test } from 'vitest';
import { IntegrityError, ValidationError } from '../src/domain/errors.js';
import type { TrendHistoryInput } from '../src/repositories/trend-history.js';
import { TrendRepository } from '../src/repositories/trends.js';
import type { Executor, Row } from '../src/sql/executor.js';
import { loadMigrations, migrate } from '../src/sql/migrate.js';
import { createStorage } from '../src/storage.js';
import {
  createServerDatabase,
  describeEachEngine,
  describeServer,
  openServerDatabase,
  type SqlEngine,
} from './support/engines.js';
import { aTopic, aTrend, DAY, rejection, useRepositories } from './support/fixtures.js';

const HOUR = 3_600_000;
const at = (iso: string) => new Date(iso);

// The platform's Python services change trends with plain UPDATEs like this one.
const PLATFORM_UPDATE = `UPDATE trends SET score = $2, rank = $3, state = $4::trend_state, last_updated = NOW()
  WHERE id = $1`;

/** Forwards to `db`, keeping every statement it sends (to EXPLAIN what the library ran). */
function recording(db: Executor): {
  db: Executor;
  statements: { text: string; params: readonly unknown[] }[];
} {
  const statements: { text: string; params: readonly unknown[] }[] = [];
  const wrapped: Executor = {
    engine: db.engine,
    query<T extends Row = Row>(text: string, params: readonly unknown[] = []) {
      statements.push({ text, params });
      return db.query<T>(text, params);
    },
    exec: (script) => db.exec(script),
    copyIn: (target, data) => db.copyIn(target, data),
    transaction: (fn) => db.transaction(fn),
  };
  return { db: wrapped, statements };
}

function historySuite(engine: SqlEngine): void {
  const ctx = useRepositories(engine);

  /** PGlite's clock ticks by the millisecond: two changes within one tick share a snapshot. */
  const nextTick = () => new Promise((resolve) => setTimeout(resolve, 2));
  /** A new trend, its first snapshot a tick behind whatever changes it next. */
  async function newTrend(overrides: Parameters<typeof aTrend>[1] = {}): Promise<string> {
    const topicId = await ctx.topics.save(aTopic());
    const id = await ctx.trends.save(aTrend(topicId, overrides));
    await nextTick();
    return id;
  }
  const snapshotCount = async (id?: string) =>
    (
      await ctx.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM trend_snapshots WHERE $1::uuid IS NULL OR trend_id = $1',
        [id ?? null],
      )
    )[0]!.n;
  /** Moves the trend's newest snapshot to `time`: the test's stand-in for time passing. */
  async function stampLatest(id: string, time: Date): Promise<void> {
    await ctx.db.query(
      `UPDATE trend_snapshots SET recorded_at = $2 WHERE trend_id = $1
         AND recorded_at = (SELECT max(recorded_at) FROM trend_snapshots WHERE trend_id = $1)`,
      [id, time],
    );
  }

  test('writes through the library and plain SQL are both recorded, at the time of the write, in the right buckets', async () => {
    const before = Date.now();
    const id = await newTrend({ score: 10, rank: 5 });
    const [first] = await ctx.trends.history(id, { from: new Date(before - HOUR) });
    expect(first).toMatchObject({ score: 10, maxScore: 10, rank: 5, state: 'emerging', itemCount: 0 });
    // Recorded at the writer's transaction time: the current hour.
    expect(first!.at.getTime()).toBe(Math.floor(Date.now() / HOUR) * HOUR);
    await stampLatest(id, at('2026-11-20T09:10:00Z'));

    expect(await ctx.trends.update(id, { score: 12, velocity: 1.5 })).toBe(true);
    await stampLatest(id, at('2026-11-20T09:40:00Z'));
    await ctx.db.query(PLATFORM_UPDATE, [id, 8, 3, 'viral']);
    await stampLatest(id, at('2026-11-20T10:05:00Z'));
    await ctx.db.query(PLATFORM_UPDATE, [id, 9, 3, 'viral']);
    await stampLatest(id, at('2026-11-20T12:30:00Z'));

    const range = { from: at('2026-11-20T09:30:00Z'), to: at('2026-11-20T23:00:00Z') };
    const hourly = await ctx.trends.history(id, { ...range, bucket: 'hour' });
    // `from` at 09:30 still yields the whole 09:00 bucket (the 09:10 point is in it).
    expect(hourly).toEqual([
      {
        at: at('2026-11-20T09:00:00Z'),
        rank: 5,
        score: 12,
        maxScore: 12,
        velocity: 1.5,
        state: 'emerging',
        itemCount: 0,
      },
      {
        at: at('2026-11-20T10:00:00Z'),
        rank: 3,
        score: 8,
        maxScore: 8,
        velocity: 1.5,
        state: 'viral',
        itemCount: 0,
      },
      {
        at: at('2026-11-20T12:00:00Z'),
        rank: 3,
        score: 9,
        maxScore: 9,
        velocity: 1.5,
        state: 'viral',
        itemCount: 0,
      },
    ]);
    const daily = await ctx.trends.history(id, { ...range, bucket: 'day' });
    expect(daily).toEqual([
      {
        at: at('2026-11-20T00:00:00Z'),
        rank: 3,
        score: 9,
        maxScore: 12,
        velocity: 1.5,
        state: 'viral',
        itemCount: 0,
      },
    ]);
    // Whole buckets at both ends: `to` at 10:05 takes in 10:00–11:00, and nothing later.
    expect(await ctx.trends.history(id, { from: range.from, to: at('2026-11-20T10:05:00Z') })).toHaveLength(
      2,
    );
  });

  test("the platform's own INSERT starts a history too", async () => {
    const topicId = await ctx.topics.save(aTopic());
    const [row] = await ctx.db.query<{ id: string }>(
      `INSERT INTO trends (id, topic_id, rank, title, summary, category, score, first_seen)
       VALUES (COALESCE($1, uuid_generate_v4()), $2, 4, 'From Python', '', 'Science', 6.5, NOW()) RETURNING id`,
      [null, topicId],
    );
    const series = await ctx.trends.history(row!.id);
    expect(series).toMatchObject([{ rank: 4, score: 6.5, state: 'emerging' }]);
    // Its checks let Infinity through (score >= 0); it reads back as Infinity, not as text.
    await ctx.db.query(`UPDATE trends SET score = 'Infinity', velocity = 0.1 WHERE id = $1`, [row!.id]);
    const [point] = await ctx.trends.history(row!.id);
    expect(point).toMatchObject({
      score: Number.POSITIVE_INFINITY,
      maxScore: Number.POSITIVE_INFINITY,
      velocity: 0.1,
    });
  });

  test('fill: one point per bucket, carrying the values held before it', async () => {
    const id = await newTrend({ score: 1 });
    const today = Math.floor(Date.now() / DAY) * DAY;
    const day = (n: number) => new Date(today + n * DAY);
    await ctx.db.query('DELETE FROM trend_snapshots WHERE trend_id = $1', [id]);
    await ctx.trends.importHistory([
      { trendId: id, at: new Date(today - 10 * DAY + 5 * HOUR), rank: 9, score: 1, state: 'emerging' },
      { trendId: id, at: new Date(today - 5 * DAY + HOUR), rank: 4, score: 3, maxScore: 5, state: 'viral' },
      { trendId: id, at: new Date(today - 2 * DAY + HOUR), rank: 2, score: 6, state: 'viral' },
    ]);
    const series = await ctx.trends.history(id, { from: day(-7), bucket: 'day', fill: true });
    expect(series.map((p) => [p.at.getTime(), p.score, p.maxScore, p.rank])).toEqual([
      [day(-7).getTime(), 1, 1, 9],
      [day(-6).getTime(), 1, 1, 9],
      [day(-5).getTime(), 3, 5, 4],
      [day(-4).getTime(), 3, 3, 4],
      [day(-3).getTime(), 3, 3, 4],
      [day(-2).getTime(), 6, 6, 2],
      [day(-1).getTime(), 6, 6, 2],
      [day(0).getTime(), 6, 6, 2],
    ]);
    // Without a value before the range, the series starts at the first snapshot.
    const from = await ctx.trends.history(id, { from: day(-12), to: day(-4), bucket: 'day', fill: true });
    expect(from.map((p) => p.at.getTime())).toEqual(
      [-10, -9, -8, -7, -6, -5, -4].map((n) => day(n).getTime()),
    );
    // Unfilled, only the buckets that changed.
    expect(await ctx.trends.history(id, { from: day(-7), bucket: 'day' })).toHaveLength(2);
    const err = await rejection(() =>
      ctx.trends.history(id, { from: new Date('2000-01-01T00:00:00Z'), fill: true }),
    );
    expect((err as ValidationError).field).toBe('options.fill');
  });

  test('an update that changes none of rank, score, velocity, state or item count records nothing', async () => {
    const id = await newTrend({ score: 10, rank: 2, velocity: 1, itemCount: 4 });
    expect(await snapshotCount(id)).toBe(1);
    await ctx.trends.update(id, { title: 'Renamed', summary: 'new words', keywords: ['x'] });
    await ctx.trends.update(id, { score: 10, rank: 2, velocity: 1, state: 'emerging', itemCount: 4 });
    await ctx.trends.save({
      ...aTrend((await ctx.trends.get(id))!.topicId),
      id,
      score: 10,
      rank: 2,
      velocity: 1,
      itemCount: 4,
    });
    await ctx.db.query(
      `UPDATE trends SET score = score, metadata = '{"a":1}', last_updated = NOW() WHERE id = $1`,
      [id],
    );
    await ctx.db.query(PLATFORM_UPDATE, [id, 10, 2, 'emerging']);
    expect(await snapshotCount(id)).toBe(1);
    // Each of the five fields alone does record.
    const patches = [
      { rank: 3 },
      { score: 11 },
      { velocity: 2 },
      { state: 'viral' as const },
      { itemCount: 5 },
    ];
    for (const patch of patches) {
      await nextTick();
      await ctx.trends.update(id, patch);
    }
    expect(await snapshotCount(id)).toBe(1 + patches.length);
  });

  test('each change is recorded at its own moment, even inside one transaction; the bucket keeps the last and the highest', async () => {
    const id = await newTrend({ score: 5 });
    await ctx.db.transaction(async (tx) => {
      await tx.query(PLATFORM_UPDATE, [id, 20, 1, 'viral']);
      await tx.query('SELECT pg_sleep(0.002)');
      await tx.query(PLATFORM_UPDATE, [id, 7, 2, 'sustained']);
    });
    const rows = await ctx.db.query<{ score: number; state: string }>(
      'SELECT score, state::text FROM trend_snapshots WHERE trend_id = $1 ORDER BY recorded_at',
      [id],
    );
    expect(rows).toEqual([
      { score: 5, state: 'emerging' },
      { score: 20, state: 'viral' },
      { score: 7, state: 'sustained' },
    ]);
    const [bucket] = await ctx.trends.history(id, { from: new Date(Date.now() - HOUR) });
    expect(bucket).toMatchObject({ score: 7, maxScore: 20, state: 'sustained', rank: 2 });
  });

  test('a point in time: two changes at the same microsecond share one row, and an import merges its duplicates', async () => {
    const id = await newTrend({ score: 5 });
    const t = at('2026-11-03T10:00:00Z');
    const p = { trendId: id, at: t, rank: 3, state: 'viral' } as const;
    expect(
      await ctx.trends.importHistory([
        { ...p, score: 9 },
        { ...p, score: 4, rank: 7 },
      ]),
    ).toBe(2);
    await ctx.trends.importHistory([{ ...p, score: 2, rank: 8, at: new Date(t.getTime()) }]);
    const series = await ctx.trends.history(id, { from: t, to: t });
    expect(series).toEqual([
      {
        at: at('2026-11-03T10:00:00Z'),
        rank: 8,
        score: 2,
        maxScore: 9,
        velocity: 0,
        state: 'viral',
        itemCount: 0,
      },
    ]);
  });

  test('movers: ordered by change, by score or rank, honouring direction, category and limit', async () => {
    const since = new Date(Date.now() - 2 * HOUR);
    const before = new Date(since.getTime() - HOUR);
    const specs = [
      { name: 'A', category: 'Technology', past: { score: 10, rank: 5 }, now: { score: 15, rank: 1 } }, // +5, climbed 4
      { name: 'B', category: 'Technology', past: { score: 10, rank: 2 }, now: { score: 12, rank: 3 } }, // +2, dropped 1
      { name: 'C', category: 'Science', past: { score: 10, rank: 3 }, now: { score: 7, rank: 6 } }, // -3, dropped 3
      { name: 'D', category: 'Technology', past: { score: 10, rank: 4 }, now: { score: 9, rank: 2 } }, // -1, climbed 2
      { name: 'E', category: 'Science', past: { score: 10, rank: 7 }, now: { score: 10, rank: 7 } }, // unchanged
    ] as const;
    const ids: Record<string, string> = {};
    const points: TrendHistoryInput[] = [];
    for (const s of specs) {
      const id = await newTrend({ title: s.name, category: s.category, ...s.past });
      ids[s.name] = id;
      // An older point and the baseline (the last at or before `since`).
      points.push({ trendId: id, at: new Date(before.getTime() - DAY), rank: 1, score: 50, state: 'viral' });
      points.push({ trendId: id, at: before, ...s.past, state: 'emerging' });
      await ctx.trends.update(id, s.now);
    }
    await ctx.trends.importHistory(points);
    // F appears inside the window: measured from its first snapshot.
    const f = await newTrend({ title: 'F', category: 'Science', score: 1, rank: 9 });
    await ctx.db.query(PLATFORM_UPDATE, [f, 4, 8, 'emerging']);
    const names = (moves: { trend: { title: string }; change: number }[]) =>
      moves.map((m) => [m.trend.title, m.change]);

    expect(names(await ctx.trends.movers({ since }))).toEqual([
      ['A', 5],
      ['F', 3],
      ['B', 2],
    ]);
    expect(names(await ctx.trends.movers({ since, direction: 'down' }))).toEqual([
      ['C', -3],
      ['D', -1],
    ]);
    expect(names(await ctx.trends.movers({ since, category: 'Technology' }))).toEqual([
      ['A', 5],
      ['B', 2],
    ]);
    expect(names(await ctx.trends.movers({ since, by: 'rank' }))).toEqual([
      ['A', 4],
      ['D', 2],
      ['F', 1],
    ]);
    expect(names(await ctx.trends.movers({ since, by: 'rank', direction: 'down', limit: 1 }))).toEqual([
      ['C', -3],
    ]);
    const [a] = await ctx.trends.movers({ since, limit: 1 });
    expect(a!.from).toEqual({ at: before, rank: 5, score: 10 });
    expect(a!.trend).toMatchObject({ id: ids.A, score: 15, rank: 1 });
    // A window starting before every baseline compares with the oldest point (score 50).
    // F aside (no snapshot before its own first), every trend fell.
    expect(names(await ctx.trends.movers({ since: new Date(before.getTime() - 2 * DAY) }))).toEqual([
      ['F', 3],
    ]);
  });

  test('downsampling keeps each day’s and hour’s last values and highest score, and says what it merged', async () => {
    const id = await newTrend({ score: 1 });
    const other = await newTrend({ score: 1 });
    const now = Date.now();
    const startOfToday = Math.floor(now / DAY) * DAY;
    // Every 20 minutes for 40 days, a score that rises and falls within each day.
    const points: TrendHistoryInput[] = [];
    for (let t = startOfToday - 40 * DAY; t < startOfToday - 8 * DAY; t += 20 * 60_000) {
      const minuteOfDay = (t % DAY) / 60_000;
      const score = Math.round(100 * Math.sin((Math.PI * minuteOfDay) / 1440)) / 10 + (t % 7);
      points.push({
        trendId: id,
        at: new Date(t),
        rank: 1 + (minuteOfDay % 5),
        score,
        state: 'viral',
        itemCount: t % 100,
      });
    }
    points.push({ trendId: other, at: new Date(startOfToday - 35 * DAY), rank: 1, score: 3, state: 'viral' });
    await ctx.trends.importHistory(points);
    const oldRange = { from: new Date(startOfToday - 40 * DAY), to: new Date(startOfToday - 31 * DAY) };
    const midRange = { from: new Date(startOfToday - 29 * DAY), to: new Date(startOfToday - 8 * DAY) };
    const dailyBefore = await ctx.trends.history(id, { ...oldRange, bucket: 'day' });
    const hourlyBefore = await ctx.trends.history(id, { ...midRange, bucket: 'hour' });
    expect(dailyBefore.some((d) => d.maxScore > d.score)).toBe(true); // the max is not simply the last
    const rowsBefore = await snapshotCount(id);

    const dry = await ctx.trends.compactHistory({ dryRun: true });
    expect(await snapshotCount(id)).toBe(rowsBefore);
    const report = await ctx.trends.compactHistory();
    expect(report).toEqual({ ...dry, dryRun: false });
    // Days older than 30: 3 points an hour, 72 a day, each day merged into one row.
    const oldDays = 40 - 30;
    expect(report.daily).toEqual({ merged: oldDays * 72, into: oldDays });
    // Days 30 back to 8 back (the last point; the hourly cutoff is 7 days back): 3 points an hour become 1.
    const midHours = (30 - 8) * 24;
    expect(report.hourly).toEqual({ merged: midHours * 3, into: midHours });
    expect(await snapshotCount(id)).toBe(
      rowsBefore - report.daily.merged + report.daily.into - report.hourly.merged + report.hourly.into,
    );

    expect(await ctx.trends.history(id, { ...oldRange, bucket: 'day' })).toEqual(dailyBefore);
    expect(await ctx.trends.history(id, { ...midRange, bucket: 'hour' })).toEqual(hourlyBefore);
    // A trend with one point per day had nothing to merge; a second run has nothing left.
    expect(await snapshotCount(other)).toBe(2);
    expect(await ctx.trends.compactHistory()).toEqual({
      dryRun: false,
      hourly: { merged: 0, into: 0 },
      daily: { merged: 0, into: 0 },
    });
  });

  test('deleting a trend, or its topic, deletes its history', async () => {
    const id = await newTrend();
    const kept = await newTrend();
    await ctx.trends.update(id, { score: 3 });
    expect(await snapshotCount(id)).toBe(2);
    await ctx.trends.delete(id);
    expect(await snapshotCount(id)).toBe(0);
    expect(await ctx.trends.history(id)).toEqual([]);
    const { topicId } = (await ctx.trends.get(kept))!;
    await ctx.db.query('DELETE FROM topics WHERE id = $1', [topicId]);
    expect(await snapshotCount()).toBe(0);
  });

  test('TRUNCATE trends works as before migration 8, and takes the history with it; an id change carries it', async () => {
    const a = await newTrend();
    await ctx.trends.update(a, { score: 2 });
    const moved = '11111111-1111-4111-8111-111111111111';
    await ctx.db.query('UPDATE trends SET id = $2 WHERE id = $1', [a, moved]);
    expect(await snapshotCount(a)).toBe(0);
    expect(await snapshotCount(moved)).toBe(2);
    await ctx.db.query('TRUNCATE trends');
    expect(await snapshotCount()).toBe(0);
    await newTrend();
    await ctx.db.query('TRUNCATE topics CASCADE');
    expect(await snapshotCount()).toBe(0);
  });

  test('dates at the ends of the accepted range', async () => {
    const id = await newTrend();
    await ctx.trends.importHistory([
      { trendId: id, at: at('9999-12-31T23:30:00Z'), rank: 1, score: 3, state: 'viral' },
      { trendId: id, at: at('0001-01-01T00:30:00Z'), rank: 1, score: 2, state: 'viral' },
    ]);
    for (const bucket of ['day', 'hour'] as const) {
      expect(
        await ctx.trends.history(id, {
          bucket,
          from: at('9999-12-31T00:00:00Z'),
          to: at('9999-12-31T23:59:59.999Z'),
        }),
      ).toMatchObject([{ score: 3 }]);
      expect(
        await ctx.trends.history(id, {
          bucket,
          from: at('0001-01-01T00:00:00Z'),
          to: at('0001-01-01T01:00:00Z'),
        }),
      ).toMatchObject([{ score: 2 }]);
    }
  });

  test('bad input is a ValidationError naming the field, and nothing is written', async () => {
    const id = await newTrend();
    const cases: [() => Promise<unknown>, string][] = [
      [() => ctx.trends.history('nope'), 'id'],
      [
        () => ctx.trends.history(id, { from: at('2026-02-01T00:00:00Z'), to: at('2026-01-01T00:00:00Z') }),
        'options.from',
      ],
      [() => ctx.trends.history(id, { bucket: 'week' as 'day' }), 'options.bucket'],
      [() => ctx.trends.movers({ limit: 0 }), 'options.limit'],
      [() => ctx.trends.movers({ direction: 'sideways' as 'up' }), 'options.direction'],
      [() => ctx.trends.movers({ since: 'yesterday' as unknown as Date }), 'options.since'],
      [() => ctx.trends.compactHistory({ hourlyAfterDays: 10, dailyAfterDays: 5 }), 'options.dailyAfterDays'],
      [() => ctx.trends.compactHistory({ hourlyAfterDays: -1 }), 'options.hourlyAfterDays'],
      [
        () =>
          ctx.trends.importHistory([
            { trendId: id, at: new Date(), rank: 1, score: 1, state: 'viral' },
            { trendId: id, at: new Date(), rank: 1, score: 5, maxScore: 4, state: 'viral' },
          ]),
        'points[1].maxScore',
      ],
      [
        () => ctx.trends.importHistory([{ trendId: id, at: new Date(), rank: 0, score: 1, state: 'viral' }]),
        'points[0].rank',
      ],
    ];
    for (const [call, field] of cases) {
      const err = await rejection(call);
      expect(err, field).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).field).toBe(field);
    }
    // A point naming no trend fails the whole import.
    const err = await rejection(() =>
      ctx.trends.importHistory([
        { trendId: id, at: at('2026-01-01T00:00:00Z'), rank: 1, score: 1, state: 'viral' },
        {
          trendId: '00000000-0000-4000-8000-000000000000',
          at: new Date(),
          rank: 1,
          score: 1,
          state: 'viral',
        },
      ]),
    );
    expect(err).toBeInstanceOf(IntegrityError);
    expect(err.message).toMatch(/^points\[1\]\.trendId/);
    expect(await snapshotCount(id)).toBe(1);
  });

  test('history and movers are served by the (trend_id, recorded_at) index', async () => {
    const topicId = await ctx.topics.save(aTopic());
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) ids.push(await ctx.trends.save(aTrend(topicId, { rank: 1 + i, score: i })));
    const points: TrendHistoryInput[] = [];
    const start = Date.now() - 100 * HOUR;
    for (const trendId of ids) {
      for (let h = 0; h < 100; h++)
        points.push({ trendId, at: new Date(start + h * HOUR), rank: 1 + h, score: h, state: 'viral' });
    }
    await ctx.trends.importHistory(points);
    await ctx.db.query('ANALYZE trend_snapshots');
    const spy = recording(ctx.db);
    const trends = new TrendRepository(spy.db);
    await trends.history(ids[7]!);
    await trends.movers({ since: new Date(Date.now() - 50 * HOUR), category: 'Technology' });
    expect(spy.statements).toHaveLength(2);
    for (const s of spy.statements) {
      const plan = (await ctx.db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${s.text}`, s.params))
        .map((r) => r['QUERY PLAN'])
        .join('\n');
      expect(plan).toMatch(
        /(Index (Only )?Scan (Backward )?using|Bitmap Index Scan on) trend_snapshots_pkey/,
      );
      expect(plan).not.toMatch(/Seq Scan on trend_snapshots/);
    }
  });
}

describeEachEngine('trend history', historySuite);

describeEachEngine('migration 0008 on a database with trends', (engine) => {
  test('every existing trend starts its history at its last update', async () => {
    const t = await engine.create();
    try {
      const all = loadMigrations();
      const v8 = all.findIndex((m) => m.name.startsWith('0008'));
      await migrate(t.db, { migrations: all.slice(0, v8) });
      const [topic] = await t.db.query<{ id: string }>(
        `INSERT INTO topics (title, summary, category) VALUES ('t', '', 'Science') RETURNING id`,
      );
      await t.db.query(
        `INSERT INTO trends (topic_id, rank, title, summary, category, score, first_seen, last_updated)
         VALUES ($1, 2, 'old', '', 'Science', 4.5, NOW(), '2026-10-01T08:15:00Z')`,
        [topic!.id],
      );
      await migrate(t.db);
      const rows = await t.db.query<{ recorded_at: Date; score: number; rank: number }>(
        'SELECT recorded_at, score, rank FROM trend_snapshots',
      );
      expect(rows).toEqual([{ recorded_at: at('2026-10-01T08:15:00Z'), score: 4.5, rank: 2 }]);
    } finally {
      await t.dispose();
    }
  });
});

describeServer("migration 0008 under the platform's grants", () => {
  test('a role granted table by table before migration 8 keeps updating trends, and reads their history', async () => {
    const { url, drop } = await createServerDatabase();
    const role = `ts_hist_${process.pid}`;
    const owner = await openServerDatabase(url, 2);
    try {
      const all = loadMigrations();
      await migrate(owner, {
        migrations: all.slice(
          0,
          all.findIndex((m) => m.name.startsWith('0008')),
        ),
      });
      // The platform's init: all privileges on the tables that exist then, once.
      await owner.exec(
        `CREATE ROLE ${role} LOGIN NOSUPERUSER; GRANT ALL ON ALL TABLES IN SCHEMA public TO ${role};`,
      );
      const [topic] = await owner.query<{ id: string }>(
        `INSERT INTO topics (title, summary, category) VALUES ('t', '', 'Science') RETURNING id`,
      );
      await owner.query(
        `INSERT INTO trends (topic_id, rank, title, summary, category, score, first_seen) VALUES ($1, 2, 'x', '', 'Science', 1, NOW())`,
        [topic!.id],
      );
      await migrate(owner);
      const asRole = new URL(url);
      asRole.username = role;
      const app = await createStorage({ databaseUrl: asRole.toString(), redis: false, autoMigrate: false });
      try {
        const [{ id } = { id: '' }] = await app.db.query<{ id: string }>('SELECT id FROM trends');
        await app.db.query(PLATFORM_UPDATE, [id, 5, 1, 'viral']);
        expect(await app.trends.update(id, { score: 7 })).toBe(true);
        const series = await app.trends.history(id, { from: new Date(Date.now() - DAY) });
        expect(series.at(-1)).toMatchObject({ score: 7, maxScore: 7, rank: 1, state: 'viral' });
        expect(await app.trends.delete(id)).toBe(true);
      } finally {
        await app.close();
      }
      const [left] = await owner.query<{ n: number }>('SELECT count(*)::int AS n FROM trend_snapshots');
      expect(left!.n).toBe(0);

      // A role granted only UPDATE on trends, after the migration: its updates are recorded too.
      await owner.exec(
        `CREATE ROLE ${role}_w LOGIN NOSUPERUSER; GRANT SELECT, UPDATE ON trends TO ${role}_w;`,
      );
      const [trend] = await owner.query<{ id: string }>(
        `INSERT INTO trends (topic_id, rank, title, summary, category, score, first_seen)
         VALUES ($1, 3, 'y', '', 'Science', 1, NOW()) RETURNING id`,
        [topic!.id],
      );
      const asWriter = new URL(url);
      asWriter.username = `${role}_w`;
      const writer = await openServerDatabase(asWriter.toString(), 1);
      await writer.query(PLATFORM_UPDATE, [trend!.id, 4, 3, 'viral']).finally(() => writer.close());
      const [row] = await owner.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM trend_snapshots WHERE trend_id = $1 AND score = 4',
        [trend!.id],
      );
      expect(row!.n).toBe(1);
    } finally {
      await owner.close();
      await drop();
      const admin = await openServerDatabase(process.env.TREND_TEST_DATABASE_URL!, 1);
      await admin
        .exec(`DROP ROLE IF EXISTS ${role}; DROP ROLE IF EXISTS ${role}_w`)
        .finally(() => admin.close());
    }
  });
});
