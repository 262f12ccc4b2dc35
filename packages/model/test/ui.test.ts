import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { stringifyUiJson, toUiTrace } from '../src/convert/ui.js';
import type { Process, Span, Trace } from '../src/types.js';

const TRACE = '00000000000000000000000000abcdef';

const frontend: Process = {
  serviceName: 'frontend',
  tags: [
    { key: 'hostname', type: 'string', value: 'web-1' },
    { key: 'ip', type: 'string', value: '10.0.0.1' },
  ],
};
// The same process as sent by another batch: equal tags in another order.
const frontendAgain: Process = { serviceName: 'frontend', tags: [...frontend.tags].reverse() };
const backend: Process = {
  serviceName: 'backend',
  tags: [{ key: 'hostname', type: 'string', value: 'api-1' }],
};

function span(fields: Partial<Span> & Pick<Span, 'spanId' | 'startTime' | 'process'>): Span {
  return {
    traceId: TRACE,
    operationName: 'op',
    references: [],
    flags: 1,
    duration: 10,
    tags: [],
    logs: [],
    ...fields,
  };
}

function sampleTrace(): Trace {
  const root = span({
    spanId: '0000000000000001',
    startTime: 1000,
    process: frontend,
    operationName: 'GET /',
    tags: [
      { key: 'http.method', type: 'string', value: 'GET' },
      { key: 'error', type: 'bool', value: false },
      { key: 'http.status_code', type: 'int64', value: 200n },
      { key: 'huge', type: 'int64', value: 9_007_199_254_740_993n },
      { key: 'load', type: 'float64', value: 0.75 },
      { key: 'raw', type: 'binary', value: new Uint8Array([0x00, 0x00, 0x30, 0x39]) },
    ],
    logs: [{ timestamp: 1005, fields: [{ key: 'event', type: 'string', value: 'start' }] }],
  });
  const render = span({
    spanId: '0000000000000002',
    parentSpanId: '0000000000000001',
    startTime: 1002,
    process: frontendAgain,
    operationName: 'render',
    flags: 0,
  });
  const call = span({
    spanId: '0000000000000003',
    startTime: 1001,
    process: backend,
    operationName: 'query',
    references: [
      { refType: 'FOLLOWS_FROM', traceId: TRACE, spanId: '0000000000000002' },
      { refType: 'CHILD_OF', traceId: TRACE, spanId: '0000000000000001' },
    ],
    warnings: ['span arrived late'],
  });
  const orphan = span({
    spanId: '0000000000000004',
    parentSpanId: '00000000000000ff',
    startTime: 1003,
    process: backend,
    operationName: 'orphan',
  });
  // An exact copy, as a retried write leaves in storage.
  const duplicate = { ...call, references: [...call.references] };
  return { traceId: TRACE, spans: [orphan, render, call, root, duplicate], warnings: ['trace truncated'] };
}

