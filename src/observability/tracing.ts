// The one instrumentation seam: a wrapper around a repository, the cache, a vector store or the
// executor that gives every public method a span named `<area>.<method>` and a point of
// db.client.operation.duration. It wraps whatever methods the object has, so a method added to a
// repository later is traced without a line here. The wrapper inherits the object's prototype
// (instanceof holds) and calls the original on the object itself (its #private fields work).
//
// With no SDK registered a call costs one global read and one extra function call, which V8 inlines:
// no span, no clock, no allocation (the rest parameter goes through apply without being built).
import {
  type Attributes,
  type Context,
  context,
  ProxyTracerProvider,
  type Span,
  type SpanKind,
  SpanStatusCode,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { StorageError } from '../domain/errors.js';
import type { StatementEvent } from '../sql/executor.js';
import { activeInstruments, type Instruments } from './metrics.js';
import type { StatementText } from './redact.js';
import {
  ATTR_DB_OPERATION_BATCH_SIZE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_SUMMARY,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_RESPONSE_RETURNED_ROWS,
  ATTR_DB_RESPONSE_STATUS_CODE,
  ATTR_ERROR_TYPE,
  ATTR_STATEMENT_DURATION_MS,
  EVENT_STATEMENT,
  SCOPE,
} from './semconv.js';

/** What an area's spans are about: the system, where it is, and the span kind. */
export interface Target {
  /** Span kind: CLIENT for a server, INTERNAL for an in-process engine (PGlite, the memory cache). */
  kind: SpanKind;
  /** db.system.name, db.namespace, server.address, server.port, db.collection.name as known. */
  attributes: Attributes;
}

interface Operation {
  readonly name: string;
  readonly kind: SpanKind;
  /** On the span at its start and on each duration point. */
  readonly attributes: Attributes;
  /** Methods named *Batch / *Many take a batch first: its size goes on the span. */
  readonly batch: boolean;
  /** The attributes of one call, when its arguments change them (see CallAttributes). */
  readonly refine: CallAttributes | undefined;
}

/**
 * A method whose calls are not all about the same thing (describeCollection(name) on any vector
 * handle): its attributes for one call, from the operation's and the call's arguments.
 */
export type CallAttributes = (attributes: Attributes, args: readonly unknown[]) => Attributes;

type Method = (...args: unknown[]) => unknown;
const TARGET: unique symbol = Symbol('trend-storage.instrumented');
const OPERATIONS: unique symbol = Symbol('trend-storage.operations');

/** The span names a wrapped object produces (empty for one that is not wrapped): for docs and tests. */
export function operationsOf(wrapped: object): readonly string[] {
  return (wrapped as { [OPERATIONS]?: string[] })[OPERATIONS] ?? [];
}
interface Wrapper {
  [TARGET]: Record<PropertyKey, unknown>;
}

/**
 * Where every copy of @opentelemetry/api 1.x keeps what is registered (its GLOBAL_OPENTELEMETRY_API_KEY),
 * created by the first registration. Its absence is the fast path, read on every call: ~130 machine
 * instructions (an absent global is a dictionary lookup no inline cache can keep), ~4% of a
 * memory-cache get, nothing beside a round trip. The API's own getters decide once it exists.
 */
const REGISTRY = Symbol.for('opentelemetry.js.api.1');
const registry = globalThis as { [REGISTRY]?: { trace?: unknown; metrics?: unknown } };

/**
 * A call once something is registered with the API: traced when a tracer or meter provider is,
 * else passed through (a registered context manager or diag logger alone records nothing).
 */
function observed(
  op: Operation,
  target: unknown,
  fn: Method,
  args: unknown[],
  owner: Instrumentation,
): unknown {
  const api = registry[REGISTRY];
  if (api?.trace === undefined && api?.metrics === undefined) return fn.apply(target, args);
  const tracer = activeTracer();
  const instruments = activeInstruments();
  if (tracer === undefined && instruments === undefined) return fn.apply(target, args);
  return run(op, target, fn, args, tracer, instruments, owner);
}

const NOOP_TRACER_PROVIDER = new ProxyTracerProvider().getDelegate();
let tracerOwner: TracerProvider | undefined;
let tracer: Tracer | undefined;

/** The registered SDK's tracer; undefined while the API is the no-op (no SDK registered). */
export function activeTracer(): Tracer | undefined {
  let provider = trace.getTracerProvider();
  // The API registers its proxy as the global and the SDK behind it as the delegate.
  if (provider instanceof ProxyTracerProvider) provider = provider.getDelegate();
  if (provider === NOOP_TRACER_PROVIDER) return undefined;
  if (provider !== tracerOwner) {
    tracerOwner = provider;
    tracer = provider.getTracer(SCOPE);
  }
  return tracer;
}

const BATCH = /(?:Batch|Many)$/;

function batchSize(args: readonly unknown[]): number | undefined {
  const first = args[0];
  const n = Array.isArray(first)
    ? first.length
    : typeof first === 'object' && first !== null
      ? Object.keys(first).length
      : undefined;
  // OpenTelemetry: an operation is a batch from two on; the size is never 1.
  return n !== undefined && n >= 2 ? n : undefined;
}

/** error.type: the error's class name (StorageError kinds name themselves), `_OTHER` for a non-Error. */
export function errorType(err: unknown): string {
  if (!(err instanceof Error)) return '_OTHER';
  // `class MyAppError extends Error {}` keeps the inherited name 'Error': its constructor names it.
  const named = err.name === 'Error' ? (err.constructor as { name?: unknown } | undefined)?.name : err.name;
  return (typeof named === 'string' && named) || err.name || '_OTHER';
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}

function isAsyncIterable(v: unknown): v is AsyncIterable<unknown> {
  return typeof (v as { [Symbol.asyncIterator]?: unknown } | null)?.[Symbol.asyncIterator] === 'function';
}

/** Spans and duration points for one store's objects; statement text on spans when asked for. */
export class Instrumentation {
  /** Wrapper prototypes per class prototype and area: made once, shared by every wrapped instance. */
  readonly #protos = new WeakMap<object, Map<string, object>>();
  /** Statement texts seen under each live operation span, for its db.query.text. */
  readonly #statements = new WeakMap<Span, Set<string>>();

  constructor(private readonly statementText: StatementText | undefined) {}

  /**
   * `target` with every method traced as `<area>.<method>`, its type unchanged. Methods `skip`
   * picks are passed through untraced (synchronous accessors, close). `key` tells apart wrappers of
   * one class whose targets differ (two vector collections); `calls` gives the methods whose
   * attributes depend on their arguments.
   */
  wrap<T extends object>(
    target: T,
    area: string,
    on: Target,
    options: {
      skip?: (method: string) => boolean;
      key?: string;
      calls?: Readonly<Record<string, CallAttributes>>;
    } = {},
  ): T {
    const proto = Object.getPrototypeOf(target) as object | null;
    const plain = proto === null || proto === Object.prototype;
    const cacheKey = `${area}\0${options.key ?? ''}`;
    let byArea = plain ? undefined : this.#protos.get(proto);
    let wrapperProto = byArea?.get(cacheKey);
    if (!wrapperProto) {
      wrapperProto = this.#buildProto(target, area, on, options.skip ?? (() => false), options.calls ?? {});
      if (!plain) {
        byArea ??= new Map();
        byArea.set(cacheKey, wrapperProto);
        this.#protos.set(proto, byArea);
      }
    }
    const wrapper = Object.create(wrapperProto) as Wrapper;
    wrapper[TARGET] = target as unknown as Record<PropertyKey, unknown>;
    return wrapper as unknown as T;
  }

  /** `fn` traced as one operation (a function held by a plain object, such as `storage.transaction`). */
  wrapFunction<F extends (...args: never[]) => unknown>(fn: F, name: string, on: Target): F {
    const op = this.#operation(name, on);
    const call = fn as unknown as Method;
    const self = this;
    const traced = function (this: unknown, ...args: unknown[]) {
      if (registry[REGISTRY] === undefined) return call.apply(this, args);
      return observed(op, this, call, args, self);
    };
    Object.defineProperty(traced, OPERATIONS, { value: [name] });
    return traced as unknown as F;
  }

  #operation(name: string, on: Target, refine?: CallAttributes): Operation {
    return {
      name,
      kind: on.kind,
      attributes: { ...on.attributes, [ATTR_DB_OPERATION_NAME]: name, [ATTR_DB_QUERY_SUMMARY]: name },
      batch: BATCH.test(name),
      refine,
    };
  }

  #buildProto(
    sample: object,
    area: string,
    on: Target,
    skip: (method: string) => boolean,
    calls: Readonly<Record<string, CallAttributes>>,
  ): object {
    const proto = Object.getPrototypeOf(sample) as object | null;
    const wp = Object.create(proto) as Record<PropertyKey, unknown>;
    const seen = new Set<PropertyKey>();
    const forward = (key: PropertyKey) => {
      Object.defineProperty(wp, key, {
        get(this: Wrapper) {
          return this[TARGET][key];
        },
        set(this: Wrapper, v: unknown) {
          this[TARGET][key] = v;
        },
        configurable: true,
      });
    };
    const passThrough = (key: PropertyKey, fn: Method) => {
      wp[key] = function (this: Wrapper, ...args: unknown[]) {
        return fn.apply(this[TARGET], args);
      };
    };
    const operations: string[] = [];
    Object.defineProperty(wp, OPERATIONS, { value: operations });
    // A prototype's method is the same for every instance: taken once here, not looked up per call.
    const traced = (key: string, fn: Method) => {
      const op = this.#operation(`${area}.${key}`, on, Object.hasOwn(calls, key) ? calls[key] : undefined);
      operations.push(op.name);
      const self = this;
      wp[key] = function (this: Wrapper, ...args: unknown[]) {
        if (registry[REGISTRY] === undefined) return fn.apply(this[TARGET], args);
        return observed(op, this[TARGET], fn, args, self);
      };
    };
    const visit = (owner: object, own: boolean) => {
      for (const key of Reflect.ownKeys(owner)) {
        if (key === 'constructor' || seen.has(key)) continue;
        seen.add(key);
        const d = Object.getOwnPropertyDescriptor(owner, key)!;
        const method = typeof d.value === 'function' ? (d.value as Method) : undefined;
        // An instance's own fields, functions included (a private callback), are read through.
        if (!method || own) forward(key);
        else if (typeof key === 'symbol' || skip(key)) passThrough(key, method);
        else traced(key, method);
      }
    };
    // The instance's own fields (engine, config, client …) read through to the target.
    visit(sample, true);
    for (let p = proto; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
      visit(p, false);
    }
    return wp;
  }

  /** A statement ran: an event on the operation span it ran under, when statement text is on. */
  noteStatement(e: StatementEvent): void {
    if (!this.statementText) return;
    const span = trace.getActiveSpan();
    const seen = span && this.#statements.get(span);
    if (!span || !seen) return; // not under one of this store's operations
    const text = this.statementText.of(e.text);
    seen.add(text);
    span.addEvent(EVENT_STATEMENT, {
      [ATTR_DB_QUERY_TEXT]: text,
      [ATTR_STATEMENT_DURATION_MS]: e.durationMs,
      ...(e.rowCount !== null ? { [ATTR_DB_RESPONSE_RETURNED_ROWS]: e.rowCount } : {}),
      ...(e.error ? { [ATTR_ERROR_TYPE]: errorType(e.error) } : {}),
    });
  }

  /** @internal by run(): a span starts, and collects its statements when statement text is on. */
  started(span: Span): void {
    if (this.statementText && span.isRecording()) this.#statements.set(span, new Set());
  }

  /** @internal by run(): the statement texts a span saw, joined as OpenTelemetry joins a batch's. */
  statementsOf(span: Span): string | undefined {
    const texts = this.#statements.get(span);
    if (!texts?.size) return undefined;
    this.#statements.delete(span);
    // A statement's own closing semicolon would read `;;` once joined.
    return [...texts].map((t) => t.replace(/;\s*$/, '')).join('; ');
  }
}

