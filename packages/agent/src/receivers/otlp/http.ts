import type { IncomingMessage, ServerResponse } from 'node:http';
import { gunzip, inflate, type InputType, type ZlibOptions } from 'node:zlib';
import {
  encodeOtlpExportResponse,
  encodeOtlpExportResponseJson,
  encodeRpcStatus,
  encodeRpcStatusJson,
  RPC_CODE,
  type RpcStatus,
} from '@skein/model';
import type { Logger, ServerTls, Service } from '@skein/runtime';
import { ReceiverHttpServer } from '../http-server.js';
import type { ReceiverMetrics, SpanSink } from '../../sink.js';
import { exportTraces, type ExportOutcome, type OtlpEncoding } from './export.js';

export interface OtlpHttpReceiverOptions {
  /** TCP port to listen on (OTLP's is 4318); 0 picks a free one, see `OtlpHttpReceiver.port`. */
  port: number;
  host: string;
  /** Largest body, both as sent and after decompression. */
  maxBodyBytes: number;
  /** Most spans one request may hold (the queue's capacity); more is 400. */
  maxSpans: number;
  /** Serve HTTPS with this (reloading) certificate instead of plain HTTP. */
  tls?: ServerTls;
  sink: SpanSink;
  metrics: ReceiverMetrics;
  logger: Logger;
}

export const OTLP_TRACES_PATH = '/v1/traces';

const CONTENT_TYPES: Record<string, OtlpEncoding> = {
  'application/x-protobuf': 'protobuf',
  'application/json': 'json',
};
const MEDIA_TYPE: Record<OtlpEncoding, string> = {
  protobuf: 'application/x-protobuf',
  json: 'application/json',
};

type Decompress = (
  buf: InputType,
  options: ZlibOptions,
  callback: (err: Error | null, out: Buffer) => void,
) => void;
const DECOMPRESSORS: Record<string, Decompress | null> = {
  '': null,
  identity: null,
  gzip: gunzip,
  'x-gzip': gunzip,
  deflate: inflate,
};

/** How long a client told 503 should wait (Retry-After, and RetryInfo in the body). */
const RETRY_AFTER_SECONDS = 1;

/** HTTP status → the google.rpc.Code the error body carries. */
const RPC_CODE_OF: Record<number, number> = {
  400: RPC_CODE.INVALID_ARGUMENT,
  404: RPC_CODE.NOT_FOUND,
  405: RPC_CODE.UNIMPLEMENTED,
  413: RPC_CODE.RESOURCE_EXHAUSTED,
  415: RPC_CODE.INVALID_ARGUMENT,
  500: RPC_CODE.INTERNAL,
  503: RPC_CODE.UNAVAILABLE,
};

/**
 * OTLP/HTTP: `POST /v1/traces` with an ExportTraceServiceRequest in protobuf (`application/x-protobuf`) or
 * OTLP/JSON (`application/json`), optionally gzip- or deflate-compressed. Answers 200 with an
 * ExportTraceServiceResponse, or an error status with a google.rpc.Status body, both in the request's encoding.
 */
export class OtlpHttpReceiver implements Service {
  readonly name = 'otlp-http';
  readonly #server: ReceiverHttpServer;

