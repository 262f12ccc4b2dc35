// OpenTelemetry's own OTLP exporters (gRPC, HTTP with JSON, HTTP with protobuf; with and without gzip) send the
// same SDK spans to the agent; Kafka holds exactly what docs/agent.md's OTLP → Jaeger mapping says.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type AttributeValue,
  type HrTime,
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
import { decodeBatch, type KeyValue, type Span } from '@skein/model';
import { metricValue, startTestAgent, type TestAgent } from '../support/agent.js';
import { createTopic, readSpans } from '../support/kafka.js';
import { testStack, uniqueName } from '../support/stack.js';

type Gzip = NonNullable<NonNullable<ConstructorParameters<typeof GrpcExporter>[0]>['compression']>;
const GZIP = 'gzip' as Gzip;

const SERVICE = 'compat-otlp';
const KINDS = ['internal', 'server', 'client', 'producer', 'consumer'];

/** Spans from the SDK itself: every kind, status, attribute type, events and links, over two traces. */
async function produceSpans(): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      'service.name': SERVICE,
      'deployment.environment': 'compat',
      'host.cores': 8,
    }),
    spanProcessors: [new SimpleSpanProcessor({ exporter: memory })],
  });
  const tracer = provider.getTracer('compat-tests', '1.2.3');
  for (let t = 0; t < 2; t++) {
    await new Promise<void>((resolve) =>
      tracer.startActiveSpan(
        `GET /cart/${t}`,
        {
          kind: SpanKind.SERVER,
          attributes: {
            'http.method': 'GET',
            'http.status_code': 200,
            ratio: 0.5,
            cached: false,
            tags: ['a', 'b"c'],
            codes: [200, 404],
            weights: [0.5, 1.25],
          },
        },
        (root) => {
          root.addEvent('cache.miss', { 'cache.key': `cart-${t}`, attempt: 2 } as Attributes);
          root.addEvent('plain');
          // No context manager is registered: children name their parent explicitly.
          const inRoot = trace.setSpan(ROOT_CONTEXT, root);
          const child = tracer.startSpan(
            'charge card',
            {
              kind: SpanKind.CLIENT,
              attributes: { 'payment.amount': 12.5, error: 'declined' },
              links: [{ context: root.spanContext(), attributes: { reason: 'retry' } }],
            },
            inRoot,
          );
          child.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined' });
          child.end();
          const publish = tracer.startSpan('publish', { kind: SpanKind.PRODUCER }, inRoot);
          publish.end();
          const consume = tracer.startSpan(
            'consume',
            { kind: SpanKind.CONSUMER, links: [{ context: publish.spanContext() }] },
            inRoot,
          );
          consume.end();
          const compute = tracer.startSpan('compute', { kind: SpanKind.INTERNAL }, inRoot);
          compute.end();
          root.setStatus({ code: SpanStatusCode.OK });
          root.end();
          resolve();
        },
      ),
    );
  }
  await provider.forceFlush();
  const finished = [...memory.getFinishedSpans()];
  await provider.shutdown();
  return finished;
}

const nanos = (t: HrTime): bigint => BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);
const micros = (t: HrTime): number => Number(nanos(t) / 1000n);

/** An attribute as the exporter sends it (integers as intValue) and the agent maps it. */
function tag(key: string, value: AttributeValue | undefined): KeyValue {
  if (typeof value === 'string') return { key, type: 'string', value };
  if (typeof value === 'boolean') return { key, type: 'bool', value };
  if (typeof value === 'number') {
    return Number.isInteger(value)
      ? { key, type: 'int64', value: BigInt(value) }
      : { key, type: 'float64', value };
  }
  return { key, type: 'string', value: JSON.stringify(value) };
}

/** The documented mapping of one SDK span. */
function expectedSpan(s: ReadableSpan): Omit<Span, 'process'> {
  const tags = Object.entries(s.attributes)
    .filter(([k]) => !(s.status.code === SpanStatusCode.ERROR && k === 'error'))
    .map(([k, v]) => tag(k, v));
  tags.push(tag('span.kind', KINDS[s.kind]));
  if (s.status.code !== SpanStatusCode.UNSET) {
    tags.push(tag('otel.status_code', s.status.code === SpanStatusCode.OK ? 'OK' : 'ERROR'));
    if (s.status.message) tags.push(tag('otel.status_description', s.status.message));
    if (s.status.code === SpanStatusCode.ERROR) tags.push(tag('error', true));
  }
  tags.push(tag('otel.scope.name', s.instrumentationScope.name));
  tags.push(tag('otel.scope.version', s.instrumentationScope.version));
  const span: Omit<Span, 'process'> = {
    traceId: s.spanContext().traceId,
    spanId: s.spanContext().spanId,
    operationName: s.name,
    references: s.links.map((l) => ({
      refType: 'FOLLOWS_FROM',
      traceId: l.context.traceId,
      spanId: l.context.spanId,
    })),
    flags: 1,
    startTime: micros(s.startTime),
    duration: Number((nanos(s.endTime) - nanos(s.startTime)) / 1000n),
    tags,
    logs: s.events.map((e) => ({
      timestamp: micros(e.time),
      fields: [tag('event', e.name), ...Object.entries(e.attributes ?? {}).map(([k, v]) => tag(k, v))],
    })),
  };
  if (s.parentSpanContext) span.parentSpanId = s.parentSpanContext.spanId;
  return span;
}

