// The gRPC server under the agent's two gRPC receivers (Jaeger's PostSpans and OTLP's Export): one unary
// method whose messages stay raw Buffers, bound (optionally over TLS), logged and drained the same way.
import * as grpc from '@grpc/grpc-js';
import { bindGrpcServer, drainGrpcServer, type Logger, type ServerTls } from '@skein/runtime';

export type RawReply = grpc.sendUnaryData<Buffer>;

export interface RawUnaryServerOptions {
  port: number;
  host: string;
  logger: Logger;
  /** Largest request message accepted; grpc-js answers bigger ones with RESOURCE_EXHAUSTED before decoding. */
  maxMessageBytes: number;
  tls?: ServerTls | undefined;
  /** For log lines and bind errors: "gRPC receiver", and the setting that changes its port. */
  receiver: string;
  portSetting: string;
}

const identity = (buf: Buffer): Buffer => buf;

/** A gRPC server of one unary method at `path`, handled by `handle` with the request's raw bytes. */
export class RawUnaryServer {
  #server: grpc.Server | undefined;
  #port: number;

  constructor(
    private readonly options: RawUnaryServerOptions,
    private readonly path: string,
    private readonly handle: (request: Buffer, reply: RawReply) => void,
  ) {
    this.#port = options.port;
  }

  /** The bound port once started (the configured one before). */
  get port(): number {
    return this.#port;
  }

  async start(): Promise<void> {
    if (this.#server) return;
    const { host, port, maxMessageBytes, logger, tls, receiver, portSetting } = this.options;
    const method = this.path.slice(this.path.lastIndexOf('/') + 1);
    // Messages stay raw Buffers through grpc-js: decoding happens in the handler, where a DecodeError can become
    // a status for that one call instead of an exception thrown inside grpc-js's deserialisation step.
    const service: grpc.ServiceDefinition = {
      [method]: {
        path: this.path,
        requestStream: false,
        responseStream: false,
        requestSerialize: identity,
        requestDeserialize: identity,
        responseSerialize: identity,
        responseDeserialize: identity,
      },
    };
    const server = new grpc.Server({ 'grpc.max_receive_message_length': maxMessageBytes });
    server.addService(service, {
      [method]: (call: grpc.ServerUnaryCall<Buffer, Buffer>, reply: RawReply) =>
        this.handle(call.request, reply),
    });
    this.#port = await bindGrpcServer(server, host, port, { receiver, portSetting }, tls?.grpcCredentials());
    this.#server = server;
    logger.info(`${receiver} listening`, {
      host,
      port: this.#port,
      service: this.path,
      tls: tls !== undefined,
    });
  }

  /** Stops accepting calls and lets those in flight finish; what is still open at `deadline` is cut off. */
  async stop(deadline: number): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    await drainGrpcServer(server, deadline, this.options.logger, this.options.receiver);
  }
}
