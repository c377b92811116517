// The write path shared by repositories whose rows have a uuid id: an upsert by id and a
// partial update, both built from one map of field → column and the cast its parameter needs.
import type { Executor } from '../sql/executor.js';
import { Params } from '../sql/params.js';

export interface Column {
  name: string;
  /** SQL that turns the bound parameter `p` into the column's type. */
  cast: (p: string) => string;
  /** Bound as a JSON string (jsonb columns). */
  json?: boolean;
  /** Omitted → keep the stored value on conflict (a re-save must not reset it), else now(). */
  keepWhenOmitted?: boolean;
  /** Written on insert only: afterwards it belongs to the database (e.g. a trigger-kept count). */
  insertOnly?: boolean;
}

export type Columns<F extends string> = Record<F, Column>;

const bind = (c: Column, value: unknown) => (c.json ? JSON.stringify(value) : (value ?? null));

/** Inserts, or replaces the row whose id is given. Returns the id. */
export async function upsertById<F extends string>(
  db: Executor,
  table: string,
  columns: Columns<F>,
  row: Partial<Record<F | 'id', unknown>>,
): Promise<string> {
  const p = new Params();
  const fields = Object.keys(columns) as F[];
  // One parameter per field, used by both the VALUES and the ON CONFLICT clause.
  const param = Object.fromEntries(fields.map((f) => [f, columns[f].cast(p.add(bind(columns[f], row[f])))]));
  const values = fields.map((f) => (columns[f].keepWhenOmitted ? `coalesce(${param[f]}, now())` : param[f]));
  const sets = fields
    .filter((f) => !columns[f].insertOnly)
    .map((f) => {
      const c = columns[f];
      return c.keepWhenOmitted
        ? `${c.name} = coalesce(${param[f]}, ${table}.${c.name})`
        : `${c.name} = EXCLUDED.${c.name}`;
    });
  const [result] = await db.query<{ id: string }>(
    `INSERT INTO ${table} (id, ${fields.map((f) => columns[f].name).join(', ')})
     VALUES (coalesce(${p.add(row.id ?? null)}::uuid, gen_random_uuid()), ${values.join(', ')})
     ON CONFLICT (id) DO UPDATE SET ${sets.join(', ')}
     RETURNING id`,
    p.values,
  );
  return result!.id;
}

/** Sets only the fields present in `patch`. False when no row has that id. */
export async function updateById<F extends string>(
  db: Executor,
  table: string,
  columns: Columns<F>,
  id: string,
  patch: Partial<Record<F, unknown>>,
): Promise<boolean> {
  const given = (Object.keys(columns) as F[]).filter((f) => patch[f] !== undefined);
  const p = new Params();
  // No field given: report whether the row exists, as an update of nothing would.
  const sets = given.map((f) => `${columns[f].name} = ${columns[f].cast(p.add(bind(columns[f], patch[f])))}`);
  const sql = sets.length
    ? `UPDATE ${table} SET ${sets.join(', ')} WHERE id = ${p.add(id)} RETURNING 1`
    : `SELECT 1 FROM ${table} WHERE id = ${p.add(id)}`;
  return (await db.query(sql, p.values)).length > 0;
}

/** Deletes the rows whose metadata contains `match` (checked non-empty by the caller). Returns how many. */
export async function deleteByMetadata(
  db: Executor,
  table: string,
  match: Record<string, unknown>,
): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    `WITH d AS (DELETE FROM ${table} WHERE metadata @> $1::jsonb RETURNING 1) SELECT count(*)::int AS n FROM d`,
    [JSON.stringify(match)],
  );
  return row!.n;
}

/** Deletes by id. False when no row had it. */
export async function deleteById(db: Executor, table: string, id: string): Promise<boolean> {
  return (await db.query(`DELETE FROM ${table} WHERE id = $1 RETURNING 1`, [id])).length > 0;
}

export const cast = {
  text: (p: string) => p,
  int: (p: string) => `${p}::int`,
  float: (p: string) => `${p}::float8`,
  uuid: (p: string) => `${p}::uuid`,
  uuids: (p: string) => `${p}::uuid[]`,
  texts: (p: string) => `${p}::text[]`,
  jsonb: (p: string) => `${p}::jsonb`,
  timestamptz: (p: string) => `${p}::timestamptz`,
  category: (p: string) => `${p}::category_type`,
  state: (p: string) => `${p}::trend_state`,
  // PGlite cannot bind a JS array straight to an enum array: go through text[].
  sources: (p: string) => `${p}::text[]::source_type[]`,
};
