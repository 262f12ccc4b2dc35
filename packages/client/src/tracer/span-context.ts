import { SpanContext } from 'opentracing';
import { FLAG_DEBUG, FLAG_SAMPLED, jaegerTraceIdString, type SpanId, type TraceId } from '@skein/model';

export interface SpanContextFields {
  /** 32 lowercase hex characters; '' for a context that only carries baggage or a debug ID. */
  traceId: TraceId;
  /** 16 lowercase hex characters; '' with an empty trace ID. */
  spanId: SpanId;
  parentId?: SpanId;
  /** Jaeger flags: bit 0 sampled, bit 1 debug. */
  flags: number;
  baggage?: ReadonlyMap<string, string>;
  /** W3C `tracestate`, passed on unchanged to children and downstream calls. */
  traceState?: string;
  /** A `jaeger-debug-id` header found without a trace: the next root span is forced to be sampled. */
  debugId?: string;
}

const NO_BAGGAGE: ReadonlyMap<string, string> = new Map();

/** What crosses process boundaries: trace and span ID, sampling flags, baggage. */
export class JaegerSpanContext extends SpanContext {
  readonly traceId: TraceId;
  readonly spanId: SpanId;
  readonly parentId: SpanId | undefined;
  readonly baggage: ReadonlyMap<string, string>;
  readonly traceState: string | undefined;
  readonly debugId: string | undefined;
  #flags: number;

  constructor(fields: SpanContextFields) {
    super();
    this.traceId = fields.traceId;
    this.spanId = fields.spanId;
    this.parentId = fields.parentId;
    this.#flags = fields.flags;
    this.baggage = fields.baggage ?? NO_BAGGAGE;
    this.traceState = fields.traceState;
    this.debugId = fields.debugId;
  }

  get flags(): number {
    return this.#flags;
  }

  get sampled(): boolean {
    return (this.#flags & FLAG_SAMPLED) !== 0;
  }

  get debug(): boolean {
    return (this.#flags & FLAG_DEBUG) !== 0;
  }

  /** False for a baggage-only context: it can seed a new trace but is not a parent. */
  get isValid(): boolean {
    return this.traceId !== '' && this.spanId !== '';
  }

  /** Jaeger's form: 16 characters when the high 64 bits are zero, otherwise 32. */
  override toTraceId(): string {
    return this.traceId === '' ? '' : jaegerTraceIdString(this.traceId);
  }

  override toSpanId(): string {
    return this.spanId;
  }

  /** The same context with one more baggage item (contexts are shared with children, so never mutated). */
  withBaggageItem(key: string, value: string): JaegerSpanContext {
    const baggage = new Map(this.baggage);
    baggage.set(key, value);
    return new JaegerSpanContext({ ...this.#fields(), baggage });
  }

  /** Changes the sampling flags: only the span owning this context does this (sampling.priority). */
  setFlags(flags: number): void {
    this.#flags = flags;
  }

  #fields(): SpanContextFields {
    const fields: SpanContextFields = {
      traceId: this.traceId,
      spanId: this.spanId,
      flags: this.#flags,
      baggage: this.baggage,
    };
    if (this.parentId !== undefined) fields.parentId = this.parentId;
    if (this.traceState !== undefined) fields.traceState = this.traceState;
    if (this.debugId !== undefined) fields.debugId = this.debugId;
    return fields;
  }
}
