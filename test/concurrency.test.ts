// Eight writers at once — overlapping item batches, topics with links, multi-trend updates in
// transactions that take row locks in random order — end with exactly the expected rows,
// correct item counts, and no deadlock or serialization error reaching a caller.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createRepositories } from '../src/repositories/index.js';
import { migrate } from '../src/sql/migrate.js';
import { describeEachEngine, type SqlEngine, type TestDatabase } from './support/engines.js';
import { anItem, aTopic, aTrend } from './support/fixtures.js';

const SECONDS = Number(process.env.TREND_SOAK_SECONDS ?? 5);
const WRITERS = 8;
const KEYS = 600;

function soak(engine: SqlEngine): void {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await engine.create();
    await migrate(t.db);
  });
  afterAll(() => t?.dispose());

  test(
    `${WRITERS} writers for ${SECONDS} s`,
    async () => {
      const repos = createRepositories(t.db);
      const topicIds = await Promise.all(
        Array.from({ length: 10 }, (_, i) => repos.topics.save(aTopic({ title: `shared ${i}` }))),
      );
      const trendIds = await Promise.all(
        Array.from({ length: 20 }, (_, i) => repos.trends.save(aTrend(topicIds[i % 10]!, { rank: i + 1 }))),
      );
      const written = new Set<number>();
      const errors: unknown[] = [];
      let operations = 0;
      const until = Date.now() + SECONDS * 1000;
      const rnd = (n: number) => Math.floor(Math.random() * n);

      const writer = async (w: number) => {
        while (Date.now() < until) {
          try {
            const keys = Array.from({ length: 40 }, () => rnd(KEYS));
            const { ids } = await repos.items.saveBatch(
              keys.map((k) => anItem(k, { metrics: { upvotes: w } })),
            );
            for (const k of keys) written.add(k);
            await repos.topics.addItems(topicIds[rnd(10)]!, ids.slice(0, 10));
            if (w % 2) await repos.topics.removeItems(topicIds[rnd(10)]!, ids.slice(10, 15));
            // Two trends per transaction in random order: a deadlock when two writers cross,
            // which the executor retries.
            const [a, b] = [trendIds[rnd(20)]!, trendIds[rnd(20)]!];
            await t.db.transaction(async (tx) => {
              const r = createRepositories(tx);
              await r.trends.update(a, { score: rnd(1000) });
              await new Promise((res) => setTimeout(res, rnd(3)));
              await r.trends.update(b, { velocity: rnd(50) });
            });
            operations++;
          } catch (err) {
            errors.push(err);
          }
        }
      };
      await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));

      expect(errors).toEqual([]);
      expect(await repos.items.count()).toBe(written.size);
      const mismatched = await t.db.query(
        `SELECT t.id FROM topics t LEFT JOIN (SELECT topic_id, count(*)::int AS n FROM topic_items GROUP BY 1) c ON c.topic_id = t.id
       WHERE t.item_count <> coalesce(c.n, 0)`,
      );
      expect(mismatched).toEqual([]);
      console.log(
        `concurrency [${engine.name}]: ${WRITERS} writers, ${SECONDS} s, ${operations} rounds, ${written.size} items, 0 errors`,
      );
    },
    (SECONDS + 60) * 1000,
  );
}

describeEachEngine('concurrent writers', soak);
