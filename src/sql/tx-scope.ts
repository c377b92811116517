// Which transaction a call belongs to, on both engines. Code running inside a `transaction()`
// callback joins that transaction whichever handle it calls — the `tx` it was given or the outer
// database — so the engines agree: PGlite (one connection) must work this way to avoid waiting on
// itself, and a pool must too, or the outer handle would silently autocommit on another connection.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Executor } from './executor.js';

interface TxState {
  done: boolean;
  savepoints: number;
}

export interface TxScope {
  /** The database the transaction belongs to: a scope never leaks into another database. */
  readonly owner: object;
  /** Runs statements on the transaction's connection. */
  readonly executor: Executor;
  readonly state: TxState;
  /** Nested transactions of this scope run one at a time (see `savepoint`). */
  tail: Promise<unknown>;
}

const scopes = new AsyncLocalStorage<TxScope>();

/** The open transaction of `owner` that the calling code runs inside, if any. */
export function activeScope(owner: object): TxScope | undefined {
  const scope = scopes.getStore();
  return scope && scope.owner === owner && !scope.state.done ? scope : undefined;
}

/** Runs `fn` as the body of a new top-level transaction of `owner`; the scope closes with it. */
export async function inNewScope<R>(
  owner: object,
  executor: Executor,
  fn: (scope: TxScope) => Promise<R>,
): Promise<R> {
  const scope: TxScope = { owner, executor, state: { done: false, savepoints: 0 }, tail: Promise.resolve() };
  try {
    return await scopes.run(scope, () => fn(scope));
  } finally {
    // Work the callback left running (not awaited) goes to the database as ordinary calls.
    scope.state.done = true;
  }
}

/**
 * A nested transaction as a savepoint. Savepoints of one connection form a stack: rolling back to
 * one destroys those made after it, so two nested transactions running side by side (Promise.all)
 * would break each other. They are queued per scope instead; a savepoint's own nested
 * transactions get a queue of their own, so they do not wait on their parent.
 */
export function savepoint<R>(scope: TxScope, fn: () => Promise<R>): Promise<R> {
  const run = scope.tail.then(() => {
    const inner: TxScope = { ...scope, tail: Promise.resolve() };
    return scopes.run(inner, async () => {
      const name = `sp_${++scope.state.savepoints}`;
      await scope.executor.query(`SAVEPOINT ${name}`);
      try {
        const result = await fn();
        await scope.executor.query(`RELEASE SAVEPOINT ${name}`);
        return result;
      } catch (err) {
        await scope.executor.query(`ROLLBACK TO SAVEPOINT ${name}`).catch(() => undefined);
        throw err;
      }
    });
  });
  scope.tail = run.catch(() => undefined);
  return run;
}
