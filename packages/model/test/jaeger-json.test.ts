// Jaeger's jsonpb span encoding as its collector writes it to Kafka: exact decoding of a realistic message,
// the tolerance jsonpb has when reading, encode→decode round trips, and DecodeError for everything malformed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DecodeError } from '../src/errors.js';
import { decodeJaegerJsonSpan, encodeJaegerJsonSpan } from '../src/json/jaeger-json.js';
import type { KeyValue, Span } from '../src/types.js';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const TRACE_B64 = 'CvdlGRbNQ92ESOshHIAxnA==';

// What gogo jsonpb (default Marshaler) writes for a model.Span: camelCase, defaults omitted, enums by name,
// int64 as strings, IDs and bytes as base64, nanosecond timestamps, durations in seconds.
const KAFKA_MESSAGE = `{
  "traceId": "${TRACE_B64}",
  "spanId": "APBnqgupArc=",
  "operationName": "GET /api/orders/{id}",
  "references": [
    { "traceId": "${TRACE_B64}", "spanId": "t61rcWkgMzE=" },
    { "traceId": "AAAAAAAAAAAAAAAAAAAAKg==", "spanId": "AAAAAAAAAAE=", "refType": "FOLLOWS_FROM" }
  ],
  "flags": 1,
  "startTime": "2023-11-14T22:13:20.123456789Z",
  "duration": "1.500250s",
  "tags": [
    { "key": "http.method", "vStr": "GET" },
    { "key": "error", "vType": "BOOL", "vBool": true },
    { "key": "big", "vType": "INT64", "vInt64": "9007199254740993" },
    { "key": "negative", "vType": "INT64", "vInt64": "-9223372036854775808" },
    { "key": "ratio", "vType": "FLOAT64", "vFloat64": 0.25 },
    { "key": "nan", "vType": "FLOAT64", "vFloat64": "NaN" },
    { "key": "blob", "vType": "BINARY", "vBinary": "AAH+/w==" },
    { "key": "empty", "vType": "STRING" },
    { "key": "zero", "vType": "INT64" }
  ],
  "logs": [
    { "timestamp": "2023-11-14T22:13:20.200Z", "fields": [ { "key": "event", "vStr": "retry ✓" } ] }
  ],
  "process": {
    "serviceName": "orders",
    "tags": [ { "key": "hostname", "vStr": "orders-7f9c" }, { "key": "ip", "vType": "INT64", "vInt64": "167772161" } ]
  },
  "warnings": [ "clock skew adjusted" ]
}`;

const EXPECTED: Span = {
  traceId: TRACE,
  spanId: '00f067aa0ba902b7',
  operationName: 'GET /api/orders/{id}',
  references: [
    { refType: 'CHILD_OF', traceId: TRACE, spanId: 'b7ad6b7169203331' },
    { refType: 'FOLLOWS_FROM', traceId: '0000000000000000000000000000002a', spanId: '0000000000000001' },
  ],
  flags: 1,
  startTime: 1_700_000_000_123_456,
  duration: 1_500_250,
  tags: [
    { key: 'http.method', type: 'string', value: 'GET' },
    { key: 'error', type: 'bool', value: true },
    { key: 'big', type: 'int64', value: 9007199254740993n },
    { key: 'negative', type: 'int64', value: -9223372036854775808n },
    { key: 'ratio', type: 'float64', value: 0.25 },
    { key: 'nan', type: 'float64', value: NaN },
    { key: 'blob', type: 'binary', value: new Uint8Array([0, 1, 254, 255]) },
    { key: 'empty', type: 'string', value: '' },
    { key: 'zero', type: 'int64', value: 0n },
  ],
  logs: [{ timestamp: 1_700_000_000_200_000, fields: [{ key: 'event', type: 'string', value: 'retry ✓' }] }],
  process: {
    serviceName: 'orders',
    tags: [
      { key: 'hostname', type: 'string', value: 'orders-7f9c' },
      { key: 'ip', type: 'int64', value: 167772161n },
    ],
  },
  warnings: ['clock skew adjusted'],
};

function expectBadValue(input: string | Uint8Array): void {
  assert.throws(
    () => decodeJaegerJsonSpan(input),
    (err: unknown) => err instanceof DecodeError && err.code === 'DECODE_BAD_VALUE',
    `rejects ${typeof input === 'string' ? input.slice(0, 120) : 'bytes'}`,
  );
}

function minimal(fields: Record<string, unknown>): string {
  return JSON.stringify({ traceId: TRACE_B64, startTime: '2023-11-14T22:13:20Z', ...fields });
}

