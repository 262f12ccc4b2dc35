// The hand-written api_v2 protobuf codec against protobufjs as the reference implementation, plus exact values for
// one hand-built span and a fuzz run: untrusted bytes either decode or fail with a DecodeError, nothing else.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { DecodeError } from '../src/errors.js';
import {
  decodeProtoBatch,
  decodeProtoPostSpansRequest,
  decodeProtoSpan,
  encodeProtoBatch,
  encodeProtoPostSpansRequest,
  encodeProtoSpan,
} from '../src/proto/model-proto.js';
import type { Batch, KeyValue, Log, Process, Span, SpanRef } from '../src/types.js';

// ---------------------------------------------------------------------------------------------------------------
// Reference schema

const root = new protobuf.Root();
const parsed = protobuf.parse(
  readFileSync(new URL('./fixtures/jaeger-model.proto', import.meta.url), 'utf8'),
  root,
);
for (const file of parsed.imports ?? []) {
  const json = protobuf.common.get(file);
  assert.ok(json?.nested, `protobufjs bundles ${file}`);
  root.addJSON(json.nested);
}
root.resolveAll();
const SpanType = root.lookupType('jaeger.api_v2.Span');
const BatchType = root.lookupType('jaeger.api_v2.Batch');
const RequestType = root.lookupType('jaeger.api_v2.PostSpansRequest');

const TO_OBJECT: protobuf.IConversionOptions = { longs: String, enums: Number, defaults: true, arrays: true };

// Shapes of protobufjs toObject() output with the options above.
interface PbTime {
  seconds: string;
  nanos: number;
}
interface PbKeyValue {
  key: string;
  vType: number;
  vStr: string;
  vBool: boolean;
  vInt64: string;
  vFloat64: number;
  vBinary: Uint8Array;
}
interface PbProcess {
  serviceName: string;
  tags: PbKeyValue[];
}
interface PbSpan {
  traceId: Uint8Array;
  spanId: Uint8Array;
  operationName: string;
  references: { traceId: Uint8Array; spanId: Uint8Array; refType: number }[];
  flags: number;
  startTime: PbTime | null;
  duration: PbTime | null;
  tags: PbKeyValue[];
  logs: { timestamp: PbTime | null; fields: PbKeyValue[] }[];
  process: PbProcess | null;
  warnings: string[];
}
interface PbBatch {
  spans: PbSpan[];
  process: PbProcess | null;
}

function pbEncode(type: protobuf.Type, obj: Record<string, unknown>): Uint8Array {
  return new Uint8Array(type.encode(type.fromObject(obj)).finish());
}

function pbDecode<T>(type: protobuf.Type, buf: Uint8Array): T {
  return type.toObject(type.decode(buf), TO_OBJECT) as unknown as T;
}

// ---------------------------------------------------------------------------------------------------------------
// Reference conversion from protobufjs objects to the domain model, written independently of the codec.

function hex(bytes: Uint8Array, size: number): string {
  if (bytes.length === 0) return '0'.repeat(size * 2);
  assert.equal(bytes.length, size);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function micros(t: PbTime | null): number {
  if (t === null) return 0;
  return Number(BigInt(t.seconds) * 1_000_000n + BigInt(Math.trunc(t.nanos / 1000)));
}

function kvFromPb(kv: PbKeyValue): KeyValue {
  switch (kv.vType) {
    case 0:
      return { key: kv.key, type: 'string', value: kv.vStr };
    case 1:
      return { key: kv.key, type: 'bool', value: kv.vBool };
    case 2:
      return { key: kv.key, type: 'int64', value: BigInt(kv.vInt64) };
    case 3:
      return { key: kv.key, type: 'float64', value: kv.vFloat64 };
    case 4:
      return { key: kv.key, type: 'binary', value: new Uint8Array(kv.vBinary) };
    default:
      throw new Error(`unexpected vType ${kv.vType}`);
  }
}

function processFromPb(p: PbProcess): Process {
  return { serviceName: p.serviceName, tags: p.tags.map(kvFromPb) };
}

function spanFromPb(s: PbSpan, fallback: Process | undefined): Span {
  const span: Span = {
    traceId: hex(s.traceId, 16),
    spanId: hex(s.spanId, 8),
    operationName: s.operationName,
    references: s.references.map((r): SpanRef => ({
      refType: r.refType === 1 ? 'FOLLOWS_FROM' : 'CHILD_OF',
      traceId: hex(r.traceId, 16),
      spanId: hex(r.spanId, 8),
    })),
    flags: s.flags,
    startTime: micros(s.startTime),
    duration: micros(s.duration),
    tags: s.tags.map(kvFromPb),
    logs: s.logs.map((l): Log => ({ timestamp: micros(l.timestamp), fields: l.fields.map(kvFromPb) })),
    process: s.process !== null ? processFromPb(s.process) : (fallback ?? { serviceName: '', tags: [] }),
  };
  if (s.warnings.length > 0) span.warnings = s.warnings;
  return span;
}

function batchFromPb(b: PbBatch): Batch {
  const process = b.process !== null ? processFromPb(b.process) : { serviceName: '', tags: [] };
  return { process, spans: b.spans.map((s) => spanFromPb(s, process)) };
}

// The other direction, writing only non-default fields exactly as the codec does, so protobufjs's bytes can be
// compared with the codec's byte for byte (both write fields in field-number order).
function bytesOf(id: string): Uint8Array {
  return Uint8Array.from(id.match(/../g) ?? [], (h) => parseInt(h, 16));
}

function pbTime(us: number, floor: boolean): Record<string, unknown> {
  const seconds = floor ? Math.floor(us / 1e6) : Math.trunc(us / 1e6);
  const nanos = (us - seconds * 1e6) * 1000;
  const t: Record<string, unknown> = {};
  if (seconds !== 0) t['seconds'] = String(seconds);
  if (nanos !== 0) t['nanos'] = nanos;
  return t;
}

function pbKeyValue(kv: KeyValue): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (kv.key !== '') o['key'] = kv.key;
  switch (kv.type) {
    case 'string':
      if (kv.value !== '') o['vStr'] = kv.value;
      break;
    case 'bool':
      o['vType'] = 1;
      if (kv.value) o['vBool'] = true;
      break;
    case 'int64':
      o['vType'] = 2;
      if (kv.value !== 0n) o['vInt64'] = String(kv.value);
      break;
    case 'float64':
      o['vType'] = 3;
      if (kv.value !== 0 || Object.is(kv.value, -0)) o['vFloat64'] = kv.value;
      break;
    case 'binary':
      o['vType'] = 4;
      if (kv.value.length > 0) o['vBinary'] = kv.value;
      break;
  }
  return o;
}

