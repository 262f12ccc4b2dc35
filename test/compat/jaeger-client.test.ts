// jaeger-client (the npm package, which encodes with thriftrw, not our code) sends over UDP to the agent;
// what lands on Kafka equals what the client recorded: IDs, tags, logs, references, process tags.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import jaeger from 'jaeger-client';
import { decodeBatch, type KeyValue, type Span } from '@skein/model';
import { startTestAgent, type TestAgent } from '../support/agent.js';
import { createTopic, readSpans } from '../support/kafka.js';
import { testStack, uniqueName } from '../support/stack.js';

// The shape of jaeger-client's recorded spans (InMemoryReporter keeps its Span objects).
interface ClientSpan {
  _operationName: string;
  _spanContext: { traceId: Buffer; spanId: Buffer; parentId: Buffer | null; flags: number };
  _tags: Array<{ key: string; value: unknown }>;
  _logs: Array<{ timestamp: number; fields: Array<{ key: string; value: unknown }> }>;
  _references: Array<{ type(): string; referencedContext(): { traceId: Buffer; spanId: Buffer } }>;
  _startTime: number;
  _duration: number;
}

/** jaeger-client's own tag typing: numbers become doubles, booleans bools, objects JSON strings. */
function clientTag(key: string, value: unknown): KeyValue {
  if (typeof value === 'number') return { key, type: 'float64', value };
  if (typeof value === 'boolean') return { key, type: 'bool', value };
  if (Buffer.isBuffer(value)) return { key, type: 'binary', value: new Uint8Array(value) };
  if (typeof value === 'object' && value !== null)
    return { key, type: 'string', value: JSON.stringify(value) };
  return { key, type: 'string', value: String(value) };
}

const hex = (b: Buffer, chars: number): string => b.toString('hex').padStart(chars, '0');

// Parts of jaeger-client that its type declarations leave out.
interface MemoryReporter {
  spans: unknown[];
}
const lib = jaeger as unknown as {
  InMemoryReporter: new () => MemoryReporter;
  CompositeReporter: new (reporters: unknown[]) => unknown;
};
const { opentracing } = jaeger;

describe('jaeger-client → agent (UDP binary, its default) → Kafka', () => {
  const { kafkaBrokers } = testStack();
  const topic = uniqueName('skein-compat-jaeger-client');
  let agent: TestAgent;

  before(async () => {
    await createTopic(kafkaBrokers, topic, 3);
    agent = await startTestAgent({
      'kafka.brokers': kafkaBrokers.join(','),
      'kafka.topic': topic,
      'kafka.linger': '1ms',
    });
  });
  after(async () => agent.stop());

  it('delivers every span split by trace, with exactly the tags, logs, references and process the client sent', async () => {
    const memory = new lib.InMemoryReporter();
    const tracer = jaeger.initTracer(
      {
        serviceName: 'compat-node-service',
        sampler: { type: 'const', param: 1 },
        reporter: { agentHost: '127.0.0.1', agentPort: agent.ports.binary, flushIntervalMs: 50 },
      },
      { tags: { 'deploy.env': 'compat', 'build.number': 42 }, traceId128bit: true } as jaeger.TracingOptions,
    );
    // Record what the tracer reports alongside the real UDP reporter.
    const internals = tracer as unknown as { _reporter: unknown };
    internals._reporter = new lib.CompositeReporter([internals._reporter, memory]);

    const traces = 3;
    for (let t = 0; t < traces; t++) {
      const root = tracer.startSpan(`GET /orders/${t}`, {
        tags: { 'span.kind': 'server', 'http.status_code': 200, cached: false },
      });
      root.log({ event: 'request.received', size: 1024.5, detail: { nested: true } });
      const child = tracer.startSpan('SELECT orders', {
        childOf: root,
        tags: { 'db.type': 'sql', 'db.rows': 7 },
      });
      child.setTag('error', true);
      child.finish();
      const follower = tracer.startSpan('publish event', {
        references: [opentracing.followsFrom(child.context())],
      });
      follower.finish();
      root.finish();
    }
    await new Promise<void>((resolve) => tracer.close(() => resolve()));

    const recorded = memory.spans as unknown as ClientSpan[];
    assert.equal(recorded.length, traces * 3);
    const process = (
      tracer as unknown as { _process: { serviceName: string; tags: Array<{ key: string; value: unknown }> } }
    )._process;

    // The reporter flushes every 50 ms, so a trace may arrive in more than one message; each holds one trace.
    const messages = await readSpans(kafkaBrokers, topic, recorded.length);
    assert.equal(new Set(messages.map((m) => m.key)).size, traces);
    const received = new Map<string, Span>();
    for (const m of messages) {
      const batch = decodeBatch(m.value, 'compact');
      assert.equal(batch.process.serviceName, 'compat-node-service');
      assert.deepStrictEqual(
        batch.process.tags,
        process.tags.map((t) => clientTag(t.key, t.value)),
      );
      for (const span of batch.spans) {
        assert.equal(span.traceId, m.key, 'every span is in its own trace message');
        received.set(span.spanId, span);
      }
    }
    assert.equal(received.size, recorded.length);
    for (const sent of recorded) {
      const ctx = sent._spanContext;
      const got = received.get(hex(ctx.spanId, 16));
      assert.ok(got, `span ${sent._operationName} arrived`);
      assert.equal(got.traceId, hex(ctx.traceId, 32));
      assert.equal(got.parentSpanId, ctx.parentId ? hex(ctx.parentId, 16) : undefined);
      assert.equal(got.operationName, sent._operationName);
      assert.equal(got.flags, ctx.flags);
      assert.deepStrictEqual(
        got.tags,
        sent._tags.map((t) => clientTag(t.key, t.value)),
      );
      assert.deepStrictEqual(
        got.logs.map((l) => l.fields),
        sent._logs.map((l) => l.fields.map((f) => clientTag(f.key, f.value))),
      );
      for (const [i, log] of got.logs.entries())
        assert.ok(Math.abs(log.timestamp - (sent._logs[i]?.timestamp ?? 0) * 1000) <= 1);
      assert.deepStrictEqual(
        got.references,
        sent._references.map((r) => ({
          refType: r.type() === 'child_of' ? 'CHILD_OF' : 'FOLLOWS_FROM',
          traceId: hex(r.referencedContext().traceId, 32),
          spanId: hex(r.referencedContext().spanId, 16),
        })),
      );
      assert.ok(Math.abs(got.startTime - sent._startTime * 1000) <= 1);
      assert.ok(Math.abs(got.duration - sent._duration * 1000) <= 1);
    }
  });
});
