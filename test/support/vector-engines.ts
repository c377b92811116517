// Which vector engines the vector suites run on. Each prints one SKIPPED line when it cannot run.
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { describe } from 'vitest';
import { validate } from '../../src/domain/validate.js';
import type { CopyTarget, Database, Executor, Row } from '../../src/sql/executor.js';
import { migrate } from '../../src/sql/migrate.js';
import { PGliteDatabase, PLATFORM_EXTENSIONS } from '../../src/sql/pglite.js';
import { type PgVectorOptions, PgVectorRepository } from '../../src/vector/pgvector.js';
import { QdrantVectorRepository } from '../../src/vector/qdrant.js';
import {
  type CollectionOptions,
  collectionNameSchema,
  collectionOptionsSchema,
  type VectorRepository,
} from '../../src/vector/types.js';
import { createServerDatabase, openServerDatabase, SERVER_URL } from './engines.js';

/** How one nearest-neighbour statement was answered: by walking an HNSW graph, or exactly. */
export type SearchPath = 'index' | 'exact';

/** What a pgvector engine can show about how its searches ran. */
export interface PlanProbe {
  /**
   * Runs `fn`, then explains every nearest-neighbour statement it sent, in order, as it was sent:
   * the same text, parameters and earlier statements of its transaction (the SET LOCALs).
   */
  trace<T>(fn: () => Promise<T>): Promise<{ result: T; paths: SearchPath[] }>;
  /** Gathers planner statistics for a collection's table, as a server's autovacuum would. */
  analyze(collection: string): Promise<void>;
}

export interface OpenVectorEngine {
  /** A repository for a collection; `options` tune the pgvector engine and are ignored by Qdrant. */
  repo(c: CollectionOptions, options?: PgVectorOptions): VectorRepository;
  /** Present on the pgvector engines. */
  plans?: PlanProbe;
  dispose(): Promise<void>;
}

export interface VectorEngine {
  name: string;
  /** Whether `open()` gives a PlanProbe. */
  explains: boolean;
  /** Opens the engine once per suite. */
  open(): Promise<OpenVectorEngine>;
}

const QDRANT_URL = process.env.TREND_TEST_QDRANT_URL;
/** Set by .ci/run once it has made sure the server has pgvector: a failing probe is then an error. */
const PGVECTOR_REQUIRED = process.env.TREND_TEST_PGVECTOR === 'required';

interface Statement {
  text: string;
  params: readonly unknown[] | undefined;
}

/** An executor that passes everything through and, while a trace runs, notes what was sent. */
class Tracing implements Executor {
  constructor(
    private readonly inner: Executor,
    private readonly log: () => Statement[][] | undefined,
    private readonly group?: Statement[],
  ) {}

  get engine() {
    return this.inner.engine;
  }

  #note(text: string, params?: readonly unknown[]): void {
    if (this.group) this.group.push({ text, params });
    else this.log()?.push([{ text, params }]);
  }

  query<T extends Row = Row>(text: string, params?: readonly unknown[]): Promise<T[]> {
    this.#note(text, params);
    return this.inner.query<T>(text, params);
  }

  exec(script: string): Promise<void> {
    this.#note(script);
    return this.inner.exec(script);
  }

  copyIn(target: CopyTarget, data: Uint8Array): Promise<void> {
    return this.inner.copyIn(target, data);
  }

  transaction<R>(fn: (tx: Executor) => Promise<R>): Promise<R> {
    if (this.group) return this.inner.transaction((tx) => fn(new Tracing(tx, this.log, this.group)));
    return this.inner.transaction((tx) => {
      // A deadlock or serialization failure runs `fn` again: a failed attempt is not kept.
      const group: Statement[] = [];
      const log = this.log();
      return fn(new Tracing(tx, this.log, group)).then((r) => {
        log?.push(group);
        return r;
      });
    });
  }
}

