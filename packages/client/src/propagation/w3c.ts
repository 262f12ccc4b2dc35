import { ZERO_SPAN_ID, type SpanId, type TraceId } from '@skein/model';

/** W3C Trace Context: `{version}-{trace-id}-{parent-id}-{trace-flags}`. */
export const TRACEPARENT = 'traceparent';
/** Vendor state, passed on unchanged. */
export const TRACESTATE = 'tracestate';

const TRACEPARENT_FORMAT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE_ID = '0'.repeat(32);
const W3C_SAMPLED = 0x01;

export interface ParsedTraceparent {
  traceId: TraceId;
  spanId: SpanId;
  sampled: boolean;
}

/**
 * Parses a `traceparent` value as the W3C recommendation says: lowercase hex only, version ff invalid,
 * version 00 exactly 55 characters, later versions may append fields; zero IDs are invalid.
 */
export function parseTraceparent(raw: string): ParsedTraceparent | undefined {
  const value = raw.trim();
  const match = TRACEPARENT_FORMAT.exec(value);
  if (match === null) return undefined;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string | undefined,
  ];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE_ID || spanId === ZERO_SPAN_ID) return undefined;
  return { traceId, spanId, sampled: (Number.parseInt(flags, 16) & W3C_SAMPLED) !== 0 };
}

/** Version 00; only the sampled bit of Jaeger's flags has a W3C equivalent. */
export function formatTraceparent(ctx: { traceId: TraceId; spanId: SpanId; sampled: boolean }): string {
  return `00-${ctx.traceId}-${ctx.spanId}-${ctx.sampled ? '01' : '00'}`;
}
