// A realistic, deterministic sample: items from several sources and languages over the last
// 14 days, grouped into topics and ranked into trends. Same seed → same rows, so re-running the
// demo upserts instead of duplicating.
import { createHash } from 'node:crypto';
import type { CategoryType, SourceType, TrendState } from '../domain/enums.js';
import type { ProcessedItemInput, TopicInput, TrendInput } from '../domain/models.js';
import type { TrendHistoryInput } from '../repositories/trend-history.js';

interface Theme {
  category: CategoryType;
  language: string;
  title: string;
  words: string[];
  keywords: string[];
}

const THEMES: Theme[] = [
  {
    category: 'Technology',
    language: 'en',
    title: 'Open-weight language models',
    words: ['model', 'weights', 'benchmark', 'inference', 'open source', 'GPU'],
    keywords: ['ai', 'llm', 'open-source'],
  },
  {
    category: 'Technology',
    language: 'en',
    title: 'Quantum computing milestones',
    words: ['qubit', 'error correction', 'processor', 'quantum advantage'],
    keywords: ['quantum', 'computing'],
  },
  {
    category: 'Technology',
    language: 'en',
    title: 'Browser engine security patches',
    words: ['zero-day', 'patch', 'exploit', 'sandbox', 'browser'],
    keywords: ['security', 'browser'],
  },
  {
    category: 'Technology',
    language: 'de',
    title: 'Rechenzentren und Energieverbrauch',
    words: ['Rechenzentrum', 'Strom', 'Kühlung', 'Effizienz'],
    keywords: ['energie', 'rechenzentrum'],
  },
  {
    category: 'Science',
    language: 'en',
    title: 'James Webb telescope discoveries',
    words: ['galaxy', 'infrared', 'telescope', 'exoplanet', 'spectrum'],
    keywords: ['space', 'astronomy'],
  },
  {
    category: 'Science',
    language: 'fr',
    title: 'Fusion nucléaire : nouveau record',
    words: ['plasma', 'tokamak', 'énergie', 'record'],
    keywords: ['fusion', 'énergie'],
  },
  {
    category: 'Politics',
    language: 'en',
    title: 'Coalition talks after the election',
    words: ['coalition', 'parliament', 'vote', 'minister', 'budget'],
    keywords: ['election', 'coalition'],
  },
  {
    category: 'Politics',
    language: 'es',
    title: 'Reforma de la ley de vivienda',
    words: ['vivienda', 'alquiler', 'reforma', 'congreso'],
    keywords: ['vivienda', 'ley'],
  },
  {
    category: 'Business',
    language: 'en',
    title: 'Chipmaker earnings beat forecasts',
    words: ['earnings', 'revenue', 'shares', 'forecast', 'chips'],
    keywords: ['earnings', 'semiconductors'],
  },
  {
    category: 'Business',
    language: 'de',
    title: 'Autoindustrie im Wandel',
    words: ['Elektroauto', 'Batterie', 'Werk', 'Absatz'],
    keywords: ['auto', 'elektromobilität'],
  },
  {
    category: 'Sports',
    language: 'en',
    title: 'Transfer window surprises',
    words: ['transfer', 'striker', 'club', 'fee', 'contract'],
    keywords: ['football', 'transfers'],
  },
  {
    category: 'Sports',
    language: 'es',
    title: 'Final de la Copa',
    words: ['final', 'gol', 'estadio', 'afición'],
    keywords: ['fútbol', 'copa'],
  },
  {
    category: 'Health',
    language: 'en',
    title: 'New vaccine trial results',
    words: ['vaccine', 'trial', 'efficacy', 'patients', 'dose'],
    keywords: ['vaccine', 'health'],
  },
  {
    category: 'Environment',
    language: 'en',
    title: 'Climate summit pledges',
    words: ['emissions', 'pledge', 'summit', 'carbon', 'finance'],
    keywords: ['climate', 'cop'],
  },
  {
    category: 'Entertainment',
    language: 'en',
    title: 'Streaming series breaks records',
    words: ['series', 'season', 'viewers', 'streaming', 'finale'],
    keywords: ['tv', 'streaming'],
  },
  {
    category: 'World News',
    language: 'fr',
    title: 'Sommet européen sur la défense',
    words: ['sommet', 'défense', 'Union européenne', 'accord'],
    keywords: ['europe', 'défense'],
  },
  {
    category: 'Education',
    language: 'en',
    title: 'Universities rethink AI policies',
    words: ['students', 'exams', 'policy', 'universities', 'plagiarism'],
    keywords: ['education', 'ai'],
  },
];

