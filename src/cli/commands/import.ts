import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { IngestError, type IngestRange, StorageError } from '../../domain/errors.js';
import { type ProcessedItemInput, processedItemSchema } from '../../domain/models.js';
import { validate } from '../../domain/validate.js';
import { createStorage, type Storage } from '../../storage.js';
import { errorColor, type Out } from '../output.js';
import { progress } from '../progress.js';

const BATCH = 1000;

function fileSize(file: string): number {
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw new Error(`${file} is not a file`);
    return stat.size;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`${file}: no such file`);
    if (code === 'EACCES') throw new Error(`${file}: permission denied`);
    throw err;
  }
}

interface Rejected {
  line: number;
  reason: string;
}

interface Tally {
  lines: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: Rejected[];
}

/**
 * The JSON value of each non-blank line, with its line number. A line that is not JSON is passed
 * to `reject` and skipped. The file is read only as fast as the values are taken.
 */
async function* jsonLines(
  input: NodeJS.ReadableStream,
  tally: Tally,
  hooks: { reject: (line: number, reason: string) => void; read: (bytes: number) => void },
): AsyncGenerator<{ line: number; value: unknown }> {
  const rl = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of rl) {
      const n = ++tally.lines;
      // A byte-order mark some editors put before the first line is not part of the JSON.
      const text = n === 1 ? line.replace(/^\uFEFF/, '') : line;
      hooks.read(Buffer.byteLength(text) + 1);
      if (!text.trim()) continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        hooks.reject(n, `not valid JSON (${(err as Error).message})`);
        continue;
      }
      yield { line: n, value };
    }
  } finally {
    rl.close();
  }
}

/** One saveBatch per 1,000 lines, one at a time; a batch the database refuses is rejected line by line. */
async function serialImport(
  storage: Storage,
  lines: AsyncIterable<{ line: number; value: unknown }>,
  tally: Tally,
  reject: (line: number, reason: string) => void,
) {
  let pending: { line: number; item: ProcessedItemInput }[] = [];
  const flush = async () => {
    if (!pending.length) return;
    const batch = pending;
    pending = [];
    try {
      const r = await storage.items.saveBatch(batch.map((b) => b.item));
      tally.inserted += r.inserted;
      tally.updated += r.updated;
      tally.unchanged += r.unchanged;
    } catch (err) {
      // Every line was validated on its own; what the database still refuses is reported per batch.
      const reason = err instanceof StorageError ? `${err.name}: ${err.message}` : String(err);
      for (const b of batch) tally.rejected.push({ line: b.line, reason });
    }
  };
  for await (const { line, value } of lines) {
    try {
      validate(processedItemSchema, value, 'item');
    } catch (err) {
      reject(line, (err as Error).message);
      continue;
    }
    pending.push({ line, item: value as ProcessedItemInput });
    if (pending.length >= BATCH) await flush();
  }
  await flush();
}

/**
 * Line numbers of ingest's input positions without a table of every line: positions and lines
 * advance together except past blank or non-JSON lines, so only the points where their offset
 * changes are kept.
 */
class LineMap {
  readonly #starts: number[] = [];
  readonly #offsets: number[] = [];

  add(index: number, line: number): void {
    const offset = line - index;
    if (this.#offsets[this.#offsets.length - 1] !== offset) {
      this.#starts.push(index);
      this.#offsets.push(offset);
    }
  }

  lineOf(index: number): number {
    let lo = 0;
    let hi = this.#starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.#starts[mid]! <= index) lo = mid;
      else hi = mid - 1;
    }
    return index + (this.#offsets[lo] ?? 1);
  }
}

// `item.publishedAt: …`, as saveBatch's ValidationError (and so the serial import) words it.
const itemReason = (field: string, message: string) =>
  `item${field === '' ? '' : field.startsWith('[') ? field : `.${field}`}: ${message}`;

/**
 * `items.ingest` over `jobs` pooled connections. It stops at the first chunk the database refuses
 * (throwing IngestError, its committed input positions already turned into line ranges).
 */
