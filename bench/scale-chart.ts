// docs/scale-chart.svg: cost against table size, log-log, one line per operation and a panel per
// engine, drawn by vega-lite from bench/results/scale.json (nothing hand-drawn).
import { writeFileSync } from 'node:fs';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { ScaleResults } from './scale.js';
import { chartSeries, OPS } from './scale-report.js';

const GUIDE = '∝ size (linear guide)';
/** Eleven operations, each its own hue, and the guide in grey. */
const PALETTE = [
  '#1f77b4',
  '#aec7e8',
  '#ff7f0e',
  '#8c564b',
  '#2ca02c',
  '#98df8a',
  '#17becf',
  '#d62728',
  '#9467bd',
  '#e377c2',
  '#bcbd22',
  '#999999',
];
const ENGINE_TITLE = { postgres: 'PostgreSQL server', pglite: 'PGlite (embedded)' } as const;

export function scaleChartSpec(r: ScaleResults): TopLevelSpec {
  const order = [
    ...OPS.filter((o) => o.chart).map((o) => o.label),
    'deleteOlderThan 10%',
    'refreshViews',
    GUIDE,
  ];
  const values: Record<string, unknown>[] = [];
  for (const e of r.engines) {
    if (!e.sizes.length) continue;
    const pts = chartSeries(e);
    for (const p of pts) values.push({ engine: ENGINE_TITLE[e.engine], ...p, guide: false });
    // A linear guide (cost ∝ size) from the smallest size, for the eye to compare slopes with.
    const sizes = e.sizes.map((s) => s.size);
    const lo = Math.min(...sizes);
    const hi = Math.max(...sizes);
    const anchor = pts.find((p) => p.op === 'refreshViews' && p.size === lo)?.ms ?? 10;
    for (const size of [lo, hi]) {
      values.push({
        engine: ENGINE_TITLE[e.engine],
        op: '∝ size (linear guide)',
        size,
        ms: anchor * (size / lo),
        guide: true,
      });
    }
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: 'trend-storage: cost against table size (p50, log-log)',
      subtitle: `npm run bench -- --scale, ${r.date.slice(0, 10)}; slope 1 = linear growth`,
    },
    data: { values },
    facet: { column: { field: 'engine', type: 'nominal', title: null, sort: ['PostgreSQL server'] } },
    spec: {
      width: 380,
      height: 320,
      layer: [
        {
          mark: { type: 'line', point: true, strokeWidth: 2 },
          encoding: {
            x: {
              field: 'size',
              type: 'quantitative',
              scale: { type: 'log' },
              axis: { title: 'items in the table', format: '~s', grid: true },
            },
            y: {
              field: 'ms',
              type: 'quantitative',
              scale: { type: 'log' },
              axis: { title: 'milliseconds (p50; maintenance: median run)', format: '~g', grid: true },
            },
            color: {
              field: 'op',
              type: 'nominal',
              title: 'operation',
              scale: { domain: order, range: PALETTE },
              legend: { labelLimit: 260, orient: 'right' },
            },
            shape: { field: 'op', type: 'nominal', title: 'operation', scale: { domain: order } },
            strokeDash: {
              field: 'guide',
              type: 'nominal',
              legend: null,
              scale: {
                range: [
                  [1, 0],
                  [5, 4],
                ],
              },
            },
            detail: { field: 'op' },
          },
        },
      ],
    },
    config: { font: 'Helvetica, Arial, sans-serif', view: { stroke: '#ccc' } },
  };
}

/** Renders the chart to an SVG file. */
export async function writeScaleChart(r: ScaleResults, path: URL | string): Promise<void> {
  const { spec } = compile(scaleChartSpec(r));
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  const svg = await view.toSVG();
  await view.finalize();
  writeFileSync(path, `${svg}\n`);
}
