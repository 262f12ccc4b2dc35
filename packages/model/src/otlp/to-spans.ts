// OTLP spans → skein's (Jaeger's) span model, following OpenTelemetry's Jaeger mapping (trace/sdk_exporters/
// jaeger.md) and its generic rules for formats without OTLP's concepts (common/mapping-to-non-otlp.md). The table
// of what goes where is in docs/agent.md; the choices the specification leaves open are explained there too.

import type { KeyValue, Log, Process, Span, SpanRef } from '../types.js';
import type {
  OtlpAnyValue,
  OtlpKeyValue,
  OtlpResource,
  OtlpScope,
  OtlpSpan,
  OtlpTraceRequest,
} from './types.js';

/** The spans of an export request, and what partial_success reports for the ones that could not be taken. */
export interface OtlpSpansResult {
  spans: Span[];
  /** Spans refused one by one (invalid IDs): ExportTracePartialSuccess.rejected_spans. */
  rejectedSpans: number;
  /** Why they were refused, for ExportTracePartialSuccess.error_message; '' when none was. */
  errorMessage: string;
}

/** Service name for a resource without `service.name`: the SDKs' default resource value. */
export const OTLP_UNKNOWN_SERVICE = 'unknown_service';

const ZERO_TRACE_ID = '00000000000000000000000000000000';
const ZERO_SPAN_ID = '0000000000000000';
const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const NANOS_PER_MICRO = 1000n;
// SpanKind 1-5; 0 (unspecified) and numbers outside the enum get no span.kind tag.
const KINDS = [undefined, 'internal', 'server', 'client', 'producer', 'consumer'] as const;
const STATUS_OK = 1;
const STATUS_ERROR = 2;
// W3C trace flags: bit 0 is "sampled", the only one with a Jaeger equivalent.
const W3C_SAMPLED = 0x01;

function invalidTraceId(id: string): string | undefined {
  if (!TRACE_ID.test(id)) return 'trace_id must be 16 bytes (32 hex digits in OTLP/JSON)';
  if (id === ZERO_TRACE_ID) return 'trace_id is all zeroes';
  return undefined;
}

function invalidSpanId(id: string, what: string): string | undefined {
  if (!SPAN_ID.test(id)) return `${what} must be 8 bytes (16 hex digits in OTLP/JSON)`;
  if (id === ZERO_SPAN_ID) return `${what} is all zeroes`;
  return undefined;
}

function micros(nanos: bigint): number {
  return Number(nanos / NANOS_PER_MICRO);
}

/**
 * An attribute value as text, following OpenTelemetry's "AnyValue representation for non-OTLP protocols": arrays
 * and maps as JSON, inside which strings and bytes (base64) are JSON strings, NaN and ±Infinity are the strings
 * "NaN", "Infinity" and "-Infinity", and empty values are null.
 */
export function otlpValueJson(v: OtlpAnyValue): string {
  switch (v.type) {
    case 'string':
      return JSON.stringify(v.value);
    case 'bool':
      return v.value ? 'true' : 'false';
    case 'int':
      return v.value.toString();
    case 'double':
      return Number.isFinite(v.value) ? String(v.value) : `"${String(v.value)}"`;
    case 'bytes':
      return `"${Buffer.from(v.value.buffer, v.value.byteOffset, v.value.byteLength).toString('base64')}"`;
    case 'array':
      return `[${v.value.map(otlpValueJson).join(',')}]`;
    case 'kvlist':
      return `{${v.value.map((kv) => `${JSON.stringify(kv.key)}:${otlpValueJson(kv.value)}`).join(',')}}`;
    case 'empty':
      return 'null';
  }
}

/** An attribute value as text where a string is needed: strings as they are, everything else as in otlpValueJson. */
export function otlpValueText(v: OtlpAnyValue): string {
  switch (v.type) {
    case 'string':
      return v.value;
    case 'empty':
      return '';
    case 'double':
      return String(v.value);
    case 'bytes':
      return Buffer.from(v.value.buffer, v.value.byteOffset, v.value.byteLength).toString('base64');
    default:
      return otlpValueJson(v);
  }
}

/** One attribute as a Jaeger tag: primitives keep their type, arrays and maps become JSON strings. */
export function otlpAttributeToTag(kv: OtlpKeyValue): KeyValue {
  const { key, value: v } = kv;
  switch (v.type) {
    case 'string':
      return { key, type: 'string', value: v.value };
    case 'bool':
      return { key, type: 'bool', value: v.value };
    case 'int':
      return { key, type: 'int64', value: v.value };
    case 'double':
      return { key, type: 'float64', value: v.value };
    case 'bytes':
      return { key, type: 'binary', value: v.value };
    default:
      return { key, type: 'string', value: otlpValueText(v) };
  }
}

function droppedCount(tags: KeyValue[], key: string, count: number): void {
  if (count !== 0) tags.push({ key, type: 'int64', value: BigInt(count) });
}

/** resource → process: `service.name` names the service, every other attribute becomes a process tag. */
function toProcess(resource: OtlpResource): Process {
  let serviceName: string | undefined;
  const tags: KeyValue[] = [];
  for (const kv of resource.attributes) {
    if (kv.key !== 'service.name') tags.push(otlpAttributeToTag(kv));
    else if (serviceName === undefined) {
      serviceName = otlpValueText(kv.value);
    }
  }
  droppedCount(tags, 'otel.dropped_attributes_count', resource.droppedAttributesCount);
  return { serviceName: serviceName || OTLP_UNKNOWN_SERVICE, tags };
}

