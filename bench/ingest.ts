// Ingest: saveBatch against raw COPY, one INSERT per row, and a raw multi-row INSERT.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import type { ProcessedItemInput } from '../src/domain/models.js';
import { ItemRepository, normalizeText } from '../src/repositories/items.js';
import type { PgDatabase } from '../src/sql/pg.js';
import { items } from './data.js';
import type { BenchDb } from './engines.js';
import { rate, type Stat } from './lib.js';

const COLUMNS =
  'source, source_id, url, title, title_normalized, description, content, content_normalized, language, author, category, metrics, published_at, collected_at, metadata';

function row(it: ProcessedItemInput): unknown[] {
  return [
    it.source,
    it.sourceId,
    it.url,
    it.title,
    normalizeText(it.title),
    it.description ?? null,
    it.content ?? null,
    it.content ? normalizeText(it.content) : null,
    it.language ?? 'en',
    it.author ?? null,
    it.category ?? null,
    JSON.stringify(it.metrics ?? {}),
    (it.publishedAt as Date).toISOString(),
    (it.collectedAt as Date).toISOString(),
    JSON.stringify(it.metadata ?? {}),
  ];
}

const copyField = (v: unknown) =>
  v === null
    ? '\\N'
    : String(v).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');

export interface IngestResult {
  engine: string;
  rows: number;
  saveBatch: Stat;
  reingest: Stat;
  copy?: Stat;
  copyUpsert?: Stat;
  perRow?: Stat;
  multiRowInsert?: Stat;
}

export async function ingest(b: BenchDb, n: number, runs: number): Promise<IngestResult> {
  const data = items(n);
  const repo = new ItemRepository(b.db);
  const truncate = () => b.db.query('TRUNCATE processed_items CASCADE');
  const saveBatch = await rate(runs, n, () => repo.saveBatch(data), truncate);
  const reingest = await rate(runs, n, () => repo.saveBatch(data));
  const result: IngestResult = { engine: b.name, rows: n, saveBatch, reingest };

  if (b.name === 'postgres') {
    const pool = (b.db as PgDatabase).pool;
    const copyRows = async (table: string) => {
      const client = await pool.connect();
      try {
        const lines = data.map((it) => `${row(it).map(copyField).join('\t')}\n`);
        await pipeline(Readable.from(lines), client.query(copyFrom(`COPY ${table} (${COLUMNS}) FROM STDIN`)));
      } finally {
        client.release();
      }
    };
    result.copy = await rate(runs, n, () => copyRows('processed_items'), truncate);
    // The alternative design for saveBatch: COPY into a staging table, then one upsert.
    result.copyUpsert = await rate(
      runs,
      n,
      async () => {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          await client.query(
            'CREATE TEMP TABLE staging (LIKE processed_items INCLUDING DEFAULTS) ON COMMIT DROP',
          );
          const lines = data.map((it) => `${row(it).map(copyField).join('\t')}\n`);
          await pipeline(
            Readable.from(lines),
            client.query(copyFrom(`COPY staging (${COLUMNS}) FROM STDIN`)),
          );
          await client.query(
            `INSERT INTO processed_items (${COLUMNS}) SELECT ${COLUMNS} FROM staging ORDER BY source, source_id
             ON CONFLICT (source, source_id) DO UPDATE SET metrics = EXCLUDED.metrics, metadata = EXCLUDED.metadata
             RETURNING id`,
          );
          await client.query('COMMIT');
        } finally {
          client.release();
        }
      },
      truncate,
    );
    // The platform's current save_batch: one upsert statement per item, in one transaction.
    const perRowN = Math.min(n, 5000);
    const subset = data.slice(0, perRowN);
    const placeholders = Array.from({ length: 15 }, (_, i) => `$${i + 1}`).join(', ');
    result.perRow = await rate(
      runs,
      perRowN,
      async () => {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          for (const it of subset) {
            await client.query(
              `INSERT INTO processed_items (${COLUMNS}) VALUES (${placeholders})
               ON CONFLICT (source, source_id) DO UPDATE SET metrics = EXCLUDED.metrics RETURNING id`,
              row(it),
            );
          }
          await client.query('COMMIT');
        } finally {
          client.release();
        }
      },
      truncate,
    );
  } else {
    // PGlite has no COPY FROM STDIN stream: its raw reference is a multi-row INSERT of the same rows.
    result.multiRowInsert = await rate(
      runs,
      n,
      async () => {
        for (let i = 0; i < data.length; i += 1000) {
          const chunk = data.slice(i, i + 1000);
          const params: unknown[] = [];
          const values = chunk.map((it) => {
            const r = row(it);
            const base = params.length;
            params.push(...r);
            return `(${r.map((_, j) => `$${base + j + 1}`).join(', ')})`;
          });
          await b.raw(`INSERT INTO processed_items (${COLUMNS}) VALUES ${values.join(', ')}`, params);
        }
      },
      truncate,
    );
  }
  return result;
}
