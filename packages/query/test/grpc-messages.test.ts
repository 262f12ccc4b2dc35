// The hand-written query.proto codecs against protobufjs as the reference implementation: requests protobufjs
// encodes decode to the exact values expected, responses we encode decode in protobufjs to the exact objects
// expected, and malformed bytes fail with a DecodeError that says what is wrong, never anything else.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { DecodeError, decodeProtoSpan, type DecodeErrorCode, type Span } from '@skein/model';
import {
  decodeFindTracesRequest,
  decodeGetDependenciesRequest,
  decodeGetOperationsRequest,
  decodeGetServicesRequest,
  decodeGetTraceRequest,
  encodeGetDependenciesResponse,
  encodeGetOperationsResponse,
  encodeGetServicesResponse,
  encodeSpansResponseChunk,
  type FindTracesRequest,
  type GetDependenciesRequest,
  type GetOperationsRequest,
  type GetTraceRequest,
  type TraceQueryParameters,
} from '../src/grpc/messages.js';

// ---------------------------------------------------------------------------------------------------------------
// Reference schema: our query.proto fixture, importing the model package's model.proto fixture.

const MODEL_FIXTURES = fileURLToPath(new URL('../../model/test/fixtures/', import.meta.url));
const root = new protobuf.Root();
root.resolvePath = (origin, target) =>
  target === 'jaeger-model.proto'
    ? path.join(MODEL_FIXTURES, target)
    : protobuf.util.path.resolve(origin, target);
root.loadSync(fileURLToPath(new URL('./fixtures/jaeger-query.proto', import.meta.url)));
root.resolveAll();

const type = (name: string): protobuf.Type => root.lookupType(`jaeger.api_v2.${name}`);
const GetTraceRequestType = type('GetTraceRequest');
const FindTracesRequestType = type('FindTracesRequest');
const GetServicesRequestType = type('GetServicesRequest');
const GetOperationsRequestType = type('GetOperationsRequest');
const GetDependenciesRequestType = type('GetDependenciesRequest');
const SpansResponseChunkType = type('SpansResponseChunk');
const GetServicesResponseType = type('GetServicesResponse');
const GetOperationsResponseType = type('GetOperationsResponse');
const GetDependenciesResponseType = type('GetDependenciesResponse');
const SpanType = type('Span');

function pbEncode(t: protobuf.Type, obj: Record<string, unknown>): Uint8Array {
  return new Uint8Array(t.encode(t.fromObject(obj)).finish());
}

function pbDecode(t: protobuf.Type, buf: Uint8Array): Record<string, unknown> {
  return t.toObject(t.decode(buf), { longs: String, enums: Number, defaults: true, arrays: true });
}

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
const concat = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

/** Fields no query.proto message has, one per wire type, to append to a message: all must be skipped. */
const UNKNOWN_FIELDS = bytes(
  ...[0xf8, 0x01, 0x96, 0x01], // field 31 varint 150
  ...[0x81, 0x02, 1, 2, 3, 4, 5, 6, 7, 8], // field 32 fixed64
  ...[0x8a, 0x02, 0x03, 0x61, 0x62, 0x63], // field 33 bytes "abc"
  ...[0x95, 0x02, 9, 9, 9, 9], // field 34 fixed32
);

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const hexBytes = (hex: string): Buffer => Buffer.from(hex, 'hex');

function assertDecodeError(fn: () => unknown, code: DecodeErrorCode, message: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof DecodeError, `expected a DecodeError, got ${String(err)}`);
    assert.equal(err.message, message);
    assert.equal(err.code, code);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Requests

