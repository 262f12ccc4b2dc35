// The tracer's spans in Jaeger's model: IDs, references, tags and logs, baggage, sampling.priority, the
// async-context active span, metrics, close().
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MockTracer, followsFrom, childOf } from 'opentracing';
import { Registry } from 'prom-client';
import {
  ClientMetrics,
  ConstSampler,
  InMemoryReporter,
  JaegerSpanContext,
  JaegerTracer,
  createProcess,
  type Reporter,
  type Sampler,
} from '../src/index.js';
import { metric } from './helpers.js';

function setup(options: { sampler?: Sampler; reporter?: Reporter; registry?: Registry } = {}) {
  const reporter = new InMemoryReporter();
  const registry = options.registry ?? new Registry();
  const tracer = new JaegerTracer({
    process: createProcess('orders', { version: '1.2.3' }),
    reporter: options.reporter ?? reporter,
    sampler: options.sampler ?? new ConstSampler(true),
    metrics: new ClientMetrics(registry),
  });
  return { tracer, reporter, registry };
}

describe('JaegerTracer', () => {
  it('records a span in Jaeger model form with microsecond times', () => {
    const { tracer, reporter } = setup();
    const span = tracer.startSpan('GET /orders', {
      startTime: 1_700_000_000_123.456,
      tags: { 'span.kind': 'server', 'http.status_code': 200, ratio: 0.5, big: 2n ** 62n, ok: true },
    });
    span.setTag('payload', { id: 7, items: ['a'] });
    span.setTag('bytes', Buffer.from([1, 2]));
    span.log({ event: 'cache miss', size: 42 }, 1_700_000_000_124);
    span.setOperationName('GET /orders/{id}');
    span.finish(1_700_000_000_125.5);
    span.finish(1_800_000_000_000);
    const ctx = span.context();
    assert.equal(span.startTime, 1_700_000_000_123_456);
    assert.equal(span.duration, 2044);
    assert.deepEqual(reporter.spans, [
      {
        traceId: ctx.traceId,
        spanId: ctx.spanId,
        operationName: 'GET /orders/{id}',
        references: [],
        flags: 1,
        startTime: 1_700_000_000_123_456,
        duration: 2044,
        tags: [
          { key: 'sampler.type', type: 'string', value: 'const' },
          { key: 'sampler.param', type: 'bool', value: true },
          { key: 'span.kind', type: 'string', value: 'server' },
          { key: 'http.status_code', type: 'int64', value: 200n },
          { key: 'ratio', type: 'float64', value: 0.5 },
          { key: 'big', type: 'int64', value: 2n ** 62n },
          { key: 'ok', type: 'bool', value: true },
          { key: 'payload', type: 'string', value: '{"id":7,"items":["a"]}' },
          { key: 'bytes', type: 'binary', value: Buffer.from([1, 2]) },
        ],
        logs: [
          {
            timestamp: 1_700_000_000_124_000,
            fields: [
              { key: 'event', type: 'string', value: 'cache miss' },
              { key: 'size', type: 'int64', value: 42n },
            ],
          },
        ],
        process: tracer.process,
      },
    ]);
    assert.equal(tracer.process.serviceName, 'orders');
    assert.deepEqual(
      tracer.process.tags.map((t) => t.key),
      ['jaeger.version', 'hostname', 'ip', 'client-uuid', 'version'],
    );
  });

  it('children share the trace, point at their parent, and inherit flags and baggage', () => {
    const { tracer, reporter } = setup();
    const root = tracer.startSpan('root');
    root.setBaggageItem('tenant', 'acme');
    const child = tracer.startSpan('child', { childOf: root });
    const grandchild = tracer.startSpan('grandchild', { childOf: child.context() });
    for (const s of [grandchild, child, root]) s.finish();
    const r = root.context();
    const c = child.context();
    assert.equal(c.traceId, r.traceId);
    assert.equal(c.parentId, r.spanId);
    assert.notEqual(c.spanId, r.spanId);
    assert.match(c.spanId, /^[0-9a-f]{16}$/);
    assert.equal(grandchild.context().parentId, c.spanId);
    assert.equal(grandchild.getBaggageItem('tenant'), 'acme');
    const [g, ch] = reporter.spans;
    assert.equal(g?.parentSpanId, c.spanId);
    assert.deepEqual(g?.references, [{ refType: 'CHILD_OF', traceId: r.traceId, spanId: c.spanId }]);
    assert.deepEqual(ch?.references, [{ refType: 'CHILD_OF', traceId: r.traceId, spanId: r.spanId }]);
    // Setting baggage logs it on sampled spans, as Jaeger's clients do.
    assert.deepEqual(reporter.spans[2]?.logs[0]?.fields, [
      { key: 'event', type: 'string', value: 'baggage' },
      { key: 'key', type: 'string', value: 'tenant' },
      { key: 'value', type: 'string', value: 'acme' },
    ]);
  });

  it('takes the first CHILD_OF as parent, keeps FOLLOWS_FROM references, ignores foreign contexts', () => {
    const { tracer, reporter } = setup();
    const a = tracer.startSpan('a');
    const b = tracer.startSpan('b');
    const foreign = new MockTracer().startSpan('mock').context();
    const follower = tracer.startSpan('follower', { references: [followsFrom(a.context())] });
    const mixed = tracer.startSpan('mixed', {
      references: [childOf(foreign), followsFrom(a.context()), childOf(b.context())],
    });
    follower.finish();
    mixed.finish();
    assert.equal(follower.context().parentId, a.context().spanId);
    assert.deepEqual(reporter.spans[0]?.references, [
      { refType: 'FOLLOWS_FROM', traceId: a.context().traceId, spanId: a.context().spanId },
    ]);
    assert.equal(mixed.context().traceId, b.context().traceId);
    assert.equal(mixed.context().parentId, b.context().spanId);
    assert.deepEqual(reporter.spans[1]?.references, [
      { refType: 'FOLLOWS_FROM', traceId: a.context().traceId, spanId: a.context().spanId },
      { refType: 'CHILD_OF', traceId: b.context().traceId, spanId: b.context().spanId },
    ]);
    const orphan = tracer.startSpan('orphan', { childOf: foreign });
    assert.equal(orphan.context().parentId, undefined);
  });

  it('unsampled spans record nothing and are not reported', () => {
    const { tracer, reporter } = setup({ sampler: new ConstSampler(false) });
    const span = tracer.startSpan('quiet', { tags: { a: 1 } });
    span.setTag('b', 2).log({ event: 'x' }).setBaggageItem('k', 'v');
    assert.deepEqual(span.tags, []);
    assert.deepEqual(span.logs, []);
    assert.equal(span.getBaggageItem('k'), 'v');
    span.finish();
    assert.deepEqual(reporter.spans, []);
  });

  it('sampling.priority > 0 forces sampling (and debug), 0 stops it', () => {
    const { tracer, reporter } = setup({ sampler: new ConstSampler(false) });
    const forced = tracer.startSpan('forced');
    forced.setTag('sampling.priority', 1);
    forced.setTag('after', true);
    assert.equal(forced.context().flags, 3);
    const child = tracer.startSpan('child', { childOf: forced });
    assert.equal(child.context().flags, 3);
    child.finish();
    forced.finish();
    assert.deepEqual(
      reporter.spans.map((s) => [s.operationName, s.flags, s.tags.map((t) => t.key)]),
      [
        ['child', 3, []],
        ['forced', 3, ['sampling.priority', 'after']],
      ],
    );

    const on = setup();
    const suppressed = on.tracer.startSpan('suppressed', { tags: { 'sampling.priority': 0 } });
    assert.equal(suppressed.context().sampled, false);
    suppressed.finish();
    assert.deepEqual(on.reporter.spans, []);
  });

  it('activeSpan() follows withSpan() through awaits and timers, per tracer', async () => {
    const { tracer } = setup();
    const other = setup().tracer;
    const outer = tracer.startSpan('outer');
    const inner = tracer.startSpan('inner');
    assert.equal(tracer.activeSpan(), null);
    const seen = await tracer.withSpan(outer, async () => {
      const before = tracer.activeSpan();
      await new Promise((r) => setTimeout(r, 1));
      const afterTimer = tracer.activeSpan();
      const nested = tracer.withSpan(inner, () => tracer.activeSpan());
      return [before, afterTimer, nested, tracer.activeSpan(), other.activeSpan()];
    });
    assert.deepEqual(seen, [outer, outer, inner, outer, null]);
    assert.equal(tracer.activeSpan(), null);
    assert.equal(
      tracer.withSpan(outer, () => 'result'),
      'result',
    );
  });

  it('counts spans started and finished by sampling decision', async () => {
    const registry = new Registry();
    const on = setup({ registry });
    const off = setup({ registry, sampler: new ConstSampler(false) });
    on.tracer.startSpan('a').finish();
    on.tracer.startSpan('b');
    off.tracer.startSpan('c').finish();
    assert.equal(await metric(registry, 'skein_client_spans_started_total', { sampled: 'true' }), 2);
    assert.equal(await metric(registry, 'skein_client_spans_started_total', { sampled: 'false' }), 1);
    assert.equal(await metric(registry, 'skein_client_spans_finished_total', { sampled: 'true' }), 1);
    assert.equal(await metric(registry, 'skein_client_spans_finished_total', { sampled: 'false' }), 1);
  });

  it('close() closes the sampler and waits for the reporter', async () => {
    const events: string[] = [];
    const sampler: Sampler = {
      isSampled: () => ({ sampled: true, tags: {} }),
      close: () => void events.push('sampler closed'),
    };
    const reporter: Reporter = {
      report: () => undefined,
      close: async () => {
        await new Promise((r) => setTimeout(r, 5));
        events.push('reporter closed');
      },
    };
    const { tracer } = setup({ sampler, reporter });
    const closing = tracer.close();
    assert.equal(tracer.close(), closing);
    await closing;
    assert.deepEqual(events, ['sampler closed', 'reporter closed']);
  });

  it('toTraceId() gives Jaeger form: 16 characters for a 64-bit ID', () => {
    const ctx = new JaegerSpanContext({
      traceId: `${'0'.repeat(16)}00000000000000ab`,
      spanId: 'cd'.padStart(16, '0'),
      flags: 1,
    });
    assert.equal(ctx.toTraceId(), '00000000000000ab');
    assert.equal(ctx.toSpanId(), '00000000000000cd');
  });
});
