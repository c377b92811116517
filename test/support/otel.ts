// The real OpenTelemetry SDK, registered globally for one test file (each file runs in its own
// process): spans to an in-memory exporter, metrics through a reader to an in-memory exporter.
import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  type DataPoint,
  InMemoryMetricExporter,
  MeterProvider,
  type MetricData,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';

export interface Otel {
  /** Spans ended since the last reset. */
  spans(): ReadableSpan[];
  reset(): void;
  /** Every metric as a reader collects it now (cumulative). */
  collect(): Promise<MetricData[]>;
  /** Takes the SDK out of the global API (as if none were registered), exporters kept. */
  unregister(): void;
  /** Registers it again. */
  register(): void;
  shutdown(): Promise<void>;
}

export function registerOtel(): Otel {
  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  // Exports only when asked (forceFlush): an hour is longer than any test file.
  const reader = new PeriodicExportingMetricReader({
    exporter: metricExporter,
    exportIntervalMillis: 3_600_000,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const contextManager = new AsyncLocalStorageContextManager();
  const register = () => {
    context.setGlobalContextManager(contextManager.enable());
    trace.setGlobalTracerProvider(tracerProvider);
    metrics.setGlobalMeterProvider(meterProvider);
  };
  const unregister = () => {
    trace.disable();
    metrics.disable();
    context.disable();
  };
  register();
  return {
    register,
    unregister,
    spans: () => spanExporter.getFinishedSpans(),
    reset: () => spanExporter.reset(),
    async collect() {
      metricExporter.reset();
      await reader.forceFlush();
      return metricExporter.getMetrics().flatMap((rm) => rm.scopeMetrics.flatMap((s) => s.metrics));
    },
    async shutdown() {
      unregister();
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

/** The data points of metric `name` whose attributes include `match`. */
export function points(
  all: MetricData[],
  name: string,
  match: Record<string, unknown> = {},
): DataPoint<unknown>[] {
  const metric = all.find((m) => m.descriptor.name === name);
  return ((metric?.dataPoints ?? []) as DataPoint<unknown>[]).filter((p) =>
    Object.entries(match).every(([k, v]) => p.attributes[k] === v),
  );
}

/** The one finished span named `name` (fails when there are none or several). */
export function only(spans: ReadableSpan[], name: string): ReadableSpan {
  const found = spans.filter((s) => s.name === name);
  if (found.length !== 1) {
    throw new Error(
      `expected one ${name} span, found ${found.length} among ${spans.map((s) => s.name).join(', ')}`,
    );
  }
  return found[0]!;
}

/** Whether `child` was started under `parent`. */
export const isChildOf = (child: ReadableSpan, parent: ReadableSpan) =>
  child.parentSpanContext?.spanId === parent.spanContext().spanId &&
  child.spanContext().traceId === parent.spanContext().traceId;
