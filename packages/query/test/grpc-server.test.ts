// QueryGrpcServer against a generic @grpc/grpc-js client built from our query.proto fixture, as any Jaeger api_v2
// client would be, over an in-memory SpanReader: exact responses, chunking, and the status of every refusal.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { KeyValue, Span, Trace, TraceId } from '@skein/model';
import { generateCertificates } from '@skein/devstack';
import { createLogger, ServerTls } from '@skein/runtime';
import { QueryGrpcServer, type QueryGrpcServerOptions, type QueryMethod } from '../src/grpc/server.js';
import {
  QueryInputError,
  type DependencyLink,
  type Operation,
  type SpanReader,
  type TimeRange,
  type TraceQuery,
} from '../src/store/types.js';

// ---- a generic client from the fixture proto ----

const definition = protoLoader.loadSync(
  fileURLToPath(new URL('./fixtures/jaeger-query.proto', import.meta.url)),
  {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    includeDirs: [fileURLToPath(new URL('../../model/test/fixtures/', import.meta.url))],
  },
);
const loaded = grpc.loadPackageDefinition(definition) as unknown as {
  jaeger: { api_v2: { QueryService: grpc.ServiceClientConstructor } };
};

interface ProtoTime {
  seconds: string;
  nanos: number;
}
interface ProtoKeyValue {
  key: string;
  v_type: 'STRING' | 'BOOL' | 'INT64' | 'FLOAT64' | 'BINARY';
  v_str: string;
  v_bool: boolean;
  v_int64: string;
  v_float64: number;
  v_binary: Buffer;
}
interface ProtoSpan {
  trace_id: Buffer;
  span_id: Buffer;
  operation_name: string;
  references: { trace_id: Buffer; span_id: Buffer; ref_type: 'CHILD_OF' | 'FOLLOWS_FROM' }[];
  flags: number;
  start_time: ProtoTime;
  duration: ProtoTime;
  tags: ProtoKeyValue[];
  logs: { timestamp: ProtoTime; fields: ProtoKeyValue[] }[];
  process: { service_name: string; tags: ProtoKeyValue[] } | null;
  process_id: string;
  warnings: string[];
}
interface Chunk {
  spans: ProtoSpan[];
}

type Callback = (err: grpc.ServiceError | null, response?: unknown) => void;
type UnaryMethod = (request: object, metadata: grpc.Metadata, callback: Callback) => grpc.ClientUnaryCall;
type StreamMethod = (request: object, metadata: grpc.Metadata) => grpc.ClientReadableStream<Chunk>;

function unary(client: grpc.Client, name: QueryMethod, request: object, metadata = new grpc.Metadata()) {
  const call = (client as unknown as Record<string, UnaryMethod>)[name]!.bind(client);
  return new Promise<unknown>((resolve, reject) => {
    call(request, metadata, (err, response) => (err ? reject(err) : resolve(response)));
  });
}

function collect<T>(stream: grpc.ClientReadableStream<T>): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const chunks: T[] = [];
    stream.on('data', (chunk: T) => chunks.push(chunk));
    stream.on('error', reject);
    stream.on('end', () => resolve(chunks));
  });
}

function streaming(
  client: grpc.Client,
  name: 'GetTrace' | 'FindTraces',
  request: object,
  metadata = new grpc.Metadata(),
): Promise<Chunk[]> {
  const call = (client as unknown as Record<string, StreamMethod>)[name]!.bind(client);
  return collect(call(request, metadata));
}

const identity = (b: Buffer): Buffer => b;
const STREAMING: ReadonlySet<QueryMethod> = new Set(['GetTrace', 'FindTraces']);

/** Sends raw bytes as the request of `name`, as a client with a broken encoder would. */
function raw(client: grpc.Client, name: QueryMethod, bytes: Uint8Array): Promise<unknown> {
  const path = `/jaeger.api_v2.QueryService/${name}`;
  if (STREAMING.has(name)) {
    return collect(client.makeServerStreamRequest(path, identity, identity, Buffer.from(bytes)));
  }
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(path, identity, identity, Buffer.from(bytes), (err, response) =>
      err ? reject(err) : resolve(response),
    );
  });
}

