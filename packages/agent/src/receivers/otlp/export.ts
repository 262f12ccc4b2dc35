import {
  DecodeError,
  decodeOtlpTraceRequest,
  decodeOtlpTraceRequestJson,
  otlpToSpans,
  type OtlpPartialSuccess,
  type OtlpSpansResult,
} from '@skein/model';
import type { Logger } from '@skein/runtime';
import type { ReceiverMetrics, SpanSink, Transport } from '../../sink.js';
import { toTraceBatches } from '../batches.js';
import { rejectReason } from '../reasons.js';

/** How an OTLP request body is encoded: protobuf (gRPC, application/x-protobuf) or OTLP/JSON. */
export type OtlpEncoding = 'protobuf' | 'json';

/** What became of one export request; each receiver turns it into its own status codes. */
export type ExportOutcome =
  /** Taken (possibly minus spans rejected one by one, which `partial` then reports). */
  | { result: 'accepted'; partial: OtlpPartialSuccess }
  /** The body is not a valid request: a permanent error, the client must not retry it. */
  | { result: 'invalid'; message: string }
  /** The agent cannot take it now (queue full, or shutting down): the client should retry later. */
  | { result: 'queue_full' | 'stopped' };

export interface OtlpExportContext {
  transport: Transport;
  sink: SpanSink;
  metrics: ReceiverMetrics;
  logger: Logger;
  /** Most spans one request may hold: the queue could never take more at once. */
  maxSpans: number;
}

/**
 * The part both OTLP receivers share: decode, map to Jaeger spans, split per trace, queue. Spans rejected for
 * invalid IDs are counted as dropped (`invalid`) and reported back; everything else is all or nothing, as the
 * sink takes a request's traces whole or not at all.
 */
export function exportTraces(
  body: Uint8Array,
  encoding: OtlpEncoding,
  ctx: OtlpExportContext,
): ExportOutcome {
  const { transport, sink, metrics, logger, maxSpans } = ctx;
  let result: OtlpSpansResult;
  try {
    const request =
      encoding === 'protobuf'
        ? decodeOtlpTraceRequest(body, { maxSpans })
        : decodeOtlpTraceRequestJson(body, { maxSpans });
    result = otlpToSpans(request);
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    metrics.rejected(transport, rejectReason(err));
    logger.debug('malformed OTLP export request', { transport, encoding, bytes: body.length, error: err });
    return { result: 'invalid', message: err.message };
  }
  const { spans, rejectedSpans, errorMessage } = result;
  metrics.received(transport, spans.length + rejectedSpans);
  if (rejectedSpans > 0) {
    metrics.droppedSpans(transport, 'invalid', rejectedSpans);
    logger.debug('rejected OTLP spans', { transport, rejectedSpans, error: errorMessage });
  }
  const partial = { rejectedSpans, errorMessage };
  if (spans.length === 0) return { result: 'accepted', partial };
  const outcome = sink.accept(toTraceBatches(spans), transport, Date.now());
  if (outcome === 'accepted') return { result: 'accepted', partial };
  metrics.droppedSpans(transport, outcome === 'stopped' ? 'shutdown' : 'queue_full', spans.length);
  return { result: outcome };
}
