import { afterAll, beforeAll, expect, test } from 'vitest';
import { type Catalog, readCatalog } from '../src/sql/catalog.js';
import { migrate } from '../src/sql/migrate.js';
import { describeEachEngine, type TestDatabase } from './support/engines.js';
import {
  CONSTRAINTS,
  ENUMS,
  EXTENSIONS,
  FUNCTIONS,
  INDEXES,
  TABLES,
  TRIGGERS,
  VIEWS,
} from './support/platform-schema.js';

/** `'{"a": 1}'::jsonb` → {a: 1} */
function jsonDefault(def: string | null): unknown {
  const m = def === null ? null : /^'(.*)'::jsonb$/s.exec(def);
  return m ? JSON.parse(m[1]!.replace(/''/g, "'")) : def;
}

describeEachEngine('migrated schema matches the platform schema', (engine) => {
  let t: TestDatabase;
  let catalog: Catalog;
  beforeAll(async () => {
    t = await engine.create();
    await migrate(t.db);
    catalog = await readCatalog(t.db);
  });
  afterAll(() => t?.dispose());

  test('enum types carry exactly the platform labels, in order', () => {
    for (const [name, labels] of Object.entries(ENUMS)) expect(catalog.enums[name], name).toEqual(labels);
  });

  test('every platform column exists with its type, nullability and default', () => {
    for (const [table, columns] of Object.entries(TABLES)) {
      const actual = catalog.tables[table];
      expect(actual, `table ${table}`).toBeDefined();
      for (const [column, [type, notNull, def]] of Object.entries(columns)) {
        const col = actual![column];
        expect(col, `${table}.${column}`).toBeDefined();
        expect(col!.type, `${table}.${column} type`).toBe(type);
        expect(col!.notNull, `${table}.${column} NOT NULL`).toBe(notNull);
        if (def !== null && typeof def === 'object') {
          expect(jsonDefault(col!.default), `${table}.${column} default`).toEqual(def.json);
        } else {
          expect(col!.default, `${table}.${column} default`).toBe(def);
        }
      }
    }
  });

  test('columns added beyond the platform are nullable, defaulted or generated, so old writers still work', () => {
    for (const [table, columns] of Object.entries(TABLES)) {
      for (const [column, info] of Object.entries(catalog.tables[table]!)) {
        if (column in columns) continue;
        expect(!info.notNull || info.default !== null || info.generated, `${table}.${column}`).toBe(true);
      }
    }
  });

  test('constraints, indexes and triggers are the platform ones', () => {
    for (const [name, def] of Object.entries(CONSTRAINTS)) expect(catalog.constraints[name], name).toBe(def);
    for (const [name, def] of Object.entries(INDEXES)) expect(catalog.indexes[name], name).toBe(def);
    for (const [name, def] of Object.entries(TRIGGERS)) expect(catalog.triggers[name], name).toBe(def);
  });

  test('views and functions have the platform columns and signatures', () => {
    for (const [name, cols] of Object.entries(VIEWS)) expect(catalog.views[name], name).toEqual(cols);
    for (const [signature, result] of Object.entries(FUNCTIONS)) {
      expect(catalog.functions[signature]?.result, signature).toBe(result);
    }
    expect(catalog.functions['cleanup_old_items(days_to_keep integer)']?.arguments).toBe(
      'days_to_keep integer DEFAULT 30',
    );
    expect(
      catalog.functions[
        'get_top_trends_by_category(p_category category_type, p_limit integer, p_date_from timestamp with time zone)'
      ]?.arguments,
    ).toBe(
      'p_category category_type DEFAULT NULL::category_type, p_limit integer DEFAULT 10, p_date_from timestamp with time zone DEFAULT NULL::timestamp with time zone',
    );
  });

  test('the extensions the platform calls by name exist', async () => {
    for (const name of EXTENSIONS) expect(catalog.extensions[name], name).toBeDefined();
    const [row] = await t.db.query<{ v4: string; bytes: string }>(
      `SELECT uuid_generate_v4()::text AS v4, encode(gen_random_bytes(8), 'hex') AS bytes`,
    );
    expect(row!.v4).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(row!.bytes).toMatch(/^[0-9a-f]{16}$/);
  });

  test('full-text columns are generated tsvectors with GIN indexes', () => {
    for (const table of ['processed_items', 'topics', 'trends']) {
      expect(catalog.tables[table]!.search_vector).toMatchObject({ type: 'tsvector', generated: true });
      expect(catalog.indexes[`idx_${table}_search`]).toBe(
        `CREATE INDEX idx_${table}_search ON ${table} USING gin (search_vector)`,
      );
    }
  });

  test('each materialized view has a unique index so it can refresh concurrently', async () => {
    expect(Object.keys(catalog.materializedViews).sort()).toEqual([
      'mv_daily_item_counts',
      'mv_popular_items_by_source',
      'mv_trending_topics',
    ]);
    for (const mv of Object.keys(catalog.materializedViews)) {
      const unique = Object.values(catalog.indexes).filter(
        (d) => d.startsWith('CREATE UNIQUE INDEX') && d.includes(` ON ${mv} `),
      );
      expect(unique, mv).toHaveLength(1);
    }
    await t.db.query('SELECT refresh_trend_views()');
  });
});

