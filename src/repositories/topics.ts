import { z } from 'zod';
import { IntegrityError, NotFoundError, ValidationError } from '../domain/errors.js';
import {
  categorySchema,
  type JsonObject,
  keywordSchema,
  languageSchema,
  limitSchema,
  metadataMatchSchema,
  offsetSchema,
  type ProcessedItem,
  queryTextSchema,
  type Topic,
  type TopicInput,
  topicSchema,
  uuidSchema,
} from '../domain/models.js';
import { patchSchema, validate } from '../domain/validate.js';
import type { Executor } from '../sql/executor.js';
import { Params, tsQuery, withTextQuery } from '../sql/params.js';
import { ITEM_COLUMNS, type ItemRow, TOPIC_COLUMNS, type TopicRow, toItem, toTopic } from './mapping.js';
import { type Columns, cast, deleteById, deleteByMetadata, updateById, upsertById } from './writes.js';

const COLUMNS: Columns<keyof Omit<TopicInput, 'id' | 'embedding'>> = {
  title: { name: 'title', cast: cast.text },
  summary: { name: 'summary', cast: cast.text },
  category: { name: 'category', cast: cast.category },
  sources: { name: 'sources', cast: cast.sources },
  // Once the topic exists its item_count belongs to the topic_items trigger.
  itemCount: { name: 'item_count', cast: cast.int, insertOnly: true },
  totalEngagement: { name: 'total_engagement', cast: cast.jsonb, json: true },
  firstSeen: { name: 'first_seen', cast: cast.timestamptz, keepWhenOmitted: true },
  language: { name: 'language', cast: cast.text },
  keywords: { name: 'keywords', cast: cast.texts },
  metadata: { name: 'metadata', cast: cast.jsonb, json: true },
};
// itemCount is not patchable: the topic_items trigger adds and subtracts from whatever is stored,
// so a written count would be off by the difference forever after.
const updateSchema = patchSchema(
  topicSchema,
  (Object.keys(COLUMNS) as (keyof typeof COLUMNS)[]).filter((f) => f !== 'itemCount'),
);

const topicSearchSchema = z
  .object({
    /** Only topics of this category. */
    category: categorySchema.optional(),
    /** Only topics in this language; also picks the stemmer for `q` (default English). */
    language: languageSchema.optional(),
    /** Free text over title, summary and keywords, ranked by relevance. */
    q: queryTextSchema.optional(),
    /** Most topics returned, 1–1000 (default 100). */
    limit: limitSchema.default(100),
    /** Topics skipped first, for paging (default 0). */
    offset: offsetSchema.default(0),
  })
  .strict();
/**
 * Which topics `topics.search` returns (and `topics.count` counts): every given field must hold.
 *
 * @example
 * ```ts
 * const search: TopicSearch = { category: 'Science', q: 'fusion', limit: 20 };
 * const topics = await storage.topics.search(search);
 * ```
 */
export type TopicSearch = z.input<typeof topicSearchSchema>;

const pagingSchema = z.object({ limit: limitSchema.default(100), offset: offsetSchema.default(0) }).strict();
const keywordPageSchema = z.object({ limit: limitSchema.default(10) }).strict();
const idListSchema = z.array(uuidSchema).max(100_000);

/**
 * The fields `topics.update` may change, each with save's rules; omitted fields stay as stored.
 * `itemCount` is not among them: the database keeps it from the topic's item links.
 */
export type TopicPatch = Partial<Omit<TopicInput, 'id' | 'embedding' | 'itemCount'>>;

/**
 * The topics, and their links to items (`topic_items`). Reached as `storage.topics` or
 * `tx.topics`.
 */
export class TopicRepository {
  constructor(private readonly db: Executor) {}

  /**
   * Inserts the topic, or replaces it when `id` names an existing one (keeping firstSeen when
   * omitted). `itemCount` is a new topic's starting count; an existing topic keeps the count its
   * item links give it (the topic_items trigger owns it). Returns the topic's id.
   *
   * @example
   * ```ts
   * const topicId = await storage.topics.save({ title: 'Fusion energy', summary: '', category: 'Science' });
   * ```
   */
  async save(topic: TopicInput): Promise<string> {
    return upsertById(this.db, 'topics', COLUMNS, validate(topicSchema, topic, 'topic'));
  }

