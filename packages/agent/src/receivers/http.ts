import type { IncomingMessage, ServerResponse } from 'node:http';
import { splitBatchByTrace, type ThriftProtocol } from '@skein/model';
import type { Logger, ServerTls, Service } from '@skein/runtime';
import type { ReceiverMetrics, SpanSink } from '../sink.js';
import { ReceiverHttpServer } from './http-server.js';
import { rejectReason } from './reasons.js';

export interface HttpReceiverOptions {
  port: number;
  host: string;
  maxBodyBytes: number;
  /** Serve HTTPS with this (reloading) certificate instead of plain HTTP. */
  tls?: ServerTls;
  sink: SpanSink;
  metrics: ReceiverMetrics;
  logger: Logger;
}

// The content types Jaeger's collector takes on /api/traces (thrift binary), plus compact for clients that prefer it.
const PROTOCOLS: Record<string, ThriftProtocol> = {
  'application/x-thrift': 'binary',
  'application/vnd.apache.thrift.binary': 'binary',
  'application/vnd.apache.thrift.compact': 'compact',
};

/** Jaeger's collector HTTP endpoint: POST /api/traces with a thrift Batch; 202 when queued. */
export class HttpReceiver implements Service {
  readonly name = 'http';
  readonly #server: ReceiverHttpServer;

  constructor(private readonly options: HttpReceiverOptions) {
    this.#server = new ReceiverHttpServer({ ...options, receiver: 'HTTP receiver' }, (req, res) =>
      this.#handle(req, res),
    );
  }

  /** The bound port once started. */
  get port(): number {
    return this.#server.port;
  }

  start(): Promise<void> {
    return this.#server.start();
  }

  /** Stops accepting, lets requests in flight finish, and cuts what is still open just before `deadline`. */
  stop(deadline: number): Promise<void> {
    return this.#server.stop(deadline);
  }

  #reply(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
    res.end(body ? `${body}\n` : '');
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const { metrics, sink } = this.options;
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/api/traces') return this.#reply(res, 404, 'Not found: POST spans to /api/traces');
    if (req.method !== 'POST')
      return this.#reply(res, 405, 'Method not allowed: use POST', { allow: 'POST' });
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    const protocol = PROTOCOLS[type];
    if (!protocol) {
      metrics.rejected('http', 'bad_content_type');
      req.resume();
      return this.#reply(
        res,
        400,
        `Unsupported content type: ${JSON.stringify(type)}; use application/x-thrift or application/vnd.apache.thrift.binary`,
      );
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > this.options.maxBodyBytes) {
      metrics.rejected('http', 'too_large');
      req.resume();
      return this.#reply(res, 413, `Request body larger than ${this.options.maxBodyBytes} bytes`, {
        connection: 'close',
      });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let aborted = false;
    req.on('data', (chunk: Buffer) => {
      if (aborted) return;
      size += chunk.length;
      if (size > this.options.maxBodyBytes) {
        aborted = true;
        metrics.rejected('http', 'too_large');
        this.#reply(res, 413, `Request body larger than ${this.options.maxBodyBytes} bytes`, {
          connection: 'close',
        });
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', () => undefined);
    req.on('end', () => {
      if (aborted) return;
      const body = Buffer.concat(chunks, size);
      let split;
      try {
        split = splitBatchByTrace(body, protocol);
      } catch (err) {
        metrics.rejected('http', rejectReason(err));
        return this.#reply(res, 400, `Unable to process request body: ${(err as Error).message}`);
      }
      metrics.received('http', split.spanCount);
      const result = sink.accept(split.traces, 'http', Date.now());
      if (result === 'accepted') return this.#reply(res, 202, '');
      metrics.droppedSpans('http', result === 'stopped' ? 'shutdown' : 'queue_full', split.spanCount);
      this.#reply(res, 503, 'The agent queue is full; retry later', { 'retry-after': '1' });
    });
  }
}
