import * as grpc from '@grpc/grpc-js';
import { encodeOtlpExportResponse, encodeRpcStatus, RPC_CODE } from '@skein/model';
import type { Logger, ServerTls, Service } from '@skein/runtime';
import type { ReceiverMetrics, SpanSink } from '../../sink.js';
import { RawUnaryServer, type RawReply as Reply } from '../grpc-server.js';

import { exportTraces, type ExportOutcome } from './export.js';

export interface OtlpGrpcReceiverOptions {
  /** TCP port to listen on (OTLP's is 4317); 0 picks a free one, see `OtlpGrpcReceiver.port`. */
  port: number;
  host: string;
  sink: SpanSink;
  metrics: ReceiverMetrics;
  logger: Logger;
  /** Largest request message accepted; grpc-js answers bigger ones with RESOURCE_EXHAUSTED before decoding. */
  maxMessageBytes: number;
  /** Most spans one request may hold (the queue's capacity); more is INVALID_ARGUMENT. */
  maxSpans: number;
  /** Serve over TLS with this (reloading) certificate instead of plaintext. */
  tls?: ServerTls;
}

/** opentelemetry-proto's collector/trace/v1/trace_service.proto: unary rpc `Export`. */
export const OTLP_EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

/** How long a client told UNAVAILABLE is asked to wait, in the RetryInfo detail. */
const RETRY_DELAY_SECONDS = 1;

/** An UNAVAILABLE status with a google.rpc.RetryInfo detail, which OTLP clients read as "retry after the delay". */
function unavailable(message: string): grpc.ServerErrorResponse {
  const metadata = new grpc.Metadata();
  const status = encodeRpcStatus({
    code: RPC_CODE.UNAVAILABLE,
    message,
    retryDelaySeconds: RETRY_DELAY_SECONDS,
  });
  metadata.set('grpc-status-details-bin', Buffer.from(status));
  return Object.assign(new Error(message), { code: grpc.status.UNAVAILABLE, details: message, metadata });
}

/**
 * Receives OTLP/gRPC trace exports (what OpenTelemetry SDKs and the Collector's otlp exporter send to 4317),
 * maps them to Jaeger spans and hands them, split per trace, to the sink. grpc-js itself decompresses gzip and
 * deflate messages and refuses those over `maxMessageBytes` (RESOURCE_EXHAUSTED) before this code sees them.
 */
export class OtlpGrpcReceiver implements Service {
  readonly name = 'otlp-grpc';
  readonly #server: RawUnaryServer;

  constructor(private readonly options: OtlpGrpcReceiverOptions) {
    this.#server = new RawUnaryServer(
      { ...options, receiver: 'OTLP/gRPC receiver', portSetting: 'port with otlp.grpc.port' },
      OTLP_EXPORT_PATH,
      (request, reply) => this.#export(request, reply),
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

  #export(request: Buffer, reply: Reply): void {
    const { logger } = this.options;
    let outcome: ExportOutcome;
    try {
      outcome = exportTraces(request, 'protobuf', { ...this.options, transport: 'otlp-grpc' });
    } catch (err) {
      // A bug on our side, not the client's: answer this call and keep serving.
      logger.error('OTLP Export handler failed', { error: err });
      reply({ code: grpc.status.INTERNAL, details: 'agent failed to handle the export; see the agent log' });
      return;
    }
    switch (outcome.result) {
      case 'accepted':
        reply(null, Buffer.from(encodeOtlpExportResponse(outcome.partial)));
        return;
      case 'invalid':
        reply({
          code: grpc.status.INVALID_ARGUMENT,
          details: `malformed ExportTraceServiceRequest: ${outcome.message}`,
        });
        return;
      case 'queue_full':
        reply(unavailable('agent queue is full; retry the export after a backoff'));
        return;
      case 'stopped':
        reply(unavailable('agent is shutting down; retry the export (another agent or later)'));
    }
  }
}
