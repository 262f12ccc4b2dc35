// What the query service asks of its storage, in domain terms: the HTTP and gRPC APIs are both written against it.
import type { Trace, TraceId } from '@skein/model';

/** A search for traces, already validated; times and durations in microseconds. */
export interface TraceQuery {
  service: string;
  /** Empty or absent: any operation. */
  operation?: string;
  /** Every tag must match on one span; a value is a regular expression over the stored value (whole value). */
  tags: ReadonlyArray<readonly [key: string, value: string]>;
  /** Span start time bounds, µs since the epoch, both included. */
  startMin: number;
  startMax: number;
  /** Span duration bounds in µs, both included; absent: unbounded. */
  durationMin?: number;
  durationMax?: number;
  /** Traces to return at most (the newest first). */
  limit: number;
}

/** Where to look for a trace by ID; absent bounds mean every span index. Milliseconds since the epoch. */
export interface TimeRange {
  startMs: number;
  endMs: number;
}

export interface Operation {
  name: string;
  /** `server`, `client`, `producer`, `consumer`, `internal`, or "" when unknown (e.g. written by Jaeger itself). */
  spanKind: string;
}

export interface DependencyLink {
  parent: string;
  child: string;
  callCount: number;
}

/** Read access to traces; implemented over Elasticsearch by EsSpanReader. */
export interface SpanReader {
  /** Service names seen within the reader's lookback, sorted. */
  services(): Promise<string[]>;
  /** The service's operations, sorted by name then kind; with `spanKind`, only that kind. */
  operations(service: string, spanKind?: string): Promise<Operation[]>;
  /** IDs of the traces with a span matching the query, newest (latest matching span start) first. */
  findTraceIds(query: TraceQuery): Promise<TraceId[]>;
  /** findTraceIds, then each whole trace, in the same order. */
  findTraces(query: TraceQuery): Promise<Trace[]>;
  /** Whole traces by ID, in the order asked; IDs with no span are left out. */
  getTraces(traceIds: readonly TraceId[], range?: TimeRange): Promise<Trace[]>;
  /** Dependency links in [endMs - lookbackMs, endMs], summed per (parent, child). */
  dependencies(endMs: number, lookbackMs: number): Promise<DependencyLink[]>;
}

/** A query Elasticsearch refused because of what the user asked (e.g. an invalid regular expression). */
export class QueryInputError extends Error {
  readonly code = 'QUERY_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'QueryInputError';
  }
}
