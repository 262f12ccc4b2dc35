import type { TraceBatch } from '@skein/model';
import type { Transport } from '../sink.js';

export interface QueuedTrace {
  trace: TraceBatch;
  transport: Transport;
  /** When the agent received the client batch (ms since epoch): the skein-received-at header. */
  receivedAt: number;
  /** performance.now() at enqueue, for the queue-latency histogram. */
  enqueuedAt: number;
}

/**
 * A FIFO of per-trace messages bounded by spans and by bytes. A client batch is taken whole or refused
 * whole. Removing from the front is O(1): a head index, compacted now and then.
 */
export class TraceQueue {
  #items: QueuedTrace[] = [];
  #head = 0;
  #spans = 0;
  #bytes = 0;
  #waiters: Array<() => void> = [];

  constructor(
    readonly maxSpans: number,
    readonly maxBytes: number,
  ) {}

  get spans(): number {
    return this.#spans;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get length(): number {
    return this.#items.length - this.#head;
  }

  /** Adds all of `traces` or none; false when they do not fit. */
  offer(traces: readonly TraceBatch[], transport: Transport, receivedAt: number): boolean {
    let spans = 0;
    let bytes = 0;
    for (const t of traces) {
      spans += t.spanCount;
      bytes += t.value.length;
    }
    if (this.#spans + spans > this.maxSpans || this.#bytes + bytes > this.maxBytes) return false;
    const now = performance.now();
    for (const trace of traces) this.#items.push({ trace, transport, receivedAt, enqueuedAt: now });
    this.#spans += spans;
    this.#bytes += bytes;
    if (traces.length > 0) this.#wake();
    return true;
  }

  /** Removes up to `maxMessages` / `maxBytes` (at least one message if any) from the front. */
  take(maxMessages: number, maxBytes: number): QueuedTrace[] {
    const out: QueuedTrace[] = [];
    let bytes = 0;
    while (this.#head < this.#items.length && out.length < maxMessages) {
      const item = this.#items[this.#head] as QueuedTrace;
      if (out.length > 0 && bytes + item.trace.value.length > maxBytes) break;
      out.push(item);
      bytes += item.trace.value.length;
      this.#spans -= item.trace.spanCount;
      this.#bytes -= item.trace.value.length;
      this.#head++;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return out;
  }

  /** Everything still queued, removed (for counting what a shutdown loses). */
  drain(): QueuedTrace[] {
    return this.take(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  }

  /** Resolves when the queue holds something, or after `timeoutMs`. */
  waitForItems(timeoutMs: number): Promise<void> {
    if (this.length > 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const waiter = (): void => done();
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#waiters.push(waiter);
    });
  }

  #wake(): void {
    const waiters = this.#waiters;
    if (waiters.length === 0) return;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}
