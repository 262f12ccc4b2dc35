import { after, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { decodeBatch, DecodeError, decodeOtlpTraceRequest } from '@skein/model';
import { createLogger } from '@skein/runtime';
import {
  OtlpGrpcReceiver,
  OTLP_EXPORT_PATH,
  type OtlpGrpcReceiverOptions,
} from '../src/receivers/otlp/grpc.js';
import {
  callExport,
  decodeRpcStatus,
  encodeRequest,
  expectedBatches,
  exportClient,
  OTHER,
  randomBytes,
  RecordingMetrics,
  RecordingSink,
  ROOT,
  sampleRequest,
  TRACE_1,
  TRACE_2,
} from './support/otlp.js';

const clients: grpc.Client[] = [];
after(() => {
  for (const client of clients) client.close();
});

function client(port: number, options: grpc.ChannelOptions = {}) {
  const c = exportClient(port, options);
  clients.push(c);
  return c;
}

/** A raw grpc-js client that sends whatever bytes it is given to Export. */
function rawClient(port: number): (bytes: Uint8Array) => Promise<Buffer> {
  const c = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  clients.push(c);
  const identity = (b: Buffer): Buffer => b;
  return (bytes) =>
    new Promise((resolve, reject) => {
      c.makeUnaryRequest(OTLP_EXPORT_PATH, identity, identity, Buffer.from(bytes), (err, response) =>
        err ? reject(err) : resolve(response ?? Buffer.alloc(0)),
      );
    });
}

async function outcome(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'OK';
  } catch (err) {
    const e = err as grpc.ServiceError;
    return `${grpc.status[e.code]}: ${e.details}`;
  }
}

async function startReceiver(t: TestContext, options: Partial<OtlpGrpcReceiverOptions> = {}) {
  const sink = new RecordingSink();
  const metrics = new RecordingMetrics();
  const receiver = new OtlpGrpcReceiver({
    port: 0,
    host: '127.0.0.1',
    sink,
    metrics,
    logger: createLogger({ level: 'silent' }),
    maxMessageBytes: 4 * 1024 * 1024,
    maxSpans: 1000,
    ...options,
  });
  await receiver.start();
  t.after(() => receiver.stop(Date.now() + 1000));
  return { receiver, sink, metrics };
}

