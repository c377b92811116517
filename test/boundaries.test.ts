// The public boundary on every engine: the largest valid values are stored whole, one past a limit
// is a ValidationError naming the field, and text PostgreSQL cannot hold (NUL, lone surrogates)
// is caught by the one guard, by field, in every repository.
import { expect, test } from 'vitest';
import { ValidationError } from '../src/domain/errors.js';
import { LIMITS } from '../src/domain/models.js';
import { textProblem } from '../src/domain/text.js';
import type { Executor } from '../src/sql/executor.js';
import { describeEachEngine } from './support/engines.js';
import { anItem, aTopic, aTrend, rejection, useRepositories } from './support/fixtures.js';

/**
 * Near the worst case for the generated tsvector's 1 MB of lexemes: distinct words of CJK
 * characters (3 UTF-8 bytes per UTF-16 unit), few separators. `seed` keeps texts' words apart.
 */
function worstCaseText(chars: number, seed = 0): string {
  const words: string[] = [];
  let length = 0;
  for (let i = seed * 1_000_000; length < chars; i++) {
    const w = `${String.fromCharCode(0x4e00 + (i % 20000), 0x4e00 + (Math.floor(i / 20000) % 20000))}一丁丂七丄丅丆万`;
    words.push(w);
    length += w.length + 1;
  }
  return words.join(' ').slice(0, chars);
}

/** Bytes of lexemes in a row's tsvector: what PostgreSQL caps at 1 MB. */
async function lexemeBytes(db: Executor, table: string, id: string): Promise<number> {
  const [row] = await db.query<{ n: string }>(
    `SELECT (SELECT sum(octet_length(lexeme)) FROM unnest(search_vector)) AS n FROM ${table} WHERE id = $1`,
    [id],
  );
  return Number(row!.n);
}

