// The labelled set behind bench/quality.ts: items drawn from known topics, an embedding that behaves
// like a semantic model without being one, and queries of three classes whose relevant items are
// known by construction. Everything is seeded: the same options give the same set, byte for byte.
//
// Every constant below was fixed before any hybrid figure was measured, and none is chosen to make
// one method win: the set is described in full by describeQualitySet(), which the report prints.
import type { ProcessedItemInput } from '../src/domain/models.js';
import { items as backgroundItems } from './data.js';

export type QueryClass = 'exact-term' | 'paraphrase' | 'topical';
export const QUERY_CLASSES: readonly QueryClass[] = ['exact-term', 'paraphrase', 'topical'];

/** The fixed shape of the set; only sizes and the seed are options. */
export const SHAPE = {
  dimensions: 384,
  domains: 10,
  topicsPerDomain: 4,
  conceptsPerTopic: 12,
  /** Rare terms per topic: half product codes, half proper names. */
  rareTermsPerTopic: 6,
  /** Each rare term is written into this many items of its topic (inclusive range). */
  rareTermItems: [2, 4],
  /** Concepts an item mentions (inclusive range), each 1–3 times. */
  conceptsPerItem: [4, 6],
  /** Share of occurrences written in a concept's first surface form (the rest: its second). */
  firstFormShare: 0.7,
  /** Concepts per topic whose second surface form is also a word of a topic in another domain. */
  ambiguousConceptsPerTopic: 2,
  /** Mixing weights: topic centre = norm(domain·a + own·b); concept = norm(topic·a + own·b). */
  topicFromDomain: [0.6, 0.8],
  conceptFromTopic: [0.8, 0.6],
  nameFromTopic: [0.5, 0.866],
  /** SIF smoothing constant (Arora et al. 2017): a word's weight is a / (a + p(word)). */
  sifA: 1e-3,
} as const;

export interface QualityQuery {
  id: string;
  cls: QueryClass;
  /** The words a user types, passed as `q`. */
  q: string;
  /** The query embedded by the same model as the items. */
  vector: number[];
  /** Judged items by sourceId: 2 highly relevant, 1 relevant; absent = 0. */
  relevance: Map<string, 1 | 2>;
  topic: number;
}

export interface QualitySet {
  items: ProcessedItemInput[];
  /** One embedding per item, in the order of `items`. */
  embeddings: number[][];
  queries: QualityQuery[];
  stats: {
    items: number;
    topics: number;
    itemsPerTopic: { min: number; max: number };
    /** Mean number of grade-2 items per query, per class. */
    meanHighlyRelevant: Record<QueryClass, number>;
    /** Mean number of judged (grade ≥ 1) items per query, per class. */
    meanJudged: Record<QueryClass, number>;
    wordsPerItem: number;
    /** The first query of each class, as typed. */
    examples: Record<QueryClass, string>;
  };
}

function rng(seed: number) {
  let a = seed >>> 0 || 1;
  return () => {
    // xorshift32: a different generator from bench/data.ts so the two streams are unrelated.
    a ^= a << 13;
    a >>>= 0;
    a ^= a >>> 17;
    a ^= a << 5;
    a >>>= 0;
    return a / 2 ** 32;
  };
}

