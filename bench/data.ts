// Synthetic rows with realistic field sizes (titles ~80 chars, descriptions ~300, content ~1.5 kB).
import type { ProcessedItemInput } from '../src/domain/models.js';

const BASE =
  'trend model market election climate vaccine quantum football streaming startup chip energy policy data cloud security research launch report growth'.split(
    ' ',
  );
const SYLLABLES = 'ka ro mi tel san vor bri dun esk lo pra qui zen tor mal fe gu hin ja ny'.split(' ');
// A vocabulary of ~3,000 words drawn with a Zipf-like skew, so full-text queries are as selective
// as they are on real text (a handful of words in every row would make every index useless).
const WORDS = [
  ...BASE,
  ...Array.from(
    { length: 3000 },
    (_, i) =>
      `${SYLLABLES[i % 20]}${SYLLABLES[Math.floor(i / 20) % 20]}${SYLLABLES[Math.floor(i / 400) % 20]}`,
  ),
];
const SOURCES = ['reddit', 'hackernews', 'bbc', 'guardian', 'reuters', 'rss'] as const;
const CATEGORIES = ['Technology', 'Politics', 'Science', 'Business', 'Sports', 'Health'] as const;

function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return a / 2 ** 32;
  };
}

function text(r: () => number, words: number): string {
  return Array.from({ length: words }, () => WORDS[Math.floor(r() ** 2 * WORDS.length)]).join(' ');
}

export function items(n: number, seed = 1, prefix = 'b'): ProcessedItemInput[] {
  const r = rng(seed);
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => ({
    source: SOURCES[i % SOURCES.length]!,
    sourceId: `${prefix}-${i}`,
    url: `https://example.com/${prefix}/${i}`,
    title: text(r, 12),
    description: text(r, 45),
    content: text(r, 220),
    language: i % 5 ? 'en' : 'de',
    author: `author-${i % 500}`,
    category: CATEGORIES[i % CATEGORIES.length]!,
    publishedAt: new Date(now - Math.floor(r() * 14 * 86_400_000)),
    collectedAt: new Date(now),
    metrics: { upvotes: Math.floor(r() * 1000), comments: Math.floor(r() * 100), score: r() * 10 },
    metadata: { batch: seed, tags: [WORDS[i % WORDS.length]!] },
  }));
}

export function unitVectors(n: number, dims: number, seed = 7): number[][] {
  const r = rng(seed);
  return Array.from({ length: n }, () => {
    const v = Array.from({ length: dims }, () => r() - 0.5);
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  });
}

/**
 * Embedding-like unit vectors: points scattered around `clusters` random topic centres, as text
 * embeddings gather by topic. Noise of norm ~1 puts two points of one topic at cosine ~0.5 and
 * points of different topics near 0. `seed` picks the points; the centres depend on `centresSeed`
 * only, so queries drawn with another seed fall into the same topics.
 */
export function clusteredVectors(
  n: number,
  dims: number,
  seed: number,
  clusters = 1000,
  centresSeed = 11,
): number[][] {
  const centres = unitVectors(clusters, dims, centresSeed);
  const r = rng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const sigma = 1 / Math.sqrt(dims);
  return Array.from({ length: n }, () => {
    const c = centres[Math.floor(r() * clusters)]!;
    const v = c.map((x) => x + gauss() * sigma);
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  });
}
