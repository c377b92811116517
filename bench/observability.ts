// What instrumentation costs: the same reads and cache calls on the same database and cache, three
// ways, interleaved in one run — uninstrumented (the library as it was), instrumented with no
// OpenTelemetry SDK registered (what every user pays), and instrumented under an SDK sampling every
// span (BasicTracerProvider, AlwaysOnSampler, SimpleSpanProcessor handing each span to an exporter
// that drops it; a MeterProvider with a reader). Rounds rotate the order, so warm-up and drift hit
// all three alike.
import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  AlwaysOnSampler,
  BasicTracerProvider,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { MemoryCache } from '../src/cache/memory.js';
import { RedisCache } from '../src/cache/redis.js';
import type { CacheRepository } from '../src/cache/types.js';
import { resolveConfig, type StorageConfig } from '../src/config.js';
import { setupObservability, UNTRACED } from '../src/observability/setup.js';
import { createRepositories, type Repositories } from '../src/repositories/index.js';
import { REDIS_URL } from './cache.js';
import { type BenchDb, openPglite, openServer, SERVER_URL } from './engines.js';
import { fmt, type Load, load, printTable } from './lib.js';
import { seed } from './reads.js';

export type Variant = 'plain' | 'noSdk' | 'sdk';
const VARIANTS: Variant[] = ['plain', 'noSdk', 'sdk'];

export interface OverheadRow {
  area: 'reads' | 'cache';
  engine: string;
  op: string;
  concurrency: number;
  plain: Load;
  noSdk: Load;
  sdk: Load;
  /** Instrumented with no SDK ÷ uninstrumented, ops/s, the median of the rounds' own ratios: the target is ≥ 0.97. */
  noSdkRatio: number;
  /** Instrumented under an SDK at 100% sampling ÷ uninstrumented, ops/s: reported, not a target. */
  sdkRatio: number;
}

export interface ObservabilityResult {
  machine: Record<string, unknown>;
  seconds: number;
  sizes: ObservabilitySizes;
  rows: OverheadRow[];
}

export interface ObservabilitySizes {
  items: number;
  trends: number;
  topics: number;
  /** Calls per measurement of a read. */
  readOps: number;
  /** Calls per measurement of a cache operation. */
  cacheOps: number;
  runs: number;
}

/** Spans handed to it are dropped: the SDK's whole path runs, nothing is kept or sent. */
class DroppingExporter implements SpanExporter {
  export(_spans: ReadableSpan[], done: Parameters<SpanExporter['export']>[1]): void {
    done({ code: 0 });
  }
  async shutdown(): Promise<void> {}
}

/** A metric reader nobody collects from: instruments record into the SDK's aggregation, as in production between exports. */
class IdleReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/** Registers and unregisters a full SDK: the `sdk` variant runs with it, the others without. */
function sdkSwitch() {
  const tracerProvider = new BasicTracerProvider({
    sampler: new AlwaysOnSampler(),
    spanProcessors: [new SimpleSpanProcessor(new DroppingExporter())],
  });
  const meterProvider = new MeterProvider({ readers: [new IdleReader()] });
  const contextManager = new AsyncLocalStorageContextManager();
  return {
    on() {
      context.setGlobalContextManager(contextManager.enable());
      trace.setGlobalTracerProvider(tracerProvider);
      metrics.setGlobalMeterProvider(meterProvider);
    },
    off() {
      trace.disable();
      metrics.disable();
      context.disable();
      // Disabling leaves the API's registry object behind, which an application that never
      // registered an SDK does not have: without this the no-SDK rounds after the first SDK round
      // would measure a different path from the one every SDK-less user takes.
      delete (globalThis as Record<symbol, unknown>)[Symbol.for('opentelemetry.js.api.1')];
    },
  };
}

type Call = (i: number) => Promise<unknown>;

