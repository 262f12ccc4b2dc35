// Replays a range of a span topic into other indices through the ingester's own pipeline: its own consumer group
// (never the live one's offsets), end offsets fixed at the start, progress checkpointed for resuming.
import { randomUUID } from 'node:crypto';
import type { Logger } from '@skein/runtime';
import type { EachBatchPayload, Kafka } from 'kafkajs';
import type { IndexingParts } from '../ingester.js';
import { MessageWork, PartitionOffsets } from '../kafka/offsets.js';
import { writeCheckpoint, type Checkpoint } from './checkpoint.js';
import type { ReplayProgress } from './progress.js';

export interface ReplayPartition {
  partition: number;
  /** Where the replay began (for progress), where to go on from, and where to stop (exclusive). */
  start: bigint;
  next: bigint;
  end: bigint;
}

export interface ReplayOptions {
  kafka: Kafka;
  topic: string;
  partitions: ReplayPartition[];
  parts: IndexingParts;
  /** Written every progress interval and at the end; `identity` says which replay it belongs to. */
  checkpointFile: string;
  identity: Pick<Checkpoint, 'topic' | 'indexPrefix' | 'from' | 'to'>;
  /** Spans per second at most; 0 for no limit. */
  rate: number;
  maxPendingSpans: number;
  partitionsConcurrently: number;
  progressIntervalMs: number;
  onProgress: (progress: ReplayProgress) => void;
  logger: Logger;
}

export interface ReplaySummary {
  complete: boolean;
  messages: number;
  spans: number;
  seconds: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface PartitionState extends ReplayPartition {
  offsets: PartitionOffsets;
  /** The consumer has fetched up to the end (the last message of the range, or past it). */
  reachedEnd: boolean;
}

/** One replay run: `run()` resolves when the range is written (complete) or `stop()` was called (resumable). */
export class Replay {
  readonly #options: ReplayOptions;
  readonly #states = new Map<number, PartitionState>();
  #stopping = false;
  #stopRequested: (() => void) | undefined;
  #spans = 0;
  #messages = 0;
  #tokens: number;
  #lastRefill = performance.now();
  #startedAt = performance.now();
  #window: Array<{ at: number; messages: number }> = [];

  constructor(options: ReplayOptions) {
    this.#options = options;
    this.#tokens = options.rate;
    for (const p of options.partitions) {
      const offsets = new PartitionOffsets(options.topic, p.partition);
      this.#states.set(p.partition, { ...p, offsets, reachedEnd: p.next >= p.end });
    }
  }

  /** Asks a running replay to stop fetching, write what it holds, save the checkpoint and resolve. */
  stop(): void {
    this.#stopping = true;
    this.#stopRequested?.();
  }

