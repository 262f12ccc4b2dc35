// The reference implementation for the fast codecs: the Apache `thrift` npm package's own protocol classes,
// driven by a hand-written description of jaeger.thrift (field ids and types from the IDL).
import thrift from 'thrift';
import Int64 from 'node-int64';
import type { Batch, KeyValue, Process, Span } from '../../src/types.js';

type FieldType =
  'bool' | 'i32' | 'i64' | 'double' | 'string' | 'binary' | { struct: StructDef } | { list: FieldType };
type StructDef = ReadonlyArray<{ id: number; name: string; type: FieldType }>;

const Tag: StructDef = [
  { id: 1, name: 'key', type: 'string' },
  { id: 2, name: 'vType', type: 'i32' },
  { id: 3, name: 'vStr', type: 'string' },
  { id: 4, name: 'vDouble', type: 'double' },
  { id: 5, name: 'vBool', type: 'bool' },
  { id: 6, name: 'vLong', type: 'i64' },
  { id: 7, name: 'vBinary', type: 'binary' },
];
const Log: StructDef = [
  { id: 1, name: 'timestamp', type: 'i64' },
  { id: 2, name: 'fields', type: { list: { struct: Tag } } },
];
const SpanRef: StructDef = [
  { id: 1, name: 'refType', type: 'i32' },
  { id: 2, name: 'traceIdLow', type: 'i64' },
  { id: 3, name: 'traceIdHigh', type: 'i64' },
  { id: 4, name: 'spanId', type: 'i64' },
];
const SpanDef: StructDef = [
  { id: 1, name: 'traceIdLow', type: 'i64' },
  { id: 2, name: 'traceIdHigh', type: 'i64' },
  { id: 3, name: 'spanId', type: 'i64' },
  { id: 4, name: 'parentSpanId', type: 'i64' },
  { id: 5, name: 'operationName', type: 'string' },
  { id: 6, name: 'references', type: { list: { struct: SpanRef } } },
  { id: 7, name: 'flags', type: 'i32' },
  { id: 8, name: 'startTime', type: 'i64' },
  { id: 9, name: 'duration', type: 'i64' },
  { id: 10, name: 'tags', type: { list: { struct: Tag } } },
  { id: 11, name: 'logs', type: { list: { struct: Log } } },
  { id: 12, name: 'incomplete', type: 'bool' },
];
const ProcessDef: StructDef = [
  { id: 1, name: 'serviceName', type: 'string' },
  { id: 2, name: 'tags', type: { list: { struct: Tag } } },
];
const ClientStats: StructDef = [
  { id: 1, name: 'fullQueueDroppedSpans', type: 'i64' },
  { id: 2, name: 'tooLargeDroppedSpans', type: 'i64' },
  { id: 3, name: 'failedToEmitSpans', type: 'i64' },
];
const BatchDef: StructDef = [
  { id: 1, name: 'process', type: { struct: ProcessDef } },
  { id: 2, name: 'spans', type: { list: { struct: SpanDef } } },
  { id: 3, name: 'seqNo', type: 'i64' },
  { id: 4, name: 'stats', type: { struct: ClientStats } },
];

type Obj = Record<string, unknown>;
// Minimal view of the thrift protocol classes (the package's own typings do not cover everything used here).
interface Protocol {
  readStructBegin(): unknown;
  readStructEnd(): void;
  readFieldBegin(): { ftype: number; fid: number };
  readFieldEnd(): void;
  readListBegin(): { etype: number; size: number };
  readListEnd(): void;
  readBool(): boolean;
  readI32(): number;
  readI64(): Int64;
  readDouble(): number;
  readString(): string;
  readBinary(): Buffer;
  readByte(): number;
  readI16(): number;
  readMapBegin(): { ktype: number; vtype: number; size: number };
  readMapEnd(): void;
  readMessageBegin(): { fname: string; mtype: number; rseqid: number };
  writeStructBegin(name: string): void;
  writeStructEnd(): void;
  writeFieldBegin(name: string, type: number, id: number): void;
  writeFieldEnd(): void;
  writeFieldStop(): void;
  writeListBegin(type: number, size: number): void;
  writeListEnd(): void;
  writeBool(v: boolean): void;
  writeI32(v: number): void;
  writeI64(v: Int64): void;
  writeDouble(v: number): void;
  writeString(v: string): void;
  writeBinary(v: Buffer): void;
  writeMessageBegin(name: string, type: number, seq: number): void;
  writeMessageEnd(): void;
  flush(): void;
}

