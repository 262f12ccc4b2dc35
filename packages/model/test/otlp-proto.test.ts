// The hand-written OTLP/protobuf decoder against protobufjs as the reference, the OTLP/JSON decoder against the
// same requests written as OTLP/JSON, wire rules with exact bytes, and a fuzz run: untrusted bytes either decode
// or fail with a DecodeError, nothing else.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DecodeError } from '../src/errors.js';
import { decodeOtlpTraceRequestJson } from '../src/otlp/decode-json.js';
import { decodeOtlpTraceRequest } from '../src/otlp/decode-proto.js';
import type { OtlpSpan, OtlpTraceRequest } from '../src/otlp/types.js';
import {
  otlpJson,
  pbDecode,
  pbEncode,
  randomGen,
  randomRequest,
  referenceRequest,
  RequestType,
} from './support/otlp-reference.js';
import type { Gen } from './support/random.js';

// ---------------------------------------------------------------------------------------------------------------
// Hand-built wire bytes

function varint(v: bigint): number[] {
  const out: number[] = [];
  let n = BigInt.asUintN(64, v);
  while (n > 0x7fn) {
    out.push(Number(n & 0x7fn) | 0x80);
    n >>= 7n;
  }
  out.push(Number(n));
  return out;
}

function field(number: number, wireType: number, content: number[] | Uint8Array): number[] {
  const head = varint(BigInt((number << 3) | wireType));
  return wireType === 2 ? [...head, ...varint(BigInt(content.length)), ...content] : [...head, ...content];
}

const str = (s: string): number[] => [...Buffer.from(s, 'utf8')];
const fixed64 = (v: bigint): number[] => [...Buffer.from(new BigUint64Array([v]).buffer)];
const fixed32 = (v: number): number[] => [...Buffer.from(new Uint32Array([v]).buffer)];

/** One unknown field of every wire type, with field numbers no OTLP message uses. */
function unknownFields(): number[] {
  return [
    ...field(900, 0, varint(300n)),
    ...field(901, 1, [1, 2, 3, 4, 5, 6, 7, 8]),
    ...field(902, 2, str('?')),
    ...field(903, 5, [1, 2, 3, 4]),
  ];
}

const TRACE = Buffer.from('4bf92f3577b34da6a3ce929d0e0e4736', 'hex');
const SPAN = Buffer.from('00f067aa0ba902b7', 'hex');
const PARENT = Buffer.from('b7ad6b7169203331', 'hex');

function emptySpan(): OtlpSpan {
  return {
    traceId: '',
    spanId: '',
    traceState: '',
    parentSpanId: '',
    flags: 0,
    name: '',
    kind: 0,
    startTimeUnixNano: 0n,
    endTimeUnixNano: 0n,
    attributes: [],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: 0, message: '' },
  };
}

function oneSpan(span: number[]): Uint8Array {
  return Uint8Array.from(field(1, 2, field(2, 2, field(2, 2, span))));
}

function decodedSpan(request: OtlpTraceRequest): OtlpSpan {
  const span = request.resourceSpans[0]?.scopeSpans[0]?.spans[0];
  assert.ok(span);
  return span;
}

/**
 * A request whose first resource attribute nests `levels` array values: AnyValue{array_value: ArrayValue{values:
 * AnyValue{…}}}, written outside in, since wrapping inside out would copy the growing bytes at every level.
 */
function deeplyNested(levels: number): Uint8Array {
  const size = (n: number): number => (n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : 4);
  // lengths[i]: bytes of the i innermost wrappers (each one a field-5 array value around a field-1 element).
  const lengths = [0];
  for (let i = 0; i < 2 * levels; i++) lengths.push(1 + size(lengths[i]!) + lengths[i]!);
  const value = new Uint8Array(lengths[2 * levels]!);
  let pos = 0;
  for (let i = 2 * levels - 1; i >= 0; i--) {
    value[pos++] = i % 2 === 1 ? 0x2a : 0x0a;
    for (const b of varint(BigInt(lengths[i]!))) value[pos++] = b;
  }
  return Uint8Array.from(field(1, 2, field(1, 2, field(1, 2, field(2, 2, value)))));
}

