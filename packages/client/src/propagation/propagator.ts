import { FLAG_SAMPLED } from '@skein/model';
import { JaegerSpanContext, type SpanContextFields } from '../tracer/span-context.js';
import type { Fields } from './carrier.js';
import {
  BAGGAGE_PREFIX,
  JAEGER_BAGGAGE,
  JAEGER_DEBUG_ID,
  UBER_TRACE_ID,
  formatUberTraceId,
  parseJaegerBaggage,
  parseUberTraceId,
  safeDecode,
  type ParsedTraceContext,
} from './jaeger.js';
import { TRACEPARENT, TRACESTATE, formatTraceparent, parseTraceparent } from './w3c.js';

/** `jaeger`: uber-trace-id and uberctx-* baggage; `w3c`: traceparent and tracestate. */
export type PropagationFormat = 'jaeger' | 'w3c';

export const DEFAULT_PROPAGATION: readonly PropagationFormat[] = ['jaeger', 'w3c'];

export interface PropagationOptions {
  /** Extraction tries these in order and takes the first valid context; injection writes all of them. */
  formats: readonly PropagationFormat[];
  /** HTTP headers and gRPC metadata carry baggage values URL-encoded; a text map carries them as they are. */
  urlEncoding: boolean;
}

/**
 * The span context in `fields`, or null when there is none. A malformed header counts as absent, so a bad
 * request starts a new trace instead of failing. Baggage (and a debug ID) without a trace context give a
 * context that only seeds the next root span.
 */
export function extractContext(fields: Fields, options: PropagationOptions): JaegerSpanContext | null {
  const jaeger = options.formats.includes('jaeger');
  let found: ParsedTraceContext | undefined;
  let traceState: string | undefined;
  for (const format of options.formats) {
    if (format === 'jaeger') {
      const value = fields.get(UBER_TRACE_ID)?.[0];
      found ??= value === undefined ? undefined : parseUberTraceId(value);
    } else {
      const value = fields.get(TRACEPARENT)?.[0];
      const parsed = value === undefined ? undefined : parseTraceparent(value);
      if (parsed === undefined) continue;
      found ??= {
        traceId: parsed.traceId,
        spanId: parsed.spanId,
        parentId: undefined,
        flags: parsed.sampled ? FLAG_SAMPLED : 0,
      };
      // tracestate belongs to the traceparent it came with: kept only if that is the trace we continue.
      const state = fields.get(TRACESTATE)?.join(',').trim();
      if (found.traceId === parsed.traceId && state) traceState = state;
    }
  }

  const baggage = new Map<string, string>();
  let debugId: string | undefined;
  if (jaeger) {
    for (const [name, values] of fields) {
      if (name.startsWith(BAGGAGE_PREFIX) && name.length > BAGGAGE_PREFIX.length) {
        const value = values[0] as string;
        baggage.set(
          name.slice(BAGGAGE_PREFIX.length),
          options.urlEncoding ? (safeDecode(value) ?? value) : value,
        );
      }
    }
    for (const value of fields.get(JAEGER_BAGGAGE) ?? []) {
      for (const [key, item] of parseJaegerBaggage(value)) if (!baggage.has(key)) baggage.set(key, item);
    }
    const debug = fields.get(JAEGER_DEBUG_ID)?.[0]?.trim();
    if (debug) debugId = debug;
  }

  if (found === undefined && baggage.size === 0 && debugId === undefined) return null;
  const ctx: SpanContextFields = found
    ? { traceId: found.traceId, spanId: found.spanId, flags: found.flags, baggage }
    : { traceId: '', spanId: '', flags: 0, baggage };
  if (found?.parentId !== undefined) ctx.parentId = found.parentId;
  if (traceState !== undefined) ctx.traceState = traceState;
  if (debugId !== undefined && found === undefined) ctx.debugId = debugId;
  return new JaegerSpanContext(ctx);
}

/** Writes `ctx` in every configured format. */
export function injectContext(
  ctx: JaegerSpanContext,
  write: (name: string, value: string) => void,
  options: PropagationOptions,
): void {
  const jaeger = options.formats.includes('jaeger');
  if (ctx.isValid) {
    if (jaeger) write(UBER_TRACE_ID, formatUberTraceId(ctx));
    if (options.formats.includes('w3c')) {
      write(TRACEPARENT, formatTraceparent(ctx));
      if (ctx.traceState !== undefined) write(TRACESTATE, ctx.traceState);
    }
  }
  if (jaeger) {
    for (const [key, value] of ctx.baggage) {
      write(BAGGAGE_PREFIX + key, options.urlEncoding ? encodeURIComponent(value) : value);
    }
  }
}
