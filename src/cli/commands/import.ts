import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { StorageError } from '../../domain/errors.js';
import { type ProcessedItemInput, processedItemSchema } from '../../domain/models.js';
import { validate } from '../../domain/validate.js';
import { createStorage } from '../../storage.js';
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

/**
 * Streams JSON Lines of ProcessedItem through saveBatch. A bad line is reported with its number
 * and skipped; every good line is stored. Exit code 2 when any line was rejected.
 */
export async function importCommand(out: Out, file: string, opts: { quiet?: boolean }): Promise<number> {
  const fromStdin = file === '-';
  // Checked before anything opens: a missing file is one clean message, not a stream 'error'.
  const total = fromStdin ? 0 : fileSize(file);
  const storage = await createStorage();
  const input = fromStdin ? process.stdin : createReadStream(file);
  const bar = progress('import', total, !out.json && !opts.quiet && total > 0);
  const rejected: Rejected[] = [];
  let inserted = 0;
  let updated = 0;
  let unchanged = 0;
  let lines = 0;
  let pending: { line: number; item: ProcessedItemInput }[] = [];

  const flush = async () => {
    if (!pending.length) return;
    const batch = pending;
    pending = [];
    try {
      const r = await storage.items.saveBatch(batch.map((b) => b.item));
      inserted += r.inserted;
      updated += r.updated;
      unchanged += r.unchanged;
    } catch (err) {
      // Every line was validated on its own; what the database still refuses is reported per batch.
      const reason = err instanceof StorageError ? `${err.name}: ${err.message}` : String(err);
      for (const b of batch) rejected.push({ line: b.line, reason });
    }
  };

  const reject = (line: number, reason: string) => {
    rejected.push({ line, reason });
    if (!out.json) console.error(errorColor.yellow(`line ${line}: ${reason}`));
  };

  try {
    const rl = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
    for await (const line of rl) {
      lines++;
      // A byte-order mark some editors put before the first line is not part of the JSON.
      const text = lines === 1 ? line.replace(/^\uFEFF/, '') : line;
      bar.increment(Buffer.byteLength(text) + 1);
      if (!text.trim()) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (err) {
        reject(lines, `not valid JSON (${(err as Error).message})`);
        continue;
      }
      try {
        validate(processedItemSchema, parsed, 'item');
      } catch (err) {
        reject(lines, (err as Error).message);
        continue;
      }
      pending.push({ line: lines, item: parsed as ProcessedItemInput });
      if (pending.length >= BATCH) await flush();
    }
    await flush();
  } finally {
    bar.stop();
    await storage.close();
  }
  const summary = { lines, inserted, updated, unchanged, rejected: rejected.length };
  out.line(
    `${lines} lines: ${inserted} inserted, ${updated} updated, ${unchanged} unchanged, ${rejected.length} rejected`,
  );
  if (rejected.length) out.line(`rejected lines: ${rejected.map((r) => r.line).join(', ')}`);
  out.result({ ...summary, rejectedLines: rejected });
  return rejected.length ? 2 : 0;
}
