// The OTLP → Jaeger mapping with exact values: every row of docs/agent.md's table, and per-span rejection.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { otlpToSpans, otlpValueJson } from '../src/otlp/to-spans.js';
import type { OtlpAnyValue, OtlpKeyValue, OtlpSpan, OtlpTraceRequest } from '../src/otlp/types.js';
import type { KeyValue, Span } from '../src/types.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';
const PARENT = 'b7ad6b7169203331';
const OTHER_TRACE = '0af7651916cd43dd8448eb211c80319c';

function otlpSpan(overrides: Partial<OtlpSpan> = {}): OtlpSpan {
  return {
    traceId: TRACE,
    spanId: SPAN,
    traceState: '',
    parentSpanId: '',
    flags: 0x101,
    name: 'op',
    kind: 0,
    startTimeUnixNano: 1_700_000_000_123_456_789n,
    endTimeUnixNano: 1_700_000_000_125_456_999n,
    attributes: [],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: 0, message: '' },
    ...overrides,
  };
}

const s = (value: string): OtlpAnyValue => ({ type: 'string', value });
const kv = (key: string, value: OtlpAnyValue): OtlpKeyValue => ({ key, value });

function request(
  spans: OtlpSpan[],
  resource: OtlpKeyValue[] = [kv('service.name', s('cart'))],
): OtlpTraceRequest {
  return {
    resourceSpans: [
      {
        resource: { attributes: resource, droppedAttributesCount: 0 },
        scopeSpans: [
          {
            scope: { name: '', version: '', attributes: [], droppedAttributesCount: 0 },
            spans,
            schemaUrl: '',
          },
        ],
        schemaUrl: '',
      },
    ],
  };
}

function only(req: OtlpTraceRequest): Span {
  const result = otlpToSpans(req);
  assert.equal(result.rejectedSpans, 0, result.errorMessage);
  assert.equal(result.spans.length, 1);
  return result.spans[0]!;
}

const tagsOf = (span: OtlpSpan): KeyValue[] => only(request([span])).tags;

