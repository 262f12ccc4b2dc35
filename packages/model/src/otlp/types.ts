// An OTLP trace export request as it arrived, before any mapping to Jaeger's model: what the protobuf and the
// JSON decoders both produce, so the mapping (to-spans.ts) is written once. Field names follow OTLP/JSON.
//
// IDs are kept as lowercase hex of whatever was sent (any length, possibly all zeroes, and for JSON possibly not
// hex at all): whether an ID is valid is decided per span by the mapping, so one bad span is rejected on its own
// instead of failing the whole request.

/** opentelemetry.proto.common.v1.AnyValue; `empty` when no member of the oneof is set. */
export type OtlpAnyValue =
  | { type: 'string'; value: string }
  | { type: 'bool'; value: boolean }
  | { type: 'int'; value: bigint }
  | { type: 'double'; value: number }
  | { type: 'bytes'; value: Uint8Array }
  | { type: 'array'; value: OtlpAnyValue[] }
  | { type: 'kvlist'; value: OtlpKeyValue[] }
  | { type: 'empty' };

export interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue;
}

export interface OtlpResource {
  attributes: OtlpKeyValue[];
  droppedAttributesCount: number;
}

export interface OtlpScope {
  name: string;
  version: string;
  attributes: OtlpKeyValue[];
  droppedAttributesCount: number;
}

/** Status.code: 0 unset, 1 ok, 2 error; other numbers are kept as sent (proto3 enums are open). */
export interface OtlpStatus {
  code: number;
  message: string;
}

export interface OtlpEvent {
  timeUnixNano: bigint;
  name: string;
  attributes: OtlpKeyValue[];
  droppedAttributesCount: number;
}

export interface OtlpLink {
  traceId: string;
  spanId: string;
  traceState: string;
  attributes: OtlpKeyValue[];
  droppedAttributesCount: number;
  flags: number;
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  traceState: string;
  /** Empty when the span is a root. */
  parentSpanId: string;
  /** W3C trace flags in bits 0-7 (0x01 sampled); bits 8 and 9 say whether the parent is known to be remote. */
  flags: number;
  name: string;
  /** SpanKind: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer; others kept as sent. */
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: OtlpKeyValue[];
  droppedAttributesCount: number;
  events: OtlpEvent[];
  droppedEventsCount: number;
  links: OtlpLink[];
  droppedLinksCount: number;
  status: OtlpStatus;
}

export interface OtlpScopeSpans {
  scope: OtlpScope;
  spans: OtlpSpan[];
  schemaUrl: string;
}

export interface OtlpResourceSpans {
  resource: OtlpResource;
  scopeSpans: OtlpScopeSpans[];
  schemaUrl: string;
}

/** opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest. */
export interface OtlpTraceRequest {
  resourceSpans: OtlpResourceSpans[];
}

/** How deep arrays and key-value lists may nest inside one attribute value before a request is refused. */
export const OTLP_MAX_VALUE_DEPTH = 32;
