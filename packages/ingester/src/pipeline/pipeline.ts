import { hostname } from 'node:os';
import {
  ZERO_SPAN_ID,
  esSpanDocumentId,
  parentSpanIdOf,
  stringifyUiJson,
  toEsSpan,
  type EsSpanOptions,
  type Span,
} from '@skein/model';
import type { Logger } from '@skein/runtime';
import type { BulkItem, BulkWriter } from '../bulk/writer.js';
import type { DeadLetters } from '../kafka/dead-letters.js';
import { DependencyAggregator, dependencyLinks } from '../index/dependencies.js';
import { spanIndex, writeAlias } from '../index/naming.js';
import { ServiceOperationCache } from '../index/services.js';
import { MessageWork } from '../kafka/offsets.js';
import type { IngesterMetrics } from '../metrics.js';
import type { TailDecision, TailSampler } from '../sampling/tail.js';
import { decodeMessage, encodingOf, type Encoding } from './decode.js';
import { GroupWork, type WorkUnit } from './work.js';

export interface ConsumedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string | undefined>;
  /** Kafka's message timestamp, ms. */
  timestamp: number;
}

export interface PipelineOptions {
  writer: BulkWriter;
  deadLetters: DeadLetters;
  defaultEncoding: Encoding;
  headSampling: 'off' | 'respect';
  tail: TailSampler<MessageWork> | undefined;
  indexPrefix: string;
  /** Rollover mode (`es.use-aliases`): every document goes to `<indexPrefix>jaeger-<kind>-write`, not a daily index. */
  useAliases: boolean;
  esSpan: EsSpanOptions;
  dependencies: { enabled: boolean; windowMs: number; flushIntervalMs: number };
  metrics: IngesterMetrics;
  logger: Logger;
}

const ZERO_TRACE_ID = '0'.repeat(32);

/** A message that decodes but cannot be indexed (zero IDs, no value): dead-lettered like undecodable ones. */
class InvalidMessage extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

interface Skeleton {
  lastSeen: number;
  spans: Span[];
}

const MAX_DEPENDENCY_TRACES = 100_000;

/**
 * decode → head sample → tail sample → index → bulk. Each consumed message is a MessageWork that finishes
 * once all its span documents are written or its spans were deliberately dropped; only then can its offset
 * be committed.
 */
export class Pipeline {
  readonly #services = new ServiceOperationCache(100_000);
  readonly #dependencies: DependencyAggregator;
  /** Traces seen recently, as bare parent/child/service skeletons, until complete enough for dependency links. */
  readonly #skeletons = new Map<string, Skeleton>();
  #lastDependencyFlush = Date.now();
  #pendingSpans = 0;