  /**
   * The topic with this uuid, or null.
   *
   * @example
   * ```ts
   * const topic = await storage.topics.get(topicId);
   * ```
   */
  async get(id: string): Promise<Topic | null> {
    validate(uuidSchema, id, 'id');
    const [row] = await this.db.query<TopicRow>(`SELECT ${TOPIC_COLUMNS} FROM topics WHERE id = $1`, [id]);
    return row ? toTopic(row) : null;
  }

  /**
   * Changes only the given fields. False when no topic has that id. `itemCount` is a
   * ValidationError: use addItems / removeItems.
   *
   * @example
   * ```ts
   * const found = await storage.topics.update(topicId, { summary: 'Net energy gain', keywords: ['fusion'] });
   * ```
   */
  async update(id: string, patch: TopicPatch): Promise<boolean> {
    validate(uuidSchema, id, 'id');
    if (patch && typeof patch === 'object' && (patch as { itemCount?: unknown }).itemCount !== undefined) {
      throw new ValidationError(
        'patch.itemCount',
        'is kept by the database from the topic’s item links: use addItems / removeItems',
      );
    }
    const { itemCount: _ignored, ...rest } = (patch ?? {}) as TopicPatch & { itemCount?: undefined };
    return updateById(this.db, 'topics', COLUMNS, id, validate(updateSchema, rest, 'patch'));
  }

  /**
   * Deletes the topic; its trends and links go with it (ON DELETE CASCADE), its items stay.
   * False when no topic has that id.
   *
   * @example
   * ```ts
   * const deleted = await storage.topics.delete(topicId);
   * ```
   */
  async delete(id: string): Promise<boolean> {
    validate(uuidSchema, id, 'id');
    return deleteById(this.db, 'topics', id);
  }

  /**
   * Deletes the topics whose metadata contains `match`, with their trends and links, and returns
   * how many. An empty `match` would select every topic: a ValidationError.
   *
   * @example
   * ```ts
   * const deleted = await storage.topics.deleteByMetadata({ experiment: 'clustering-v2' });
   * ```
   */
  async deleteByMetadata(match: JsonObject): Promise<number> {
    return deleteByMetadata(this.db, 'topics', validate(metadataMatchSchema, match, 'match'));
  }

  /**
   * Topics matching every given field, most recently updated first, or by relevance when `q` is given.
   *
   * @example
   * ```ts
   * const topics = await storage.topics.search({ category: 'Technology', q: 'language models' });
   * ```
   */
  async search(search: TopicSearch = {}): Promise<Topic[]> {
    const s = validate(topicSearchSchema, search, 'search');
    const p = new Params();
    const { where, rank } = this.#where(s, p);
    const order = rank ? `${rank} DESC, last_updated DESC` : 'last_updated DESC';
    const rows = await withTextQuery('search.q', () =>
      this.db.query<TopicRow>(
        `SELECT ${TOPIC_COLUMNS} FROM topics ${where} ORDER BY ${order}, id LIMIT ${p.add(s.limit)} OFFSET ${p.add(s.offset)}`,
        p.values,
      ),
    );
    return rows.map(toTopic);
  }

  /**
   * How many topics match (the search's fields, without paging).
   *
   * @example
   * ```ts
   * const n = await storage.topics.count({ category: 'Science' });
   * ```
   */
  async count(search: Omit<TopicSearch, 'limit' | 'offset'> = {}): Promise<number> {
    const s = validate(topicSearchSchema, search, 'search');
    const p = new Params();
    const [row] = await withTextQuery('search.q', () =>
      this.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM topics ${this.#where(s, p).where}`,
        p.values,
      ),
    );
    return row!.n;
  }