/** `calls[variant]` measured `runs` times each, rotating which goes first; medians by throughput. */
async function interleaved(
  runs: number,
  total: number,
  concurrency: number,
  calls: Record<Variant, Call>,
  sdk: ReturnType<typeof sdkSwitch>,
): Promise<Record<Variant, Load> & { ratios: { noSdk: number; sdk: number } }> {
  const measure = async (v: Variant, n: number) => {
    if (v === 'sdk') sdk.on();
    try {
      return await load(n, concurrency, calls[v]);
    } finally {
      if (v === 'sdk') sdk.off();
    }
  };
  for (const v of VARIANTS) await measure(v, Math.min(total, 200)); // warm-up, not counted
  const loads: Record<Variant, Load[]> = { plain: [], noSdk: [], sdk: [] };
  for (let r = 0; r < runs; r++) {
    const order = VARIANTS.map((_, i) => VARIANTS[(i + r) % VARIANTS.length]!);
    for (const v of order) loads[v].push(await measure(v, total));
  }
  const median = (xs: Load[]) =>
    [...xs].sort((a, b) => a.opsPerSec - b.opsPerSec)[Math.floor(xs.length / 2)]!;
  // Each round's own ratio, then their median: a round measures the variants back to back, so a
  // drift of the machine between rounds cancels out of it.
  const pairedRatio = (v: Variant) => {
    const rs = loads[v].map((l, r) => l.opsPerSec / loads.plain[r]!.opsPerSec).sort((a, b) => a - b);
    return rs[Math.floor(rs.length / 2)]!;
  };
  return {
    plain: median(loads.plain),
    noSdk: median(loads.noSdk),
    sdk: median(loads.sdk),
    ratios: { noSdk: pairedRatio('noSdk'), sdk: pairedRatio('sdk') },
  };
}

function row(
  area: OverheadRow['area'],
  engine: string,
  op: string,
  concurrency: number,
  m: Record<Variant, Load> & { ratios: { noSdk: number; sdk: number } },
): OverheadRow {
  return {
    area,
    engine,
    op,
    concurrency,
    plain: m.plain,
    noSdk: m.noSdk,
    sdk: m.sdk,
    noSdkRatio: m.ratios.noSdk,
    sdkRatio: m.ratios.sdk,
  };
}

/** The repositories of `db` as createStorage hands them out: wrapped, for the same config. */
function instrumentedRepositories(repos: Repositories, config: StorageConfig): Repositories {
  const observed = setupObservability(config, {});
  const wrapped: Record<string, object> = {};
  for (const [area, repo] of Object.entries(repos)) {
    wrapped[area] = observed.instrumentation!.wrap(repo, area, observed.repository(area));
  }
  return wrapped as unknown as Repositories;
}

function instrumentedCache(cache: CacheRepository, config: StorageConfig): CacheRepository {
  const observed = setupObservability(config, {});
  return observed.instrumentation!.wrap(cache, 'cache', observed.cache, { skip: UNTRACED.cache });
}

const CATS = ['Technology', 'Politics', 'Science', 'Business', 'Sports', 'Health'] as const;
const SOURCES = ['reddit', 'hackernews', 'bbc', 'guardian', 'reuters', 'rss'] as const;

async function reads(
  b: BenchDb,
  sizes: ObservabilitySizes,
  sdk: ReturnType<typeof sdkSwitch>,
): Promise<OverheadRow[]> {
  const ids = await seed(b, sizes.items, sizes.trends, sizes.topics);
  const config =
    b.name === 'postgres'
      ? resolveConfig({ databaseUrl: SERVER_URL, env: {} })
      : resolveConfig({ dataDir: null, env: {} });
  const plain = createRepositories(b.db);
  const observed = instrumentedRepositories(createRepositories(b.db), config);
  const ops: [string, (r: Repositories, i: number) => Promise<unknown>][] = [
    ['items.get', (r, i) => r.items.get(ids[(i * 7919) % ids.length]!)],
    [
      'items.getBySourceId',
      (r, i) => r.items.getBySourceId(SOURCES[i % 6]!, `r-${(i * 6 + (i % 6)) % sizes.items}`),
    ],
    ['trends.search category', (r, i) => r.trends.search({ category: CATS[i % 6]!, limit: 20 })],
    ['trends.getTopTrends(10)', (r) => r.trends.getTopTrends({ limit: 10 })],
  ];
  const rows: OverheadRow[] = [];
  for (const [op, call] of ops) {
    for (const concurrency of [1, 16]) {
      console.log(`  ${b.name} ${op}, ${concurrency} callers…`);
      const m = await interleaved(
        sizes.runs,
        sizes.readOps,
        concurrency,
        {
          plain: (i) => call(plain, i % 200),
          noSdk: (i) => call(observed, i % 200),
          sdk: (i) => call(observed, i % 200),
        },
        sdk,
      );
      rows.push(row('reads', b.name, op, concurrency, m));
    }
  }
  return rows;
}