/** The outcome of a call: 'OK' or the status name and details it failed with. */
async function outcome(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'OK';
  } catch (err) {
    const e = err as grpc.ServiceError;
    return `${grpc.status[e.code]}: ${e.details}`;
  }
}

const ts = (seconds: number, nanos = 0): ProtoTime => ({ seconds: String(seconds), nanos });

// ---- proto-loader spans back to the domain model, independently of the server's codec ----

function micros(t: ProtoTime): number {
  return Number(BigInt(t.seconds) * 1_000_000n + BigInt(Math.trunc(t.nanos / 1000)));
}

function fromProtoKeyValue(kv: ProtoKeyValue): KeyValue {
  switch (kv.v_type) {
    case 'STRING':
      return { key: kv.key, type: 'string', value: kv.v_str };
    case 'BOOL':
      return { key: kv.key, type: 'bool', value: kv.v_bool };
    case 'INT64':
      return { key: kv.key, type: 'int64', value: BigInt(kv.v_int64) };
    case 'FLOAT64':
      return { key: kv.key, type: 'float64', value: kv.v_float64 };
    case 'BINARY':
      return { key: kv.key, type: 'binary', value: new Uint8Array(kv.v_binary) };
  }
}

function fromProtoSpan(s: ProtoSpan): Span {
  assert.ok(s.process, 'every span carries its process');
  const span: Span = {
    traceId: s.trace_id.toString('hex'),
    spanId: s.span_id.toString('hex'),
    operationName: s.operation_name,
    references: s.references.map((r) => ({
      refType: r.ref_type,
      traceId: r.trace_id.toString('hex'),
      spanId: r.span_id.toString('hex'),
    })),
    flags: s.flags,
    startTime: micros(s.start_time),
    duration: micros(s.duration),
    tags: s.tags.map(fromProtoKeyValue),
    logs: s.logs.map((l) => ({ timestamp: micros(l.timestamp), fields: l.fields.map(fromProtoKeyValue) })),
    process: { serviceName: s.process.service_name, tags: s.process.tags.map(fromProtoKeyValue) },
  };
  if (s.warnings.length > 0) span.warnings = s.warnings;
  return span;
}

// ---- traces to serve ----

const TRACE_A = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACE_B = '0000000000000000000000000000abcd';
const TRACE_BIG = 'ffffffffffffffff0000000000000001';

function spanOf(traceId: TraceId, i: number): Span {
  const span: Span = {
    traceId,
    spanId: (i + 1).toString(16).padStart(16, '0'),
    operationName: i === 0 ? 'GET /cart' : `step ${i}`,
    references: i === 0 ? [] : [{ refType: 'CHILD_OF', traceId, spanId: '0000000000000001' }],
    flags: 1,
    startTime: 1_700_000_000_000_000 + i * 1_001,
    duration: 1_500 + i,
    tags: [
      { key: 'http.status_code', type: 'int64', value: 200n + BigInt(i) },
      { key: 'error', type: 'bool', value: i % 7 === 3 },
      { key: 'ratio', type: 'float64', value: i / 8 },
      { key: 'digest', type: 'binary', value: Uint8Array.of(i & 0xff, 0xfe) },
      { key: 'note', type: 'string', value: `span ${i} of ${traceId}` },
    ],
    logs: [
      { timestamp: 1_700_000_000_000_500 + i, fields: [{ key: 'event', type: 'string', value: 'retry' }] },
    ],
    process: {
      serviceName: i % 2 === 0 ? 'checkout' : 'inventory',
      tags: [{ key: 'ip', type: 'string', value: '10.0.0.7' }],
    },
  };
  if (i === 2) span.warnings = ['clock skew adjusted'];
  return span;
}

function traceOf(traceId: TraceId, spans: number): Trace {
  return { traceId, spans: Array.from({ length: spans }, (_, i) => spanOf(traceId, i)) };
}