describe('OtlpGrpcReceiver (opentelemetry.proto.collector.trace.v1.TraceService/Export)', () => {
  it('binds a free port when asked for port 0, and fails with LISTEN_FAILED on a taken one', async (t) => {
    const { receiver } = await startReceiver(t);
    assert.equal(receiver.name, 'otlp-grpc');
    assert.ok(receiver.port > 0, `bound port ${receiver.port}`);
    const second = new OtlpGrpcReceiver({
      port: receiver.port,
      host: '127.0.0.1',
      sink: new RecordingSink(),
      metrics: new RecordingMetrics(),
      logger: createLogger({ level: 'silent' }),
      maxMessageBytes: 1024,
      maxSpans: 10,
    });
    await assert.rejects(second.start(), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'LISTEN_FAILED');
      assert.match(
        err.message,
        /^OTLP\/gRPC receiver cannot listen on 127\.0\.0\.1:\d+: .*; free the port or change the port with otlp\.grpc\.port$/,
      );
      return true;
    });
    await second.stop(Date.now() + 1000);
  });

  it('maps the spans and hands them to the sink as one compact Batch per trace, answering an empty response', async (t) => {
    const { receiver, sink, metrics } = await startReceiver(t);
    const before = Date.now();
    const response = await callExport(client(receiver.port), sampleRequest());
    assert.deepStrictEqual(response, {});
    assert.equal(sink.calls.length, 1);
    const call = sink.calls[0]!;
    assert.equal(call.transport, 'otlp-grpc');
    assert.ok(call.receivedAt >= before && call.receivedAt <= Date.now());
    assert.deepEqual(
      call.traces.map((tb) => [tb.traceId, tb.spanCount]),
      [
        [TRACE_1, 2],
        [TRACE_2, 1],
      ],
    );
    assert.deepStrictEqual(
      call.traces.map((tb) => decodeBatch(tb.value, 'compact')),
      expectedBatches,
    );
    assert.deepEqual(metrics.calls, [['received', 'otlp-grpc', 3]]);
  });

  it('takes gzip-compressed calls', async (t) => {
    const { receiver, sink } = await startReceiver(t);
    const response = await callExport(
      client(receiver.port, { 'grpc.default_compression_algorithm': 2 }),
      sampleRequest(),
    );
    assert.deepStrictEqual(response, {});
    assert.deepStrictEqual(
      sink.calls[0]!.traces.map((tb) => decodeBatch(tb.value, 'compact')),
      expectedBatches,
    );
  });

  it('rejects spans with invalid IDs one by one and reports them in partial_success', async (t) => {
    const { receiver, sink, metrics } = await startReceiver(t);
    const zeroTrace = { traceId: Buffer.alloc(16), spanId: Buffer.from(ROOT, 'hex'), name: 'bad' };
    const response = await callExport(client(receiver.port), sampleRequest([zeroTrace]));
    assert.deepStrictEqual(response, {
      partialSuccess: {
        rejectedSpans: '1',
        errorMessage:
          'rejected 1 of 4 spans with invalid IDs; first: resourceSpans[0].scopeSpans[0].spans[3]: trace_id is all zeroes',
      },
    });
    assert.equal(sink.calls[0]!.traces.length, 2);
    assert.deepEqual(metrics.calls, [
      ['received', 'otlp-grpc', 4],
      ['droppedSpans', 'otlp-grpc', 'invalid', 1],
    ]);
  });

  it('answers a request without spans, or with only rejected ones, without touching the sink', async (t) => {
    const { receiver, sink, metrics } = await startReceiver(t);
    const c = client(receiver.port);
    assert.deepStrictEqual(await callExport(c, {}), {});
    const onlyBad = { resourceSpans: [{ scopeSpans: [{ spans: [{ name: 'no ids' }] }] }] };
    assert.deepStrictEqual(await callExport(c, onlyBad), {
      partialSuccess: {
        rejectedSpans: '1',
        errorMessage:
          'rejected 1 of 1 spans with invalid IDs; first: resourceSpans[0].scopeSpans[0].spans[0]: trace_id must be 16 bytes (32 hex digits in OTLP/JSON)',
      },
    });
    assert.deepEqual(sink.calls, []);
    assert.deepEqual(metrics.calls, [
      ['received', 'otlp-grpc', 0],
      ['received', 'otlp-grpc', 1],
      ['droppedSpans', 'otlp-grpc', 'invalid', 1],
    ]);
  });

  for (const [result, message] of [
    ['queue_full', 'agent queue is full; retry the export after a backoff'],
    ['stopped', 'agent is shutting down; retry the export (another agent or later)'],
  ] as const) {
    it(`answers UNAVAILABLE with RetryInfo when the sink says ${result}, and counts the spans dropped`, async (t) => {
      const { receiver, sink, metrics } = await startReceiver(t);
      sink.result = result;
      const err = await callExport(client(receiver.port), sampleRequest()).then(
        () => assert.fail('expected UNAVAILABLE'),
        (e: grpc.ServiceError) => e,
      );
      assert.equal(err.code, grpc.status.UNAVAILABLE);
      assert.equal(err.details, message);
      const details = err.metadata.get('grpc-status-details-bin')[0];
      assert.ok(Buffer.isBuffer(details), 'grpc-status-details-bin trailer');
      assert.deepEqual(decodeRpcStatus(details), {
        code: 14,
        message,
        details: ['type.googleapis.com/google.rpc.RetryInfo'],
      });
      assert.deepEqual(metrics.calls, [
        ['received', 'otlp-grpc', 3],
        ['droppedSpans', 'otlp-grpc', result === 'stopped' ? 'shutdown' : 'queue_full', 3],
      ]);
    });
  }

  it('answers INVALID_ARGUMENT with the decode error for bytes that are not an ExportTraceServiceRequest', async (t) => {
    const { receiver, sink, metrics } = await startReceiver(t);
    assert.equal(
      await outcome(rawClient(receiver.port)(Uint8Array.of(0x0a, 0x05, 0x01))),
      'INVALID_ARGUMENT: malformed ExportTraceServiceRequest: length-delimited field runs past the end of its message (at byte 1)',
    );
    assert.deepEqual(metrics.calls, [['rejected', 'otlp-grpc', 'bad_length']]);
    assert.deepEqual(sink.calls, []);
  });

  it('answers INVALID_ARGUMENT for more spans than the queue could ever take', async (t) => {
    const { receiver, sink } = await startReceiver(t, { maxSpans: 2 });
    assert.equal(
      await outcome(callExport(client(receiver.port), sampleRequest())),
      'INVALID_ARGUMENT: malformed ExportTraceServiceRequest: request holds more than 2 spans; send smaller batches (at byte 334)',
    );
    assert.deepEqual(sink.calls, []);
  });

  it('survives every truncation of a valid request and random bytes, then still takes a good request', async (t) => {
    const { receiver, sink, metrics } = await startReceiver(t);
    const send = rawClient(receiver.port);
    const whole = encodeRequest(sampleRequest());
    const inputs: Uint8Array[] = [];
    for (let n = 1; n < whole.length; n++) inputs.push(whole.subarray(0, n));
    for (let seed = 1; seed <= 200; seed++) inputs.push(randomBytes(seed * 2654435761, 1 + (seed % 97)));
    const expected = inputs.map((bytes) => {
      try {
        decodeOtlpTraceRequest(bytes);
        return 'OK';
      } catch (err) {
        assert.ok(err instanceof DecodeError);
        return `INVALID_ARGUMENT: malformed ExportTraceServiceRequest: ${err.message}`;
      }
    });
    const statuses: string[] = [];
    for (let i = 0; i < inputs.length; i += 50) {
      statuses.push(...(await Promise.all(inputs.slice(i, i + 50).map((bytes) => outcome(send(bytes))))));
    }
    assert.deepEqual(statuses, expected);
    for (let n = 1; n < whole.length; n++) assert.match(statuses[n - 1]!, /^INVALID_ARGUMENT: /);
    const rejections = metrics.calls.filter((c) => c[0] === 'rejected').length;
    assert.equal(rejections, expected.filter((e) => e !== 'OK').length);
    for (const call of metrics.calls.filter((c) => c[0] === 'rejected')) {
      assert.ok(['truncated', 'bad_length', 'bad_type', 'bad_value', 'too_deep'].includes(call[2] as string));
    }

    sink.calls.length = 0;
    assert.deepStrictEqual(await callExport(client(receiver.port), sampleRequest()), {});
    assert.equal(sink.calls.length, 1);
  });

  it('refuses a message over maxMessageBytes, as sent or inflated, with RESOURCE_EXHAUSTED before decoding it', async (t) => {
    const { receiver, sink, metrics } = await startReceiver(t, { maxMessageBytes: 1024 });
    const big = sampleRequest([
      { traceId: Buffer.from(TRACE_1, 'hex'), spanId: Buffer.from(OTHER, 'hex'), name: 'x'.repeat(2000) },
    ]);
    assert.match(
      await outcome(callExport(client(receiver.port), big)),
      /^RESOURCE_EXHAUSTED: Received message larger than max \(\d+ vs 1024\)$/,
    );
    // A gzip bomb: a few hundred bytes on the wire, 100 KB once inflated, refused by its inflated size.
    const bomb = sampleRequest([
      { traceId: Buffer.from(TRACE_1, 'hex'), spanId: Buffer.from(OTHER, 'hex'), name: 'x'.repeat(100_000) },
    ]);
    assert.equal(
      await outcome(callExport(client(receiver.port, { 'grpc.default_compression_algorithm': 2 }), bomb)),
      'RESOURCE_EXHAUSTED: Received message that decompresses to a size larger than 1024',
    );
    assert.deepEqual(sink.calls, []);
    assert.deepEqual(metrics.calls, []);
  });

  it('answers INTERNAL if the sink throws, and keeps serving', async (t) => {
    const { receiver, sink } = await startReceiver(t);
    const c = client(receiver.port);
    sink.result = 'throw';
    assert.equal(
      await outcome(callExport(c, sampleRequest())),
      'INTERNAL: agent failed to handle the export; see the agent log',
    );
    sink.result = 'accepted';
    assert.deepStrictEqual(await callExport(c, sampleRequest()), {});
  });
});
