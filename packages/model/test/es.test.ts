import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { esSpanDocumentId, fromEsSpan, toEsService, toEsSpan } from '../src/convert/es.js';
import type { EsSpan } from '../src/convert/es.js';
import { DecodeError } from '../src/errors.js';
import type { Span } from '../src/types.js';

const TRACE_64 = '0000000000000000a1b2c3d4e5f60718';
const TRACE_128 = '4bf92f3577b34da6a3ce929d0e0e4736';

function realisticSpan(traceId = TRACE_64): Span {
  return {
    traceId,
    spanId: '00f067aa0ba902b7',
    parentSpanId: '1111111111111111',
    operationName: 'GET /orders/{id}',
    references: [{ refType: 'FOLLOWS_FROM', traceId, spanId: '2222222222222222' }],
    flags: 1,
    startTime: 1_700_000_000_123_456,
    duration: 4_321,
    tags: [
      { key: 'http.method', type: 'string', value: 'GET' },
      { key: 'error', type: 'bool', value: true },
      { key: 'http.status_code', type: 'int64', value: 500n },
      { key: 'big', type: 'int64', value: 9_223_372_036_854_775_807n },
      { key: 'ratio', type: 'float64', value: 0.25 },
      { key: 'payload', type: 'binary', value: new Uint8Array([0x00, 0x0f, 0xab, 0xff]) },
    ],
    logs: [
      {
        timestamp: 1_700_000_000_124_000,
        fields: [
          { key: 'event', type: 'string', value: 'retry' },
          { key: 'attempt', type: 'int64', value: 2n },
        ],
      },
    ],
    process: {
      serviceName: 'orders',
      tags: [
        { key: 'hostname', type: 'string', value: 'orders-7d9f' },
        { key: 'jaeger.version', type: 'string', value: 'Go-2.30.0' },
      ],
    },
  };
}

const EXPECTED_TAGS = [
  { key: 'http.method', type: 'string', value: 'GET' },
  { key: 'error', type: 'bool', value: true },
  { key: 'http.status_code', type: 'int64', value: 500n },
  { key: 'big', type: 'int64', value: 9_223_372_036_854_775_807n },
  { key: 'ratio', type: 'float64', value: 0.25 },
  { key: 'payload', type: 'binary', value: '000fabff' },
];

