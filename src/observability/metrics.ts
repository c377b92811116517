// The metric instruments, made on the meter of whatever MeterProvider the application registered.
// The metrics API has no proxy (a meter obtained before the SDK is registered stays a no-op), so the
// provider is looked up on every call and the instruments are made anew when it changes: one
// global read while none is registered. Gauges are observed from the stores open in this process.
import {
  type Attributes,
  createNoopMeter,
  type Histogram,
  type MeterProvider,
  metrics,
} from '@opentelemetry/api';
import type { PoolStats } from '../sql/executor.js';
import {
  ATTR_CACHE_ENGINE,
  ATTR_CONNECTION_STATE,
  ATTR_DB_SYSTEM_NAME,
  ATTR_POOL_NAME,
  DURATION_BUCKETS,
  METRIC_CACHE_HITS,
  METRIC_CACHE_MISSES,
  METRIC_CONNECTION_COUNT,
  METRIC_CONNECTION_MAX,
  METRIC_OPERATION_DURATION,
  METRIC_PENDING_REQUESTS,
  SCOPE,
} from './semconv.js';

/** A database whose connections are observed: `db.client.connection.*`. */
export interface PoolSource {
  /** `db.client.connection.pool.name`, unique among the sources open in this process. */
  readonly name: string;
  stats(): PoolStats;
}

/** A cache whose lookups are observed: `trend_storage.cache.hits` / `.misses`. */
export interface CacheSource {
  readonly attributes: Attributes;
  /** This process's lookups through the cache since it opened. */
  lookups(): { hits: number; misses: number };
}

const pools = new Set<PoolSource>();
const caches = new Set<CacheSource>();

/** Starts observing `source` until the returned function is called (the store closing). */
export function observePool(source: Omit<PoolSource, 'name'> & { baseName: string }): () => void {
  const taken = new Set([...pools].map((p) => p.name));
  let name = source.baseName;
  // Two stores on one database are two pools: the second is told apart by a suffix.
  for (let n = 2; taken.has(name); n++) name = `${source.baseName}#${n}`;
  const entry: PoolSource = { name, stats: () => source.stats() };
  pools.add(entry);
  activeInstruments();
  return () => pools.delete(entry);
}

export function observeCache(source: CacheSource): () => void {
  caches.add(source);
  activeInstruments();
  return () => caches.delete(source);
}

/** The instruments on the registered provider's meter. */
export interface Instruments {
  readonly duration: Histogram;
}

const NOOP_METER = createNoopMeter();
let owner: MeterProvider | undefined;
let instruments: Instruments | undefined;
/** A provider registered again (after metrics.disable()) keeps its instruments: no second callback. */
const made = new WeakMap<MeterProvider, Instruments>();

/** The instruments of the registered MeterProvider; undefined while none is registered. */
export function activeInstruments(): Instruments | undefined {
  const provider = metrics.getMeterProvider();
  if (provider !== owner) {
    owner = provider;
    instruments = made.get(provider);
    if (!instruments) {
      const meter = provider.getMeter(SCOPE);
      instruments = meter === NOOP_METER ? undefined : create(meter);
      if (instruments) made.set(provider, instruments);
    }
  }
  return instruments;
}

function create(meter: ReturnType<MeterProvider['getMeter']>): Instruments {
  const duration = meter.createHistogram(METRIC_OPERATION_DURATION, {
    unit: 's',
    description: 'Duration of database client operations.',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  });
  const connections = meter.createObservableUpDownCounter(METRIC_CONNECTION_COUNT, {
    unit: '{connection}',
    description: 'The number of connections that are currently in state described by the state attribute.',
  });
  const pending = meter.createObservableUpDownCounter(METRIC_PENDING_REQUESTS, {
    unit: '{request}',
    description: 'The number of current pending requests for an open connection.',
  });
  const max = meter.createObservableUpDownCounter(METRIC_CONNECTION_MAX, {
    unit: '{connection}',
    description: 'The maximum number of open connections allowed.',
  });
  // One reading of each pool serves all three gauges.
  meter.addBatchObservableCallback(
    (r) => {
      for (const p of pools) {
        const s = p.stats();
        const pool = { [ATTR_POOL_NAME]: p.name };
        r.observe(connections, s.idle, { ...pool, [ATTR_CONNECTION_STATE]: 'idle' });
        r.observe(connections, s.used, { ...pool, [ATTR_CONNECTION_STATE]: 'used' });
        r.observe(pending, s.pending, pool);
        r.observe(max, s.max, pool);
      }
    },
    [connections, pending, max],
  );
  const hits = meter.createObservableCounter(METRIC_CACHE_HITS, {
    unit: '{lookup}',
    description: 'Cache lookups that found the key, by engine (this process).',
  });
  const misses = meter.createObservableCounter(METRIC_CACHE_MISSES, {
    unit: '{lookup}',
    description: 'Cache lookups that missed, by engine (this process).',
  });
  meter.addBatchObservableCallback(
    (r) => {
      // Caches alike in every attribute (two stores on one Redis namespace) are one series: summed.
      const sums = new Map<string, { attributes: Attributes; hits: number; misses: number }>();
      for (const c of caches) {
        const key = JSON.stringify(c.attributes);
        const entry = sums.get(key) ?? { attributes: c.attributes, hits: 0, misses: 0 };
        const n = c.lookups();
        entry.hits += n.hits;
        entry.misses += n.misses;
        sums.set(key, entry);
      }
      for (const e of sums.values()) {
        r.observe(hits, e.hits, e.attributes);
        r.observe(misses, e.misses, e.attributes);
      }
    },
    [hits, misses],
  );
  return { duration };
}

/** The attributes of a cache's lookup counters. */
export function cacheAttributes(system: string, engine: string, extra: Attributes = {}): Attributes {
  return { [ATTR_DB_SYSTEM_NAME]: system, [ATTR_CACHE_ENGINE]: engine, ...extra };
}
