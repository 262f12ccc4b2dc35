// initTracerFromEnv: what each JAEGER_* variable changes in the tracer's behaviour, seen from outside
// (datagrams on a real UDP socket, requests to a real HTTP server, headers, metrics, log lines).
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { FORMAT_HTTP_HEADERS, Span as NoopSpan } from 'opentracing';
import { Registry } from 'prom-client';
import { decodeAgentMessage, decodeBatch, type Batch } from '@skein/model';
import {
  CLIENT_VERSION,
  ConstSampler,
  JaegerTracer,
  NoopTracer,
  ProbabilisticSampler,
  RateLimitingSampler,
  RemoteSampler,
  initTracerFromEnv,
  type ClientTracer,
  type Env,
} from '../src/index.js';
import { HttpStub, UdpCollector, memoryLogger, metric } from './helpers.js';

function batchOf(packet: Buffer): Batch {
  const message = decodeAgentMessage(packet, 'compact');
  assert.equal(message.method, 'emitBatch');
  return message.batch;
}

describe('initTracerFromEnv', () => {
  let agent: UdpCollector;
  before(async () => {
    agent = await UdpCollector.start();
  });
  after(() => agent.close());

  function udpEnv(extra: Env = {}): Env {
    return {
      JAEGER_SERVICE_NAME: 'checkout',
      JAEGER_AGENT_HOST: '127.0.0.1',
      JAEGER_AGENT_PORT: String(agent.port),
      JAEGER_SAMPLER_TYPE: 'const',
      JAEGER_SAMPLER_PARAM: '1',
      ...extra,
    };
  }

  it('JAEGER_DISABLED=true: a no-op tracer that sends nothing but still tracks the active span', async () => {
    const tracer = initTracerFromEnv({ env: { JAEGER_DISABLED: 'true' }, registry: new Registry() });
    assert.ok(tracer instanceof NoopTracer);
    const span = tracer.startSpan('ignored');
    assert.ok(span instanceof NoopSpan);
    const headers: Record<string, string> = {};
    tracer.inject(span.context(), FORMAT_HTTP_HEADERS, headers);
    assert.deepEqual(headers, {});
    assert.equal(tracer.activeSpan(), null);
    assert.equal(
      tracer.withSpan(span, () => tracer.activeSpan()),
      span,
    );
    span.finish();
    await tracer.close();
  });

  it('JAEGER_AGENT_HOST/PORT: compact emitBatch datagrams with the process tags and JAEGER_TAGS', async () => {
    const registry = new Registry();
    const start = agent.packets.length;
    const tracer = initTracerFromEnv({
      env: udpEnv({ JAEGER_TAGS: 'region=eu-west-1,pod=${POD:none},hostname=override-host', POD: 'pod-1' }),
      registry,
    });
    assert.ok(tracer instanceof JaegerTracer);
    const span = tracer.startSpan('GET /cart', { startTime: 1_700_000_000_000.5 });
    span.setTag('http.status_code', 200);
    span.finish(1_700_000_000_012.25);
    await tracer.close();
    const [packet] = (await agent.waitFor(start + 1)).slice(start);
    const batch = batchOf(packet as Buffer);
    const tags = Object.fromEntries(batch.process.tags.map((t) => [t.key, t.value]));
    assert.equal(batch.process.serviceName, 'checkout');
    assert.deepEqual(Object.keys(tags), ['jaeger.version', 'hostname', 'ip', 'client-uuid', 'region', 'pod']);
    assert.equal(tags['jaeger.version'], `Node-skein-${CLIENT_VERSION}`);
    assert.equal(tags['hostname'], 'override-host');
    assert.match(String(tags['ip']), /^\d+\.\d+\.\d+\.\d+$/);
    assert.match(
      String(tags['client-uuid']),
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    assert.equal(tags['region'], 'eu-west-1');
    assert.equal(tags['pod'], 'pod-1');
    assert.equal(batch.seqNo, 1n);
    assert.deepEqual(batch.stats, {
      fullQueueDroppedSpans: 0n,
      tooLargeDroppedSpans: 0n,
      failedToEmitSpans: 0n,
    });
    assert.deepEqual(batch.spans, [
      {
        traceId: span.context().traceId,
        spanId: span.context().spanId,
        operationName: 'GET /cart',
        references: [],
        flags: 1,
        startTime: 1_700_000_000_000_500,
        duration: 11_750,
        tags: [
          { key: 'sampler.type', type: 'string', value: 'const' },
          { key: 'sampler.param', type: 'bool', value: true },
          { key: 'http.status_code', type: 'int64', value: 200n },
        ],
        logs: [],
        process: batch.process,
      },
    ]);
    assert.equal(await metric(registry, 'skein_client_spans_started_total', { sampled: 'true' }), 1);
    assert.equal(await metric(registry, 'skein_client_spans_finished_total', { sampled: 'true' }), 1);
    assert.equal(await metric(registry, 'skein_client_spans_reported_total', { transport: 'udp' }), 1);
    assert.equal(await metric(registry, 'skein_client_packets_sent_total', { transport: 'udp' }), 1);
    assert.equal(
      await metric(registry, 'skein_client_sent_bytes_total', { transport: 'udp' }),
      (packet as Buffer).length,
    );
  });

  it('default process tags: the real host name', async () => {
    const tracer = initTracerFromEnv({ env: udpEnv(), registry: new Registry() }) as JaegerTracer;
    const hostTag = tracer.process.tags.find((t) => t.key === 'hostname');
    assert.deepEqual(hostTag, { key: 'hostname', type: 'string', value: hostname() });
    await tracer.close();
  });

  it('JAEGER_TRACEID_128BIT: 128-bit trace IDs by default, 64-bit when false', async () => {
    const wide = initTracerFromEnv({ env: udpEnv(), registry: new Registry() }) as JaegerTracer;
    const narrow = initTracerFromEnv({
      env: udpEnv({ JAEGER_TRACEID_128BIT: 'false' }),
      registry: new Registry(),
    }) as JaegerTracer;
    for (let i = 0; i < 20; i++) {
      const w = wide.startSpan('x').context();
      const n = narrow.startSpan('x').context();
      assert.match(w.traceId, /^[0-9a-f]{32}$/);
      assert.notEqual(w.traceId.slice(0, 16), '0000000000000000');
      assert.match(n.traceId, /^0{16}[0-9a-f]{16}$/);
      assert.equal(n.toTraceId(), n.traceId.slice(16));
      // A root span's ID is the low half of its trace ID, as in Jaeger's clients.
      assert.equal(w.spanId, w.traceId.slice(16));
    }
    const headers: Record<string, string> = {};
    const n = narrow.startSpan('x');
    narrow.inject(n.context(), FORMAT_HTTP_HEADERS, headers);
    assert.equal(
      headers['uber-trace-id'],
      `${n.context().traceId.slice(16)}:${n.context().spanId}:0000000000000000:1`,
    );
    assert.equal(headers['traceparent'], `00-${n.context().traceId}-${n.context().spanId}-01`);
    await Promise.all([wide.close(), narrow.close()]);
  });

  it('JAEGER_SAMPLER_TYPE/PARAM choose the sampler; unsampled spans are counted, not sent', async () => {
    const registry = new Registry();
    const cases: Array<[Env, (s: unknown) => boolean]> = [
      [{ JAEGER_SAMPLER_PARAM: '0' }, (s) => s instanceof ConstSampler && !s.decision],
      [
        { JAEGER_SAMPLER_TYPE: 'probabilistic', JAEGER_SAMPLER_PARAM: '0.3' },
        (s) => s instanceof ProbabilisticSampler && s.samplingRate === 0.3,
      ],
      [
        { JAEGER_SAMPLER_TYPE: 'ratelimiting', JAEGER_SAMPLER_PARAM: '7' },
        (s) => s instanceof RateLimitingSampler && s.maxTracesPerSecond === 7,
      ],
    ];
    for (const [env, check] of cases) {
      const tracer = initTracerFromEnv({ env: udpEnv(env), registry }) as JaegerTracer;
      assert.ok(check(tracer.sampler), JSON.stringify(env));
      await tracer.close();
    }
    const start = agent.packets.length;
    const off = initTracerFromEnv({ env: udpEnv({ JAEGER_SAMPLER_PARAM: '0' }), registry }) as JaegerTracer;
    const span = off.startSpan('dropped');
    assert.equal(span.context().sampled, false);
    span.setTag('ignored', true);
    span.finish();
    await off.close();
    assert.equal(await metric(registry, 'skein_client_spans_started_total', { sampled: 'false' }), 1);
    assert.equal(await metric(registry, 'skein_client_spans_finished_total', { sampled: 'false' }), 1);
    assert.equal(await metric(registry, 'skein_client_packets_sent_total', { transport: 'udp' }), 0);
    assert.equal(agent.packets.length, start);
  });

  it('JAEGER_SAMPLER_TYPE=remote polls JAEGER_SAMPLER_MANAGER_HOST_PORT for the service', async () => {
    const stub = await HttpStub.start(() => ({
      body: '{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.75}}',
    }));
    try {
      const tracer = initTracerFromEnv({
        env: udpEnv({
          JAEGER_SERVICE_NAME: 'cart service',
          JAEGER_SAMPLER_TYPE: 'remote',
          JAEGER_SAMPLER_PARAM: '0.5',
          JAEGER_SAMPLER_MANAGER_HOST_PORT: `127.0.0.1:${stub.port}`,
        }),
        registry: new Registry(),
      }) as JaegerTracer;
      const sampler = tracer.sampler;
      assert.ok(sampler instanceof RemoteSampler);
      assert.equal(sampler.url, `http://127.0.0.1:${stub.port}/sampling?service=cart+service`);
      await stub.waitFor(1);
      assert.equal(stub.requests[0]?.url, '/sampling?service=cart+service');
      await sampler.refresh();
      assert.ok(sampler.current instanceof ProbabilisticSampler);
      assert.equal((sampler.current as ProbabilisticSampler).samplingRate, 0.75);
      await tracer.close();
    } finally {
      await stub.close();
    }
  });

  it('JAEGER_ENDPOINT: binary thrift Batches POSTed as application/x-thrift, with credentials', async () => {
    const collector = await HttpStub.start(() => ({ status: 202, body: '' }));
    try {
      const registry = new Registry();
      const env = {
        JAEGER_SERVICE_NAME: 'billing',
        JAEGER_SAMPLER_TYPE: 'const',
        JAEGER_ENDPOINT: `http://127.0.0.1:${collector.port}/api/traces`,
      };
      const basic = initTracerFromEnv({
        env: { ...env, JAEGER_USER: 'u', JAEGER_PASSWORD: 'p w' },
        registry,
      });
      basic.startSpan('charge').finish();
      await basic.close();
      const bearer = initTracerFromEnv({ env: { ...env, JAEGER_AUTH_TOKEN: 'tok-1' }, registry });
      bearer.startSpan('refund').finish();
      await bearer.close();
      const [first, second] = await collector.waitFor(2);
      assert.equal(first?.method, 'POST');
      assert.equal(first?.url, '/api/traces');
      assert.equal(first?.headers['content-type'], 'application/x-thrift');
      assert.equal(first?.headers['authorization'], `Basic ${Buffer.from('u:p w').toString('base64')}`);
      assert.equal(second?.headers['authorization'], 'Bearer tok-1');
      const batch = decodeBatch(first?.body as Buffer, 'binary');
      assert.equal(batch.process.serviceName, 'billing');
      assert.deepEqual(
        batch.spans.map((s) => s.operationName),
        ['charge'],
      );
      assert.deepEqual(
        decodeBatch(second?.body as Buffer, 'binary').spans.map((s) => s.operationName),
        ['refund'],
      );
      assert.equal(await metric(registry, 'skein_client_spans_reported_total', { transport: 'http' }), 2);
      assert.equal(await metric(registry, 'skein_client_packets_sent_total', { transport: 'http' }), 2);

      // A collector answering with an error: the spans are dropped and counted, nothing throws.
      collector.respond = () => ({ status: 503, body: 'overloaded' });
      const failing = initTracerFromEnv({ env, registry, logger: memoryLogger() });
      failing.startSpan('a').finish();
      failing.startSpan('b').finish();
      await failing.close();
      assert.equal(await metric(registry, 'skein_client_spans_dropped_total', { reason: 'send_error' }), 2);
    } finally {
      await collector.close();
    }
  });

  it('JAEGER_REPORTER_FLUSH_INTERVAL: spans leave on the interval, without close()', async () => {
    const start = agent.packets.length;
    const tracer = initTracerFromEnv({
      env: udpEnv({ JAEGER_REPORTER_FLUSH_INTERVAL: '20' }),
      registry: new Registry(),
    });
    tracer.startSpan('on-interval').finish();
    const [packet] = (await agent.waitFor(start + 1)).slice(start);
    assert.deepEqual(
      batchOf(packet as Buffer).spans.map((s) => s.operationName),
      ['on-interval'],
    );
    await tracer.close();
  });

  it('JAEGER_REPORTER_MAX_QUEUE_SIZE: spans beyond the queue are dropped as queue_full', async () => {
    const registry = new Registry();
    const start = agent.packets.length;
    const tracer = initTracerFromEnv({
      env: udpEnv({ JAEGER_REPORTER_MAX_QUEUE_SIZE: '2', JAEGER_REPORTER_FLUSH_INTERVAL: '1h' }),
      registry,
    });
    for (const name of ['one', 'two', 'three']) tracer.startSpan(name).finish();
    assert.equal(await metric(registry, 'skein_client_spans_dropped_total', { reason: 'queue_full' }), 1);
    assert.equal(await metric(registry, 'skein_client_reporter_queue_spans'), 2);
    await tracer.close();
    assert.equal(await metric(registry, 'skein_client_reporter_queue_spans'), 0);
    const batch = batchOf((await agent.waitFor(start + 1))[start] as Buffer);
    assert.deepEqual(
      batch.spans.map((s) => s.operationName),
      ['one', 'two'],
    );
    assert.equal(batch.stats?.fullQueueDroppedSpans, 1n);
  });

  it('JAEGER_REPORTER_LOG_SPANS: one line per reported span', async () => {
    const logger = memoryLogger();
    const tracer = initTracerFromEnv({
      env: udpEnv({ JAEGER_REPORTER_LOG_SPANS: 'true' }),
      registry: new Registry(),
      logger,
    });
    const root = tracer.startSpan('parent');
    const child = tracer.startSpan('child "quoted"', { childOf: root });
    child.finish();
    root.finish();
    await tracer.close();
    const r = root.context() as unknown as { traceId: string; spanId: string };
    const c = child.context() as unknown as { spanId: string };
    assert.deepEqual(logger.lines, [
      `info Reporting span ${r.traceId}:${c.spanId}:${r.spanId}:1 "child \\"quoted\\""`,
      `info Reporting span ${r.traceId}:${r.spanId}:0000000000000000:1 "parent"`,
    ]);
  });

  it('JAEGER_PROPAGATION: only the configured header formats are written', async () => {
    const inject = (tracer: ClientTracer): string[] => {
      const span = tracer.startSpan('x');
      span.setBaggageItem('user', 'ann');
      const headers: Record<string, string> = {};
      tracer.inject(span.context(), FORMAT_HTTP_HEADERS, headers);
      return Object.keys(headers);
    };
    const registry = new Registry();
    assert.deepEqual(inject(initTracerFromEnv({ env: udpEnv(), registry })), [
      'uber-trace-id',
      'traceparent',
      'uberctx-user',
    ]);
    assert.deepEqual(inject(initTracerFromEnv({ env: udpEnv({ JAEGER_PROPAGATION: 'w3c' }), registry })), [
      'traceparent',
    ]);
    assert.deepEqual(inject(initTracerFromEnv({ env: udpEnv({ JAEGER_PROPAGATION: 'jaeger' }), registry })), [
      'uber-trace-id',
      'uberctx-user',
    ]);
  });

  it('throws the configuration error before creating anything', () => {
    assert.throws(
      () => initTracerFromEnv({ env: { JAEGER_SERVICE_NAME: 'x', JAEGER_AGENT_PORT: 'abc' } }),
      /^TracerConfigError: JAEGER_AGENT_PORT: expected a whole number from 1, got "abc"$/,
    );
  });
});
