import { z } from 'zod';
import type { SourceType } from '../domain/enums.js';
import {
  categorySchema,
  type JsonObject,
  languageSchema,
  limitSchema,
  metadataMatchSchema,
  offsetSchema,
  type ProcessedItem,
  type ProcessedItemInput,
  processedItemSchema,
  queryTextSchema,
  sourceTypeSchema,
  timestampSchema,
  uuidSchema,
} from '../domain/models.js';
import { storableText } from '../domain/text.js';
import { validate } from '../domain/validate.js';
import type { Executor } from '../sql/executor.js';
import { newestMatches, pageSql, TEXT_SORTS, windowSize } from '../sql/full-text.js';
import { Params, tsQuery, withTextQuery } from '../sql/params.js';
import { type IngestOptions, type IngestResult, type IngestSource, ingestItems } from './ingest.js';
import { ITEM_COLUMNS, type ItemRow, toItem } from './mapping.js';
import { deleteByMetadata } from './writes.js';

/** What `items.saveBatch` did: the ids in input order, and how many items were new, changed or unchanged. */
export interface BatchResult {
  /** One id per input item, in input order; a repeated (source, sourceId) gets the same id. */
  ids: string[];
  /** Items that did not exist before. */
  inserted: number;
  /** Existing items whose mutable fields changed and were refreshed. */
  updated: number;
  /** Existing items that were already exactly so: not rewritten. */
  unchanged: number;
}

/** An item's identity: its source and its id there. */
export interface ItemKey {
  /** Where the item comes from. */
  source: SourceType;
  /** The item's id at its source. */
  sourceId: string;
}

const sourceIdSchema = storableText().min(1, 'must not be empty').max(255);
const keySchema = z.object({ source: sourceTypeSchema, sourceId: sourceIdSchema });
const daysSchema = z.number().int('must be an integer').min(0, 'must be >= 0').max(36_500);
const idListSchema = z.array(uuidSchema).max(100_000);
const idPageSchema = z.object({ limit: z.number().int().min(1).max(100_000).default(1000) }).strict();
const countSchema = z
  .object({
    /** Only items of this source. */
    source: sourceTypeSchema.optional(),
    /** Only items collected strictly before this time (a Date or ISO-8601 string). */
    collectedBefore: timestampSchema.optional(),
  })
  .strict();
/**
 * Which items `items.count` counts: every given field must hold; `{}` counts them all.
 *
 * @example
 * ```ts
 * const weekAgo = new Date(Date.now() - 7 * 86_400_000);
 * const filter: ItemCountFilter = { source: 'reddit', collectedBefore: weekAgo };
 * const n = await storage.items.count(filter);
 * ```
 */
export type ItemCountFilter = z.input<typeof countSchema>;

const itemSearchSchema = z
  .object({
    /** Free text over title (weighted highest), description and content. */
    q: queryTextSchema,
    /** Only items of this source. */
    source: sourceTypeSchema.optional(),
    /** Only items in this language; also picks the stemmer for `q` (default English). */
    language: languageSchema.optional(),
    /** Only items of this category. */
    category: categorySchema.optional(),
    /** Published at or after this time. */
    publishedFrom: timestampSchema.optional(),
    /** Published at or before this time. */
    publishedTo: timestampSchema.optional(),
    /**
     * `relevance` (default): text rank × freshness over the newest 1,000 matches (see the README's
     * "Full-text search"); `newest`: latest published first.
     */
    sort: z.enum(TEXT_SORTS).default('relevance'),
    /** Most items returned, 1–1000 (default 20). */
    limit: limitSchema.default(20),
    /** Items skipped first, for paging (default 0). */
    offset: offsetSchema.default(0),
  })
  .strict();
/** The item filters `items.search` and `search.items` share, as they arrive validated. */
export type ItemFilterFields = Pick<
  z.output<typeof itemSearchSchema>,
  'source' | 'language' | 'category' | 'publishedFrom' | 'publishedTo'
>;