describe('toEsSpan', () => {
  it('writes the document Jaeger writes for a span with a 64-bit trace ID', () => {
    assert.deepEqual(toEsSpan(realisticSpan()), {
      traceID: 'a1b2c3d4e5f60718',
      spanID: '00f067aa0ba902b7',
      parentSpanID: '1111111111111111',
      flags: 1,
      operationName: 'GET /orders/{id}',
      references: [
        { refType: 'CHILD_OF', traceID: 'a1b2c3d4e5f60718', spanID: '1111111111111111' },
        { refType: 'FOLLOWS_FROM', traceID: 'a1b2c3d4e5f60718', spanID: '2222222222222222' },
      ],
      startTime: 1_700_000_000_123_456,
      startTimeMillis: 1_700_000_000_123,
      duration: 4_321,
      tags: EXPECTED_TAGS,
      logs: [
        {
          timestamp: 1_700_000_000_124_000,
          fields: [
            { key: 'event', type: 'string', value: 'retry' },
            { key: 'attempt', type: 'int64', value: 2n },
          ],
        },
      ],
      process: {
        serviceName: 'orders',
        tags: [
          { key: 'hostname', type: 'string', value: 'orders-7d9f' },
          { key: 'jaeger.version', type: 'string', value: 'Go-2.30.0' },
        ],
      },
    });
  });

  it('keeps all 32 characters of a 128-bit trace ID, in references too', () => {
    const doc = toEsSpan(realisticSpan(TRACE_128));
    assert.equal(doc.traceID, TRACE_128);
    assert.deepEqual(doc.references, [
      { refType: 'CHILD_OF', traceID: TRACE_128, spanID: '1111111111111111' },
      { refType: 'FOLLOWS_FROM', traceID: TRACE_128, spanID: '2222222222222222' },
    ]);
  });

  it('adds no CHILD_OF when the parent is already referenced, and none without a parent', () => {
    const span = realisticSpan();
    span.references = [
      { refType: 'FOLLOWS_FROM', traceId: TRACE_64, spanId: '2222222222222222' },
      { refType: 'CHILD_OF', traceId: TRACE_64, spanId: '1111111111111111' },
    ];
    assert.deepEqual(toEsSpan(span).references, [
      { refType: 'FOLLOWS_FROM', traceID: 'a1b2c3d4e5f60718', spanID: '2222222222222222' },
      { refType: 'CHILD_OF', traceID: 'a1b2c3d4e5f60718', spanID: '1111111111111111' },
    ]);
    const root = realisticSpan();
    delete root.parentSpanId;
    root.references = [];
    const doc = toEsSpan(root);
    assert.deepEqual(doc.references, []);
    assert.equal('parentSpanID' in doc, false);
  });

  it('leaves out zero flags, writes non-finite floats as Go spells them and empty arrays as []', () => {
    const span: Span = {
      traceId: TRACE_64,
      spanId: '0000000000000001',
      operationName: 'op',
      references: [],
      flags: 0,
      startTime: 999,
      duration: 0,
      tags: [
        { key: 'nan', type: 'float64', value: NaN },
        { key: 'inf', type: 'float64', value: -Infinity },
      ],
      logs: [],
      process: { serviceName: 'svc', tags: [] },
    };
    assert.deepEqual(toEsSpan(span), {
      traceID: 'a1b2c3d4e5f60718',
      spanID: '0000000000000001',
      operationName: 'op',
      references: [],
      startTime: 999,
      startTimeMillis: 0,
      duration: 0,
      tags: [
        { key: 'nan', type: 'float64', value: 'NaN' },
        { key: 'inf', type: 'float64', value: '-Inf' },
      ],
      logs: [],
      process: { serviceName: 'svc', tags: [] },
    });
  });

  it('moves every tag but binaries into `tag` with all tags as fields, replacing dots', () => {
    const doc = toEsSpan(realisticSpan(), { tagsAsFields: { all: true, dotReplacement: '@' } });
    assert.deepEqual(doc.tags, [{ key: 'payload', type: 'binary', value: '000fabff' }]);
    assert.deepEqual(doc.tag, {
      'http@method': 'GET',
      error: true,
      'http@status_code': 500n,
      big: 9_223_372_036_854_775_807n,
      ratio: 0.25,
    });
    assert.deepEqual(doc.process, {
      serviceName: 'orders',
      tags: [],
      tag: { hostname: 'orders-7d9f', 'jaeger@version': 'Go-2.30.0' },
    });
    // Log fields are never fields.
    assert.deepEqual(doc.logs[0]?.fields, [
      { key: 'event', type: 'string', value: 'retry' },
      { key: 'attempt', type: 'int64', value: 2n },
    ]);
  });

  it('moves only the listed keys with an include list, span and process tags alike', () => {
    const include = new Set(['http.method', 'error', 'hostname', 'payload']);
    const doc = toEsSpan(realisticSpan(), { tagsAsFields: { all: false, include, dotReplacement: '_' } });
    assert.deepEqual(doc.tag, { http_method: 'GET', error: true });
    assert.deepEqual(doc.tags, EXPECTED_TAGS.slice(2));
    assert.deepEqual(doc.process, {
      serviceName: 'orders',
      tags: [{ key: 'jaeger.version', type: 'string', value: 'Go-2.30.0' }],
      tag: { hostname: 'orders-7d9f' },
    });
  });

  it('writes no `tag` object when no tag is chosen', () => {
    const doc = toEsSpan(realisticSpan(), {
      tagsAsFields: { all: false, include: new Set(['absent']), dotReplacement: '@' },
    });
    assert.equal('tag' in doc, false);
    assert.equal('tag' in doc.process, false);
    assert.deepEqual(doc.tags, EXPECTED_TAGS);
  });
});