function expectDecodeError(fn: () => unknown, code: string): DecodeError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof DecodeError, `expected DecodeError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail('expected a DecodeError');
}

// ---------------------------------------------------------------------------------------------------------------

describe('OTLP protobuf: decoding matches protobufjs', () => {
  it('ExportTraceServiceRequest, 400 random cases', () => {
    const g = randomGen(11);
    let spans = 0;
    for (let i = 0; i < 400; i++) {
      const bytes = pbEncode(RequestType, randomRequest(g));
      const expected = referenceRequest(pbDecode(RequestType, bytes));
      const decoded = decodeOtlpTraceRequest(bytes);
      assert.deepStrictEqual(decoded, expected, `case ${i}`);
      spans += decoded.resourceSpans.reduce(
        (n, rs) => n + rs.scopeSpans.reduce((m, ss) => m + ss.spans.length, 0),
        0,
      );
    }
    assert.ok(spans > 1000, `only ${spans} spans generated`);
  });

  it('reads from a Buffer view at a non-zero offset and copies bytes values out of it', () => {
    const bytes = pbEncode(RequestType, {
      resourceSpans: [
        {
          scopeSpans: [
            { spans: [{ attributes: [{ key: 'b', value: { bytesValue: Uint8Array.of(7, 8, 9) } }] }] },
          ],
        },
      ],
    });
    const pool = Buffer.alloc(bytes.length + 5);
    pool.set(bytes, 5);
    const decoded = decodeOtlpTraceRequest(pool.subarray(5));
    pool.fill(0);
    assert.deepStrictEqual(decodedSpan(decoded).attributes, [
      { key: 'b', value: { type: 'bytes', value: Uint8Array.of(7, 8, 9) } },
    ]);
  });
});

describe('OTLP/JSON: decodes to what the protobuf decoder gives for the same request', () => {
  it('400 random requests, written with the variations OTLP/JSON allows', () => {
    const g = randomGen(13);
    for (let i = 0; i < 400; i++) {
      const bytes = pbEncode(RequestType, randomRequest(g));
      const json = otlpJson(bytes, g);
      assert.deepStrictEqual(
        decodeOtlpTraceRequestJson(json),
        decodeOtlpTraceRequest(bytes),
        `case ${i}: ${json}`,
      );
      assert.deepStrictEqual(decodeOtlpTraceRequestJson(Buffer.from(json)), decodeOtlpTraceRequest(bytes));
    }
  });

  it('reads one span to exact values', () => {
    const json = JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'cart' } }] },
          scopeSpans: [
            {
              scope: { name: 'lib', version: '2.0' },
              spans: [
                {
                  traceId: '4BF92F3577B34DA6A3CE929D0E0E4736',
                  spanId: '00f067aa0ba902b7',
                  parentSpanId: '',
                  name: 'GET /cart',
                  kind: 2,
                  startTimeUnixNano: '1700000000123456789',
                  endTimeUnixNano: 'END',
                  flags: 257,
                  attributes: [
                    { key: 'big', value: { intValue: '-9223372036854775808' } },
                    { key: 'small', value: { intValue: 42 } },
                    { key: 'ratio', value: { doubleValue: 'NaN' } },
                    { key: 'inf', value: { doubleValue: '-Infinity' } },
                    { key: 'raw', value: { bytesValue: 'AAH+/w==' } },
                    { key: 'url-safe', value: { bytesValue: '-_8' } },
                    { key: 'none', value: {} },
                    { key: 'missing' },
                  ],
                  events: [{ timeUnixNano: '1700000000123999999', name: 'miss' }],
                  links: [{ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), flags: 1 }],
                  status: { code: 'STATUS_CODE_ERROR', message: 'boom' },
                },
              ],
            },
          ],
        },
      ],
    });
    // A bare JSON number beyond 2^53, which JSON.stringify cannot write from a literal without rounding it first.
    const decoded = decodeOtlpTraceRequestJson(json.replace('"END"', '1700000000223456789'));
    assert.deepStrictEqual(decoded.resourceSpans[0]!.resource, {
      attributes: [{ key: 'service.name', value: { type: 'string', value: 'cart' } }],
      droppedAttributesCount: 0,
    });
    assert.deepStrictEqual(decoded.resourceSpans[0]!.scopeSpans[0]!.scope, {
      name: 'lib',
      version: '2.0',
      attributes: [],
      droppedAttributesCount: 0,
    });
    assert.deepStrictEqual(decodedSpan(decoded), {
      ...emptySpan(),
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      name: 'GET /cart',
      kind: 2,
      startTimeUnixNano: 1700000000123456789n,
      // A bare JSON number this large is rounded by JSON.parse to the nearest double.
      endTimeUnixNano: 1700000000223456768n,
      flags: 257,
      attributes: [
        { key: 'big', value: { type: 'int', value: -9223372036854775808n } },
        { key: 'small', value: { type: 'int', value: 42n } },
        { key: 'ratio', value: { type: 'double', value: NaN } },
        { key: 'inf', value: { type: 'double', value: -Infinity } },
        { key: 'raw', value: { type: 'bytes', value: Uint8Array.of(0, 1, 0xfe, 0xff) } },
        { key: 'url-safe', value: { type: 'bytes', value: Uint8Array.of(0xfb, 0xff) } },
        { key: 'none', value: { type: 'empty' } },
        { key: 'missing', value: { type: 'empty' } },
      ],
      events: [
        { timeUnixNano: 1700000000123999999n, name: 'miss', attributes: [], droppedAttributesCount: 0 },
      ],
      links: [
        {
          traceId: 'ab'.repeat(16),
          spanId: 'cd'.repeat(8),
          traceState: '',
          attributes: [],
          droppedAttributesCount: 0,
          flags: 1,
        },
      ],
      status: { code: 2, message: 'boom' },
    });
  });

  it('keeps IDs that are not hex as sent, for the mapping to reject that one span', () => {
    const decoded = decodeOtlpTraceRequestJson(
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"S/kvNXezTaajzpKdDg5HNg==","spanId":"zz"}]}]}]}',
    );
    assert.equal(decodedSpan(decoded).traceId, 's/kvnxeztaajzpkddg5hng==');
    assert.equal(decodedSpan(decoded).spanId, 'zz');
  });

  it('takes null and absent alike, and an empty object as an empty request', () => {
    assert.deepStrictEqual(decodeOtlpTraceRequestJson('{}'), { resourceSpans: [] });
    assert.deepStrictEqual(decodeOtlpTraceRequestJson('{"resourceSpans":null}'), { resourceSpans: [] });
    const decoded = decodeOtlpTraceRequestJson(
      '{"resourceSpans":[{"resource":null,"scopeSpans":[{"scope":null,"spans":[{"traceId":null,"kind":null,' +
        '"status":null,"attributes":null,"events":null,"links":null,"startTimeUnixNano":null}]}]}]}',
    );
    assert.deepStrictEqual(decodedSpan(decoded), emptySpan());
  });

  const bad: Array<[string, string, string]> = [
    ['text that is not JSON', '{"resourceSpans":[', 'DECODE_BAD_VALUE'],
    ['a JSON array', '[]', 'DECODE_BAD_VALUE'],
    ['a JSON string', '"x"', 'DECODE_BAD_VALUE'],
    ['resourceSpans that is an object', '{"resourceSpans":{}}', 'DECODE_BAD_VALUE'],
    ['a span that is a number', '{"resourceSpans":[{"scopeSpans":[{"spans":[1]}]}]}', 'DECODE_BAD_VALUE'],
    [
      'a numeric traceId',
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":1}]}]}]}',
      'DECODE_BAD_VALUE',
    ],
    [
      'a kind that is not an enum value',
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"kind":"SERVER"}]}]}]}',
      'DECODE_BAD_VALUE',
    ],
    [
      'a negative timestamp',
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":"-1"}]}]}]}',
      'DECODE_BAD_VALUE',
    ],
    [
      'a timestamp past 2^64',
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"endTimeUnixNano":"18446744073709551616"}]}]}]}',
      'DECODE_BAD_VALUE',
    ],
    [
      'a fractional count',
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"droppedEventsCount":1.5}]}]}]}',
      'DECODE_BAD_VALUE',
    ],
    [
      'an intValue beyond 2^53 as a bare number',
      '{"resourceSpans":[{"resource":{"attributes":[{"key":"n","value":{"intValue":9007199254740993}}]}}]}',
      'DECODE_BAD_VALUE',
    ],
    [
      'an intValue beyond int64',
      '{"resourceSpans":[{"resource":{"attributes":[{"key":"n","value":{"intValue":"9223372036854775808"}}]}}]}',
      'DECODE_BAD_VALUE',
    ],
    [
      'a value with two members',
      '{"resourceSpans":[{"resource":{"attributes":[{"key":"n","value":{"intValue":"1","stringValue":"1"}}]}}]}',
      'DECODE_BAD_VALUE',
    ],
    [
      'bytes that are not base64',
      '{"resourceSpans":[{"resource":{"attributes":[{"key":"b","value":{"bytesValue":"a*b="}}]}}]}',
      'DECODE_BAD_VALUE',
    ],
    [
      'a boolValue string',
      '{"resourceSpans":[{"resource":{"attributes":[{"key":"b","value":{"boolValue":"true"}}]}}]}',
      'DECODE_BAD_VALUE',
    ],
  ];
  for (const [what, json, code] of bad) {
    it(`rejects ${what} with ${code}`, () => {
      expectDecodeError(() => decodeOtlpTraceRequestJson(json), code);
    });
  }

  it('names the JSON path of a bad value', () => {
    const err = expectDecodeError(
      () =>
        decodeOtlpTraceRequestJson(
          '{"resourceSpans":[{},{"scopeSpans":[{"spans":[{},{"events":[{"timeUnixNano":true}]}]}]}]}',
        ),
      'DECODE_BAD_VALUE',
    );
    assert.equal(
      err.message,
      'resourceSpans[1].scopeSpans[0].spans[1].events[0].timeUnixNano must be a uint64 (a decimal string or a number)',
    );
  });

  it('refuses values nested deeper than 32 levels with DECODE_TOO_DEEP', () => {
    const nest = (n: number): string =>
      '{"arrayValue":{"values":['.repeat(n) + '{"intValue":"1"}' + ']}}'.repeat(n);
    const request = (n: number) =>
      `{"resourceSpans":[{"resource":{"attributes":[{"key":"deep","value":${nest(n)}}]}}]}`;
    assert.doesNotThrow(() => decodeOtlpTraceRequestJson(request(31)));
    expectDecodeError(() => decodeOtlpTraceRequestJson(request(32)), 'DECODE_TOO_DEEP');
    expectDecodeError(() => decodeOtlpTraceRequestJson(request(100_000)), 'DECODE_TOO_DEEP');
  });

  it('refuses more spans than maxSpans with DECODE_BAD_LENGTH', () => {
    const json = `{"resourceSpans":[{"scopeSpans":[{"spans":[{},{},{}]}]}]}`;
    assert.doesNotThrow(() => decodeOtlpTraceRequestJson(json, { maxSpans: 3 }));
    const err = expectDecodeError(
      () => decodeOtlpTraceRequestJson(json, { maxSpans: 2 }),
      'DECODE_BAD_LENGTH',
    );
    assert.equal(err.message, 'request holds more than 2 spans; send smaller batches');
  });
});

describe('OTLP protobuf: wire rules', () => {
  it('decodes a hand-built span to exact values, skipping unknown fields of every wire type at every level', () => {
    const anyInt = [...unknownFields(), ...field(3, 0, varint(-2n))];
    const kv = [...field(1, 2, str('k')), ...unknownFields(), ...field(2, 2, anyInt)];
    const event = [
      ...field(1, 1, fixed64(1_700_000_000_500_000_000n)),
      ...unknownFields(),
      ...field(2, 2, str('e')),
      ...field(3, 2, kv),
      ...field(4, 0, varint(2n)),
    ];
    const link = [
      ...field(1, 2, TRACE),
      ...field(2, 2, PARENT),
      ...field(3, 2, str('a=b')),
      ...unknownFields(),
      ...field(4, 2, kv),
      ...field(5, 0, varint(1n)),
      ...field(6, 5, fixed32(0x301)),
    ];
    const status = [
      ...field(1, 0, varint(1n)),
      ...unknownFields(),
      ...field(2, 2, str('bad')),
      ...field(3, 0, [2]),
    ];
    const span = [
      ...unknownFields(),
      ...field(1, 2, TRACE),
      ...field(2, 2, SPAN),
      ...field(3, 2, str('rojo=1')),
      ...field(4, 2, PARENT),
      ...field(16, 5, fixed32(0x101)),
      ...field(5, 2, str('op')),
      ...field(6, 0, [3]),
      ...field(7, 1, fixed64(1_700_000_000_000_000_001n)),
      ...field(8, 1, fixed64(0xffffffffffffffffn)),
      ...field(9, 2, kv),
      ...field(10, 0, varint(4n)),
      ...field(11, 2, event),
      ...field(12, 0, varint(5n)),
      ...field(13, 2, link),
      ...field(14, 0, varint(6n)),
      ...field(15, 2, status),
      ...unknownFields(),
    ];
    const scope = [
      ...field(1, 2, str('lib')),
      ...unknownFields(),
      ...field(2, 2, str('1.0')),
      ...field(3, 2, kv),
      ...field(4, 0, [7]),
    ];
    const scopeSpans = [
      ...field(1, 2, scope),
      ...unknownFields(),
      ...field(2, 2, span),
      ...field(3, 2, str('s')),
    ];
    const resource = [...field(1, 2, kv), ...unknownFields(), ...field(2, 0, [8]), ...field(3, 2, str('x'))];
    const resourceSpans = [
      ...unknownFields(),
      ...field(1, 2, resource),
      ...field(2, 2, scopeSpans),
      ...field(3, 2, str('r')),
    ];
    const request = Uint8Array.from([...unknownFields(), ...field(1, 2, resourceSpans), ...unknownFields()]);
    const attribute = { key: 'k', value: { type: 'int' as const, value: -2n } };
    assert.deepStrictEqual(decodeOtlpTraceRequest(request), {
      resourceSpans: [
        {
          resource: { attributes: [attribute], droppedAttributesCount: 8 },
          scopeSpans: [
            {
              scope: { name: 'lib', version: '1.0', attributes: [attribute], droppedAttributesCount: 7 },
              spans: [
                {
                  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
                  spanId: '00f067aa0ba902b7',
                  traceState: 'rojo=1',
                  parentSpanId: 'b7ad6b7169203331',
                  flags: 0x101,
                  name: 'op',
                  kind: 3,
                  startTimeUnixNano: 1_700_000_000_000_000_001n,
                  endTimeUnixNano: 18446744073709551615n,
                  attributes: [attribute],
                  droppedAttributesCount: 4,
                  events: [
                    {
                      timeUnixNano: 1_700_000_000_500_000_000n,
                      name: 'e',
                      attributes: [attribute],
                      droppedAttributesCount: 2,
                    },
                  ],
                  droppedEventsCount: 5,
                  links: [
                    {
                      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
                      spanId: 'b7ad6b7169203331',
                      traceState: 'a=b',
                      attributes: [attribute],
                      droppedAttributesCount: 1,
                      flags: 0x301,
                    },
                  ],
                  droppedLinksCount: 6,
                  status: { code: 2, message: 'bad' },
                },
              ],
              schemaUrl: 's',
            },
          ],
          schemaUrl: 'r',
        },
      ],
    });
  });

  it('reads instrumentation_library_spans (field 1000, OTLP before 0.19) as scope_spans', () => {
    const library = [...field(1, 2, str('old-lib')), ...field(2, 2, str('0.9'))];
    const legacy = [...field(1, 2, library), ...field(2, 2, [...field(1, 2, TRACE), ...field(2, 2, SPAN)])];
    const decoded = decodeOtlpTraceRequest(Uint8Array.from(field(1, 2, field(1000, 2, legacy))));
    const scopeSpans = decoded.resourceSpans[0]!.scopeSpans;
    assert.equal(scopeSpans.length, 1);
    assert.deepStrictEqual(scopeSpans[0]!.scope, {
      name: 'old-lib',
      version: '0.9',
      attributes: [],
      droppedAttributesCount: 0,
    });
    assert.equal(scopeSpans[0]!.spans[0]!.spanId, '00f067aa0ba902b7');
  });

  it('merges a repeated resource, scope, status and array value, and lets a repeated scalar win', () => {
    const kv = (k: string) => field(1, 2, field(1, 2, str(k)));
    const arrayOf = (n: bigint) => field(5, 2, field(1, 2, field(3, 0, varint(n))));
    const resourceSpans = [
      ...field(2, 2, [
        ...field(1, 2, field(1, 2, str('first'))),
        ...field(1, 2, field(2, 2, str('v2'))),
        ...field(2, 2, [
          ...field(15, 2, [...field(2, 2, str('msg')), ...field(3, 0, [1])]),
          ...field(15, 2, field(3, 0, [2])),
          ...field(5, 2, str('a')),
          ...field(5, 2, str('b')),
          ...field(9, 2, [
            ...field(1, 2, str('arr')),
            ...field(2, 2, arrayOf(1n)),
            ...field(2, 2, arrayOf(2n)),
          ]),
          ...field(9, 2, [
            ...field(1, 2, str('s')),
            ...field(2, 2, field(1, 2, str('x'))),
            ...field(2, 2, []),
          ]),
        ]),
      ]),
      // The resource comes after the spans it belongs to, and twice.
      ...field(1, 2, kv('a')),
      ...field(1, 2, [...kv('b'), ...field(2, 0, [3])]),
    ];
    const decoded = decodeOtlpTraceRequest(Uint8Array.from(field(1, 2, resourceSpans)));
    const rs = decoded.resourceSpans[0]!;
    assert.deepStrictEqual(rs.resource, {
      attributes: [
        { key: 'a', value: { type: 'empty' } },
        { key: 'b', value: { type: 'empty' } },
      ],
      droppedAttributesCount: 3,
    });
    assert.equal(rs.scopeSpans[0]!.scope.name, 'first');
    assert.equal(rs.scopeSpans[0]!.scope.version, 'v2');
    const span = rs.scopeSpans[0]!.spans[0]!;
    assert.deepStrictEqual(span.status, { code: 2, message: 'msg' });
    assert.equal(span.name, 'b');
    assert.deepStrictEqual(span.attributes, [
      {
        key: 'arr',
        value: {
          type: 'array',
          value: [
            { type: 'int', value: 1n },
            { type: 'int', value: 2n },
          ],
        },
      },
      // An empty repeat of a set value leaves it as it was.
      { key: 's', value: { type: 'string', value: 'x' } },
    ]);
  });

  it('keeps enum numbers outside the enum (proto3 enums are open), negative ones included', () => {
    const span = decodedSpan(
      decodeOtlpTraceRequest(oneSpan([...field(6, 0, varint(-1n)), ...field(15, 2, field(3, 0, [9]))])),
    );
    assert.equal(span.kind, -1);
    assert.deepStrictEqual(span.status, { code: 9, message: '' });
  });

  it('decodes an empty body and empty messages to defaults', () => {
    assert.deepStrictEqual(decodeOtlpTraceRequest(new Uint8Array(0)), { resourceSpans: [] });
    assert.deepStrictEqual(decodedSpan(decodeOtlpTraceRequest(oneSpan([]))), emptySpan());
  });

  const bad: Array<[string, number[], string]> = [
    ['a truncated varint', [...oneSpan([0x30, 0x80])], 'DECODE_TRUNCATED'],
    ['a truncated fixed64', [...oneSpan([0x39, 1, 2, 3])], 'DECODE_TRUNCATED'],
    ['a truncated fixed32', [...oneSpan([...varint(133n), 1, 2])], 'DECODE_TRUNCATED'],
    ['a length beyond the input', [0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f], 'DECODE_BAD_LENGTH'],
    ['a 64-bit length', [0x0a, ...varint(1n << 40n)], 'DECODE_BAD_LENGTH'],
    [
      'a length beyond the enclosing message',
      [...field(1, 2, [0x12, 0x05, 0x0a, 0x00]), 0, 0, 0],
      'DECODE_BAD_LENGTH',
    ],
    [
      'a varint longer than 10 bytes',
      [...oneSpan([0x30, ...new Array<number>(10).fill(0xff), 0x01])],
      'DECODE_BAD_VALUE',
    ],
    ['field number 0', [0x00, 0x01], 'DECODE_BAD_VALUE'],
    ['a start group', field(20, 3, []), 'DECODE_BAD_TYPE'],
    ['wire type 7', [0x3f], 'DECODE_BAD_TYPE'],
    ['resource_spans as a varint', field(1, 0, [1]), 'DECODE_BAD_TYPE'],
    ['start_time as a varint', [...oneSpan(field(7, 0, [1]))], 'DECODE_BAD_TYPE'],
    ['flags as a varint', [...oneSpan(field(16, 0, [1]))], 'DECODE_BAD_TYPE'],
    ['a trace_id as a fixed64', [...oneSpan(field(1, 1, [1, 2, 3, 4, 5, 6, 7, 8]))], 'DECODE_BAD_TYPE'],
    [
      'an int value as a string',
      [...oneSpan(field(9, 2, field(2, 2, field(3, 2, str('1')))))],
      'DECODE_BAD_TYPE',
    ],
    [
      'a fixed64 running into the next field',
      [...oneSpan([...field(8, 1, [1, 2, 3, 4]), ...field(5, 2, [])])],
      'DECODE_TRUNCATED',
    ],
  ];
  for (const [what, bytes, code] of bad) {
    it(`rejects ${what} with ${code}`, () => {
      expectDecodeError(() => decodeOtlpTraceRequest(Uint8Array.from(bytes)), code);
    });
  }

  it('refuses values nested deeper than 32 levels with DECODE_TOO_DEEP, however deep', () => {
    const nest = (n: number): number[] => {
      let v = field(1, 2, str('leaf'));
      for (let i = 0; i < n; i++) v = field(5, 2, field(1, 2, v));
      return v;
    };
    const request = (n: number) =>
      Uint8Array.from(field(1, 2, field(1, 2, field(1, 2, field(2, 2, nest(n))))));
    assert.doesNotThrow(() => decodeOtlpTraceRequest(request(31)));
    expectDecodeError(() => decodeOtlpTraceRequest(request(32)), 'DECODE_TOO_DEEP');
    // 100,000 levels (about 600 KB): refused at level 33, no stack overflow.
    expectDecodeError(() => decodeOtlpTraceRequest(deeplyNested(100_000)), 'DECODE_TOO_DEEP');
  });

  it('refuses more spans than maxSpans with DECODE_BAD_LENGTH', () => {
    const spans = [...field(2, 2, []), ...field(2, 2, []), ...field(2, 2, [])];
    const request = Uint8Array.from(field(1, 2, field(2, 2, spans)));
    assert.equal(
      decodeOtlpTraceRequest(request, { maxSpans: 3 }).resourceSpans[0]!.scopeSpans[0]!.spans.length,
      3,
    );
    expectDecodeError(() => decodeOtlpTraceRequest(request, { maxSpans: 2 }), 'DECODE_BAD_LENGTH');
  });
});

// ---------------------------------------------------------------------------------------------------------------

function mutate(g: Gen, seed: Uint8Array): Uint8Array {
  const buf = Uint8Array.from(seed);
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => g.int(0, 255));
  switch (g.int(0, 6)) {
    case 0:
      for (let i = g.int(1, 4); i > 0 && buf.length > 0; i--)
        buf[g.int(0, buf.length - 1)]! ^= 1 << g.int(0, 7);
      return buf;
    case 1:
      return buf.subarray(0, g.int(0, buf.length));
    case 2:
      if (buf.length > 0) {
        buf[g.int(0, buf.length - 1)] = g.pick([0x00, 0x7f, 0x80, 0xff, 0x0a, 0x12, 0x0b, 0x39, 0x85, 0x07]);
      }
      return buf;
    case 3: {
      const at = g.int(0, buf.length);
      const extra = bytes(g.int(1, 8));
      return Uint8Array.from([...buf.subarray(0, at), ...extra, ...buf.subarray(at)]);
    }
    case 4: {
      const a = g.int(0, buf.length);
      const b = g.int(a, buf.length);
      return Uint8Array.from([...buf.subarray(0, a), ...buf.subarray(b)]);
    }
    case 5: {
      // Duplicate a slice: repeated fields and nested lengths that no longer add up.
      const a = g.int(0, buf.length);
      const b = g.int(a, Math.min(buf.length, a + 32));
      return Uint8Array.from([...buf.subarray(0, b), ...buf.subarray(a)]);
    }
    default:
      return bytes(g.int(0, 64));
  }
}

describe('OTLP decoders: fuzz', () => {
  it('30,000 random and mutated protobuf inputs decode or throw DecodeError, quickly', () => {
    const g = randomGen(14);
    const seeds = Array.from({ length: 60 }, () => pbEncode(RequestType, randomRequest(g, 2)));
    const codes = new Map<string, number>();
    let decoded = 0;
    const started = performance.now();
    for (let i = 0; i < 30_000; i++) {
      let input = mutate(g, g.pick(seeds));
      if (g.bool(0.2)) input = mutate(g, input);
      try {
        decodeOtlpTraceRequest(input);
        decoded++;
      } catch (err) {
        if (!(err instanceof DecodeError)) {
          assert.fail(`threw ${String(err)} for ${Buffer.from(input).toString('hex')}`);
        }
        codes.set(err.code, (codes.get(err.code) ?? 0) + 1);
      }
    }
    const elapsed = performance.now() - started;
    // Both outcomes must be common, or the mutations are not exercising the decoder.
    assert.ok(decoded > 3_000, `decoded ${decoded}`);
    for (const code of ['DECODE_TRUNCATED', 'DECODE_BAD_LENGTH', 'DECODE_BAD_TYPE', 'DECODE_BAD_VALUE']) {
      assert.ok((codes.get(code) ?? 0) > 50, `${code} seen ${codes.get(code) ?? 0} times`);
    }
    assert.ok(elapsed < 20_000, `took ${elapsed} ms`);
  });

  it('10,000 mutated OTLP/JSON texts decode or throw DecodeError', () => {
    const g = randomGen(15);
    const seeds = Array.from({ length: 40 }, () => otlpJson(pbEncode(RequestType, randomRequest(g, 2)), g));
    const pieces = [
      '{',
      '}',
      '[',
      ']',
      '"',
      ',',
      ':',
      'null',
      '1e999',
      '-',
      '"NaN"',
      '{"intValue":1.5}',
      '\\u0000',
    ];
    let decoded = 0;
    let refused = 0;
    for (let i = 0; i < 10_000; i++) {
      const seed = g.pick(seeds);
      const at = g.int(0, seed.length);
      const text = g.pick([
        () => seed.slice(0, at),
        () => seed.slice(0, at) + g.pick(pieces) + seed.slice(at + g.int(0, 3)),
        () => seed.replace(/"[a-zA-Z]+":/, `"${g.string(6)}":`),
        () => seed.replace(/:\s*("[^"]*"|[0-9.e+-]+|true|false|null)/, `:${g.pick(pieces)}`),
      ])();
      try {
        decodeOtlpTraceRequestJson(text);
        decoded++;
      } catch (err) {
        if (!(err instanceof DecodeError)) assert.fail(`threw ${String(err)} for ${text}`);
        refused++;
      }
    }
    assert.ok(decoded > 1_000 && refused > 1_000, `decoded ${decoded}, refused ${refused}`);
  });
});
