// Shared test fixtures: a UDP socket standing in for the agent, a scripted HTTP server, metric reads.
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** The value of a counter or gauge sample, 0 when absent. */
export async function metric(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const m = registry.getSingleMetric(name);
  if (m === undefined) throw new Error(`metric ${name} is not registered`);
  const { values } = await m.get();
  const want = Object.entries(labels);
  const found = values.find(
    (v) => want.every(([k, l]) => v.labels[k] === l) && Object.keys(v.labels).length === want.length,
  );
  return found?.value ?? 0;
}

/** A UDP socket on 127.0.0.1 collecting datagrams, like an agent's 6831 port. */
export class UdpCollector {
  readonly packets: Buffer[] = [];
  readonly #socket: Socket;
  #waiters: Array<{ count: number; resolve: () => void }> = [];

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('message', (msg) => {
      this.packets.push(msg);
      this.#waiters = this.#waiters.filter((w) => {
        if (this.packets.length < w.count) return true;
        w.resolve();
        return false;
      });
    });
  }

  static async start(): Promise<UdpCollector> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new UdpCollector(socket);
  }

  get port(): number {
    return this.#socket.address().port;
  }

  /** Resolves once `count` datagrams arrived in all; fails after `timeoutMs` saying how many did. */
  async waitFor(count: number, timeoutMs = 5000): Promise<Buffer[]> {
    if (this.packets.length < count) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.#waiters.push({ count, resolve })),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new Error(`waited ${timeoutMs} ms for ${count} datagrams, ${this.packets.length} arrived`),
              ),
            timeoutMs,
          );
        }),
      ]).finally(() => clearTimeout(timer));
    }
    return this.packets.slice(0, count);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#socket.close(() => resolve()));
  }
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface StubResponse {
  status?: number;
  body: string;
  contentType?: string;
}

/** An HTTP server answering each request with `respond(request)`, recording every request. */
export class HttpStub {
  readonly requests: RecordedRequest[] = [];
  respond: (request: RecordedRequest) => StubResponse;
  readonly #server: Server;
  #waiters: Array<{ count: number; resolve: () => void }> = [];

  private constructor(server: Server, respond: (request: RecordedRequest) => StubResponse) {
    this.#server = server;
    this.respond = respond;
  }

  static async start(respond: (request: RecordedRequest) => StubResponse): Promise<HttpStub> {
    const holder: { stub?: HttpStub } = {};
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const request = {
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks),
        };
        const s = holder.stub as HttpStub;
        s.requests.push(request);
        const answer = s.respond(request);
        res.writeHead(answer.status ?? 200, { 'content-type': answer.contentType ?? 'application/json' });
        res.end(answer.body, () => s.#notify());
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    holder.stub = new HttpStub(server, respond);
    return holder.stub;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** Resolves once `count` requests were answered. */
  async waitFor(count: number, timeoutMs = 5000): Promise<RecordedRequest[]> {
    if (this.requests.length < count) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.#waiters.push({ count, resolve })),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new Error(`waited ${timeoutMs} ms for ${count} requests, ${this.requests.length} arrived`),
              ),
            timeoutMs,
          );
        }),
      ]).finally(() => clearTimeout(timer));
    }
    return this.requests.slice(0, count);
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #notify(): void {
    this.#waiters = this.#waiters.filter((w) => {
      if (this.requests.length < w.count) return true;
      w.resolve();
      return false;
    });
  }
}

/** A logger that keeps its lines. */
export function memoryLogger(): { lines: string[]; info(m: string): void; error(m: string): void } {
  const lines: string[] = [];
  return { lines, info: (m) => void lines.push(`info ${m}`), error: (m) => void lines.push(`error ${m}`) };
}
