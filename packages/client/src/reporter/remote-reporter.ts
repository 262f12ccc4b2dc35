import { encodeBatch, type ClientStats, type Process, type Span } from '@skein/model';
import { consoleLogger, type Logger } from '../logger.js';
import type { ClientMetrics, DropReason } from '../metrics.js';
import type { Reporter } from './reporter.js';
import type { Sender } from './sender.js';

/** Jaeger's defaults. */
export const DEFAULT_MAX_QUEUE_SIZE = 100;
export const DEFAULT_FLUSH_INTERVAL_MS = 1000;

export interface RemoteReporterOptions {
  sender: Sender;
  /** The tracer's process (service name and process tags), sent once per packet. */
  process: Process;
  /** Finished spans waiting to be sent, at most; more are dropped and counted (`queue_full`). */
  maxQueueSize?: number;
  flushIntervalMs?: number;
  metrics?: ClientMetrics;
  logger?: Logger;
}

interface Queued {
  span: Span;
  size: number;
}

const EMPTY_PROCESS: Process = { serviceName: '', tags: [] };

/**
 * Queues finished spans (bounded) and sends them in as few packets as fit the sender's limit, every
 * `flushIntervalMs`, as soon as a packet's worth is queued, and on `close()`. A span that cannot fit in a
 * packet on its own is dropped (`too_large`); a failed send drops its spans (`send_error`). Drop counts
 * also travel to the agent in each batch's `stats`, as Jaeger clients send them.
 */
export class RemoteReporter implements Reporter {
  readonly #sender: Sender;
  readonly #process: Process;
  readonly #maxQueueSize: number;
  readonly #metrics: ClientMetrics | undefined;
  readonly #log: Logger;
  /** Bytes of spans one packet can hold after its envelope. */
  readonly #budget: number;
  readonly #emptyBatchBytes: number;
  readonly #timer: NodeJS.Timeout;
  #queue: Queued[] = [];
  #queuedBytes = 0;
  #flushing: Promise<void> = Promise.resolve();
  #flushQueued = false;
  #closed: Promise<void> | undefined;
  #seqNo = 0n;
  #lastError: string | undefined;
  readonly #stats = { fullQueue: 0n, tooLarge: 0n, failed: 0n };

  constructor(options: RemoteReporterOptions) {
    this.#sender = options.sender;
    this.#process = options.process;
    this.#maxQueueSize = options.maxQueueSize ?? DEFAULT_MAX_QUEUE_SIZE;
    this.#metrics = options.metrics;
    this.#log = options.logger ?? consoleLogger;
    this.#budget = this.#sender.maxPacketBytes - this.#sender.envelopeBytes(this.#process);
    this.#emptyBatchBytes = encodeBatch({ process: EMPTY_PROCESS, spans: [] }, this.#sender.protocol).length;
    this.#timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS);
    this.#timer.unref();
  }

  /** Largest encoded span that is sent; larger ones are dropped as `too_large`. */
  get maxSpanBytes(): number {
    return this.#budget;
  }

  /** Spans waiting to be sent. */
  get queueLength(): number {
    return this.#queue.length;
  }

  report(span: Span): void {
    if (this.#closed !== undefined) return this.#drop('closed', 1);
    const size = this.spanBytes(span);
    if (size > this.#budget) {
      this.#stats.tooLarge++;
      this.#log.error(
        `span ${span.traceId}:${span.spanId} ${JSON.stringify(span.operationName)} is ${size} bytes encoded, ` +
          `more than the ${this.#budget} a ${this.#sender.maxPacketBytes}-byte packet holds: dropped`,
      );
      return this.#drop('too_large', 1);
    }
    if (this.#queue.length >= this.#maxQueueSize) {
      this.#stats.fullQueue++;
      return this.#drop('queue_full', 1);
    }
    this.#queue.push({ span, size });
    this.#queuedBytes += size;
    this.#metrics?.queueSpans.inc();
    if (this.#queuedBytes >= this.#budget) void this.flush();
  }

  /** The span's size inside a packet of this reporter's sender. */
  spanBytes(span: Span): number {
    return (
      encodeBatch({ process: EMPTY_PROCESS, spans: [span] }, this.#sender.protocol).length -
      this.#emptyBatchBytes
    );
  }

  /** Sends everything queued now; resolves when it has been sent (or dropped). Flushes never overlap. */
  flush(): Promise<void> {
    if (this.#flushQueued) return this.#flushing;
    this.#flushQueued = true;
    this.#flushing = this.#flushing.then(() => {
      this.#flushQueued = false;
      return this.#sendQueued();
    });
    return this.#flushing;
  }

  /** Stops the timer, sends what is queued, closes the sender; resolves after the last send. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      clearInterval(this.#timer);
      await this.flush();
      await this.#sender.close();
    })();
    return this.#closed;
  }

  async #sendQueued(): Promise<void> {
    const queued = this.#queue;
    if (queued.length === 0) return;
    this.#queue = [];
    this.#queuedBytes = 0;
    this.#metrics?.queueSpans.dec(queued.length);
    for (const spans of this.#packets(queued)) await this.#sendPacket(spans);
  }

  /** Greedy, in order: a packet takes spans until the next one would not fit. */
  *#packets(queued: readonly Queued[]): Generator<Span[]> {
    let packet: Span[] = [];
    let bytes = 0;
    for (const { span, size } of queued) {
      if (packet.length > 0 && bytes + size > this.#budget) {
        yield packet;
        packet = [];
        bytes = 0;
      }
      packet.push(span);
      bytes += size;
    }
    if (packet.length > 0) yield packet;
  }

  async #sendPacket(spans: Span[]): Promise<void> {
    const stats: ClientStats = {
      fullQueueDroppedSpans: this.#stats.fullQueue,
      tooLargeDroppedSpans: this.#stats.tooLarge,
      failedToEmitSpans: this.#stats.failed,
    };
    const packet = this.#sender.encode({ process: this.#process, spans, seqNo: ++this.#seqNo, stats });
    const transport = this.#sender.transport;
    try {
      await this.#sender.send(packet);
    } catch (err) {
      this.#stats.failed += BigInt(spans.length);
      this.#drop('send_error', spans.length);
      const message = `cannot send ${spans.length} spans over ${transport} (${(err as Error).message})`;
      if (message !== this.#lastError) this.#log.error(message);
      this.#lastError = message;
      return;
    }
    this.#lastError = undefined;
    this.#metrics?.packetsSent.inc({ transport });
    this.#metrics?.bytesSent.inc({ transport }, packet.length);
    this.#metrics?.spansReported.inc({ transport }, spans.length);
  }

  #drop(reason: DropReason, count: number): void {
    this.#metrics?.spansDropped.inc({ reason }, count);
  }
}
