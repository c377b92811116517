// Which vector engines the vector contract runs on. Each prints one SKIPPED line when it cannot run.
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { describe } from 'vitest';
import { validate } from '../../src/domain/validate.js';
import type { Database } from '../../src/sql/executor.js';
import { migrate } from '../../src/sql/migrate.js';
import { PGliteDatabase } from '../../src/sql/pglite.js';
import { PgVectorRepository } from '../../src/vector/pgvector.js';
import { QdrantVectorRepository } from '../../src/vector/qdrant.js';
import {
  type CollectionOptions,
  collectionOptionsSchema,
  type VectorRepository,
} from '../../src/vector/types.js';
import { createServerDatabase, openServerDatabase, SERVER_URL } from './engines.js';

export interface VectorEngine {
  name: string;
  /** Opens the engine once per suite; `repo` makes a repository for a collection. */
  open(): Promise<{ repo(c: CollectionOptions): VectorRepository; dispose(): Promise<void> }>;
}

const QDRANT_URL = process.env.TREND_TEST_QDRANT_URL;

function pgvector(db: Database) {
  return (c: CollectionOptions) =>
    new PgVectorRepository(db, validate(collectionOptionsSchema, c), { indexThreshold: 0 });
}

const inProcess: VectorEngine = {
  name: 'pgvector/pglite',
  async open() {
    const db = await PGliteDatabase.open({ extensions: { vector } });
    await migrate(db);
    return { repo: pgvector(db), dispose: () => db.close() };
  },
};

/** The server code path (`pg` driver, wire protocol) against PGlite's real pgvector. */
const overWire: VectorEngine = {
  name: 'pgvector/pg-wire→pglite',
  async open() {
    const pglite = await PGlite.create({ extensions: { vector } });
    const server = new PGLiteSocketServer({ db: pglite, port: 0, host: '127.0.0.1', maxConnections: 1 });
    await server.start();
    const [host, port] = server.getServerConn().split(':');
    const db = await openServerDatabase(`postgres://postgres@${host}:${port}/postgres`, 1);
    await migrate(db);
    return {
      repo: pgvector(db),
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
  async open() {
    const { url, drop } = await createServerDatabase();
    const db = await openServerDatabase(url, 4);
    await migrate(db);
    return {
      repo: pgvector(db),
      async dispose() {
        await db.close();
        await drop();
      },
    };
  },
};

const qdrant: VectorEngine = {
  name: 'qdrant',
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

/** Whether the server has pgvector: CREATE EXTENSION in a throwaway database. */
async function serverHasPgvector(): Promise<boolean> {
  const { url, drop } = await createServerDatabase();
  const db = await openServerDatabase(url, 1);
  try {
    await db.query('CREATE EXTENSION vector');
    return true;
  } catch {
    return false;
  } finally {
    await db.close();
    await drop();
  }
}

export async function vectorEngines(): Promise<VectorEngine[]> {
  const engines = [inProcess, overWire];
  if (!SERVER_URL)
    console.log('SKIPPED: vector contract [pgvector/postgres-server] — TREND_TEST_DATABASE_URL is not set');
  else if (await serverHasPgvector()) engines.push(onServer);
  else
    console.log(
      'SKIPPED: vector contract [pgvector/postgres-server] — CREATE EXTENSION vector fails on that server',
    );
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