/** One traced call: a span around it (active while it runs), a duration point when it settles. */
function run(
  op: Operation,
  target: unknown,
  fn: Method,
  args: unknown[],
  tracer: Tracer | undefined,
  instruments: Instruments | undefined,
  owner: Instrumentation,
): unknown {
  const started = performance.now();
  const callAttributes = op.refine ? op.refine(op.attributes, args) : op.attributes;
  let span: Span | undefined;
  let ctx: Context | undefined;
  if (tracer) {
    const parent = context.active();
    const size = op.batch ? batchSize(args) : undefined;
    span = tracer.startSpan(
      op.name,
      {
        kind: op.kind,
        attributes:
          size === undefined ? callAttributes : { ...callAttributes, [ATTR_DB_OPERATION_BATCH_SIZE]: size },
      },
      parent,
    );
    owner.started(span);
    ctx = trace.setSpan(parent, span);
  }
  const end = (failed: boolean, err?: unknown) => {
    const seconds = (performance.now() - started) / 1000;
    let attributes = callAttributes;
    if (failed) {
      const code = err instanceof StorageError ? err.code : undefined;
      const extra: Attributes = { [ATTR_ERROR_TYPE]: errorType(err) };
      if (code) extra[ATTR_DB_RESPONSE_STATUS_CODE] = code;
      attributes = { ...attributes, ...extra };
      // The message stays out: a driver's detail quotes row values ("Key (source_id)=(…) exists").
      span?.setAttributes(extra);
      span?.setStatus({
        code: SpanStatusCode.ERROR,
        message: code ? `${extra[ATTR_ERROR_TYPE]} ${code}` : String(extra[ATTR_ERROR_TYPE]),
      });
    }
    if (span) {
      const text = owner.statementsOf(span);
      if (text !== undefined) span.setAttribute(ATTR_DB_QUERY_TEXT, text);
      span.end();
    }
    instruments?.duration.record(seconds, attributes);
  };
  let result: unknown;
  try {
    result = ctx ? context.with(ctx, fn, target, ...args) : fn.apply(target, args);
  } catch (err) {
    end(true, err);
    throw err;
  }
  if (isThenable(result)) {
    return result.then(
      (value) => {
        end(false);
        return value;
      },
      (err: unknown) => {
        end(true, err);
        throw err;
      },
    );
  }
  if (isAsyncIterable(result)) return traceIteration(result, ctx, end);
  end(false);
  return result;
}

/** An async iterable (vectors.scroll) whose operation lasts until its iteration ends. */
function traceIteration(
  source: AsyncIterable<unknown>,
  ctx: Context | undefined,
  end: (failed: boolean, err?: unknown) => void,
): AsyncIterable<unknown> {
  let ended = false;
  const finish = (failed: boolean, err?: unknown) => {
    if (!ended) {
      ended = true;
      end(failed, err);
    }
  };
  return {
    [Symbol.asyncIterator]() {
      const it = source[Symbol.asyncIterator]();
      const step = (call: () => Promise<IteratorResult<unknown>>) => {
        const p = ctx ? context.with(ctx, call) : call();
        return p.then(
          (r) => {
            if (r.done) finish(false);
            return r;
          },
          (err: unknown) => {
            finish(true, err);
            throw err;
          },
        );
      };
      return {
        next: () => step(() => it.next()),
        return: (value?: unknown) => {
          finish(false);
          return it.return ? step(() => it.return!(value)) : Promise.resolve({ done: true as const, value });
        },
        throw: (err?: unknown) => step(() => (it.throw ? it.throw(err) : Promise.reject(err))),
      };
    },
  };
}
