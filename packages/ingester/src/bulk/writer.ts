import type { Client } from '@elastic/elasticsearch';
import type { Logger, Service } from '@skein/runtime';
import type { WorkUnit } from '../pipeline/work.js';
import type { IngesterMetrics } from '../metrics.js';

export interface BulkItem {
  index: string;
  id: string;
  /** The document, already serialised (int64 tag values are written exactly, which JSON.stringify cannot). */
  body: string;
  kind: 'span' | 'service' | 'dependencies';
  /** What finishes when the document is written: its consumed message, or a group of them. */
  work: WorkUnit | undefined;
  /** Where the spans came from, for the dead-letter headers. */
  source: { topic: string; partition: number; offset: string } | undefined;
  /** performance.now() when handed to the writer. */
  enqueuedAt: number;
}

export interface BulkWriterOptions {
  /** Without a client every document is acknowledged at once (the null sink, for benchmarks). */
  client: Client | undefined;
  maxDocs: number;
  maxBytes: number;
  flushIntervalMs: number;
  concurrency: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** A document Elasticsearch will never accept (mapping error, …); resolves once it is safely elsewhere. */
  onPermanentFailure: (
    item: BulkItem,
    error: { type: string; reason: string; status: number },
  ) => Promise<void>;
  metrics: IngesterMetrics;
  logger: Logger;
}

interface ItemResult {
  status: number;
  error?: { type?: string; reason?: string };
}

// Item failures worth retrying: the cluster is busy or a shard is briefly unavailable.
const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const RETRYABLE_TYPES = new Set([
  'es_rejected_execution_exception',
  'circuit_breaking_exception',
  'unavailable_shards_exception',
  'cluster_block_exception',
  'process_cluster_event_timeout_exception',
  'node_not_connected_exception',
]);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Writes documents with _bulk: flushes by count, bytes and interval; keeps at most `concurrency` requests in
 * flight; retries failed requests and retryable items with exponential backoff and jitter until they succeed
 * (or the writer is stopped); sends permanent item failures to `onPermanentFailure`. It never drops a document
 * on its own: while Elasticsearch is away `pending` grows, and the pipeline pauses consumption.
 */
export class BulkWriter implements Service {
  readonly name = 'bulk-writer';
  #buffer: BulkItem[] = [];
  #bufferBytes = 0;
  #retry: BulkItem[] = [];
  #inFlight = 0;
  #inFlightDocs = 0;
  #timer: NodeJS.Timeout | undefined;
  #backoff: number;
  #blockedUntil = 0;
  #wake: NodeJS.Timeout | undefined;
  #idle: Array<() => void> = [];
  #stopped = false;

  constructor(private readonly options: BulkWriterOptions) {
    this.#backoff = options.initialBackoffMs;
  }

  /** Documents not yet written: buffered, in flight or waiting to be retried. */
  get pending(): number {
    return this.#buffer.length + this.#retry.length + this.#inFlightDocs;
  }

  async start(): Promise<void> {
    this.#timer = setInterval(() => this.#pump(true), this.options.flushIntervalMs);
  }

  add(item: BulkItem): void {
    this.#buffer.push(item);
    this.#bufferBytes += item.body.length + item.index.length + item.id.length + 40;
    if (this.#buffer.length >= this.options.maxDocs || this.#bufferBytes >= this.options.maxBytes)
      this.#pump(false);
  }

  /** Resolves when nothing is pending. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #take(): BulkItem[] {
    const { maxDocs, maxBytes } = this.options;
    const batch: BulkItem[] = [];
    let bytes = 0;
    const source = this.#retry.length > 0 ? this.#retry : this.#buffer;
    while (source.length > 0 && batch.length < maxDocs) {
      const item = source[0] as BulkItem;
      const size = item.body.length + 100;
      if (batch.length > 0 && bytes + size > maxBytes) break;
      source.shift();
      batch.push(item);
      bytes += size;
      if (source === this.#buffer)
        this.#bufferBytes -= item.body.length + item.index.length + item.id.length + 40;
    }
    if (this.#buffer.length === 0) this.#bufferBytes = 0;
    return batch;
  }

  /** Sends what is ready; `flushAll` also sends a partial buffer (the interval timer, shutdown). */
  #pump(flushAll: boolean): void {
    const now = Date.now();
    if (now < this.#blockedUntil) {
      this.#wake ??= setTimeout(() => {
        this.#wake = undefined;
        this.#pump(true);
      }, this.#blockedUntil - now);
      return;
    }
    while (this.#inFlight < this.options.concurrency) {
      const ready =
        this.#retry.length > 0 ||
        this.#buffer.length >= this.options.maxDocs ||
        this.#bufferBytes >= this.options.maxBytes ||
        ((flushAll || this.#stopped) && this.#buffer.length > 0);
      if (!ready) break;
      const batch = this.#take();
      if (batch.length === 0) break;
      void this.#send(batch);
    }
    this.#checkIdle();
  }

  #checkIdle(): void {
    if (this.pending === 0 && this.#idle.length > 0) {
      const waiters = this.#idle;
      this.#idle = [];
      for (const w of waiters) w();
    }
  }

