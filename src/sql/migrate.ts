import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { MigrationError } from '../domain/errors.js';
import type { Executor } from './executor.js';

/** One migration file of this package (`src/sql/migrations/NNNN_name.sql`). */
export interface Migration {
  /** Its number, from 1 without gaps: the order of application. */
  version: number;
  /** The file name's part after the number, e.g. `platform_schema`. */
  name: string;
  /** The SQL script. */
  sql: string;
  /** SHA-256 (hex) of the script with CRLF read as LF; an applied migration must keep it. */
  checksum: string;
}

/** A migration as recorded in the database's `trend_storage_migrations` table. */
export interface AppliedMigration {
  /** Its number. */
  version: number;
  /** Its name, as in the file name. */
  name: string;
  /** The checksum of its script when it was applied. */
  checksum: string;
  /** When it was applied (the database's clock). */
  appliedAt: Date;
}

export const MIGRATIONS_TABLE = 'trend_storage_migrations';
// Any constant works; it only has to be the same for every process migrating this database.
const LOCK_KEY = 7_311_862_004;
const FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;
const DEFAULT_DIR = new URL('./migrations/', import.meta.url);

export function checksum(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex');
}

/** The migration files, in version order. */
export function loadMigrations(dir: URL = DEFAULT_DIR): Migration[] {
  const migrations = readdirSync(dir)
    .flatMap((file) => {
      const match = FILE.exec(file);
      if (!match) return [];
      const sql = readFileSync(new URL(file, dir), 'utf8');
      return [{ version: Number(match[1]), name: match[2]!, sql, checksum: checksum(sql) }];
    })
    .sort((a, b) => a.version - b.version);
  migrations.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new MigrationError(
        `migration versions must run 1..n without gaps; found ${m.version} at position ${i + 1}`,
      );
  });
  return migrations;
}

export const TRACKING_TABLE_SQL = `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
  version integer PRIMARY KEY,
  name text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/** What the tracking table says, without creating it: a role without DDL rights can read it. */
async function readApplied(db: Executor): Promise<AppliedMigration[]> {
  const [exists] = await db.query<{ found: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS found`, [
    MIGRATIONS_TABLE,
  ]);
  if (!exists!.found) return [];
  const rows = await db.query<{ version: number; name: string; checksum: string; applied_at: Date }>(
    `SELECT version, name, checksum, applied_at FROM ${MIGRATIONS_TABLE} ORDER BY version`,
  );
  return rows.map((r) => ({
    version: r.version,
    name: r.name,
    checksum: r.checksum,
    appliedAt: r.applied_at,
  }));
}

/** Refuses a database whose applied migrations differ from the files (edited, renamed, or unknown). */
function verify(applied: AppliedMigration[], migrations: Migration[]): void {
  for (const a of applied) {
    const m = migrations[a.version - 1];
    if (!m) {
      throw new MigrationError(
        `database has migration ${a.version} (${a.name}) that this version of trend-storage does not know; upgrade trend-storage`,
      );
    }
    if (m.checksum !== a.checksum || m.name !== a.name) {
      throw new MigrationError(
        `migration ${a.version} (${a.name}) was changed after it was applied (checksum ${a.checksum.slice(0, 12)} in the database, ${m.checksum.slice(0, 12)} in ${String(m.version).padStart(4, '0')}_${m.name}.sql); write a new migration instead`,
      );
    }
  }
}

/** Where a database stands against this package's migrations. */
export interface MigrationStatus {
  /** Recorded in the database, in version order. */
  applied: AppliedMigration[];
  /** Not applied yet, in the order they will be. */
  pending: Migration[];
}

async function lockAndRead(tx: Executor): Promise<AppliedMigration[]> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
  await tx.query(TRACKING_TABLE_SQL);
  return readApplied(tx);
}

/**
 * Applied and pending migrations. Reads only: needs no privilege beyond SELECT. A database whose
 * applied migrations differ from the files (edited, renamed, or newer than this package) is a
 * MigrationError.
 *
 * @example
 * ```ts
 * const { applied, pending } = await migrationStatus(storage.db);
 * console.log(`schema version ${applied.length}, ${pending.length} pending`);
 * ```
 */
export async function migrationStatus(
  db: Executor,
  { migrations = loadMigrations() }: { migrations?: Migration[] } = {},
): Promise<MigrationStatus> {
  const applied = await readApplied(db);
  verify(applied, migrations);
  return { applied, pending: migrations.slice(applied.length) };
}

/**
 * Applies pending migrations, each in its own transaction under an advisory lock, so that
 * processes migrating at once are serialised and end with one schema. Returns what it applied.
 * `onApply` is called after each; `migrations` replaces this package's files (for tests). A
 * database whose applied migrations differ from the files is a MigrationError, and nothing runs.
 *
 * @example
 * ```ts
 * const applied = await migrate(storage.db, {
 *   onApply: (m) => console.log(`applied ${m.version} ${m.name}`),
 * });
 * ```
 */
export async function migrate(
  db: Executor,
  options: { migrations?: Migration[]; onApply?: (m: Migration) => void } = {},
): Promise<Migration[]> {
  const migrations = options.migrations ?? loadMigrations();
  const { pending } = await migrationStatus(db, { migrations });
  const done: Migration[] = [];
  for (const m of pending) {
    const appliedNow = await db.transaction(async (tx) => {
      const applied = await lockAndRead(tx);
      verify(applied, migrations);
      if (applied.some((a) => a.version === m.version)) return false; // another process got there first
      await tx.exec(m.sql);
      await tx.query(`INSERT INTO ${MIGRATIONS_TABLE} (version, name, checksum) VALUES ($1, $2, $3)`, [
        m.version,
        m.name,
        m.checksum,
      ]);
      return true;
    });
    if (appliedNow) {
      done.push(m);
      options.onApply?.(m);
    }
  }
  return done;
}
