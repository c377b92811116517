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
import { Params, tsQuery } from '../sql/params.js';
import { ITEM_COLUMNS, type ItemRow, TOPIC_COLUMNS, type TopicRow, toItem, toTopic } from './mapping.js';
import { type Columns, cast, deleteById, updateById, upsertById } from './writes.js';

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
    category: categorySchema.optional(),
    language: languageSchema.optional(),
    /** Free text over title, summary and keywords, ranked by relevance. */
    q: queryTextSchema.optional(),
    limit: limitSchema.default(100),
    offset: offsetSchema.default(0),
  })
  .strict();
export type TopicSearch = z.input<typeof topicSearchSchema>;

const pagingSchema = z.object({ limit: limitSchema.default(100), offset: offsetSchema.default(0) }).strict();
const keywordPageSchema = z.object({ limit: limitSchema.default(10) }).strict();
const idListSchema = z.array(uuidSchema).max(100_000);

export type TopicPatch = Partial<Omit<TopicInput, 'id' | 'embedding' | 'itemCount'>>;

export class TopicRepository {
  constructor(private readonly db: Executor) {}

  /** Inserts the topic, or replaces it when `id` names an existing one (keeping firstSeen when omitted). */
  async save(topic: TopicInput): Promise<string> {
    return upsertById(this.db, 'topics', COLUMNS, validate(topicSchema, topic, 'topic'));
  }

  async get(id: string): Promise<Topic | null> {
    validate(uuidSchema, id, 'id');
    const [row] = await this.db.query<TopicRow>(`SELECT ${TOPIC_COLUMNS} FROM topics WHERE id = $1`, [id]);
    return row ? toTopic(row) : null;
  }

  /** Changes only the given fields. False when no topic has that id. */
  async update(id: string, patch: TopicPatch): Promise<boolean> {
    validate(uuidSchema, id, 'id');
    if (patch && typeof patch === 'object' && 'itemCount' in patch) {
      throw new ValidationError(
        'patch.itemCount',
        'is kept by the database from the topic’s item links: use addItems / removeItems',
      );
    }
    return updateById(this.db, 'topics', COLUMNS, id, validate(updateSchema, patch, 'patch'));
  }

  /** Deletes the topic; its trends and links go with it (ON DELETE CASCADE). */
  async delete(id: string): Promise<boolean> {
    validate(uuidSchema, id, 'id');
    return deleteById(this.db, 'topics', id);
  }

  /** Deletes the topics whose metadata contains `match`, with their trends and links. */
  async deleteByMetadata(match: JsonObject): Promise<number> {
    const m = validate(metadataMatchSchema, match, 'match');
    const [row] = await this.db.query<{ n: number }>(
      'WITH d AS (DELETE FROM topics WHERE metadata @> $1::jsonb RETURNING 1) SELECT count(*)::int AS n FROM d',
      [JSON.stringify(m)],
    );
    return row!.n;
  }

  /** Newest first, or by relevance when `q` is given. */
  async search(search: TopicSearch = {}): Promise<Topic[]> {
    const s = validate(topicSearchSchema, search, 'search');
    const p = new Params();
    const { where, rank } = this.#where(s, p);
    const order = rank ? `${rank} DESC, last_updated DESC` : 'last_updated DESC';
    const rows = await this.db.query<TopicRow>(
      `SELECT ${TOPIC_COLUMNS} FROM topics ${where} ORDER BY ${order}, id LIMIT ${p.add(s.limit)} OFFSET ${p.add(s.offset)}`,
      p.values,
    );
    return rows.map(toTopic);
  }

  async count(search: Omit<TopicSearch, 'limit' | 'offset'> = {}): Promise<number> {
    const s = validate(topicSearchSchema, search, 'search');
    const p = new Params();
    const [row] = await this.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM topics ${this.#where(s, p).where}`,
      p.values,
    );
    return row!.n;
  }

  /** Topics tagged with exactly this keyword, newest first (GIN index on keywords). */
  async getByKeyword(keyword: string, options: { limit?: number } = {}): Promise<Topic[]> {
    validate(keywordSchema, keyword, 'keyword');
    const { limit } = validate(keywordPageSchema, options, 'options');
    const rows = await this.db.query<TopicRow>(
      `SELECT ${TOPIC_COLUMNS} FROM topics WHERE keywords @> ARRAY[$1::text] ORDER BY last_updated DESC, id LIMIT $2`,
      [keyword, limit],
    );
    return rows.map(toTopic);
  }

  /** Links items to the topic; links that exist are kept. Returns how many were new. */
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

  /** Unlinks items from the topic. Returns how many links were removed. */
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

  /** The topic's items, most recently linked first. */
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