  async #send(batch: BulkItem[]): Promise<void> {
    const { client } = this.options;
    this.#inFlight++;
    this.#inFlightDocs += batch.length;
    let payload = '';
    for (const item of batch) {
      payload += `{"index":{"_index":${JSON.stringify(item.index)},"_id":${JSON.stringify(item.id)}}}\n${item.body}\n`;
    }
    const started = performance.now();
    let results: ItemResult[] | undefined;
    if (!client) {
      results = batch.map(() => ({ status: 201 }));
    } else {
      results = await this.#request(client, payload, batch, started);
    }
    this.#inFlight--;
    this.#inFlightDocs -= batch.length;
    if (results) await this.#handleItems(batch, results);
    this.#pump(false);
  }

  /** One _bulk request; undefined (and the batch queued for retry) when the request itself failed. */
  async #request(
    client: Client,
    payload: string,
    batch: BulkItem[],
    started: number,
  ): Promise<ItemResult[] | undefined> {
    const { metrics, logger } = this.options;
    try {
      const response = (await client.transport.request(
        { method: 'POST', path: '/_bulk', bulkBody: payload },
        { maxRetries: 0 },
      )) as { errors: boolean; items: Array<Record<string, ItemResult>> };
      metrics.bulkLatency.observe((performance.now() - started) / 1000);
      this.#backoff = this.options.initialBackoffMs;
      return response.items.map((entry) => Object.values(entry)[0] ?? { status: 0 });
    } catch (err) {
      metrics.bulkFailures.inc({ kind: 'request' });
      const wait = this.#nextBackoff();
      logger.warn('bulk request failed; retrying', { error: err, docs: batch.length, backoffMs: wait });
      this.#blockedUntil = Date.now() + wait;
      this.#retry.unshift(...batch);
      return undefined;
    }
  }

  #nextBackoff(): number {
    const base = this.#backoff;
    this.#backoff = Math.min(this.#backoff * 2, this.options.maxBackoffMs);
    // Full jitter keeps a fleet of ingesters from hammering a recovering cluster in step.
    return Math.round(base / 2 + Math.random() * (base / 2));
  }

  async #handleItems(batch: BulkItem[], results: ItemResult[]): Promise<void> {
    const { metrics } = this.options;
    const retry: BulkItem[] = [];
    const now = performance.now();
    for (let i = 0; i < batch.length; i++) {
      const item = batch[i] as BulkItem;
      const result = results[i] ?? { status: 0, error: { type: 'missing_item_result' } };
      if (result.status >= 200 && result.status < 300) {
        metrics.documentsWritten.inc({ kind: item.kind });
        if (item.kind === 'span') {
          metrics.spansWritten.inc();
          metrics.stageLatency.observe({ stage: 'bulk' }, (now - item.enqueuedAt) / 1000);
          if (item.work?.receivedAt !== undefined) {
            metrics.endToEnd.observe(Math.max(0, Date.now() - item.work.receivedAt) / 1000);
          }
        }
        item.work?.done();
        continue;
      }
      const type = result.error?.type ?? 'unknown';
      if (RETRYABLE_STATUS.has(result.status) || RETRYABLE_TYPES.has(type) || result.status === 0) {
        metrics.bulkFailures.inc({ kind: 'item_retryable' });
        retry.push(item);
        continue;
      }
      metrics.bulkFailures.inc({ kind: 'item_permanent' });
      this.#inFlightDocs++;
      try {
        await this.options.onPermanentFailure(item, {
          type,
          reason: result.error?.reason ?? '',
          status: result.status,
        });
      } finally {
        this.#inFlightDocs--;
      }
    }
    if (retry.length > 0) {
      const wait = this.#nextBackoff();
      this.#blockedUntil = Math.max(this.#blockedUntil, Date.now() + wait);
      this.#retry.push(...retry);
    }
  }

  async stop(deadline: number): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#pump(true);
    while (this.pending > 0 && Date.now() < deadline - 100) {
      await Promise.race([this.idle(), sleep(Math.min(200, Math.max(0, deadline - 100 - Date.now())))]);
      this.#pump(true);
    }
    if (this.#wake) clearTimeout(this.#wake);
  }
}
