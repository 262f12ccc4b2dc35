// The span domain model: what every skein component passes around, whatever wire format the spans came in.

/** 128-bit trace ID as 32 lowercase hex characters, zero-padded (a 64-bit ID has 16 leading zeros). */
export type TraceId = string;
/** 64-bit span ID as 16 lowercase hex characters, zero-padded. */
export type SpanId = string;

/** A tag or log field. int64 values are bigint so nothing beyond 2^53 loses precision. */
export type KeyValue =
  | { key: string; type: 'string'; value: string }
  | { key: string; type: 'bool'; value: boolean }
  | { key: string; type: 'int64'; value: bigint }
  | { key: string; type: 'float64'; value: number }
  | { key: string; type: 'binary'; value: Uint8Array };

export type ValueType = KeyValue['type'];

export interface Log {
  /** Microseconds since the Unix epoch. */
  timestamp: number;
  fields: KeyValue[];
}

export type SpanRefType = 'CHILD_OF' | 'FOLLOWS_FROM';

export interface SpanRef {
  refType: SpanRefType;
  traceId: TraceId;
  spanId: SpanId;
}

export interface Process {
  serviceName: string;
  tags: KeyValue[];
}

export interface Span {
  traceId: TraceId;
  spanId: SpanId;
  /**
   * The parent as the client sent it in Jaeger thrift's parentSpanId (absent when zero or when the format
   * has no such field). Use parentSpanIdOf() for the effective parent, which also looks at references.
   */
  parentSpanId?: SpanId;
  operationName: string;
  /** References exactly as received. */
  references: SpanRef[];
  /** Jaeger flags: bit 0 sampled, bit 1 debug, bit 5 firehose. */
  flags: number;
  /** Microseconds since the Unix epoch. */
  startTime: number;
  /** Microseconds. */
  duration: number;
  tags: KeyValue[];
  logs: Log[];
  /** The process that emitted the span; spans of one batch share one object. */
  process: Process;
  /** Set by the jaeger thrift `incomplete` field. */
  incomplete?: boolean;
  /** Problems found while receiving or assembling the span, shown to users as Jaeger does. */
  warnings?: string[];
}

/** Jaeger thrift client statistics sent with a batch. */
export interface ClientStats {
  fullQueueDroppedSpans: bigint;
  tooLargeDroppedSpans: bigint;
  failedToEmitSpans: bigint;
}

/** Spans of one process, as clients send them. */
export interface Batch {
  process: Process;
  spans: Span[];
  seqNo?: bigint;
  stats?: ClientStats;
}

/** All spans found for one trace ID. */
export interface Trace {
  traceId: TraceId;
  spans: Span[];
  warnings?: string[];
}

export const FLAG_SAMPLED = 0x1;
export const FLAG_DEBUG = 0x2;
export const FLAG_FIREHOSE = 0x20;
export const ZERO_SPAN_ID: SpanId = '0000000000000000';
