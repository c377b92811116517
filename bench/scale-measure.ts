// Measuring for the scale benchmark: latency percentiles with a time budget, timed maintenance
// operations, the growth exponent, and the plan of the SQL a repository sends.
import type { CopyTarget, Executor, Row } from '../src/sql/executor.js';

export interface Latency {
  /** Calls timed (fewer than asked when the budget ran out). */
  n: number;
  callers: number;
  p50: number;
  p99: number;
  opsPerSec: number;
}

/**
 * `total` calls of `fn` from `callers` callers at once, each timed, after a few untimed warm-up
 * calls. Stops starting new calls once `budgetMs` has passed (p99 then rests on fewer calls: `n`).
 */
export async function latency(
  total: number,
  callers: number,
  budgetMs: number,
  fn: (i: number) => Promise<unknown>,
): Promise<Latency> {
  for (let i = 0; i < Math.min(5, total); i++) await fn(total + i);
  const times: number[] = [];
  let next = 0;
  const started = performance.now();
  const deadline = started + budgetMs;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < total && (next < callers * 2 || performance.now() < deadline)) {
        const i = next++;
        const t = performance.now();
        await fn(i);
        times.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  times.sort((a, b) => a - b);
  return {
    n: times.length,
    callers,
    p50: times[Math.floor(times.length * 0.5)]!,
    p99: times[Math.min(times.length - 1, Math.floor(times.length * 0.99))]!,
    opsPerSec: times.length / elapsed,
  };
}

export interface Timed {
  /** Median milliseconds. */
  ms: number;
  runs: number[];
}

/** Up to `runs` timed calls of `fn` (fewer once `budgetMs` is spent): median milliseconds. */
export async function timed(runs: number, budgetMs: number, fn: () => Promise<unknown>): Promise<Timed> {
  const all: number[] = [];
  const started = performance.now();
  while (all.length < runs && (all.length === 0 || performance.now() - started < budgetMs)) {
    const t = performance.now();
    await fn();
    all.push(performance.now() - t);
  }
  const sorted = [...all].sort((a, b) => a - b);
  return { ms: sorted[Math.floor(sorted.length / 2)]!, runs: all };
}

/**
 * Growth exponent: the least-squares slope of log(cost) against log(size). 1 is linear (a scan of
 * a fixed share of the rows), 0 is flat; an index lookup's log n gives ~0.05–0.15 over two decades.
 */
export function growthExponent(points: { size: number; value: number }[]): number | undefined {
  const ps = points.filter((p) => p.value > 0 && p.size > 0);
  if (ps.length < 2) return undefined;
  const xs = ps.map((p) => Math.log(p.size));
  const ys = ps.map((p) => Math.log(p.value));
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let k = 0; k < xs.length; k++) {
    num += (xs[k]! - mx) * (ys[k]! - my);
    den += (xs[k]! - mx) ** 2;
  }
  return den ? num / den : undefined;
}

/** Below this growth exponent an operation counts as sub-linear (see the report for why 0.5). */
export const SUBLINEAR_BELOW = 0.5;

interface Call {
  text: string;
  params: unknown[];
  /** The outermost transaction it ran in (0: none), so a replay keeps SET LOCAL where it was. */
  tx: number;
}

/** An executor that sends every statement on to `inner` and keeps a copy of each. */
class Tap implements Executor {
  readonly engine: 'pglite' | 'postgres';
  constructor(
    private readonly inner: Executor,
    readonly calls: Call[] = [],
    private readonly tx = 0,
    private readonly counter = { n: 0 },
  ) {
    this.engine = inner.engine;
  }
  query<T extends Row>(text: string, params: readonly unknown[] = []): Promise<T[]> {
    this.calls.push({ text, params: [...params], tx: this.tx });
    return this.inner.query<T>(text, params);
  }
  exec(script: string): Promise<void> {
    return this.inner.exec(script);
  }
  copyIn(target: CopyTarget, data: Uint8Array): Promise<void> {
    return this.inner.copyIn(target, data);
  }
  transaction<R>(fn: (tx: Executor) => Promise<R>): Promise<R> {
    const id = this.tx || ++this.counter.n;
    return this.inner.transaction((tx) => fn(new Tap(tx, this.calls, id, this.counter)));
  }
}