describe('Jaeger jsonpb span: decoding', () => {
  it('decodes a realistic Kafka message to exact values', () => {
    assert.deepEqual(decodeJaegerJsonSpan(KAFKA_MESSAGE), EXPECTED);
  });

  it('decodes the same message given as UTF-8 bytes', () => {
    assert.deepEqual(decodeJaegerJsonSpan(new TextEncoder().encode(KAFKA_MESSAGE)), EXPECTED);
  });

  it('fills the defaults jsonpb leaves out', () => {
    assert.deepEqual(decodeJaegerJsonSpan('{}'), {
      traceId: '00000000000000000000000000000000',
      spanId: '0000000000000000',
      operationName: '',
      references: [],
      flags: 0,
      startTime: 0,
      duration: 0,
      tags: [],
      logs: [],
      process: { serviceName: '', tags: [] },
    });
  });

  it('accepts what jsonpb accepts: proto names, nulls, enum numbers, quoted numbers, offsets, Go durations', () => {
    const span = decodeJaegerJsonSpan(
      JSON.stringify({
        trace_id: TRACE_B64,
        span_id: 'APBnqgupArc', // unpadded
        operation_name: null,
        references: [{ trace_id: TRACE_B64, span_id: 't61rcWkgMzE=', ref_type: 1 }],
        flags: '3',
        start_time: '2023-11-15T00:13:20.5+02:00',
        duration: '1m30.0000015s',
        tags: [
          { key: 'a', v_type: 2, v_int64: 42 },
          { key: 'b', vType: 'FLOAT64', vFloat64: '-Infinity' },
          { key: 'c', vType: 3, vFloat64: '1e3' },
          { key: 'd', vType: 'BINARY', vBinary: '-_8' }, // URL alphabet, unpadded
          { key: 'e', vType: 'BOOL', vBool: null },
          { key: 'f', vStr: 'x', vInt64: '7' }, // a value of another type is ignored
        ],
        logs: null,
        process: { service_name: 'svc', tags: null },
        processId: 'p1',
        someFutureField: { nested: [1, 2, 3] },
        warnings: [],
      }),
    );
    const tags: KeyValue[] = [
      { key: 'a', type: 'int64', value: 42n },
      { key: 'b', type: 'float64', value: -Infinity },
      { key: 'c', type: 'float64', value: 1000 },
      { key: 'd', type: 'binary', value: new Uint8Array([0xfb, 0xff]) },
      { key: 'e', type: 'bool', value: false },
      { key: 'f', type: 'string', value: 'x' },
    ];
    assert.deepEqual(span, {
      traceId: TRACE,
      spanId: '00f067aa0ba902b7',
      operationName: '',
      references: [{ refType: 'FOLLOWS_FROM', traceId: TRACE, spanId: 'b7ad6b7169203331' }],
      flags: 3,
      startTime: 1_700_000_000_500_000,
      duration: 90_000_001,
      tags,
      logs: [],
      process: { serviceName: 'svc', tags: [] },
    });
  });

  it('reads durations the way Go does, truncating to microseconds', () => {
    const cases: Array<[string, number]> = [
      ['0s', 0],
      ['0', 0],
      ['0.000100s', 100],
      ['0.001s', 1000],
      ['1.500s', 1_500_000],
      ['-0.000001s', -1],
      ['-1.5s', -1_500_000],
      ['999ns', 0],
      ['1500ns', 1],
      ['2us', 2],
      ['3µs', 3],
      ['1.5ms', 1500],
      ['1h1m1s', 3_661_000_000],
      ['+2m', 120_000_000],
      ['.5s', 500_000],
      // The largest Go duration: int64 nanoseconds.
      ['2562047h47m16.854775807s', Number(9_223_372_036_854_775n)],
    ];
    for (const [text, micros] of cases) {
      assert.equal(decodeJaegerJsonSpan(minimal({ duration: text })).duration, micros, text);
    }
  });

  it('reads RFC 3339 timestamps exactly, from year 1 to 9999', () => {
    const cases: Array<[string, number]> = [
      ['1970-01-01T00:00:00Z', 0],
      ['1969-12-31T23:59:59.999999Z', -1],
      ['2024-02-29T12:00:00.000001Z', 1_709_208_000_000_001],
      ['2023-11-14T22:13:20.123456789z', 1_700_000_000_123_456],
      ['2023-11-14T17:13:20-05:00', 1_700_000_000_000_000],
      ['0001-01-01T00:00:00Z', -62_135_596_800_000_000],
      ['9999-12-31T23:59:59Z', 253_402_300_799_000_000],
    ];
    for (const [text, micros] of cases) {
      assert.equal(decodeJaegerJsonSpan(minimal({ startTime: text })).startTime, micros, text);
    }
  });
});