  constructor(private readonly options: PipelineOptions) {
    this.#dependencies = new DependencyAggregator({
      prefix: options.indexPrefix,
      // Unique per run: a restarted ingester never overwrites the dependency documents of an earlier one.
      instanceId: `${hostname()}-${process.pid}-${Date.now().toString(36)}`,
    });
  }

  /** Spans consumed and not yet written or dropped (held by tail sampling included). */
  get pendingSpans(): number {
    return this.#pendingSpans;
  }

  get heldSpans(): number {
    return this.options.tail?.spans ?? 0;
  }

  /** Takes one consumed message; returns how many spans it held (0 when it went to the dead-letter topic). */
  handle(message: ConsumedMessage, work: MessageWork): number {
    const { metrics } = this.options;
    metrics.messagesConsumed.inc({ topic: message.topic });
    metrics.stageLatency.observe({ stage: 'consume' }, Math.max(0, Date.now() - message.timestamp) / 1000);
    const t0 = performance.now();
    let spans: Span[];
    try {
      if (!message.value) throw new InvalidMessage('no_value', 'message has no value');
      spans = decodeMessage(
        message.value,
        encodingOf(message.headers['skein-encoding'], this.options.defaultEncoding),
      );
      const bad = spans.find((s) => s.traceId === ZERO_TRACE_ID || s.spanId === ZERO_SPAN_ID);
      if (bad)
        throw new InvalidMessage('invalid_span', `span ${bad.spanId} of trace ${bad.traceId} has a zero ID`);
    } catch (err) {
      const reason =
        err instanceof InvalidMessage
          ? err.reason
          : ((err as { code?: string }).code?.replace(/^DECODE_/, '').toLowerCase() ?? 'internal');
      work.add(1);
      work.seal();
      void this.options.deadLetters
        .send({
          key: message.key?.toString() ?? null,
          value: message.value ?? Buffer.alloc(0),
          sourceTopic: message.topic,
          sourcePartition: message.partition,
          sourceOffset: message.offset,
          reason,
          message: (err as Error).message,
        })
        .then(
          () => work.done(),
          (e: unknown) => this.options.logger.error('dead letter lost at shutdown', { error: e }),
        );
      return 0;
    }
    metrics.stageLatency.observe({ stage: 'decode' }, (performance.now() - t0) / 1000);
    metrics.spansReceived.inc(spans.length);
    const received = spans.length;

    if (this.options.headSampling === 'respect') {
      const sampled = spans.filter((s) => (s.flags & 1) === 1);
      if (sampled.length < spans.length)
        metrics.spansDropped.inc({ reason: 'head_sampled_out' }, spans.length - sampled.length);
      spans = sampled;
    }
    if (spans.length === 0) {
      work.seal();
      return received;
    }

    const tail = this.options.tail;
    if (!tail) {
      this.#pendingSpans += spans.length;
      this.#index(spans, work, {
        topic: message.topic,
        partition: message.partition,
        offset: message.offset,
      });
      if (this.options.dependencies.enabled) this.#remember(spans);
      work.seal();
      return received;
    }
    // Held by the sampler: the message stays unfinished until its trace is decided and written.
    work.add(1);
    work.seal();
    this.#pendingSpans += spans.length;
    const traceId = spans[0]?.traceId ?? '';
    for (const decision of tail.add(traceId, spans, work, Date.now())) this.#decided(decision);
    return received;
  }

  #decided(decision: TailDecision<MessageWork>): void {
    const { metrics } = this.options;
    metrics.stageLatency.observe({ stage: 'sample' }, decision.heldMs / 1000);
    if (!decision.keep) {
      metrics.spansDropped.inc({ reason: 'sampled_out' }, decision.spans.length);
      this.#pendingSpans -= decision.spans.length;
      for (const w of decision.payloads) w.done();
      return;
    }
    const receivedAt = decision.payloads.find((w) => w.receivedAt !== undefined)?.receivedAt;
    const group = new GroupWork(decision.payloads, decision.spans.length, receivedAt);
    const first = decision.payloads[0];
    const source = first
      ? { topic: first.offsets.topic, partition: first.offsets.partition, offset: first.offset.toString() }
      : undefined;
    this.#index(decision.spans, group, source);
    if (this.options.dependencies.enabled) this.#addLinks(decision.spans);
  }

  /** Span documents (each finishing one unit of `work`) and first-seen service/operation documents. */
  #index(spans: readonly Span[], work: WorkUnit, source: BulkItem['source']): void {
    const { writer, indexPrefix, esSpan, metrics } = this.options;
    const t0 = performance.now();
    if (work instanceof MessageWork) work.add(spans.length);
    const counted: WorkUnit = {
      receivedAt: work.receivedAt,
      done: () => {
        this.#pendingSpans--;
        work.done();
      },
    };
    for (const span of spans) {
      const item: BulkItem = {
        index: this.options.useAliases
          ? writeAlias(indexPrefix, 'span')
          : spanIndex(indexPrefix, span.startTime),
        id: esSpanDocumentId(span),
        body: stringifyUiJson(toEsSpan(span, esSpan)),
        kind: 'span',
        work: counted,
        source,
        enqueuedAt: performance.now(),
      };
      writer.add(item);
      const service = this.#services.admitDocument(span, indexPrefix);
      if (service) {
        writer.add({
          index: this.options.useAliases ? writeAlias(indexPrefix, 'service') : service.index,
          id: service.id,
          body: JSON.stringify(service.doc),
          kind: 'service',
          work: undefined,
          source,
          enqueuedAt: performance.now(),
        });
      }
    }
    metrics.stageLatency.observe({ stage: 'index' }, (performance.now() - t0) / 1000);
  }

  #remember(spans: readonly Span[]): void {
    const traceId = spans[0]?.traceId;
    if (traceId === undefined) return;
    let skeleton = this.#skeletons.get(traceId);
    if (!skeleton) {
      if (this.#skeletons.size >= MAX_DEPENDENCY_TRACES) this.#completeOldest();
      skeleton = { lastSeen: Date.now(), spans: [] };
      this.#skeletons.set(traceId, skeleton);
    }
    skeleton.lastSeen = Date.now();
    for (const s of spans) {
      const parent = parentSpanIdOf(s);
      // Only what dependency links need; the full span is not kept alive.
      const bare: Span = {
        traceId: s.traceId,
        spanId: s.spanId,
        operationName: '',
        references: [],
        flags: 0,
        startTime: s.startTime,
        duration: 0,
        tags: [],
        logs: [],
        process: { serviceName: s.process.serviceName, tags: [] },
      };
      if (parent !== undefined) bare.parentSpanId = parent;
      skeleton.spans.push(bare);
    }
  }

  #completeOldest(): void {
    const first = this.#skeletons.entries().next().value as [string, Skeleton] | undefined;
    if (!first) return;
    this.#skeletons.delete(first[0]);
    this.#addLinks(first[1].spans);
  }

  #addLinks(spans: readonly Span[]): void {
    const links = dependencyLinks(spans);
    if (links.length > 0) this.#dependencies.add(links, Math.floor((spans[0]?.startTime ?? 0) / 1000));
  }

  /** Periodic work: tail decisions that are due, complete dependency skeletons, dependency documents. */
  tick(now = Date.now()): void {
    const { tail, dependencies } = this.options;
    if (tail) for (const decision of tail.due(now)) this.#decided(decision);
    if (dependencies.enabled) {
      for (const [traceId, skeleton] of this.#skeletons) {
        if (now - skeleton.lastSeen < dependencies.windowMs) break;
        this.#skeletons.delete(traceId);
        this.#addLinks(skeleton.spans);
      }
      if (now - this.#lastDependencyFlush >= dependencies.flushIntervalMs) this.flushDependencies(now);
    }
  }

  flushDependencies(now = Date.now()): void {
    this.#lastDependencyFlush = now;
    for (const doc of this.#dependencies.takeDocuments()) {
      this.options.writer.add({
        index: this.options.useAliases ? writeAlias(this.options.indexPrefix, 'dependencies') : doc.index,
        id: doc.id,
        body: JSON.stringify(doc.doc),
        kind: 'dependencies',
        work: undefined,
        source: undefined,
        enqueuedAt: performance.now(),
      });
    }
  }

  /** Shutdown: decide every held trace now and write what is kept, complete every skeleton. */
  drain(): void {
    const now = Date.now();
    if (this.options.tail) for (const decision of this.options.tail.drain(now)) this.#decided(decision);
    for (const skeleton of this.#skeletons.values()) this.#addLinks(skeleton.spans);
    this.#skeletons.clear();
    this.flushDependencies(now);
  }

  /** A partition was revoked: forget held traces from it (the new owner re-reads them). */
  discard(predicate: (work: MessageWork) => boolean): void {
    const tail = this.options.tail;
    if (!tail) return;
    const before = tail.spans;
    tail.discard(predicate);
    this.#pendingSpans -= before - tail.spans;
  }
}
