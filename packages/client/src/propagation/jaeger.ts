import { ZERO_SPAN_ID, parseSpanId, parseTraceId, type SpanId, type TraceId } from '@skein/model';

/** Jaeger's trace context header: `{trace-id}:{span-id}:{parent-span-id}:{flags}`, IDs and flags in hex. */
export const UBER_TRACE_ID = 'uber-trace-id';
/** Prefix of one baggage item per header: `uberctx-{key}: {value}`. */
export const BAGGAGE_PREFIX = 'uberctx-';
/** Baggage in one header, `k1=v1, k2=v2`, e.g. set by hand with curl. */
export const JAEGER_BAGGAGE = 'jaeger-baggage';
/** Asks for the trace to be sampled and tags its root span with the value, to find it again. */
export const JAEGER_DEBUG_ID = 'jaeger-debug-id';

export interface ParsedTraceContext {
  traceId: TraceId;
  spanId: SpanId;
  parentId: SpanId | undefined;
  flags: number;
}

const HEX_FLAGS = /^[0-9a-fA-F]{1,2}$/;
const ZERO_TRACE_ID = '0'.repeat(32);

/** Parses an `uber-trace-id` value (URL-encoded or not); undefined when it is malformed or has zero IDs. */
export function parseUberTraceId(raw: string): ParsedTraceContext | undefined {
  const value = raw.includes('%') ? safeDecode(raw) : raw;
  if (value === undefined) return undefined;
  const parts = value.trim().split(':');
  if (parts.length !== 4) return undefined;
  const [t, s, p, f] = parts as [string, string, string, string];
  const traceId = parseTraceId(t);
  const spanId = parseSpanId(s);
  const parent = parseSpanId(p);
  if (traceId === undefined || spanId === undefined || parent === undefined || !HEX_FLAGS.test(f)) {
    return undefined;
  }
  if (traceId === ZERO_TRACE_ID || spanId === ZERO_SPAN_ID) return undefined;
  return {
    traceId,
    spanId,
    parentId: parent === ZERO_SPAN_ID ? undefined : parent,
    flags: Number.parseInt(f, 16),
  };
}

/** The header value: a 64-bit trace ID (high half zero) as 16 hex characters, a 128-bit one as 32. */
export function formatUberTraceId(ctx: {
  traceId: TraceId;
  spanId: SpanId;
  parentId: SpanId | undefined;
  flags: number;
}): string {
  const traceId = ctx.traceId.startsWith(ZERO_SPAN_ID) ? ctx.traceId.slice(16) : ctx.traceId;
  return `${traceId}:${ctx.spanId}:${ctx.parentId ?? ZERO_SPAN_ID}:${(ctx.flags & 0xff).toString(16)}`;
}

/** Items of a `jaeger-baggage` header; pairs without `=` are skipped. */
export function parseJaegerBaggage(value: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const pair of value.split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const key = pair.slice(0, eq).trim();
    if (key !== '') out.push([key, pair.slice(eq + 1).trim()]);
  }
  return out;
}

/** decodeURIComponent, or undefined for a malformed escape. */
export function safeDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}