describe('Jaeger jsonpb span: encoding', () => {
  it('writes exactly what gogo jsonpb writes', () => {
    const { tags: _unused, ...rest } = EXPECTED;
    const span: Span = {
      ...rest,
      tags: [
        { key: 'http.method', type: 'string', value: 'GET' },
        { key: 'error', type: 'bool', value: true },
        { key: 'big', type: 'int64', value: 9007199254740993n },
        { key: 'ratio', type: 'float64', value: 0.25 },
        { key: 'inf', type: 'float64', value: Infinity },
        { key: 'blob', type: 'binary', value: new Uint8Array([0, 1, 254, 255]) },
        { key: 'off', type: 'bool', value: false },
      ],
    };
    assert.equal(
      encodeJaegerJsonSpan(span),
      '{"traceId":"CvdlGRbNQ92ESOshHIAxnA==","spanId":"APBnqgupArc=","operationName":"GET /api/orders/{id}",' +
        '"references":[{"traceId":"CvdlGRbNQ92ESOshHIAxnA==","spanId":"t61rcWkgMzE="},' +
        '{"traceId":"AAAAAAAAAAAAAAAAAAAAKg==","spanId":"AAAAAAAAAAE=","refType":"FOLLOWS_FROM"}],' +
        '"flags":1,"startTime":"2023-11-14T22:13:20.123456Z","duration":"1.500250s",' +
        '"tags":[{"key":"http.method","vStr":"GET"},{"key":"error","vType":"BOOL","vBool":true},' +
        '{"key":"big","vType":"INT64","vInt64":"9007199254740993"},{"key":"ratio","vType":"FLOAT64","vFloat64":0.25},' +
        '{"key":"inf","vType":"FLOAT64","vFloat64":"Infinity"},{"key":"blob","vType":"BINARY","vBinary":"AAH+/w=="},' +
        '{"key":"off","vType":"BOOL"}],' +
        '"logs":[{"timestamp":"2023-11-14T22:13:20.200Z","fields":[{"key":"event","vStr":"retry ✓"}]}],' +
        '"process":{"serviceName":"orders","tags":[{"key":"hostname","vStr":"orders-7f9c"},' +
        '{"key":"ip","vType":"INT64","vInt64":"167772161"}]},"warnings":["clock skew adjusted"]}',
    );
  });

  it('omits zero-valued fields and trims fractions to 0, 3 or 6 digits', () => {
    const span = decodeJaegerJsonSpan('{}');
    assert.equal(
      encodeJaegerJsonSpan({ ...span, startTime: 1_000_000, duration: 0 }),
      '{"traceId":"AAAAAAAAAAAAAAAAAAAAAA==","startTime":"1970-01-01T00:00:01Z","process":{}}',
    );
    assert.equal(
      encodeJaegerJsonSpan({ ...span, duration: -1_500_000, process: { serviceName: '', tags: [] } }),
      '{"traceId":"AAAAAAAAAAAAAAAAAAAAAA==","startTime":"1970-01-01T00:00:00Z","duration":"-1.500s","process":{}}',
    );
    assert.match(encodeJaegerJsonSpan({ ...span, duration: -1 }), /"duration":"-0\.000001s"/);
    assert.match(
      encodeJaegerJsonSpan({
        ...span,
        process: { serviceName: '', tags: [{ key: 'k', type: 'string', value: 'v' }] },
      }),
      /"process":\{"tags":\[\{"key":"k","vStr":"v"\}\]\}/,
    );
  });

  it('round-trips 300 random spans', () => {
    let state = 7;
    const next = (): number => {
      // mulberry32
      state = (state + 0x6d2b79f5) >>> 0;
      let t = Math.imul(state ^ (state >>> 15), state | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
    const hexId = (bytes: number): string =>
      Array.from({ length: bytes * 2 }, () => '0123456789abcdef'[int(0, 15)]).join('');
    const text = (): string =>
      Array.from(
        { length: int(0, 10) },
        () => ['a', 'Z', ' ', '"', '\\', '\n', 'é', '中', '😀', '\u0001'][int(0, 9)],
      ).join('');
    const kv = (): KeyValue => {
      const key = text();
      switch (int(0, 4)) {
        case 0:
          return { key, type: 'string', value: text() };
        case 1:
          return { key, type: 'bool', value: next() < 0.5 };
        case 2:
          return {
            key,
            type: 'int64',
            value: BigInt.asIntN(64, BigInt(int(0, 2 ** 31)) * BigInt(int(-(2 ** 31), 2 ** 31))),
          };
        case 3:
          return {
            key,
            type: 'float64',
            value: [0, 1.5, -1e-300, 1e21, NaN, Infinity, next() * 1e6][int(0, 6)]!,
          };
        default:
          return { key, type: 'binary', value: Uint8Array.from({ length: int(0, 9) }, () => int(0, 255)) };
      }
    };
    const kvs = (max: number): KeyValue[] => Array.from({ length: int(0, max) }, kv);
    const time = (): number =>
      int(-9_000_000_000, 9_000_000_000) * 1e6 + [0, 1000 * int(0, 999), int(0, 999_999)][int(0, 2)]!;
    for (let i = 0; i < 300; i++) {
      const span: Span = {
        traceId: hexId(16),
        spanId: next() < 0.1 ? '0000000000000000' : hexId(8),
        operationName: text(),
        references: Array.from({ length: int(0, 2) }, () => ({
          refType: next() < 0.5 ? ('CHILD_OF' as const) : ('FOLLOWS_FROM' as const),
          traceId: hexId(16),
          spanId: hexId(8),
        })),
        flags: int(0, 0xffffffff),
        startTime: time(),
        duration: int(-10_000_000_000, 10_000_000_000),
        tags: kvs(5),
        logs: Array.from({ length: int(0, 2) }, () => ({ timestamp: time(), fields: kvs(3) })),
        process: { serviceName: text(), tags: kvs(3) },
      };
      if (next() < 0.3) span.warnings = [text(), text()];
      const json = encodeJaegerJsonSpan(span);
      assert.deepEqual(decodeJaegerJsonSpan(json), span, json);
    }
  });
});

describe('Jaeger jsonpb span: bad input', () => {
  it('rejects text that is not a JSON object', () => {
    for (const input of ['', '{', '{"traceId":}', 'null', '[]', '42', '"span"', '{"a":1}x'])
      expectBadValue(input);
    expectBadValue(new Uint8Array([0x7b, 0x22, 0xff, 0xfe]));
    expectBadValue('['.repeat(100_000) + ']'.repeat(100_000));
  });

  it('rejects malformed IDs', () => {
    for (const traceId of [
      'AAAA',
      'not base64!',
      42,
      'AAAAAAAAAAAAAAAAAAAAAAAAAAA=',
      'AAAAAAAAAAAAAAAAAAAAAQ=',
    ]) {
      expectBadValue(minimal({ traceId }));
    }
    for (const spanId of ['AAAAAAAAAAAAAAAA', 'AAAAAAAAAA=', 123, '*AAAAAAAAAA='])
      expectBadValue(minimal({ spanId }));
    expectBadValue(minimal({ references: [{ traceId: 'AAAA', spanId: 'AAAAAAAAAAE=' }] }));
  });

  it('rejects malformed times', () => {
    for (const startTime of [
      'yesterday',
      1700000000,
      '2023-02-29T00:00:00Z',
      '2023-11-14 22:13:20Z',
      '2023-11-14T24:00:00Z',
      '2023-11-14T22:13:60Z',
      '2023-11-14T22:13:20',
      '2023-11-14T22:13:20.Z',
      '0000-12-31T23:59:59Z',
      '10000-01-01T00:00:00Z',
    ]) {
      expectBadValue(minimal({ startTime }));
    }
    for (const duration of [
      '5',
      '1.5x',
      's',
      '.s',
      '-',
      '',
      100,
      '1e3s',
      '3000000h',
      '9223372036854775808ns',
    ]) {
      expectBadValue(minimal({ duration }));
    }
  });

  it('rejects wrongly typed and out-of-range fields', () => {
    const badTags: unknown[] = [
      'not an array',
      ['not an object'],
      [{ key: 'k', vType: 'TEXT' }],
      [{ key: 'k', vType: 9 }],
      [{ key: 'k', vType: 2, vInt64: '1.5' }],
      [{ key: 'k', vType: 2, vInt64: '9223372036854775808' }],
      [{ key: 'k', vType: 1, vBool: 'true' }],
      [{ key: 'k', vType: 3, vFloat64: 'fast' }],
      [{ key: 'k', vType: 4, vBinary: 'A' }],
      [{ key: 7, vStr: 'v' }],
    ];
    for (const tags of badTags) expectBadValue(minimal({ tags }));
    // JSON.parse would round this bare number; only a quoted int64 can be read exactly.
    expectBadValue('{"tags":[{"key":"k","vType":"INT64","vInt64":9007199254740993}]}');
    for (const flags of [-1, 1.5, 2 ** 32, 'one']) expectBadValue(minimal({ flags }));
    expectBadValue(minimal({ references: [{ traceId: TRACE_B64, refType: 'PARENT' }] }));
    expectBadValue(minimal({ process: 'orders' }));
    expectBadValue(minimal({ operationName: 5 }));
    expectBadValue(minimal({ logs: [{ timestamp: 'now' }] }));
    expectBadValue(minimal({ warnings: [1] }));
  });
});