  constructor(private readonly options: OtlpHttpReceiverOptions) {
    this.#server = new ReceiverHttpServer({ ...options, receiver: 'OTLP/HTTP receiver' }, (req, res) =>
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

  #reply(
    res: ServerResponse,
    encoding: OtlpEncoding,
    status: number,
    body: Uint8Array | string,
    headers: Record<string, string> = {},
  ): void {
    if (res.headersSent) return;
    res.writeHead(status, { 'content-type': MEDIA_TYPE[encoding], ...headers });
    res.end(typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  }

  /** An error answer: google.rpc.Status in the request's encoding (JSON when that is unknown). */
  #fail(
    res: ServerResponse,
    encoding: OtlpEncoding,
    status: number,
    message: string,
    headers: Record<string, string> = {},
  ): void {
    const rpc: RpcStatus = { code: RPC_CODE_OF[status] ?? RPC_CODE.INTERNAL, message };
    if (status === 503) rpc.retryDelaySeconds = RETRY_AFTER_SECONDS;
    this.#reply(
      res,
      encoding,
      status,
      encoding === 'protobuf' ? encodeRpcStatus(rpc) : encodeRpcStatusJson(rpc),
      headers,
    );
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const { metrics, maxBodyBytes } = this.options;
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    const encoding = CONTENT_TYPES[type];
    const answerIn = encoding ?? 'json';
    const path = (req.url ?? '/').split('?')[0];
    // Whatever is refused before the body is read: drain it, so the connection stays usable for the next request.
    const refuse = (status: number, message: string, headers: Record<string, string> = {}) => {
      req.resume();
      this.#fail(res, answerIn, status, message, headers);
    };
    if (path !== OTLP_TRACES_PATH) return refuse(404, `Not found: POST OTLP traces to ${OTLP_TRACES_PATH}`);
    if (req.method !== 'POST') return refuse(405, 'Method not allowed: use POST', { allow: 'POST' });
    if (!encoding) {
      metrics.rejected('otlp-http', 'bad_content_type');
      return refuse(
        415,
        `Unsupported content type ${JSON.stringify(type)}: send application/x-protobuf or application/json`,
      );
    }
    const contentEncoding = (req.headers['content-encoding'] ?? '').trim().toLowerCase();
    const decompress = DECOMPRESSORS[contentEncoding];
    if (decompress === undefined) {
      metrics.rejected('otlp-http', 'bad_content_encoding');
      return refuse(
        415,
        `Unsupported content encoding ${JSON.stringify(contentEncoding)}: use gzip, deflate or none`,
      );
    }
    const tooLarge = () => {
      metrics.rejected('otlp-http', 'too_large');
      this.#fail(res, encoding, 413, `Request body larger than ${maxBodyBytes} bytes; send smaller batches`, {
        connection: 'close',
      });
    };
    if (Number(req.headers['content-length'] ?? 0) > maxBodyBytes) {
      req.resume();
      return tooLarge();
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let aborted = false;
    req.on('data', (chunk: Buffer) => {
      if (aborted) return;
      size += chunk.length;
      if (size > maxBodyBytes) {
        // The rest is read and dropped until the response, with connection: close, ends the connection.
        aborted = true;
        chunks.length = 0;
        tooLarge();
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', () => undefined);
    req.on('end', () => {
      if (aborted) return;
      const body = Buffer.concat(chunks, size);
      if (!decompress) return this.#export(res, body, encoding);
      // maxOutputLength stops a decompression bomb at the limit instead of after it has filled the memory.
      decompress(body, { maxOutputLength: maxBodyBytes }, (err, out) => {
        if (!err) return this.#export(res, out, encoding);
        if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return tooLarge();
        metrics.rejected('otlp-http', 'bad_compression');
        this.#fail(res, encoding, 400, `Request body is not valid ${contentEncoding}: ${err.message}`);
      });
    });
  }

  #export(res: ServerResponse, body: Uint8Array, encoding: OtlpEncoding): void {
    let outcome: ExportOutcome;
    try {
      outcome = exportTraces(body, encoding, { ...this.options, transport: 'otlp-http' });
    } catch (err) {
      this.options.logger.error('OTLP/HTTP export handler failed', { error: err });
      return this.#fail(res, encoding, 500, 'agent failed to handle the export; see the agent log');
    }
    switch (outcome.result) {
      case 'accepted': {
        const { partial } = outcome;
        const response =
          encoding === 'protobuf' ? encodeOtlpExportResponse(partial) : encodeOtlpExportResponseJson(partial);
        return this.#reply(res, encoding, 200, response);
      }
      case 'invalid':
        return this.#fail(res, encoding, 400, `Malformed ExportTraceServiceRequest: ${outcome.message}`);
      case 'queue_full':
        return this.#fail(res, encoding, 503, 'The agent queue is full; retry later', {
          'retry-after': String(RETRY_AFTER_SECONDS),
        });
      case 'stopped':
        return this.#fail(res, encoding, 503, 'The agent is shutting down; retry later', {
          'retry-after': String(RETRY_AFTER_SECONDS),
        });
    }
  }
}
