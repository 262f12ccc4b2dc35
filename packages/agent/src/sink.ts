import type { TraceBatch } from '@skein/model';

/** Where receivers hand spans: the transport label used in metrics. */
export type Transport =
  'udp-compact' | 'udp-binary' | 'udp-zipkin' | 'http' | 'grpc' | 'otlp-grpc' | 'otlp-http';

/** What a receiver learns from handing over a batch. */
export type Accepted = 'accepted' | 'queue_full' | 'stopped';

/**
 * The agent's intake: per-trace compact Batches from every receiver. It either takes all of a client
 * batch's traces or none, so a client told "retry" never causes duplicates of half a batch.
 */
export interface SpanSink {
  accept(traces: readonly TraceBatch[], transport: Transport, receivedAt: number): Accepted;
}

/** Counters every receiver reports to. */
export interface ReceiverMetrics {
  /** A batch arrived and was decoded: `spans` spans. */
  received(transport: Transport, spans: number): void;
  /** Spans lost for `reason` (queue_full, shutdown, invalid); `spans` may be 0 when unknown. */
  droppedSpans(transport: Transport, reason: string, spans: number): void;
  /** A packet or request rejected whole before its spans could be counted (malformed, too_large, …). */
  rejected(transport: Transport, reason: string): void;
}
