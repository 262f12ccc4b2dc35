// @opentelemetry/exporter-jaeger (OpenTelemetry's Jaeger exporter, over UDP and over the HTTP collector
// endpoint) sends to the agent; Kafka holds exactly what the exporter's documented mapping gives.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SpanKind, SpanStatusCode, type Attributes, type AttributeValue } from '@opentelemetry/api';
import { hrTimeToMicroseconds } from '@opentelemetry/core';
import { JaegerExporter } from '@opentelemetry/exporter-jaeger';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace';
import { decodeBatch, type KeyValue, type Span } from '@skein/model';
import { startTestAgent, type TestAgent } from '../support/agent.js';
import { createTopic, readSpans } from '../support/kafka.js';
import { testStack, uniqueName } from '../support/stack.js';

function tag(key: string, value: AttributeValue | undefined): KeyValue {
  if (typeof value === 'number') return { key, type: 'float64', value };
  if (typeof value === 'boolean') return { key, type: 'bool', value };
  return { key, type: 'string', value: String(value) };
}

/** The exporter's documented Jaeger mapping of an OpenTelemetry span's tags. */
function expectedTags(span: ReadableSpan): KeyValue[] {
  const tags = Object.entries(span.attributes).map(([k, v]) => tag(k, v));
  if (span.status.code !== SpanStatusCode.UNSET) {
    tags.push(tag('otel.status_code', SpanStatusCode[span.status.code]));
    if (span.status.message) tags.push(tag('otel.status_description', span.status.message));
  }
  if (span.status.code === SpanStatusCode.ERROR) tags.push(tag('error', true));
  if (span.kind !== SpanKind.INTERNAL) tags.push(tag('span.kind', SpanKind[span.kind].toLowerCase()));
  for (const [k, v] of Object.entries(span.resource.attributes)) tags.push(tag(k, v as AttributeValue));
  tags.push(tag('otel.library.name', span.instrumentationScope.name));
  tags.push(tag('otel.library.version', span.instrumentationScope.version));
  return tags;
}

async function produceSpans(exporter: JaegerExporter, service: string): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'deployment.environment': 'compat' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter }), new SimpleSpanProcessor({ exporter: memory })],
  });
  const tracer = provider.getTracer('compat-tests', '1.2.3');
  for (let t = 0; t < 3; t++) {
    await new Promise<void>((resolve) =>
      tracer.startActiveSpan(
        `GET /cart/${t}`,
        { kind: SpanKind.SERVER, attributes: { 'http.method': 'GET', 'http.status_code': 200 } },
        (root) => {
          root.addEvent('cache.miss', { 'cache.key': `cart-${t}`, attempt: 2 } as Attributes);
          const child = tracer.startSpan('charge card', {
            kind: SpanKind.CLIENT,
            attributes: { 'payment.amount': 12.5, retry: false },
            links: [{ context: root.spanContext() }],
          });
          child.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined' });
          child.end();
          root.end();
          resolve();
        },
      ),
    );
  }
  await provider.forceFlush();
  // Before shutdown: shutting the in-memory exporter down forgets its spans.
  const finished = [...memory.getFinishedSpans()];
  await provider.shutdown();
  return finished;
}

// The exporter's conversion: fractional microseconds, truncated by jaeger-client's int64 encoder.
const micros = (t: [number, number]): number => Math.trunc(hrTimeToMicroseconds(t));

function compare(received: Map<string, Span>, sent: ReadableSpan[]): void {
  assert.equal(received.size, sent.length);
  for (const s of sent) {
    const ctx = s.spanContext();
    const got = received.get(ctx.spanId);
    assert.ok(got, `span ${s.name} arrived`);
    assert.equal(got.traceId, ctx.traceId);
    assert.equal(got.parentSpanId, s.parentSpanContext?.spanId);
    assert.equal(got.operationName, s.name);
    assert.equal(got.flags, ctx.traceFlags || 1);
    assert.equal(got.startTime, micros(s.startTime));
    assert.equal(got.duration, micros(s.duration));
    assert.deepStrictEqual(got.tags, expectedTags(s));
    assert.deepStrictEqual(
      got.logs.map((l) => l.fields),
      s.events.map((e) => [
        tag('event', e.name),
        ...Object.entries(e.attributes ?? {}).map(([k, v]) => tag(k, v)),
      ]),
    );
    assert.deepStrictEqual(
      got.references,
      s.links.map((l) => ({ refType: 'FOLLOWS_FROM', traceId: l.context.traceId, spanId: l.context.spanId })),
    );
  }
}

describe('@opentelemetry/exporter-jaeger → agent → Kafka', () => {
  const { kafkaBrokers } = testStack();
  let agent: TestAgent;
  const topics = { udp: uniqueName('skein-compat-otel-udp'), http: uniqueName('skein-compat-otel-http') };
  const agents: TestAgent[] = [];

  before(async () => {
    for (const topic of Object.values(topics)) await createTopic(kafkaBrokers, topic, 3);
  });
  after(async () => {
    for (const a of agents) await a.stop();
  });

  for (const transport of ['udp', 'http'] as const) {
    it(`delivers the exporter's spans over ${transport === 'udp' ? 'UDP (binary, port 6832 role)' : 'the HTTP collector endpoint'} exactly as mapped`, async () => {
      agent = await startTestAgent({
        'kafka.brokers': kafkaBrokers.join(','),
        'kafka.topic': topics[transport],
        'kafka.linger': '1ms',
      });
      agents.push(agent);
      const exporter =
        transport === 'udp'
          ? new JaegerExporter({ host: '127.0.0.1', port: agent.ports.binary })
          : new JaegerExporter({ endpoint: `http://127.0.0.1:${agent.ports.http}/api/traces` });
      const service = `compat-otel-${transport}`;
      const sent = await produceSpans(exporter, service);
      assert.equal(sent.length, 6);

      // The exporter flushes as spans end, so a trace may arrive in more than one message; each holds one trace.
      const messages = await readSpans(kafkaBrokers, topics[transport], 6);
      assert.deepEqual(
        new Set(messages.map((m) => m.key)),
        new Set(sent.map((s) => s.spanContext().traceId)),
      );
      const received = new Map<string, Span>();
      for (const m of messages) {
        const batch = decodeBatch(m.value, 'compact');
        assert.equal(batch.process.serviceName, service);
        assert.deepStrictEqual(batch.process.tags, []);
        for (const span of batch.spans) {
          assert.equal(span.traceId, m.key);
          received.set(span.spanId, span);
        }
      }
      compare(received, sent);
    });
  }
});