/** FNV-1a, for seeding a word's vector from the word itself. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function normalize(v: number[]): number[] {
  let s = 0;
  for (const x of v) s += x * x;
  const n = Math.sqrt(s) || 1;
  return v.map((x) => x / n);
}

function randomUnit(r: () => number, dims: number): number[] {
  const v = new Array<number>(dims);
  for (let i = 0; i < dims; i++) {
    // Box–Muller: isotropic directions, so random vectors are near-orthogonal in 384 dimensions.
    v[i] = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  }
  return normalize(v);
}

function mix(a: readonly number[], wa: number, b: readonly number[], wb: number): number[] {
  return normalize(a.map((x, i) => wa * x + wb * b[i]!));
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const between = (r: () => number, [lo, hi]: readonly [number, number]) =>
  lo + Math.floor(r() * (hi - lo + 1));

function shuffle<T>(r: () => number, xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

// Topic words are pseudo-words of consonant–vowel syllables ending in "x": no English or German
// stemmer rule touches that ending, no stop word has it, and bench/data.ts's background words never
// contain an x, so a topic word matches exactly itself in full-text search.
const CONSONANTS = 'bdfglmnprstv';
const VOWELS = 'aeiou';

function wordMaker(r: () => number) {
  const used = new Set<string>();
  return (): string => {
    for (;;) {
      let w = '';
      const syllables = 2 + Math.floor(r() * 2);
      for (let i = 0; i < syllables; i++) w += pick(r, [...CONSONANTS]) + pick(r, [...VOWELS]);
      w += 'x';
      if (!used.has(w)) {
        used.add(w);
        return w;
      }
    }
  };
}

interface Concept {
  topic: number;
  vector: number[];
  /** Surface forms written in items: [first, second]. */
  itemForms: [string, string];
  /** Synonyms the model knows but no item ever contains. */
  queryForms: [string, string];
}

interface RareTerm {
  topic: number;
  kind: 'code' | 'name';
  word: string;
  /** Indexes into the item list. */
  items: number[];
}

/**
 * The embedding model: smooth-inverse-frequency weighted bag of concepts (Arora, Liang & Ma 2017,
 * without the principal-component step). Each word maps to a concept vector: a topic word and all
 * its synonyms to their concept's vector, an ambiguous word to the mean of its two concepts, a
 * proper name to a vector near its topic, any other word (background words, product codes) to a
 * direction hashed from the word. A text's embedding is the normalised sum of its words' vectors,
 * each weighted a / (a + p(word)) with p the word's frequency in the item corpus.
 */
export class BagOfConceptsModel {
  readonly #lexicon = new Map<string, Float64Array>();
  readonly #hashed = new Map<string, Float64Array>();
  readonly #frequency = new Map<string, number>();
  #total = 1;

  constructor(
    readonly dimensions: number,
    readonly seed: number,
  ) {}

  define(word: string, vector: readonly number[]): void {
    this.#lexicon.set(word, Float64Array.from(vector));
  }

  /** Word frequencies, from the corpus the model is "trained" on. */
  count(texts: Iterable<string>): void {
    let total = 0;
    for (const t of texts) {
      for (const w of tokens(t)) {
        this.#frequency.set(w, (this.#frequency.get(w) ?? 0) + 1);
        total++;
      }
    }
    this.#total = Math.max(1, total);
  }

  #vectorOf(word: string): Float64Array {
    const known = this.#lexicon.get(word);
    if (known) return known;
    let v = this.#hashed.get(word);
    if (!v) {
      v = Float64Array.from(randomUnit(rng(hash(word) ^ this.seed), this.dimensions));
      this.#hashed.set(word, v);
    }
    return v;
  }

  embed(text: string): number[] {
    const bag = new Map<string, number>();
    for (const w of tokens(text)) bag.set(w, (bag.get(w) ?? 0) + 1);
    const sum = new Float64Array(this.dimensions);
    for (const [w, n] of bag) {
      const p = (this.#frequency.get(w) ?? 0) / this.#total;
      const weight = (n * SHAPE.sifA) / (SHAPE.sifA + p);
      const v = this.#vectorOf(w);
      for (let i = 0; i < sum.length; i++) sum[i]! += weight * v[i]!;
    }
    return normalize(Array.from(sum));
  }
}

function tokens(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9]+/g) ?? [];
}

/** Inserts `word` at a random position of a space-separated text. */
function insertWord(r: () => number, text: string, word: string): string {
  const words = text.length ? text.split(' ') : [];
  words.splice(Math.floor(r() * (words.length + 1)), 0, word);
  return words.join(' ');
}

export interface QualitySetOptions {
  items: number;
  queriesPerClass: number;
  seed: number;
}