describeEachEngine('boundary: sizes and text the database cannot hold', (engine) => {
  const ctx = useRepositories(engine);
  const itemRows = async () => (await ctx.db.query('SELECT 1 FROM processed_items')).length;

  test('the largest valid item is stored whole and searchable; content far past the index window too', async () => {
    const title = worstCaseText(LIMITS.itemTitle, 1);
    const description = worstCaseText(LIMITS.itemDescription, 2);
    const content = `${'z'.repeat(1_000_000)} needle`; // 1 MB: stored whole; the index reads its start
    const id = await ctx.items.save(anItem(1, { title, description, content: worstCaseText(100_000, 3) }));
    // The case is a real one: ~40% of PostgreSQL's 1 MB lexeme cap.
    expect(await lexemeBytes(ctx.db, 'processed_items', id)).toBeGreaterThan(400_000);
    const big = await ctx.items.save(anItem(2, { title: 'holds a megabyte', content }));
    const stored = await ctx.items.get(id);
    expect(stored!.title).toBe(title);
    expect(stored!.description).toBe(description);
    expect((await ctx.items.get(big))!.content).toBe(content);
    expect((await ctx.items.search({ q: 'megabyte' })).map((i) => i.id)).toEqual([big]);
  });

  test('the largest valid topic and trend are stored (tsvector stays under its cap)', async () => {
    const topicId = await ctx.topics.save(
      aTopic({
        summary: worstCaseText(LIMITS.summary),
        keywords: Array.from(
          { length: LIMITS.keywords },
          (_, i) => `${worstCaseText(LIMITS.keyword - 4)}${i}`,
        ),
      }),
    );
    const trendId = await ctx.trends.save(
      aTrend(topicId, {
        summary: worstCaseText(LIMITS.summary),
        keyPoints: Array.from(
          { length: LIMITS.keyPoints },
          (_, i) => `${i} ${worstCaseText(LIMITS.keyPoint - 4)}`,
        ),
      }),
    );
    expect((await ctx.trends.get(trendId))!.keyPoints).toHaveLength(LIMITS.keyPoints);
  });

  test('one past a size limit is a ValidationError naming the field, and nothing is written', async () => {
    const cases: [() => Promise<unknown>, string][] = [
      [() => ctx.items.save(anItem(1, { title: 'x'.repeat(1_000_000) })), 'item.title'],
      [
        () =>
          ctx.items.saveBatch([
            anItem(1),
            anItem(2, { description: 'd'.repeat(LIMITS.itemDescription + 1) }),
          ]),
        'items[1].description',
      ],
      [() => ctx.items.save(anItem(1, { content: 'c'.repeat(LIMITS.itemContent + 1) })), 'item.content'],
      [() => ctx.topics.save(aTopic({ summary: 's'.repeat(LIMITS.summary + 1) })), 'topic.summary'],
      [
        () =>
          ctx.topics.save(
            aTopic({ keywords: Array.from({ length: LIMITS.keywords + 1 }, (_, i) => `k${i}`) }),
          ),
        'topic.keywords',
      ],
      [() => ctx.items.save(anItem(1, { metrics: { views: 2 ** 53 } })), 'item.metrics.views'],
      [
        () => ctx.items.save(anItem(1, { metadata: { blob: 'm'.repeat(LIMITS.metadataBytes) } })),
        'item.metadata',
      ],
    ];
    for (const [call, field] of cases) {
      const err = await rejection(call);
      expect(err, field).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).field, field).toBe(field);
    }
    expect(await itemRows()).toBe(0);
    expect(await ctx.topics.count()).toBe(0);
  });

  test('counters hold any safe integer (views past 2^31), exactly', async () => {
    const id = await ctx.items.save(
      anItem(1, { metrics: { views: 15_000_000_000, upvotes: Number.MAX_SAFE_INTEGER } }),
    );
    expect((await ctx.items.get(id))!.metrics).toMatchObject({
      views: 15_000_000_000,
      upvotes: Number.MAX_SAFE_INTEGER,
    });
  });

  test('NUL and lone surrogates are refused by field in every repository; the text "\\u0000" is fine', async () => {
    const topicId = await ctx.topics.save(aTopic());
    const bad = ['nul\u0000here', 'lone \ud800 high', 'lone \udfff low'];
    for (const text of bad) {
      const cases: [() => Promise<unknown>, string][] = [
        [() => ctx.items.save(anItem(1, { title: text })), 'item.title'],
        [() => ctx.items.save(anItem(1, { sourceId: text })), 'item.sourceId'],
        [() => ctx.items.save(anItem(1, { metadata: { tags: ['ok', text] } })), 'item.metadata.tags[1]'],
        [
          () => ctx.items.save(anItem(1, { metadata: { [text]: 1 } })),
          `item.metadata[${JSON.stringify(text)}]`,
        ],
        [() => ctx.items.existsMany([{ source: 'bbc', sourceId: text }]), 'keys[0].sourceId'],
        [() => ctx.items.search({ q: text }), 'search.q'],
        [() => ctx.topics.save(aTopic({ keywords: ['fine', text] })), 'topic.keywords[1]'],
        [() => ctx.topics.getByKeyword(text), 'keyword'],
        [() => ctx.trends.save(aTrend(topicId, { keyPoints: [text] })), 'trend.keyPoints[0]'],
        [() => ctx.trends.search({ q: text }), 'filter.q'],
        [() => ctx.pluginHealth.recordRun(text, { success: true }), 'name'],
        [() => ctx.pluginHealth.recordRun('p', { success: false, error: text }), 'run.error'],
        [() => ctx.pipelineRuns.start({ metadata: { note: text } }), 'options.metadata.note'],
        [async () => ctx.pipelineRuns.fail(await ctx.pipelineRuns.start(), ['fine', text]), 'errors[1]'],
      ];
      for (const [call, field] of cases) {
        const err = await rejection(call);
        expect(err, `${field} ${JSON.stringify(text)}`).toBeInstanceOf(ValidationError);
        expect((err as ValidationError).field, `${field} ${JSON.stringify(text)}`).toBe(field);
        // The message names the field escaped, so it can itself be stored (e.g. as a run's error).
        expect(textProblem(err.message), err.message).toBeUndefined();
      }
    }
    expect(await itemRows()).toBe(0);
    // Six characters — a backslash, "u" and four zeros — are ordinary text, in columns and in JSON.
    const escaped = '\\u0000';
    const id = await ctx.items.save(anItem(2, { title: escaped, metadata: { [escaped]: escaped } }));
    expect(await ctx.items.get(id)).toMatchObject({ title: escaped, metadata: { [escaped]: escaped } });
  });
});