async function parallelImport(
  storage: Storage,
  lines: AsyncIterable<{ line: number; value: unknown }>,
  tally: Tally,
  jobs: number,
): Promise<{ failure?: IngestError; committedLines?: IngestRange[] }> {
  const map = new LineMap();
  let index = 0;
  async function* values() {
    for await (const { line, value } of lines) {
      map.add(index++, line);
      yield value;
    }
  }
  const toLines = (rejects: { index: number; field: string; message: string }[]) => {
    for (const r of rejects)
      tally.rejected.push({ line: map.lineOf(r.index), reason: itemReason(r.field, r.message) });
  };
  try {
    const r = await storage.items.ingest(values(), { concurrency: jobs });
    tally.inserted += r.inserted;
    tally.updated += r.updated;
    tally.unchanged += r.unchanged;
    toLines(r.rejected);
    return {};
  } catch (err) {
    if (!(err instanceof IngestError)) throw err;
    tally.inserted += err.committed.inserted;
    tally.updated += err.committed.updated;
    tally.unchanged += err.committed.unchanged;
    toLines(err.rejected);
    const committedLines = err.committed.ranges.map((r) => ({
      first: map.lineOf(r.first),
      last: map.lineOf(r.last),
    }));
    return { failure: err, committedLines };
  }
}

/**
 * Streams JSON Lines of ProcessedItem into the database. A bad line is reported with its number
 * and skipped; every good line is stored. Exit code 2 when any line was rejected.
 *
 * Without `jobs`, one saveBatch per 1,000 lines, one after another, and a batch the database
 * refuses is reported as rejected lines. With `jobs`, `items.ingest` writes that many chunks at
 * once, and a chunk the database refuses stops the import (exit code 1) naming the lines committed.
 */
export async function importCommand(
  out: Out,
  file: string,
  opts: { quiet?: boolean; jobs?: number },
): Promise<number> {
  const fromStdin = file === '-';
  // Checked before anything opens: a missing file is one clean message, not a stream 'error'.
  const total = fromStdin ? 0 : fileSize(file);
  const storage = await createStorage();
  const input = fromStdin ? process.stdin : createReadStream(file);
  const bar = progress('import', total, !out.json && !opts.quiet && total > 0);
  const tally: Tally = { lines: 0, inserted: 0, updated: 0, unchanged: 0, rejected: [] };
  // The serial import names a bad line on stderr as it meets it; the parallel one learns of
  // invalid items at the end and names them all then, in line order.
  const say = (r: Rejected) => {
    if (!out.json) console.error(errorColor.yellow(`line ${r.line}: ${r.reason}`));
  };
  const reject = (line: number, reason: string) => {
    tally.rejected.push({ line, reason });
    if (opts.jobs === undefined) say({ line, reason });
  };
  const lines = jsonLines(input, tally, { reject, read: (bytes) => bar.increment(bytes) });
  let stopped: { failure?: IngestError; committedLines?: IngestRange[] } = {};
  try {
    if (opts.jobs === undefined) await serialImport(storage, lines, tally, reject);
    else stopped = await parallelImport(storage, lines, tally, opts.jobs);
  } finally {
    bar.stop();
    await storage.close();
  }
  // A refused batch is rejected after the lines refused while reading it: report in line order.
  const rejected = tally.rejected.sort((a, b) => a.line - b.line);
  if (opts.jobs !== undefined) for (const r of rejected) say(r);
  const { lines: count, inserted, updated, unchanged } = tally;
  const summary = { lines: count, inserted, updated, unchanged, rejected: rejected.length };
  out.line(
    `${count} lines: ${inserted} inserted, ${updated} updated, ${unchanged} unchanged, ${rejected.length} rejected`,
  );
  if (rejected.length) out.line(`rejected lines: ${rejected.map((r) => r.line).join(', ')}`);
  const { failure, committedLines } = stopped;
  if (failure) {
    // Ingest's own message counts input positions; a person needs the cause and line numbers.
    const cause = failure.cause;
    const error = `import stopped: ${cause instanceof StorageError ? `${cause.name}: ${cause.message}` : cause instanceof Error ? cause.message : String(cause)}`;
    const spans = committedLines!.map((r) => (r.first === r.last ? `${r.first}` : `${r.first}-${r.last}`));
    if (!out.json) {
      console.error(errorColor.red(`trend-storage: ${error}`));
      console.error(`committed lines: ${spans.join(', ') || 'none'}; the other valid lines were not stored`);
    }
    out.result({ ...summary, rejectedLines: rejected, error, committedLines });
    return 1;
  }
  out.result({ ...summary, rejectedLines: rejected });
  return rejected.length ? 2 : 0;
}
