import * as grpc from '@grpc/grpc-js';
import { DecodeError, type Span } from '@skein/model';
import { bindGrpcServer, drainGrpcServer, type Logger, type ServerTls, type Service } from '@skein/runtime';
import { esRefusalMessage } from '../store/es-access.js';
import { QueryInputError, type SpanReader, type TimeRange, type TraceQuery } from '../store/types.js';
import {
  decodeFindTracesRequest,
  decodeGetDependenciesRequest,
  decodeGetOperationsRequest,
  decodeGetServicesRequest,
  decodeGetTraceRequest,
  encodeGetDependenciesResponse,
  encodeGetOperationsResponse,
  encodeGetServicesResponse,
  encodeSpansResponseChunk,
  type TraceQueryParameters,
} from './messages.js';

/** The RPCs of Jaeger's api_v2 query.proto, as they appear in paths and in `onRequest`. */
export type QueryMethod =
  'GetTrace' | 'ArchiveTrace' | 'FindTraces' | 'GetServices' | 'GetOperations' | 'GetDependencies';

export interface QueryGrpcServerOptions {
  /** TCP port to listen on (Jaeger's is 16685); 0 picks a free one, see `QueryGrpcServer.port`. */
  port: number;
  host: string;
  reader: SpanReader;
  logger: Logger;
  /** Most traces one FindTraces may ask for with `search_depth`; more is INVALID_ARGUMENT. */
  maxSearchTraces: number;
  /** Traces FindTraces returns when `search_depth` is 0 (Jaeger's Elasticsearch reader uses 100). */
  defaultLimit: number;
  /** Widest time range accepted: FindTraces' start_time_min..max, GetDependencies' and GetTrace's start..end. */
  maxTimeRangeMs: number;
  /** Largest request message accepted; grpc-js answers bigger ones with RESOURCE_EXHAUSTED before decoding. */
  maxMessageBytes: number;
  /** Serve over TLS with this (reloading) certificate instead of plaintext. */
  tls?: ServerTls;
  /** When given, every call whose metadata it refuses is answered UNAUTHENTICATED. */
  authorize?: (metadata: grpc.Metadata) => boolean;
  /** Called once per finished call, with how long it took and the status it ended with (for metrics). */
  onRequest?: (method: QueryMethod, seconds: number, code: grpc.status) => void;
}

export const QUERY_SERVICE = 'jaeger.api_v2.QueryService';

/** Spans per SpansResponseChunk, as Jaeger's query service sends them (its maxSpanCountInChunk). */
export const MAX_SPANS_PER_CHUNK = 10;

const ZERO_TRACE_ID = '0'.repeat(32);

const identity = (buf: Buffer): Buffer => buf;

function method(name: QueryMethod, responseStream: boolean): grpc.MethodDefinition<Buffer, Buffer> {
  return {
    path: `/${QUERY_SERVICE}/${name}`,
    requestStream: false,
    responseStream,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  };
}

// Messages stay raw Buffers through grpc-js: decoding happens in the handlers, where a DecodeError can become a
// status for that one call instead of an exception thrown inside grpc-js's deserialisation step.
const queryService: grpc.ServiceDefinition = {
  GetTrace: method('GetTrace', true),
  ArchiveTrace: method('ArchiveTrace', false),
  FindTraces: method('FindTraces', true),
  GetServices: method('GetServices', false),
  GetOperations: method('GetOperations', false),
  GetDependencies: method('GetDependencies', false),
};

/** How a call ends when it does not end OK; thrown by the handlers, turned into a status in one place. */
class CallStatus extends Error {
  constructor(
    readonly code: grpc.status,
    readonly details: string,
  ) {
    super(details);
    this.name = 'CallStatus';
  }
}

function invalid(details: string): CallStatus {
  return new CallStatus(grpc.status.INVALID_ARGUMENT, details);
}

function decode<T>(message: string, decoder: (buf: Uint8Array) => T, buf: Buffer): T {
  try {
    return decoder(buf);
  } catch (err) {
    if (err instanceof DecodeError) throw invalid(`malformed ${message}: ${err.message}`);
    throw err;
  }
}

