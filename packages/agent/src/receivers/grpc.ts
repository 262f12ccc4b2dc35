import * as grpc from '@grpc/grpc-js';
import { DecodeError, decodeProtoPostSpansRequest, type Span } from '@skein/model';
import type { Logger, ServerTls, Service } from '@skein/runtime';
import type { ReceiverMetrics, SpanSink } from '../sink.js';
import { toTraceBatches } from './batches.js';
import { RawUnaryServer, type RawReply as Reply } from './grpc-server.js';

export interface GrpcReceiverOptions {
  /** TCP port to listen on (Jaeger's is 14250); 0 picks a free one, see `GrpcReceiver.port`. */
  port: number;
  host: string;
  sink: SpanSink;
  metrics: ReceiverMetrics;
  logger: Logger;
  /** Largest request message accepted; grpc-js answers bigger ones with RESOURCE_EXHAUSTED before decoding. */
  maxMessageBytes: number;
  /** Serve over TLS with this (reloading) certificate instead of plaintext. */
  tls?: ServerTls;
}

/** Jaeger's api_v2 collector.proto: service `jaeger.api_v2.CollectorService`, unary rpc `PostSpans`. */
export const POST_SPANS_PATH = '/jaeger.api_v2.CollectorService/PostSpans';

/** PostSpansResponse has no fields, so its encoding is zero bytes. */
const EMPTY_RESPONSE = Buffer.alloc(0);

/** Status details a client sees when the agent cannot take its spans; both codes are retryable in gRPC. */
const QUEUE_FULL_DETAILS = 'agent queue is full; retry PostSpans after a backoff';
const STOPPED_DETAILS = 'agent is shutting down; retry PostSpans (another agent or later)';

/**
 * Receives Jaeger `CollectorService/PostSpans` over gRPC (what jaeger-agent, OTel's Jaeger exporter and
 * jaeger-client-go's gRPC reporter send to a collector on 14250) and hands the spans, split per trace, to the sink.
 *
 * Requests over `maxMessageBytes` are refused by grpc-js itself (RESOURCE_EXHAUSTED) before any of this code
 * sees them, so they are not counted in `metrics.rejected`: grpc-js offers no hook that tells that case apart
 * from a client cancelling its call.
 */
export class GrpcReceiver implements Service {
  readonly name = 'grpc';
  readonly #server: RawUnaryServer;

  constructor(private readonly options: GrpcReceiverOptions) {
    this.#server = new RawUnaryServer(
      { ...options, receiver: 'gRPC receiver', portSetting: 'gRPC receiver port' },
      POST_SPANS_PATH,
      (request, reply) => this.#postSpans(request, reply),
    );
  }

  /** The bound port once started (the configured one before). */
  get port(): number {
    return this.#server.port;
  }

  start(): Promise<void> {
    return this.#server.start();
  }

  /** Stops accepting calls and lets those in flight finish; what is still open at `deadline` is cut off. */
  stop(deadline: number): Promise<void> {
    return this.#server.stop(deadline);
  }

  #postSpans(request: Buffer, reply: Reply): void {
    const { metrics, sink, logger } = this.options;
    try {
      let spans: Span[];
      try {
        spans = decodeProtoPostSpansRequest(request).spans;
      } catch (err) {
        if (!(err instanceof DecodeError)) throw err;
        metrics.rejected('grpc', 'malformed');
        logger.debug('malformed PostSpans request', { bytes: request.length, error: err });
        reply({ code: grpc.status.INVALID_ARGUMENT, details: `malformed PostSpansRequest: ${err.message}` });
        return;
      }
      metrics.received('grpc', spans.length);
      if (spans.length === 0) {
        reply(null, EMPTY_RESPONSE);
        return;
      }
      const outcome = sink.accept(toTraceBatches(spans), 'grpc', Date.now());
      if (outcome === 'accepted') {
        reply(null, EMPTY_RESPONSE);
      } else if (outcome === 'queue_full') {
        metrics.droppedSpans('grpc', 'queue_full', spans.length);
        reply({ code: grpc.status.RESOURCE_EXHAUSTED, details: QUEUE_FULL_DETAILS });
      } else {
        metrics.droppedSpans('grpc', 'shutdown', spans.length);
        reply({ code: grpc.status.UNAVAILABLE, details: STOPPED_DETAILS });
      }
    } catch (err) {
      // A bug on our side, not the client's: answer this call and keep serving.
      logger.error('PostSpans handler failed', { error: err });
      reply({ code: grpc.status.INTERNAL, details: 'agent failed to handle PostSpans; see the agent log' });
    }
  }
}