export function buildQualitySet({ items: n, queriesPerClass, seed }: QualitySetOptions): QualitySet {
  const S = SHAPE;
  const dims = S.dimensions;
  const topicCount = S.domains * S.topicsPerDomain;
  const r = rng(seed * 7919 + 17);
  const word = wordMaker(rng(seed * 104_729 + 3));
  const model = new BagOfConceptsModel(dims, seed);

  // Geometry: domains, topics near their domain, concepts near their topic.
  const domains = Array.from({ length: S.domains }, () => randomUnit(r, dims));
  const topicCentres = Array.from({ length: topicCount }, (_, t) =>
    mix(
      domains[Math.floor(t / S.topicsPerDomain)]!,
      S.topicFromDomain[0],
      randomUnit(r, dims),
      S.topicFromDomain[1],
    ),
  );
  const concepts: Concept[][] = topicCentres.map((centre, topic) =>
    Array.from({ length: S.conceptsPerTopic }, () => ({
      topic,
      vector: mix(centre, S.conceptFromTopic[0], randomUnit(r, dims), S.conceptFromTopic[1]),
      itemForms: [word(), word()],
      queryForms: [word(), word()],
    })),
  );
  // Ambiguity: concept k < ambiguousConceptsPerTopic of topic t shares its second item form with
  // concept k + ambiguousConceptsPerTopic of topic t + 13, which lies in another domain.
  const ambiguous = new Map<string, [Concept, Concept]>();
  for (let t = 0; t < topicCount; t++) {
    for (let k = 0; k < S.ambiguousConceptsPerTopic; k++) {
      const a = concepts[t]![k]!;
      const b = concepts[(t + 13) % topicCount]![k + S.ambiguousConceptsPerTopic]!;
      b.itemForms[1] = a.itemForms[1];
      ambiguous.set(a.itemForms[1], [a, b]);
    }
  }
  for (const c of concepts.flat())
    for (const f of [...c.itemForms, ...c.queryForms]) model.define(f, c.vector);
  for (const [form, [a, b]] of ambiguous) model.define(form, mix(a.vector, 1, b.vector, 1));

  // Items: bench/data.ts's Zipf-skewed background text, with the topic's words woven in.
  const base = backgroundItems(n, seed, 'quality');
  const itemTopic: number[] = [];
  const itemConcepts: Set<number>[] = [];
  const items: ProcessedItemInput[] = base.map((b) => {
    const topic = Math.floor(r() * topicCount);
    const chosen = shuffle(r, [...Array(S.conceptsPerTopic).keys()]).slice(0, between(r, S.conceptsPerItem));
    const fields = { title: b.title ?? '', description: b.description ?? '', content: b.content ?? '' };
    let first = true;
    for (const k of chosen) {
      const c = concepts[topic]![k]!;
      const times = 1 + Math.floor(r() * 3);
      for (let j = 0; j < times; j++) {
        const form = r() < S.firstFormShare ? c.itemForms[0] : c.itemForms[1];
        const u = r();
        const field = first ? 'title' : u < 0.15 ? 'title' : u < 0.4 ? 'description' : 'content';
        first = false;
        fields[field] = insertWord(r, fields[field], form);
      }
    }
    itemTopic.push(topic);
    itemConcepts.push(new Set(chosen));
    return { ...b, ...fields, language: 'en' };
  });
  const byTopic: number[][] = Array.from({ length: topicCount }, () => []);
  for (const [i, t] of itemTopic.entries()) byTopic[t]!.push(i);

  // Rare terms: product codes (unknown to the model) and proper names (known to belong near their
  // topic), each written into a few items of its topic, once in the title or description and once
  // in the content.
  const rare: RareTerm[][] = topicCentres.map((centre, topic) =>
    Array.from({ length: S.rareTermsPerTopic }, (_, j) => {
      const kind = j % 2 === 0 ? 'code' : 'name';
      const w =
        kind === 'code'
          ? `${pick(r, [...'BCDFGHJKLMNPQRSTVWZ'])}${pick(r, [...'BCDFGHJKLMNPQRSTVWZ'])}${1000 + Math.floor(r() * 9000)}`
          : (() => {
              const x = word();
              return x[0]!.toUpperCase() + x.slice(1);
            })();
      if (kind === 'name') {
        model.define(
          w.toLowerCase(),
          mix(centre, S.nameFromTopic[0], randomUnit(r, dims), S.nameFromTopic[1]),
        );
      }
      const pool = byTopic[topic]!;
      const chosen = shuffle(r, [...pool]).slice(0, Math.min(pool.length, between(r, S.rareTermItems)));
      for (const i of chosen) {
        const it = items[i]!;
        if (r() < 0.5) it.title = insertWord(r, it.title ?? '', w);
        else it.description = insertWord(r, it.description ?? '', w);
        it.content = insertWord(r, it.content ?? '', w);
      }
      return { topic, kind, word: w, items: chosen };
    }),
  );

  model.count(items.flatMap((it) => [it.title ?? '', it.description ?? '', it.content ?? '']));
  const embeddings = items.map((it) => model.embed(`${it.title} ${it.description} ${it.content}`));
  const sid = (i: number) => items[i]!.sourceId;

  // Queries: topic j mod 40 for query j, so every class covers the topics evenly.
  const queries: QualityQuery[] = [];
  const topicalJudgement = (topic: number, a: number, b: number) => {
    const rel = new Map<string, 1 | 2>();
    for (const i of byTopic[topic]!)
      rel.set(sid(i), itemConcepts[i]!.has(a) && itemConcepts[i]!.has(b) ? 2 : 1);
    return rel;
  };
  /** Two concepts of the topic that at least one item mentions together. */
  const conceptPair = (topic: number): [number, number] => {
    for (;;) {
      const [a, b] = shuffle(r, [...Array(S.conceptsPerTopic).keys()]);
      if (byTopic[topic]!.some((i) => itemConcepts[i]!.has(a!) && itemConcepts[i]!.has(b!))) return [a!, b!];
    }
  };
  for (let j = 0; j < queriesPerClass; j++) {
    const topic = j % topicCount;
    if (byTopic[topic]!.length === 0) continue;
    // (a) exact-term: a rare term alone.
    const term = rare[topic]![Math.floor(j / topicCount) % S.rareTermsPerTopic]!;
    if (term.items.length) {
      const rel = new Map<string, 1 | 2>();
      for (const i of byTopic[topic]!) rel.set(sid(i), 1);
      for (const i of term.items) rel.set(sid(i), 2);
      queries.push({
        id: `exact-${j}`,
        cls: 'exact-term',
        q: term.word,
        vector: model.embed(term.word),
        relevance: rel,
        topic,
      });
    }
    // (b) paraphrase: synonyms of two of the topic's concepts, words no item contains.
    {
      const [a, b] = conceptPair(topic);
      const ca = concepts[topic]![a]!;
      const cb = concepts[topic]![b]!;
      const q = `${pick(r, ca.queryForms)} ${pick(r, cb.queryForms)}`;
      queries.push({
        id: `para-${j}`,
        cls: 'paraphrase',
        q,
        vector: model.embed(q),
        relevance: topicalJudgement(topic, a, b),
        topic,
      });
    }
    // (c) topical: the same kind of need, in the words the items use (either surface form).
    {
      const [a, b] = conceptPair(topic);
      const ca = concepts[topic]![a]!;
      const cb = concepts[topic]![b]!;
      const form = (c: Concept) => (r() < S.firstFormShare ? c.itemForms[0] : c.itemForms[1]);
      const q = `${form(ca)} ${form(cb)}`;
      queries.push({
        id: `topical-${j}`,
        cls: 'topical',
        q,
        vector: model.embed(q),
        relevance: topicalJudgement(topic, a, b),
        topic,
      });
    }
  }

  const sizes = byTopic.map((x) => x.length);
  const mean = (cls: QueryClass, f: (q: QualityQuery) => number) => {
    const qs = queries.filter((q) => q.cls === cls);
    return qs.reduce((s, q) => s + f(q), 0) / Math.max(1, qs.length);
  };
  const perClass = (f: (q: QualityQuery) => number) =>
    Object.fromEntries(QUERY_CLASSES.map((c) => [c, mean(c, f)])) as Record<QueryClass, number>;
  const words = items.reduce((s, it) => s + tokens(`${it.title} ${it.description} ${it.content}`).length, 0);
  return {
    items,
    embeddings,
    queries,
    stats: {
      items: items.length,
      topics: topicCount,
      itemsPerTopic: { min: Math.min(...sizes), max: Math.max(...sizes) },
      meanHighlyRelevant: perClass((q) => [...q.relevance.values()].filter((g) => g === 2).length),
      meanJudged: perClass((q) => q.relevance.size),
      wordsPerItem: words / items.length,
      examples: Object.fromEntries(
        QUERY_CLASSES.map((c) => [c, queries.find((q) => q.cls === c)?.q ?? '']),
      ) as Record<QueryClass, string>,
    },
  };
}