function pbProcess(p: Process): Record<string, unknown> {
  const o: Record<string, unknown> = { tags: p.tags.map(pbKeyValue) };
  if (p.serviceName !== '') o['serviceName'] = p.serviceName;
  return o;
}

function pbSpan(s: Span, withProcess: boolean): Record<string, unknown> {
  const o: Record<string, unknown> = {
    traceId: bytesOf(s.traceId),
    spanId: bytesOf(s.spanId),
    references: s.references.map((r) => ({
      traceId: bytesOf(r.traceId),
      spanId: bytesOf(r.spanId),
      ...(r.refType === 'FOLLOWS_FROM' ? { refType: 1 } : {}),
    })),
    startTime: pbTime(s.startTime, true),
    duration: pbTime(s.duration, false),
    tags: s.tags.map(pbKeyValue),
    logs: s.logs.map((l) => ({ timestamp: pbTime(l.timestamp, true), fields: l.fields.map(pbKeyValue) })),
    warnings: s.warnings ?? [],
  };
  if (s.operationName !== '') o['operationName'] = s.operationName;
  if (s.flags !== 0) o['flags'] = s.flags;
  if (withProcess) o['process'] = pbProcess(s.process);
  return o;
}

function pbBatch(b: Batch): Record<string, unknown> {
  return { spans: b.spans.map((s) => pbSpan(s, s.process !== b.process)), process: pbProcess(b.process) };
}

// ---------------------------------------------------------------------------------------------------------------
// Seeded random generation

class Rand {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** mulberry32 */
  uint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Inclusive range. */
  int(min: number, max: number): number {
    return min + Math.floor((this.uint32() / 4294967296) * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.uint32() / 4294967296 < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }

  bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.int(0, 255);
    return b;
  }

