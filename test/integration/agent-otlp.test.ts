// OTLP end to end: three services export one distributed trace with OpenTelemetry's own exporters (gRPC,
// HTTP/JSON, HTTP/protobuf) to the agent → Kafka → ingester → Elasticsearch, and the query API returns it with
// kinds, statuses, attributes, events, links and resources mapped as docs/agent.md says. Then the running agent
// is sent garbage on both OTLP ports and answers each with the documented error, counts it, and keeps serving.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type AttributeValue,
  type Context,
  type HrTime,
  type Span as ApiSpan,
} from '@opentelemetry/api';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as HttpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as HttpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace';
import {
  DecodeError,
  decodeOtlpTraceRequest,
  type UiKeyValue,
  type UiSpan,
  type UiTrace,
} from '@skein/model';
import { metricValue, startTestAgent, type TestAgent } from '../support/agent.js';
import { startTestIngester } from '../support/ingester.js';
import { createTopic } from '../support/kafka.js';
import { startTestQuery, type TestQuery } from '../support/query.js';
import { eventually, testStack, uniqueName } from '../support/stack.js';

const KINDS = ['internal', 'server', 'client', 'producer', 'consumer'];
const nanos = (t: HrTime): bigint => BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);
const micros = (t: HrTime): number => Number(nanos(t) / 1000n);

/** An OpenTelemetry attribute as the query API shows the tag it became. */
function uiTag(key: string, value: AttributeValue | undefined): UiKeyValue {
  if (typeof value === 'string') return { key, type: 'string', value };
  if (typeof value === 'boolean') return { key, type: 'bool', value };
  if (typeof value === 'number') return { key, type: Number.isInteger(value) ? 'int64' : 'float64', value };
  return { key, type: 'string', value: JSON.stringify(value) };
}

/** What the query API must return for an SDK span (without processID, checked through the processes map). */
function expectedUiSpan(s: ReadableSpan): Omit<UiSpan, 'processID'> {
  const error = s.status.code === SpanStatusCode.ERROR;
  const tags = Object.entries(s.attributes)
    .filter(([k]) => !(error && k === 'error'))
    .map(([k, v]) => uiTag(k, v));
  tags.push(uiTag('span.kind', KINDS[s.kind]));
  if (s.status.code !== SpanStatusCode.UNSET) {
    tags.push(uiTag('otel.status_code', error ? 'ERROR' : 'OK'));
    if (s.status.message) tags.push(uiTag('otel.status_description', s.status.message));
    if (error) tags.push(uiTag('error', true));
  }
  tags.push(uiTag('otel.scope.name', s.instrumentationScope.name));
  if (s.instrumentationScope.version) tags.push(uiTag('otel.scope.version', s.instrumentationScope.version));
  const ctx = s.spanContext();
  return {
    traceID: ctx.traceId,
    spanID: ctx.spanId,
    flags: 1,
    operationName: s.name,
    // The parent first, as CHILD_OF; then every link, as FOLLOWS_FROM.
    references: [
      ...(s.parentSpanContext
        ? [{ refType: 'CHILD_OF' as const, traceID: ctx.traceId, spanID: s.parentSpanContext.spanId }]
        : []),
      ...s.links.map((l) => ({
        refType: 'FOLLOWS_FROM' as const,
        traceID: l.context.traceId,
        spanID: l.context.spanId,
      })),
    ],
    startTime: micros(s.startTime),
    duration: Number((nanos(s.endTime) - nanos(s.startTime)) / 1000n),
    tags,
    logs: s.events.map((e) => ({
      timestamp: micros(e.time),
      fields: [uiTag('event', e.name), ...Object.entries(e.attributes ?? {}).map(([k, v]) => uiTag(k, v))],
    })),
    warnings: null,
  };
}

function exportWith(exporter: SpanExporter, spans: ReadableSpan[]): Promise<{ code: number; error?: Error }> {
  return new Promise((resolve) => exporter.export(spans, resolve));
}