describe('fromEsSpan', () => {
  // A span whose parent is also its first reference, as Jaeger clients send it, survives unchanged.
  function roundTripSpan(tagOrderForFields: boolean): Span {
    const span = realisticSpan(TRACE_128);
    span.references = [
      { refType: 'CHILD_OF', traceId: TRACE_128, spanId: '1111111111111111' },
      { refType: 'FOLLOWS_FROM', traceId: TRACE_128, spanId: '2222222222222222' },
    ];
    if (tagOrderForFields) {
      // Field tags are read back after nested ones, so the one nested tag (the binary) goes first.
      const payload = span.tags.find((kv) => kv.type === 'binary');
      span.tags = [...(payload ? [payload] : []), ...span.tags.filter((kv) => kv.type !== 'binary')];
    }
    return span;
  }

  it('reads back what toEsSpan wrote without tags as fields', () => {
    for (const traceId of [TRACE_64, TRACE_128]) {
      const span = roundTripSpan(false);
      span.traceId = traceId;
      span.references = span.references.map((ref) => ({ ...ref, traceId }));
      assert.deepEqual(fromEsSpan(toEsSpan(span)), span);
    }
  });

  it('reads back what toEsSpan wrote with all tags as fields', () => {
    const span = roundTripSpan(true);
    const doc = toEsSpan(span, { tagsAsFields: { all: true, dotReplacement: '@' } });
    assert.deepEqual(fromEsSpan(doc), span);
  });

  it('reads back what toEsSpan wrote with an include list and a custom dot replacement', () => {
    const span = roundTripSpan(false);
    span.tags = [...span.tags.slice(1), span.tags[0]!];
    const include = new Set(['http.method', 'jaeger.version']);
    const doc = toEsSpan(span, { tagsAsFields: { all: false, include, dotReplacement: '#' } });
    assert.deepEqual(doc.tag, { 'http#method': 'GET' });
    assert.deepEqual(fromEsSpan(doc, { dotReplacement: '#' }), span);
  });

  it('keeps the CHILD_OF Jaeger adds for a parent that no reference named', () => {
    const span = realisticSpan();
    const read = fromEsSpan(toEsSpan(span));
    assert.equal(read.parentSpanId, '1111111111111111');
    assert.deepEqual(read.references, [
      { refType: 'CHILD_OF', traceId: TRACE_64, spanId: '1111111111111111' },
      { refType: 'FOLLOWS_FROM', traceId: TRACE_64, spanId: '2222222222222222' },
    ]);
  });

  it('reads an integral number in `tag` as int64, as Jaeger does', () => {
    const doc = JSON.parse(
      '{"traceID":"1","spanID":"2","operationName":"op","references":[],"startTime":1,"startTimeMillis":0,' +
        '"duration":1,"tags":[],"tag":{"a@b":2.0,"c":2.5},"logs":[],"process":{"serviceName":"s","tags":[]}}',
    ) as EsSpan;
    assert.deepEqual(fromEsSpan(doc).tags, [
      { key: 'a.b', type: 'int64', value: 2n },
      { key: 'c', type: 'float64', value: 2.5 },
    ]);
  });

  it('decodes a document Jaeger 2.x wrote, nulls and parsed JSON included', () => {
    const doc = JSON.parse(`{
      "traceID": "00000000000000010000000000000000",
      "spanID": "0000000000000002",
      "parentSpanID": "0000000000000003",
      "flags": 1,
      "operationName": "test-general-conversion",
      "references": [
        {"refType": "CHILD_OF", "traceID": "00000000000000010000000000000000", "spanID": "0000000000000003"},
        {"refType": "FOLLOWS_FROM", "traceID": "00000000000000ff0000000000000000", "spanID": "00000000000000ff"}
      ],
      "startTime": 1485467191639875,
      "startTimeMillis": 1485467191639,
      "duration": 5,
      "tags": [
        {"key": "peer.service", "type": "string", "value": "service-y"},
        {"key": "peer.ipv4", "type": "int64", "value": 23456},
        {"key": "blob", "type": "binary", "value": "00003039"},
        {"key": "temperature", "type": "float64", "value": 72.5},
        {"key": "error", "type": "bool", "value": true}
      ],
      "tag": {"sampler@type": "const"},
      "logs": [{"timestamp": 1485467191639875, "fields": [{"key": "event", "type": "string", "value": "x"}]}],
      "process": {"serviceName": "service-x", "tags": null, "tag": {"host@name": "h1"}}
    }`) as EsSpan;
    assert.deepEqual(fromEsSpan(doc), {
      traceId: '00000000000000010000000000000000',
      spanId: '0000000000000002',
      parentSpanId: '0000000000000003',
      operationName: 'test-general-conversion',
      references: [
        { refType: 'CHILD_OF', traceId: '00000000000000010000000000000000', spanId: '0000000000000003' },
        { refType: 'FOLLOWS_FROM', traceId: '00000000000000ff0000000000000000', spanId: '00000000000000ff' },
      ],
      flags: 1,
      startTime: 1485467191639875,
      duration: 5,
      tags: [
        { key: 'peer.service', type: 'string', value: 'service-y' },
        { key: 'peer.ipv4', type: 'int64', value: 23456n },
        { key: 'blob', type: 'binary', value: new Uint8Array([0x00, 0x00, 0x30, 0x39]) },
        { key: 'temperature', type: 'float64', value: 72.5 },
        { key: 'error', type: 'bool', value: true },
        { key: 'sampler.type', type: 'string', value: 'const' },
      ],
      logs: [{ timestamp: 1485467191639875, fields: [{ key: 'event', type: 'string', value: 'x' }] }],
      process: { serviceName: 'service-x', tags: [{ key: 'host.name', type: 'string', value: 'h1' }] },
    });
  });

  it('decodes the all-strings values and short IDs of documents Jaeger wrote before 1.69', () => {
    const doc = JSON.parse(`{
      "traceID": "a1b2c3d4e5f60718", "spanID": "abc", "operationName": "op",
      "references": null, "startTime": 10, "startTimeMillis": 0, "duration": 2,
      "tags": [
        {"key": "i", "type": "int64", "value": "-9223372036854775808"},
        {"key": "f", "type": "float64", "value": "3.141592654"},
        {"key": "g", "type": "float64", "value": "1e+21"},
        {"key": "n", "type": "float64", "value": "NaN"},
        {"key": "b", "type": "bool", "value": "false"},
        {"key": "x", "type": "binary", "value": "DEADbeef"}
      ],
      "logs": [{"timestamp": 11, "fields": null}],
      "process": {"serviceName": "svc", "tags": []}
    }`) as EsSpan;
    const span = fromEsSpan(doc);
    assert.equal(span.traceId, TRACE_64);
    assert.equal(span.spanId, '0000000000000abc');
    assert.equal(span.flags, 0);
    assert.equal('parentSpanId' in span, false);
    assert.deepEqual(span.references, []);
    assert.deepEqual(span.logs, [{ timestamp: 11, fields: [] }]);
    assert.deepEqual(span.tags, [
      { key: 'i', type: 'int64', value: -9_223_372_036_854_775_808n },
      { key: 'f', type: 'float64', value: 3.141592654 },
      { key: 'g', type: 'float64', value: 1e21 },
      { key: 'n', type: 'float64', value: NaN },
      { key: 'b', type: 'bool', value: false },
      { key: 'x', type: 'binary', value: new Uint8Array([0xde, 0xad, 0xbe, 0xef]) },
    ]);
  });

  it('rejects malformed documents with DecodeError DECODE_BAD_VALUE naming the field', () => {
    const good = toEsSpan(realisticSpan());
    const cases: [unknown, RegExp][] = [
      [null, /document must be an object, got null/],
      ['text', /document must be an object/],
      [{ ...good, traceID: 'xyz' }, /traceID must be a trace ID of 1 to 32 hex characters, got "xyz"/],
      [{ ...good, traceID: 'a'.repeat(33) }, /traceID must be a trace ID/],
      [{ ...good, spanID: 7 }, /spanID must be a span ID of 1 to 16 hex characters, got 7/],
      [{ ...good, parentSpanID: 'nothex' }, /parentSpanID must be a span ID/],
      [{ ...good, operationName: undefined }, /operationName must be a string, got undefined/],
      [{ ...good, startTime: -1 }, /startTime must be a non-negative integer, got -1/],
      [{ ...good, duration: 1.5 }, /duration must be a non-negative integer/],
      [{ ...good, flags: 2 ** 32 }, /flags must be a non-negative integer/],
      [{ ...good, references: {} }, /references must be an array/],
      [
        { ...good, references: [{ refType: 'PARENT', traceID: '1', spanID: '2' }] },
        /references\[0\]\.refType/,
      ],
      [{ ...good, tags: [{ key: 'k', type: 'int32', value: 1 }] }, /tags\[0\]\.type must be string, bool/],
      [
        { ...good, tags: [{ key: 'k', type: 'int64', value: 1.5 }] },
        /tags\[0\]\.value must be a 64-bit integer/,
      ],
      [
        { ...good, tags: [{ key: 'k', type: 'int64', value: '9223372036854775808' }] },
        /tags\[0\]\.value must be a 64-bit integer/,
      ],
      [{ ...good, tags: [{ key: 'k', type: 'bool', value: 'yes' }] }, /tags\[0\]\.value must be a boolean/],
      [{ ...good, tags: [{ key: 'k', type: 'float64', value: '' }] }, /tags\[0\]\.value must be a number/],
      [
        { ...good, tags: [{ key: 'k', type: 'binary', value: 'abc' }] },
        /tags\[0\]\.value must be an even-length/,
      ],
      [{ ...good, tags: [{ key: 'k', type: 'string', value: 5 }] }, /tags\[0\]\.value must be a string/],
      [{ ...good, tags: [{ type: 'string', value: 'v' }] }, /tags\[0\]\.key must be a string/],
      [{ ...good, tag: { k: { nested: 1 } } }, /tag\.k must be a string, boolean or number/],
      [{ ...good, tag: [] }, /tag must be an object/],
      [{ ...good, logs: [{ timestamp: 'now', fields: [] }] }, /logs\[0\]\.timestamp/],
      [{ ...good, process: undefined }, /process must be an object/],
      [{ ...good, process: { tags: [] } }, /process\.serviceName must be a string/],
    ];
    for (const [doc, message] of cases) {
      assert.throws(
        () => fromEsSpan(doc as EsSpan),
        (err: unknown) => {
          assert.ok(err instanceof DecodeError, `expected DecodeError for ${message}`);
          assert.equal(err.code, 'DECODE_BAD_VALUE');
          assert.match(err.message, message);
          return true;
        },
      );
    }
  });

  it('turns a hostile document into DecodeError, never another exception', () => {
    const hostile = Object.defineProperty({ ...toEsSpan(realisticSpan()) }, 'tags', {
      get() {
        throw new RangeError('boom');
      },
    });
    assert.throws(() => fromEsSpan(hostile), {
      name: 'DecodeError',
      code: 'DECODE_BAD_VALUE',
      message: 'Elasticsearch span document could not be read: boom',
    });
  });
});