/** SQL conditions for the given item filters, ANDed by the caller; `a` is a table alias with its dot. */
export function itemConditions(f: ItemFilterFields, p: Params, a = ''): string[] {
  const c: string[] = [];
  if (f.source) c.push(`${a}source = ${p.add(f.source)}::source_type`);
  if (f.language) c.push(`${a}language = ${p.add(f.language)}`);
  if (f.category) c.push(`${a}category = ${p.add(f.category)}::category_type`);
  if (f.publishedFrom) c.push(`${a}published_at >= ${p.add(f.publishedFrom)}`);
  if (f.publishedTo) c.push(`${a}published_at <= ${p.add(f.publishedTo)}`);
  return c;
}

/**
 * A full-text search of items (`items.search`): `q` (1–1,000 characters, web-search syntax:
 * `"quoted phrase"`, `or`, `-word`) and optional filters, all of which must hold.
 *
 * @example
 * ```ts
 * const search: ItemSearch = { q: 'fusion', source: 'reddit', publishedFrom: new Date('2024-05-01') };
 * const items = await storage.items.search(search);
 * ```
 */
export type ItemSearch = z.input<typeof itemSearchSchema>;

/** Rows per statement: 16 array parameters whatever the size, so this bounds memory, not round trips. */
export const BATCH_CHUNK = 2000;

