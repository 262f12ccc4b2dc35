import { AsyncLocalStorage } from 'node:async_hooks';
import {
  FORMAT_HTTP_HEADERS,
  FORMAT_TEXT_MAP,
  REFERENCE_CHILD_OF,
  Span,
  Tracer,
  type SpanContext,
  type SpanOptions,
} from 'opentracing';
import { FLAG_DEBUG, FLAG_SAMPLED, type KeyValue, type Process, type SpanRef } from '@skein/model';
import { ClientError } from '../errors.js';
import type { ClientMetrics } from '../metrics.js';
import {
  metadataWriter,
  readMetadata,
  readTextMap,
  textMapWriter,
  type Fields,
} from '../propagation/carrier.js';
import { JAEGER_DEBUG_ID } from '../propagation/jaeger.js';
import {
  DEFAULT_PROPAGATION,
  extractContext,
  injectContext,
  type PropagationFormat,
} from '../propagation/propagator.js';
import type { Reporter } from '../reporter/reporter.js';
import type { Sampler, SamplerTagValue } from '../sampling/sampler.js';
import { nowMicros, randomSpanId, randomTraceId } from './ids.js';
import { JaegerSpan } from './span.js';
import { JaegerSpanContext, type SpanContextFields } from './span-context.js';

/** Carrier format for @grpc/grpc-js `Metadata` (values URL-encoded like HTTP headers). */
export const FORMAT_GRPC_METADATA = 'grpc_metadata';

/** What initTracerFromEnv returns, enabled or not: an OpenTracing tracer with an async-context active span. */
export interface ClientTracer extends Tracer {
  readonly serviceName: string;
  /** The span `withSpan` made active in this async context, or null. */
  activeSpan(): Span | null;
  /** Runs `fn` with `span` active in its async context (also in callbacks and promises it starts). */
  withSpan<T>(span: Span, fn: () => T): T;
  /** Stops the sampler's polling and sends every finished span; resolves after the last send. */
  close(): Promise<void>;
}

export interface JaegerTracerOptions {
  /** Service name and process tags, sent with every batch: see createProcess(). */
  process: Process;
  reporter: Reporter;
  sampler: Sampler;
  /** 128-bit trace IDs (the default) or 64-bit ones. */
  traceId128bit?: boolean;
  /** Carrier formats, in extraction order (default: jaeger, then w3c). */
  propagation?: readonly PropagationFormat[];
  metrics?: ClientMetrics;
}

/** An OpenTracing tracer that samples, records and reports spans in Jaeger's model. */
export class JaegerTracer extends Tracer implements ClientTracer {
  readonly serviceName: string;
  readonly process: Process;
  readonly sampler: Sampler;
  readonly reporter: Reporter;
  readonly traceId128bit: boolean;
  readonly propagation: readonly PropagationFormat[];
  readonly #metrics: ClientMetrics | undefined;
  readonly #storage = new AsyncLocalStorage<Span>();
  #closed: Promise<void> | undefined;

  constructor(options: JaegerTracerOptions) {
    super();
    this.process = options.process;
    this.serviceName = options.process.serviceName;
    this.sampler = options.sampler;
    this.reporter = options.reporter;
    this.traceId128bit = options.traceId128bit ?? true;
    this.propagation = options.propagation ?? DEFAULT_PROPAGATION;
    this.#metrics = options.metrics;
  }

  override startSpan(name: string, options?: SpanOptions): JaegerSpan {
    return super.startSpan(name, options) as JaegerSpan;
  }

  override extract(format: string, carrier: unknown): JaegerSpanContext | null {
    return super.extract(format, carrier) as JaegerSpanContext | null;
  }

  activeSpan(): Span | null {
    return this.#storage.getStore() ?? null;
  }

