import type { Span, SpanId, TraceId } from './types.js';

const HEX = /^[0-9a-f]+$/;

/** Normalises a user-given trace ID (1–32 hex chars, any case, leading zeros optional) to 32 chars; undefined if invalid. */
export function parseTraceId(text: string): TraceId | undefined {
  const lower = text.toLowerCase();
  if (lower.length === 0 || lower.length > 32 || !HEX.test(lower)) return undefined;
  return lower.padStart(32, '0');
}

/** Normalises a span ID (1–16 hex chars) to 16 chars; undefined if invalid. */
export function parseSpanId(text: string): SpanId | undefined {
  const lower = text.toLowerCase();
  if (lower.length === 0 || lower.length > 16 || !HEX.test(lower)) return undefined;
  return lower.padStart(16, '0');
}

/** Trace ID from its two 64-bit halves given as 16-char hex. */
export function traceIdFromHalves(high: string, low: string): TraceId {
  return high + low;
}

/** Jaeger's short form: 16 chars when the high half is zero, otherwise 32 (what Jaeger stores in Elasticsearch). */
export function jaegerTraceIdString(traceId: TraceId): string {
  return traceId.startsWith('0000000000000000') ? traceId.slice(16) : traceId;
}

/** The effective parent: thrift's parentSpanId if set, else the first CHILD_OF reference within the same trace. */
export function parentSpanIdOf(span: Span): SpanId | undefined {
  if (span.parentSpanId !== undefined) return span.parentSpanId;
  for (const ref of span.references) {
    if (ref.refType === 'CHILD_OF' && ref.traceId === span.traceId) return ref.spanId;
  }
  return undefined;
}