  /**
   * Topics tagged with exactly this keyword (case-sensitive), most recently updated first (GIN index
   * on keywords); `limit` 1–1000, default 10.
   *
   * @example
   * ```ts
   * const topics = await storage.topics.getByKeyword('fusion', { limit: 5 });
   * ```
   */
  async getByKeyword(keyword: string, options: { limit?: number } = {}): Promise<Topic[]> {
    validate(keywordSchema, keyword, 'keyword');
    const { limit } = validate(keywordPageSchema, options, 'options');
    const rows = await this.db.query<TopicRow>(
      `SELECT ${TOPIC_COLUMNS} FROM topics WHERE keywords @> ARRAY[$1::text] ORDER BY last_updated DESC, id LIMIT $2`,
      [keyword, limit],
    );
    return rows.map(toTopic);
  }

  /**
   * Links items to the topic (at most 100,000 ids); links that exist are kept. Returns how many were
   * new; the topic's itemCount grows by as many. A missing topic or item is a NotFoundError.
   *
   * @example
   * ```ts
   * const added = await storage.topics.addItems(topicId, ids);
   * ```
   */
  async addItems(topicId: string, itemIds: readonly string[]): Promise<number> {
    validate(uuidSchema, topicId, 'topicId');
    validate(idListSchema, itemIds, 'itemIds');
    if (itemIds.length === 0) return 0;
    try {
      // Sorted, so concurrent linkers take row locks in one order and cannot deadlock.
      const rows = await this.db.query(
        `INSERT INTO topic_items (topic_id, item_id)
         SELECT $1::uuid, i FROM (SELECT DISTINCT unnest($2::uuid[]) AS i) d ORDER BY i
         ON CONFLICT DO NOTHING RETURNING 1`,
        [topicId, itemIds],
      );
      return rows.length;
    } catch (err) {
      if (err instanceof IntegrityError && err.constraint === 'topic_items_topic_id_fkey') {
        throw new NotFoundError(`topic ${topicId} does not exist`, { cause: err });
      }
      if (err instanceof IntegrityError && err.constraint === 'topic_items_item_id_fkey') {
        throw new NotFoundError(`an item of itemIds does not exist`, { cause: err });
      }
      throw err;
    }
  }

  /**
   * Unlinks items from the topic (the items stay). Returns how many links were removed; a missing
   * topic or link counts 0.
   *
   * @example
   * ```ts
   * const removed = await storage.topics.removeItems(topicId, [itemId]);
   * ```
   */
  async removeItems(topicId: string, itemIds: readonly string[]): Promise<number> {
    validate(uuidSchema, topicId, 'topicId');
    validate(idListSchema, itemIds, 'itemIds');
    if (itemIds.length === 0) return 0;
    const rows = await this.db.query(
      'DELETE FROM topic_items WHERE topic_id = $1 AND item_id = ANY($2::uuid[]) RETURNING 1',
      [topicId, itemIds],
    );
    return rows.length;
  }

  /**
   * The topic's items, most recently linked first (`limit` 1–1000, default 100; `offset` default 0).
   *
   * @example
   * ```ts
   * const items = await storage.topics.listItems(topicId, { limit: 20, offset: 20 });
   * ```
   */
  async listItems(
    topicId: string,
    paging: { limit?: number; offset?: number } = {},
  ): Promise<ProcessedItem[]> {
    validate(uuidSchema, topicId, 'topicId');
    const { limit, offset } = validate(pagingSchema, paging, 'paging');
    const rows = await this.db.query<ItemRow>(
      // No column name of topic_items clashes with ITEM_COLUMNS, so they need no qualifier.
      `SELECT ${ITEM_COLUMNS} FROM topic_items ti JOIN processed_items p ON p.id = ti.item_id
       WHERE ti.topic_id = $1 ORDER BY ti.added_at DESC, p.id LIMIT $2 OFFSET $3`,
      [topicId, limit, offset],
    );
    return rows.map(toItem);
  }

  #where(s: z.output<typeof topicSearchSchema>, p: Params): { where: string; rank?: string } {
    const c: string[] = [];
    let rank: string | undefined;
    if (s.category) c.push(`category = ${p.add(s.category)}::category_type`);
    if (s.language) c.push(`language = ${p.add(s.language)}`);
    if (s.q) {
      const query = tsQuery(p, s.q, s.language);
      c.push(`search_vector @@ ${query}`);
      rank = `ts_rank_cd(search_vector, ${query})`;
    }
    return { where: c.length ? `WHERE ${c.join(' AND ')}` : '', rank };
  }
}
