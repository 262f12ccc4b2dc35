import type { Logger, Service } from '@skein/runtime';
import { CompressionTypes, Partitioners, type Kafka, type Producer } from 'kafkajs';
import type { AgentMetrics } from '../metrics.js';
import type { QueuedTrace, TraceQueue } from '../queue/trace-queue.js';

export interface PublisherOptions {
  kafka: Kafka;
  topic: string;
  acks: 'all' | '1' | '0';
  idempotent: boolean;
  compression: 'none' | 'gzip';
  maxMessages: number;
  maxBytes: number;
  lingerMs: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  queue: TraceQueue;
  metrics: AgentMetrics;
  logger: Logger;
  /** At the first connect: the error as one no retry cures (refused credentials, TLS), or undefined to retry. */
  startError?: (err: unknown) => Promise<Error | undefined>;
  /** Told such an error once; the publisher then stops (the agent stops with it). */
  onFatal?: (err: Error) => void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `promise`, or nothing after `ms`; the timer is cleared so it does not keep a stopping process alive. */
async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

/**
 * Moves messages from the queue to Kafka, one produce request at a time, retrying a failed request with
 * backoff until it succeeds or the agent shuts down. While Kafka is away nothing is lost here: the queue
 * fills and the receivers count what they cannot enqueue.
 */
export class KafkaPublisher implements Service {
  readonly name = 'kafka-publisher';
  #producer: Producer;
  #connected = false;
  #running = false;
  #deadline = Number.POSITIVE_INFINITY;
  #loop: Promise<void> | undefined;
  #inFlight: QueuedTrace[] = [];
  /** Requests split off a too-large one, sent before anything new is taken from the queue. */
  #pending: QueuedTrace[][] = [];
  #stopRequested!: () => void;
  readonly #stopSignal = new Promise<'stopped'>(
    (resolve) => (this.#stopRequested = () => resolve('stopped')),
  );