const NEAREST = /ORDER BY[\s\S]*(<=>|<->|<#>)/;

interface PlanNode {
  'Index Name'?: string;
  'Actual Rows'?: number;
  Plans?: PlanNode[];
}

function indexesScanned(node: PlanNode, found: string[] = []): string[] {
  if (node['Index Name'] && (node['Actual Rows'] ?? 0) > 0) found.push(node['Index Name']);
  for (const child of node.Plans ?? []) indexesScanned(child, found);
  return found;
}

class Rollback extends Error {}

function probe(db: Database, tracing: { log: Statement[][] | undefined }): PlanProbe {
  async function pathOf(group: Statement[], at: number): Promise<SearchPath> {
    let plan: PlanNode | undefined;
    await db
      .transaction(async (tx) => {
        for (const s of group.slice(0, at)) await tx.query(s.text, s.params);
        const s = group[at]!;
        const [row] = await tx.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(
          `EXPLAIN (ANALYZE, FORMAT JSON) ${s.text}`,
          s.params,
        );
        plan = row!['QUERY PLAN'][0]!.Plan;
        throw new Rollback(); // EXPLAIN ANALYZE ran the statements again: keep none of it
      })
      .catch((err: unknown) => {
        if (!(err instanceof Rollback)) throw err;
      });
    const scanned = indexesScanned(plan!);
    if (scanned.length === 0) return 'exact';
    const hnsw = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_class c JOIN pg_am a ON a.oid = c.relam
       WHERE c.relname = ANY($1::text[]) AND a.amname = 'hnsw'`,
      [scanned],
    );
    return hnsw[0]!.n > 0 ? 'index' : 'exact';
  }

  return {
    async trace(fn) {
      const log: Statement[][] = [];
      tracing.log = log;
      let result: Awaited<ReturnType<typeof fn>>;
      try {
        result = await fn();
      } finally {
        tracing.log = undefined;
      }
      const paths: SearchPath[] = [];
      for (const group of log) {
        for (const [at, s] of group.entries()) if (NEAREST.test(s.text)) paths.push(await pathOf(group, at));
      }
      return { result, paths };
    },
    async analyze(collection) {
      await db.query(`ANALYZE vec_${validate(collectionNameSchema, collection)}`);
    },
  };
}

/** pgvector repositories on `db`, building the HNSW index at creation unless told otherwise. */
function pgvector(db: Database): Pick<OpenVectorEngine, 'repo' | 'plans'> {
  const tracing: { log: Statement[][] | undefined } = { log: undefined };
  const traced = new Tracing(db, () => tracing.log);
  return {
    repo: (c, options = {}) =>
      new PgVectorRepository(traced, validate(collectionOptionsSchema, c), { indexThreshold: 0, ...options }),
    plans: probe(db, tracing),
  };
}

export const inProcess: VectorEngine = {
  name: 'pgvector/pglite',
  explains: true,
  async open() {
    const db = await PGliteDatabase.open({ extensions: { vector } });
    await migrate(db);
    return { ...pgvector(db), dispose: () => db.close() };
  },
};

/** The server code path (`pg` driver, wire protocol) against PGlite's real pgvector. */
const overWire: VectorEngine = {
  name: 'pgvector/pg-wire→pglite',
  explains: true,
  async open() {
    const pglite = await PGlite.create({ extensions: { ...PLATFORM_EXTENSIONS, vector } });
    const server = new PGLiteSocketServer({ db: pglite, port: 0, host: '127.0.0.1', maxConnections: 1 });
    await server.start();
    const [host, port] = server.getServerConn().split(':');
    const db = await openServerDatabase(`postgres://postgres@${host}:${port}/postgres`, 1);
    await migrate(db);
    return {
      ...pgvector(db),
      async dispose() {
        await db.close();
        await server.stop();
        await pglite.close();
      },
    };
  },
};

const onServer: VectorEngine = {
  name: 'pgvector/postgres-server',
  explains: true,
  async open() {
    const { url, drop } = await createServerDatabase();
    const db = await openServerDatabase(url, 4);
    await migrate(db);
    return {
      ...pgvector(db),
      async dispose() {
        await db.close();
        await drop();
      },
    };
  },
};

const qdrant: VectorEngine = {
  name: 'qdrant',
  explains: false,
  async open() {
    const prefix = `t${process.pid}_`;
    const made: VectorRepository[] = [];
    return {
      repo(c) {
        const r = new QdrantVectorRepository(
          validate(collectionOptionsSchema, { ...c, name: `${prefix}${c.name ?? 'trend_embeddings'}` }),
          {
            url: QDRANT_URL!,
          },
        );
        made.push(r);
        return r;
      },
      async dispose() {
        for (const r of made) await r.dropCollection().catch(() => undefined);
      },
    };
  },
};

/**
 * Why CREATE EXTENSION vector fails on the server, or null when it works: tried in a throwaway
 * database. A server that cannot be reached fails the caller.
 */
export async function serverLacksPgvector(): Promise<string | null> {
  const { url, drop } = await createServerDatabase();
  try {
    const db = await openServerDatabase(url, 1);
    try {
      await db.query('CREATE EXTENSION vector');
      return null;
    } catch (err) {
      return (err as Error).message;
    } finally {
      await db.close();
    }
  } finally {
    await drop();
  }
}

/**
 * Whether a server suite that needs pgvector can run: false (after one SKIPPED line naming `title`)
 * without a server URL or when the server cannot create the extension — unless .ci/run said it must.
 */
export async function serverHasPgvector(title: string): Promise<boolean> {
  if (!SERVER_URL) {
    console.log(`SKIPPED: ${title} — TREND_TEST_DATABASE_URL is not set`);
    return false;
  }
  const why = await serverLacksPgvector();
  if (why === null) {
    // The other half of the SKIPPED line: a CI log shows which way it went.
    console.log(`RUNS: ${title} — CREATE EXTENSION vector works on that server`);
    return true;
  }
  if (PGVECTOR_REQUIRED)
    throw new Error(`TREND_TEST_PGVECTOR=required, but CREATE EXTENSION vector fails on the server: ${why}`);
  console.log(`SKIPPED: ${title} — CREATE EXTENSION vector fails on that server (${why})`);
  return false;
}

/** The server engine when it can run, else nothing (and one SKIPPED line naming `title`). */
export async function serverVectorEngine(title: string): Promise<VectorEngine[]> {
  return (await serverHasPgvector(`${title} [${onServer.name}]`)) ? [onServer] : [];
}

export async function vectorEngines(): Promise<VectorEngine[]> {
  const engines = [inProcess, overWire, ...(await serverVectorEngine('vector contract'))];
  if (QDRANT_URL) engines.push(qdrant);
  else
    console.log(
      'SKIPPED: vector contract [qdrant] — TREND_TEST_QDRANT_URL is not set (no Qdrant server here)',
    );
  return engines;
}

export function describeEachVectorEngine(
  engines: VectorEngine[],
  title: string,
  suite: (e: VectorEngine) => void,
): void {
  describe.each(engines)(`${title} [$name]`, suite);
}
