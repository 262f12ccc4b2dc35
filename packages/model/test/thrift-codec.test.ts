import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeAgentMessage,
  decodeBatch,
  encodeBatch,
  encodeEmitBatch,
  splitEmitBatch,
} from '../src/thrift/codec.js';
import { writeProcess, writeSpan } from '../src/thrift/jaeger.js';
import { splitBatchByTrace } from '../src/thrift/split.js';
import {
  T_BOOL,
  T_DOUBLE,
  T_I16,
  T_I32,
  T_I64,
  T_LIST,
  T_MAP,
  T_STRING,
  T_STRUCT,
} from '../src/thrift/types.js';
import { writerFor, type ThriftWriter } from '../src/thrift/writer.js';
import type { Batch, KeyValue, Span } from '../src/types.js';
import { Gen, rng } from './support/random.js';
import {
  referenceDecodeBatch,
  referenceDecodeEmitBatch,
  referenceEncodeBatch,
  referenceEncodeEmitBatch,
} from './support/thrift-reference.js';

const PROTOCOLS = ['compact', 'binary'] as const;

/** A span as it should look after a round trip: spans of a batch share the batch's process. */
function normalise(batch: Batch): Batch {
  return { ...batch, spans: batch.spans.map((s): Span => ({ ...s, process: batch.process })) };
}

/** A struct field: id, thrift type and how to write its value (bools carry theirs: compact folds them in). */
type Field =
  { id: number; type: number; write: () => void } | { id: number; type: typeof T_BOOL; value: boolean };

/**
 * Writes a struct with its fields in random order, some fields the IDL does not know (of several types, and
 * known ids with the wrong type) among them: input no client writes, but every decoder must read.
 */
function scrambledStruct(w: ThriftWriter, g: Gen, fields: Field[]): void {
  const all = [...fields];
  for (let n = g.int(0, 2); n > 0; n--) all.push(unknownField(w, g));
  for (let i = all.length - 1; i > 0; i--) {
    const j = g.int(0, i);
    [all[i], all[j]] = [all[j] as Field, all[i] as Field];
  }
  w.writeStructBegin();
  for (const f of all) {
    if ('value' in f) w.writeBoolField(f.id, f.value);
    else {
      w.writeFieldBegin(f.type, f.id);
      f.write();
    }
  }
  w.writeFieldStop();
  w.writeStructEnd();
}

function unknownField(w: ThriftWriter, g: Gen): Field {
  // Ids no jaeger.thrift struct uses, of every kind of type; or ids 1 to 3 as a double, which no struct has
  // there (skipped, not read).
  const id = g.pick([20, 31, 1000, -3, 1, 2, 3]);
  if (id < 4) return { id, type: T_DOUBLE, write: () => w.writeDouble(0.5) };
  switch (g.int(0, 4)) {
    case 0:
      return { id, type: T_I32, write: () => w.writeI32(-7) };
    case 1:
      return { id, type: T_MAP, write: () => w.writeMapBegin(T_STRING, T_I32, 0) };
    case 2:
      return { id, type: T_STRING, write: () => w.writeString('unknown') };
    case 3:
      return {
        id,
        type: T_LIST,
        write: () => {
          w.writeListBegin(T_I64, 2);
          w.writeI64(1, 2);
          w.writeI64(-1, -1);
        },
      };
    default:
      return {
        id,
        type: T_STRUCT,
        write: () => {
          w.writeStructBegin();
          w.writeFieldBegin(T_I32, 1);
          w.writeI32(5);
          w.writeFieldStop();
          w.writeStructEnd();
        },
      };
  }
}

function scrambledTag(w: ThriftWriter, g: Gen, tag: KeyValue): void {
  const fields: Field[] = [
    { id: 1, type: T_STRING, write: () => w.writeString(tag.key) },
    {
      id: 2,
      type: T_I32,
      write: () => w.writeI32(['string', 'float64', 'bool', 'int64', 'binary'].indexOf(tag.type)),
    },
  ];
  // A value field of another type now and then, which the decoders must ignore.
  if (g.bool(0.2))
    fields.push({
      id: 4,
      type: T_DOUBLE,
      write: () => w.writeDouble(tag.type === 'float64' ? tag.value : 1),
    });
  switch (tag.type) {
    case 'string':
      fields.push({ id: 3, type: T_STRING, write: () => w.writeString(tag.value) });
      break;
    case 'float64':
      fields.push({ id: 4, type: T_DOUBLE, write: () => w.writeDouble(tag.value) });
      break;
    case 'bool':
      fields.push({ id: 5, type: T_BOOL, value: tag.value });
      break;
    case 'int64':
      fields.push({ id: 6, type: T_I64, write: () => w.writeI64BigInt(tag.value) });
      break;
    case 'binary':
      fields.push({ id: 7, type: T_STRING, write: () => w.writeBinary(tag.value) });
      break;
  }
  scrambledStruct(w, g, fields);
}

