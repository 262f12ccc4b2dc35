import { randomFillSync } from 'node:crypto';
import { ZERO_SPAN_ID, type SpanId, type TraceId } from '@skein/model';

// One getrandom call per 512 IDs instead of one per span.
const pool = Buffer.alloc(8 * 512);
let offset = pool.length;

/** A random, non-zero 64-bit ID as 16 lowercase hex characters. */
export function randomSpanId(): SpanId {
  for (;;) {
    if (offset === pool.length) {
      randomFillSync(pool);
      offset = 0;
    }
    const id = pool.toString('hex', offset, offset + 8);
    offset += 8;
    if (id !== ZERO_SPAN_ID) return id;
  }
}

/** A random trace ID (32 hex characters); with `bits128` false its high 64 bits are zero, as 64-bit clients send. */
export function randomTraceId(bits128: boolean): TraceId {
  return (bits128 ? randomSpanId() : ZERO_SPAN_ID) + randomSpanId();
}

/** Microseconds since the Unix epoch, with sub-millisecond resolution. */
export function nowMicros(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}