describe('decodeGetTraceRequest', () => {
  it('reads trace_id, start_time, end_time and raw_traces', () => {
    const buf = pbEncode(GetTraceRequestType, {
      traceId: hexBytes(TRACE),
      startTime: { seconds: 1_700_000_000, nanos: 123_456_789 },
      endTime: { seconds: 1_700_003_600, nanos: 999 },
      rawTraces: true,
    });
    assert.deepEqual(decodeGetTraceRequest(buf), {
      traceId: TRACE,
      startTime: 1_700_000_000_123_456,
      endTime: 1_700_003_600_000_000,
      rawTraces: true,
    } satisfies GetTraceRequest);
  });

  it('takes an 8-byte trace_id as a 64-bit ID and leaves absent times absent', () => {
    const buf = pbEncode(GetTraceRequestType, { traceId: hexBytes('00000000000abcde') });
    assert.deepEqual(decodeGetTraceRequest(buf), {
      traceId: '000000000000000000000000000abcde',
      rawTraces: false,
    });
  });

  it('reads an empty message as the all-zero trace ID, and skips unknown fields of every wire type', () => {
    assert.deepEqual(decodeGetTraceRequest(new Uint8Array(0)), { traceId: '0'.repeat(32), rawTraces: false });
    const buf = concat(
      UNKNOWN_FIELDS,
      pbEncode(GetTraceRequestType, { traceId: hexBytes(TRACE) }),
      UNKNOWN_FIELDS,
    );
    assert.deepEqual(decodeGetTraceRequest(buf), { traceId: TRACE, rawTraces: false });
  });

  it('reads times before the epoch and at the ends of the Timestamp range', () => {
    const buf = pbEncode(GetTraceRequestType, {
      traceId: hexBytes(TRACE),
      startTime: { seconds: -62_135_596_800, nanos: 0 },
      endTime: { seconds: -1, nanos: 500_000_000 },
    });
    assert.deepEqual(decodeGetTraceRequest(buf), {
      traceId: TRACE,
      startTime: -62_135_596_800_000_000,
      endTime: -500_000,
      rawTraces: false,
    });
    const last = pbEncode(GetTraceRequestType, { endTime: { seconds: 253_402_300_799, nanos: 999_999_999 } });
    // Past 2^53 µs (the year 2255) a JS number is no longer exact to the microsecond.
    const endTime = decodeGetTraceRequest(last).endTime ?? NaN;
    assert.ok(Math.abs(endTime - Number(253_402_300_799_999_999n)) <= 64, `end_time ${endTime}`);
  });
});

describe('decodeFindTracesRequest', () => {
  it('reads every TraceQueryParameters field, times and durations in µs', () => {
    const buf = pbEncode(FindTracesRequestType, {
      query: {
        serviceName: 'checkout',
        operationName: 'GET /cart',
        tags: { 'http.status_code': '5\\d\\d', error: 'true' },
        startTimeMin: { seconds: 1_700_000_000, nanos: 1_999 },
        startTimeMax: { seconds: 1_700_003_600, nanos: 0 },
        durationMin: { seconds: 0, nanos: 1_500_000 },
        durationMax: { seconds: 2, nanos: 250_000_999 },
        searchDepth: 20,
        rawTraces: true,
      },
    });
    assert.deepEqual(decodeFindTracesRequest(buf), {
      query: {
        serviceName: 'checkout',
        operationName: 'GET /cart',
        tags: [
          ['http.status_code', '5\\d\\d'],
          ['error', 'true'],
        ],
        startTimeMin: 1_700_000_000_000_001,
        startTimeMax: 1_700_003_600_000_000,
        durationMin: 1_500,
        durationMax: 2_250_000,
        searchDepth: 20,
        rawTraces: true,
      },
    } satisfies FindTracesRequest);
  });

  it('tells an absent query from an empty one, and leaves absent times and durations absent', () => {
    assert.deepEqual(decodeFindTracesRequest(new Uint8Array(0)), {});
    assert.deepEqual(decodeFindTracesRequest(UNKNOWN_FIELDS), {});
    const empty: TraceQueryParameters = {
      serviceName: '',
      operationName: '',
      tags: [],
      searchDepth: 0,
      rawTraces: false,
    };
    assert.deepEqual(decodeFindTracesRequest(bytes(0x0a, 0x00)), { query: empty });
    // A Timestamp/Duration present with zero value is present, as protobuf's field presence says.
    const zeros = pbEncode(FindTracesRequestType, {
      query: { startTimeMin: {}, durationMax: {} },
    });
    assert.deepEqual(decodeFindTracesRequest(zeros), {
      query: { ...empty, startTimeMin: 0, durationMax: 0 },
    });
  });

  it('reads a negative search_depth and negative durations', () => {
    const buf = pbEncode(FindTracesRequestType, {
      query: { searchDepth: -1, durationMin: { seconds: -1, nanos: -500_000_000 } },
    });
    // protobuf writes a negative int32 or int64 as a 10-byte varint
    assert.equal(buf.length, 2 + (1 + 10) + 2 + (1 + 10) + (1 + 10));
    assert.deepEqual(decodeFindTracesRequest(buf).query, {
      serviceName: '',
      operationName: '',
      tags: [],
      durationMin: -1_500_000,
      searchDepth: -1,
      rawTraces: false,
    });
  });

  it('merges a repeated query field, and keeps the last value of a repeated tag key', () => {
    // Concatenated messages are one message in protobuf: the two `query` fields merge.
    const buf = concat(
      pbEncode(FindTracesRequestType, {
        query: { serviceName: 'a', tags: { k: '1', j: '2' }, searchDepth: 5 },
      }),
      pbEncode(FindTracesRequestType, {
        query: { operationName: 'op', tags: { k: '3' }, startTimeMin: { seconds: 7 } },
      }),
    );
    assert.deepEqual(decodeFindTracesRequest(buf).query, {
      serviceName: 'a',
      operationName: 'op',
      tags: [
        ['k', '3'],
        ['j', '2'],
      ],
      startTimeMin: 7_000_000,
      searchDepth: 5,
      rawTraces: false,
    });
  });

  it('reads map entries with a missing key or value as empty strings', () => {
    // query { tags { value: "v" } tags { key: "k" } }
    const buf = bytes(0x0a, 0x0a, 0x1a, 0x03, 0x12, 0x01, 0x76, 0x1a, 0x03, 0x0a, 0x01, 0x6b);
    assert.deepEqual(decodeFindTracesRequest(buf).query?.tags, [
      ['', 'v'],
      ['k', ''],
    ]);
  });
});

