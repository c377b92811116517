// Data of the scale benchmark: one table grown through the sizes, so every item is addressed by its
// global index i — its id, key, age, planted words and vector all follow from i alone.
import { createHash } from 'node:crypto';
import type { ProcessedItemInput } from '../src/domain/models.js';
import type { Executor } from '../src/sql/executor.js';
import { clusteredVectors, items } from './data.js';

/** Items are generated in blocks of this many (bench/data.ts is seeded per block). */
export const GEN = 1000;
export const SOURCES = ['reddit', 'hackernews', 'bbc', 'guardian', 'reuters', 'rss'] as const;
/** One row in ten is collected this long ago, so deleteOlderThan(OLD_CUTOFF_DAYS) takes exactly 10%. */
export const OLD_DAYS = 400;
export const OLD_CUTOFF_DAYS = 365;
export const isOld = (i: number) => i % 10 === 0;

/**
 * bench/data.ts draws each of an item's ~277 words from a 3,020-word Zipf-skewed vocabulary, so
 * its rarest word still appears in ~4.5% of rows: mid-frequency (~1%) and rare (~0.02%) words
 * are planted in titles. The common words (~1/3 of rows) are found in the data (`pickCommon`).
 */
export const PLANTED = {
  mid: { words: ['tokamak', 'magnetar', 'heliostat'], every: 100, at: [11, 47, 83] },
  rare: { words: ['zeolith', 'bolometer', 'quasicrystal'], every: 5000, at: [123, 2345, 4567] },
} as const;

/** A stable, random-looking uuid per index (random ids, as gen_random_uuid gives, not sequential). */
export function itemId(i: number): string {
  const h = createHash('md5').update(`trend-bench-scale-${i}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[Number.parseInt(h[16]!, 16) % 4]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export const itemKey = (i: number) => ({ source: SOURCES[i % SOURCES.length]!, sourceId: `sc-${i}` });

/** Items [from, to), generated block by block. */
export function* scaleItems(from: number, to: number): Generator<ProcessedItemInput> {
  const now = Date.now();
  for (let block = Math.floor(from / GEN); block * GEN < to; block++) {
    const batch = items(GEN, 1000 + block, `sc${block}`);
    for (let j = 0; j < GEN; j++) {
      const i = block * GEN + j;
      if (i < from || i >= to) continue;
      const it = batch[j]!;
      let title = it.title;
      for (const kind of [PLANTED.mid, PLANTED.rare]) {
        kind.at.forEach((at, w) => {
          if (i % kind.every === at) title += ` ${kind.words[w]}`;
        });
      }
      const old = isOld(i);
      const collectedAt = old ? new Date(now - OLD_DAYS * 86_400_000) : new Date(now);
      yield {
        ...it,
        id: itemId(i),
        ...itemKey(i),
        url: `https://example.com/scale/${i}`,
        title,
        collectedAt,
        publishedAt: old ? new Date(collectedAt.getTime() - (i % 14) * 86_400_000) : it.publishedAt,
      };
    }
  }
}

/** 384-d embedding-like vectors of items [from, to), block by block (one seed per block). */
export function* scaleVectors(
  from: number,
  to: number,
  block = 5000,
): Generator<{ id: string; vector: number[]; metadata: Record<string, string> }[]> {
  for (let b = Math.floor(from / block); b * block < to; b++) {
    const vs = clusteredVectors(block, 384, 5000 + b);
    const out = [];
    for (let j = 0; j < block; j++) {
      const i = b * block + j;
      if (i < from || i >= to) continue;
      out.push({ id: itemId(i), vector: vs[j]!, metadata: { source: itemKey(i).source } });
    }
    yield out;
  }
}

/** The full-text predicate items.search uses (src/sql/params.ts tsQuery, English). */
export const MATCH = `search_vector @@ (websearch_to_tsquery(trend_ts_config('en'), $1) || websearch_to_tsquery('simple', $1))`;

export async function matchFraction(db: Executor, word: string, rows: number): Promise<number> {
  const [r] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM processed_items WHERE ${MATCH}`, [
    word,
  ]);
  return r!.n / rows;
}

/**
 * The three words of the data closest to matching a third of the rows: the lexemes whose
 * document frequency is nearest 1/3 (ts_stat), checked through the query items.search runs.
 */
export async function pickCommon(db: Executor, rows: number): Promise<string[]> {
  const candidates = await db.query<{ word: string }>(
    `SELECT word FROM ts_stat('SELECT search_vector FROM processed_items')
     WHERE word ~ '^[a-z]+$' ORDER BY abs(ndoc - $1::float8 / 3) LIMIT 12`,
    [rows],
  );
  const scored: { word: string; d: number }[] = [];
  for (const { word } of candidates) {
    scored.push({ word, d: Math.abs((await matchFraction(db, word, rows)) - 1 / 3) });
  }
  return scored
    .sort((a, b) => a.d - b.d)
    .slice(0, 3)
    .map((s) => s.word);
}

/** Words the seeded trends are about: each in a fifth of the trends. */
export const TREND_SUBJECTS = ['models', 'markets', 'elections', 'climate', 'football'] as const;
export const trendTarget = (items: number) => Math.max(1000, Math.round(items / 100));

/** Trends (with one topic per five) up to `target` rows. */
export async function seedTrends(db: Executor, target: number): Promise<void> {
  const [c] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM trends');
  const have = c!.n;
  if (have >= target) return;
  await db.query(
    `INSERT INTO topics (title, summary, category, keywords)
     SELECT 'topic ' || g, 'summary of topic ' || g, ($3::text[])[1 + g % 6]::category_type, ARRAY['k' || (g % 50)]
     FROM generate_series(($1::int + 4) / 5 + 1, ($2::int + 4) / 5) g`,
    [have, target, ['Technology', 'Politics', 'Science', 'Business', 'Sports', 'Health']],
  );
  await db.query(
    `INSERT INTO trends (topic_id, rank, title, summary, key_points, category, state, score, sources, velocity,
       language, keywords, first_seen)
     SELECT t.id, 1 + g % 500, 'trend ' || g || ' about ' || ($3::text[])[1 + g % 5],
       'what moved ' || ($3::text[])[1 + (g / 5) % 5] || ' on day ' || (g % 30), ARRAY['point ' || g],
       ($4::text[])[1 + g % 6]::category_type, ($5::text[])[1 + g % 5]::trend_state, (g * 7919 % 10000) / 100.0,
       ARRAY[($6::text[])[1 + g % 6]]::source_type[], g % 37, CASE WHEN g % 5 = 0 THEN 'de' ELSE 'en' END,
       ARRAY['k' || (g % 200)], now() - make_interval(hours => g % (24 * 30))
     FROM generate_series($1::int + 1, $2::int) g JOIN topics t ON t.title = 'topic ' || ((g - 1) / 5 + 1)`,
    [
      have,
      target,
      TREND_SUBJECTS,
      ['Technology', 'Politics', 'Science', 'Business', 'Sports', 'Health'],
      ['emerging', 'viral', 'sustained', 'declining', 'dead'],
      SOURCES,
    ],
  );
}