/** The platform's normal form for matching: NFKC, lower case, whitespace folded. */
export function normalizeText(s: string): string {
  return s.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

// One multi-row upsert per chunk: every column travels as one array parameter. Rows arrive
// sorted by key, so concurrent batches lock rows in the same order and cannot deadlock.
// On conflict, the platform's rule (shared/spec/platform-contract.md): the text, category, metrics
// and metadata are the new ones; id, url, language, author, published_at and collected_at stay.
const UPSERT = `
INSERT INTO processed_items AS t (id, source, source_id, url, title, title_normalized, description, content,
  content_normalized, language, author, category, metrics, published_at, collected_at, metadata)
SELECT coalesce(u.id, gen_random_uuid()), u.source::source_type, u.source_id, u.url, u.title, u.title_normalized,
  u.description, u.content, u.content_normalized, u.language, u.author, u.category::category_type, u.metrics,
  u.published_at, coalesce(u.collected_at, now()), u.metadata
FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
  $9::text[], $10::text[], $11::text[], $12::text[], $13::jsonb[], $14::timestamptz[], $15::timestamptz[], $16::jsonb[])
  WITH ORDINALITY AS u(id, source, source_id, url, title, title_normalized, description, content, content_normalized,
  language, author, category, metrics, published_at, collected_at, metadata, ord)
ORDER BY u.ord
ON CONFLICT (source, source_id) DO UPDATE SET
  title = EXCLUDED.title,
  title_normalized = EXCLUDED.title_normalized,
  description = EXCLUDED.description,
  content = EXCLUDED.content,
  content_normalized = EXCLUDED.content_normalized,
  category = EXCLUDED.category,
  metrics = EXCLUDED.metrics,
  metadata = EXCLUDED.metadata
-- An identical re-collection writes nothing: no new row version, no index or tsvector work.
WHERE (t.title, t.title_normalized, t.description, t.content, t.content_normalized, t.category, t.metrics, t.metadata)
  IS DISTINCT FROM (EXCLUDED.title, EXCLUDED.title_normalized, EXCLUDED.description, EXCLUDED.content,
                    EXCLUDED.content_normalized, EXCLUDED.category, EXCLUDED.metrics, EXCLUDED.metadata)
RETURNING id, source::text AS source, source_id, (xmax = 0) AS inserted`;

// The ids of rows the upsert skipped as unchanged (it returns only rows it wrote).
const IDS_OF = `
SELECT p.id, p.source::text AS source, p.source_id
FROM unnest($1::text[], $2::text[]) AS k(source, source_id)
JOIN processed_items p ON p.source = k.source::source_type AND p.source_id = k.source_id`;

type Parsed = z.output<typeof processedItemSchema>;
const keyOf = (source: string, sourceId: string) => `${source}\u0000${sourceId}`;

function columns(items: Parsed[]): unknown[] {
  const cols: unknown[][] = Array.from({ length: 16 }, () => new Array(items.length));
  items.forEach((it, i) => {
    cols[0]![i] = it.id ?? null;
    cols[1]![i] = it.source;
    cols[2]![i] = it.sourceId;
    cols[3]![i] = it.url;
    cols[4]![i] = it.title;
    cols[5]![i] = it.titleNormalized ?? normalizeText(it.title);
    cols[6]![i] = it.description ?? null;
    cols[7]![i] = it.content ?? null;
    cols[8]![i] = it.contentNormalized ?? (it.content ? normalizeText(it.content) : null);
    cols[9]![i] = it.language;
    cols[10]![i] = it.author ?? null;
    cols[11]![i] = it.category ?? null;
    cols[12]![i] = JSON.stringify(it.metrics);
    cols[13]![i] = it.publishedAt.toISOString();
    cols[14]![i] = it.collectedAt?.toISOString() ?? null;
    cols[15]![i] = JSON.stringify(it.metadata);
  });
  return cols;
}

/**
 * The processed items (`processed_items`): upserts on (source, sourceId), lookups, full-text search
 * and retention. Reached as `storage.items` or `tx.items`.
 */
export class ItemRepository {
  constructor(private readonly db: Executor) {}

  /**
   * Upserts one item on (source, sourceId). Returns its id (an existing item keeps its id). The
   * re-save rule is saveBatch's; invalid input is a ValidationError naming `item.field`.
   *
   * @example
   * ```ts
   * const id = await storage.items.save({
   *   source: 'hackernews', sourceId: '41', url: 'https://news.ycombinator.com/item?id=41',
   *   title: 'Language models everywhere', publishedAt: new Date(),
   * });
   * ```
   */
  async save(item: ProcessedItemInput): Promise<string> {
    return (await this.#upsert([validate(processedItemSchema, item, 'item')])).ids[0]!;
  }

  /**
   * Upserts many items on (source, sourceId) in one statement per chunk, all or nothing.
   * Invalid input is rejected before anything is written, naming `items[i].field`.
   * An existing item keeps its id, url, language, author, publishedAt and collectedAt; its title,
   * description, content (and their normalised forms), category, metrics and metadata are replaced.
   * Within one batch the last item of a repeated (source, sourceId) wins.
   *
   * @example
   * ```ts
   * const { ids, inserted, updated, unchanged } = await storage.items.saveBatch(items);
   * ```
   */
  async saveBatch(items: readonly ProcessedItemInput[]): Promise<BatchResult> {
    validate(z.array(z.unknown()), items, 'items');
    return this.#upsert(items.map((it, i) => validate(processedItemSchema, it, `items[${i}]`)));
  }

  async #upsert(parsed: Parsed[]): Promise<BatchResult> {
    // The last occurrence of a key wins, then rows go in key order.
    const byKey = new Map<string, Parsed>();
    for (const it of parsed) byKey.set(keyOf(it.source, it.sourceId), it);
    const unique = [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, it]) => it);

    const run = async (db: Executor) => {
      const ids = new Map<string, string>();
      let inserted = 0;
      let written = 0;
      for (let start = 0; start < unique.length; start += BATCH_CHUNK) {
        const chunk = unique.slice(start, start + BATCH_CHUNK);
        const rows = await db.query<{ id: string; source: string; source_id: string; inserted: boolean }>(
          UPSERT,
          columns(chunk),
        );
        for (const r of rows) {
          ids.set(keyOf(r.source, r.source_id), r.id);
          if (r.inserted) inserted++;
        }
        written += rows.length;
        if (rows.length < chunk.length) {
          const skipped = chunk.filter((it) => !ids.has(keyOf(it.source, it.sourceId)));
          const found = await db.query<{ id: string; source: string; source_id: string }>(IDS_OF, [
            skipped.map((it) => it.source),
            skipped.map((it) => it.sourceId),
          ]);
          for (const r of found) ids.set(keyOf(r.source, r.source_id), r.id);
        }
      }
      return { ids, inserted, written };
    };
    const { ids, inserted, written } =
      unique.length > BATCH_CHUNK ? await this.db.transaction(run) : await run(this.db);
    return {
      ids: parsed.map((it) => ids.get(keyOf(it.source, it.sourceId))!),
      inserted,
      updated: written - inserted,
      unchanged: unique.length - written,
    };
  }

  /**
   * The item with this uuid, or null.
   *
   * @example
   * ```ts
   * const item = await storage.items.get(id);
   * ```
   */
  async get(id: string): Promise<ProcessedItem | null> {
    validate(uuidSchema, id, 'id');
    const [row] = await this.db.query<ItemRow>(`SELECT ${ITEM_COLUMNS} FROM processed_items WHERE id = $1`, [
      id,
    ]);
    return row ? toItem(row) : null;
  }

  /**
   * The item with this identity at its source, or null.
   *
   * @example
   * ```ts
   * const item = await storage.items.getBySourceId('hackernews', '41');
   * ```
   */
  async getBySourceId(source: SourceType, sourceId: string): Promise<ProcessedItem | null> {
    validate(keySchema, { source, sourceId });
    const [row] = await this.db.query<ItemRow>(
      `SELECT ${ITEM_COLUMNS} FROM processed_items WHERE source = $1::source_type AND source_id = $2`,
      [source, sourceId],
    );
    return row ? toItem(row) : null;
  }

  /**
   * Whether an item with this identity is stored.
   *
   * @example
   * ```ts
   * if (!(await storage.items.exists('reddit', 't3_abc'))) await storage.items.save(item);
   * ```
   */
  async exists(source: SourceType, sourceId: string): Promise<boolean> {
    validate(keySchema, { source, sourceId });
    return (await this.existsMany([{ source, sourceId }]))[0]!;
  }

  /**
   * For each key, whether it is stored — one query whatever the number of keys (at most 100,000).
   *
   * @example
   * ```ts
   * const keys = candidates.map((c) => ({ source: c.source, sourceId: c.sourceId }));
   * const known = await storage.items.existsMany(keys);
   * const fresh = candidates.filter((_, i) => !known[i]);
   * ```
   */
  async existsMany(keys: readonly ItemKey[]): Promise<boolean[]> {
    validate(z.array(keySchema).max(100_000), keys, 'keys');
    if (keys.length === 0) return [];
    const rows = await this.db.query<{ ord: number }>(
      `SELECT k.ord::int AS ord FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS k(source, source_id, ord)
       WHERE EXISTS (SELECT 1 FROM processed_items p WHERE p.source = k.source::source_type AND p.source_id = k.source_id)`,
      [keys.map((k) => k.source), keys.map((k) => k.sourceId)],
    );
    const found = new Array<boolean>(keys.length).fill(false);
    for (const r of rows) found[r.ord - 1] = true;
    return found;
  }

  /**
   * Deletes items collected more than `days` days ago (the platform's cleanup_old_items, by the
   * database's clock), in one statement, and returns how many. Only the rows and their topic links
   * go: `storage.purgeItems` also removes their vectors and cache entries, in batches.
   *
   * @example
   * ```ts
   * const deleted = await storage.items.deleteOlderThan(30);
   * ```
   */
  async deleteOlderThan(days: number): Promise<number> {
    validate(daysSchema, days, 'days');
    const [row] = await this.db.query<{ n: number }>('SELECT cleanup_old_items($1) AS n', [days]);
    return row!.n;
  }

  /**
   * Full-text search ("trending" finds "trends"). By default most relevant first: text rank times
   * freshness, ranked over the newest 1,000 matches so a common word costs what a rare one does;
   * `sort: 'newest'` orders by published time. Ties go to the newer item.
   *
   * @example
   * ```ts
   * const items = await storage.items.search({ q: 'language models', source: 'hackernews', limit: 10 });
   * ```
   */
  async search(search: ItemSearch): Promise<ProcessedItem[]> {
    const s = validate(itemSearchSchema, search, 'search');
    const p = new Params();
    const c = [`search_vector @@ ${tsQuery(p, s.q, s.language)}`, ...itemConditions(s, p)];
    const target = { table: 'processed_items', time: 'published_at' } as const;
    return withTextQuery('search.q', async () => {
      const { rows: window } = await newestMatches(
        this.db,
        { ...target, where: c.join(' AND '), params: p.values },
        windowSize(s),
      );
      if (window.length <= s.offset) return [];
      const page = new Params();
      const sql = pageSql(
        { ...target, ...s, columns: ITEM_COLUMNS },
        page,
        window.map((w) => w.id),
      );
      return (await this.db.query<ItemRow>(sql, page.values)).map(toItem);
    });
  }

  /**
   * How many items are stored, optionally of one source and collected before a time.
   *
   * @example
   * ```ts
   * const fromReddit = await storage.items.count({ source: 'reddit' });
   * ```
   */
  async count(filter: ItemCountFilter = {}): Promise<number> {
    const f = validate(countSchema, filter, 'filter');
    const p = new Params();
    const c: string[] = [];
    if (f.source) c.push(`source = ${p.add(f.source)}::source_type`);
    if (f.collectedBefore) c.push(`collected_at < ${p.add(f.collectedBefore)}`);
    const [row] = await this.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM processed_items${c.length ? ` WHERE ${c.join(' AND ')}` : ''}`,
      p.values,
    );
    return row!.n;
  }

  /**
   * Ids of items collected before `collectedBefore`, oldest first: the next batch to retire
   * (`limit` 1–100,000, default 1,000).
   *
   * @example
   * ```ts
   * const ids = await storage.items.listIdsCollectedBefore(new Date('2024-01-01'), { limit: 500 });
   * ```
   */
  async listIdsCollectedBefore(collectedBefore: Date, options: { limit?: number } = {}): Promise<string[]> {
    const cutoff = validate(timestampSchema, collectedBefore, 'collectedBefore');
    const { limit } = validate(idPageSchema, options, 'options');
    const rows = await this.db.query<{ id: string }>(
      'SELECT id FROM processed_items WHERE collected_at < $1 ORDER BY collected_at, id LIMIT $2',
      [cutoff, limit],
    );
    return rows.map((r) => r.id);
  }

  /**
   * Deletes these items (their topic links go with them; at most 100,000 ids). Returns how many
   * existed. Their vectors and cache entries stay: `storage.purgeItems` removes those too.
   *
   * @example
   * ```ts
   * const deleted = await storage.items.deleteMany(ids);
   * ```
   */
  async deleteMany(ids: readonly string[]): Promise<number> {
    validate(idListSchema, ids, 'ids');
    if (ids.length === 0) return 0;
    const [row] = await this.db.query<{ n: number }>(
      'WITH d AS (DELETE FROM processed_items WHERE id = ANY($1::uuid[]) RETURNING 1) SELECT count(*)::int AS n FROM d',
      [ids],
    );
    return row!.n;
  }

  /**
   * Deletes the items whose metadata contains `match` (JSON containment, GIN-indexed), with their
   * topic links, and returns how many. An empty `match` would select every item: a ValidationError.
   *
   * @example
   * ```ts
   * const deleted = await storage.items.deleteByMetadata({ importBatch: '2024-05-01' });
   * ```
   */
  async deleteByMetadata(match: JsonObject): Promise<number> {
    return deleteByMetadata(this.db, 'processed_items', validate(metadataMatchSchema, match, 'match'));
  }

  /**
   * Loads a stream of items of any length — an array, a generator, parsed lines of a file — over
   * several pooled connections at once, for volumes one statement stream cannot take in time.
   * Each item is validated as saveBatch validates it; an invalid one becomes a reject
   * (`{ index, field, message }`, `index` its position in the stream) and the run goes on. Valid
   * items go in chunks of `chunkSize` (default 2,000), each saved by saveBatch's all-or-nothing
   * upsert and committed on its own, `concurrency` chunks at a time (default 2; the embedded engine
   * has one connection and writes one chunk at a time). The source is read no further ahead than
   * the chunks in flight plus the one being filled.
   *
   * Within a chunk the last item of a repeated (source, sourceId) wins; across chunks the later
   * one wins, as in a serial import (a chunk holding a key that an earlier chunk in flight holds
   * waits for it). When a chunk fails, the source throws or `onProgress` throws, reading stops,
   * the chunks already running finish, and an IngestError says what was committed (counts and
   * input positions). Inside `storage.transaction` the chunks run one after another as savepoints
   * of it, and commit with it.
   *
   * @example
   * ```ts
   * const { inserted, updated, unchanged, rejected } = await storage.items.ingest(readItems(), {
   *   concurrency: 2,
   *   onProgress: (p) => console.log(`${p.stored} stored, ${p.rejected} rejected`),
   * });
   * for (const r of rejected) console.warn(`item ${r.index}: ${r.field} ${r.message}`);
   * ```
   */
  async ingest(source: IngestSource, options: IngestOptions = {}): Promise<IngestResult> {
    return ingestItems({ db: this.db, save: (chunk) => this.#upsert(chunk) }, source, options);
  }
}