async function caches(sizes: ObservabilitySizes, sdk: ReturnType<typeof sdkSwitch>): Promise<OverheadRow[]> {
  const rows: OverheadRow[] = [];
  const measureEngine = async (
    engine: string,
    cache: CacheRepository,
    config: StorageConfig,
    total: number,
  ) => {
    const observed = instrumentedCache(cache, config);
    await cache.set('k', 'value-0123456789', { ttlSeconds: 600 });
    for (const concurrency of [1, 100]) {
      console.log(`  ${engine} cache, ${concurrency} callers…`);
      const ops: [string, (c: CacheRepository) => (i: number) => Promise<unknown>][] = [
        ['get', (c) => () => c.get('k')],
        ['set', (c) => (i) => c.set(`s${i % 1000}`, i, { ttlSeconds: 600 })],
      ];
      for (const [op, call] of ops) {
        const m = await interleaved(
          sizes.runs,
          total,
          concurrency,
          { plain: call(cache), noSdk: call(observed), sdk: call(observed) },
          sdk,
        );
        rows.push(row('cache', engine, op, concurrency, m));
      }
    }
  };
  const memory = new MemoryCache({ prefix: 'bench:' });
  await measureEngine(
    'memory',
    memory,
    resolveConfig({ dataDir: null, redis: false, env: {} }),
    sizes.cacheOps * 10,
  );
  let redis: RedisCache;
  try {
    redis = await RedisCache.connect({ url: REDIS_URL, prefix: `bench_obs${process.pid}:` });
  } catch (err) {
    console.log(`redis skipped: ${(err as Error).message}`);
    return rows;
  }
  try {
    await measureEngine(
      'redis',
      redis,
      resolveConfig({ dataDir: null, redis: { url: REDIS_URL }, env: {} }),
      sizes.cacheOps,
    );
  } finally {
    await redis.flush();
    await redis.close();
  }
  return rows;
}

/** Every overhead row: reads on the server (when reachable) and PGlite, then the cache engines. */
export async function observability(
  sizes: ObservabilitySizes,
  machine: Record<string, unknown>,
): Promise<ObservabilityResult> {
  const started = Date.now();
  const sdk = sdkSwitch();
  const rows: OverheadRow[] = [];
  for (const open of [() => openServer('observability'), openPglite]) {
    const b = await open();
    if (!b) continue;
    try {
      console.log(`reads on ${b.name}…`);
      rows.push(...(await reads(b, sizes, sdk)));
    } finally {
      await b.close();
    }
  }
  console.log('cache…');
  rows.push(...(await caches(sizes, sdk)));
  return { machine, seconds: (Date.now() - started) / 1000, sizes, rows };
}

const HEADERS = [
  'engine',
  'op',
  'callers',
  'uninstrumented ops/s',
  'no SDK ops/s',
  'ratio',
  'SDK 100% ops/s',
  'ratio',
];

/** One row of the table, printed or in the page. */
const cells = (x: OverheadRow): (string | number)[] => [
  x.engine,
  x.op,
  x.concurrency,
  fmt(x.plain.opsPerSec),
  fmt(x.noSdk.opsPerSec),
  x.noSdkRatio.toFixed(3),
  fmt(x.sdk.opsPerSec),
  x.sdkRatio.toFixed(3),
];