const SOURCES: SourceType[] = [
  'reddit',
  'hackernews',
  'bbc',
  'guardian',
  'reuters',
  'google_news',
  'ap_news',
  'rss',
];
const VERBS = [
  'reports',
  'analysis:',
  'update:',
  'why',
  'what we know about',
  'live:',
  'explainer:',
  'opinion:',
];

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A stable uuid for a name, so demo topics and trends keep their ids across runs. */
export function demoId(name: string): string {
  const h = createHash('sha1').update(`trend-storage-demo:${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface Sample {
  items: (ProcessedItemInput & { theme: number })[];
  topics: TopicInput[];
  trends: TrendInput[];
  /** Hourly points over the 14 days before the anchor hour, ending where each trend stands now. */
  history: TrendHistoryInput[];
}

const DAY = 86_400_000;
const HOUR = 3_600_000;

/**
 * A trend's score `daysAgo` days back, as a share of its score now, shaped by its state: viral
 * trends shot up, emerging ones are starting to, sustained ones hold a plateau, declining ones
 * peaked days ago and dead ones long ago.
 */
function shape(state: TrendState, daysAgo: number): number {
  const d = daysAgo;
  switch (state) {
    case 'viral':
      return 0.08 + 0.92 * Math.exp(-d / 2);
    case 'emerging':
      return 0.25 + 0.75 * Math.max(0, 1 - d / 4);
    case 'sustained':
      return Math.min(1, 0.35 + (14 - d) / 5) * (0.96 + 0.04 * Math.sin(d * 2));
    case 'declining':
      return d > 5 ? 0.4 + 1.4 * ((14 - d) / 9) ** 2 : 1 + 0.8 * (d / 5);
    case 'dead':
      return d > 10 ? 0.6 + 2.4 * ((14 - d) / 4) : 1 + 2 * (d / 10) ** 2;
  }
}

/** The state a trend was in `daysAgo` days back, on its way to the state it is in now. */
function stateThen(state: TrendState, daysAgo: number): TrendState {
  if (daysAgo < 1) return state;
  if (state === 'viral') return daysAgo > 3 ? 'emerging' : 'viral';
  if (state === 'declining') return daysAgo > 8 ? 'emerging' : daysAgo > 3 ? 'viral' : 'declining';
  if (state === 'dead') return daysAgo > 11 ? 'viral' : daysAgo > 5 ? 'declining' : 'dead';
  if (state === 'sustained') return daysAgo > 10 ? 'emerging' : 'sustained';
  return state;
}

function sampleHistory(trends: TrendInput[], anchor: number, rnd: () => number): TrendHistoryInput[] {
  const points: TrendHistoryInput[] = [];
  for (const t of trends) {
    const state = t.state ?? 'emerging';
    for (let at = anchor - 14 * DAY; at < anchor; at += HOUR) {
      const daysAgo = (anchor - at) / DAY;
      const noise = 1 + (rnd() - 0.5) * 0.08;
      const score = Math.round(t.score * shape(state, daysAgo) * noise * 100) / 100;
      const slope = (shape(state, daysAgo - 1 / 24) - shape(state, daysAgo)) * t.score * 24;
      points.push({
        trendId: t.id!,
        at: new Date(at),
        rank: t.rank,
        score,
        velocity: Math.round(Math.max(0, slope) * 100) / 100,
        state: stateThen(state, daysAgo),
        itemCount: Math.round((t.itemCount ?? 0) * Math.min(1, (14 - daysAgo) / 14 + 0.05)),
      });
    }
  }
  return points;
}

export function sample(count = 5000, now = Date.now()): Sample {
  const rnd = mulberry32(20261129);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  // Anchor timestamps to the hour so re-running within the hour yields identical rows.
  const anchor = Math.floor(now / 3_600_000) * 3_600_000;
  const items = Array.from({ length: count }, (_, n) => {
    // A few themes are hot: skew towards the first ones.
    const theme = Math.min(THEMES.length - 1, Math.floor(rnd() ** 1.6 * THEMES.length));
    const t = THEMES[theme]!;
    const source = pick(SOURCES);
    // Three distinct theme words, in a seeded order.
    const words = [...t.words].sort(() => rnd() - 0.5).slice(0, 3);
    const title = `${pick(VERBS)} ${t.title.toLowerCase()} — ${words[0]} and ${words[1]}`;
    const upvotes = Math.floor(rnd() ** 3 * 5000);
    return {
      theme,
      source,
      sourceId: `demo-${n}`,
      url: `https://example.com/${source}/${n}`,
      title,
      description: `${t.title}: ${words.join(', ')}.`,
      content: `${t.title}. Coverage of ${words.join(' ')} from ${source}; trending across sources.`,
      language: t.language,
      author: `author${n % 97}`,
      category: t.category,
      publishedAt: new Date(anchor - Math.floor(rnd() * 14 * DAY)),
      metrics: {
        upvotes,
        comments: Math.floor(upvotes / 7),
        shares: Math.floor(upvotes / 20),
        views: upvotes * 30,
        score: upvotes / 100,
      },
      metadata: { demo: true, theme: t.title },
    };
  });
  const topics: TopicInput[] = THEMES.map((t, i) => {
    const mine = items.filter((it) => it.theme === i);
    const sum = (f: (m: NonNullable<ProcessedItemInput['metrics']>) => number) =>
      mine.reduce((s, it) => s + f(it.metrics!), 0);
    return {
      id: demoId(`topic:${t.title}`),
      title: t.title,
      summary: `${mine.length} items about ${t.words.slice(0, 3).join(', ')}.`,
      category: t.category,
      sources: [...new Set(mine.map((it) => it.source))].sort(),
      language: t.language,
      keywords: t.keywords,
      totalEngagement: {
        upvotes: sum((m) => m.upvotes ?? 0),
        comments: sum((m) => m.comments ?? 0),
        shares: sum((m) => m.shares ?? 0),
        views: sum((m) => m.views ?? 0),
        score: Math.round(sum((m) => m.score ?? 0) * 100) / 100,
      },
      // A small sample may leave a theme without items: it was first seen at the anchor, then.
      firstSeen: new Date(Math.min(anchor, ...mine.map((it) => (it.publishedAt as Date).getTime()))),
      metadata: { demo: true },
    };
  });
  const states: TrendState[] = ['viral', 'emerging', 'sustained', 'declining', 'dead'];
  const ranked = topics
    .map((topic, i) => ({ topic, i, score: topic.totalEngagement!.score! }))
    .sort((a, b) => b.score - a.score);
  const trends: TrendInput[] = ranked.map(({ topic, i, score }, rank) => {
    const recent = items.filter(
      (it) => it.theme === i && (it.publishedAt as Date).getTime() > anchor - 2 * DAY,
    ).length;
    return {
      id: demoId(`trend:${topic.title}`),
      topicId: topic.id!,
      rank: rank + 1,
      title: topic.title,
      summary: topic.summary,
      keyPoints: THEMES[i]!.words.slice(0, 3).map((w) => `${w} is in the news`),
      category: topic.category,
      state: states[Math.min(states.length - 1, Math.floor(rank / 4))]!,
      score: Math.round(score * 100) / 100,
      sources: topic.sources,
      itemCount: items.filter((it) => it.theme === i).length,
      totalEngagement: topic.totalEngagement,
      velocity: Math.round((recent / 2) * 100) / 100,
      firstSeen: topic.firstSeen,
      language: topic.language,
      keywords: topic.keywords,
      metadata: { demo: true },
    };
  });
  return { items, topics, trends, history: sampleHistory(trends, anchor, rnd) };
}
