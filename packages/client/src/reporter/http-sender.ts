import { encodeBatch, type Batch, type Process } from '@skein/model';
import { LIST_HEADER_SLACK, widestEmptyBatch, type Sender } from './sender.js';

/** Requests stay far below collectors' body limits (the agent's `http.max-body` is 10 MiB). */
export const HTTP_MAX_PACKET_BYTES = 1024 * 1024;

export interface HttpSenderOptions {
  /** e.g. http://jaeger-collector:14268/api/traces */
  endpoint: string;
  /** Basic authentication, with `password`. */
  user?: string;
  password?: string;
  /** Bearer token; wins over basic authentication. */
  authToken?: string;
  maxPacketBytes?: number;
  requestTimeoutMs?: number;
}

/** POSTs thrift `Batch`es in the binary protocol (`Content-Type: application/x-thrift`) to a collector endpoint. */
export class HttpSender implements Sender {
  readonly transport = 'http';
  readonly protocol = 'binary';
  readonly maxPacketBytes: number;
  readonly endpoint: string;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;

  constructor(options: HttpSenderOptions) {
    this.endpoint = options.endpoint;
    this.maxPacketBytes = options.maxPacketBytes ?? HTTP_MAX_PACKET_BYTES;
    this.#timeoutMs = options.requestTimeoutMs ?? 5000;
    this.#headers = { 'content-type': 'application/x-thrift' };
    if (options.authToken !== undefined) {
      this.#headers['authorization'] = `Bearer ${options.authToken}`;
    } else if (options.user !== undefined) {
      const credentials = Buffer.from(`${options.user}:${options.password ?? ''}`).toString('base64');
      this.#headers['authorization'] = `Basic ${credentials}`;
    }
  }

  envelopeBytes(process: Process): number {
    return encodeBatch(widestEmptyBatch(process), 'binary').length + LIST_HEADER_SLACK;
  }

  encode(batch: Batch): Buffer {
    return encodeBatch(batch, 'binary');
  }

  async send(packet: Buffer): Promise<void> {
    const response = await fetch(this.endpoint, {
      method: 'POST',
      headers: this.#headers,
      body: packet,
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    const text = await response.text();
    if (!response.ok)
      throw new Error(`HTTP ${response.status} from ${this.endpoint}: ${text.trim().slice(0, 200)}`);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