export function printObservability(r: ObservabilityResult): void {
  printTable(
    'Instrumentation overhead (ops/s; ratios against uninstrumented, same run)',
    HEADERS,
    r.rows.map(cells),
  );
}

/** The row of the Targets table: the lowest no-SDK ratio against 0.97. */
export function observabilityTarget(
  r: ObservabilityResult | undefined,
): [string, string, boolean | undefined] {
  const worst = r?.rows.length ? r.rows.reduce((a, b) => (a.noSdkRatio < b.noSdkRatio ? a : b)) : undefined;
  return [
    'instrumented, no OpenTelemetry SDK: reads and cache ≥ 0.97× uninstrumented',
    worst
      ? `lowest ${worst.noSdkRatio.toFixed(3)}× (${worst.engine} ${worst.op}, ${worst.concurrency} callers)`
      : '—',
    worst ? worst.noSdkRatio >= 0.97 : undefined,
  ];
}

const cell = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;

/** The "Observability overhead" section of docs/BENCHMARKS.md, or its skeleton before a run. */
export function renderObservability(r: ObservabilityResult | undefined): string {
  const intro = `## Observability overhead

Reads and cache calls on one database and one cache, three ways, interleaved in one run
(\`npm run bench -- --observability\`; bench/results/observability.json): **uninstrumented** (no
wrapper: the library before tracing), **instrumented, no SDK** (what every user pays: the
OpenTelemetry API is a no-op until an application registers an SDK) and **instrumented under an SDK
sampling 100%** (BasicTracerProvider with AlwaysOnSampler, SimpleSpanProcessor handing every span to
an exporter that drops it, a MeterProvider recording the duration histogram). ${r?.sizes.runs ?? 7}
rounds, the order rotating; ops/s are each variant's median round, and each ratio is the median of
the rounds' own ratios against uninstrumented (a round runs the variants back to back, so drift
between rounds cancels out).
`;
  if (!r) {
    return `${intro}
Target: instrumented with no SDK within 3% of uninstrumented (ratio ≥ 0.97) on every read and
cache row — **not measured yet**. The SDK's own overhead is reported, not a target.

${cell(HEADERS)}
${cell(HEADERS.map(() => '---'))}
${cell(HEADERS.map(() => '—'))}
`;
  }
  const worst = r.rows.reduce((a, b) => (a.noSdkRatio < b.noSdkRatio ? a : b));
  const met = r.rows.every((x) => x.noSdkRatio >= 0.97);
  return `${intro}
Target: instrumented with no SDK within 3% of uninstrumented (ratio ≥ 0.97) on every read and
cache row — **${met ? 'met' : 'not met'}** (lowest ${worst.noSdkRatio.toFixed(3)}: ${worst.engine} ${worst.op},
${worst.concurrency} callers). The SDK's own overhead is reported, not a target. Measured
${String(r.machine.date ?? '')} (${(r.seconds / 60).toFixed(0)} min).

${cell(HEADERS)}
${cell(HEADERS.map(() => '---'))}
${r.rows.map((x) => cell(cells(x))).join('\n')}

Where the no-SDK cost is: with no SDK the wrapper's only work is one lookup of OpenTelemetry's
global registry (\`Symbol.for('opentelemetry.js.api.1')\` on \`globalThis\`), absent until an SDK
registers. An absent property of the global object is a dictionary lookup V8's inline caches cannot
keep: ~130 machine instructions a call under callgrind (a present property of an ordinary object:
~13), while the wrapper function itself is inlined away (with the lookup removed, a memory-cache
get counted the same instructions wrapped as unwrapped, ~3,500). That is 40–60 ns: the 4–11% above on
the in-memory cache, whose calls take 0.5–0.8 µs in this loop, and nothing measurable beside a
round trip (70 µs and more here): the database and Redis rows sit within 3% of 1, some above it,
by the noise of their round trips. Keeping the lookup is what lets an SDK registered after the
store opened be seen on the next call.
`;
}