interface Service {
  name: string;
  provider: TracerProvider;
  memory: InMemorySpanExporter;
}

function service(name: string, environment: string): Service {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': name, 'deployment.environment': environment }),
    spanProcessors: [new SimpleSpanProcessor({ exporter: memory })],
  });
  return { name, provider, memory };
}

/** A raw POST to the agent's OTLP/HTTP port. */
function post(port: number, body: Uint8Array | string, headers: Record<string, string>) {
  return new Promise<{ status: number; type: string | undefined; body: Buffer }>((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path: '/v1/traces', method: 'POST', headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            type: res.headers['content-type'],
            body: Buffer.concat(chunks),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('OpenTelemetry OTLP exporters → agent → Kafka → ingester → Elasticsearch → query', () => {
  const { kafkaBrokers, elasticsearchUrl } = testStack();
  const topic = uniqueName('skein-agent-otlp');
  const prefix = `${uniqueName('otlp')}-`;
  const names = {
    a: uniqueName('otlp-frontend'),
    b: uniqueName('otlp-payments'),
    c: uniqueName('otlp-audit'),
  };
  const stops: Array<() => Promise<void>> = [];
  let agent: TestAgent;
  let query: TestQuery;

  before(async () => {
    await createTopic(kafkaBrokers, topic, 2);
    agent = await startTestAgent({
      'kafka.brokers': kafkaBrokers.join(','),
      'kafka.topic': topic,
      'kafka.linger': '1ms',
    });
    stops.push(() => agent.stop());
    const ingester = await startTestIngester({
      'kafka.brokers': kafkaBrokers.join(','),
      'kafka.topic': topic,
      'kafka.group-id': uniqueName('skein-agent-otlp-group'),
      'es.url': elasticsearchUrl,
      'es.index-prefix': prefix,
    });
    stops.push(() => ingester.stop());
    query = await startTestQuery({ 'es.url': elasticsearchUrl, 'es.index-prefix': prefix });
    stops.push(() => query.stop());
  });

  after(async () => {
    for (const stop of stops.reverse()) await stop();
  });

  async function traceFromQuery(traceId: string, spans: number): Promise<UiTrace> {
    return eventually(`trace ${traceId} with ${spans} spans from the query API`, async () => {
      const { status, body } = await query.get(`/api/traces/${traceId}`);
      const found = status === 200 ? (body as { data: UiTrace[] }).data[0] : undefined;
      return found && found.spans.length === spans ? found : undefined;
    });
  }

  it('returns a trace exported over OTLP/gRPC, OTLP/HTTP JSON and OTLP/HTTP protobuf, mapped as documented', async () => {
    const a = service(names.a, 'integration');
    const b = service(names.b, 'integration');
    const c = service(names.c, 'integration');
    const frontend = a.provider.getTracer('shop-frontend', '2.0.0');
    const payments = b.provider.getTracer('payments');
    const audit = c.provider.getTracer('audit-lib', '0.1.0');
    // Across processes the parent arrives as a remote span context, as propagation would deliver it.
    const remote = (span: ApiSpan): Context =>
      trace.setSpanContext(ROOT_CONTEXT, { ...span.spanContext(), isRemote: true });

    const published = audit.startSpan('publish audit', { kind: SpanKind.PRODUCER });
    published.end();
    const root = frontend.startSpan('GET /checkout', {
      kind: SpanKind.SERVER,
      attributes: {
        'http.method': 'GET',
        'http.status_code': 200,
        ratio: 0.75,
        retried: false,
        items: ['a', 'b'],
      },
    });
    root.addEvent('cart.loaded', { 'cart.items': 3, 'cart.currency': 'EUR' });
    const call = frontend.startSpan(
      'POST /charge',
      { kind: SpanKind.CLIENT },
      trace.setSpan(ROOT_CONTEXT, root),
    );
    const charge = payments.startSpan(
      'charge',
      { kind: SpanKind.SERVER, attributes: { amount: 12.5 } },
      remote(call),
    );
    const validate = payments.startSpan(
      'validate card',
      { attributes: { error: 'no' } },
      trace.setSpan(ROOT_CONTEXT, charge),
    );
    validate.addEvent('exception', { 'exception.message': 'card expired' });
    validate.setStatus({ code: SpanStatusCode.ERROR, message: 'card expired' });
    validate.end();
    const consume = audit.startSpan(
      'record payment',
      { kind: SpanKind.CONSUMER, links: [{ context: published.spanContext() }] },
      remote(charge),
    );
    consume.end();
    charge.setStatus({ code: SpanStatusCode.OK });
    charge.end();
    call.end();
    root.end();

    const sent = new Map<string, ReadableSpan[]>();
    for (const s of [a, b, c]) {
      await s.provider.forceFlush();
      sent.set(s.name, [...s.memory.getFinishedSpans()]);
      await s.provider.shutdown();
    }
    const exporters: Array<[Service, SpanExporter]> = [
      [a, new GrpcExporter({ url: `http://127.0.0.1:${agent.ports.otlpGrpc}` })],
      [b, new HttpJsonExporter({ url: `http://127.0.0.1:${agent.ports.otlpHttp}/v1/traces` })],
      [c, new HttpProtoExporter({ url: `http://127.0.0.1:${agent.ports.otlpHttp}/v1/traces` })],
    ];
    for (const [s, exporter] of exporters) {
      const result = await exportWith(exporter, sent.get(s.name)!);
      await exporter.shutdown();
      assert.equal(result.code, 0, `${s.name}: ${result.error?.message}`);
    }

    const traceId = root.spanContext().traceId;
    const got = await traceFromQuery(traceId, 5);
    assert.equal(got.warnings, null);
    const all = [...sent.values()].flat().filter((s) => s.spanContext().traceId === traceId);
    assert.equal(all.length, 5);
    const serviceOf = new Map<string, string>();
    for (const [name, spans] of sent) for (const s of spans) serviceOf.set(s.spanContext().spanId, name);
    for (const s of all) {
      const uiSpan = got.spans.find((x) => x.spanID === s.spanContext().spanId);
      assert.ok(uiSpan, `span ${s.name} returned`);
      const { processID, ...rest } = uiSpan;
      assert.deepStrictEqual(rest, expectedUiSpan(s), `span ${s.name}`);
      assert.deepStrictEqual(got.processes[processID], {
        serviceName: serviceOf.get(s.spanContext().spanId),
        tags: [{ key: 'deployment.environment', type: 'string', value: 'integration' }],
      });
    }
    // The producer's trace, linked from the consumer, is a trace of its own.
    const other = await traceFromQuery(published.spanContext().traceId, 1);
    assert.equal(other.spans[0]!.operationName, 'publish audit');

    // What Jaeger UI and Grafana list and search by: services, operations by kind, error tags.
    const services = (await query.get('/api/services')).body as { data: string[] };
    for (const name of Object.values(names))
      assert.ok(services.data.includes(name), `service ${name} listed`);
    await eventually(`${names.b} operations`, async () => {
      const { body } = await query.get(`/api/operations?service=${names.b}&spanKind=server`);
      const data = (body as { data: Array<{ name: string; spanKind: string }> }).data;
      return data.length === 1
        ? (assert.deepEqual(data, [{ name: 'charge', spanKind: 'server' }]) ?? true)
        : undefined;
    });
    const { body: internal } = await query.get(`/api/operations?service=${names.b}&spanKind=internal`);
    assert.deepEqual((internal as { data: unknown[] }).data, [
      { name: 'validate card', spanKind: 'internal' },
    ]);
    const errors = await query.get(
      `/api/traces?service=${names.b}&tags=${encodeURIComponent('{"error":"true"}')}&lookback=1h`,
    );
    assert.deepEqual(
      (errors.body as { data: UiTrace[] }).data.map((t) => t.traceID),
      [traceId],
    );

    const metrics = await agent.metrics();
    assert.equal(metricValue(metrics, 'skein_agent_spans_received_total', 'transport="otlp-grpc"'), 2);
    assert.equal(metricValue(metrics, 'skein_agent_spans_received_total', 'transport="otlp-http"'), 4);
  });

  it('takes the valid spans of a request with invalid ones and reports the rest in partial_success', async () => {
    const traceId = 'a1'.repeat(16);
    const json = JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: names.a } }] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId,
                  spanId: 'b2'.repeat(8),
                  name: 'kept',
                  startTimeUnixNano: String(Date.now() * 1e6),
                },
                { traceId: '0'.repeat(32), spanId: 'c3'.repeat(8), name: 'zero trace id' },
              ],
            },
          ],
        },
      ],
    });
    const answer = await post(agent.ports.otlpHttp, json, { 'content-type': 'application/json' });
    assert.equal(answer.status, 200);
    assert.deepEqual(JSON.parse(answer.body.toString()), {
      partialSuccess: {
        rejectedSpans: '1',
        errorMessage:
          'rejected 1 of 2 spans with invalid IDs; first: resourceSpans[0].scopeSpans[0].spans[1]: trace_id is all zeroes',
      },
    });
    const got = await traceFromQuery(traceId, 1);
    assert.equal(got.spans[0]!.operationName, 'kept');
    const metrics = await agent.metrics();
    assert.equal(
      metricValue(metrics, 'skein_agent_spans_dropped_total', 'transport="otlp-http",reason="invalid"'),
      1,
    );
  });

  it('answers garbage on both OTLP ports with the documented errors, counts it, and keeps serving', async () => {
    const port = agent.ports.otlpHttp;
    const random = Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 7919 + 13) % 256));
    const proto = { 'content-type': 'application/x-protobuf' };
    const json = { 'content-type': 'application/json' };
    const statuses = [
      (await post(port, random, proto)).status,
      (await post(port, '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":', json)).status,
      (await post(port, 'hello', { 'content-type': 'text/plain' })).status,
      (await post(port, random, { ...proto, 'content-encoding': 'gzip' })).status,
      (await post(port, gzipSync(Buffer.alloc(64 * 1024 * 1024)), { ...json, 'content-encoding': 'gzip' }))
        .status,
    ];
    assert.deepEqual(statuses, [400, 400, 415, 400, 413]);

    const client = new grpc.Client(`127.0.0.1:${agent.ports.otlpGrpc}`, grpc.credentials.createInsecure());
    const identity = (b: Buffer): Buffer => b;
    const code = await new Promise<number>((resolve) =>
      client.makeUnaryRequest(
        '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
        identity,
        identity,
        random,
        (err) => resolve(err?.code ?? 0),
      ),
    );
    client.close();
    assert.equal(code, grpc.status.INVALID_ARGUMENT);

    // Each rejection is counted under the reason the agent's decoder gives for those bytes.
    const reason = (() => {
      try {
        decodeOtlpTraceRequest(random);
        return 'none';
      } catch (err) {
        assert.ok(err instanceof DecodeError);
        return err.code.replace(/^DECODE_/, '').toLowerCase();
      }
    })();
    const expected = new Map<string, number>([
      ['otlp-http bad_content_type', 1],
      ['otlp-http bad_compression', 1],
      ['otlp-http too_large', 1],
      ['otlp-grpc ' + reason, 1],
    ]);
    expected.set(`otlp-http ${reason}`, 1);
    expected.set('otlp-http bad_value', (expected.get('otlp-http bad_value') ?? 0) + 1);
    const metrics = await agent.metrics();
    for (const [key, count] of expected) {
      const [transport, why] = key.split(' ');
      assert.equal(
        metricValue(
          metrics,
          'skein_agent_batches_rejected_total',
          `transport="${transport}",reason="${why}"`,
        ),
        count,
        key,
      );
    }
    assert.equal((await fetch(`http://127.0.0.1:${agent.ports.admin}/health`)).status, 200);
    assert.equal((await post(port, '{}', json)).status, 200);
  });
});
