// Measuring: repeated runs reported as median and spread, latency percentiles, concurrency.

export interface Stat {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

export function stat(runs: number[]): Stat {
  const sorted = [...runs].sort((a, b) => a - b);
  return {
    median: sorted[Math.floor(sorted.length / 2)]!,
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    runs,
  };
}

/** Runs `fn` `times` times (after `setup` each time) and returns its rate (units per second). */
export async function rate(
  times: number,
  units: number,
  fn: () => Promise<unknown>,
  setup?: () => Promise<unknown>,
): Promise<Stat> {
  const rates: number[] = [];
  for (let i = 0; i < times; i++) {
    await setup?.();
    const t = performance.now();
    await fn();
    rates.push(units / ((performance.now() - t) / 1000));
  }
  return stat(rates);
}

export interface Load {
  opsPerSec: number;
  p50: number;
  p99: number;
}

/** `total` calls of `fn` from `concurrency` callers at once: throughput and latency (ms). */
/** Milliseconds a single measurement may take: it stops early (and counts what it did) past this. */
let budgetMs = Number.POSITIVE_INFINITY;
export function setBudget(ms: number): void {
  budgetMs = ms;
}

export async function load(
  total: number,
  concurrency: number,
  fn: (i: number) => Promise<unknown>,
): Promise<Load> {
  // Timing every call would cost more than a sub-microsecond call itself: sample ~10,000 of them.
  const every = Math.max(1, Math.floor(total / 10_000));
  const latencies: number[] = [];
  let next = 0;
  let done = 0;
  const started = performance.now();
  const deadline = started + budgetMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total && (next % 16 || performance.now() < deadline)) {
        const i = next++;
        done++;
        if (i % every) {
          await fn(i);
          continue;
        }
        const t = performance.now();
        await fn(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    opsPerSec: done / elapsed,
    p50: latencies[Math.floor(latencies.length * 0.5)]!,
    p99: latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))]!,
  };
}

/** A and B measured alternately (A B A B A B), so drift and warm-up hit both alike. */
export async function paired(
  runs: number,
  total: number,
  concurrency: number,
  a: (i: number) => Promise<unknown>,
  b: (i: number) => Promise<unknown>,
): Promise<[Load & { spread: number[] }, Load & { spread: number[] }]> {
  await load(Math.min(total, 200), concurrency, a); // warm-up, not counted
  await load(Math.min(total, 200), concurrency, b);
  const ra: Load[] = [];
  const rb: Load[] = [];
  for (let r = 0; r < runs; r++) {
    ra.push(await load(total, concurrency, a));
    rb.push(await load(total, concurrency, b));
  }
  const mid = (xs: Load[]) => {
    const s = [...xs].sort((x, y) => x.opsPerSec - y.opsPerSec);
    return { ...s[Math.floor(s.length / 2)]!, spread: [s[0]!.opsPerSec, s[s.length - 1]!.opsPerSec] };
  };
  return [mid(ra), mid(rb)];
}

/** Median of three `load` runs, by throughput. */
export async function load3(
  runs: number,
  total: number,
  concurrency: number,
  fn: (i: number) => Promise<unknown>,
) {
  const results: Load[] = [];
  for (let r = 0; r < runs; r++) results.push(await load(total, concurrency, fn));
  results.sort((a, b) => a.opsPerSec - b.opsPerSec);
  return {
    ...results[Math.floor(results.length / 2)]!,
    spread: [results[0]!.opsPerSec, results[results.length - 1]!.opsPerSec],
  };
}

export const fmt = (n: number, digits = 0) =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e4 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(digits);

export function printTable(title: string, headers: string[], rows: (string | number)[][]): void {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  console.log(`\n${title}`);
  for (const [i, r] of cells.entries()) {
    console.log(r.map((c, j) => c.padEnd(widths[j]!)).join('  '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}