describe('toEsService and esSpanDocumentId', () => {
  it('writes the service:operation pair, with the span kind when the span has one', () => {
    assert.deepEqual(toEsService(realisticSpan()), {
      serviceName: 'orders',
      operationName: 'GET /orders/{id}',
    });
    const server = {
      ...realisticSpan(),
      tags: [{ key: 'span.kind', type: 'string' as const, value: 'server' }],
    };
    assert.deepEqual(toEsService(server), {
      serviceName: 'orders',
      operationName: 'GET /orders/{id}',
      spanKind: 'server',
    });
    const notString = {
      ...realisticSpan(),
      tags: [{ key: 'span.kind', type: 'bool' as const, value: true }],
    };
    assert.deepEqual(toEsService(notString), { serviceName: 'orders', operationName: 'GET /orders/{id}' });
  });

  it('gives a retried span the same _id and a different span sharing its IDs another', () => {
    const id = esSpanDocumentId(realisticSpan());
    assert.match(id, /^a1b2c3d4e5f60718_00f067aa0ba902b7_[0-9a-f]{16}$/);
    assert.equal(esSpanDocumentId(realisticSpan()), id);
    const withWarnings = { ...realisticSpan(), warnings: ['clock skew'] };
    assert.equal(esSpanDocumentId(withWarnings), id);
    const serverHalf = {
      ...realisticSpan(),
      tags: [{ key: 'span.kind', type: 'string' as const, value: 'server' }],
    };
    const other = esSpanDocumentId(serverHalf);
    assert.notEqual(other, id);
    assert.equal(other.slice(0, 34), id.slice(0, 34));
    assert.match(esSpanDocumentId(realisticSpan(TRACE_128)), new RegExp(`^${TRACE_128}_00f067aa0ba902b7_`));
  });
});