  hex(bytes: number): string {
    if (this.chance(0.05)) return '0'.repeat(bytes * 2);
    return Array.from(this.bytes(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
  }

  string(): string {
    const pieces = [
      'a',
      'Z',
      '0',
      ' ',
      '.',
      '/',
      '-',
      '_',
      '"',
      '\\',
      '\n',
      'é',
      'ß',
      '中',
      'ﬀ',
      '😀',
      '\u0000',
    ];
    const len = this.chance(0.1) ? this.int(24, 120) : this.int(0, 12);
    let s = '';
    for (let i = 0; i < len; i++)
      s += this.chance(0.8) ? String.fromCharCode(this.int(0x20, 0x7e)) : this.pick(pieces);
    return s;
  }

  int64(): bigint {
    if (this.chance(0.3)) {
      return this.pick([
        0n,
        1n,
        -1n,
        127n,
        128n,
        2n ** 31n,
        2n ** 32n,
        2n ** 53n + 1n,
        -(2n ** 53n) - 1n,
        2n ** 63n - 1n,
        -(2n ** 63n),
      ]);
    }
    const bits = this.int(1, 64);
    const v = (BigInt(this.uint32()) << 32n) | BigInt(this.uint32());
    return BigInt.asIntN(64, v >> BigInt(64 - bits));
  }

  double(): number {
    if (this.chance(0.3))
      return this.pick([0, -0, 1.5, -2.25, NaN, Infinity, -Infinity, 5e-324, Number.MAX_VALUE]);
    const view = new DataView(new ArrayBuffer(8));
    view.setUint32(0, this.uint32());
    view.setUint32(4, this.uint32());
    const v = view.getFloat64(0);
    // NaN payloads are not preserved by every path; a NaN is a NaN.
    return Number.isNaN(v) ? NaN : v;
  }
}

// Realistic epoch microseconds, with a few at the edges of the proto Timestamp range.
function randomMicros(g: Rand): number {
  if (g.chance(0.05)) return g.pick([0, -1, 1, -62135596800_000000, 1_000_000, 4102444800_999999]);
  return g.int(1_500_000_000, 2_000_000_000) * 1e6 + g.int(0, 999_999);
}

function randomKeyValue(g: Rand): KeyValue {
  const key = g.chance(0.05) ? '' : g.string();
  switch (g.int(0, 4)) {
    case 0:
      return { key, type: 'string', value: g.string() };
    case 1:
      return { key, type: 'bool', value: g.chance(0.5) };
    case 2:
      return { key, type: 'int64', value: g.int64() };
    case 3:
      return { key, type: 'float64', value: g.double() };
    default:
      return { key, type: 'binary', value: g.bytes(g.int(0, 20)) };
  }
}

function randomKeyValues(g: Rand, max: number): KeyValue[] {
  return Array.from({ length: g.int(0, max) }, () => randomKeyValue(g));
}

function randomProcess(g: Rand): Process {
  return { serviceName: g.string(), tags: randomKeyValues(g, 3) };
}

function randomSpan(g: Rand, process: Process): Span {
  const span: Span = {
    traceId: g.hex(16),
    spanId: g.hex(8),
    operationName: g.string(),
    references: Array.from({ length: g.int(0, 3) }, () => ({
      refType: g.pick(['CHILD_OF', 'FOLLOWS_FROM'] as const),
      traceId: g.hex(16),
      spanId: g.hex(8),
    })),
    flags: g.pick([0, 1, 2, 3, 0x20, 0xffffffff, g.uint32()]),
    startTime: randomMicros(g),
    duration: g.chance(0.1) ? g.pick([0, -1, -1_500_000, 999_999, 86_400_000_000]) : g.int(0, 10_000_000),
    tags: randomKeyValues(g, 6),
    logs: Array.from({ length: g.int(0, 3) }, () => ({
      timestamp: randomMicros(g),
      fields: randomKeyValues(g, 3),
    })),
    process,
  };
  if (g.chance(0.2)) span.warnings = Array.from({ length: g.int(1, 2) }, () => g.string());
  return span;
}

function randomBatch(g: Rand): Batch {
  const process = randomProcess(g);
  const spans = Array.from({ length: g.int(0, 4) }, () =>
    randomSpan(g, g.chance(0.7) ? process : randomProcess(g)),
  );
  return { process, spans };
}

// Random wire-level objects for protobufjs: explicit defaults, stray values for other value types, process_id,
// arbitrary nanoseconds and missing messages — things the codec's own encoder never produces.
function randomPbTime(g: Rand, signed: boolean): Record<string, unknown> | undefined {
  if (g.chance(0.1)) return undefined;
  if (signed) {
    const negative = g.chance(0.2);
    const seconds = g.int(0, 100_000);
    const nanos = g.int(0, 999_999_999);
    return { seconds: String(negative ? -seconds : seconds), nanos: negative ? -nanos : nanos };
  }
  return { seconds: String(g.int(-2_000_000_000, 4_000_000_000)), nanos: g.int(0, 999_999_999) };
}

function randomPbKeyValue(g: Rand): Record<string, unknown> {
  const o: Record<string, unknown> = { key: g.string(), vType: g.int(0, 4) };
  const values: Record<string, () => unknown> = {
    vStr: () => g.string(),
    vBool: () => g.chance(0.5),
    vInt64: () => String(g.int64()),
    vFloat64: () => g.double(),
    vBinary: () => g.bytes(g.int(0, 12)),
  };
  const names = Object.keys(values);
  o[names[o['vType'] as number]!] = values[names[o['vType'] as number]!]!();
  if (g.chance(0.3)) {
    const stray = g.pick(names);
    o[stray] = values[stray]!();
  }
  return o;
}

function randomPbProcess(g: Rand): Record<string, unknown> | undefined {
  if (g.chance(0.3)) return undefined;
  return { serviceName: g.string(), tags: Array.from({ length: g.int(0, 3) }, () => randomPbKeyValue(g)) };
}

function randomPbSpan(g: Rand): Record<string, unknown> {
  const o: Record<string, unknown> = {
    operationName: g.string(),
    references: Array.from({ length: g.int(0, 3) }, () => ({
      traceId: g.bytes(16),
      spanId: g.bytes(8),
      refType: g.int(0, 1),
    })),
    flags: g.uint32(),
    tags: Array.from({ length: g.int(0, 5) }, () => randomPbKeyValue(g)),
    logs: Array.from({ length: g.int(0, 3) }, () => ({
      timestamp: randomPbTime(g, false),
      fields: Array.from({ length: g.int(0, 3) }, () => randomPbKeyValue(g)),
    })),
    warnings: Array.from({ length: g.int(0, 2) }, () => g.string()),
  };
  if (g.chance(0.95)) o['traceId'] = g.bytes(16);
  if (g.chance(0.95)) o['spanId'] = g.bytes(8);
  const start = randomPbTime(g, false);
  if (start) o['startTime'] = start;
  const duration = randomPbTime(g, true);
  if (duration) o['duration'] = duration;
  const process = randomPbProcess(g);
  if (process) o['process'] = process;
  if (g.chance(0.2)) o['processId'] = g.string();
  return o;
}

function randomPbBatch(g: Rand): Record<string, unknown> {
  const o: Record<string, unknown> = { spans: Array.from({ length: g.int(0, 4) }, () => randomPbSpan(g)) };
  const process = randomPbProcess(g);
  if (process) o['process'] = process;
  return o;
}

// ---------------------------------------------------------------------------------------------------------------

describe('api_v2 protobuf: decoding matches protobufjs', () => {
  it('Span, 300 random cases', () => {
    const g = new Rand(1);
    for (let i = 0; i < 300; i++) {
      const bytes = pbEncode(SpanType, randomPbSpan(g));
      const expected = spanFromPb(pbDecode<PbSpan>(SpanType, bytes), undefined);
      assert.deepEqual(decodeProtoSpan(bytes), expected, `case ${i}`);
    }
  });

  it('Batch and PostSpansRequest, 200 random cases each', () => {
    const g = new Rand(2);
    for (let i = 0; i < 200; i++) {
      const batch = randomPbBatch(g);
      const bytes = pbEncode(BatchType, batch);
      const expected = batchFromPb(pbDecode<PbBatch>(BatchType, bytes));
      const decoded = decodeProtoBatch(bytes);
      assert.deepEqual(decoded, expected, `batch case ${i}`);
      const request = pbEncode(RequestType, { batch });
      assert.deepEqual(decodeProtoPostSpansRequest(request), expected, `request case ${i}`);
    }
  });
});

describe('api_v2 protobuf: encoding matches protobufjs', () => {
  it('Span, 300 random cases: same bytes, and protobufjs reads back the span', () => {
    const g = new Rand(3);
    for (let i = 0; i < 300; i++) {
      const span = randomSpan(g, randomProcess(g));
      const bytes = encodeProtoSpan(span);
      assert.deepEqual(bytes, pbEncode(SpanType, pbSpan(span, true)), `bytes of case ${i}`);
      assert.deepEqual(spanFromPb(pbDecode<PbSpan>(SpanType, bytes), undefined), span, `case ${i}`);
      assert.deepEqual(decodeProtoSpan(bytes), span, `round trip of case ${i}`);
    }
  });

  it('Batch and PostSpansRequest, 200 random cases each', () => {
    const g = new Rand(4);
    for (let i = 0; i < 200; i++) {
      const batch = randomBatch(g);
      const bytes = encodeProtoBatch(batch);
      assert.deepEqual(bytes, pbEncode(BatchType, pbBatch(batch)), `bytes of case ${i}`);
      assert.deepEqual(batchFromPb(pbDecode<PbBatch>(BatchType, bytes)), batch, `case ${i}`);
      const request = encodeProtoPostSpansRequest(batch);
      assert.deepEqual(
        request,
        pbEncode(RequestType, { batch: pbBatch(batch) }),
        `request bytes of case ${i}`,
      );
      const decoded = decodeProtoPostSpansRequest(request);
      assert.deepEqual(decoded, batch, `request round trip of case ${i}`);
      batch.spans.forEach((span, j) => {
        assert.equal(decoded.spans[j]!.process === decoded.process, span.process === batch.process);
      });
    }
  });
});

describe('api_v2 protobuf: exact values', () => {
  const TRACE = '0af7651916cd43dd8448eb211c80319c';
  const PARENT = 'b7ad6b7169203331';
  const expected: Span = {
    traceId: TRACE,
    spanId: '00f067aa0ba902b7',
    operationName: 'GET /api/orders/{id}',
    references: [
      { refType: 'CHILD_OF', traceId: TRACE, spanId: PARENT },
      { refType: 'FOLLOWS_FROM', traceId: '0000000000000000000000000000002a', spanId: '0000000000000001' },
    ],
    flags: 3,
    startTime: 1_700_000_000_123_456,
    duration: 1_500_250,
    tags: [
      { key: 'http.method', type: 'string', value: 'GET' },
      { key: 'error', type: 'bool', value: true },
      { key: 'big', type: 'int64', value: 9007199254740993n },
      { key: 'negative', type: 'int64', value: -9223372036854775808n },
      { key: 'ratio', type: 'float64', value: 0.25 },
      { key: 'blob', type: 'binary', value: new Uint8Array([0, 1, 254, 255]) },
      { key: 'ünïcødé', type: 'string', value: '日本語 😀' },
    ],
    logs: [
      {
        timestamp: 1_700_000_000_200_000,
        fields: [
          { key: 'event', type: 'string', value: 'retry' },
          { key: 'attempt', type: 'int64', value: 2n },
        ],
      },
    ],
    process: {
      serviceName: 'orders',
      tags: [
        { key: 'hostname', type: 'string', value: 'orders-7f9c' },
        { key: 'ip', type: 'int64', value: 167772161n },
      ],
    },
    warnings: ['clock skew adjusted'],
  };
  // As Jaeger's collector would write it: nanoseconds below a microsecond are present and must be truncated.
  const wire = {
    traceId: Uint8Array.from([10, 247, 101, 25, 22, 205, 67, 221, 132, 72, 235, 33, 28, 128, 49, 156]),
    spanId: Uint8Array.from([0, 240, 103, 170, 11, 169, 2, 183]),
    operationName: 'GET /api/orders/{id}',
    references: [
      {
        traceId: Uint8Array.from([10, 247, 101, 25, 22, 205, 67, 221, 132, 72, 235, 33, 28, 128, 49, 156]),
        spanId: Uint8Array.from([0xb7, 0xad, 0x6b, 0x71, 0x69, 0x20, 0x33, 0x31]),
      },
      {
        traceId: Uint8Array.from([...new Array<number>(15).fill(0), 42]),
        spanId: Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 1]),
        refType: 1,
      },
    ],
    flags: 3,
    startTime: { seconds: '1700000000', nanos: 123_456_789 },
    duration: { seconds: '1', nanos: 500_250_999 },
    tags: [
      { key: 'http.method', vStr: 'GET' },
      { key: 'error', vType: 1, vBool: true },
      { key: 'big', vType: 2, vInt64: '9007199254740993' },
      { key: 'negative', vType: 2, vInt64: '-9223372036854775808' },
      { key: 'ratio', vType: 3, vFloat64: 0.25 },
      { key: 'blob', vType: 4, vBinary: Uint8Array.from([0, 1, 254, 255]) },
      { key: 'ünïcødé', vType: 0, vStr: '日本語 😀' },
    ],
    logs: [
      {
        timestamp: { seconds: '1700000000', nanos: 200_000_999 },
        fields: [
          { key: 'event', vStr: 'retry' },
          { key: 'attempt', vType: 2, vInt64: '2' },
        ],
      },
    ],
    process: {
      serviceName: 'orders',
      tags: [
        { key: 'hostname', vStr: 'orders-7f9c' },
        { key: 'ip', vType: 2, vInt64: '167772161' },
      ],
    },
    processId: 'p1',
    warnings: ['clock skew adjusted'],
  };

  it('decodes a hand-built span to exact values', () => {
    assert.deepEqual(decodeProtoSpan(pbEncode(SpanType, wire)), expected);
  });

  it('encodes it so protobufjs reads the exact wire values back', () => {
    const back = pbDecode<PbSpan>(SpanType, encodeProtoSpan(expected));
    assert.equal(Buffer.from(back.traceId).toString('hex'), TRACE);
    assert.equal(Buffer.from(back.references[0]!.spanId).toString('hex'), PARENT);
    assert.deepEqual(back.startTime, { seconds: '1700000000', nanos: 123_456_000 });
    assert.deepEqual(back.duration, { seconds: '1', nanos: 500_250_000 });
    assert.equal(back.tags[2]!.vInt64, '9007199254740993');
    assert.equal(back.tags[3]!.vInt64, '-9223372036854775808');
    assert.equal(back.tags[6]!.vStr, '日本語 😀');
    assert.equal(back.references[1]!.refType, 1);
    assert.equal(back.process?.serviceName, 'orders');
  });

  it('writes a minimal span byte for byte', () => {
    const span: Span = {
      traceId: '00000000000000010000000000000002',
      spanId: '0000000000000003',
      operationName: 'op',
      references: [],
      flags: 1,
      startTime: 1_000_001,
      duration: 2,
      tags: [{ key: 'k', type: 'int64', value: -1n }],
      logs: [],
      process: { serviceName: 's', tags: [] },
    };
    const expectedHex = [
      '0a10' + '0000000000000001' + '0000000000000002', // trace_id: high then low, big-endian
      '1208' + '0000000000000003', // span_id
      '1a02' + '6f70', // operation_name
      '2801', // flags
      '3205' + '0801' + '10e807', // start_time {seconds 1, nanos 1000}
      '3a03' + '10d00f', // duration {nanos 2000}
      '4210' + '0a016b' + '1002' + '28ffffffffffffffffff01', // tag: int64 -1 takes ten bytes
      '5203' + '0a0173', // process
    ].join('');
    assert.equal(Buffer.from(encodeProtoSpan(span)).toString('hex'), expectedHex);
    assert.deepEqual(decodeProtoSpan(Buffer.from(expectedHex, 'hex')), span);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Hand-made wire bytes for what protobufjs cannot be asked to write.

function varint(v: bigint): number[] {
  let u = BigInt.asUintN(64, v);
  const out: number[] = [];
  while (u > 0x7fn) {
    out.push(Number(u & 0x7fn) | 0x80);
    u >>= 7n;
  }
  out.push(Number(u));
  return out;
}

function field(num: number, wireType: number, payload: number[] | Uint8Array): number[] {
  const head = varint(BigInt((num << 3) | wireType));
  return wireType === 2 ? [...head, ...varint(BigInt(payload.length)), ...payload] : [...head, ...payload];
}

function str(s: string): number[] {
  return [...Buffer.from(s, 'utf8')];
}

/** One unknown field of every wire type protobuf still uses. */
function unknownFields(): number[] {
  return [
    ...field(900, 0, varint(-5n)),
    ...field(901, 1, [1, 2, 3, 4, 5, 6, 7, 8]),
    ...field(902, 2, str('ignored')),
    ...field(903, 5, [9, 9, 9, 9]),
  ];
}

const TRACE_BYTES = Array.from({ length: 16 }, (_, i) => i + 1);
const SPAN_BYTES = [0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 1];

function expectDecodeError(fn: () => unknown, code: string): void {
  assert.throws(fn, (err: unknown) => err instanceof DecodeError && err.code === code);
}

describe('api_v2 protobuf: wire rules', () => {
  it('skips unknown fields of every wire type at every level', () => {
    const kv = [
      ...field(1, 2, str('k')),
      ...unknownFields(),
      ...field(2, 0, [2]),
      ...field(5, 0, varint(7n)),
    ];
    const ts = [...field(1, 0, varint(10n)), ...unknownFields(), ...field(2, 0, varint(5000n))];
    const log = [...unknownFields(), ...field(1, 2, ts), ...field(2, 2, kv)];
    const ref = [
      ...field(1, 2, TRACE_BYTES),
      ...unknownFields(),
      ...field(2, 2, SPAN_BYTES),
      ...field(3, 0, [1]),
    ];
    const process = [...field(1, 2, str('svc')), ...unknownFields(), ...field(2, 2, kv)];
    const span = [
      ...unknownFields(),
      ...field(1, 2, TRACE_BYTES),
      ...field(2, 2, SPAN_BYTES),
      ...field(4, 2, ref),
      ...field(6, 2, ts),
      ...field(7, 2, ts),
      ...field(8, 2, kv),
      ...field(9, 2, log),
      ...field(10, 2, process),
      ...unknownFields(),
    ];
    const tag: KeyValue = { key: 'k', type: 'int64', value: 7n };
    const expected: Span = {
      traceId: '0102030405060708090a0b0c0d0e0f10',
      spanId: 'deadbeef00000001',
      operationName: '',
      references: [
        { refType: 'FOLLOWS_FROM', traceId: '0102030405060708090a0b0c0d0e0f10', spanId: 'deadbeef00000001' },
      ],
      flags: 0,
      startTime: 10_000_005,
      duration: 10_000_005,
      tags: [tag],
      logs: [{ timestamp: 10_000_005, fields: [tag] }],
      process: { serviceName: 'svc', tags: [tag] },
    };
    assert.deepEqual(decodeProtoSpan(Uint8Array.from(span)), expected);
    const batch = [...unknownFields(), ...field(1, 2, span), ...unknownFields()];
    assert.deepEqual(decodeProtoBatch(Uint8Array.from(batch)), {
      process: { serviceName: '', tags: [] },
      spans: [expected],
    });
    assert.deepEqual(
      decodeProtoPostSpansRequest(Uint8Array.from([...unknownFields(), ...field(1, 2, batch)])),
      {
        process: { serviceName: '', tags: [] },
        spans: [expected],
      },
    );
  });

  it('gives spans without a process the batch process, whichever order the fields come in', () => {
    const own = field(10, 2, field(1, 2, str('own')));
    const batch = [
      ...field(1, 2, [...field(3, 2, str('a'))]),
      ...field(1, 2, [...field(3, 2, str('b')), ...own]),
      ...field(2, 2, field(1, 2, str('shared'))),
    ];
    const decoded = decodeProtoBatch(Uint8Array.from(batch));
    assert.deepEqual(decoded.process, { serviceName: 'shared', tags: [] });
    assert.equal(decoded.spans[0]!.process, decoded.process);
    assert.deepEqual(decoded.spans[1]!.process, { serviceName: 'own', tags: [] });
  });

  it('fills defaults for an empty message and a missing process', () => {
    const span = decodeProtoSpan(new Uint8Array(0));
    assert.deepEqual(span, {
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
    assert.deepEqual(decodeProtoPostSpansRequest(new Uint8Array(0)), {
      process: { serviceName: '', tags: [] },
      spans: [],
    });
  });

  it('merges a repeated process as Jaeger does and lets a repeated scalar win', () => {
    const kv = field(1, 2, str('t'));
    const span = [
      ...field(3, 2, str('first')),
      ...field(10, 2, [...field(1, 2, str('one')), ...field(2, 2, kv)]),
      ...field(10, 2, field(2, 2, kv)),
      ...field(3, 2, str('second')),
    ];
    const decoded = decodeProtoSpan(Uint8Array.from(span));
    assert.equal(decoded.operationName, 'second');
    assert.deepEqual(decoded.process, {
      serviceName: 'one',
      tags: [
        { key: 't', type: 'string', value: '' },
        { key: 't', type: 'string', value: '' },
      ],
    });
  });

  it('truncates nanoseconds toward zero, also for negative durations', () => {
    const duration = [...field(1, 0, varint(-2n)), ...field(2, 0, varint(-999n))];
    const start = [...field(1, 0, varint(-1n)), ...field(2, 0, varint(999_999_999n))];
    const span = decodeProtoSpan(Uint8Array.from([...field(6, 2, start), ...field(7, 2, duration)]));
    assert.equal(span.duration, -2_000_000);
    assert.equal(span.startTime, -1);
  });

  const bad: Array<[string, number[], string]> = [
    ['a truncated varint', [0x28, 0x80], 'DECODE_TRUNCATED'],
    ['a truncated fixed64', field(8, 2, [0x31, 1, 2, 3]), 'DECODE_TRUNCATED'],
    ['a length beyond the input', [0x1a, 0xff, 0xff, 0xff, 0xff, 0x0f], 'DECODE_BAD_LENGTH'],
    ['a 64-bit length', [0x1a, ...varint(1n << 40n)], 'DECODE_BAD_LENGTH'],
    [
      'a length beyond the enclosing message',
      [...field(8, 2, [0x0a, 0x05, 0x61]), 0x61, 0x61, 0x61, 0x61],
      'DECODE_BAD_LENGTH',
    ],
    ['a varint longer than 10 bytes', [0x28, ...new Array<number>(10).fill(0xff), 0x01], 'DECODE_BAD_VALUE'],
    ['field number 0', [0x00, 0x01], 'DECODE_BAD_VALUE'],
    ['a start group', [...field(20, 3, [])], 'DECODE_BAD_TYPE'],
    ['an end group', [...field(20, 4, [])], 'DECODE_BAD_TYPE'],
    ['wire type 7', [0x3f], 'DECODE_BAD_TYPE'],
    ['a known field with the wrong wire type', field(3, 0, [1]), 'DECODE_BAD_TYPE'],
    ['a 15-byte trace_id', field(1, 2, TRACE_BYTES.slice(1)), 'DECODE_BAD_LENGTH'],
    ['a 17-byte trace_id', field(1, 2, [...TRACE_BYTES, 0]), 'DECODE_BAD_LENGTH'],
    ['a 4-byte span_id', field(2, 2, [1, 2, 3, 4]), 'DECODE_BAD_LENGTH'],
    ['an unknown ValueType', field(8, 2, field(2, 0, [5])), 'DECODE_BAD_VALUE'],
    ['an unknown SpanRefType', field(4, 2, field(3, 0, [2])), 'DECODE_BAD_VALUE'],
    [
      'timestamp nanos of a full second',
      field(6, 2, field(2, 0, varint(1_000_000_000n))),
      'DECODE_BAD_VALUE',
    ],
    ['a timestamp after year 9999', field(6, 2, field(1, 0, varint(253402300800n))), 'DECODE_BAD_VALUE'],
    [
      'a duration with mixed signs',
      field(7, 2, [...field(1, 0, varint(1n)), ...field(2, 0, varint(-1n))]),
      'DECODE_BAD_VALUE',
    ],
  ];
  for (const [what, bytes, code] of bad) {
    it(`rejects ${what} with ${code}`, () => {
      expectDecodeError(() => decodeProtoSpan(Uint8Array.from(bytes)), code);
    });
  }

  it('reads from a Buffer view at a non-zero offset and copies binary values out of it', () => {
    const kv = [
      ...field(1, 2, str('b')),
      ...field(2, 0, [4]),
      ...field(6, 1, [0, 0, 0, 0, 0, 0, 0xf0, 0x3f]),
    ];
    const body = [
      ...field(8, 2, [...kv, ...field(7, 2, [7, 8])]),
      ...field(8, 2, [...field(2, 0, [3]), ...field(6, 1, [0, 0, 0, 0, 0, 0, 0xf0, 0x3f])]),
    ];
    const pool = Buffer.alloc(body.length + 3);
    pool.set(body, 3);
    const view = pool.subarray(3);
    const span = decodeProtoSpan(view);
    assert.deepEqual(span.tags, [
      { key: 'b', type: 'binary', value: new Uint8Array([7, 8]) },
      { key: '', type: 'float64', value: 1 },
    ]);
    pool.fill(0);
    assert.deepEqual(span.tags[0]!.value, new Uint8Array([7, 8]));
  });

  it('refuses to encode IDs that are not hex of the right length', () => {
    const span = decodeProtoSpan(new Uint8Array(0));
    assert.throws(() => encodeProtoSpan({ ...span, traceId: 'abc' }), RangeError);
    assert.throws(() => encodeProtoSpan({ ...span, spanId: 'zzzzzzzzzzzzzzzz' }), RangeError);
  });
});

// ---------------------------------------------------------------------------------------------------------------

function mutate(g: Rand, seed: Uint8Array): Uint8Array {
  const buf = Uint8Array.from(seed);
  switch (g.int(0, 6)) {
    case 0:
      for (let i = g.int(1, 4); i > 0 && buf.length > 0; i--)
        buf[g.int(0, buf.length - 1)]! ^= 1 << g.int(0, 7);
      return buf;
    case 1:
      return buf.subarray(0, g.int(0, buf.length));
    case 2:
      if (buf.length > 0)
        buf[g.int(0, buf.length - 1)] = g.pick([0x00, 0x7f, 0x80, 0xff, 0x0a, 0x12, 0x0b, 0x0c, 0x07]);
      return buf;
    case 3: {
      const at = g.int(0, buf.length);
      const out = new Uint8Array(buf.length + g.int(1, 8));
      out.set(buf.subarray(0, at));
      out.set(g.bytes(out.length - buf.length), at);
      out.set(buf.subarray(at), at + out.length - buf.length);
      return out;
    }
    case 4: {
      const a = g.int(0, buf.length);
      const b = g.int(a, buf.length);
      const out = new Uint8Array(buf.length - (b - a));
      out.set(buf.subarray(0, a));
      out.set(buf.subarray(b), a);
      return out;
    }
    case 5: {
      // Duplicate a slice: repeated fields and nested lengths that no longer add up.
      const a = g.int(0, buf.length);
      const b = g.int(a, Math.min(buf.length, a + 32));
      const out = new Uint8Array(buf.length + (b - a));
      out.set(buf.subarray(0, b));
      out.set(buf.subarray(a), b);
      return out;
    }
    default:
      return g.bytes(g.int(0, 64));
  }
}

describe('api_v2 protobuf: fuzz', () => {
  it('30,000 random and mutated inputs decode or throw DecodeError, quickly', () => {
    const g = new Rand(5);
    const seeds: Uint8Array[] = [];
    for (let i = 0; i < 40; i++) {
      const batch = randomBatch(g);
      seeds.push(encodeProtoPostSpansRequest(batch), encodeProtoBatch(batch));
      if (batch.spans[0]) seeds.push(encodeProtoSpan(batch.spans[0]));
      seeds.push(pbEncode(SpanType, randomPbSpan(g)));
    }
    const decoders = [decodeProtoSpan, decodeProtoBatch, decodeProtoPostSpansRequest];
    const codes = new Map<string, number>();
    let decoded = 0;
    const started = performance.now();
    for (let i = 0; i < 30_000; i++) {
      let input = mutate(g, g.pick(seeds));
      if (g.chance(0.2)) input = mutate(g, input);
      for (const decode of decoders) {
        try {
          decode(input);
          decoded++;
        } catch (err) {
          if (!(err instanceof DecodeError)) {
            assert.fail(`${decode.name} threw ${String(err)} for ${Buffer.from(input).toString('hex')}`);
          }
          codes.set(err.code, (codes.get(err.code) ?? 0) + 1);
        }
      }
    }
    const elapsed = performance.now() - started;
    // Both outcomes must be common, or the mutations are not exercising the decoders.
    assert.ok(decoded > 5_000, `decoded ${decoded}`);
    for (const code of ['DECODE_TRUNCATED', 'DECODE_BAD_LENGTH', 'DECODE_BAD_TYPE', 'DECODE_BAD_VALUE']) {
      assert.ok((codes.get(code) ?? 0) > 50, `${code} seen ${codes.get(code) ?? 0} times`);
    }
    assert.ok(elapsed < 10_000, `took ${elapsed} ms`);
  });
});