type Send = (chunk: Buffer) => Promise<boolean>;

/** Writes one message, waiting while grpc-js's buffer is full; false once the client has gone. */
function sendOn(call: grpc.ServerWritableStream<Buffer, Buffer>): Send {
  return (chunk) => {
    if (call.cancelled || call.destroyed) return Promise.resolve(false);
    if (call.write(chunk)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const settle = (open: boolean): void => {
        call.off('drain', onDrain);
        call.off('close', onClose);
        resolve(open);
      };
      const onDrain = (): void => settle(true);
      const onClose = (): void => settle(false);
      call.on('drain', onDrain);
      call.on('close', onClose);
    });
  };
}

/** Sends a trace's spans MAX_SPANS_PER_CHUNK at a time, so one chunk never holds two traces. */
async function sendChunks(spans: readonly Span[], send: Send): Promise<boolean> {
  for (let i = 0; i < spans.length; i += MAX_SPANS_PER_CHUNK) {
    if (!(await send(encodeSpansResponseChunk(spans.slice(i, i + MAX_SPANS_PER_CHUNK))))) return false;
  }
  return true;
}

/**
 * Serves Jaeger's gRPC api_v2 `QueryService` (what jaeger-query serves on port 16685) over a SpanReader.
 *
 * GetTrace and FindTraces stream SpansResponseChunks of at most MAX_SPANS_PER_CHUNK spans of one trace each.
 * ArchiveTrace answers UNIMPLEMENTED: skein has no archive storage.
 */
export class QueryGrpcServer implements Service {
  readonly name = 'grpc';
  #server: grpc.Server | undefined;
  #port: number;

  constructor(private readonly options: QueryGrpcServerOptions) {
    this.#port = options.port;
  }

  /** The bound port once started (the configured one before). */
  get port(): number {
    return this.#port;
  }