const T = thrift.Thrift.Type;

function ttype(t: FieldType): number {
  if (t === 'bool') return T.BOOL;
  if (t === 'i32') return T.I32;
  if (t === 'i64') return T.I64;
  if (t === 'double') return T.DOUBLE;
  if (t === 'string' || t === 'binary') return T.STRING;
  return 'struct' in t ? T.STRUCT : T.LIST;
}

function readValue(p: Protocol, t: FieldType): unknown {
  if (t === 'bool') return p.readBool();
  if (t === 'i32') return p.readI32();
  if (t === 'i64') return p.readI64();
  if (t === 'double') return p.readDouble();
  if (t === 'string') return p.readString();
  if (t === 'binary') return p.readBinary();
  if ('struct' in t) return readStruct(p, t.struct);
  const { size } = p.readListBegin();
  const out: unknown[] = [];
  for (let i = 0; i < size; i++) out.push(readValue(p, t.list));
  p.readListEnd();
  return out;
}

/** Reads and drops one value of any type with the thrift package's own read primitives (fields the IDL lacks). */
function discard(p: Protocol, type: number): void {
  if (type === T.BOOL) p.readBool();
  else if (type === T.BYTE) p.readByte();
  else if (type === T.I16) p.readI16();
  else if (type === T.I32) p.readI32();
  else if (type === T.I64) p.readI64();
  else if (type === T.DOUBLE) p.readDouble();
  else if (type === T.STRING) p.readBinary();
  else if (type === T.STRUCT) {
    p.readStructBegin();
    for (let f = p.readFieldBegin(); f.ftype !== T.STOP; f = p.readFieldBegin()) {
      discard(p, f.ftype);
      p.readFieldEnd();
    }
    p.readStructEnd();
  } else if (type === T.LIST || type === T.SET) {
    const { etype, size } = p.readListBegin();
    for (let i = 0; i < size; i++) discard(p, etype);
    p.readListEnd();
  } else if (type === T.MAP) {
    const { ktype, vtype, size } = p.readMapBegin();
    for (let i = 0; i < size; i++) {
      discard(p, ktype);
      discard(p, vtype);
    }
    p.readMapEnd();
  } else throw new Error(`unknown thrift type ${type}`);
}

function readStruct(p: Protocol, def: StructDef): Obj {
  const out: Obj = {};
  p.readStructBegin();
  for (;;) {
    const { ftype, fid } = p.readFieldBegin();
    if (ftype === T.STOP) break;
    const field = def.find((f) => f.id === fid);
    if (field && ttype(field.type) === ftype) out[field.name] = readValue(p, field.type);
    else discard(p, ftype);
    p.readFieldEnd();
  }
  p.readStructEnd();
  return out;
}

function writeValue(p: Protocol, t: FieldType, v: unknown): void {
  if (t === 'bool') p.writeBool(v as boolean);
  else if (t === 'i32') p.writeI32(v as number);
  else if (t === 'i64') p.writeI64(v as Int64);
  else if (t === 'double') p.writeDouble(v as number);
  else if (t === 'string') p.writeString(v as string);
  else if (t === 'binary') p.writeBinary(v as Buffer);
  else if ('struct' in t) writeStruct(p, t.struct, v as Obj);
  else {
    const items = v as unknown[];
    p.writeListBegin(ttype(t.list), items.length);
    for (const item of items) writeValue(p, t.list, item);
    p.writeListEnd();
  }
}

function writeStruct(p: Protocol, def: StructDef, obj: Obj): void {
  p.writeStructBegin('s');
  for (const f of def) {
    const v = obj[f.name];
    if (v === undefined || v === null) continue;
    p.writeFieldBegin(f.name, ttype(f.type), f.id);
    writeValue(p, f.type, v);
    p.writeFieldEnd();
  }
  p.writeFieldStop();
  p.writeStructEnd();
}