describe('OTLP → Jaeger mapping', () => {
  it('maps a whole span to exact values', () => {
    const req: OtlpTraceRequest = {
      resourceSpans: [
        {
          resource: {
            attributes: [
              kv('host.name', s('web-7')),
              kv('service.name', s('checkout')),
              kv('process.pid', { type: 'int', value: 4242n }),
            ],
            droppedAttributesCount: 1,
          },
          scopeSpans: [
            {
              scope: {
                name: '@opentelemetry/instrumentation-http',
                version: '0.52.1',
                attributes: [kv('scope.attr', s('x'))],
                droppedAttributesCount: 0,
              },
              spans: [
                otlpSpan({
                  parentSpanId: PARENT,
                  traceState: 'rojo=00f067aa0ba902b7',
                  kind: 2,
                  attributes: [
                    kv('http.method', s('GET')),
                    kv('http.status_code', { type: 'int', value: 500n }),
                    kv('error', { type: 'bool', value: false }),
                  ],
                  droppedAttributesCount: 2,
                  events: [
                    {
                      timeUnixNano: 1_700_000_000_124_000_999n,
                      name: 'exception',
                      attributes: [kv('exception.message', s('boom'))],
                      droppedAttributesCount: 3,
                    },
                  ],
                  droppedEventsCount: 4,
                  links: [
                    {
                      traceId: OTHER_TRACE,
                      spanId: PARENT,
                      traceState: '',
                      attributes: [kv('ignored', s('x'))],
                      droppedAttributesCount: 0,
                      flags: 0,
                    },
                  ],
                  droppedLinksCount: 5,
                  status: { code: 2, message: 'Internal Server Error' },
                }),
              ],
              schemaUrl: '',
            },
          ],
          schemaUrl: '',
        },
      ],
    };
    const expected: Span = {
      traceId: TRACE,
      spanId: SPAN,
      parentSpanId: PARENT,
      operationName: 'op',
      references: [{ refType: 'FOLLOWS_FROM', traceId: OTHER_TRACE, spanId: PARENT }],
      flags: 1,
      startTime: 1_700_000_000_123_456,
      // (end - start) in nanoseconds, truncated to microseconds.
      duration: 2_000,
      tags: [
        { key: 'http.method', type: 'string', value: 'GET' },
        { key: 'http.status_code', type: 'int64', value: 500n },
        { key: 'span.kind', type: 'string', value: 'server' },
        { key: 'otel.status_code', type: 'string', value: 'ERROR' },
        { key: 'otel.status_description', type: 'string', value: 'Internal Server Error' },
        { key: 'error', type: 'bool', value: true },
        { key: 'otel.scope.name', type: 'string', value: '@opentelemetry/instrumentation-http' },
        { key: 'otel.scope.version', type: 'string', value: '0.52.1' },
        { key: 'scope.attr', type: 'string', value: 'x' },
        { key: 'w3c.tracestate', type: 'string', value: 'rojo=00f067aa0ba902b7' },
        { key: 'otel.dropped_attributes_count', type: 'int64', value: 2n },
        { key: 'otel.dropped_events_count', type: 'int64', value: 4n },
        { key: 'otel.dropped_links_count', type: 'int64', value: 5n },
      ],
      logs: [
        {
          timestamp: 1_700_000_000_124_000,
          fields: [
            { key: 'event', type: 'string', value: 'exception' },
            { key: 'exception.message', type: 'string', value: 'boom' },
            { key: 'otel.dropped_attributes_count', type: 'int64', value: 3n },
          ],
        },
      ],
      process: {
        serviceName: 'checkout',
        tags: [
          { key: 'host.name', type: 'string', value: 'web-7' },
          { key: 'process.pid', type: 'int64', value: 4242n },
          { key: 'otel.dropped_attributes_count', type: 'int64', value: 1n },
        ],
      },
    };
    assert.deepStrictEqual(otlpToSpans(req), { spans: [expected], rejectedSpans: 0, errorMessage: '' });
  });

  it('maps each span kind to span.kind, and unspecified or unknown kinds to no tag', () => {
    const kinds = [0, 1, 2, 3, 4, 5, 6, -1].map(
      (kind) => tagsOf(otlpSpan({ kind })).find((t) => t.key === 'span.kind')?.value,
    );
    assert.deepEqual(kinds, [
      undefined,
      'internal',
      'server',
      'client',
      'producer',
      'consumer',
      undefined,
      undefined,
    ]);
  });

  it('maps status: nothing for UNSET, OK with its description, ERROR with error=true replacing an error attribute', () => {
    const errorAttr = [kv('error', s('yes')), kv('a', s('b'))];
    assert.deepStrictEqual(
      tagsOf(otlpSpan({ attributes: errorAttr, status: { code: 0, message: 'ignored' } })),
      [
        { key: 'error', type: 'string', value: 'yes' },
        { key: 'a', type: 'string', value: 'b' },
      ],
    );
    assert.deepStrictEqual(tagsOf(otlpSpan({ status: { code: 1, message: 'fine' } })), [
      { key: 'otel.status_code', type: 'string', value: 'OK' },
      { key: 'otel.status_description', type: 'string', value: 'fine' },
    ]);
    assert.deepStrictEqual(tagsOf(otlpSpan({ attributes: errorAttr, status: { code: 2, message: '' } })), [
      { key: 'a', type: 'string', value: 'b' },
      { key: 'otel.status_code', type: 'string', value: 'ERROR' },
      { key: 'error', type: 'bool', value: true },
    ]);
    assert.deepStrictEqual(tagsOf(otlpSpan({ status: { code: 7, message: 'unknown code' } })), []);
  });

  it('maps attribute types: primitives keep their type, arrays and maps become JSON text', () => {
    const tags = tagsOf(
      otlpSpan({
        attributes: [
          kv('s', s('text')),
          kv('b', { type: 'bool', value: true }),
          kv('i', { type: 'int', value: -9_223_372_036_854_775_808n }),
          kv('d', { type: 'double', value: 0.25 }),
          kv('nan', { type: 'double', value: NaN }),
          kv('bytes', { type: 'bytes', value: Uint8Array.of(0, 1, 0xff) }),
          kv('empty', { type: 'empty' }),
          kv('strings', { type: 'array', value: [s('a'), s('"q"')] }),
          kv('mixed', {
            type: 'array',
            value: [
              { type: 'int', value: 9_007_199_254_740_993n },
              { type: 'double', value: 1.5 },
              { type: 'double', value: -Infinity },
              { type: 'bool', value: false },
              { type: 'bytes', value: Uint8Array.of(0xfb) },
              { type: 'empty' },
              { type: 'array', value: [] },
            ],
          }),
          kv('map', {
            type: 'kvlist',
            value: [
              kv('k', s('v')),
              kv('n', { type: 'kvlist', value: [kv('x', { type: 'int', value: 1n })] }),
            ],
          }),
        ],
      }),
    );
    assert.deepStrictEqual(tags, [
      { key: 's', type: 'string', value: 'text' },
      { key: 'b', type: 'bool', value: true },
      { key: 'i', type: 'int64', value: -9_223_372_036_854_775_808n },
      { key: 'd', type: 'float64', value: 0.25 },
      { key: 'nan', type: 'float64', value: NaN },
      { key: 'bytes', type: 'binary', value: Uint8Array.of(0, 1, 0xff) },
      { key: 'empty', type: 'string', value: '' },
      { key: 'strings', type: 'string', value: '["a","\\"q\\""]' },
      { key: 'mixed', type: 'string', value: '[9007199254740993,1.5,"-Infinity",false,"+w==",null,[]]' },
      { key: 'map', type: 'string', value: '{"k":"v","n":{"x":1}}' },
    ]);
    // What the JSON text says survives a round trip through JSON.parse, except beyond 2^53.
    assert.deepEqual(JSON.parse(tags[9]!.value as string), { k: 'v', n: { x: 1 } });
  });

  it('writes the JSON of every value type as the non-OTLP representation says', () => {
    assert.equal(otlpValueJson({ type: 'double', value: 1e21 }), '1e+21');
    assert.equal(otlpValueJson({ type: 'double', value: -0 }), '0');
    assert.equal(otlpValueJson({ type: 'string', value: 'line\nbreak\u0000' }), '"line\\nbreak\\u0000"');
    assert.equal(otlpValueJson({ type: 'kvlist', value: [] }), '{}');
  });

  it('names the process from service.name (any type), else unknown_service', () => {
    const name = (resource: OtlpKeyValue[]) => only(request([otlpSpan()], resource)).process.serviceName;
    assert.equal(name([kv('service.name', s('a')), kv('service.name', s('b'))]), 'a');
    assert.equal(name([kv('service.name', { type: 'int', value: 7n })]), '7');
    assert.equal(name([]), 'unknown_service');
    assert.equal(name([kv('service.name', s(''))]), 'unknown_service');
    // Every service.name attribute is the name, none is also a tag.
    assert.deepStrictEqual(
      only(request([otlpSpan()], [kv('service.name', s('a')), kv('service.name', s('b'))])).process.tags,
      [],
    );
  });

  it('gives the spans of one resource one shared process, and each resource its own', () => {
    const req = request([otlpSpan(), otlpSpan({ spanId: PARENT })]);
    req.resourceSpans.push({
      ...req.resourceSpans[0]!,
      resource: { attributes: [], droppedAttributesCount: 0 },
    });
    const { spans } = otlpToSpans(req);
    assert.equal(spans.length, 4);
    assert.equal(spans[0]!.process, spans[1]!.process);
    assert.notEqual(spans[1]!.process, spans[2]!.process);
    assert.equal(spans[2]!.process.serviceName, 'unknown_service');
  });

  it('uses an event attribute named event over the event name, and leaves out an empty name', () => {
    const logs = only(
      request([
        otlpSpan({
          events: [
            {
              timeUnixNano: 5_999n,
              name: 'named',
              attributes: [kv('event', s('from attribute'))],
              droppedAttributesCount: 0,
            },
            { timeUnixNano: 0n, name: '', attributes: [], droppedAttributesCount: 0 },
          ],
        }),
      ]),
    ).logs;
    assert.deepStrictEqual(logs, [
      { timestamp: 5, fields: [{ key: 'event', type: 'string', value: 'from attribute' }] },
      { timestamp: 0, fields: [] },
    ]);
  });

  it('keeps the parent as parentSpanId (a zero parent is none) and links as FOLLOWS_FROM, skipping invalid links', () => {
    const link = (traceId: string, spanId: string) => ({
      traceId,
      spanId,
      traceState: '',
      attributes: [],
      droppedAttributesCount: 0,
      flags: 0,
    });
    const span = only(
      request([
        otlpSpan({
          parentSpanId: PARENT,
          links: [
            link(TRACE, PARENT),
            link('', ''),
            link('0'.repeat(32), SPAN),
            link(TRACE, '0'.repeat(16)),
            link(OTHER_TRACE, SPAN),
          ],
        }),
      ]),
    );
    assert.equal(span.parentSpanId, PARENT);
    assert.deepStrictEqual(span.references, [
      { refType: 'FOLLOWS_FROM', traceId: TRACE, spanId: PARENT },
      { refType: 'FOLLOWS_FROM', traceId: OTHER_TRACE, spanId: SPAN },
    ]);
    assert.equal('parentSpanId' in only(request([otlpSpan({ parentSpanId: '0'.repeat(16) })])), false);
  });

  it('sets the sampled flag from W3C trace flags, counting unset flags as sampled', () => {
    const flags = [0, 0x01, 0x100, 0x101, 0x300, 0x301, 0x02].map(
      (f) => only(request([otlpSpan({ flags: f })])).flags,
    );
    assert.deepEqual(flags, [1, 1, 0, 1, 0, 1, 0]);
  });

  it('truncates times to microseconds and turns an end before the start into a zero duration', () => {
    const times = (start: bigint, end: bigint) => {
      const span = only(request([otlpSpan({ startTimeUnixNano: start, endTimeUnixNano: end })]));
      return [span.startTime, span.duration];
    };
    assert.deepEqual(times(1_999n, 3_998n), [1, 1]);
    assert.deepEqual(times(5_000_000n, 4_000_000n), [5_000, 0]);
    assert.deepEqual(times(1_000n, 0n), [1, 0]);
    assert.deepEqual(times(0n, 2n ** 64n - 1n), [0, Number((2n ** 64n - 1n) / 1000n)]);
  });

  it('rejects spans with invalid IDs one by one and says why, keeping the rest', () => {
    const bad = [
      otlpSpan({ traceId: '' }),
      otlpSpan({ traceId: '0'.repeat(32) }),
      otlpSpan({ traceId: TRACE.slice(2) }),
      otlpSpan({ traceId: 'S/kvNXezTaajzpKdDg5HNg==' }),
      otlpSpan({ spanId: '0'.repeat(16) }),
      otlpSpan({ spanId: `${SPAN}00` }),
      otlpSpan({ parentSpanId: 'abcd' }),
      otlpSpan({ spanId: 'zzzzzzzzzzzzzzzz' }),
    ];
    const req = request([otlpSpan(), ...bad, otlpSpan({ spanId: PARENT })]);
    const result = otlpToSpans(req);
    assert.deepEqual(
      result.spans.map((sp) => sp.spanId),
      [SPAN, PARENT],
    );
    assert.equal(result.rejectedSpans, 8);
    assert.equal(
      result.errorMessage,
      'rejected 8 of 10 spans with invalid IDs; first: resourceSpans[0].scopeSpans[0].spans[1]: ' +
        'trace_id must be 16 bytes (32 hex digits in OTLP/JSON)',
    );
    const reasons = bad.map((span) =>
      otlpToSpans(request([span])).errorMessage.replace(/^.*spans\[0\]: /, ''),
    );
    assert.deepEqual(reasons, [
      'trace_id must be 16 bytes (32 hex digits in OTLP/JSON)',
      'trace_id is all zeroes',
      'trace_id must be 16 bytes (32 hex digits in OTLP/JSON)',
      'trace_id must be 16 bytes (32 hex digits in OTLP/JSON)',
      'span_id is all zeroes',
      'span_id must be 8 bytes (16 hex digits in OTLP/JSON)',
      'parent_span_id must be 8 bytes (16 hex digits in OTLP/JSON)',
      'span_id must be 8 bytes (16 hex digits in OTLP/JSON)',
    ]);
  });

  it('maps an empty request to nothing', () => {
    assert.deepStrictEqual(otlpToSpans({ resourceSpans: [] }), {
      spans: [],
      rejectedSpans: 0,
      errorMessage: '',
    });
  });
});