  async start(): Promise<void> {
    if (this.#server) return;
    const { host, port, maxMessageBytes, logger } = this.options;
    const server = new grpc.Server({ 'grpc.max_receive_message_length': maxMessageBytes });
    type Unary = grpc.handleUnaryCall<Buffer, Buffer>;
    type Streaming = grpc.handleServerStreamingCall<Buffer, Buffer>;
    const unary =
      (name: QueryMethod, handle: (request: Buffer) => Promise<Buffer>): Unary =>
      (call, reply) =>
        void this.#unary(name, call, reply, handle);
    const streaming =
      (name: QueryMethod, handle: (request: Buffer, send: Send) => Promise<void>): Streaming =>
      (call) =>
        void this.#streaming(name, call, handle);
    server.addService(queryService, {
      GetTrace: streaming('GetTrace', (request, send) => this.#getTrace(request, send)),
      ArchiveTrace: unary('ArchiveTrace', () =>
        Promise.reject(
          new CallStatus(
            grpc.status.UNIMPLEMENTED,
            'ArchiveTrace is not supported: skein has no archive storage',
          ),
        ),
      ),
      FindTraces: streaming('FindTraces', (request, send) => this.#findTraces(request, send)),
      GetServices: unary('GetServices', (request) => this.#getServices(request)),
      GetOperations: unary('GetOperations', (request) => this.#getOperations(request)),
      GetDependencies: unary('GetDependencies', (request) => this.#getDependencies(request)),
    });
    const { tls } = this.options;
    this.#port = await bindGrpcServer(
      server,
      host,
      port,
      { receiver: 'gRPC query server', portSetting: 'gRPC query port' },
      tls?.grpcCredentials(),
    );
    this.#server = server;
    logger.info('gRPC query server listening', {
      host,
      port: this.#port,
      service: QUERY_SERVICE,
      tls: tls !== undefined,
    });
  }

  /** Stops accepting calls and lets those in flight finish; what is still open at `deadline` is cut off. */
  async stop(deadline: number): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    await drainGrpcServer(server, deadline, this.options.logger, 'gRPC query server');
  }

  // ---- call plumbing: authorization, statuses, metrics ----

  async #unary(
    name: QueryMethod,
    call: grpc.ServerUnaryCall<Buffer, Buffer>,
    reply: grpc.sendUnaryData<Buffer>,
    handle: (request: Buffer) => Promise<Buffer>,
  ): Promise<void> {
    const started = performance.now();
    let code: grpc.status = grpc.status.OK;
    try {
      this.#authorize(call.metadata);
      reply(null, await handle(call.request));
    } catch (err) {
      const status = this.#failure(name, err);
      code = status.code;
      reply(status);
    }
    this.#finished(name, started, call.cancelled ? grpc.status.CANCELLED : code);
  }

  async #streaming(
    name: QueryMethod,
    call: grpc.ServerWritableStream<Buffer, Buffer>,
    handle: (request: Buffer, send: Send) => Promise<void>,
  ): Promise<void> {
    const started = performance.now();
    let code: grpc.status = grpc.status.OK;
    try {
      this.#authorize(call.metadata);
      await handle(call.request, sendOn(call));
      if (!call.cancelled) call.end();
    } catch (err) {
      const status = this.#failure(name, err);
      code = status.code;
      // grpc-js ends a server stream with the status of an 'error' event; messages already written go first.
      if (!call.cancelled) call.emit('error', status);
    }
    this.#finished(name, started, call.cancelled ? grpc.status.CANCELLED : code);
  }

  #authorize(metadata: grpc.Metadata): void {
    const { authorize } = this.options;
    if (authorize && !authorize(metadata)) {
      throw new CallStatus(grpc.status.UNAUTHENTICATED, 'missing or invalid bearer token');
    }
  }

  /** The status a failed call ends with; the client's mistakes are logged at debug, ours as errors. */
  #failure(name: QueryMethod, err: unknown): { code: grpc.status; details: string } {
    const { logger } = this.options;
    if (err instanceof CallStatus) {
      logger.debug('gRPC query call refused', {
        method: name,
        code: grpc.status[err.code],
        details: err.details,
      });
      return { code: err.code, details: err.details };
    }
    if (err instanceof QueryInputError) {
      logger.debug('gRPC query refused by storage', { method: name, error: err });
      return { code: grpc.status.INVALID_ARGUMENT, details: err.message };
    }
    // Refused credentials or TLS: logged once, with details, where the reader saw it.
    const refused = esRefusalMessage(err);
    if (refused !== undefined) return { code: grpc.status.UNAVAILABLE, details: refused };
    logger.error('gRPC query call failed', { method: name, error: err });
    return { code: grpc.status.INTERNAL, details: `${name} failed; see the query service log` };
  }