  constructor(private readonly options: PublisherOptions) {
    this.#producer = options.kafka.producer({
      idempotent: options.idempotent,
      // Idempotence in kafkajs requires a single in-flight request; ordering per trace needs it anyway.
      maxInFlightRequests: 1,
      allowAutoTopicCreation: true,
      // Java's partitioner (murmur2 of the key): the same trace ID maps to the same partition as from any client.
      createPartitioner: Partitioners.DefaultPartitioner,
      // Our own loop retries forever with backoff; kafkajs retries only briefly within one request.
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
    });
  }

  /** Whether the last produce request (or connect) succeeded. */
  get connected(): boolean {
    return this.#connected;
  }

  async start(): Promise<void> {
    this.#running = true;
    // Do not wait for Kafka: the agent must take spans (and queue them) even while Kafka is down.
    this.#loop = this.#run();
  }

  async #ensureConnected(): Promise<void> {
    if (this.#connected) return;
    await this.#producer.connect();
    this.#connected = true;
    this.options.logger.info('connected to Kafka', { topic: this.options.topic });
  }

  /**
   * Connects at once rather than at the first message, so refused credentials or a certificate problem stop the
   * agent at start instead of spans piling up behind them. An unreachable Kafka is retried meanwhile, and the
   * receivers queue spans, as later on. False when the error was fatal.
   */
  async #connectFirst(): Promise<boolean> {
    const o = this.options;
    let backoff = o.initialBackoffMs;
    while (this.#running) {
      try {
        // A connect to an unreachable Kafka takes kafkajs's own retries; stop() must not wait for them.
        const attempt = this.#ensureConnected();
        attempt.catch(() => undefined);
        if ((await Promise.race([attempt, this.#stopSignal])) === 'stopped') break;
        return true;
      } catch (err) {
        const fatal = o.onFatal ? await o.startError?.(err) : undefined;
        if (fatal && o.onFatal) {
          this.#running = false;
          o.onFatal(fatal);
          return false;
        }
        o.logger.warn('connecting to Kafka failed; retrying', {
          error: err,
          backoffMs: backoff,
          queuedSpans: o.queue.spans,
        });
        await within(this.#stopSignal, backoff);
        backoff = Math.min(backoff * 2, o.maxBackoffMs);
      }
    }
    // Stopped before Kafka was reached: the loop below still tries to flush until the deadline.
    return true;
  }

  async #run(): Promise<void> {
    if (!(await this.#connectFirst())) return;
    const o = this.options;
    let backoff = o.initialBackoffMs;
    while (this.#running || (o.queue.length > 0 && Date.now() < this.#deadline)) {
      if (this.#inFlight.length === 0 && this.#pending.length > 0)
        this.#inFlight = this.#pending.shift() ?? [];
      if (this.#inFlight.length === 0) {
        await o.queue.waitForItems(this.#running ? 1000 : 0);
        if (o.queue.length === 0) continue;
        // Let a small request fill up, unless there is already enough for a full one or we are draining.
        if (this.#running && o.lingerMs > 0 && o.queue.length < o.maxMessages) await sleep(o.lingerMs);
        this.#inFlight = o.queue.take(o.maxMessages, o.maxBytes);
        const now = performance.now();
        for (const item of this.#inFlight) o.metrics.queueLatency.observe((now - item.enqueuedAt) / 1000);
      }
      const started = performance.now();
      try {
        await this.#ensureConnected();
        await this.#producer.send({
          topic: o.topic,
          acks: o.acks === 'all' ? -1 : Number(o.acks),
          compression: o.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
          messages: this.#inFlight.map((item) => ({
            key: item.trace.traceId,
            value: item.trace.value,
            headers: { 'skein-encoding': 'thrift-compact', 'skein-received-at': String(item.receivedAt) },
          })),
        });
        o.metrics.produceLatency.observe((performance.now() - started) / 1000);
        let spans = 0;
        for (const item of this.#inFlight) spans += item.trace.spanCount;
        o.metrics.spansPublished.inc(spans);
        o.metrics.messagesPublished.inc(this.#inFlight.length);
        this.#inFlight = [];
        backoff = o.initialBackoffMs;
      } catch (err) {
        o.metrics.produceErrors.inc();
        if (isTooLarge(err)) {
          this.#shrink();
          continue;
        }
        this.#connected = false;
        o.logger.warn('produce failed; retrying', {
          error: err,
          backoffMs: backoff,
          queuedSpans: o.queue.spans,
        });
        await sleep(Math.min(backoff, Math.max(0, this.#deadline - Date.now())));
        backoff = Math.min(backoff * 2, o.maxBackoffMs);
        if (!this.#running && Date.now() >= this.#deadline) break;
      }
    }
  }

  /**
   * The broker refused the request as too large: retrying it unchanged would block the queue forever. Put all
   * but the first half back in front (by sending the first half alone next), or drop a lone message that is
   * itself over the broker's limit.
   */
  #shrink(): void {
    const o = this.options;
    if (this.#inFlight.length > 1) {
      const half = Math.ceil(this.#inFlight.length / 2);
      this.#pending.unshift(this.#inFlight.slice(half));
      this.#inFlight = this.#inFlight.slice(0, half);
      return;
    }
    const [lone] = this.#inFlight;
    if (lone) {
      o.metrics.droppedSpans(lone.transport, 'too_large', lone.trace.spanCount);
      o.logger.error('trace message larger than the broker accepts; dropped', {
        traceId: lone.trace.traceId,
        bytes: lone.trace.value.length,
      });
    }
    this.#inFlight = this.#pending.shift() ?? [];
  }

  /** Stops taking new work and flushes what is queued until `deadline`; the rest is counted as dropped. */
  async stop(deadline: number): Promise<void> {
    // Leave a little time to count and disconnect.
    this.#deadline = deadline - 200;
    this.#running = false;
    this.#stopRequested();
    // A produce request stuck on an unreachable broker must not hold the process past its deadline.
    await within(this.#loop ?? Promise.resolve(), Math.max(0, deadline - 100 - Date.now()));
    const lost = [...this.#inFlight, ...this.#pending.flat(), ...this.options.queue.drain()];
    this.#pending = [];
    this.#inFlight = [];
    for (const item of lost)
      this.options.metrics.droppedSpans(item.transport, 'shutdown', item.trace.spanCount);
    if (lost.length > 0) {
      this.options.logger.error('shutdown deadline reached with spans unsent', {
        spans: lost.reduce((n, i) => n + i.trace.spanCount, 0),
      });
    }
    await this.#producer.disconnect().catch(() => undefined);
  }
}

// MESSAGE_TOO_LARGE (10) and RECORD_LIST_TOO_LARGE (18): permanent for this request, unlike a broker outage.
function isTooLarge(err: unknown): boolean {
  // kafkajs's error classes are not ESM named exports; its protocol errors carry the Kafka error name in `type`.
  const type = (err as { type?: unknown } | null)?.type;
  return type === 'MESSAGE_TOO_LARGE' || type === 'RECORD_LIST_TOO_LARGE';
}
