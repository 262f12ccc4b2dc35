// The HTTP server under the agent's two HTTP receivers (Jaeger's /api/traces and OTLP's /v1/traces): plain or
// TLS, listening, logged and drained the same way.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServerWithTls, listen, type Logger, type ServerTls } from '@skein/runtime';

export interface ReceiverHttpServerOptions {
  port: number;
  host: string;
  logger: Logger;
  tls?: ServerTls | undefined;
  /** For the log line: "HTTP receiver". */
  receiver: string;
}

/** An HTTP(S) server handing every request to `handle`. */
export class ReceiverHttpServer {
  #server: Server | undefined;

  constructor(
    private readonly options: ReceiverHttpServerOptions,
    private readonly handle: (req: IncomingMessage, res: ServerResponse) => void,
  ) {}

  /** The bound port once started, else 0. */
  get port(): number {
    return (this.#server?.address() as AddressInfo | null | undefined)?.port ?? 0;
  }

  async start(): Promise<void> {
    const { host, port, logger, tls, receiver } = this.options;
    const server = createServerWithTls(tls, {}, this.handle);
    server.requestTimeout = 30_000;
    await listen(server, port, host);
    this.#server = server;
    logger.info(`${receiver} listening`, { host, port: this.port, tls: tls !== undefined });
  }

  /** Stops accepting, lets requests in flight finish, and cuts what is still open just before `deadline`. */
  async stop(deadline: number): Promise<void> {
    const server = this.#server;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const timer = setTimeout(() => server.closeAllConnections(), Math.max(0, deadline - Date.now() - 500));
    await closed;
    clearTimeout(timer);
    this.#server = undefined;
  }
}
