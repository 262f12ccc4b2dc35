import * as grpc from '@grpc/grpc-js';
import { encodeOtlpExportResponse, encodeRpcStatus, RPC_CODE } from '@skein/model';
import { bindGrpcServer, drainGrpcServer, type Logger, type ServerTls, type Service } from '@skein/runtime';
import type { ReceiverMetrics, SpanSink } from '../../sink.js';

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

const identity = (buf: Buffer): Buffer => buf;

// Messages stay raw Buffers through grpc-js: decoding happens in the handler, where a DecodeError can become a
// status for that one call instead of an exception thrown inside grpc-js's deserialisation step.
const traceService: grpc.ServiceDefinition = {
  Export: {
    path: OTLP_EXPORT_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

type Reply = grpc.sendUnaryData<Buffer>;

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
  #server: grpc.Server | undefined;
  #port: number;

  constructor(private readonly options: OtlpGrpcReceiverOptions) {
    this.#port = options.port;
  }

  /** The bound port once started (the configured one before). */
  get port(): number {
    return this.#port;
  }

  async start(): Promise<void> {
    if (this.#server) return;
    const { host, port, maxMessageBytes, logger, tls } = this.options;
    const server = new grpc.Server({ 'grpc.max_receive_message_length': maxMessageBytes });
    server.addService(traceService, {
      Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, reply: Reply) => this.#export(call.request, reply),
    });
    this.#port = await bindGrpcServer(
      server,
      host,
      port,
      { receiver: 'OTLP/gRPC receiver', portSetting: 'port with otlp.grpc.port' },
      tls?.grpcCredentials(),
    );
    this.#server = server;
    logger.info('OTLP/gRPC receiver listening', {
      host,
      port: this.#port,
      service: OTLP_EXPORT_PATH,
      tls: tls !== undefined,
    });
  }

  async stop(deadline: number): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    await drainGrpcServer(server, deadline, this.options.logger, 'OTLP/gRPC receiver');
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
