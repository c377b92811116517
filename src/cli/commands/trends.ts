import sparkly from 'sparkly';
import type { CategoryType } from '../../domain/enums.js';
import type { Trend } from '../../domain/models.js';
import { createStorage, type Storage } from '../../storage.js';
import { color, type Out, signed, table } from '../output.js';

const DAY = 86_400_000;

/** A top trend with its daily score over the window. */
export interface TrendLine {
  trend: Trend;
  /** One entry per UTC day of the window, oldest first; null before the trend's first snapshot. */
  scores: (number | null)[];
  /** Score now minus the first score in the window (0 when it has only one). */
  change: number;
}

/** The top trends by rank, each with its daily scores over the last `days` days (today included). */
export async function trendLines(
  storage: Storage,
  opts: { limit: number; days: number; category?: CategoryType },
): Promise<TrendLine[]> {
  const today = Math.floor(Date.now() / DAY) * DAY;
  const from = new Date(today - (opts.days - 1) * DAY);
  const top = await storage.trends.getTopTrends({ limit: opts.limit, category: opts.category });
  const lines: TrendLine[] = [];
  for (const trend of top) {
    const series = await storage.trends.history(trend.id, { from, bucket: 'day', fill: true });
    const byDay = new Map(series.map((p) => [p.at.getTime(), p.score]));
    const scores = Array.from({ length: opts.days }, (_, i) => byDay.get(from.getTime() + i * DAY) ?? null);
    const first = scores.find((s) => s !== null) ?? trend.score;
    lines.push({ trend, scores, change: trend.score - first });
  }
  return lines;
}

/** rank, score, change, sparkline, state, title: one row per trend. */
export function renderTrendLines(lines: TrendLine[]): string {
  if (lines.length === 0) return '(no trends)';
  return table(
    ['rank', 'score', 'change', 'daily score', 'state', 'title'],
    lines.map((l) => [
      l.trend.rank,
      l.trend.score.toFixed(2),
      signed(l.change),
      sparkly(l.scores.map((s) => (s === null || !Number.isFinite(s) ? '' : s))),
      l.trend.state,
      l.trend.title,
    ]),
    (text, column) =>
      column !== 2
        ? text
        : text.startsWith('+')
          ? color.green(text)
          : text.startsWith('-')
            ? color.red(text)
            : text,
  );
}

/** `trend-storage trends`: top trends, each with a score sparkline over the last N days. */
export async function trendsCommand(
  out: Out,
  opts: { limit: number; days: number; category?: CategoryType },
): Promise<number> {
  const storage = await createStorage();
  try {
    const lines = await trendLines(storage, opts);
    const today = Math.floor(Date.now() / DAY) * DAY;
    const day = (i: number) => new Date(today - (opts.days - 1 - i) * DAY).toISOString().slice(0, 10);
    out.result({
      days: opts.days,
      trends: lines.map((l) => ({
        id: l.trend.id,
        rank: l.trend.rank,
        title: l.trend.title,
        category: l.trend.category,
        state: l.trend.state,
        score: l.trend.score,
        change: l.change,
        daily: l.scores.map((score, i) => ({ day: day(i), score })),
      })),
    });
    out.line(color.bold(`Top trends, daily score over the last ${opts.days} days (UTC)`));
    out.line(renderTrendLines(lines));
    return 0;
  } finally {
    await storage.close();
  }
}