class FakeReader implements SpanReader {
  readonly calls: unknown[][] = [];
  fail: Error | undefined;
  stored: Trace[] = [traceOf(TRACE_A, 12), traceOf(TRACE_B, 3), traceOf(TRACE_BIG, 250)];
  found: Trace[] = [];
  serviceNames = ['checkout', 'inventory'];
  ops: Operation[] = [
    { name: 'GET /cart', spanKind: 'server' },
    { name: 'GET /cart', spanKind: 'client' },
    { name: 'reserve', spanKind: '' },
  ];
  links: DependencyLink[] = [
    { parent: 'checkout', child: 'inventory', callCount: 42 },
    { parent: 'inventory', child: 'db', callCount: 9_007_199_254_740_991 },
  ];

  async #answer<T>(call: unknown[], value: T): Promise<T> {
    this.calls.push(call);
    if (this.fail) throw this.fail;
    return value;
  }
  services(): Promise<string[]> {
    return this.#answer(['services'], this.serviceNames);
  }
  operations(...args: [service: string, spanKind?: string]): Promise<Operation[]> {
    return this.#answer(['operations', ...args], this.ops);
  }
  findTraceIds(query: TraceQuery): Promise<TraceId[]> {
    return this.#answer(
      ['findTraceIds', query],
      this.found.map((t) => t.traceId),
    );
  }
  findTraces(query: TraceQuery): Promise<Trace[]> {
    return this.#answer(['findTraces', query], this.found);
  }
  getTraces(...args: [traceIds: readonly TraceId[], range?: TimeRange]): Promise<Trace[]> {
    const [ids] = args;
    return this.#answer(
      ['getTraces', ...args],
      ids.flatMap((id) => this.stored.filter((t) => t.traceId === id)),
    );
  }
  dependencies(endMs: number, lookbackMs: number): Promise<DependencyLink[]> {
    return this.#answer(['dependencies', endMs, lookbackMs], this.links);
  }
}

// ---- harness ----

const DAY_MS = 24 * 3600 * 1000;

interface Harness {
  server: QueryGrpcServer;
  reader: FakeReader;
  client: grpc.Client;
  /** onRequest calls: method and status name. */
  requests: [QueryMethod, string][];
  logs: { level: string; msg: string; [field: string]: unknown }[];
}

async function start(t: TestContext, options: Partial<QueryGrpcServerOptions> = {}): Promise<Harness> {
  const reader = new FakeReader();
  const requests: [QueryMethod, string][] = [];
  const logs: Harness['logs'] = [];
  const server = new QueryGrpcServer({
    host: '127.0.0.1',
    port: 0,
    reader,
    logger: createLogger({
      level: 'debug',
      write: (line) => logs.push(JSON.parse(line) as Harness['logs'][0]),
    }),
    maxSearchTraces: 50,
    defaultLimit: 20,
    maxTimeRangeMs: 2 * DAY_MS,
    maxMessageBytes: 64 * 1024,
    onRequest: (method, seconds, code) => {
      assert.ok(seconds >= 0 && seconds < 30, `${method} took ${seconds} s`);
      requests.push([method, grpc.status[code]]);
    },
    ...options,
  });
  await server.start();
  t.after(() => server.stop(Date.now() + 1000));
  const client = new loaded.jaeger.api_v2.QueryService(
    `127.0.0.1:${server.port}`,
    grpc.credentials.createInsecure(),
  );
  t.after(() => client.close());
  return { server, reader, client, requests, logs };
}

const T0 = 1_700_000_000;
const QUERY = { service_name: 'checkout', start_time_min: ts(T0), start_time_max: ts(T0 + 3600) };