describe('toUiTrace', () => {
  it('produces the trace JSON of Jaeger’s /api/traces', () => {
    assert.deepEqual(toUiTrace(sampleTrace()), {
      traceID: '0000000000abcdef',
      spans: [
        {
          traceID: '0000000000abcdef',
          spanID: '0000000000000001',
          flags: 1,
          operationName: 'GET /',
          references: [],
          startTime: 1000,
          duration: 10,
          tags: [
            { key: 'http.method', type: 'string', value: 'GET' },
            { key: 'error', type: 'bool', value: false },
            { key: 'http.status_code', type: 'int64', value: 200 },
            { key: 'huge', type: 'int64', value: '9007199254740993' },
            { key: 'load', type: 'float64', value: 0.75 },
            { key: 'raw', type: 'binary', value: 'AAAwOQ==' },
          ],
          logs: [{ timestamp: 1005, fields: [{ key: 'event', type: 'string', value: 'start' }] }],
          processID: 'p1',
          warnings: null,
        },
        {
          traceID: '0000000000abcdef',
          spanID: '0000000000000003',
          flags: 1,
          operationName: 'query',
          references: [
            { refType: 'CHILD_OF', traceID: '0000000000abcdef', spanID: '0000000000000001' },
            { refType: 'FOLLOWS_FROM', traceID: '0000000000abcdef', spanID: '0000000000000002' },
          ],
          startTime: 1001,
          duration: 10,
          tags: [],
          logs: [],
          processID: 'p2',
          warnings: ['span arrived late'],
        },
        {
          traceID: '0000000000abcdef',
          spanID: '0000000000000002',
          operationName: 'render',
          references: [{ refType: 'CHILD_OF', traceID: '0000000000abcdef', spanID: '0000000000000001' }],
          startTime: 1002,
          duration: 10,
          tags: [],
          logs: [],
          processID: 'p1',
          warnings: null,
        },
        {
          traceID: '0000000000abcdef',
          spanID: '0000000000000004',
          flags: 1,
          operationName: 'orphan',
          references: [{ refType: 'CHILD_OF', traceID: '0000000000abcdef', spanID: '00000000000000ff' }],
          startTime: 1003,
          duration: 10,
          tags: [],
          logs: [],
          processID: 'p2',
          warnings: ['parent span ID=00000000000000ff is not in the trace; skipping clock skew adjustment'],
        },
      ],
      processes: {
        p1: {
          serviceName: 'frontend',
          tags: [
            { key: 'hostname', type: 'string', value: 'web-1' },
            { key: 'ip', type: 'string', value: '10.0.0.1' },
          ],
        },
        p2: { serviceName: 'backend', tags: [{ key: 'hostname', type: 'string', value: 'api-1' }] },
      },
      warnings: ['trace truncated'],
    });
  });

  it('keeps spans that share IDs but not content, and appends the parent warning to existing ones', () => {
    const a = span({
      spanId: '0000000000000009',
      parentSpanId: '0000000000000008',
      startTime: 5,
      process: backend,
    });
    const b = {
      ...a,
      tags: [{ key: 'span.kind', type: 'string' as const, value: 'server' }],
      warnings: ['w'],
    };
    const ui = toUiTrace({ traceId: TRACE, spans: [a, b] });
    assert.equal(ui.spans.length, 2);
    assert.deepEqual(ui.spans[1]?.warnings, [
      'w',
      'parent span ID=0000000000000008 is not in the trace; skipping clock skew adjustment',
    ]);
    assert.equal(ui.warnings, null);
    assert.deepEqual(Object.keys(ui.processes), ['p1']);
  });

  it('uses the 32-character form for a 128-bit trace ID and renders non-finite floats as Go spells them', () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const s = span({
      traceId,
      spanId: '0000000000000001',
      startTime: 1,
      process: backend,
      tags: [
        { key: 'nan', type: 'float64', value: NaN },
        { key: 'neg', type: 'int64', value: -9_007_199_254_740_991n },
        { key: 'low', type: 'int64', value: -9_007_199_254_740_992n },
      ],
    });
    const ui = toUiTrace({ traceId, spans: [s] });
    assert.equal(ui.traceID, traceId);
    assert.equal(ui.spans[0]?.traceID, traceId);
    assert.deepEqual(ui.spans[0]?.tags, [
      { key: 'nan', type: 'float64', value: 'NaN' },
      { key: 'neg', type: 'int64', value: -9_007_199_254_740_991 },
      { key: 'low', type: 'int64', value: '-9007199254740992' },
    ]);
  });
});

describe('stringifyUiJson', () => {
  it('writes a bigint beyond 2^53 as a bare number with every digit', () => {
    assert.equal(
      stringifyUiJson({ a: 9_223_372_036_854_775_807n, b: [-9_007_199_254_740_993n, 1], c: 'x' }),
      '{"a":9223372036854775807,"b":[-9007199254740993,1],"c":"x"}',
    );
  });

  it('is JSON.stringify for everything else, strings that look like markers included', () => {
    const value = { s: 'bigint:1', n: 1.5, t: true, u: undefined, z: null, nested: [{ k: 'v' }] };
    assert.equal(stringifyUiJson(value), JSON.stringify(value));
  });

  it('serialises a UI trace exactly, the unsafe int64 as Jaeger’s decimal string', () => {
    const ui = toUiTrace(sampleTrace());
    const text = stringifyUiJson(ui);
    assert.ok(text.includes('{"key":"huge","type":"int64","value":"9007199254740993"}'));
    assert.ok(text.includes('{"key":"http.status_code","type":"int64","value":200}'));
    assert.deepEqual(JSON.parse(text), ui);
  });
});