  withSpan<T>(span: Span, fn: () => T): T {
    return this.#storage.run(span, fn);
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.sampler.close();
      await this.reporter.close();
    })();
    return this.#closed;
  }

  protected override _startSpan(name: string, fields: SpanOptions): JaegerSpan {
    const references: SpanRef[] = [];
    let parent: JaegerSpanContext | undefined;
    let parentIsChildOf = false;
    let seed: JaegerSpanContext | undefined;
    for (const ref of fields.references ?? []) {
      const ctx: SpanContext = ref.referencedContext();
      // Contexts of other tracers carry nothing this tracer can continue.
      if (!(ctx instanceof JaegerSpanContext)) continue;
      if (!ctx.isValid) {
        seed ??= ctx;
        continue;
      }
      const childOf = ref.type() === REFERENCE_CHILD_OF;
      references.push({
        refType: childOf ? 'CHILD_OF' : 'FOLLOWS_FROM',
        traceId: ctx.traceId,
        spanId: ctx.spanId,
      });
      if (parent === undefined || (childOf && !parentIsChildOf)) {
        parent = ctx;
        parentIsChildOf = childOf;
      }
    }

    let context: JaegerSpanContext;
    let samplerTags: Readonly<Record<string, SamplerTagValue>> | undefined;
    if (parent !== undefined) {
      const ctx: SpanContextFields = {
        traceId: parent.traceId,
        spanId: randomSpanId(),
        parentId: parent.spanId,
        flags: parent.flags,
        baggage: parent.baggage,
      };
      if (parent.traceState !== undefined) ctx.traceState = parent.traceState;
      context = new JaegerSpanContext(ctx);
    } else {
      const traceId = randomTraceId(this.traceId128bit);
      let flags: number;
      if (seed?.debugId !== undefined) {
        flags = FLAG_SAMPLED | FLAG_DEBUG;
        samplerTags = { [JAEGER_DEBUG_ID]: seed.debugId };
      } else {
        const decision = this.sampler.isSampled(traceId, name);
        flags = decision.sampled ? FLAG_SAMPLED : 0;
        if (decision.sampled) samplerTags = decision.tags;
      }
      // A root span's ID is its trace ID's low half, as in Jaeger's clients.
      const ctx: SpanContextFields = { traceId, spanId: traceId.slice(16), flags };
      if (seed !== undefined) ctx.baggage = seed.baggage;
      context = new JaegerSpanContext(ctx);
    }

    const span = new JaegerSpan({
      tracer: this,
      context,
      operationName: name,
      startTime: Number.isFinite(fields.startTime)
        ? Math.round((fields.startTime as number) * 1000)
        : nowMicros(),
      references,
      process: this.process,
      onFinish: (model) => {
        this.#metrics?.spansFinished.inc({ sampled: String(model !== undefined) });
        if (model !== undefined) this.reporter.report(model);
      },
    });
    if (samplerTags !== undefined) span.addKeyValues(samplerKeyValues(samplerTags));
    if (fields.tags !== undefined) span.addTags(fields.tags);
    this.#metrics?.spansStarted.inc({ sampled: String(span.context().sampled) });
    return span;
  }

  protected override _inject(spanContext: SpanContext, format: string, carrier: unknown): void {
    if (!(spanContext instanceof JaegerSpanContext)) return;
    const write = this.#writer(format, carrier);
    if (write === undefined) return;
    injectContext(spanContext, write, {
      formats: this.propagation,
      urlEncoding: format !== FORMAT_TEXT_MAP,
    });
  }

  protected override _extract(format: string, carrier: unknown): JaegerSpanContext | null {
    const fields = this.#fields(format, carrier);
    return extractContext(fields, { formats: this.propagation, urlEncoding: format !== FORMAT_TEXT_MAP });
  }

  #fields(format: string, carrier: unknown): Fields {
    if (format === FORMAT_HTTP_HEADERS || format === FORMAT_TEXT_MAP) return readTextMap(carrier);
    if (format === FORMAT_GRPC_METADATA) return readMetadata(carrier);
    throw unsupported(format);
  }

  #writer(format: string, carrier: unknown): ((name: string, value: string) => void) | undefined {
    if (format === FORMAT_HTTP_HEADERS || format === FORMAT_TEXT_MAP) return textMapWriter(carrier);
    if (format === FORMAT_GRPC_METADATA) return metadataWriter(carrier);
    throw unsupported(format);
  }
}

/** Sampler parameters are float64 whatever their value, as in Jaeger's clients (a rate of 1 is still a rate). */
function samplerKeyValues(tags: Readonly<Record<string, SamplerTagValue>>): KeyValue[] {
  return Object.entries(tags).map(([key, value]): KeyValue => {
    if (typeof value === 'number') return { key, type: 'float64', value };
    if (typeof value === 'boolean') return { key, type: 'bool', value };
    return { key, type: 'string', value };
  });
}

function unsupported(format: string): ClientError {
  return new ClientError(
    'UNSUPPORTED_FORMAT',
    `carrier format ${JSON.stringify(format)} is not supported: use FORMAT_HTTP_HEADERS, FORMAT_TEXT_MAP or FORMAT_GRPC_METADATA`,
  );
}
