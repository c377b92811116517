// items.ingest: a stream loaded in chunks over several pooled connections, each committed on its
// own. Counts match saveBatch, invalid items are rejects by input position, a failure part-way
// says exactly what was committed, and the source is never read far ahead of the database.
import { expect, test } from 'vitest';
import { IngestError, type IngestRange, StorageError, ValidationError } from '../src/domain/errors.js';
import type { ProcessedItemInput } from '../src/domain/models.js';
import { createRepositories } from '../src/repositories/index.js';
import type { IngestProgress } from '../src/repositories/ingest.js';
import { describeEachEngine } from './support/engines.js';
import { anItem, rejection, useRepositories } from './support/fixtures.js';

/** The i-th input item: its sourceId names its position, so a stored row says where it came from. */
const nth = (i: number, overrides: Partial<ProcessedItemInput> = {}) =>
  anItem(`i-${i}`, { source: i % 3 ? 'reddit' : 'bbc', content: `body of item ${i}`, ...overrides });

const inRanges = (ranges: IngestRange[], i: number) => ranges.some((r) => r.first <= i && i <= r.last);

async function* generate(n: number, make: (i: number) => unknown = nth) {
  for (let i = 0; i < n; i++) yield make(i);
}

describeEachEngine('items.ingest', (engine) => {
  const ctx = useRepositories(engine);
  const snapshot = async () =>
    ctx.db.query(
      'SELECT source::text, source_id, title, content, metrics, search_vector::text AS sv FROM processed_items ORDER BY source, source_id',
    );
  const storedIds = async () =>
    (await ctx.db.query<{ source_id: string }>('SELECT source_id FROM processed_items')).map(
      (r) => r.source_id,
    );

  test('counts and rows equal a serial saveBatch, on first load and on a reload with changes', async () => {
    const first = Array.from({ length: 3000 }, (_, i) => nth(i));
    const second = first.map((it, i) => (i % 3 === 0 ? { ...it, title: `changed ${i}` } : it));
    // Serial reference: saveBatch of the whole list.
    const refFirst = await ctx.items.saveBatch(first);
    const refSecond = await ctx.items.saveBatch(second);
    const reference = await snapshot();
    await ctx.db.query('TRUNCATE processed_items CASCADE');

    const a = await ctx.items.ingest(first, { concurrency: 3, chunkSize: 250 });
    expect(a).toEqual({
      received: 3000,
      inserted: refFirst.inserted,
      updated: refFirst.updated,
      unchanged: refFirst.unchanged,
      rejected: [],
    });
    // An async source, and the default chunk size and concurrency.
    const b = await ctx.items.ingest(generate(3000, (i) => second[i]));
    expect(b).toEqual({
      received: 3000,
      inserted: refSecond.inserted,
      updated: refSecond.updated,
      unchanged: refSecond.unchanged,
      rejected: [],
    });
    expect(b).toMatchObject({ inserted: 0, updated: 1000, unchanged: 2000 });
    expect(await snapshot()).toEqual(reference);
  });

  test('invalid items are rejects carrying their input position and field; they never stop the run', async () => {
    const source: unknown[] = Array.from({ length: 600 }, (_, i) => nth(i));
    source[0] = 42;
    source[7] = { ...nth(7), source: 'myspace' };
    source[250] = { ...nth(250), publishedAt: 'yesterday' };
    source[251] = { ...nth(251), metrics: { upvotes: -1 } };
    source[599] = { ...nth(599), url: 'not a url' };
    const progress: IngestProgress[] = [];
    const r = await ctx.items.ingest(source, { chunkSize: 100, onProgress: (p) => progress.push(p) });
    expect(r.received).toBe(600);
    expect(r.inserted).toBe(595);
    expect(r.rejected.map(({ index, field }) => ({ index, field }))).toEqual([
      { index: 0, field: '' },
      { index: 7, field: 'source' },
      { index: 250, field: 'publishedAt' },
      { index: 251, field: 'metrics.upvotes' },
      { index: 599, field: 'url' },
    ]);
    for (const x of r.rejected) expect(x.message).toMatch(/\w/);
    const ids = new Set(await storedIds());
    expect(ids.size).toBe(595);
    for (const x of r.rejected) expect(ids.has(`post-i-${x.index}`)).toBe(false);
    // One report per committed chunk; the last holds the totals (not reported a second time).
    expect(progress.at(-1)).toEqual({ received: 600, stored: 595, rejected: 5 });
    expect(progress.length).toBe(6);
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i]!.stored).toBeGreaterThan(progress[i - 1]!.stored);
    }
  });

  test('a key repeated across chunks ends with its last value, as in a serial import, without deadlock', async () => {
    // Each of 200 keys appears in ten consecutive chunks of 100: chunks in flight share every key.
    const source = Array.from({ length: 2000 }, (_, i) =>
      anItem(`k-${i % 200}`, { title: `version ${Math.floor(i / 200)}`, metrics: { upvotes: i } }),
    );
    const r = await ctx.items.ingest(source, { concurrency: 4, chunkSize: 100 });
    expect(r.inserted).toBe(200);
    expect(r.updated).toBe(1800);
    const rows = await ctx.db.query<{ title: string; up: number }>(
      `SELECT title, (metrics->>'upvotes')::int AS up FROM processed_items`,
    );
    expect(rows).toHaveLength(200);
    for (const row of rows) expect(row.title).toBe('version 9');
    // Within one chunk, too, the last occurrence wins.
    await ctx.items.ingest([anItem('dup', { title: 'first' }), anItem('dup', { title: 'last' })]);
    expect((await ctx.items.getBySourceId('reddit', 'post-dup'))!.title).toBe('last');
  });

  test('two ingests of the same keys at once, in opposite orders, both finish', async () => {
    const keys = Array.from({ length: 2000 }, (_, i) => i);
    const [a, b] = await Promise.all([
      ctx.items.ingest(
        keys.map((i) => nth(i, { title: 'a' })),
        { concurrency: 2, chunkSize: 200 },
      ),
      ctx.items.ingest(
        [...keys].reverse().map((i) => nth(i, { title: 'b' })),
        { concurrency: 2, chunkSize: 200 },
      ),
    ]);
    expect(a.inserted + b.inserted).toBe(2000);
    expect(a.inserted + a.updated + a.unchanged).toBe(2000);
    expect(b.inserted + b.updated + b.unchanged).toBe(2000);
    expect(await ctx.items.count()).toBe(2000);
  });

  test('a chunk the database refuses stops the run; the error says exactly what was committed', async () => {
    // A real refusal from the database: a trigger that raises on one title.
    await ctx.db.exec(`
      CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.title = 'poison' THEN RAISE EXCEPTION 'poisoned item %', NEW.source_id; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER refuse_poison BEFORE INSERT OR UPDATE ON processed_items
        FOR EACH ROW EXECUTE FUNCTION refuse_poison();`);
    try {
      const total = 2000;
      let pulled = 0;
      let closed = false;
      async function* source() {
        try {
          for (let i = 0; i < total; i++) {
            pulled++;
            if (i === 12) yield { not: 'an item' };
            else yield nth(i, i === 530 ? { title: 'poison' } : {});
          }
        } finally {
          closed = true;
        }
      }
      const err = await rejection(() => ctx.items.ingest(source(), { concurrency: 2, chunkSize: 50 }));
      expect(err).toBeInstanceOf(IngestError);
      const e = err as IngestError;
      expect(e.cause).toBeInstanceOf(StorageError);
      expect((e.cause as Error).message).toContain('poisoned item post-i-530');
      expect(e.code).toBe('P0001');
      // The reject at 12 shifts the chunks: the first spans 0–50, the k-th 50k-49 to 50k.
      expect(e.message).toContain('positions 501–550');
      // Reading stopped: the source was closed, and not read far past the failed chunk.
      expect(closed).toBe(true);
      expect(pulled).toBeLessThanOrEqual(550 + 3 * 50);
      expect(e.received).toBe(pulled);
      expect(e.rejected).toEqual([{ index: 12, field: 'source', message: expect.any(String) }]);

      // Every chunk before the failed one committed; at most the chunk running beside it after it.
      const { ranges } = e.committed;
      expect(ranges[0]).toEqual({ first: 0, last: 500 });
      expect(inRanges(ranges, 530)).toBe(false);
      expect(ranges.length).toBeLessThanOrEqual(2);
      // The report is the truth: exactly the valid items at committed positions are stored.
      const expected = [];
      for (let i = 0; i < pulled; i++) if (i !== 12 && inRanges(ranges, i)) expected.push(`post-i-${i}`);
      expect((await storedIds()).sort()).toEqual(expected.sort());
      expect(e.committed.inserted).toBe(expected.length);
      expect(e.committed.updated + e.committed.unchanged).toBe(0);

      // Feeding again what the report says is missing finishes the job.
      await ctx.db.exec('DROP TRIGGER refuse_poison ON processed_items');
      const rest = Array.from({ length: total }, (_, i) => i).filter((i) => i !== 12 && !inRanges(ranges, i));
      const r = await ctx.items.ingest(rest.map((i) => nth(i)));
      expect(r.inserted).toBe(rest.length);
      expect(await ctx.items.count()).toBe(total - 1);
    } finally {
      await ctx.db.exec(`
        DROP TRIGGER IF EXISTS refuse_poison ON processed_items;
        DROP FUNCTION IF EXISTS refuse_poison();`);
    }
  });

  test('a chunk sharing a key with a refused one is not written; re-feeding the rest ends as a serial run', async () => {
    await ctx.db.exec(`
      CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.title = 'poison' THEN RAISE EXCEPTION 'poisoned'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER refuse_poison BEFORE INSERT OR UPDATE ON processed_items
        FOR EACH ROW EXECUTE FUNCTION refuse_poison();`);
    try {
      // Chunks of 10: the one at 20–29 is refused (25) and holds key "shared" (21), which the
      // next chunk (30–39) holds too, with a newer title.
      const make = (i: number, poison: boolean) =>
        i === 21 || i === 35
          ? anItem('shared', { title: `shared from ${i}` })
          : nth(i, i === 25 && poison ? { title: 'poison' } : {});
      const err = await rejection(() =>
        ctx.items.ingest(
          Array.from({ length: 60 }, (_, i) => make(i, true)),
          { concurrency: 4, chunkSize: 10 },
        ),
      );
      const { ranges } = (err as IngestError).committed;
      expect(ranges[0]).toEqual({ first: 0, last: 19 });
      for (const i of [21, 25, 35]) expect(inRanges(ranges, i), `${i}`).toBe(false);
      expect(await ctx.items.getBySourceId('reddit', 'post-shared')).toBeNull();

      await ctx.db.exec('DROP TRIGGER refuse_poison ON processed_items');
      const rest = Array.from({ length: 60 }, (_, i) => i).filter((i) => !inRanges(ranges, i));
      await ctx.items.ingest(
        rest.map((i) => make(i, false)),
        { concurrency: 4, chunkSize: 10 },
      );
      expect(await ctx.items.count()).toBe(59);
      expect((await ctx.items.getBySourceId('reddit', 'post-shared'))!.title).toBe('shared from 35');
    } finally {
      await ctx.db.exec(`
        DROP TRIGGER IF EXISTS refuse_poison ON processed_items;
        DROP FUNCTION IF EXISTS refuse_poison();`);
    }
  });

  test('back-pressure: an endless source is read at most a few chunks ahead of what committed', async () => {
    const chunkSize = 100;
    const concurrency = 2;
    let pulled = 0;
    let closed = false;
    let widest = 0;
    function* endless() {
      try {
        for (let i = 0; ; i++) {
          pulled++;
          yield nth(i);
        }
      } finally {
        closed = true;
      }
    }
    const stop = new Error('enough');
    const err = await rejection(() =>
      ctx.items.ingest(endless(), {
        concurrency,
        chunkSize,
        onProgress: (p) => {
          widest = Math.max(widest, pulled - p.stored);
          if (p.stored >= 2000) throw stop;
        },
      }),
    );
    expect(err).toBeInstanceOf(IngestError);
    expect((err as IngestError).cause).toBe(stop);
    expect(closed).toBe(true);
    // In flight plus the chunk being filled, and the one value that found every slot busy.
    expect(widest).toBeLessThanOrEqual((concurrency + 1) * chunkSize + 1);
    expect(pulled).toBeLessThanOrEqual(2000 + (concurrency + 1) * chunkSize + 1);
    const { committed } = err as IngestError;
    expect(await ctx.items.count()).toBe(committed.inserted);
    expect(committed.ranges[0]!.first).toBe(0);
  });

  test('a source that throws stops the run after what it gave is committed', async () => {
    async function* broken() {
      for (let i = 0; i < 250; i++) yield nth(i);
      throw new Error('disk went away');
    }
    const err = await rejection(() => ctx.items.ingest(broken(), { chunkSize: 100 }));
    expect(err).toBeInstanceOf(IngestError);
    expect(err.message).toContain('reading the source failed (disk went away)');
    expect((err as IngestError).committed).toEqual({
      inserted: 200,
      updated: 0,
      unchanged: 0,
      ranges: [{ first: 0, last: 199 }],
    });
    expect(await ctx.items.count()).toBe(200);
  });

  test('an onProgress that returns a rejected promise stops the run like one that throws; no total twice', async () => {
    const seen: string[] = [];
    const err = await rejection(() =>
      ctx.items.ingest(
        Array.from({ length: 30 }, (_, i) => nth(10_000 + i)),
        {
          chunkSize: 10,
          onProgress: async (p) => {
            seen.push(`${p.received}/${p.stored}`);
            if (p.stored >= 20) throw new Error('progress sink down');
          },
        },
      ),
    );
    expect(err).toBeInstanceOf(IngestError);
    expect((err as IngestError).cause).toBeInstanceOf(Error);
    expect(new Set(seen).size).toBe(seen.length);
    const fine: string[] = [];
    await ctx.items.ingest(
      Array.from({ length: 25 }, (_, i) => nth(20_000 + i)),
      { chunkSize: 10, onProgress: (p) => void fine.push(`${p.received}/${p.stored}`) },
    );
    expect(new Set(fine).size).toBe(fine.length);
    expect(fine.at(-1)).toBe('25/25');
  });

  test('inside a transaction the chunks are savepoints of it, one at a time, and commit with it', async () => {
    const source = Array.from({ length: 1000 }, (_, i) => nth(i));
    // Rolled back with the caller's transaction: tx.items and the outer handle alike join it.
    const rollback = new Error('roll back');
    const err = await rejection(() =>
      ctx.db.transaction(async (tx) => {
        const r = await createRepositories(tx).items.ingest(source, { concurrency: 4, chunkSize: 100 });
        expect(r.inserted).toBe(1000);
        const again = await ctx.items.ingest(source.slice(0, 300), { concurrency: 4, chunkSize: 100 });
        expect(again.unchanged).toBe(300);
        throw rollback;
      }),
    );
    expect(err).toBe(rollback);
    expect(await ctx.items.count()).toBe(0);

    // A chunk refused inside the transaction rolls back alone; the transaction stays usable.
    await ctx.db.exec(`
      CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.title = 'poison' THEN RAISE EXCEPTION 'poisoned'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER refuse_poison BEFORE INSERT ON processed_items
        FOR EACH ROW EXECUTE FUNCTION refuse_poison();`);
    try {
      const poisoned = source.map((it, i) => (i === 450 ? { ...it, title: 'poison' } : it));
      const committed = await ctx.db.transaction(async (tx) => {
        const e = await rejection(() =>
          createRepositories(tx).items.ingest(poisoned, { concurrency: 4, chunkSize: 100 }),
        );
        expect(e).toBeInstanceOf(IngestError);
        const { ranges, inserted } = (e as IngestError).committed;
        expect(ranges[0]).toEqual({ first: 0, last: 399 });
        expect(inRanges(ranges, 450)).toBe(false);
        expect(await createRepositories(tx).items.count()).toBe(inserted);
        return (e as IngestError).committed;
      });
      // What the error named is what the transaction committed.
      const ids = new Set(await storedIds());
      expect(ids.size).toBe(committed.inserted);
      for (let i = 0; i < 1000; i++)
        expect(ids.has(`post-i-${i}`), `${i}`).toBe(inRanges(committed.ranges, i));
    } finally {
      await ctx.db.exec(`
        DROP TRIGGER IF EXISTS refuse_poison ON processed_items;
        DROP FUNCTION IF EXISTS refuse_poison();`);
    }
  });

  test('bad options and sources are ValidationErrors naming the field, before anything is read', async () => {
    let pulled = 0;
    function* counted() {
      pulled++;
      yield nth(0);
    }
    const cases: [unknown, unknown, string][] = [
      [counted(), { concurrency: 0 }, 'options.concurrency'],
      [counted(), { concurrency: 65 }, 'options.concurrency'],
      [counted(), { chunkSize: 1.5 }, 'options.chunkSize'],
      [counted(), { onProgress: 'yes' }, 'options.onProgress'],
      [counted(), { parallel: true }, 'options'],
      ['not items', {}, 'source'],
      [{ length: 1 }, {}, 'source'],
      [null, {}, 'source'],
    ];
    for (const [source, options, field] of cases) {
      const err = await rejection(() =>
        ctx.items.ingest(source as Iterable<unknown>, options as Record<string, never>),
      );
      expect(err, field).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).field, JSON.stringify(options)).toBe(field);
    }
    expect(pulled).toBe(0);
    expect(await ctx.items.ingest([])).toEqual({
      received: 0,
      inserted: 0,
      updated: 0,
      unchanged: 0,
      rejected: [],
    });
  });
});