describeEachEngine('platform triggers, views and functions behave', (engine) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await engine.create();
    await migrate(t.db);
  });
  afterAll(() => t?.dispose());

  async function topic(title = 'topic'): Promise<string> {
    const [row] = await t.db.query<{ id: string }>(
      `INSERT INTO topics (title, summary, category, last_updated) VALUES ($1, 's', 'Technology', now() - interval '1 day') RETURNING id`,
      [title],
    );
    return row!.id;
  }

  async function item(sourceId: string, collectedDaysAgo = 0): Promise<string> {
    const [row] = await t.db.query<{ id: string }>(
      `INSERT INTO processed_items (source, source_id, url, title, title_normalized, published_at, collected_at)
       VALUES ('reddit', $1, 'https://x', 't', 't', now(), now() - make_interval(days => $2::int)) RETURNING id`,
      [sourceId, collectedDaysAgo],
    );
    return row!.id;
  }

  test('an update bumps last_updated on topics and trends', async () => {
    const topicId = await topic();
    const [trend] = await t.db.query<{ id: string }>(
      `INSERT INTO trends (topic_id, rank, title, summary, category, score, first_seen, last_updated)
       VALUES ($1, 1, 't', 's', 'Technology', 1, now(), now() - interval '1 day') RETURNING id`,
      [topicId],
    );
    const before = await t.db.query<{ topic: Date; trend: Date }>(
      'SELECT (SELECT last_updated FROM topics WHERE id = $1) AS topic, (SELECT last_updated FROM trends WHERE id = $2) AS trend',
      [topicId, trend!.id],
    );
    await t.db.query(`UPDATE topics SET summary = 'changed' WHERE id = $1`, [topicId]);
    await t.db.query(`UPDATE trends SET summary = 'changed' WHERE id = $1`, [trend!.id]);
    const after = await t.db.query<{ topic: Date; trend: Date }>(
      'SELECT (SELECT last_updated FROM topics WHERE id = $1) AS topic, (SELECT last_updated FROM trends WHERE id = $2) AS trend',
      [topicId, trend!.id],
    );
    expect(after[0]!.topic.getTime()).toBeGreaterThan(before[0]!.topic.getTime() + 3_600_000);
    expect(after[0]!.trend.getTime()).toBeGreaterThan(before[0]!.trend.getTime() + 3_600_000);
  });

  test('inserting and deleting topic_items moves topics.item_count', async () => {
    const topicId = await topic();
    const a = await item('count-a');
    const b = await item('count-b');
    const count = async () =>
      (await t.db.query<{ n: number }>('SELECT item_count AS n FROM topics WHERE id = $1', [topicId]))[0]!.n;
    await t.db.query('INSERT INTO topic_items (topic_id, item_id) VALUES ($1, $2), ($1, $3)', [
      topicId,
      a,
      b,
    ]);
    expect(await count()).toBe(2);
    await t.db.query('DELETE FROM topic_items WHERE topic_id = $1 AND item_id = $2', [topicId, a]);
    expect(await count()).toBe(1);
    await t.db.query('DELETE FROM processed_items WHERE id = $1', [b]); // cascades to the link
    expect(await count()).toBe(0);
  });

  test('cleanup_old_items deletes by collected_at and returns the count', async () => {
    await item('old-1', 40);
    await item('old-2', 31);
    const fresh = await item('fresh', 1);
    const [row] = await t.db.query<{ n: number }>('SELECT cleanup_old_items(30) AS n');
    expect(row!.n).toBe(2);
    expect(await t.db.query('SELECT 1 FROM processed_items WHERE id = $1', [fresh])).toHaveLength(1);
  });

  test('get_top_trends_by_category filters and orders by rank, then score', async () => {
    const topicId = await topic('ranked');
    await t.db.query(
      `INSERT INTO trends (topic_id, rank, title, summary, category, score, first_seen) VALUES
       ($1, 2, 'b', 's', 'Science', 9, now()), ($1, 1, 'a', 's', 'Science', 1, now()),
       ($1, 1, 'c', 's', 'Science', 5, now()), ($1, 1, 'x', 's', 'Sports', 7, now()),
       ($1, 1, 'old', 's', 'Science', 99, now() - interval '10 days')`,
      [topicId],
    );
    const rows = await t.db.query<{ title: string }>(
      `SELECT title FROM get_top_trends_by_category('Science', 10, now() - interval '1 day')`,
    );
    expect(rows.map((r) => r.title)).toEqual(['c', 'a', 'b']);
    const limited = await t.db.query('SELECT * FROM get_top_trends_by_category(NULL, 2)');
    expect(limited).toHaveLength(2);
  });

  test('trending_topics keeps live states only; popular_items_by_source covers 7 days', async () => {
    const topicId = await topic('views');
    await t.db.query(
      `INSERT INTO trends (topic_id, rank, title, summary, category, score, first_seen, state, total_engagement) VALUES
       ($1, 1, 'live', 's', 'Health', 1, now(), 'viral', '{"score": 4.5}'),
       ($1, 1, 'gone', 's', 'Health', 1, now(), 'dead', '{}')`,
      [topicId],
    );
    const live = await t.db.query<{ title: string; engagement_score: number }>(
      `SELECT title, engagement_score FROM trending_topics WHERE category = 'Health'`,
    );
    expect(live).toEqual([{ title: 'live', engagement_score: 4.5 }]);
    await t.db.query(
      `INSERT INTO processed_items (source, source_id, url, title, title_normalized, published_at, category, metrics) VALUES
       ('bbc', 'p1', 'u', 't', 't', now(), 'Health', '{"score": 2}'),
       ('bbc', 'p2', 'u', 't', 't', now(), 'Health', '{"score": 4}'),
       ('bbc', 'p3', 'u', 't', 't', now() - interval '8 days', 'Health', '{"score": 100}')`,
    );
    const popular = await t.db.query<{ item_count: number | string; avg_score: number }>(
      `SELECT item_count, avg_score FROM popular_items_by_source WHERE source = 'bbc'`,
    );
    expect(popular.map((r) => [Number(r.item_count), r.avg_score])).toEqual([[2, 3]]);
  });
});