function reader(buf: Buffer, protocol: 'compact' | 'binary'): Protocol {
  const transport = new thrift.TFramedTransport(buf);
  return (protocol === 'compact'
    ? new thrift.TCompactProtocol(transport)
    : new thrift.TBinaryProtocol(transport)) as unknown as Protocol;
}

function writer(protocol: 'compact' | 'binary', done: (b: Buffer | undefined) => void): Protocol {
  const transport = new thrift.TBufferedTransport(undefined, done);
  return (protocol === 'compact'
    ? new thrift.TCompactProtocol(transport)
    : new thrift.TBinaryProtocol(transport)) as unknown as Protocol;
}

// ---- mapping between the reference objects and the domain model

const hex = (v: unknown): string => (v as Int64).toOctetString();
const i64 = (hexString: string): Int64 => new Int64(hexString);
const num = (v: unknown): number => {
  const n = (v as Int64).toNumber(false);
  if (!Number.isSafeInteger(n)) throw new Error(`unsafe i64 ${hex(v)}`);
  return n;
};
const big = (v: unknown): bigint => BigInt.asIntN(64, BigInt(`0x${hex(v)}`));
const fromBig = (b: bigint): Int64 => new Int64(BigInt.asUintN(64, b).toString(16).padStart(16, '0'));
const fromNum = (n: number): Int64 => fromBig(BigInt(n));

function tagToDomain(o: Obj): KeyValue {
  const key = o.key as string;
  switch (o.vType) {
    case 0:
      return { key, type: 'string', value: (o.vStr as string | undefined) ?? '' };
    case 1:
      return { key, type: 'float64', value: (o.vDouble as number | undefined) ?? 0 };
    case 2:
      return { key, type: 'bool', value: (o.vBool as boolean | undefined) ?? false };
    case 3:
      return { key, type: 'int64', value: o.vLong === undefined ? 0n : big(o.vLong) };
    default:
      return { key, type: 'binary', value: new Uint8Array((o.vBinary as Buffer | undefined) ?? []) };
  }
}

function tagFromDomain(t: KeyValue): Obj {
  switch (t.type) {
    case 'string':
      return { key: t.key, vType: 0, vStr: t.value };
    case 'float64':
      return { key: t.key, vType: 1, vDouble: t.value };
    case 'bool':
      return { key: t.key, vType: 2, vBool: t.value };
    case 'int64':
      return { key: t.key, vType: 3, vLong: fromBig(t.value) };
    case 'binary':
      return { key: t.key, vType: 4, vBinary: Buffer.from(t.value) };
  }
}

function batchToDomain(o: Obj): Batch {
  const p = o.process as Obj;
  const process: Process = {
    serviceName: p.serviceName as string,
    tags: ((p.tags as Obj[] | undefined) ?? []).map(tagToDomain),
  };
  const spans = ((o.spans as Obj[] | undefined) ?? []).map((s): Span => {
    const span: Span = {
      traceId: hex(s.traceIdHigh) + hex(s.traceIdLow),
      spanId: hex(s.spanId),
      operationName: s.operationName as string,
      references: ((s.references as Obj[] | undefined) ?? []).map((r) => ({
        refType: r.refType === 0 ? 'CHILD_OF' : 'FOLLOWS_FROM',
        traceId: hex(r.traceIdHigh) + hex(r.traceIdLow),
        spanId: hex(r.spanId),
      })),
      flags: s.flags as number,
      startTime: num(s.startTime),
      duration: num(s.duration),
      tags: ((s.tags as Obj[] | undefined) ?? []).map(tagToDomain),
      logs: ((s.logs as Obj[] | undefined) ?? []).map((l) => ({
        timestamp: num(l.timestamp),
        fields: ((l.fields as Obj[] | undefined) ?? []).map(tagToDomain),
      })),
      process,
    };
    const parent = hex(s.parentSpanId);
    if (parent !== '0000000000000000') span.parentSpanId = parent;
    if (s.incomplete === true) span.incomplete = true;
    return span;
  });
  const batch: Batch = { process, spans };
  if (o.seqNo !== undefined) batch.seqNo = big(o.seqNo);
  if (o.stats !== undefined) {
    const st = o.stats as Obj;
    batch.stats = {
      fullQueueDroppedSpans: big(st.fullQueueDroppedSpans),
      tooLargeDroppedSpans: big(st.tooLargeDroppedSpans),
      failedToEmitSpans: big(st.failedToEmitSpans),
    };
  }
  return batch;
}