  #finished(name: QueryMethod, started: number, code: grpc.status): void {
    this.options.onRequest?.(name, (performance.now() - started) / 1000, code);
  }

  // ---- the RPCs ----

  async #getTrace(request: Buffer, send: Send): Promise<void> {
    const { traceId, startTime, endTime } = decode('GetTraceRequest', decodeGetTraceRequest, request);
    if (traceId === ZERO_TRACE_ID) {
      throw invalid('trace_id is required: the trace ID as 16 bytes (8 for a 64-bit ID), not all zero');
    }
    let range: TimeRange | undefined;
    // One bound alone narrows nothing the reader can use, so it is ignored; both give the indices to look in.
    if (startTime !== undefined && endTime !== undefined) {
      if (endTime < startTime) throw invalid('end_time is before start_time');
      this.#checkRange(startTime, endTime, 'start_time..end_time');
      range = { startMs: Math.floor(startTime / 1000), endMs: Math.ceil(endTime / 1000) };
    }
    const traces = await this.options.reader.getTraces([traceId], range);
    const spans = traces.flatMap((trace) => trace.spans);
    if (spans.length === 0) throw new CallStatus(grpc.status.NOT_FOUND, 'trace not found');
    await sendChunks(spans, send);
  }

  async #findTraces(request: Buffer, send: Send): Promise<void> {
    const { query } = decode('FindTracesRequest', decodeFindTracesRequest, request);
    if (query === undefined) {
      throw invalid('query is required: set at least service_name, start_time_min and start_time_max');
    }
    const traces = await this.options.reader.findTraces(this.#traceQuery(query));
    for (const trace of traces) {
      if (!(await sendChunks(trace.spans, send))) return;
    }
  }

  /** A time range (µs) no wider than maxTimeRangeMs, or INVALID_ARGUMENT naming the fields. */
  #checkRange(startUs: number, endUs: number, fields: string): void {
    const { maxTimeRangeMs } = this.options;
    if (endUs - startUs > maxTimeRangeMs * 1000) {
      throw invalid(
        `query time range is ${Math.ceil((endUs - startUs) / 1000)} ms, over the ${maxTimeRangeMs} ms allowed; ` +
          `narrow ${fields}`,
      );
    }
  }

  /** Checks a search as the HTTP API does and turns it into the reader's terms. */
  #traceQuery(q: TraceQueryParameters): TraceQuery {
    const { maxSearchTraces, defaultLimit } = this.options;
    if (q.serviceName === '') throw invalid('query.service_name is required');
    const { startTimeMin: startMin, startTimeMax: startMax } = q;
    if (startMin === undefined || startMax === undefined) {
      throw invalid('query.start_time_min and query.start_time_max are required');
    }
    if (startMax < startMin) throw invalid('query.start_time_max is before query.start_time_min');
    this.#checkRange(startMin, startMax, 'start_time_min..start_time_max');
    // A zero duration means "no bound", as in Jaeger, whose non-nullable Durations cannot tell 0 from unset.
    const durationMin = q.durationMin || undefined;
    const durationMax = q.durationMax || undefined;
    if ((durationMin ?? 0) < 0 || (durationMax ?? 0) < 0) {
      throw invalid('query.duration_min and query.duration_max must not be negative');
    }
    if (durationMin !== undefined && durationMax !== undefined && durationMin > durationMax) {
      throw invalid('query.duration_min is greater than query.duration_max');
    }
    if (q.searchDepth < 0 || q.searchDepth > maxSearchTraces) {
      throw invalid(
        `query.search_depth must be between 1 and ${maxSearchTraces} (0 for the default of ${defaultLimit})`,
      );
    }
    const query: TraceQuery = {
      service: q.serviceName,
      tags: q.tags,
      startMin,
      startMax,
      limit: q.searchDepth === 0 ? defaultLimit : q.searchDepth,
    };
    if (q.operationName !== '') query.operation = q.operationName;
    if (durationMin !== undefined) query.durationMin = durationMin;
    if (durationMax !== undefined) query.durationMax = durationMax;
    return query;
  }

  async #getServices(request: Buffer): Promise<Buffer> {
    decode('GetServicesRequest', decodeGetServicesRequest, request);
    return encodeGetServicesResponse(await this.options.reader.services());
  }

  async #getOperations(request: Buffer): Promise<Buffer> {
    const { service, spanKind } = decode('GetOperationsRequest', decodeGetOperationsRequest, request);
    if (service === '') throw invalid('service is required');
    const { reader } = this.options;
    const operations =
      spanKind === '' ? await reader.operations(service) : await reader.operations(service, spanKind);
    return encodeGetOperationsResponse(operations);
  }

  async #getDependencies(request: Buffer): Promise<Buffer> {
    const { startTime, endTime } = decode('GetDependenciesRequest', decodeGetDependenciesRequest, request);
    if (startTime === undefined || endTime === undefined)
      throw invalid('start_time and end_time are required');
    if (endTime < startTime) throw invalid('end_time is before start_time');
    this.#checkRange(startTime, endTime, 'start_time..end_time');
    const endMs = Math.floor(endTime / 1000);
    const links = await this.options.reader.dependencies(endMs, endMs - Math.floor(startTime / 1000));
    return encodeGetDependenciesResponse(links);
  }
}