describe('QueryGrpcServer (jaeger.api_v2.QueryService)', () => {
  it('binds a free port when asked for port 0, and fails with LISTEN_FAILED on a taken one', async (t) => {
    const { server } = await start(t);
    assert.equal(server.name, 'grpc');
    assert.ok(server.port > 0 && server.port < 65536, `bound port ${server.port}`);
    const second = new QueryGrpcServer({
      host: '127.0.0.1',
      port: server.port,
      reader: new FakeReader(),
      logger: createLogger({ level: 'silent' }),
      maxSearchTraces: 1,
      defaultLimit: 1,
      maxTimeRangeMs: 1,
      maxMessageBytes: 1024,
    });
    await assert.rejects(second.start(), { name: 'SkeinError', code: 'LISTEN_FAILED' });
    await second.stop(Date.now() + 1000);
  });

  it('GetServices answers the reader’s services', async (t) => {
    const { client, reader, requests } = await start(t);
    assert.deepEqual(await unary(client, 'GetServices', {}), { services: ['checkout', 'inventory'] });
    assert.deepEqual(reader.calls, [['services']]);
    assert.deepEqual(requests, [['GetServices', 'OK']]);
  });

  it('GetOperations answers operations and the deprecated operationNames, with or without a span kind', async (t) => {
    const { client, reader } = await start(t);
    const expected = {
      operationNames: ['GET /cart', 'reserve'],
      operations: [
        { name: 'GET /cart', span_kind: 'server' },
        { name: 'GET /cart', span_kind: 'client' },
        { name: 'reserve', span_kind: '' },
      ],
    };
    assert.deepEqual(await unary(client, 'GetOperations', { service: 'checkout' }), expected);
    assert.deepEqual(
      await unary(client, 'GetOperations', { service: 'checkout', span_kind: 'server' }),
      expected,
    );
    assert.deepEqual(reader.calls, [
      ['operations', 'checkout'],
      ['operations', 'checkout', 'server'],
    ]);
  });

  it('GetDependencies asks for end_time and the lookback to start_time, in ms', async (t) => {
    const { client, reader } = await start(t);
    const response = await unary(client, 'GetDependencies', {
      start_time: ts(T0 - 3600, 400_000),
      end_time: ts(T0, 999_999_999),
    });
    assert.deepEqual(response, {
      dependencies: [
        { parent: 'checkout', child: 'inventory', call_count: '42', source: '' },
        { parent: 'inventory', child: 'db', call_count: '9007199254740991', source: '' },
      ],
    });
    assert.deepEqual(reader.calls, [['dependencies', 1_700_000_000_999, 3_600_999]]);
  });

  it('GetTrace streams the trace’s spans, each with its process, exactly as stored', async (t) => {
    const { client, reader, requests } = await start(t);
    const chunks = await streaming(client, 'GetTrace', { trace_id: Buffer.from(TRACE_B, 'hex') });
    assert.deepEqual(
      chunks.map((c) => c.spans.map(fromProtoSpan)),
      [traceOf(TRACE_B, 3).spans],
    );
    assert.deepEqual(reader.calls, [['getTraces', [TRACE_B], undefined]]);
    assert.deepEqual(requests, [['GetTrace', 'OK']]);
  });

  it('GetTrace sends a 250-span trace in 25 chunks of 10, in order', async (t) => {
    const { client } = await start(t);
    const chunks = await streaming(client, 'GetTrace', { trace_id: Buffer.from(TRACE_BIG, 'hex') });
    assert.deepEqual(
      chunks.map((c) => c.spans.length),
      new Array<number>(25).fill(10),
    );
    assert.deepEqual(
      chunks.flatMap((c) => c.spans.map(fromProtoSpan)),
      traceOf(TRACE_BIG, 250).spans,
    );
  });

  it('GetTrace takes an 8-byte trace ID and passes start_time..end_time on as a range in ms', async (t) => {
    const { client, reader } = await start(t);
    const chunks = await streaming(client, 'GetTrace', {
      trace_id: Buffer.from(TRACE_B.slice(16), 'hex'),
      start_time: ts(T0, 500_000),
      end_time: ts(T0 + 100, 1_500_000),
    });
    assert.equal(chunks.length, 1);
    // One bound alone is not a range the reader can use.
    await streaming(client, 'GetTrace', { trace_id: Buffer.from(TRACE_B, 'hex'), end_time: ts(T0) });
    assert.deepEqual(reader.calls, [
      ['getTraces', [TRACE_B], { startMs: 1_700_000_000_000, endMs: 1_700_000_100_002 }],
      ['getTraces', [TRACE_B], undefined],
    ]);
  });

  it('GetTrace answers NOT_FOUND for a trace with no spans', async (t) => {
    const { client, requests } = await start(t);
    assert.equal(
      await outcome(streaming(client, 'GetTrace', { trace_id: Buffer.from('1'.repeat(32), 'hex') })),
      'NOT_FOUND: trace not found',
    );
    assert.deepEqual(requests, [['GetTrace', 'NOT_FOUND']]);
  });

  it('FindTraces passes the query on in µs and streams each trace in its own chunks', async (t) => {
    const { client, reader, requests } = await start(t);
    reader.found = [traceOf(TRACE_A, 12), traceOf(TRACE_B, 3)];
    const chunks = await streaming(client, 'FindTraces', {
      query: {
        service_name: 'checkout',
        operation_name: 'GET /cart',
        tags: { error: 'true', 'http.status_code': '5\\d\\d' },
        start_time_min: ts(T0, 1_999),
        start_time_max: ts(T0 + 3600),
        duration_min: { seconds: '0', nanos: 1_500_000 },
        duration_max: { seconds: '2', nanos: 0 },
        search_depth: 30,
      },
    });
    assert.deepEqual(reader.calls, [
      [
        'findTraces',
        {
          service: 'checkout',
          operation: 'GET /cart',
          tags: [
            ['error', 'true'],
            ['http.status_code', '5\\d\\d'],
          ],
          startMin: 1_700_000_000_000_001,
          startMax: 1_700_003_600_000_000,
          durationMin: 1_500,
          durationMax: 2_000_000,
          limit: 30,
        } satisfies TraceQuery,
      ],
    ]);
    assert.deepEqual(
      chunks.map((c) => [c.spans.length, [...new Set(c.spans.map((s) => s.trace_id.toString('hex')))]]),
      [
        [10, [TRACE_A]],
        [2, [TRACE_A]],
        [3, [TRACE_B]],
      ],
    );
    assert.deepEqual(
      chunks.flatMap((c) => c.spans.map(fromProtoSpan)),
      [...reader.found[0]!.spans, ...reader.found[1]!.spans],
    );
    assert.deepEqual(requests, [['FindTraces', 'OK']]);
  });

  it('FindTraces uses defaultLimit for search_depth 0 and takes the limits themselves', async (t) => {
    const { client, reader } = await start(t);
    assert.deepEqual(await streaming(client, 'FindTraces', { query: QUERY }), []);
    await streaming(client, 'FindTraces', {
      query: {
        service_name: 'checkout',
        start_time_min: ts(T0),
        start_time_max: ts(T0 + 2 * 24 * 3600),
        // zero durations are no bound, as in Jaeger
        duration_min: ts(0),
        duration_max: ts(0),
        search_depth: 50,
      },
    });
    assert.deepEqual(reader.calls, [
      [
        'findTraces',
        { service: 'checkout', tags: [], startMin: T0 * 1e6, startMax: (T0 + 3600) * 1e6, limit: 20 },
      ],
      [
        'findTraces',
        {
          service: 'checkout',
          tags: [],
          startMin: T0 * 1e6,
          startMax: (T0 + 2 * 24 * 3600) * 1e6,
          limit: 50,
        },
      ],
    ]);
  });

  it('answers INVALID_ARGUMENT, without asking the reader, for each invalid request', async (t) => {
    const { client, reader } = await start(t);
    const cases: [QueryMethod, object, string][] = [
      ['GetTrace', {}, 'trace_id is required: the trace ID as 16 bytes (8 for a 64-bit ID), not all zero'],
      [
        'GetTrace',
        { trace_id: Buffer.alloc(16) },
        'trace_id is required: the trace ID as 16 bytes (8 for a 64-bit ID), not all zero',
      ],
      [
        'GetTrace',
        { trace_id: Buffer.from(TRACE_A, 'hex'), start_time: ts(T0), end_time: ts(T0 - 1) },
        'end_time is before start_time',
      ],
      [
        'GetTrace',
        {
          trace_id: Buffer.from(TRACE_A, 'hex'),
          start_time: ts(T0),
          end_time: ts(T0 + 2 * 24 * 3600, 1_000_000),
        },
        'query time range is 172800001 ms, over the 172800000 ms allowed; narrow start_time..end_time',
      ],
      ['FindTraces', {}, 'query is required: set at least service_name, start_time_min and start_time_max'],
      ['FindTraces', { query: { ...QUERY, service_name: '' } }, 'query.service_name is required'],
      [
        'FindTraces',
        { query: { service_name: 'checkout', start_time_max: ts(T0) } },
        'query.start_time_min and query.start_time_max are required',
      ],
      [
        'FindTraces',
        { query: { service_name: 'checkout', start_time_min: ts(T0) } },
        'query.start_time_min and query.start_time_max are required',
      ],
      [
        'FindTraces',
        { query: { ...QUERY, start_time_max: ts(T0, 0), start_time_min: ts(T0, 1000) } },
        'query.start_time_max is before query.start_time_min',
      ],
      [
        'FindTraces',
        { query: { ...QUERY, start_time_max: ts(T0 + 2 * 24 * 3600, 1_000_000) } },
        'query time range is 172800001 ms, over the 172800000 ms allowed; narrow start_time_min..start_time_max',
      ],
      [
        'FindTraces',
        { query: { ...QUERY, duration_min: ts(2), duration_max: ts(1) } },
        'query.duration_min is greater than query.duration_max',
      ],
      [
        'FindTraces',
        { query: { ...QUERY, duration_min: { seconds: '-1', nanos: 0 } } },
        'query.duration_min and query.duration_max must not be negative',
      ],
      [
        'FindTraces',
        { query: { ...QUERY, search_depth: -1 } },
        'query.search_depth must be between 1 and 50 (0 for the default of 20)',
      ],
      [
        'FindTraces',
        { query: { ...QUERY, search_depth: 51 } },
        'query.search_depth must be between 1 and 50 (0 for the default of 20)',
      ],
      ['GetOperations', { span_kind: 'server' }, 'service is required'],
      ['GetDependencies', { end_time: ts(T0) }, 'start_time and end_time are required'],
      ['GetDependencies', { start_time: ts(T0) }, 'start_time and end_time are required'],
      ['GetDependencies', { start_time: ts(T0), end_time: ts(T0 - 1) }, 'end_time is before start_time'],
      [
        'GetDependencies',
        { start_time: ts(T0), end_time: ts(T0 + 2 * 24 * 3600, 1_000_000) },
        'query time range is 172800001 ms, over the 172800000 ms allowed; narrow start_time..end_time',
      ],
    ];
    for (const [method, request, details] of cases) {
      const call = STREAMING.has(method)
        ? streaming(client, method as 'GetTrace' | 'FindTraces', request)
        : unary(client, method, request);
      assert.equal(
        await outcome(call),
        `INVALID_ARGUMENT: ${details}`,
        `${method} ${JSON.stringify(request)}`,
      );
    }
    assert.deepEqual(reader.calls, []);
  });

  it('answers INVALID_ARGUMENT with the decode error for bytes that are not the request message', async (t) => {
    const { client, reader, requests, logs } = await start(t);
    const cases: [QueryMethod, Uint8Array, string][] = [
      [
        'GetTrace',
        Uint8Array.of(0x0a, 0x05, 1, 2, 3, 4, 5),
        'malformed GetTraceRequest: GetTraceRequest.trace_id must be 16 bytes (or 8), got 5 (at byte 1)',
      ],
      [
        'FindTraces',
        Uint8Array.of(0x0a, 0x05, 0x01),
        'malformed FindTracesRequest: length-delimited field runs past the end of its message (at byte 1)',
      ],
      [
        'GetServices',
        Uint8Array.of(0x7f),
        'malformed GetServicesRequest: unsupported wire type 7 (at byte 1)',
      ],
      [
        'GetOperations',
        Uint8Array.of(0x0a, 0x01, 0xff),
        'malformed GetOperationsRequest: GetOperationsRequest.service is not valid UTF-8 (at byte 1)',
      ],
      [
        'GetDependencies',
        Uint8Array.of(0x12, 0x01, 0x08),
        'malformed GetDependenciesRequest: input ends inside a field (at byte 3)',
      ],
    ];
    for (const [method, bytes, details] of cases) {
      assert.equal(await outcome(raw(client, method, bytes)), `INVALID_ARGUMENT: ${details}`);
    }
    assert.deepEqual(reader.calls, []);
    assert.deepEqual(
      requests,
      cases.map(([method]) => [method, 'INVALID_ARGUMENT']),
    );
    // The client's mistake is a debug line, not an error.
    assert.deepEqual(
      logs.filter((l) => l.level !== 'info').map((l) => [l.level, l.msg, l['method']]),
      cases.map(([method]) => ['debug', 'gRPC query call refused', method]),
    );
  });

  it('answers INVALID_ARGUMENT with the reader’s message for a QueryInputError', async (t) => {
    const { client, reader } = await start(t);
    reader.fail = new QueryInputError(
      'tag error: invalid regular expression "(" (missing closing parenthesis)',
    );
    assert.equal(
      await outcome(streaming(client, 'FindTraces', { query: { ...QUERY, tags: { error: '(' } } })),
      'INVALID_ARGUMENT: tag error: invalid regular expression "(" (missing closing parenthesis)',
    );
  });

  it('answers UNAUTHENTICATED when authorize refuses the metadata, before decoding or reading', async (t) => {
    const seen: (string | undefined)[] = [];
    const { client, reader, requests } = await start(t, {
      authorize: (metadata) => {
        const value = metadata.get('authorization')[0];
        seen.push(typeof value === 'string' ? value : undefined);
        return value === 'Bearer s3cret';
      },
    });
    const wrong = new grpc.Metadata();
    wrong.set('authorization', 'Bearer guess');
    for (const method of ['GetTrace', 'FindTraces'] as const) {
      assert.equal(
        await outcome(streaming(client, method, {}, wrong)),
        'UNAUTHENTICATED: missing or invalid bearer token',
      );
    }
    for (const method of ['GetServices', 'GetOperations', 'GetDependencies', 'ArchiveTrace'] as const) {
      assert.equal(
        await outcome(unary(client, method, {})),
        'UNAUTHENTICATED: missing or invalid bearer token',
      );
    }
    assert.equal(
      await outcome(raw(client, 'GetServices', Uint8Array.of(0x7f))),
      'UNAUTHENTICATED: missing or invalid bearer token',
    );
    assert.deepEqual(reader.calls, []);

    const right = new grpc.Metadata();
    right.set('authorization', 'Bearer s3cret');
    assert.deepEqual(await unary(client, 'GetServices', {}, right), { services: ['checkout', 'inventory'] });
    assert.equal(
      (await streaming(client, 'GetTrace', { trace_id: Buffer.from(TRACE_B, 'hex') }, right)).length,
      1,
    );
    assert.deepEqual(seen, [
      'Bearer guess',
      'Bearer guess',
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      'Bearer s3cret',
      'Bearer s3cret',
    ]);
    assert.deepEqual(
      requests.map(([, code]) => code),
      [...new Array<string>(7).fill('UNAUTHENTICATED'), 'OK', 'OK'],
    );
  });

  it('answers INTERNAL and logs the error when the reader fails, and keeps serving', async (t) => {
    const { client, reader, requests, logs } = await start(t);
    reader.found = [traceOf(TRACE_A, 1)];
    reader.fail = new Error('connect ECONNREFUSED 127.0.0.1:9200');
    const calls: [QueryMethod, Promise<unknown>][] = [
      ['GetTrace', streaming(client, 'GetTrace', { trace_id: Buffer.from(TRACE_A, 'hex') })],
      ['FindTraces', streaming(client, 'FindTraces', { query: QUERY })],
      ['GetServices', unary(client, 'GetServices', {})],
      ['GetOperations', unary(client, 'GetOperations', { service: 'checkout' })],
      ['GetDependencies', unary(client, 'GetDependencies', { start_time: ts(T0), end_time: ts(T0 + 1) })],
    ];
    for (const [method, call] of calls) {
      assert.equal(await outcome(call), `INTERNAL: ${method} failed; see the query service log`);
    }
    const errors = logs.filter((l) => l.level === 'error');
    assert.deepEqual(
      errors.map((l) => [l.msg, l['method'], (l['error'] as { message: string }).message]).sort(),
      calls
        .map(([method]) => ['gRPC query call failed', method, 'connect ECONNREFUSED 127.0.0.1:9200'])
        .sort(),
    );
    reader.fail = undefined;
    assert.deepEqual(await unary(client, 'GetServices', {}), { services: ['checkout', 'inventory'] });
    assert.equal((await streaming(client, 'FindTraces', { query: QUERY })).length, 1);
    assert.deepEqual(requests.map(([, code]) => code).sort(), [
      ...new Array<string>(5).fill('INTERNAL'),
      'OK',
      'OK',
    ]);
  });

  it('answers UNIMPLEMENTED to ArchiveTrace', async (t) => {
    const { client, requests } = await start(t);
    assert.equal(
      await outcome(unary(client, 'ArchiveTrace', { trace_id: Buffer.from(TRACE_A, 'hex') })),
      'UNIMPLEMENTED: ArchiveTrace is not supported: skein has no archive storage',
    );
    assert.deepEqual(requests, [['ArchiveTrace', 'UNIMPLEMENTED']]);
  });

  it('refuses a request over maxMessageBytes with RESOURCE_EXHAUSTED', async (t) => {
    const { client, reader } = await start(t, { maxMessageBytes: 1024 });
    // GetOperationsRequest { service: 2000 × "a" }
    const big = Buffer.concat([Buffer.from([0x0a, 0xd0, 0x0f]), Buffer.alloc(2000, 0x61)]);
    assert.equal(
      await outcome(raw(client, 'GetOperations', big)),
      `RESOURCE_EXHAUSTED: Received message larger than max (${big.length} vs 1024)`,
    );
    assert.deepEqual(reader.calls, []);
  });

  it('serves over TLS with a certificate the client trusts, and refuses plaintext', async (t) => {
    const certs = await generateCertificates(mkdtempSync(join(tmpdir(), 'skein-query-grpc-tls-')));
    const tls = ServerTls.load(
      {
        prefix: 'grpc',
        certFile: certs.serverCertFile,
        keyFile: certs.serverKeyFile,
        minVersion: 'TLSv1.2',
      },
      { logger: createLogger({ level: 'silent' }), listener: 'grpc' },
    );
    const { server, client: plaintext } = await start(t, { tls });
    // grpc-js's details carry the time of the failure: the status is what a client acts on.
    assert.match(await outcome(unary(plaintext, 'GetServices', {})), /^UNAVAILABLE: /);
    const secure = new loaded.jaeger.api_v2.QueryService(
      `localhost:${server.port}`,
      grpc.credentials.createSsl(readFileSync(certs.caFile)),
    );
    t.after(() => secure.close());
    assert.deepEqual(await unary(secure, 'GetServices', {}), { services: ['checkout', 'inventory'] });
  });

  it('stop() closes the port', async (t) => {
    const { server, client } = await start(t);
    assert.deepEqual(await unary(client, 'GetServices', {}), { services: ['checkout', 'inventory'] });
    await server.stop(Date.now() + 1000);
    client.close();
    const again = new loaded.jaeger.api_v2.QueryService(
      `127.0.0.1:${server.port}`,
      grpc.credentials.createInsecure(),
    );
    t.after(() => again.close());
    await assert.rejects(unary(again, 'GetServices', {}), { code: grpc.status.UNAVAILABLE });
  });
});