function scrambledTags(w: ThriftWriter, g: Gen, id: number, tags: readonly KeyValue[]): Field {
  return {
    id,
    type: T_LIST,
    write: () => {
      w.writeListBegin(T_STRUCT, tags.length);
      for (const tag of tags) scrambledTag(w, g, tag);
    },
  };
}

function scrambledBatch(w: ThriftWriter, g: Gen, batch: Batch): void {
  const i64 = (id: number, hex: string): Field => ({ id, type: T_I64, write: () => w.writeI64Hex(hex) });
  const num = (id: number, n: number): Field => ({ id, type: T_I64, write: () => w.writeI64Number(n) });
  const spans = batch.spans.map((span) => (): void => {
    const fields: Field[] = [
      i64(1, span.traceId.slice(16)),
      i64(2, span.traceId.slice(0, 16)),
      i64(3, span.spanId),
      i64(4, span.parentSpanId ?? '0000000000000000'),
      { id: 5, type: T_STRING, write: () => w.writeString(span.operationName) },
      { id: 7, type: T_I32, write: () => w.writeI32(span.flags) },
      num(8, span.startTime),
      num(9, span.duration),
      scrambledTags(w, g, 10, span.tags),
    ];
    if (span.references.length > 0 || g.bool(0.3)) {
      fields.push({
        id: 6,
        type: T_LIST,
        write: () => {
          w.writeListBegin(T_STRUCT, span.references.length);
          for (const ref of span.references) {
            scrambledStruct(w, g, [
              { id: 1, type: T_I32, write: () => w.writeI32(ref.refType === 'CHILD_OF' ? 0 : 1) },
              i64(2, ref.traceId.slice(16)),
              i64(3, ref.traceId.slice(0, 16)),
              i64(4, ref.spanId),
            ]);
          }
        },
      });
    }
    if (span.logs.length > 0 || g.bool(0.3)) {
      fields.push({
        id: 11,
        type: T_LIST,
        write: () => {
          w.writeListBegin(T_STRUCT, span.logs.length);
          for (const log of span.logs)
            scrambledStruct(w, g, [num(1, log.timestamp), scrambledTags(w, g, 2, log.fields)]);
        },
      });
    }
    if (span.incomplete || g.bool(0.2))
      fields.push({ id: 12, type: T_BOOL, value: span.incomplete === true });
    scrambledStruct(w, g, fields);
  });
  const fields: Field[] = [
    {
      id: 1,
      type: T_STRUCT,
      write: () =>
        scrambledStruct(w, g, [
          { id: 1, type: T_STRING, write: () => w.writeString(batch.process.serviceName) },
          scrambledTags(w, g, 2, batch.process.tags),
        ]),
    },
    {
      id: 2,
      type: T_LIST,
      write: () => {
        w.writeListBegin(T_STRUCT, spans.length);
        for (const span of spans) span();
      },
    },
  ];
  if (batch.seqNo !== undefined) {
    const seqNo = batch.seqNo;
    fields.push({ id: 3, type: T_I64, write: () => w.writeI64BigInt(seqNo) });
  }
  if (batch.stats !== undefined) {
    const stats = batch.stats;
    const big = (id: number, v: bigint): Field => ({ id, type: T_I64, write: () => w.writeI64BigInt(v) });
    fields.push({
      id: 4,
      type: T_STRUCT,
      write: () =>
        scrambledStruct(w, g, [
          big(1, stats.fullQueueDroppedSpans),
          big(2, stats.tooLargeDroppedSpans),
          big(3, stats.failedToEmitSpans),
        ]),
    });
  }
  scrambledStruct(w, g, fields);
}

