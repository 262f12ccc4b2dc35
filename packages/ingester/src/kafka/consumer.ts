import { SkeinError, type Logger, type Service } from '@skein/runtime';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { BulkWriter } from '../bulk/writer.js';
import type { IngesterMetrics } from '../metrics.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import { MessageWork, PartitionOffsets } from './offsets.js';

export interface SpanConsumerOptions {
  kafka: Kafka;
  topic: string;
  groupId: string;
  fromBeginning: boolean;
  partitionsConcurrently: number;
  sessionTimeoutMs: number;
  commitIntervalMs: number;
  maxPendingSpans: number;
  /** At start: the error as one no retry cures (refused credentials, TLS), to throw instead of kafkajs's. */
  startError?: (err: unknown) => Promise<Error | undefined>;
  /**
   * A crash kafkajs will not restart from, as the error to stop with when it is one the caller knows (refused
   * credentials, a missing ACL); otherwise the consumer makes a KAFKA_CONSUMER_CRASHED of it.
   */
  crashError?: (err: unknown) => Error | undefined;
  /**
   * The kafkajs consumer crashed and will not restart by itself: nothing consumes any more, so the component
   * must stop (and its supervisor restart it) rather than stay up and look healthy.
   */
  onCrash?: (err: Error) => void;
  pipeline: Pipeline;
  writer: BulkWriter;
  metrics: IngesterMetrics;
  logger: Logger;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A crash kafkajs does not restart from, as the error the ingester stops with. */
function crashed(err: unknown): SkeinError {
  const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return new SkeinError(
    'KAFKA_CONSUMER_CRASHED',
    `the Kafka consumer stopped on an error kafkajs does not retry (${what}); nothing would consume any more, ` +
      'so the ingester stops: its supervisor restarts it, and the consumer group resumes from the last commit',
    { cause: err },
  );
}

/**
 * The consumer group member: feeds every message to the pipeline, commits per partition only up to what is
 * finished, pauses while the pipeline is full, and on SIGTERM stops fetching, flushes, commits and leaves.
 */
export class SpanConsumer implements Service {
  readonly name = 'consumer';
  #consumer: Consumer;
  #partitions = new Map<number, PartitionOffsets>();
  #paused = false;
  #stopping = false;
  #timer: NodeJS.Timeout | undefined;
  #lastCommit = 0;
  #committing: Promise<void> | undefined;

