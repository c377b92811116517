// How hostile.test.ts runs a generated case against a real engine and judges the outcome.
import { expect } from 'vitest';
import { ValidationError } from '../../src/domain/errors.js';
import type { Executor, Row } from '../../src/sql/executor.js';
import { createStorage, type Storage } from '../../src/storage.js';
import { createServerDatabase, SERVER_URL } from './engines.js';
import { brief, fieldName, type Path } from './hostile-gen.js';

/** Passes everything through, counting the statements sent (inside transactions too). */
export class Counting implements Executor {
  constructor(
    private readonly inner: Executor,
    readonly sent: { n: number },
  ) {}

  get engine() {
    return this.inner.engine;
  }

  query<T extends Row = Row>(text: string, params?: readonly unknown[]): Promise<T[]> {
    this.sent.n++;
    return this.inner.query<T>(text, params);
  }

  exec(script: string): Promise<void> {
    this.sent.n++;
    return this.inner.exec(script);
  }

  // Forwarded as given, whatever shape the Executor's copyIn takes.
  copyIn(...args: Parameters<Executor['copyIn']>): Promise<void> {
    this.sent.n++;
    return this.inner.copyIn(...args);
  }

  transaction<R>(fn: (tx: Executor) => Promise<R>): Promise<R> {
    return this.inner.transaction((tx) => fn(new Counting(tx, this.sent)));
  }
}

/** Per interface: how many calls of each verdict ran, and what the valid ones sent to the engine. */
export class Tally {
  valid = 0;
  invalid = 0;
  /** Valid calls that succeeded (a valid call that fails fails the test). */
  succeeded = 0;
  /** Invalid calls refused as they must be: ValidationError naming the field, nothing sent. */
  refused = 0;
  /** Statements the valid calls sent (SQL engines). */
  statements = 0;
  readonly extremes = new Set<string>();
  readonly faults = new Set<string>();

  line(engine: string, iface: string, sql = true): string {
    const n = (x: number) => x.toLocaleString('en');
    const sent = sql ? `, ${n(this.statements)} statements sent` : '';
    const nothing = sql ? 'nothing sent' : 'nothing stored';
    return `hostile input [${engine}] ${iface}: ${n(this.valid)} valid calls (${n(this.succeeded)} succeeded${sent}), ${n(this.invalid)} invalid calls (${n(this.refused)} refused with a ValidationError naming the field, ${nothing})`;
  }
}

export interface Expect {
  /** The field the ValidationError must name, e.g. `items[3].title`. */
  field: Path;
  kind: string;
  /** An unknown key: the error names the object holding it, and its rule names the key. */
  key?: string;
  /**
   * Vector filters: the library may name the whole filter instead (`orField`), or a member
   * inside the faulty condition (`filter.and[0].not.and` for a bad `{and: []}` there).
   */
  orField?: string;
}

/**
 * Runs a call whose input is valid: it must succeed, and must reach the engine (`mustSend`
 * statements or more, where there is a statement counter).
 */
export async function valid<T>(
  tally: Tally,
  what: string,
  call: () => Promise<T>,
  o: { sent?: { n: number }; mustSend?: number; extreme?: string; input?: unknown } = {},
): Promise<T> {
  tally.valid++;
  const before = o.sent?.n ?? 0;
  let result: T;
  try {
    result = await call();
  } catch (err) {
    const e = err as ValidationError;
    throw new Error(
      `${what}: a valid input was refused with ${e?.name} ${e?.field !== undefined ? `(field "${e.field}") ` : ''}${e?.message}\ninput: ${brief(o.input)}`,
      { cause: err },
    );
  }
  if (o.sent) {
    const sent = o.sent.n - before;
    expect(sent, `${what}: a valid call must reach the engine`).toBeGreaterThanOrEqual(o.mustSend ?? 1);
    tally.statements += sent;
  }
  tally.succeeded++;
  if (o.extreme) tally.extremes.add(o.extreme);
  return result;
}

/**
 * Runs a call whose input has one known fault: it must fail with this library's ValidationError
 * naming that field, before a single statement is sent.
 */
export async function invalid(
  tally: Tally,
  what: string,
  call: () => Promise<unknown>,
  want: Expect,
  o: { sent?: { n: number }; input?: unknown; plainPaths?: boolean } = {},
): Promise<void> {
  tally.invalid++;
  const before = o.sent?.n ?? 0;
  // A key that is not an identifier is written `metadata["a b"]` (JSON-escaped); the cache still
  // writes it as it is (`entries.a b`, a known inconsistency), so its calls pass `plainPaths`.
  const field = fieldName(want.field);
  const spellings = new Set(o.plainPaths ? [field, fieldName(want.field, true)] : [field]);
  let err: unknown;
  try {
    await call();
  } catch (e) {
    err = e;
  }
  const where = `${what}: ${want.kind} at "${field}"\ninput: ${brief(o.input)}`;
  if (err === undefined) throw new Error(`${where}\nwas accepted`);
  if (!(err instanceof ValidationError)) {
    throw new Error(
      `${where}\nfailed with ${(err as Error)?.name}: ${(err as Error)?.message}, not a ValidationError`,
      { cause: err },
    );
  }
  const named =
    spellings.has(err.field) ||
    (want.orField !== undefined &&
      (err.field === want.orField || err.field.startsWith(`${field}.`) || err.field.startsWith(`${field}[`)));
  if (want.key !== undefined) {
    expect(
      spellings.has(err.field),
      `${where}\nunknown key: the error names its object, not "${err.field}"`,
    ).toBe(true);
    expect(err.rule, `${where}\nunknown key: the rule names the key`).toContain(want.key);
  } else if (!named) {
    throw new Error(`${where}\nthe ValidationError names "${err.field}" (${err.rule})`, { cause: err });
  }
  if (o.sent) expect(o.sent.n - before, `${where}\nrefused input must send nothing`).toBe(0);
  tally.refused++;
  tally.faults.add(want.kind);
}

/** Every extreme and fault of a model met at least once, so no generator silently stops reaching them. */
export function expectCovered(tally: Tally, extremes: string[], faults: string[]): void {
  expect(
    [...new Set(extremes)].filter((e) => !tally.extremes.has(e)),
    'extremes never exercised',
  ).toEqual([]);
  expect(
    [...new Set(faults)].filter((f) => !tally.faults.has(f)),
    'faults never exercised',
  ).toEqual([]);
}

export interface HostileEngine {
  name: 'pglite' | 'postgres';
  open(): Promise<{ storage: Storage; dispose(): Promise<void> }>;
}

const options = { redis: false as const, env: {} };

export const pgliteEngine: HostileEngine = {
  name: 'pglite',
  async open() {
    const storage = await createStorage({ ...options, dataDir: null });
    return { storage, dispose: () => storage.close() };
  },
};

export const postgresEngine: HostileEngine = {
  name: 'postgres',
  async open() {
    const { url, drop } = await createServerDatabase();
    const storage = await createStorage({
      ...options,
      databaseUrl: url,
      postgres: { poolMin: 0, poolMax: 4 },
    });
    return {
      storage,
      async dispose() {
        await storage.close();
        await drop();
      },
    };
  },
};

export const SQL_ENGINES: HostileEngine[] = SERVER_URL ? [pgliteEngine, postgresEngine] : [pgliteEngine];

/** Why pgvector cannot be used on this database, or null when it can. */
export async function pgvectorMissing(db: Executor): Promise<string | null> {
  try {
    await db.query('CREATE EXTENSION IF NOT EXISTS vector');
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