const handBuilt: Batch = (() => {
  const process = {
    serviceName: 'checkout',
    tags: [
      { key: 'hostname', type: 'string', value: 'pod-1' },
      { key: 'ip', type: 'string', value: '10.0.0.7' },
    ],
  } as const;
  const p = { serviceName: process.serviceName, tags: [...process.tags] };
  const span: Span = {
    traceId: '00000000000000017fffffffffffffff',
    spanId: '8000000000000001',
    parentSpanId: '00000000000000ff',
    operationName: 'GET /orders/{id} — ünïcode',
    references: [
      { refType: 'FOLLOWS_FROM', traceId: 'ffffffffffffffff0000000000000001', spanId: '0000000000000002' },
    ],
    flags: 3,
    startTime: 1_732_000_000_123_456,
    duration: 1500,
    tags: [
      { key: 's', type: 'string', value: 'hello' },
      { key: 'b', type: 'bool', value: true },
      { key: 'f', type: 'bool', value: false },
      { key: 'big', type: 'int64', value: 9007199254740993n },
      { key: 'neg', type: 'int64', value: -9223372036854775808n },
      { key: 'd', type: 'float64', value: -2.5 },
      { key: 'bin', type: 'binary', value: Uint8Array.from([0, 255, 128]) },
    ],
    logs: [{ timestamp: 1_732_000_000_123_999, fields: [{ key: 'event', type: 'string', value: 'retry' }] }],
    process: p,
  };
  return { process: p, spans: [span], seqNo: 42n };
})();

describe('thrift Batch codec', () => {
  for (const protocol of PROTOCOLS) {
    it(`${protocol}: decodes a hand-built batch exactly as the thrift package encoded it`, () => {
      const bytes = referenceEncodeBatch(handBuilt, protocol);
      assert.deepStrictEqual(decodeBatch(bytes, protocol), normalise(handBuilt));
    });

    it(`${protocol}: agrees with the thrift package on 500 random batches, both directions`, () => {
      const g = new Gen(rng(protocol === 'compact' ? 1 : 2));
      for (let i = 0; i < 500; i++) {
        const batch = normalise(g.batch());
        const ours = encodeBatch(batch, protocol);
        assert.deepStrictEqual(
          referenceDecodeBatch(ours, protocol),
          batch,
          `reference decode of ours, case ${i}`,
        );
        const theirs = referenceEncodeBatch(batch, protocol);
        assert.deepStrictEqual(decodeBatch(theirs, protocol), batch, `our decode of reference, case ${i}`);
        // Same field order and the same optional fields written: the bytes match too.
        assert.deepStrictEqual(ours, theirs, `identical bytes, case ${i}`);
      }
    });

    it(`${protocol}: agrees with the thrift package on fields in any order, with unknown fields among them`, () => {
      const g = new Gen(rng(protocol === 'compact' ? 21 : 22));
      for (let i = 0; i < 300; i++) {
        const batch = normalise(g.batch());
        const w = writerFor(protocol);
        scrambledBatch(w, g, batch);
        const bytes = w.finish();
        const expected = referenceDecodeBatch(bytes, protocol);
        assert.deepStrictEqual(decodeBatch(bytes, protocol), expected, `case ${i}`);
        // The scrambling changed the layout, not the content (an empty optional list reads as absent).
        assert.deepStrictEqual(expected, batch, `reference, case ${i}`);
      }
    });

    it(`${protocol}: reads and writes agent emitBatch envelopes like jaeger clients send them`, () => {
      const g = new Gen(rng(7));
      for (let i = 0; i < 50; i++) {
        const batch = normalise(g.batch());
        const seqId = g.int(0, 2 ** 31 - 1);
        const packet = referenceEncodeEmitBatch(batch, protocol, seqId);
        const decoded = decodeAgentMessage(packet, protocol);
        assert.deepStrictEqual(decoded, { method: 'emitBatch', seqId, batch });
        assert.deepStrictEqual(referenceDecodeEmitBatch(encodeEmitBatch(batch, protocol, seqId), protocol), {
          name: 'emitBatch',
          seqId,
          batch,
        });
      }
    });
  }

  for (const protocol of PROTOCOLS) {
    it(`${protocol}: skips fields the IDL does not know, of every type, as the thrift package does`, () => {
      const w = writerFor(protocol);
      w.writeStructBegin();
      w.writeFieldBegin(T_MAP, 9);
      w.writeMapBegin(T_STRING, T_I32, 2);
      for (const [k, v] of [
        ['a', 1],
        ['b', 2],
      ] as const) {
        w.writeString(k);
        w.writeI32(v);
      }
      w.writeFieldBegin(T_LIST, 10);
      w.writeListBegin(T_STRUCT, 1);
      w.writeStructBegin();
      w.writeBoolField(1, true);
      w.writeFieldBegin(T_DOUBLE, 2);
      w.writeDouble(1.5);
      w.writeFieldStop();
      w.writeStructEnd();
      w.writeFieldBegin(T_STRUCT, 1);
      writeProcess(w, handBuilt.process);
      w.writeFieldBegin(T_LIST, 2);
      w.writeListBegin(T_STRUCT, handBuilt.spans.length);
      for (const span of handBuilt.spans) writeSpan(w, span);
      w.writeFieldBegin(T_I16, 11);
      w.writeI16(-7);
      w.writeFieldStop();
      w.writeStructEnd();
      const bytes = w.finish();
      const expected = { process: handBuilt.process, spans: handBuilt.spans };
      assert.deepStrictEqual(decodeBatch(bytes, protocol), normalise(expected));
      assert.deepStrictEqual(referenceDecodeBatch(bytes, protocol), normalise(expected));
    });
  }

  it('rejects what the IDL requires but the input lacks', () => {
    const noProcess = Buffer.from([0x19, 0x0c, 0x00]); // compact: field 2 list<struct> of size 0, stop
    assert.throws(() => decodeBatch(noProcess, 'compact'), {
      name: 'DecodeError',
      code: 'DECODE_MISSING_FIELD',
      message: /Batch\.process/,
    });
  });

  it('rejects trailing bytes after a batch', () => {
    const bytes = Buffer.concat([encodeBatch(handBuilt, 'compact'), Buffer.from([0])]);
    assert.throws(() => decodeBatch(bytes, 'compact'), {
      code: 'DECODE_BAD_LENGTH',
      message: /1 unexpected bytes after the Batch/,
    });
  });
});

