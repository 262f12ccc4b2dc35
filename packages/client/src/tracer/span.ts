import { Span } from 'opentracing';
import {
  FLAG_DEBUG,
  FLAG_SAMPLED,
  type KeyValue,
  type Log,
  type Process,
  type Span as ModelSpan,
  type SpanRef,
} from '@skein/model';
import type { Tracer } from 'opentracing';
import { nowMicros } from './ids.js';
import type { JaegerSpanContext } from './span-context.js';
import { toKeyValue } from './tags.js';

/** OpenTracing's tag that forces (> 0) or suppresses (0) sampling of the trace from this span on. */
const SAMPLING_PRIORITY = 'sampling.priority';

export interface SpanInit {
  tracer: Tracer;
  context: JaegerSpanContext;
  operationName: string;
  /** Microseconds since the Unix epoch. */
  startTime: number;
  references: SpanRef[];
  /** The tracer's process, shared by all its spans. */
  process: Process;
  /** Called once, on finish, with the span in the model's form; undefined for a span not sampled. */
  onFinish: (model: ModelSpan | undefined) => void;
}

/** A span of a JaegerTracer. Tags and logs are only recorded while the span is sampled. */
export class JaegerSpan extends Span {
  readonly #tracer: Tracer;
  readonly #startTime: number;
  readonly #references: SpanRef[];
  readonly #process: Process;
  readonly #onFinish: SpanInit['onFinish'];
  #context: JaegerSpanContext;
  #operationName: string;
  #tags: KeyValue[] = [];
  #logs: Log[] = [];
  #duration: number | undefined;

  constructor(init: SpanInit) {
    super();
    this.#tracer = init.tracer;
    this.#context = init.context;
    this.#operationName = init.operationName;
    this.#startTime = init.startTime;
    this.#references = init.references;
    this.#process = init.process;
    this.#onFinish = init.onFinish;
  }

  get operationName(): string {
    return this.#operationName;
  }

  /** Microseconds since the Unix epoch. */
  get startTime(): number {
    return this.#startTime;
  }

  /** Microseconds; undefined until finished. */
  get duration(): number | undefined {
    return this.#duration;
  }

  get finished(): boolean {
    return this.#duration !== undefined;
  }

  /** Tags recorded so far (a copy). */
  get tags(): KeyValue[] {
    return [...this.#tags];
  }

  /** Logs recorded so far (a copy). */
  get logs(): Log[] {
    return [...this.#logs];
  }

  override context(): JaegerSpanContext {
    return this.#context;
  }

  /** Adds tags that already have their Jaeger type (OpenTracing's setTag infers it from the JS value). */
  addKeyValues(tags: readonly KeyValue[]): this {
    if (this.#context.sampled && this.#duration === undefined) this.#tags.push(...tags);
    return this;
  }

  protected override _context(): JaegerSpanContext {
    return this.#context;
  }

  protected override _tracer(): Tracer {
    return this.#tracer;
  }

  protected override _setOperationName(name: string): void {
    this.#operationName = name;
  }

  protected override _setBaggageItem(key: string, value: string): void {
    this.#context = this.#context.withBaggageItem(key, value);
    if (this.#context.sampled) {
      this._log({ event: 'baggage', key, value });
    }
  }

  protected override _getBaggageItem(key: string): string | undefined {
    return this.#context.baggage.get(key);
  }

  protected override _addTags(keyValuePairs: { [key: string]: unknown }): void {
    for (const [key, value] of Object.entries(keyValuePairs)) {
      if (key === SAMPLING_PRIORITY) this.#setPriority(value);
      if (this.#context.sampled && this.#duration === undefined) this.#tags.push(toKeyValue(key, value));
    }
  }

  protected override _log(keyValuePairs: { [key: string]: unknown }, timestamp?: number): void {
    if (!this.#context.sampled || this.#duration !== undefined) return;
    const fields = Object.entries(keyValuePairs).map(([k, v]) => toKeyValue(k, v));
    this.#logs.push({
      timestamp: Number.isFinite(timestamp) ? Math.round((timestamp as number) * 1000) : nowMicros(),
      fields,
    });
  }

  protected override _finish(finishTime?: number): void {
    if (this.#duration !== undefined) return;
    const end = Number.isFinite(finishTime) ? Math.round((finishTime as number) * 1000) : nowMicros();
    this.#duration = Math.max(0, end - this.#startTime);
    this.#onFinish(this.#context.sampled ? this.#toModel() : undefined);
  }

  #setPriority(value: unknown): void {
    const priority = Number(value);
    if (Number.isNaN(priority)) return;
    const flags = this.#context.flags;
    this.#context.setFlags(priority > 0 ? flags | FLAG_SAMPLED | FLAG_DEBUG : flags & ~FLAG_SAMPLED);
  }

  #toModel(): ModelSpan {
    const ctx = this.#context;
    const span: ModelSpan = {
      traceId: ctx.traceId,
      spanId: ctx.spanId,
      operationName: this.#operationName,
      references: this.#references,
      flags: ctx.flags,
      startTime: this.#startTime,
      duration: this.#duration ?? 0,
      tags: this.#tags,
      logs: this.#logs,
      process: this.#process,
    };
    if (ctx.parentId !== undefined) span.parentSpanId = ctx.parentId;
    return span;
  }
}