  async run(): Promise<ReplaySummary> {
    const { parts, logger } = this.#options;
    this.#startedAt = performance.now();
    const stopped = new Promise<void>((resolve) => (this.#stopRequested = resolve));
    if (this.#stopping) this.#stopRequested?.();
    await parts.templates.start();
    await parts.deadLetters.start();
    await parts.writer.start();
    const work = [...this.#states.values()].filter((s) => s.next < s.end);
    let consumer: ReturnType<Kafka['consumer']> | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      if (work.length > 0) {
        // A group of its own, never committed to: the live group's offsets are untouched, and progress lives
        // in the checkpoint instead.
        consumer = this.#options.kafka.consumer({
          groupId: `skein-replay-${randomUUID()}`,
          allowAutoTopicCreation: false,
        });
        await consumer.connect();
        await consumer.subscribe({ topic: this.#options.topic, fromBeginning: true });
        const idle = [...this.#states.values()].filter((s) => s.next >= s.end).map((s) => s.partition);
        const c = consumer;
        await c.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: this.#options.partitionsConcurrently,
          eachBatch: (payload) => this.#eachBatch(payload, c),
        });
        for (const s of work)
          c.seek({ topic: this.#options.topic, partition: s.partition, offset: s.next.toString() });
        if (idle.length > 0) c.pause([{ topic: this.#options.topic, partitions: idle }]);
      }
      let lastProgress = 0;
      const finished = new Promise<void>((resolve) => {
        timer = setInterval(() => {
          parts.pipeline.tick();
          const now = performance.now();
          if (now - lastProgress >= this.#options.progressIntervalMs) {
            lastProgress = now;
            this.#save(false);
            this.#options.onProgress(this.#progress(false));
          }
          if (this.#allDone()) resolve();
        }, 100);
      });
      await Promise.race([finished, stopped]);
      if (consumer) consumer.pause([{ topic: this.#options.topic }]);
      // Decide held traces, complete dependency links, and write everything still pending.
      parts.pipeline.drain();
      while (parts.writer.pending > 0) {
        parts.pipeline.tick();
        await Promise.race([parts.writer.idle(), sleep(200)]);
      }
      const complete = this.#allDone();
      this.#save(complete);
      const progress = this.#progress(complete);
      this.#options.onProgress(progress);
      if (!complete)
        logger.info('replay stopped; run the same command again to resume', {
          file: this.#options.checkpointFile,
        });
      return {
        complete,
        messages: this.#messages,
        spans: this.#spans,
        seconds: progress.elapsedSeconds,
      };
    } finally {
      if (timer) clearInterval(timer);
      await consumer
        ?.disconnect()
        .catch((err: unknown) => logger.warn('leaving the replay group failed', { error: err }));
      const deadline = Date.now() + 5000;
      await parts.writer.stop(deadline);
      await parts.deadLetters.stop();
    }
  }

  async #eachBatch(
    { batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload,
    consumer: ReturnType<Kafka['consumer']>,
  ): Promise<void> {
    const state = this.#states.get(batch.partition);
    if (!state) {
      // Not part of this replay.
      consumer.pause([{ topic: batch.topic, partitions: [batch.partition] }]);
      return;
    }
    const { parts, maxPendingSpans } = this.#options;
    for (const message of batch.messages) {
      if (!isRunning() || isStale() || this.#stopping || state.reachedEnd) break;
      const offset = BigInt(message.offset);
      if (offset < state.next) {
        // Fetched before the seek took effect: already written by an earlier run, or before the range.
        resolveOffset(message.offset);
        continue;
      }
      if (offset >= state.end) {
        state.reachedEnd = true;
        break;
      }
      while (parts.pipeline.pendingSpans >= maxPendingSpans && !this.#stopping) {
        parts.pipeline.tick();
        await sleep(50);
        await heartbeat();
      }
      if (this.#stopping) break;
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(message.headers ?? {}))
        headers[k] = v === undefined ? undefined : String(v);
      const received = Number(headers['skein-received-at']);
      const work = new MessageWork(
        state.offsets,
        offset,
        Number.isFinite(received) ? received : undefined,
        (w) => w.offsets.finish(w.offset),
      );
      const spans = parts.pipeline.handle(
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
      this.#messages++;
      this.#spans += spans;
      resolveOffset(message.offset);
      if (offset + 1n >= state.end) state.reachedEnd = true;
      await this.#limit(spans, heartbeat);
    }
    // Control records (transaction markers) have offsets but no messages: the batch's last offset says how far
    // the partition has been read.
    if (BigInt(batch.lastOffset()) + 1n >= state.end && !this.#stopping) state.reachedEnd = true;
    if (state.reachedEnd) consumer.pause([{ topic: batch.topic, partitions: [batch.partition] }]);
    await heartbeat();
  }

  /** Token bucket over spans: waits (heartbeating) while the replay is ahead of `rate`. */
  async #limit(spans: number, heartbeat: () => Promise<void>): Promise<void> {
    const rate = this.#options.rate;
    if (rate <= 0 || spans === 0) return;
    const now = performance.now();
    this.#tokens = Math.min(rate, this.#tokens + ((now - this.#lastRefill) / 1000) * rate);
    this.#lastRefill = now;
    this.#tokens -= spans;
    while (this.#tokens < 0 && !this.#stopping) {
      await sleep(Math.min(1000, (-this.#tokens / rate) * 1000));
      await heartbeat();
      const t = performance.now();
      this.#tokens = Math.min(rate, this.#tokens + ((t - this.#lastRefill) / 1000) * rate);
      this.#lastRefill = t;
    }
  }

  /** Where each partition is written up to: all before `next` is in Elasticsearch (or deliberately dropped). */
  #nextOf(state: PartitionState): bigint {
    if (state.reachedEnd && state.offsets.inFlight === 0) return state.end;
    return state.offsets.position ?? state.next;
  }

  #allDone(): boolean {
    for (const s of this.#states.values()) if (this.#nextOf(s) < s.end) return false;
    return true;
  }

  #save(complete: boolean): void {
    const checkpoint: Checkpoint = {
      version: 1,
      ...this.#options.identity,
      partitions: [...this.#states.values()].map((s) => ({
        partition: s.partition,
        start: s.start.toString(),
        end: s.end.toString(),
        next: this.#nextOf(s).toString(),
      })),
      complete,
      updatedAt: new Date().toISOString(),
    };
    writeCheckpoint(this.#options.checkpointFile, checkpoint);
  }

  #progress(complete: boolean): ReplayProgress {
    const partitions = [...this.#states.values()]
      .map((s) => ({
        partition: s.partition,
        done: Number(this.#nextOf(s) - s.start),
        total: Number(s.end - s.start),
      }))
      .sort((a, b) => a.partition - b.partition);
    const messagesDone = partitions.reduce((n, p) => n + p.done, 0);
    const messagesTotal = partitions.reduce((n, p) => n + p.total, 0);
    const now = performance.now();
    const elapsedSeconds = (now - this.#startedAt) / 1000;
    // The rate over the last ~10 s, so the ETA follows changes (a slower Elasticsearch, a rate limit).
    this.#window.push({ at: now, messages: messagesDone });
    while (this.#window.length > 2 && now - (this.#window[0]?.at ?? now) > 10_000) this.#window.shift();
    const first = this.#window[0];
    const rate = first && now > first.at ? ((messagesDone - first.messages) / (now - first.at)) * 1000 : 0;
    return {
      partitions,
      messagesDone,
      messagesTotal,
      spans: this.#spans,
      spansPerSecond: elapsedSeconds > 0 ? this.#spans / elapsedSeconds : 0,
      elapsedSeconds,
      etaSeconds: complete ? 0 : rate > 0 ? (messagesTotal - messagesDone) / rate : undefined,
      complete,
    };
  }
}