// Optional lists are left out when empty, as skein's encoder does, so both encoders' bytes can be compared.
function batchFromDomain(b: Batch): Obj {
  const tags = (ts: readonly KeyValue[]) => (ts.length === 0 ? undefined : ts.map(tagFromDomain));
  return {
    process: { serviceName: b.process.serviceName, tags: tags(b.process.tags) },
    spans: b.spans.map((s) => ({
      traceIdLow: i64(s.traceId.slice(16)),
      traceIdHigh: i64(s.traceId.slice(0, 16)),
      spanId: i64(s.spanId),
      parentSpanId: i64(s.parentSpanId ?? '0000000000000000'),
      operationName: s.operationName,
      references:
        s.references.length === 0
          ? undefined
          : s.references.map((r) => ({
              refType: r.refType === 'CHILD_OF' ? 0 : 1,
              traceIdLow: i64(r.traceId.slice(16)),
              traceIdHigh: i64(r.traceId.slice(0, 16)),
              spanId: i64(r.spanId),
            })),
      flags: s.flags,
      startTime: fromNum(s.startTime),
      duration: fromNum(s.duration),
      tags: tags(s.tags),
      logs:
        s.logs.length === 0
          ? undefined
          : s.logs.map((l) => ({ timestamp: fromNum(l.timestamp), fields: l.fields.map(tagFromDomain) })),
      incomplete: s.incomplete,
    })),
    seqNo: b.seqNo === undefined ? undefined : fromBig(b.seqNo),
    stats:
      b.stats === undefined
        ? undefined
        : {
            fullQueueDroppedSpans: fromBig(b.stats.fullQueueDroppedSpans),
            tooLargeDroppedSpans: fromBig(b.stats.tooLargeDroppedSpans),
            failedToEmitSpans: fromBig(b.stats.failedToEmitSpans),
          },
  };
}

/** Decodes a Batch with the thrift package. */
export function referenceDecodeBatch(buf: Buffer, protocol: 'compact' | 'binary'): Batch {
  return batchToDomain(readStruct(reader(buf, protocol), BatchDef));
}

/** Decodes with the thrift package but keeps its own objects, for the speed comparison. */
export function referenceDecodeRaw(buf: Buffer, protocol: 'compact' | 'binary'): Obj {
  return readStruct(reader(buf, protocol), BatchDef);
}

/** Encodes a Batch with the thrift package. */
export function referenceEncodeBatch(batch: Batch, protocol: 'compact' | 'binary'): Buffer {
  let out: Buffer | undefined;
  const p = writer(protocol, (b) => (out = b));
  writeStruct(p, BatchDef, batchFromDomain(batch));
  p.flush();
  if (!out) throw new Error('reference writer produced nothing');
  return out;
}

/** Encodes the oneway call Agent.emitBatch with the thrift package, as jaeger clients send it. */
export function referenceEncodeEmitBatch(
  batch: Batch,
  protocol: 'compact' | 'binary',
  seqId: number,
): Buffer {
  let out: Buffer | undefined;
  const p = writer(protocol, (b) => (out = b));
  p.writeMessageBegin('emitBatch', thrift.Thrift.MessageType.ONEWAY, seqId);
  writeStruct(p, [{ id: 1, name: 'batch', type: { struct: BatchDef } }], { batch: batchFromDomain(batch) });
  p.writeMessageEnd();
  p.flush();
  if (!out) throw new Error('reference writer produced nothing');
  return out;
}

/** Reads a message envelope and the emitBatch args with the thrift package. */
export function referenceDecodeEmitBatch(
  buf: Buffer,
  protocol: 'compact' | 'binary',
): { name: string; seqId: number; batch: Batch } {
  const p = reader(buf, protocol);
  const header = p.readMessageBegin();
  const args = readStruct(p, [{ id: 1, name: 'batch', type: { struct: BatchDef } }]);
  return { name: header.fname, seqId: header.rseqid, batch: batchToDomain(args.batch as Obj) };
}