describe('decodeGetOperationsRequest, decodeGetDependenciesRequest, decodeGetServicesRequest', () => {
  it('reads service and span_kind, including non-ASCII text', () => {
    const buf = pbEncode(GetOperationsRequestType, { service: 'café-☕-𝄞', spanKind: 'server' });
    assert.deepEqual(decodeGetOperationsRequest(concat(buf, UNKNOWN_FIELDS)), {
      service: 'café-☕-𝄞',
      spanKind: 'server',
    } satisfies GetOperationsRequest);
    assert.deepEqual(decodeGetOperationsRequest(new Uint8Array(0)), { service: '', spanKind: '' });
  });

  it('reads start_time and end_time', () => {
    const buf = pbEncode(GetDependenciesRequestType, {
      startTime: { seconds: 1_699_913_600 },
      endTime: { seconds: 1_700_000_000, nanos: 999_999_999 },
    });
    assert.deepEqual(decodeGetDependenciesRequest(buf), {
      startTime: 1_699_913_600_000_000,
      endTime: 1_700_000_000_999_999,
    } satisfies GetDependenciesRequest);
    assert.deepEqual(decodeGetDependenciesRequest(pbEncode(GetDependenciesRequestType, {})), {});
  });

  it('accepts an empty GetServicesRequest, or one with unknown fields, and nothing malformed', () => {
    assert.equal(pbEncode(GetServicesRequestType, {}).length, 0);
    decodeGetServicesRequest(new Uint8Array(0));
    decodeGetServicesRequest(UNKNOWN_FIELDS);
    assertDecodeError(
      () => decodeGetServicesRequest(bytes(0x0a, 0x05, 0x61)),
      'DECODE_BAD_LENGTH',
      'length-delimited field runs past the end of its message (at byte 1)',
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Malformed requests

describe('malformed requests', () => {
  const cases: [string, (buf: Uint8Array) => unknown, Uint8Array, DecodeErrorCode, string][] = [
    [
      'a known field with the wrong wire type',
      decodeGetTraceRequest,
      bytes(0x08, 0x01),
      'DECODE_BAD_TYPE',
      'GetTraceRequest field 1 has wire type 0, expected 2 (at byte 0)',
    ],
    [
      'a wrong wire type inside a Timestamp',
      decodeGetDependenciesRequest,
      bytes(0x0a, 0x03, 0x0a, 0x01, 0x00),
      'DECODE_BAD_TYPE',
      'google.protobuf.Timestamp field 1 has wire type 2, expected 0 (at byte 2)',
    ],
    [
      'a trace_id of 5 bytes',
      decodeGetTraceRequest,
      bytes(0x0a, 0x05, 1, 2, 3, 4, 5),
      'DECODE_BAD_LENGTH',
      'GetTraceRequest.trace_id must be 16 bytes (or 8), got 5 (at byte 1)',
    ],
    [
      'a length past the end of the input',
      decodeGetTraceRequest,
      bytes(0x0a, 0x10, 0x01),
      'DECODE_BAD_LENGTH',
      'length-delimited field runs past the end of its message (at byte 1)',
    ],
    [
      'a nested field running past its message',
      // query (4 bytes) { service_name (5 bytes) "abcde" }
      decodeFindTracesRequest,
      bytes(0x0a, 0x04, 0x0a, 0x05, 0x61, 0x62, 0x63, 0x64, 0x65),
      'DECODE_BAD_LENGTH',
      'length-delimited field runs past the end of its message (at byte 3)',
    ],
    [
      'a field key with no value',
      decodeGetTraceRequest,
      bytes(0x20),
      'DECODE_TRUNCATED',
      'input ends inside a field (at byte 1)',
    ],
    [
      'a varint cut short',
      decodeFindTracesRequest,
      bytes(0x0a, 0x02, 0x40, 0x80),
      'DECODE_TRUNCATED',
      'input ends inside a field (at byte 4)',
    ],
    [
      'an unknown fixed64 field cut short',
      decodeGetOperationsRequest,
      bytes(0x81, 0x02, 1, 2, 3),
      'DECODE_TRUNCATED',
      'input ends inside a field (at byte 5)',
    ],
    [
      'a varint of 11 bytes',
      decodeGetTraceRequest,
      bytes(0x20, ...new Array<number>(10).fill(0xff), 0x01),
      'DECODE_BAD_VALUE',
      'varint longer than 10 bytes (at byte 1)',
    ],
    [
      'field number 0',
      decodeGetServicesRequest,
      bytes(0x00, 0x01),
      'DECODE_BAD_VALUE',
      'field number 0 (at byte 0)',
    ],
    [
      'a group (wire type 3)',
      decodeGetOperationsRequest,
      bytes(0x7b, 0x7c),
      'DECODE_BAD_TYPE',
      'unsupported wire type 3 (at byte 1)',
    ],
    [
      'wire type 7',
      decodeGetDependenciesRequest,
      bytes(0x7f),
      'DECODE_BAD_TYPE',
      'unsupported wire type 7 (at byte 1)',
    ],
    [
      'invalid UTF-8 in service_name',
      decodeFindTracesRequest,
      bytes(0x0a, 0x03, 0x0a, 0x01, 0xff),
      'DECODE_BAD_VALUE',
      'TraceQueryParameters.service_name is not valid UTF-8 (at byte 3)',
    ],
    [
      'a UTF-16 surrogate encoded in UTF-8 in a tag value',
      // query { tags { key: "k" value: ED A0 80 } }
      decodeFindTracesRequest,
      bytes(0x0a, 0x0a, 0x1a, 0x08, 0x0a, 0x01, 0x6b, 0x12, 0x03, 0xed, 0xa0, 0x80),
      'DECODE_BAD_VALUE',
      'TraceQueryParameters.tags value is not valid UTF-8 (at byte 8)',
    ],
    [
      'a truncated UTF-8 sequence in span_kind',
      decodeGetOperationsRequest,
      bytes(0x12, 0x02, 0xe2, 0x98),
      'DECODE_BAD_VALUE',
      'GetOperationsRequest.span_kind is not valid UTF-8 (at byte 1)',
    ],
    [
      'Timestamp nanos of 1e9',
      decodeGetDependenciesRequest,
      pbEncode(GetDependenciesRequestType, { startTime: { seconds: 1, nanos: 1_000_000_000 } }),
      'DECODE_BAD_VALUE',
      'GetDependenciesRequest.start_time is out of range: seconds must be within 0001-01-01..9999-12-31 and nanos ' +
        'within 0..999999999 (at byte 2)',
    ],
    [
      'a Timestamp after 9999-12-31',
      decodeGetTraceRequest,
      pbEncode(GetTraceRequestType, { endTime: { seconds: 253_402_300_800 } }),
      'DECODE_BAD_VALUE',
      'GetTraceRequest.end_time is out of range: seconds must be within 0001-01-01..9999-12-31 and nanos ' +
        'within 0..999999999 (at byte 2)',
    ],
    [
      'a Duration with seconds and nanos of opposite signs',
      decodeFindTracesRequest,
      pbEncode(FindTracesRequestType, { query: { durationMax: { seconds: 1, nanos: -1 } } }),
      'DECODE_BAD_VALUE',
      'TraceQueryParameters.duration_max is out of range: at most 10000 years, with seconds and nanos of one sign ' +
        '(at byte 4)',
    ],
  ];
  for (const [name, decoder, buf, code, message] of cases) {
    it(`rejects ${name}`, () => assertDecodeError(() => decoder(buf), code, message));
  }

  it('rejects every strict prefix of a FindTracesRequest with a DecodeError', () => {
    const whole = pbEncode(FindTracesRequestType, {
      query: {
        serviceName: 'checkout',
        tags: { a: 'b' },
        startTimeMin: { seconds: 1_700_000_000 },
        startTimeMax: { seconds: 1_700_003_600 },
        durationMin: { nanos: 1000 },
        searchDepth: 20,
      },
    });
    // FindTracesRequest has one length-delimited field, so every non-empty strict prefix is truncated.
    for (let n = 1; n < whole.length; n++) {
      assert.throws(() => decodeFindTracesRequest(whole.subarray(0, n)), DecodeError, `prefix of ${n} bytes`);
    }
  });

  it('on mutated and random bytes, either fails with a DecodeError or agrees with protobufjs', () => {
    const rand = new Xorshift(0x9e3779b9);
    let agreed = 0;
    for (const { decoder, reference, valid } of DIFFERENTIAL) {
      for (let i = 0; i < 2000; i++) {
        const buf = i % 4 === 0 ? rand.bytes(1 + (i % 40)) : rand.mutate(valid);
        let ours: unknown;
        try {
          ours = decoder(buf);
        } catch (err) {
          assert.ok(err instanceof DecodeError, `input ${Buffer.from(buf).toString('hex')}: ${String(err)}`);
          continue;
        }
        assert.deepEqual(ours, reference(buf), `input ${Buffer.from(buf).toString('hex')}`);
        agreed++;
      }
    }
    assert.ok(agreed > 1000, `only ${agreed} of the inputs decoded`);
  });
});

/** xorshift32: deterministic bytes and mutations for the differential test. */
class Xorshift {
  constructor(private x: number) {}

  next(): number {
    this.x ^= this.x << 13;
    this.x ^= this.x >>> 17;
    this.x ^= this.x << 5;
    return this.x >>> 0;
  }

  bytes(n: number): Uint8Array {
    return Uint8Array.from({ length: n }, () => this.next() & 0xff);
  }

  /** One or two edits of `valid`: mostly a byte replaced, sometimes one removed or inserted. */
  mutate(valid: Uint8Array): Uint8Array {
    const out = [...valid];
    for (let edits = 1 + (this.next() % 2); edits > 0; edits--) {
      const at = this.next() % (out.length + 1);
      const op = this.next() % 8;
      if (op === 0) out.splice(at, 1);
      else if (op === 1 || at === out.length) out.splice(at, 0, this.next() & 0xff);
      else out[at] = this.next() & 0xff;
    }
    return Uint8Array.from(out);
  }
}

// Reference conversions from protobufjs objects, written independently of the codec.
interface PbTime {
  seconds: string;
  nanos: number;
}

function pbMicros(t: unknown): number | undefined {
  if (t === null || t === undefined) return undefined;
  const { seconds, nanos } = t as PbTime;
  return Number(BigInt(seconds) * 1_000_000n + BigInt(Math.trunc(nanos / 1000)));
}

function withDefined<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

const DIFFERENTIAL: {
  decoder: (buf: Uint8Array) => unknown;
  reference: (buf: Uint8Array) => unknown;
  valid: Uint8Array;
}[] = [
  {
    decoder: decodeGetTraceRequest,
    reference: (buf) => {
      const o = pbDecode(GetTraceRequestType, buf);
      const id = Buffer.from(o['traceId'] as Uint8Array).toString('hex');
      return withDefined({
        traceId: id.padStart(32, '0'),
        startTime: pbMicros(o['startTime']),
        endTime: pbMicros(o['endTime']),
        rawTraces: o['rawTraces'],
      });
    },
    valid: pbEncode(GetTraceRequestType, {
      traceId: hexBytes(TRACE),
      startTime: { seconds: 1_700_000_000, nanos: 5_000 },
      endTime: { seconds: 1_700_000_100 },
    }),
  },
  {
    // Tags compare as objects: protobufjs keeps a map as a plain object, whose key order is its own.
    decoder: (buf) => {
      const { query } = decodeFindTracesRequest(buf);
      return query && { ...query, tags: Object.fromEntries(query.tags) };
    },
    reference: (buf) => {
      const o = pbDecode(FindTracesRequestType, buf)['query'] as Record<string, unknown> | null;
      if (o === null) return undefined;
      return withDefined({
        serviceName: o['serviceName'],
        operationName: o['operationName'],
        tags: { ...(o['tags'] as Record<string, string>) },
        startTimeMin: pbMicros(o['startTimeMin']),
        startTimeMax: pbMicros(o['startTimeMax']),
        durationMin: pbMicros(o['durationMin']),
        durationMax: pbMicros(o['durationMax']),
        searchDepth: o['searchDepth'],
        rawTraces: o['rawTraces'],
      });
    },
    valid: pbEncode(FindTracesRequestType, {
      query: {
        serviceName: 'checkout',
        operationName: 'GET',
        tags: { a: 'b', error: 'true' },
        startTimeMin: { seconds: 1_700_000_000 },
        startTimeMax: { seconds: 1_700_003_600, nanos: 1 },
        durationMin: { nanos: 1000 },
        durationMax: { seconds: 3 },
        searchDepth: 20,
      },
    }),
  },
  {
    decoder: decodeGetOperationsRequest,
    reference: (buf) => {
      const o = pbDecode(GetOperationsRequestType, buf);
      return { service: o['service'], spanKind: o['spanKind'] };
    },
    valid: pbEncode(GetOperationsRequestType, { service: 'checkout', spanKind: 'server' }),
  },
  {
    decoder: decodeGetDependenciesRequest,
    reference: (buf) => {
      const o = pbDecode(GetDependenciesRequestType, buf);
      return withDefined({ startTime: pbMicros(o['startTime']), endTime: pbMicros(o['endTime']) });
    },
    valid: pbEncode(GetDependenciesRequestType, {
      startTime: { seconds: 1_699_913_600 },
      endTime: { seconds: 1_700_000_000, nanos: 999_999_999 },
    }),
  },
];

// ---------------------------------------------------------------------------------------------------------------
// Responses

function span(traceId: string, spanId: string, operationName: string): Span {
  return {
    traceId,
    spanId,
    operationName,
    references: [{ refType: 'CHILD_OF', traceId, spanId: '00f067aa0ba902b7' }],
    flags: 1,
    startTime: 1_700_000_000_123_456,
    duration: 1_500,
    tags: [
      { key: 'http.url', type: 'string', value: 'https://shop.example/cart?id=42' },
      { key: 'error', type: 'bool', value: true },
      { key: 'http.status_code', type: 'int64', value: 503n },
      { key: 'big', type: 'int64', value: -9_007_199_254_740_993n },
      { key: 'ratio', type: 'float64', value: 0.25 },
      { key: 'digest', type: 'binary', value: new Uint8Array([0, 1, 0xfe, 0xff]) },
    ],
    logs: [
      { timestamp: 1_700_000_000_124_000, fields: [{ key: 'event', type: 'string', value: 'cache miss' }] },
    ],
    process: {
      serviceName: 'checkout',
      tags: [{ key: 'hostname', type: 'string', value: 'web-7' }],
    },
  };
}

describe('encodeSpansResponseChunk', () => {
  it('writes each span as field 1, with its process, as protobufjs reads it', () => {
    const spans = [
      span(TRACE, '1111111111111111', 'GET /cart'),
      { ...span(TRACE, '2222222222222222', 'SELECT'), warnings: ['clock skew adjusted'] },
      // An operation name long enough that the span's length prefix takes more than one byte.
      span(TRACE, '3333333333333333', 'x'.repeat(300)),
    ];
    const chunk = encodeSpansResponseChunk(spans);
    const message = SpansResponseChunkType.decode(chunk) as unknown as { spans: protobuf.Message[] };
    assert.equal(message.spans.length, 3);
    const roundTripped = message.spans.map((s) => decodeProtoSpan(SpanType.encode(s).finish()));
    assert.deepEqual(roundTripped, spans);
    const first = pbDecode(SpansResponseChunkType, chunk)['spans'] as Record<string, unknown>[];
    assert.equal(Buffer.from(first[0]!['traceId'] as Uint8Array).toString('hex'), TRACE);
    assert.equal((first[0]!['process'] as Record<string, unknown>)['serviceName'], 'checkout');
    assert.equal(first[2]!['operationName'], 'x'.repeat(300));
  });

  it('writes nothing for no spans', () => {
    assert.equal(encodeSpansResponseChunk([]).length, 0);
  });
});

describe('encodeGetServicesResponse', () => {
  it('writes every name, empty and non-ASCII ones included', () => {
    const services = ['api', '', 'café-☕-𝄞', 's'.repeat(200)];
    assert.deepEqual(pbDecode(GetServicesResponseType, encodeGetServicesResponse(services)), { services });
    assert.deepEqual([...encodeGetServicesResponse(['ab'])], [0x0a, 0x02, 0x61, 0x62]);
    assert.equal(encodeGetServicesResponse([]).length, 0);
  });
});

describe('encodeGetOperationsResponse', () => {
  it('fills operations and the deprecated operationNames (each name once, first-seen order)', () => {
    const buf = encodeGetOperationsResponse([
      { name: 'GET /cart', spanKind: 'server' },
      { name: 'GET /cart', spanKind: 'client' },
      { name: 'db.query', spanKind: '' },
      { name: '', spanKind: 'internal' },
    ]);
    assert.deepEqual(pbDecode(GetOperationsResponseType, buf), {
      operationNames: ['GET /cart', 'db.query', ''],
      operations: [
        { name: 'GET /cart', spanKind: 'server' },
        { name: 'GET /cart', spanKind: 'client' },
        { name: 'db.query', spanKind: '' },
        { name: '', spanKind: 'internal' },
      ],
    });
    assert.equal(encodeGetOperationsResponse([]).length, 0);
  });
});

describe('encodeGetDependenciesResponse', () => {
  it('writes parent, child and call_count as uint64, across varint lengths', () => {
    const counts = [0, 1, 127, 128, 16_383, 16_384, 2 ** 31, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER];
    const buf = encodeGetDependenciesResponse(
      counts.map((callCount, i) => ({ parent: `p${i}`, child: i === 0 ? '' : 'db', callCount })),
    );
    assert.deepEqual(pbDecode(GetDependenciesResponseType, buf), {
      dependencies: counts.map((callCount, i) => ({
        parent: `p${i}`,
        child: i === 0 ? '' : 'db',
        callCount: String(callCount),
        source: '',
      })),
    });
    assert.deepEqual(
      [...encodeGetDependenciesResponse([{ parent: 'a', child: 'b', callCount: 300 }])],
      [0x0a, 0x09, 0x0a, 0x01, 0x61, 0x12, 0x01, 0x62, 0x18, 0xac, 0x02],
    );
  });

  it('refuses a call count that is not a non-negative safe integer', () => {
    assert.throws(() => encodeGetDependenciesResponse([{ parent: 'a', child: 'b', callCount: 1.5 }]), {
      name: 'RangeError',
      message: 'cannot encode 1.5 as a varint',
    });
  });
});
