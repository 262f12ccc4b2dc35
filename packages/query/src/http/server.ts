// Jaeger's HTTP query API on node:http: /api/services, /api/operations, /api/traces, /api/dependencies.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { errors as esErrors } from '@elastic/elasticsearch';
import { jaegerTraceIdString, toUiTrace, type Trace } from '@skein/model';
import { createServerWithTls, type Logger, type ServerTls, type Service, listen } from '@skein/runtime';
import {
  ParamError,
  parseDependencies,
  parseSearch,
  parseTraceIdParam,
  parseTraceRange,
  type QueryLimits,
} from '../params/http-params.js';
import { esRefusalMessage } from '../store/es-access.js';
import { QueryInputError, type SpanReader } from '../store/types.js';
import { failure, ok, type Envelope, type StructuredError } from './envelope.js';
import type { StaticFiles } from './static.js';

export interface HttpApiOptions {
  host: string;
  /** 0 picks a free port; see `HttpApi.port`. */
  port: number;
  reader: SpanReader;
  limits: QueryLimits;
  logger: Logger;
  /** Origins allowed by CORS; "*" allows any; empty sends no CORS headers. */
  corsOrigins: readonly string[];
  maxHeaderBytes: number;
  /** Largest response body; a bigger result is answered 400 instead (unlimited when absent). */
  maxResponseBytes?: number;
  /** Serve HTTPS with this (reloading) certificate instead of plain HTTP. */
  tls?: ServerTls;
  /** When given, every /api request must satisfy it (the Authorization header's value is passed). */
  authorize?: (authorization: string | undefined) => boolean;
  /** The web UI, served at every path outside /api (without auth); without it those paths are 404. */
  ui?: StaticFiles;
  /** Called once per request with the route pattern, the status and the seconds it took. */
  onRequest?: (route: string, status: number, seconds: number) => void;
}

const SPAN_KINDS = new Set(['', 'server', 'client', 'producer', 'consumer', 'internal']);

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface Handled {
  status: number;
  body: Envelope;
}

/** Serves Jaeger's query API over a SpanReader; bad parameters get 400 with a message, never a crash. */
export class HttpApi implements Service {
  readonly name = 'http';
  #server: Server | undefined;
  #port: number;

  constructor(private readonly options: HttpApiOptions) {
    this.#port = options.port;
  }

  /** The bound port (after start). */
  get port(): number {
    return this.#port;
  }

