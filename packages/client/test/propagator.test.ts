// Inject and extract through the tracer: round trips in every carrier format, baggage, W3C, precedence, and
// malformed input, which never throws and makes the next span start a new trace.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Metadata } from '@grpc/grpc-js';
import { FORMAT_BINARY, FORMAT_HTTP_HEADERS, FORMAT_TEXT_MAP } from 'opentracing';
import {
  ClientError,
  ConstSampler,
  FORMAT_GRPC_METADATA,
  InMemoryReporter,
  JaegerSpanContext,
  JaegerTracer,
  createProcess,
  type PropagationFormat,
} from '../src/index.js';

function tracer(propagation?: PropagationFormat[], sampled = true): JaegerTracer {
  return new JaegerTracer({
    process: createProcess('svc'),
    reporter: new InMemoryReporter(),
    sampler: new ConstSampler(sampled),
    ...(propagation ? { propagation } : {}),
  });
}

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

describe('propagation', () => {
  it('round-trips HTTP headers: uber-trace-id, traceparent, URL-encoded uberctx- baggage', () => {
    const t = tracer();
    const span = t.startSpan('client');
    span.setBaggageItem('user-id', 'ann smith/42');
    span.setBaggageItem('Tenant', 'acme');
    const headers: Record<string, string> = {};
    t.inject(span.context(), FORMAT_HTTP_HEADERS, headers);
    const { traceId, spanId } = span.context();
    assert.deepEqual(headers, {
      'uber-trace-id': `${traceId}:${spanId}:0000000000000000:1`,
      traceparent: `00-${traceId}-${spanId}-01`,
      'uberctx-user-id': 'ann%20smith%2F42',
      'uberctx-Tenant': 'acme',
    });
    const ctx = t.extract(FORMAT_HTTP_HEADERS, headers);
    assert.ok(ctx instanceof JaegerSpanContext);
    assert.equal(ctx.traceId, traceId);
    assert.equal(ctx.spanId, spanId);
    assert.equal(ctx.flags, 1);
    // Header names are case-insensitive, so baggage keys come back lowercase.
    assert.deepEqual(
      [...ctx.baggage],
      [
        ['user-id', 'ann smith/42'],
        ['tenant', 'acme'],
      ],
    );
    const child = t.startSpan('server', { childOf: ctx });
    assert.equal(child.context().traceId, traceId);
    assert.equal(child.context().parentId, spanId);
    assert.equal(child.getBaggageItem('user-id'), 'ann smith/42');
  });

  it('round-trips a text map without URL encoding', () => {
    const t = tracer(['jaeger']);
    const span = t.startSpan('x');
    span.setBaggageItem('q', 'a b%');
    const carrier: Record<string, string> = {};
    t.inject(span.context(), FORMAT_TEXT_MAP, carrier);
    assert.equal(carrier['uberctx-q'], 'a b%');
    assert.equal(t.extract(FORMAT_TEXT_MAP, carrier)?.baggage.get('q'), 'a b%');
  });

  it('round-trips gRPC metadata; keys gRPC refuses are skipped, not thrown', () => {
    const t = tracer();
    const span = t.startSpan('rpc');
    span.setBaggageItem('session', 'x y');
    span.setBaggageItem('bad key!', 'dropped');
    const metadata = new Metadata();
    t.inject(span.context(), FORMAT_GRPC_METADATA, metadata);
    const { traceId, spanId } = span.context();
    assert.deepEqual(metadata.toJSON(), {
      'uber-trace-id': [`${traceId}:${spanId}:0000000000000000:1`],
      traceparent: [`00-${traceId}-${spanId}-01`],
      'uberctx-session': ['x%20y'],
    });
    const ctx = t.extract(FORMAT_GRPC_METADATA, metadata);
    assert.equal(ctx?.traceId, traceId);
    assert.equal(ctx?.spanId, spanId);
    assert.deepEqual([...(ctx?.baggage ?? [])], [['session', 'x y']]);
  });

  it('reads Node request headers (arrays, any case), Maps and fetch Headers', () => {
    const t = tracer();
    const value = `${TRACE}:${SPAN}:0:1`;
    for (const carrier of [
      { 'Uber-Trace-Id': value },
      { 'uber-trace-id': [value, 'ignored'] },
      new Map([['uber-trace-id', value]]),
      new Headers({ 'uber-trace-id': value }),
    ]) {
      const ctx = t.extract(FORMAT_HTTP_HEADERS, carrier);
      assert.equal(ctx?.traceId, TRACE);
      assert.equal(ctx?.spanId, SPAN);
    }
    const out = new Headers();
    t.inject(t.startSpan('x').context(), FORMAT_HTTP_HEADERS, out);
    assert.deepEqual([...out.keys()], ['traceparent', 'uber-trace-id']);
  });

  it('continues a W3C trace from traceparent alone, passing tracestate on to children and downstream', () => {
    const t = tracer();
    const ctx = t.extract(FORMAT_HTTP_HEADERS, {
      traceparent: `00-${TRACE}-${SPAN}-00`,
      tracestate: ['vendor=abc', 'other=1'],
    });
    assert.ok(ctx);
    assert.equal(ctx.traceId, TRACE);
    assert.equal(ctx.spanId, SPAN);
    assert.equal(ctx.sampled, false);
    assert.equal(ctx.traceState, 'vendor=abc,other=1');
    const child = t.startSpan('child', { childOf: ctx });
    assert.equal(child.context().sampled, false);
    const headers: Record<string, string> = {};
    t.inject(child.context(), FORMAT_HTTP_HEADERS, headers);
    assert.deepEqual(headers, {
      'uber-trace-id': `${TRACE}:${child.context().spanId}:${SPAN}:0`,
      traceparent: `00-${TRACE}-${child.context().spanId}-00`,
      tracestate: 'vendor=abc,other=1',
    });
  });

  it('prefers the first configured format; tracestate only with the traceparent that is continued', () => {
    const other = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
    const headers = {
      'uber-trace-id': `${TRACE}:${SPAN}:0:1`,
      traceparent: `00-${other}-bbbbbbbbbbbbbbbb-01`,
      tracestate: 'v=1',
    };
    const jaegerFirst = tracer(['jaeger', 'w3c']).extract(FORMAT_HTTP_HEADERS, headers);
    assert.equal(jaegerFirst?.traceId, TRACE);
    assert.equal(jaegerFirst?.traceState, undefined);
    const w3cFirst = tracer(['w3c', 'jaeger']).extract(FORMAT_HTTP_HEADERS, headers);
    assert.equal(w3cFirst?.traceId, other);
    assert.equal(w3cFirst?.traceState, 'v=1');
    assert.equal(
      tracer(['w3c']).extract(FORMAT_HTTP_HEADERS, { 'uber-trace-id': headers['uber-trace-id'] }),
      null,
    );
    assert.equal(tracer(['jaeger']).extract(FORMAT_HTTP_HEADERS, { traceparent: headers.traceparent }), null);
  });

  it('falls back to traceparent when uber-trace-id is malformed', () => {
    const ctx = tracer().extract(FORMAT_HTTP_HEADERS, {
      'uber-trace-id': 'garbage',
      traceparent: `00-${TRACE}-${SPAN}-01`,
    });
    assert.equal(ctx?.traceId, TRACE);
  });

  it('never throws on malformed headers or carriers: the next span starts a new trace', () => {
    const t = tracer();
    const carriers: unknown[] = [
      undefined,
      null,
      'uber-trace-id',
      42,
      [],
      [['uber-trace-id', `${TRACE}:${SPAN}:0:1`]],
      {},
      { 'uber-trace-id': 'not:a:valid:header' },
      { 'uber-trace-id': `${TRACE}:${SPAN}:0` },
      { 'uber-trace-id': '%E0%A4%A' },
      { 'uber-trace-id': 17 },
      { 'uber-trace-id': { nested: true } },
      { traceparent: `00-${TRACE}-${SPAN}-01-extra` },
      { traceparent: `00-${TRACE.toUpperCase()}-${SPAN}-01` },
      {
        get 'uber-trace-id'(): string {
          throw new Error('getter');
        },
      },
    ];
    for (const [i, carrier] of carriers.entries()) {
      for (const format of [FORMAT_HTTP_HEADERS, FORMAT_TEXT_MAP, FORMAT_GRPC_METADATA]) {
        let ctx: JaegerSpanContext | null = null;
        assert.doesNotThrow(() => {
          ctx = t.extract(format, carrier) as JaegerSpanContext | null;
        }, `${format}, carrier ${i}`);
        assert.equal(ctx, null, `${format}, carrier ${i}`);
        const span = t.startSpan('new', ctx === null ? {} : { childOf: ctx });
        assert.notEqual(span.context().traceId, TRACE);
        assert.equal(span.context().parentId, undefined);
      }
    }
  });

  it('keeps baggage that arrives without a trace: it seeds the new root span', () => {
    const t = tracer();
    const ctx = t.extract(FORMAT_HTTP_HEADERS, {
      'uber-trace-id': 'broken',
      'uberctx-user': 'ann%20b',
      'jaeger-baggage': 'tenant=acme, user=ignored',
    });
    assert.ok(ctx);
    assert.equal(ctx.isValid, false);
    assert.equal(ctx.toTraceId(), '');
    assert.deepEqual(
      [...ctx.baggage],
      [
        ['user', 'ann b'],
        ['tenant', 'acme'],
      ],
    );
    const root = t.startSpan('root', { childOf: ctx });
    assert.equal(root.context().parentId, undefined);
    assert.equal(root.context().spanId, root.context().traceId.slice(16));
    assert.equal(root.getBaggageItem('tenant'), 'acme');
    assert.deepEqual(root.context().baggage.get('user'), 'ann b');
  });

  it('jaeger-debug-id: the new root span is sampled and debug, tagged with the ID', () => {
    const reporter = new InMemoryReporter();
    const t = new JaegerTracer({ process: createProcess('svc'), reporter, sampler: new ConstSampler(false) });
    const ctx = t.extract(FORMAT_HTTP_HEADERS, { 'jaeger-debug-id': 'find-me-42' });
    assert.ok(ctx);
    assert.equal(ctx.debugId, 'find-me-42');
    const root = t.startSpan('root', { childOf: ctx });
    assert.equal(root.context().flags, 3);
    root.finish();
    assert.deepEqual(reporter.spans[0]?.tags, [
      { key: 'jaeger-debug-id', type: 'string', value: 'find-me-42' },
    ]);
  });

  it('rejects carrier formats it does not know with UNSUPPORTED_FORMAT', () => {
    const t = tracer();
    for (const call of [
      () => t.inject(t.startSpan('x').context(), FORMAT_BINARY, {}),
      () => t.extract(FORMAT_BINARY, {}),
      () => t.extract('bogus', {}),
    ]) {
      assert.throws(call, (err: unknown) => err instanceof ClientError && err.code === 'UNSUPPORTED_FORMAT');
    }
  });
});
