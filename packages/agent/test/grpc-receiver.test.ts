import { after, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import {
  DecodeError,
  decodeBatch,
  decodeProtoPostSpansRequest,
  encodeProtoPostSpansRequest,
  type Batch,
  type KeyValue,
  type Process,
  type Span,
  type TraceBatch,
} from '@skein/model';
import { createLogger } from '@skein/runtime';
import { GrpcReceiver, type GrpcReceiverOptions } from '../src/receivers/grpc.js';
import type { Accepted, ReceiverMetrics, SpanSink, Transport } from '../src/sink.js';

const PATH = '/jaeger.api_v2.CollectorService/PostSpans';

// ---- a generic client built from our own .proto, as any Jaeger gRPC reporter would be ----

const definition = protoLoader.loadSync(
  fileURLToPath(new URL('../../model/test/fixtures/jaeger-model.proto', import.meta.url)),
  {
    keepCase: true,
    longs: String,
    enums: String,
  },
);
const loaded = grpc.loadPackageDefinition(definition) as unknown as {
  jaeger: { api_v2: { CollectorService: grpc.ServiceClientConstructor } };
};

interface ProtoKeyValue {
  key: string;
  v_type: 'STRING' | 'BOOL' | 'INT64' | 'FLOAT64' | 'BINARY';
  v_str?: string;
  v_bool?: boolean;
  v_int64?: string;
  v_float64?: number;
  v_binary?: Buffer;
}
interface ProtoTimestamp {
  seconds: string;
  nanos: number;
}
interface ProtoProcess {
  service_name: string;
  tags: ProtoKeyValue[];
}
interface ProtoSpan {
  trace_id: Buffer;
  span_id: Buffer;
  operation_name: string;
  references: { trace_id: Buffer; span_id: Buffer; ref_type: 'CHILD_OF' | 'FOLLOWS_FROM' }[];
  flags: number;
  start_time: ProtoTimestamp;
  duration: ProtoTimestamp;
  tags: ProtoKeyValue[];
  logs: { timestamp: ProtoTimestamp; fields: ProtoKeyValue[] }[];
  process?: ProtoProcess;
}
interface PostSpansRequestJson {
  batch?: { spans: ProtoSpan[]; process?: ProtoProcess };
}

interface CollectorClient extends grpc.Client {
  PostSpans(
    request: PostSpansRequestJson,
    callback: (err: grpc.ServiceError | null, response?: unknown) => void,
  ): grpc.ClientUnaryCall;
}

const clients: grpc.Client[] = [];
after(() => {
  for (const client of clients) client.close();
});

function collectorClient(port: number): CollectorClient {
  const Client = loaded.jaeger.api_v2.CollectorService;
  const client = new Client(
    `127.0.0.1:${port}`,
    grpc.credentials.createInsecure(),
  ) as unknown as CollectorClient;
  clients.push(client);
  return client;
}

function postSpans(client: CollectorClient, request: PostSpansRequestJson): Promise<unknown> {
  return new Promise((resolve, reject) => {
    client.PostSpans(request, (err, response) => (err ? reject(err) : resolve(response)));
  });
}

/** A raw grpc-js client that sends whatever bytes it is given to PostSpans. */
function rawClient(port: number): (bytes: Uint8Array) => Promise<Buffer> {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  clients.push(client);
  const identity = (b: Buffer): Buffer => b;
  return (bytes) =>
    new Promise((resolve, reject) => {
      client.makeUnaryRequest(PATH, identity, identity, Buffer.from(bytes), (err, response) =>
        err ? reject(err) : resolve(response ?? Buffer.alloc(0)),
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

// ---- domain spans to send, and their proto-loader form ----

function toProtoKeyValue(kv: KeyValue): ProtoKeyValue {
  switch (kv.type) {
    case 'string':
      return { key: kv.key, v_type: 'STRING', v_str: kv.value };
    case 'bool':
      return { key: kv.key, v_type: 'BOOL', v_bool: kv.value };
    case 'int64':
      return { key: kv.key, v_type: 'INT64', v_int64: kv.value.toString() };
    case 'float64':
      return { key: kv.key, v_type: 'FLOAT64', v_float64: kv.value };
    case 'binary':
      return { key: kv.key, v_type: 'BINARY', v_binary: Buffer.from(kv.value) };
  }
}

function toProtoTime(micros: number): ProtoTimestamp {
  return { seconds: String(Math.floor(micros / 1e6)), nanos: (micros % 1e6) * 1000 };
}

function toProtoProcess(process: Process): ProtoProcess {
  return { service_name: process.serviceName, tags: process.tags.map(toProtoKeyValue) };
}

function toProtoSpan(span: Span, batchProcess: Process): ProtoSpan {
  return {
    trace_id: Buffer.from(span.traceId, 'hex'),
    span_id: Buffer.from(span.spanId, 'hex'),
    operation_name: span.operationName,
    references: span.references.map((r) => ({
      trace_id: Buffer.from(r.traceId, 'hex'),
      span_id: Buffer.from(r.spanId, 'hex'),
      ref_type: r.refType,
    })),
    flags: span.flags,
    start_time: toProtoTime(span.startTime),
    duration: toProtoTime(span.duration),
    tags: span.tags.map(toProtoKeyValue),
    logs: span.logs.map((l) => ({
      timestamp: toProtoTime(l.timestamp),
      fields: l.fields.map(toProtoKeyValue),
    })),
    ...(span.process === batchProcess ? {} : { process: toProtoProcess(span.process) }),
  };
}

function toRequest(batch: Batch): PostSpansRequestJson {
  return {
    batch: {
      spans: batch.spans.map((s) => toProtoSpan(s, batch.process)),
      process: toProtoProcess(batch.process),
    },
  };
}

const TRACE_1 = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACE_2 = '00000000000000000000000000000abc';

const checkout: Process = {
  serviceName: 'checkout',
  tags: [
    { key: 'hostname', type: 'string', value: 'web-7' },
    { key: 'ip', type: 'string', value: '10.0.0.7' },
    { key: 'jaeger.version', type: 'string', value: 'Go-2.30.0' },
  ],
};
const inventory: Process = {
  serviceName: 'inventory',
  tags: [
    { key: 'pod', type: 'string', value: 'inventory-5d9f' },
    { key: 'replica', type: 'int64', value: 2n },
  ],
};

const root: Span = {
  traceId: TRACE_1,
  spanId: '00f067aa0ba902b7',
  operationName: 'GET /cart',
  references: [],
  flags: 1,
  startTime: 1_700_000_000_123_456,
  duration: 1_500,
  tags: [
    { key: 'http.url', type: 'string', value: 'https://shop.example/cart?id=42' },
    { key: 'error', type: 'bool', value: false },
    { key: 'http.status_code', type: 'int64', value: 200n },
    { key: 'big', type: 'int64', value: -9_007_199_254_740_993n },
    { key: 'ratio', type: 'float64', value: 0.25 },
    { key: 'digest', type: 'binary', value: new Uint8Array([0, 1, 0xfe, 0xff]) },
  ],
  logs: [
    {
      timestamp: 1_700_000_000_124_000,
      fields: [
        { key: 'event', type: 'string', value: 'cache miss' },
        { key: 'retries', type: 'int64', value: 3n },
        { key: 'fatal', type: 'bool', value: true },
      ],
    },
    { timestamp: 1_700_000_000_124_900, fields: [{ key: 'latency', type: 'float64', value: -1.5e-3 }] },
  ],
  process: checkout,
};
const reserve: Span = {
  traceId: TRACE_2,
  spanId: 'a1b2c3d4e5f60718',
  operationName: 'reserve',
  references: [{ refType: 'CHILD_OF', traceId: TRACE_2, spanId: '0000000000000001' }],
  flags: 3,
  startTime: 1_700_000_001_000_000,
  duration: 2_000_001,
  tags: [{ key: 'span.kind', type: 'string', value: 'client' }],
  logs: [],
  process: checkout,
};
const child: Span = {
  traceId: TRACE_1,
  spanId: '1111111111111111',
  operationName: 'SELECT cart',
  references: [
    { refType: 'CHILD_OF', traceId: TRACE_1, spanId: '00f067aa0ba902b7' },
    { refType: 'FOLLOWS_FROM', traceId: TRACE_2, spanId: 'a1b2c3d4e5f60718' },
  ],
  flags: 1,
  startTime: 1_700_000_000_123_999,
  duration: 0,
  tags: [],
  logs: [],
  process: checkout,
};
const stock: Span = {
  traceId: TRACE_2,
  spanId: 'ffffffffffffffff',
  operationName: 'stock.get',
  references: [{ refType: 'CHILD_OF', traceId: TRACE_2, spanId: 'a1b2c3d4e5f60718' }],
  flags: 1,
  startTime: 1_700_000_001_000_500,
  duration: 700,
  tags: [{ key: 'db.rows', type: 'int64', value: 9_223_372_036_854_775_807n }],
  logs: [],
  process: inventory,
};
/** Two traces; the last span carries its own process, as a span on the wire may. */
const sent: Batch = { process: checkout, spans: [root, reserve, child, stock] };

// ---- fakes for the agent side ----

class RecordingSink implements SpanSink {
  result: Accepted | 'throw' = 'accepted';
  readonly calls: { traces: TraceBatch[]; transport: Transport; receivedAt: number }[] = [];
  accept(traces: readonly TraceBatch[], transport: Transport, receivedAt: number): Accepted {
    this.calls.push({ traces: [...traces], transport, receivedAt });
    if (this.result === 'throw') throw new Error('sink exploded');
    return this.result;
  }
}

class RecordingMetrics implements ReceiverMetrics {
  readonly calls: (string | number)[][] = [];
  received(transport: Transport, spans: number): void {
    this.calls.push(['received', transport, spans]);
  }
  droppedSpans(transport: Transport, reason: string, spans: number): void {
    this.calls.push(['droppedSpans', transport, reason, spans]);
  }
  rejected(transport: Transport, reason: string): void {
    this.calls.push(['rejected', transport, reason]);
  }
}

interface Harness {
  receiver: GrpcReceiver;
  sink: RecordingSink;
  metrics: RecordingMetrics;
}

async function startReceiver(t: TestContext, options: Partial<GrpcReceiverOptions> = {}): Promise<Harness> {
  const sink = new RecordingSink();
  const metrics = new RecordingMetrics();
  const receiver = new GrpcReceiver({
    port: 0,
    host: '127.0.0.1',
    sink,
    metrics,
    logger: createLogger({ level: 'silent' }),
    maxMessageBytes: 4 * 1024 * 1024,
    ...options,
  });
  await receiver.start();
  t.after(() => receiver.stop(Date.now() + 1000));
  return { receiver, sink, metrics };
}

/** Deterministic bytes for the garbage test (xorshift32). */
function randomBytes(seed: number, length: number): Uint8Array {
  let x = seed;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

describe('GrpcReceiver (jaeger.api_v2.CollectorService/PostSpans)', () => {
  it('binds a free port when asked for port 0', async (t) => {
    const { receiver } = await startReceiver(t);
    assert.equal(receiver.name, 'grpc');
    assert.ok(receiver.port > 0 && receiver.port < 65536, `bound port ${receiver.port}`);
  });

  it('start() fails with LISTEN_FAILED when the port is taken', async (t) => {
    const { receiver } = await startReceiver(t);
    const second = new GrpcReceiver({
      port: receiver.port,
      host: '127.0.0.1',
      sink: new RecordingSink(),
      metrics: new RecordingMetrics(),
      logger: createLogger({ level: 'silent' }),
      maxMessageBytes: 1024,
    });
    await assert.rejects(second.start(), { name: 'SkeinError', code: 'LISTEN_FAILED' });
    await second.stop(Date.now() + 1000);
  });

  it('hands the spans to the sink as one compact Batch per trace and process, exactly as sent', async (t) => {
    const { receiver, sink, metrics } = await startReceiver(t);
    const before = Date.now();
    const response = await postSpans(collectorClient(receiver.port), toRequest(sent));
    const afterCall = Date.now();

    assert.deepEqual(response, {});
    assert.equal(sink.calls.length, 1);
    const call = sink.calls[0]!;
    assert.equal(call.transport, 'grpc');
    assert.ok(call.receivedAt >= before && call.receivedAt <= afterCall, `receivedAt ${call.receivedAt}`);
    assert.deepEqual(
      call.traces.map((tb) => [tb.traceId, tb.spanCount]),
      [
        [TRACE_1, 2],
        [TRACE_2, 1],
        [TRACE_2, 1],
      ],
    );
    assert.deepEqual(
      call.traces.map((tb) => decodeBatch(tb.value, 'compact')),
      [
        { process: checkout, spans: [root, child] },
        { process: checkout, spans: [reserve] },
        { process: inventory, spans: [stock] },
      ],
    );
    assert.deepEqual(metrics.calls, [['received', 'grpc', 4]]);
  });

  it('answers an empty batch, or a request with no batch, with OK and leaves the sink alone', async (t) => {
    const { receiver, sink, metrics } = await startReceiver(t);
    const client = collectorClient(receiver.port);
    assert.deepEqual(
      await postSpans(client, { batch: { spans: [], process: toProtoProcess(checkout) } }),
      {},
    );
    assert.deepEqual(await postSpans(client, {}), {});
    assert.deepEqual(sink.calls, []);
    assert.deepEqual(metrics.calls, [
      ['received', 'grpc', 0],
      ['received', 'grpc', 0],
    ]);
  });

  it('answers RESOURCE_EXHAUSTED when the agent queue is full, and counts the spans dropped', async (t) => {
    const { receiver, sink, metrics } = await startReceiver(t);
    sink.result = 'queue_full';
    await assert.rejects(postSpans(collectorClient(receiver.port), toRequest(sent)), {
      code: grpc.status.RESOURCE_EXHAUSTED,
      details: 'agent queue is full; retry PostSpans after a backoff',
    });
    assert.equal(sink.calls.length, 1);
    assert.deepEqual(metrics.calls, [
      ['received', 'grpc', 4],
      ['droppedSpans', 'grpc', 'queue_full', 4],
    ]);
  });

  it('answers UNAVAILABLE when the agent is stopping, and counts the spans dropped', async (t) => {
    const { receiver, sink, metrics } = await startReceiver(t);
    sink.result = 'stopped';
    await assert.rejects(postSpans(collectorClient(receiver.port), toRequest(sent)), {
      code: grpc.status.UNAVAILABLE,
      details: 'agent is shutting down; retry PostSpans (another agent or later)',
    });
    assert.deepEqual(metrics.calls, [
      ['received', 'grpc', 4],
      ['droppedSpans', 'grpc', 'shutdown', 4],
    ]);
  });

  it('answers INVALID_ARGUMENT with the decode error for bytes that are not a PostSpansRequest', async (t) => {
    const { receiver, sink, metrics } = await startReceiver(t);
    const send = rawClient(receiver.port);
    // Field 1 (batch) declares 5 bytes, 1 follows.
    assert.equal(
      await outcome(send(Uint8Array.of(0x0a, 0x05, 0x01))),
      'INVALID_ARGUMENT: malformed PostSpansRequest: length-delimited field runs past the end of its message (at byte 1)',
    );
    assert.deepEqual(metrics.calls, [['rejected', 'grpc', 'malformed']]);
    assert.deepEqual(sink.calls, []);
  });

  it('survives every truncation of a valid request and random bytes, then still takes a good request', async (t) => {
    const { receiver, sink, metrics } = await startReceiver(t);
    const send = rawClient(receiver.port);
    const whole = encodeProtoPostSpansRequest(sent);
    const inputs: Uint8Array[] = [];
    // PostSpansRequest has one length-delimited field, so every non-empty strict prefix is truncated.
    for (let n = 1; n < whole.length; n++) inputs.push(whole.subarray(0, n));
    for (let seed = 1; seed <= 200; seed++) inputs.push(randomBytes(seed * 2654435761, 1 + (seed % 97)));

    const expected = inputs.map((bytes) => {
      try {
        const spans = decodeProtoPostSpansRequest(bytes).spans.length;
        return { status: 'OK', metric: ['received', 'grpc', spans] };
      } catch (err) {
        assert.ok(err instanceof DecodeError);
        return {
          status: `INVALID_ARGUMENT: malformed PostSpansRequest: ${err.message}`,
          metric: ['rejected', 'grpc', 'malformed'],
        };
      }
    });
    const statuses: string[] = [];
    for (let i = 0; i < inputs.length; i += 50) {
      statuses.push(...(await Promise.all(inputs.slice(i, i + 50).map((bytes) => outcome(send(bytes))))));
    }
    assert.deepEqual(
      statuses,
      expected.map((e) => e.status),
    );
    for (let n = 1; n < whole.length; n++) assert.match(statuses[n - 1]!, /^INVALID_ARGUMENT: /);
    // Calls in one chunk may complete in any order; the counts must match exactly.
    const count = (calls: (string | number)[][]): Map<string, number> => {
      const m = new Map<string, number>();
      for (const c of calls) m.set(c.join(' '), (m.get(c.join(' ')) ?? 0) + 1);
      return m;
    };
    assert.deepEqual(count(metrics.calls), count(expected.map((e) => e.metric as (string | number)[])));

    metrics.calls.length = 0;
    sink.calls.length = 0;
    assert.deepEqual(await postSpans(collectorClient(receiver.port), toRequest(sent)), {});
    assert.equal(sink.calls.length, 1);
    assert.deepEqual(metrics.calls, [['received', 'grpc', 4]]);
  });

  it('refuses a message over maxMessageBytes with RESOURCE_EXHAUSTED and takes one at the limit', async (t) => {
    const small: Batch = { process: checkout, spans: [{ ...reserve, operationName: 'x' }] };
    const limit = encodeProtoPostSpansRequest(small).length;
    const { receiver, sink, metrics } = await startReceiver(t, { maxMessageBytes: limit });
    const send = rawClient(receiver.port);

    const over = encodeProtoPostSpansRequest({
      process: checkout,
      spans: [{ ...reserve, operationName: 'xy' }],
    });
    assert.equal(over.length, limit + 1);
    assert.equal(
      await outcome(send(over)),
      `RESOURCE_EXHAUSTED: Received message larger than max (${limit + 1} vs ${limit})`,
    );
    // The generic client, with a tag far over the limit.
    const huge: Span = { ...root, tags: [{ key: 'payload', type: 'string', value: 'a'.repeat(64 * 1024) }] };
    await assert.rejects(
      postSpans(collectorClient(receiver.port), toRequest({ process: checkout, spans: [huge] })),
      {
        code: grpc.status.RESOURCE_EXHAUSTED,
      },
    );
    // grpc-js refuses these before the handler runs: nothing reaches the sink or the metrics.
    assert.equal(sink.calls.length, 0);
    assert.equal(metrics.calls.length, 0);

    assert.equal(await outcome(send(encodeProtoPostSpansRequest(small))), 'OK');
    assert.deepEqual(
      sink.calls.map((c) => c.traces.map((tb) => decodeBatch(tb.value, 'compact'))),
      [[{ process: checkout, spans: [{ ...reserve, operationName: 'x' }] }]],
    );
    assert.deepEqual(metrics.calls, [['received', 'grpc', 1]]);
  });

  it('answers INTERNAL if the sink throws, and keeps serving', async (t) => {
    const { receiver, sink, metrics } = await startReceiver(t);
    const client = collectorClient(receiver.port);
    sink.result = 'throw';
    await assert.rejects(postSpans(client, toRequest(sent)), {
      code: grpc.status.INTERNAL,
      details: 'agent failed to handle PostSpans; see the agent log',
    });
    sink.result = 'accepted';
    assert.deepEqual(await postSpans(client, toRequest(sent)), {});
    assert.equal(sink.calls.length, 2);
    assert.deepEqual(metrics.calls, [
      ['received', 'grpc', 4],
      ['received', 'grpc', 4],
    ]);
  });

  it('stop() closes the port', async (t) => {
    const { receiver } = await startReceiver(t);
    const client = collectorClient(receiver.port);
    assert.deepEqual(await postSpans(client, {}), {});
    await receiver.stop(Date.now() + 1000);
    client.close();
    await assert.rejects(postSpans(collectorClient(receiver.port), {}), { code: grpc.status.UNAVAILABLE });
  });

  it('stop() cuts off a call still open at the deadline', async (t) => {
    const { receiver } = await startReceiver(t);
    const session = http2.connect(`http://127.0.0.1:${receiver.port}`);
    t.after(() => session.destroy());
    session.on('error', () => {});
    await new Promise<void>((resolve) => session.once('connect', () => resolve()));
    const stream = session.request({
      ':method': 'POST',
      ':path': PATH,
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    stream.on('error', () => {});
    const closed = new Promise<void>((resolve) => stream.on('close', resolve));
    // A message header announcing 100 bytes that never come: the call stays open.
    stream.write(Buffer.from([0, 0, 0, 0, 100]));
    // The PING is answered after the server has read the frames sent before it, so the call now exists there.
    await new Promise<void>((resolve, reject) => session.ping((err) => (err ? reject(err) : resolve())));

    const started = Date.now();
    await receiver.stop(started + 300);
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 290 && elapsed < 2000, `stop took ${elapsed} ms, expected about 300`);
    await closed;
  });
});