describe('splitting batches by trace', () => {
  for (const protocol of PROTOCOLS) {
    it(`${protocol}: gives one compact batch per trace holding exactly that trace's spans, in order`, () => {
      const g = new Gen(rng(11));
      for (let i = 0; i < 200; i++) {
        const batch = normalise(g.batch(20));
        const packet = encodeEmitBatch(batch, protocol, i);
        const split = splitEmitBatch(packet, protocol);
        assert.equal(split.serviceName, batch.process.serviceName);
        assert.equal(split.spanCount, batch.spans.length);
        const expectedOrder = [...new Set(batch.spans.map((s) => s.traceId))];
        assert.deepStrictEqual(
          split.traces.map((t) => t.traceId),
          expectedOrder,
        );
        for (const trace of split.traces) {
          const decoded = decodeBatch(trace.value, 'compact');
          const expected = batch.spans.filter((s) => s.traceId === trace.traceId);
          assert.equal(trace.spanCount, expected.length);
          assert.deepStrictEqual(decoded, { process: batch.process, spans: expected });
          // And the thrift package reads the result the same way.
          assert.deepStrictEqual(referenceDecodeBatch(trace.value, 'compact'), decoded);
        }
      }
    });
  }

  it('copies compact span bytes verbatim instead of re-encoding them', () => {
    const batch = normalise(new Gen(rng(5)).batch(5));
    const bytes = encodeBatch(batch, 'compact');
    const { traces } = splitBatchByTrace(bytes, 'compact');
    for (const t of traces) {
      const spanBytes = encodeBatch(
        { process: batch.process, spans: batch.spans.filter((s) => s.traceId === t.traceId) },
        'compact',
      );
      assert.deepStrictEqual(t.value, spanBytes);
    }
  });

  it('refuses a span without a trace ID', () => {
    // Batch{process{serviceName "a"}, spans [Span{spanId 1}]} in compact.
    const bytes = Buffer.from([0x1c, 0x18, 0x01, 0x61, 0x00, 0x19, 0x1c, 0x36, 0x02, 0x00, 0x00]);
    assert.throws(() => splitBatchByTrace(bytes, 'compact'), {
      code: 'DECODE_MISSING_FIELD',
      message: /Span\.traceIdLow/,
    });
  });
});