function exportWith(exporter: SpanExporter, spans: ReadableSpan[]): Promise<{ code: number; error?: Error }> {
  return new Promise((resolve) => exporter.export(spans, resolve));
}

const VARIANTS: Array<[string, 'otlp-grpc' | 'otlp-http', (agent: TestAgent) => SpanExporter]> = [
  ['gRPC', 'otlp-grpc', (a) => new GrpcExporter({ url: `http://127.0.0.1:${a.ports.otlpGrpc}` })],
  [
    'gRPC with gzip',
    'otlp-grpc',
    (a) => new GrpcExporter({ url: `http://127.0.0.1:${a.ports.otlpGrpc}`, compression: GZIP }),
  ],
  [
    'HTTP/JSON',
    'otlp-http',
    (a) => new HttpJsonExporter({ url: `http://127.0.0.1:${a.ports.otlpHttp}/v1/traces` }),
  ],
  [
    'HTTP/JSON with gzip',
    'otlp-http',
    (a) => new HttpJsonExporter({ url: `http://127.0.0.1:${a.ports.otlpHttp}/v1/traces`, compression: GZIP }),
  ],
  [
    'HTTP/protobuf',
    'otlp-http',
    (a) => new HttpProtoExporter({ url: `http://127.0.0.1:${a.ports.otlpHttp}/v1/traces` }),
  ],
  [
    'HTTP/protobuf with gzip',
    'otlp-http',
    (a) =>
      new HttpProtoExporter({ url: `http://127.0.0.1:${a.ports.otlpHttp}/v1/traces`, compression: GZIP }),
  ],
];

describe('OpenTelemetry OTLP exporters → agent → Kafka', () => {
  const { kafkaBrokers } = testStack();
  const agents: TestAgent[] = [];
  let sent: ReadableSpan[];

  before(async () => {
    sent = await produceSpans();
    assert.equal(sent.length, 10);
  });
  after(async () => {
    for (const a of agents) await a.stop();
  });

  for (const [name, transport, makeExporter] of VARIANTS) {
    it(`delivers the ${name} exporter's spans exactly as mapped`, async () => {
      const topic = uniqueName('skein-compat-otlp');
      await createTopic(kafkaBrokers, topic, 3);
      const agent = await startTestAgent({
        'kafka.brokers': kafkaBrokers.join(','),
        'kafka.topic': topic,
        'kafka.linger': '1ms',
      });
      agents.push(agent);
      const exporter = makeExporter(agent);
      // One export request with all ten spans of both traces, as a BatchSpanProcessor would send them.
      const result = await exportWith(exporter, sent);
      await exporter.shutdown();
      assert.equal(result.code, 0, `export failed: ${result.error?.message}`);

      const messages = await readSpans(kafkaBrokers, topic, sent.length);
      // One message per trace: the request's two traces were split by trace ID, which is the key.
      const traceIds = [...new Set(sent.map((s) => s.spanContext().traceId))].sort();
      assert.equal(traceIds.length, 2);
      assert.deepEqual(messages.map((m) => m.key).sort(), traceIds);
      const received = new Map<string, Span>();
      for (const m of messages) {
        assert.equal(m.headers['skein-encoding'], 'thrift-compact');
        const batch = decodeBatch(m.value, 'compact');
        assert.deepStrictEqual(batch.process, {
          serviceName: SERVICE,
          tags: Object.entries(sent[0]!.resource.attributes)
            .filter(([k]) => k !== 'service.name')
            .map(([k, v]) => tag(k, v as AttributeValue)),
        });
        for (const span of batch.spans) {
          assert.equal(span.traceId, m.key);
          received.set(span.spanId, span);
        }
      }
      assert.equal(received.size, sent.length);
      for (const s of sent) {
        const got = received.get(s.spanContext().spanId);
        assert.ok(got, `span ${s.name} arrived`);
        const { process: _process, ...rest } = got;
        assert.deepStrictEqual(rest, expectedSpan(s), `span ${s.name}`);
      }
      const metrics = await agent.metrics();
      assert.equal(metricValue(metrics, 'skein_agent_spans_received_total', `transport="${transport}"`), 10);
      assert.equal(metricValue(metrics, 'skein_agent_batches_received_total', `transport="${transport}"`), 1);
    });
  }
});
