import pg from 'pg';
import { mapDriverError } from './errors.js';
import {
  backoff,
  type Database,
  type Executor,
  MAX_ATTEMPTS,
  RETRYABLE_CODES,
  type Row,
} from './executor.js';

export interface PgOptions {
  host: string;
  port: number;
  database: string;
  user: string;
  password?: string | undefined;
  /** false, true (verify the certificate), or node TLS options. */
  ssl?: boolean | { rejectUnauthorized?: boolean; ca?: string } | undefined;
  poolMin: number;
  poolMax: number;
  connectTimeoutMs: number;
  /** 0 disables the server-side statement timeout. */
  statementTimeoutMs: number;
  idleTimeoutMs: number;
  applicationName: string;
}

const TX_STATEMENT = /^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)/i;

function isRetryable(err: unknown): boolean {
  return RETRYABLE_CODES.has(mapDriverError(err).code ?? '');
}

/** Executor over one checked-out client, inside a transaction. */
class ClientExecutor implements Executor {
  readonly engine = 'postgres' as const;
  #savepoints = 0;

  constructor(readonly client: pg.PoolClient) {}

  async query<T extends Row = Row>(text: string, params?: readonly unknown[]): Promise<T[]> {
    try {
      const result = await this.client.query<T>(text, params as unknown[] | undefined);
      return result.rows;
    } catch (err) {
      throw mapDriverError(err);
    }
  }

  async exec(script: string): Promise<void> {
    await this.query(script);
  }

  async transaction<R>(fn: (tx: Executor) => Promise<R>): Promise<R> {
    const name = `sp_${++this.#savepoints}`;
    await this.query(`SAVEPOINT ${name}`);
    try {
      const result = await fn(this);
      await this.query(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (err) {
      await this.query(`ROLLBACK TO SAVEPOINT ${name}`).catch(() => undefined);
      throw err;
    }
  }
}

/** A PostgreSQL server through a `pg` pool. */
export class PgDatabase implements Database {
  readonly engine = 'postgres' as const;
  readonly target: string;

  private constructor(
    readonly pool: pg.Pool,
    target: string,
  ) {
    this.target = target;
  }

  static async open(options: PgOptions): Promise<PgDatabase> {
    const target = `postgres://${options.user}@${options.host}:${options.port}/${options.database}`;
    const pool = new pg.Pool({
      host: options.host,
      port: options.port,
      database: options.database,
      user: options.user,
      password: options.password,
      ssl: options.ssl,
      min: options.poolMin,
      max: options.poolMax,
      connectionTimeoutMillis: options.connectTimeoutMs,
      idleTimeoutMillis: options.idleTimeoutMs,
      statement_timeout: options.statementTimeoutMs || undefined,
      application_name: options.applicationName,
      keepAlive: true,
    });
    // An idle client whose server went away emits 'error' on the pool; the pool drops it.
    // Without a listener Node would crash the process.
    pool.on('error', () => undefined);
    const db = new PgDatabase(pool, target);
    try {
      await pool.query('SELECT 1');
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw mapDriverError(err, `could not connect to ${target}`);
    }
    return db;
  }

  async query<T extends Row = Row>(text: string, params?: readonly unknown[]): Promise<T[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.pool.query<T>(text, params as unknown[] | undefined);
        return result.rows;
      } catch (err) {
        // A single statement that lost a deadlock was rolled back whole: running it again is safe.
        if (attempt < MAX_ATTEMPTS && isRetryable(err) && !TX_STATEMENT.test(text)) {
          await backoff(attempt);
          continue;
        }
        throw mapDriverError(err);
      }
    }
  }

  async exec(script: string): Promise<void> {
    await this.query(script);
  }

  async transaction<R>(fn: (tx: Executor) => Promise<R>): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      let client: pg.PoolClient;
      try {
        client = await this.pool.connect();
      } catch (err) {
        throw mapDriverError(err, `could not connect to ${this.target}`);
      }
      let broken: Error | undefined;
      try {
        const tx = new ClientExecutor(client);
        await tx.query('BEGIN');
        try {
          const result = await fn(tx);
          await tx.query('COMMIT');
          return result;
        } catch (err) {
          await tx.query('ROLLBACK').catch((rollbackErr: unknown) => {
            // A client that cannot even roll back is dead: destroy it instead of reusing it.
            broken = rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr));
          });
          throw err;
        }
      } catch (err) {
        if (attempt < MAX_ATTEMPTS && isRetryable(err)) {
          await backoff(attempt);
          continue;
        }
        throw mapDriverError(err);
      } finally {
        client.release(broken);
      }
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