  constructor(private readonly options: SpanConsumerOptions) {
    this.#consumer = options.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: Math.min(3000, Math.floor(options.sessionTimeoutMs / 3)),
      allowAutoTopicCreation: false,
    });
  }

  /** Assigned partitions whose messages are not all finished. */
  get inFlight(): number {
    let n = 0;
    for (const p of this.#partitions.values()) n += p.inFlight;
    return n;
  }

  async start(): Promise<void> {
    const { topic, logger } = this.options;
    const c = this.#consumer;
    c.on(c.events.GROUP_JOIN, (event) => {
      const assigned = new Set(event.payload.memberAssignment[topic] ?? []);
      for (const [partition, offsets] of this.#partitions) {
        if (assigned.has(partition)) continue;
        // Another member owns it now: never commit for it again, and forget what is held from it.
        this.#partitions.delete(partition);
        this.options.pipeline.discard((work) => work.offsets === offsets);
        this.options.metrics.lag.remove({ topic, partition: String(partition) });
      }
      logger.info('joined the group', { partitions: [...assigned].sort((a, b) => a - b) });
    });
    c.on(c.events.CRASH, (event) => {
      const { error, restart } = event.payload;
      if (restart || this.#stopping) return;
      this.options.onCrash?.(this.options.crashError?.(error) ?? crashed(error));
    });
    try {
      await c.connect();
      await c.subscribe({ topic, fromBeginning: this.options.fromBeginning });
    } catch (err) {
      throw (await this.options.startError?.(err)) ?? err;
    }
    await c.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConcurrently,
      eachBatch: (payload) => this.#eachBatch(payload),
    });
    this.#timer = setInterval(() => this.#tick(), 100);
  }

  #offsets(partition: number): PartitionOffsets {
    let offsets = this.#partitions.get(partition);
    if (!offsets) {
      offsets = new PartitionOffsets(this.options.topic, partition);
      this.#partitions.set(partition, offsets);
    }
    return offsets;
  }

  async #eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const { pipeline, metrics, maxPendingSpans } = this.options;
    const offsets = this.#offsets(batch.partition);
    let last: string | undefined;
    for (const message of batch.messages) {
      if (!isRunning() || isStale() || this.#stopping || this.#paused) break;
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(message.headers ?? {}))
        headers[k] = v === undefined ? undefined : String(v);
      const received = Number(headers['skein-received-at']);
      const work = new MessageWork(
        offsets,
        BigInt(message.offset),
        Number.isFinite(received) ? received : undefined,
        (w) => w.offsets.finish(w.offset),
      );
      if (this.#partitions.get(batch.partition) !== offsets) work.valid = false;
      pipeline.handle(
        {
          topic: batch.topic,
          partition: batch.partition,
          offset: message.offset,
          key: message.key,
          value: message.value,
          headers,
          timestamp: Number(message.timestamp),
        },
        work,
      );
      resolveOffset(message.offset);
      last = message.offset;
      if (pipeline.pendingSpans >= maxPendingSpans) this.#pause();
    }
    if (last !== undefined) {
      const lag = Number(BigInt(batch.highWatermark) - BigInt(last) - 1n);
      metrics.lag.set({ topic: batch.topic, partition: String(batch.partition) }, Math.max(0, lag));
    }
    await heartbeat();
  }

  #pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    this.#consumer.pause([{ topic: this.options.topic }]);
    this.options.metrics.paused.set(1);
    this.options.logger.info('paused consumption: pipeline full', {
      pendingSpans: this.options.pipeline.pendingSpans,
    });
  }

  #tick(): void {
    const { pipeline, maxPendingSpans, commitIntervalMs } = this.options;
    pipeline.tick();
    if (this.#paused && !this.#stopping && pipeline.pendingSpans < maxPendingSpans / 2) {
      this.#paused = false;
      this.#consumer.resume([{ topic: this.options.topic }]);
      this.options.metrics.paused.set(0);
      this.options.logger.info('resumed consumption');
    }
    if (Date.now() - this.#lastCommit >= commitIntervalMs && !this.#committing) {
      this.#committing = this.commit().finally(() => (this.#committing = undefined));
    }
  }

  /** Commits, per assigned partition, the offset after the last message finished with all before it. */
  async commit(): Promise<void> {
    this.#lastCommit = Date.now();
    const commits: Array<{ topic: string; partition: number; offset: string }> = [];
    for (const offsets of this.#partitions.values()) {
      const next = offsets.committable();
      if (next !== undefined)
        commits.push({ topic: offsets.topic, partition: offsets.partition, offset: next.toString() });
    }
    if (commits.length === 0) return;
    try {
      await this.#consumer.commitOffsets(commits);
      for (const c of commits) this.#partitions.get(c.partition)?.markCommitted(BigInt(c.offset));
    } catch (err) {
      // A rebalance in progress: the partitions' new owners start from the last successful commit.
      this.options.logger.warn('offset commit failed', { error: err });
    }
  }

  async stop(deadline: number): Promise<void> {
    this.#stopping = true;
    this.#consumer.pause([{ topic: this.options.topic }]);
    if (this.#timer) clearInterval(this.#timer);
    await this.#committing;
    this.options.pipeline.drain();
    while (this.options.writer.pending > 0 && Date.now() < deadline - 1500) {
      this.options.pipeline.tick();
      await Promise.race([this.options.writer.idle(), sleep(200)]);
    }
    await this.commit();
    await this.#consumer
      .disconnect()
      .catch((err: unknown) => this.options.logger.warn('leaving the group failed', { error: err }));
  }
}