/** The tags every span of a scope carries: its name, version and attributes. */
function scopeTags(scope: OtlpScope): KeyValue[] {
  const tags: KeyValue[] = [];
  if (scope.name !== '') tags.push({ key: 'otel.scope.name', type: 'string', value: scope.name });
  if (scope.version !== '') tags.push({ key: 'otel.scope.version', type: 'string', value: scope.version });
  for (const kv of scope.attributes) tags.push(otlpAttributeToTag(kv));
  return tags;
}

function toTags(span: OtlpSpan, scope: readonly KeyValue[]): KeyValue[] {
  const error = span.status.code === STATUS_ERROR;
  const tags: KeyValue[] = [];
  for (const kv of span.attributes) {
    // An ERROR status sets error=true, which replaces an `error` attribute (the mapping allows either).
    if (!(error && kv.key === 'error')) tags.push(otlpAttributeToTag(kv));
  }
  const kind = KINDS[span.kind];
  if (kind !== undefined) tags.push({ key: 'span.kind', type: 'string', value: kind });
  const { code, message } = span.status;
  if (code === STATUS_OK || code === STATUS_ERROR) {
    tags.push({ key: 'otel.status_code', type: 'string', value: code === STATUS_OK ? 'OK' : 'ERROR' });
    if (message !== '') tags.push({ key: 'otel.status_description', type: 'string', value: message });
    if (error) tags.push({ key: 'error', type: 'bool', value: true });
  }
  tags.push(...scope);
  if (span.traceState !== '') tags.push({ key: 'w3c.tracestate', type: 'string', value: span.traceState });
  droppedCount(tags, 'otel.dropped_attributes_count', span.droppedAttributesCount);
  droppedCount(tags, 'otel.dropped_events_count', span.droppedEventsCount);
  droppedCount(tags, 'otel.dropped_links_count', span.droppedLinksCount);
  return tags;
}

function toLogs(span: OtlpSpan): Log[] {
  return span.events.map((event) => {
    const fields: KeyValue[] = [];
    // An attribute named `event` takes precedence over the event's name.
    if (event.name !== '' && !event.attributes.some((kv) => kv.key === 'event')) {
      fields.push({ key: 'event', type: 'string', value: event.name });
    }
    for (const kv of event.attributes) fields.push(otlpAttributeToTag(kv));
    droppedCount(fields, 'otel.dropped_attributes_count', event.droppedAttributesCount);
    return { timestamp: micros(event.timeUnixNano), fields };
  });
}

/** Links become FOLLOWS_FROM references; a link without a valid trace and span ID points nowhere and is left out. */
function toReferences(span: OtlpSpan): SpanRef[] {
  const refs: SpanRef[] = [];
  for (const link of span.links) {
    if (invalidTraceId(link.traceId) === undefined && invalidSpanId(link.spanId, '') === undefined) {
      refs.push({ refType: 'FOLLOWS_FROM', traceId: link.traceId, spanId: link.spanId });
    }
  }
  return refs;
}

/** Why the span cannot be stored at all, or undefined when it can. */
function rejection(span: OtlpSpan): string | undefined {
  return (
    invalidTraceId(span.traceId) ??
    invalidSpanId(span.spanId, 'span_id') ??
    (span.parentSpanId === '' || span.parentSpanId === ZERO_SPAN_ID
      ? undefined
      : invalidSpanId(span.parentSpanId, 'parent_span_id'))
  );
}

/**
 * Maps every span of an export request to the domain model, one Process per resource (shared by its spans).
 * Spans with invalid IDs are counted and described instead, so the rest of the request still gets through.
 */
export function otlpToSpans(request: OtlpTraceRequest): OtlpSpansResult {
  const spans: Span[] = [];
  let rejectedSpans = 0;
  let firstProblem = '';
  request.resourceSpans.forEach((rs, r) => {
    const process = toProcess(rs.resource);
    rs.scopeSpans.forEach((ss, s) => {
      const scope = scopeTags(ss.scope);
      ss.spans.forEach((otlp, i) => {
        const problem = rejection(otlp);
        if (problem !== undefined) {
          if (rejectedSpans++ === 0)
            firstProblem = `resourceSpans[${r}].scopeSpans[${s}].spans[${i}]: ${problem}`;
          return;
        }
        const startTime = micros(otlp.startTimeUnixNano);
        const end = otlp.endTimeUnixNano;
        const span: Span = {
          traceId: otlp.traceId,
          spanId: otlp.spanId,
          operationName: otlp.name,
          references: toReferences(otlp),
          // An SDK exports only sampled spans, and older ones leave the field unset (0): unset counts as sampled.
          flags: otlp.flags === 0 || (otlp.flags & W3C_SAMPLED) !== 0 ? 1 : 0,
          startTime,
          // An end before the start (or none) would be a negative duration, which Jaeger cannot show: 0.
          duration: end > otlp.startTimeUnixNano ? micros(end - otlp.startTimeUnixNano) : 0,
          tags: toTags(otlp, scope),
          logs: toLogs(otlp),
          process,
        };
        if (otlp.parentSpanId !== '' && otlp.parentSpanId !== ZERO_SPAN_ID)
          span.parentSpanId = otlp.parentSpanId;
        spans.push(span);
      });
    });
  });
  const total = spans.length + rejectedSpans;
  const errorMessage =
    rejectedSpans === 0
      ? ''
      : `rejected ${rejectedSpans} of ${total} spans with invalid IDs; first: ${firstProblem}`;
  return { spans, rejectedSpans, errorMessage };
}
