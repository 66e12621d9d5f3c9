/**
 * OpenTelemetry tracing for the worker: a span per workflow run and per activity attempt (the activity's span is
 * a child of the workflow's scheduling span, carried in the activity's headers), exported over OTLP/HTTP or
 * printed to the console (worker/config.ts: OTEL_* variables).
 *
 * Interceptor generation: @temporalio/interceptors-opentelemetry 1.24.0 offers both the interceptors themselves
 * (OpenTelemetryActivityInboundInterceptor, the workflow `interceptors` module, `makeWorkflowExporter` for the
 * sink that carries workflow spans out of the sandbox) and the newer `OpenTelemetryPlugin`, which wires the same
 * pieces. We use the interceptors: the plugin is marked experimental in 1.24, and it only adds its workflow
 * interceptor module when the worker bundles from `workflowsPath`; with our prebuilt bundle the module has to be
 * put into `bundleWorkflowCode` by us anyway (worker/bundle.ts), so the plugin would hide half of the wiring and
 * not save the other half.
 *
 * The workflow interceptors are always in the bundle (one bundle whatever the environment says), so the
 * `exporter` sink is always registered; with tracing off it feeds a no-op processor and the spans are dropped.
 */
import { ROOT_CONTEXT, diag, DiagConsoleLogger, DiagLogLevel, type Context, type ContextManager } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  NoopSpanProcessor,
  SimpleSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  type OpenTelemetrySinks,
} from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { TracingConfig } from './config';

export interface Tracing {
  /** Activity interceptors (none when tracing is off). */
  activity: ActivityInterceptorsFactory[];
  /** The sink the bundled workflow interceptors send their spans to. */
  sinks: InjectedSinks<OpenTelemetrySinks>;
  /** Sends the spans still buffered; call once the worker has stopped. */
  shutdown(): Promise<void>;
}

/** Starts tracing as configured; with `exporter: 'none'` only the no-op sink. */
export function startTracing(cfg: TracingConfig): Tracing {
  if (cfg.exporter === 'none') {
    const resource = new Resource({ 'service.name': 'gst-download-worker' });
    return { activity: [], sinks: { exporter: makeWorkflowExporter(new NoopSpanProcessor(), resource) }, shutdown: async () => undefined };
  }
  // Exporter errors (collector down) are reported once per failure instead of silently dropped.
  diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.WARN);
  const resource = new Resource({ 'service.name': cfg.serviceName });
  const processor: SpanProcessor =
    cfg.exporter === 'console' ? new SimpleSpanProcessor(new ConsoleSpanExporter()) : new BatchSpanProcessor(new OTLPTraceExporter({ url: cfg.url }));
  // spanProcessors in the constructor: otherwise the provider also tries to build an exporter from OTEL_TRACES_EXPORTER
  const provider = new BasicTracerProvider({ resource, spanProcessors: [processor] });
  // The W3C trace-context propagator the activity interceptor reads the workflow's span from, and a context
  // manager: the interceptor makes that span the parent with context.with(), a no-op without one.
  provider.register({ contextManager: new AsyncContextManager() });
  const tracer = provider.getTracer('gst-download-worker');
  return {
    activity: [
      (ctx) => ({
        inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer }),
        outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
      }),
    ],
    sinks: { exporter: makeWorkflowExporter(processor, resource) },
    shutdown: () => provider.shutdown(),
  };
}

/**
 * The active OpenTelemetry context per async call chain (AsyncLocalStorage). OpenTelemetry's own is in
 * @opentelemetry/context-async-hooks, which is not a dependency; the activity span only needs `with` and `active`.
 */
class AsyncContextManager implements ContextManager {
  private readonly store = new AsyncLocalStorage<Context>();

  active(): Context {
    return this.store.getStore() ?? ROOT_CONTEXT;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(context: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    return this.store.run(context, () => fn.call(thisArg, ...args));
  }

  bind<T>(context: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const with_ = this.with.bind(this);
    const fn = target as (...a: unknown[]) => unknown;
    return function (this: unknown, ...args: unknown[]): unknown {
      return with_(context, fn, this, ...args);
    } as T;
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.store.disable();
    return this;
  }
}
