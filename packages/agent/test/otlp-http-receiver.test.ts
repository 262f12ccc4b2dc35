import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync, gzipSync } from 'node:zlib';
import { decodeBatch } from '@skein/model';
import { createLogger } from '@skein/runtime';
import { OtlpHttpReceiver, type OtlpHttpReceiverOptions } from '../src/receivers/otlp/http.js';
import {
  decodeResponse,
  decodeRpcStatus,
  encodeRequest,
  expectedBatches,
  post,
  randomBytes,
  RecordingMetrics,
  RecordingSink,
  sampleRequest,
  sampleRequestJson,
  TRACE_1,
  TRACE_2,
  type HttpAnswer,
} from './support/otlp.js';

const PROTOBUF = { 'content-type': 'application/x-protobuf' };
const JSON_TYPE = { 'content-type': 'application/json' };
const RETRY_INFO = 'type.googleapis.com/google.rpc.RetryInfo';

async function startReceiver(t: TestContext, options: Partial<OtlpHttpReceiverOptions> = {}) {
  const sink = new RecordingSink();
  const metrics = new RecordingMetrics();
  const receiver = new OtlpHttpReceiver({
    port: 0,
    host: '127.0.0.1',
    maxBodyBytes: 64 * 1024,
    maxSpans: 1000,
    sink,
    metrics,
    logger: createLogger({ level: 'silent' }),
    ...options,
  });
  await receiver.start();
  t.after(() => receiver.stop(Date.now() + 1000));
  return { receiver, sink, metrics, port: receiver.port };
}

/** A JSON error answer: status, content type and the google.rpc.Status it carries. */
function jsonError(answer: HttpAnswer): [number, string | undefined, unknown] {
  return [answer.status, answer.headers['content-type'], JSON.parse(answer.body.toString('utf8'))];
}

function protoError(answer: HttpAnswer): [number, string | undefined, ReturnType<typeof decodeRpcStatus>] {
  return [answer.status, answer.headers['content-type'], decodeRpcStatus(answer.body)];
}