/** How the set is built, in prose, for the report. */
export function describeQualitySet(set: QualitySet, seed: number): string {
  const S = SHAPE;
  const s = set.stats;
  const f1 = (x: number) => x.toFixed(1);
  return [
    `**The labelled set** (generated by \`bench/quality-data.ts\`, seed ${seed}; its constants were fixed before any hybrid figure was measured and are not tuned per method).`,
    `${s.items.toLocaleString('en')} items in ${s.topics} topics (${S.domains} domains × ${S.topicsPerDomain} topics; ${s.itemsPerTopic.min}–${s.itemsPerTopic.max} items per topic), each ~${Math.round(s.wordsPerItem)} words:`,
    `the Zipf-skewed background text of \`bench/data.ts\` with its topic's words woven in — ${S.conceptsPerItem[0]}–${S.conceptsPerItem[1]} of the topic's ${S.conceptsPerTopic} concepts, each 1–3 times,`,
    `${Math.round(S.firstFormShare * 100)}% in the concept's first surface form and the rest in its second.`,
    `${S.ambiguousConceptsPerTopic} concepts per topic have a second form that is also a word of a topic in another domain (ambiguous words).`,
    `Each topic has ${S.rareTermsPerTopic} rare terms — ${S.rareTermsPerTopic / 2} product codes and ${S.rareTermsPerTopic / 2} proper names — each written into ${S.rareTermItems[0]}–${S.rareTermItems[1]} of the topic's items.`,
    '',
    `**The embedding** stands in for a sentence model: a smooth-inverse-frequency weighted bag of concepts (Arora et al. 2017, weight a/(a+p(word)), a = ${S.sifA}, p from the item corpus) in ${S.dimensions} dimensions.`,
    `Topic centres lie near their domain's (cosine ≈ ${(S.topicFromDomain[0] ** 2).toFixed(2)} between sibling topics), concepts near their topic; a concept's surface forms and its synonyms share one vector,`,
    'an ambiguous word gets the mean of its two concepts, a proper name a vector near its topic, and every other word — background words and product codes — a direction hashed from the word.',
    'Items and queries are embedded by the same function.',
    '',
    '**Queries** (relevance: 2 highly relevant, 1 relevant, else 0; gain 2^g − 1, nDCG@10 against the ideal order of all judged items):',
    `- *exact-term*: one rare term alone (half codes, half names; e.g. \`${s.examples['exact-term']}\`). Grade 2: the items containing it (${f1(s.meanHighlyRelevant['exact-term'])} on average); grade 1: the topic's other items.`,
    `- *paraphrase*: one synonym each of two of a topic's concepts (e.g. \`${s.examples.paraphrase}\`); no item contains these words, so full-text search (whose words are ANDed) finds nothing. Grade 2: the topic's items that mention both concepts (${f1(s.meanHighlyRelevant.paraphrase)} on average); grade 1: its other items.`,
    `- *topical*: the same kind of need in the items' own words — one surface form each of two concepts (either form, sometimes an ambiguous one; e.g. \`${s.examples.topical}\`). Judged as paraphrase (${f1(s.meanHighlyRelevant.topical)} grade-2 items on average).`,
    '',
    'Read the figures with the construction in mind: the set is synthetic and one seed; keyword scores 0 on *paraphrase* because',
    'no query word occurs in any item, and there hybrid equals vector because fusion of an empty list with another is that list.',
  ].join('\n');
}
