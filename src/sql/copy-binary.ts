// PostgreSQL's binary COPY format, for the bulk paths where parsing text is the cost
// (pgvector parses every float of a vector's text form; inside WebAssembly that dominates).
// Layout: the "Binary Format" section of PostgreSQL's COPY documentation.

export type BinaryField =
  | { text: string }
  /** pgvector's `vector` receive format: int16 dimensions, int16 unused, float4 values. */
  | { vector: readonly number[] }
  /** jsonb's receive format: a version byte (1), then the JSON text. */
  | { jsonb: string };

const SIGNATURE = [0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00]; // PGCOPY\n\377\r\n\0
const utf8 = new TextEncoder();

type Cell = { bytes: Uint8Array; prefix: number[] } | { floats: readonly number[] };

const cell = (f: BinaryField): Cell =>
  'text' in f
    ? { bytes: utf8.encode(f.text), prefix: [] }
    : 'jsonb' in f
      ? { bytes: utf8.encode(f.jsonb), prefix: [1] }
      : { floats: f.vector };

const cellSize = (c: Cell) => ('bytes' in c ? c.prefix.length + c.bytes.length : 4 + 4 * c.floats.length);

/** Encodes rows (the same columns in the same order) as one binary COPY input. */
export function encodeBinaryCopy(rows: readonly (readonly BinaryField[])[]): Uint8Array {
  const cells = rows.map((row) => row.map(cell));
  let size = SIGNATURE.length + 8 + 2; // signature, flags, header extension … trailer
  for (const row of cells) size += 2 + row.reduce((n, c) => n + 4 + cellSize(c), 0);
  const buf = new Uint8Array(size);
  const view = new DataView(buf.buffer);
  buf.set(SIGNATURE, 0);
  let at = SIGNATURE.length + 8; // flags and header extension length are zero
  for (const row of cells) {
    view.setInt16(at, row.length);
    at += 2;
    for (const c of row) {
      view.setInt32(at, cellSize(c));
      at += 4;
      if ('bytes' in c) {
        buf.set(c.prefix, at);
        buf.set(c.bytes, at + c.prefix.length);
        at += c.prefix.length + c.bytes.length;
      } else {
        view.setInt16(at, c.floats.length);
        view.setInt16(at + 2, 0);
        at += 4;
        for (const x of c.floats) {
          view.setFloat32(at, x);
          at += 4;
        }
      }
    }
  }
  view.setInt16(at, -1);
  return buf;
}