describe('OtlpHttpReceiver (POST /v1/traces)', () => {
  it('takes protobuf, answers 200 with an empty ExportTraceServiceResponse, and queues one Batch per trace', async (t) => {
    const { sink, metrics, port, receiver } = await startReceiver(t);
    assert.equal(receiver.name, 'otlp-http');
    const answer = await post(port, encodeRequest(sampleRequest()), PROTOBUF);
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['content-type'], 'application/x-protobuf');
    assert.equal(answer.body.length, 0);
    assert.equal(sink.calls.length, 1);
    assert.equal(sink.calls[0]!.transport, 'otlp-http');
    assert.deepEqual(
      sink.calls[0]!.traces.map((tb) => [tb.traceId, tb.spanCount]),
      [
        [TRACE_1, 2],
        [TRACE_2, 1],
      ],
    );
    assert.deepStrictEqual(
      sink.calls[0]!.traces.map((tb) => decodeBatch(tb.value, 'compact')),
      expectedBatches,
    );
    assert.deepEqual(metrics.calls, [['received', 'otlp-http', 3]]);
  });

  it('takes OTLP/JSON (with a charset parameter and a query string) and answers {}', async (t) => {
    const { sink, port } = await startReceiver(t);
    const answer = await post(
      port,
      sampleRequestJson(),
      { 'content-type': 'Application/JSON; charset=utf-8' },
      {
        path: '/v1/traces?tenant=a',
      },
    );
    assert.deepEqual(
      [answer.status, answer.headers['content-type'], answer.body.toString()],
      [200, 'application/json', '{}'],
    );
    assert.deepStrictEqual(
      sink.calls[0]!.traces.map((tb) => decodeBatch(tb.value, 'compact')),
      expectedBatches,
    );
  });

  for (const [name, compress] of [
    ['gzip', gzipSync],
    ['deflate', deflateSync],
  ] as const) {
    it(`takes a ${name}-compressed body in both encodings`, async (t) => {
      const { sink, port } = await startReceiver(t);
      const proto = await post(port, compress(encodeRequest(sampleRequest())), {
        ...PROTOBUF,
        'content-encoding': name,
      });
      const json = await post(port, compress(sampleRequestJson()), {
        ...JSON_TYPE,
        'content-encoding': name,
      });
      assert.deepEqual([proto.status, json.status], [200, 200]);
      assert.equal(sink.calls.length, 2);
      for (const call of sink.calls) {
        assert.deepStrictEqual(
          call.traces.map((tb) => decodeBatch(tb.value, 'compact')),
          expectedBatches,
        );
      }
    });
  }

  it('reports spans rejected for invalid IDs in partial_success, in the request encoding', async (t) => {
    const { sink, metrics, port } = await startReceiver(t);
    const zero = { traceId: Buffer.from(TRACE_1, 'hex'), spanId: Buffer.alloc(8), name: 'bad' };
    const message =
      'rejected 1 of 4 spans with invalid IDs; first: resourceSpans[0].scopeSpans[0].spans[3]: span_id is all zeroes';
    const proto = await post(port, encodeRequest(sampleRequest([zero])), PROTOBUF);
    assert.equal(proto.status, 200);
    assert.deepEqual(decodeResponse(proto.body), {
      partialSuccess: { rejectedSpans: '1', errorMessage: message },
    });
    const json = await post(
      port,
      sampleRequestJson([{ traceId: TRACE_1, spanId: 'not hex', name: 'bad' }]),
      JSON_TYPE,
    );
    assert.equal(json.status, 200);
    assert.deepEqual(JSON.parse(json.body.toString()), {
      partialSuccess: {
        rejectedSpans: '1',
        errorMessage:
          'rejected 1 of 4 spans with invalid IDs; first: resourceSpans[0].scopeSpans[0].spans[3]: span_id must be 8 bytes (16 hex digits in OTLP/JSON)',
      },
    });
    assert.equal(sink.calls.length, 2);
    assert.deepEqual(metrics.calls, [
      ['received', 'otlp-http', 4],
      ['droppedSpans', 'otlp-http', 'invalid', 1],
      ['received', 'otlp-http', 4],
      ['droppedSpans', 'otlp-http', 'invalid', 1],
    ]);
  });

  it('answers 503 with Retry-After and RetryInfo when the queue is full or the agent stops', async (t) => {
    const { sink, metrics, port } = await startReceiver(t);
    sink.result = 'queue_full';
    const proto = await post(port, encodeRequest(sampleRequest()), PROTOBUF);
    assert.equal(proto.headers['retry-after'], '1');
    assert.deepEqual(protoError(proto), [
      503,
      'application/x-protobuf',
      { code: 14, message: 'The agent queue is full; retry later', details: [RETRY_INFO] },
    ]);
    sink.result = 'stopped';
    const json = await post(port, sampleRequestJson(), JSON_TYPE);
    assert.equal(json.headers['retry-after'], '1');
    assert.deepEqual(jsonError(json), [
      503,
      'application/json',
      {
        code: 14,
        message: 'The agent is shutting down; retry later',
        details: [{ '@type': RETRY_INFO, retryDelay: '1s' }],
      },
    ]);
    assert.deepEqual(metrics.calls, [
      ['received', 'otlp-http', 3],
      ['droppedSpans', 'otlp-http', 'queue_full', 3],
      ['received', 'otlp-http', 3],
      ['droppedSpans', 'otlp-http', 'shutdown', 3],
    ]);
  });

  it('answers 400 with the decode error for a body that is not a request, in the request encoding', async (t) => {
    const { sink, metrics, port } = await startReceiver(t);
    assert.deepEqual(protoError(await post(port, Uint8Array.of(0x0a, 0x05, 0x01), PROTOBUF)), [
      400,
      'application/x-protobuf',
      {
        code: 3,
        message:
          'Malformed ExportTraceServiceRequest: length-delimited field runs past the end of its message (at byte 1)',
        details: [],
      },
    ]);
    const [status, type, body] = jsonError(await post(port, '{"resourceSpans": [', JSON_TYPE));
    assert.deepEqual([status, type], [400, 'application/json']);
    assert.match(
      (body as { message: string }).message,
      /^Malformed ExportTraceServiceRequest: the body is not JSON: /,
    );
    assert.deepEqual(
      jsonError(
        await post(port, '{"resourceSpans":[{"scopeSpans":[{"spans":[{"kind":"SERVER"}]}]}]}', JSON_TYPE),
      ),
      [
        400,
        'application/json',
        {
          code: 3,
          message:
            'Malformed ExportTraceServiceRequest: resourceSpans[0].scopeSpans[0].spans[0].kind must be an enum number or one of SPAN_KIND_UNSPECIFIED, SPAN_KIND_INTERNAL, SPAN_KIND_SERVER, SPAN_KIND_CLIENT, SPAN_KIND_PRODUCER, SPAN_KIND_CONSUMER',
        },
      ],
    );
    assert.deepEqual(sink.calls, []);
    assert.deepEqual(metrics.calls, [
      ['rejected', 'otlp-http', 'bad_length'],
      ['rejected', 'otlp-http', 'bad_value'],
      ['rejected', 'otlp-http', 'bad_value'],
    ]);
  });

  it('answers 404 off /v1/traces and 405 with Allow for other methods', async (t) => {
    const { port, metrics } = await startReceiver(t);
    assert.deepEqual(jsonError(await post(port, '{}', JSON_TYPE, { path: '/v1/metrics' })), [
      404,
      'application/json',
      { code: 5, message: 'Not found: POST OTLP traces to /v1/traces' },
    ]);
    const get = await post(port, '', {}, { method: 'GET' });
    assert.equal(get.headers['allow'], 'POST');
    assert.deepEqual(jsonError(get), [
      405,
      'application/json',
      { code: 12, message: 'Method not allowed: use POST' },
    ]);
    assert.deepEqual(protoError(await post(port, '', PROTOBUF, { method: 'PUT' }))[0], 405);
    assert.deepEqual(metrics.calls, []);
  });

  it('answers 415 for other content types and content encodings', async (t) => {
    const { port, metrics, sink } = await startReceiver(t);
    assert.deepEqual(jsonError(await post(port, 'x', { 'content-type': 'text/plain' })), [
      415,
      'application/json',
      {
        code: 3,
        message: 'Unsupported content type "text/plain": send application/x-protobuf or application/json',
      },
    ]);
    assert.deepEqual(jsonError(await post(port, 'x', {})), [
      415,
      'application/json',
      { code: 3, message: 'Unsupported content type "": send application/x-protobuf or application/json' },
    ]);
    assert.deepEqual(protoError(await post(port, 'x', { ...PROTOBUF, 'content-encoding': 'br' })), [
      415,
      'application/x-protobuf',
      { code: 3, message: 'Unsupported content encoding "br": use gzip, deflate or none', details: [] },
    ]);
    assert.deepEqual(sink.calls, []);
    assert.deepEqual(metrics.calls, [
      ['rejected', 'otlp-http', 'bad_content_type'],
      ['rejected', 'otlp-http', 'bad_content_type'],
      ['rejected', 'otlp-http', 'bad_content_encoding'],
    ]);
  });

  it('answers 413 for a declared, a streamed and a decompressed body over the limit, and 400 for bad gzip', async (t) => {
    const { port, metrics, sink } = await startReceiver(t, { maxBodyBytes: 1000 });
    const limitMessage = { code: 8, message: 'Request body larger than 1000 bytes; send smaller batches' };
    const declared = await post(port, 'x'.repeat(1001), { ...JSON_TYPE, 'content-length': '1001' });
    assert.equal(declared.headers['connection'], 'close');
    assert.deepEqual(jsonError(declared), [413, 'application/json', limitMessage]);
    // No content-length: chunked, and cut off once past the limit.
    const streamed = await post(
      port,
      Array.from({ length: 50 }, () => 'x'.repeat(100)),
      JSON_TYPE,
    );
    assert.deepEqual(jsonError(streamed), [413, 'application/json', limitMessage]);
    // 10 MB of zeros in about 10 KB of gzip; its first 900 bytes (under the limit as sent) inflate to far more
    // than 1000 bytes, and inflating stops there.
    const bomb = gzipSync(Buffer.alloc(10_000_000));
    assert.ok(bomb.length < 20_000);
    const bombed = await post(port, bomb.subarray(0, 900), { ...JSON_TYPE, 'content-encoding': 'gzip' });
    assert.equal(bombed.status, 413);
    const bad = await post(port, Buffer.from('not gzip at all'), { ...PROTOBUF, 'content-encoding': 'gzip' });
    assert.deepEqual(protoError(bad), [
      400,
      'application/x-protobuf',
      { code: 3, message: 'Request body is not valid gzip: incorrect header check', details: [] },
    ]);
    assert.deepEqual(sink.calls, []);
    assert.deepEqual(metrics.calls, [
      ['rejected', 'otlp-http', 'too_large'],
      ['rejected', 'otlp-http', 'too_large'],
      ['rejected', 'otlp-http', 'too_large'],
      ['rejected', 'otlp-http', 'bad_compression'],
    ]);
    // The receiver still serves.
    assert.equal((await post(port, '{}', JSON_TYPE)).status, 200);
  });

  it('answers 400 for more spans than the queue could ever take', async (t) => {
    const { port, sink } = await startReceiver(t, { maxSpans: 2 });
    const [status, , body] = jsonError(await post(port, sampleRequestJson(), JSON_TYPE));
    assert.equal(status, 400);
    assert.deepEqual(body, {
      code: 3,
      message: 'Malformed ExportTraceServiceRequest: request holds more than 2 spans; send smaller batches',
    });
    assert.deepEqual(sink.calls, []);
  });

  it('answers 500 if the sink throws, and keeps serving', async (t) => {
    const { port, sink } = await startReceiver(t);
    sink.result = 'throw';
    assert.deepEqual(jsonError(await post(port, sampleRequestJson(), JSON_TYPE)), [
      500,
      'application/json',
      { code: 13, message: 'agent failed to handle the export; see the agent log' },
    ]);
    sink.result = 'accepted';
    assert.equal((await post(port, sampleRequestJson(), JSON_TYPE)).status, 200);
  });

  it('answers garbage of every kind with 200 or 400, never anything else, then still takes a good request', async (t) => {
    const { port, sink } = await startReceiver(t, { maxBodyBytes: 1024 * 1024 });
    const whole = encodeRequest(sampleRequest());
    const json = sampleRequestJson();
    const bodies: Array<[Record<string, string>, Uint8Array | string]> = [];
    for (let n = 1; n < whole.length; n += 3) bodies.push([PROTOBUF, whole.subarray(0, n)]);
    for (let n = 1; n < json.length; n += 17) bodies.push([JSON_TYPE, json.slice(0, n)]);
    for (let seed = 1; seed <= 150; seed++) {
      const bytes = randomBytes(seed * 2654435761, 1 + (seed % 200));
      bodies.push([seed % 2 === 0 ? PROTOBUF : JSON_TYPE, bytes]);
      bodies.push([{ ...PROTOBUF, 'content-encoding': 'gzip' }, bytes]);
    }
    bodies.push([
      JSON_TYPE,
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":' +
        '['.repeat(5000) +
        ']'.repeat(5000) +
        '}]}]}]}',
    ]);
    const statuses = new Map<number, number>();
    for (let i = 0; i < bodies.length; i += 25) {
      const answers = await Promise.all(
        bodies.slice(i, i + 25).map(([headers, body]) => post(port, body, headers)),
      );
      for (const a of answers) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
    }
    assert.deepEqual(
      [...statuses.keys()].filter((s) => s !== 200 && s !== 400),
      [],
    );
    assert.ok((statuses.get(400) ?? 0) > 300, `400 answered ${statuses.get(400)} times`);
    sink.calls.length = 0;
    assert.equal((await post(port, sampleRequestJson(), JSON_TYPE)).status, 200);
    assert.equal(sink.calls.length, 1);
  });

  it('stop() closes the port', async (t) => {
    const { receiver, port } = await startReceiver(t);
    await receiver.stop(Date.now() + 1000);
    await assert.rejects(post(port, '{}', JSON_TYPE), { code: 'ECONNREFUSED' });
  });
});
