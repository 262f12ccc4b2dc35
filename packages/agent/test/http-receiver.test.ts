// HttpReceiver (Jaeger's POST /api/traces on 14268): the body limit, declared or streamed, and HTTPS.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { encodeBatch, type Batch } from '@skein/model';
import { generateCertificates } from '@skein/devstack';
import { createLogger, ServerTls } from '@skein/runtime';
import { HttpReceiver, type HttpReceiverOptions } from '../src/receivers/http.js';
import { RecordingMetrics, RecordingSink } from './support/otlp.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const THRIFT = { 'content-type': 'application/x-thrift' };

const batch: Batch = {
  process: { serviceName: 'checkout', tags: [] },
  spans: [
    {
      traceId: TRACE,
      spanId: '00f067aa0ba902b7',
      operationName: 'GET /cart',
      references: [],
      flags: 1,
      startTime: 1_700_000_000_000_000,
      duration: 1500,
      tags: [],
      logs: [],
      process: { serviceName: 'checkout', tags: [] },
    },
  ],
};

async function start(t: TestContext, options: Partial<HttpReceiverOptions> = {}) {
  const sink = new RecordingSink();
  const metrics = new RecordingMetrics();
  const receiver = new HttpReceiver({
    port: 0,
    host: '127.0.0.1',
    maxBodyBytes: 1000,
    sink,
    metrics,
    logger: createLogger({ level: 'silent' }),
    ...options,
  });
  await receiver.start();
  t.after(() => receiver.stop(Date.now() + 1000));
  return { receiver, sink, metrics };
}

/**
 * POSTs `pieces` to /api/traces, chunked unless a content-length header is given; resolves to the status (and
 * `close` when the server ends the connection), or to `closed` when the connection ended without an answer.
 */
function post(port: number, pieces: readonly Buffer[], headers: Record<string, string>): Promise<string> {
  return new Promise((resolve) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path: '/api/traces', method: 'POST', headers },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve(res.headers.connection === 'close' ? `${res.statusCode} close` : `${res.statusCode}`),
        );
      },
    );
    req.on('error', () => resolve('closed'));
    for (const piece of pieces) req.write(piece);
    req.end();
  });
}

describe('HttpReceiver', () => {
  it('takes a thrift Batch within the limit: 202, one trace to the sink', async (t) => {
    const { receiver, sink, metrics } = await start(t);
    const body = Buffer.from(encodeBatch(batch, 'binary'));
    assert.ok(body.length < 1000);
    assert.equal(await post(receiver.port, [body], THRIFT), '202');
    assert.deepEqual(
      sink.calls.map((c) => [c.transport, c.traces.map((tb) => [tb.traceId, tb.spanCount])]),
      [['http', [[TRACE, 1]]]],
    );
    assert.deepEqual(metrics.calls, [['received', 'http', 1]]);
  });

  it('refuses a body over max-body whether declared or streamed without a content-length', async (t) => {
    const { receiver, sink, metrics } = await start(t);
    // Declared: refused before reading, with 413.
    const declared = await post(receiver.port, [Buffer.alloc(1001)], { ...THRIFT, 'content-length': '1001' });
    assert.equal(declared, '413 close');
    // Chunked (no content-length): counted as it arrives, refused once past the limit, never buffered whole.
    const pieces = Array.from({ length: 64 }, () => Buffer.alloc(100));
    const streamed = await post(receiver.port, pieces, { ...THRIFT, 'transfer-encoding': 'chunked' });
    assert.equal(streamed, '413 close');
    assert.deepEqual(sink.calls, []);
    assert.deepEqual(metrics.calls, [
      ['rejected', 'http', 'too_large'],
      ['rejected', 'http', 'too_large'],
    ]);
    // Still serving.
    assert.equal(await post(receiver.port, [Buffer.from(encodeBatch(batch, 'binary'))], THRIFT), '202');
  });

  it('serves HTTPS with the configured certificate; plaintext gets no answer', async (t) => {
    const certs = await generateCertificates(mkdtempSync(join(tmpdir(), 'skein-agent-http-tls-')));
    const tls = ServerTls.load(
      {
        prefix: 'receivers',
        certFile: certs.serverCertFile,
        keyFile: certs.serverKeyFile,
        minVersion: 'TLSv1.2',
      },
      { logger: createLogger({ level: 'silent' }), listener: 'receivers' },
    );
    const { receiver, sink } = await start(t, { tls });
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = httpsRequest(
        {
          host: 'localhost',
          port: receiver.port,
          path: '/api/traces',
          method: 'POST',
          headers: THRIFT,
          ca: readFileSync(certs.caFile),
          agent: false,
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode));
        },
      );
      req.on('error', reject);
      req.end(Buffer.from(encodeBatch(batch, 'binary')));
    });
    assert.equal(status, 202);
    assert.equal(sink.calls.length, 1);
    assert.equal(await post(receiver.port, [Buffer.from(encodeBatch(batch, 'binary'))], THRIFT), 'closed');
    assert.equal(sink.calls.length, 1);
  });
});