export interface Plan {
  /** The scans of the costliest statement's plan ("Bitmap Heap Scan + Bitmap Index Scan idx_…"). */
  scans: string;
  /** What EXPLAIN ANALYZE measured inside the database, ms (all statements of the call). */
  executionMs: number;
  /** The node with the most time of its own (children's time taken out): what the time goes to. */
  costliest: string;
  /** Statements the call sent. */
  statements: number;
}

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  'Actual Total Time'?: number;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  Plans?: PlanNode[];
}

/**
 * EXPLAIN ANALYZE of the statements one library call sends: `call` runs once on `db` through a tap
 * that keeps its statements, then they run again in the same transactions, queries under EXPLAIN
 * ANALYZE and anything else as it is. The plan shown is the costliest statement's (catalog reads
 * aside); the time is all of them. Undefined when a statement fails.
 */
export async function explainCall(
  db: Executor,
  call: (exec: Executor) => Promise<unknown>,
): Promise<Plan | undefined> {
  const tap = new Tap(db);
  await call(tap);
  let executionMs = 0;
  let main: { ms: number; plan: PlanNode } | undefined;
  // The statements again, each transaction of the call as one transaction here (and each statement
  // outside one alone), so settings made with SET LOCAL reach exactly what they reached in the call.
  const groups: Call[][] = [];
  for (const c of tap.calls) {
    const last = groups[groups.length - 1];
    if (last && c.tx !== 0 && last[0]!.tx === c.tx) last.push(c);
    else groups.push([c]);
  }
  try {
    for (const group of groups) {
      await db.transaction(async (tx) => {
        for (const { text, params } of group) {
          if (!/^\s*(SELECT|WITH)\b/i.test(text)) {
            await tx.query(text, params);
            continue;
          }
          const out = await tx.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${text}`, params);
          const raw = out[0]!['QUERY PLAN'];
          const [plan] = (typeof raw === 'string' ? JSON.parse(raw) : raw) as {
            Plan: PlanNode;
            'Execution Time': number;
          }[];
          executionMs += plan!['Execution Time'];
          // The plan shown is the costliest statement on the platform's tables, not a catalog read.
          const catalog = /\bpg_(catalog|class|stats?|statistic|namespace|attribute)\b/.test(text);
          if (!catalog && (!main || plan!['Execution Time'] > main.ms)) {
            main = { ms: plan!['Execution Time'], plan: plan!.Plan };
          }
        }
      });
    }
  } catch {
    return undefined;
  }
  if (!main) return undefined;
  const scans: string[] = [];
  let costliest = { ms: -1, text: '' };
  const total = (n: PlanNode) => (n['Actual Total Time'] ?? 0) * (n['Actual Loops'] ?? 1);
  const walk = (n: PlanNode) => {
    const type = n['Node Type'];
    const on = n['Index Name'] ?? n['Relation Name'];
    if (/Scan/.test(type)) scans.push(`${type}${n['Index Name'] ? ` ${n['Index Name']}` : ''}`);
    const self = total(n) - (n.Plans ?? []).reduce((a, c) => a + total(c), 0);
    if (self > costliest.ms) {
      const rows = Math.round((n['Actual Rows'] ?? 0) * (n['Actual Loops'] ?? 1));
      costliest = { ms: self, text: `${type}${on ? ` on ${on}` : ''}: ${self.toFixed(1)} ms, ${rows} rows` };
    }
    for (const c of n.Plans ?? []) walk(c);
  };
  walk(main.plan);
  return {
    scans: [...new Set(scans)].join(' + '),
    executionMs,
    costliest: costliest.text,
    statements: tap.calls.length,
  };
}