  async start(): Promise<void> {
    const server = createServerWithTls(
      this.options.tls,
      { maxHeaderSize: this.options.maxHeaderBytes },
      (req, res) => void this.#handle(req, res),
    );
    // A malformed request gets 400, one whose head is over maxHeaderBytes 431, and the connection is closed.
    server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
      if (!socket.writable) return;
      const status =
        err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\n\r\n`);
    });
    this.#port = await listen(server, this.options.port, this.options.host);
    this.#server = server;
    this.options.logger.info('HTTP API listening', {
      host: this.options.host,
      port: this.#port,
      ui: this.options.ui?.root ?? 'none',
      tls: this.options.tls !== undefined,
    });
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    this.#server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await closed;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    let route = 'unknown';
    let status = 500;
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const path = url.pathname;
      this.#cors(req, res);
      if (req.method === 'OPTIONS') {
        route = 'preflight';
        status = 204;
        res.writeHead(204).end();
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        route = 'method_not_allowed';
        status = 405;
        this.#send(
          res,
          req,
          405,
          failure(405, `method ${req.method} is not allowed; the query API is read-only (GET)`),
          false,
          { allow: 'GET, HEAD, OPTIONS' },
        );
        return;
      }
      if (!path.startsWith('/api/') && path !== '/api' && this.options.ui !== undefined) {
        route = 'ui';
        status = await this.options.ui.serve(req, res, path);
        return;
      }
      if (!path.startsWith('/api/') && path !== '/api') {
        route = 'not_found';
        status = 404;
        this.#send(
          res,
          req,
          404,
          failure(404, `nothing at ${path}; the API is under /api (e.g. /api/services)`),
          false,
        );
        return;
      }
      if (this.options.authorize !== undefined && !this.options.authorize(req.headers.authorization)) {
        route = 'unauthorized';
        status = 401;
        this.#send(
          res,
          req,
          401,
          failure(401, 'missing or invalid bearer token: send "Authorization: Bearer <token>"'),
          false,
          {
            'www-authenticate': 'Bearer realm="skein"',
          },
        );
        return;
      }
      const pretty = url.searchParams.get('prettyPrint') === 'true';
      const matched = this.#route(path, url.searchParams);
      route = matched.route;
      let result: Handled;
      try {
        result = await matched.run();
      } catch (err) {
        result = this.#failure(err, route);
      }
      status = this.#send(res, req, result.status, result.body, pretty);
    } catch (err) {
      this.options.logger.error('HTTP request failed', { error: (err as Error).message });
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify(failure(500, 'internal error')));
    } finally {
      this.options.onRequest?.(route, status, (performance.now() - started) / 1000);
    }
  }

  #route(path: string, params: URLSearchParams): { route: string; run: () => Promise<Handled> } {
    const reader = this.options.reader;
    const limits = this.options.limits;
    if (path === '/api/services') {
      return {
        route: '/api/services',
        run: async () => {
          const services = await reader.services();
          return { status: 200, body: ok(services, services.length) };
        },
      };
    }
    const legacyOperations = /^\/api\/services\/([^/]+)\/operations$/.exec(path);
    if (legacyOperations !== null) {
      return {
        route: '/api/services/{service}/operations',
        run: async () => {
          const service = decode(legacyOperations[1] as string);
          const names = [...new Set((await reader.operations(service)).map((op) => op.name))].sort();
          return { status: 200, body: ok(names, names.length) };
        },
      };
    }
    if (path === '/api/operations') {
      return {
        route: '/api/operations',
        run: async () => {
          const service = params.get('service') ?? '';
          if (service === '') throw new ParamError("parameter 'service' is required");
          const spanKind = params.get('spanKind') ?? '';
          if (!SPAN_KINDS.has(spanKind)) {
            throw new ParamError(
              `parameter 'spanKind' must be one of server, client, producer, consumer, internal, got ${JSON.stringify(spanKind)}`,
            );
          }
          const operations = await reader.operations(service, spanKind === '' ? undefined : spanKind);
          const data = operations.map((op) => ({ name: op.name, spanKind: op.spanKind }));
          return { status: 200, body: ok(data, data.length) };
        },
      };
    }
    if (path === '/api/traces') {
      return {
        route: '/api/traces',
        run: async () => {
          const request = parseSearch(params, limits);
          if (request.kind === 'query') {
            const traces = await reader.findTraces(request.query);
            return { status: 200, body: ok(traces.map(toUiTrace)) };
          }
          const traces = await reader.getTraces(request.traceIds, request.range);
          const found = new Set(traces.map((t: Trace) => t.traceId));
          const missing: StructuredError[] = request.traceIds
            .filter((id) => !found.has(id))
            .map((id) => ({ msg: 'trace not found', traceID: jaegerTraceIdString(id) }));
          return { status: 200, body: ok(traces.map(toUiTrace), 0, missing) };
        },
      };
    }
    const byId = /^\/api\/traces\/([^/]+)$/.exec(path);
    if (byId !== null) {
      return {
        route: '/api/traces/{traceID}',
        run: async () => {
          const traceId = parseTraceIdParam(decode(byId[1] as string));
          const range = parseTraceRange(params, limits);
          const [trace] = await reader.getTraces([traceId], range);
          if (trace === undefined) throw new HttpError(404, 'trace not found');
          return { status: 200, body: ok([toUiTrace(trace)]) };
        },
      };
    }
    if (path === '/api/dependencies') {
      return {
        route: '/api/dependencies',
        run: async () => {
          const { endMs, lookbackMs, service } = parseDependencies(params, limits);
          const links = await reader.dependencies(endMs, lookbackMs);
          const data = links
            .filter((l) => service === undefined || l.parent === service || l.child === service)
            .map((l) => ({ parent: l.parent, child: l.child, callCount: l.callCount }));
          return { status: 200, body: ok(data) };
        },
      };
    }
    return {
      route: 'not_found',
      run: () => Promise.reject(new HttpError(404, `no API route ${path}`)),
    };
  }

  #failure(err: unknown, route: string): Handled {
    if (err instanceof HttpError) return { status: err.status, body: failure(err.status, err.message) };
    if (err instanceof ParamError || err instanceof QueryInputError) {
      return { status: 400, body: failure(400, err.message) };
    }
    // Refused credentials or TLS: 502, said without details (logged once, with them, where the reader saw it).
    const refused = esRefusalMessage(err);
    if (refused !== undefined) return { status: 502, body: failure(502, refused) };
    if (err instanceof esErrors.ConnectionError || err instanceof esErrors.TimeoutError) {
      this.options.logger.warn('Elasticsearch unavailable', { route, error: err.message });
      return { status: 503, body: failure(503, `Elasticsearch is unavailable: ${err.message}`) };
    }
    this.options.logger.error('query failed', { route, error: (err as Error).message });
    return { status: 500, body: failure(500, `query failed: ${(err as Error).message}`) };
  }

  #cors(req: IncomingMessage, res: ServerResponse): void {
    const allowed = this.options.corsOrigins;
    const origin = req.headers.origin;
    if (allowed.length === 0 || origin === undefined) return;
    if (allowed.includes('*')) res.setHeader('access-control-allow-origin', '*');
    else if (allowed.includes(origin)) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('vary', 'Origin');
    } else return;
    res.setHeader('access-control-allow-methods', 'GET, HEAD, OPTIONS');
    res.setHeader('access-control-allow-headers', 'authorization, content-type');
    res.setHeader('access-control-max-age', '600');
  }

  #send(
    res: ServerResponse,
    req: IncomingMessage,
    status: number,
    body: Envelope,
    pretty: boolean,
    headers: Record<string, string> = {},
  ): number {
    // Only results are limited: an error's envelope is small, and must get through.
    const max = status < 400 ? (this.options.maxResponseBytes ?? Infinity) : Infinity;
    let text: string | undefined;
    try {
      text = pretty ? JSON.stringify(body, null, 4) : JSON.stringify(body);
    } catch (err) {
      // Past V8's longest string the result cannot be sent at all: refuse it as too large, below.
      if (!(err instanceof RangeError)) throw err;
    }
    const bytes = text === undefined ? undefined : Buffer.byteLength(text);
    if (bytes === undefined || bytes > max) {
      const size = bytes === undefined ? 'too large to encode' : `${bytes} bytes`;
      this.options.logger.debug('HTTP response over the limit', { size, max });
      return this.#send(
        res,
        req,
        400,
        failure(
          400,
          `the result is ${size}, over the ${max} bytes allowed (http.max-response-bytes); ask for fewer traces: a lower limit, a narrower time range or more specific tags`,
        ),
        false,
      );
    }
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': bytes,
      ...headers,
    });
    res.end(req.method === 'HEAD' ? undefined : text);
    return status;
  }
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ParamError(`the path segment ${JSON.stringify(segment)} is not valid percent-encoding`);
  }
}
