// Jaeger's jaeger.thrift structures (Batch, Process, Span, Tag, Log, SpanRef) read from and written to either
// protocol, straight between bytes and the domain model.
import { DecodeError } from '../errors.js';
import type { Batch, ClientStats, KeyValue, Log, Process, Span, SpanRef } from '../types.js';
import type { ThriftReader } from './reader.js';
import { T_BOOL, T_DOUBLE, T_I32, T_I64, T_LIST, T_STOP, T_STRING, T_STRUCT } from './types.js';
import type { ThriftWriter } from './writer.js';

const ZERO_ID = '0000000000000000';
const TAG_TYPES = ['string', 'float64', 'bool', 'int64', 'binary'] as const;
const TAG_TYPE_CODE = { string: 0, float64: 1, bool: 2, int64: 3, binary: 4 } as const;
const REF_TYPES = ['CHILD_OF', 'FOLLOWS_FROM'] as const;
const NO_PROCESS: Process = { serviceName: '', tags: [] };

function missing(field: string, r: ThriftReader): DecodeError {
  return new DecodeError('DECODE_MISSING_FIELD', `required field ${field} is missing`, r.pos);
}

function expectList(r: ThriftReader, elemType: number, what: string): number {
  const size = r.readListBegin();
  if (size > 0 && r.elemType !== elemType) {
    throw new DecodeError('DECODE_BAD_TYPE', `${what} holds type ${r.elemType}, expected ${elemType}`, r.pos);
  }
  return size;
}

export function readTag(r: ThriftReader): KeyValue {
  r.readStructBegin();
  let key: string | undefined;
  let vType = -1;
  let vStr = '';
  let vDouble = 0;
  let vBool = false;
  let vLong = 0n;
  let vBinary: Uint8Array | undefined;
  for (let t = r.readFieldBegin(); t !== T_STOP; t = r.readFieldBegin()) {
    const id = r.fieldId;
    if (id === 1 && t === T_STRING) key = r.readString();
    else if (id === 2 && t === T_I32) vType = r.readI32();
    else if (id === 3 && t === T_STRING) vStr = r.readString();
    else if (id === 4 && t === T_DOUBLE) vDouble = r.readDouble();
    else if (id === 5 && t === T_BOOL) vBool = r.readBool();
    else if (id === 6 && t === T_I64) vLong = r.readI64BigInt();
    else if (id === 7 && t === T_STRING) vBinary = r.readBinary();
    else r.skipValue(t, 2);
  }
  r.readStructEnd();
  if (key === undefined) throw missing('Tag.key', r);
  switch (vType) {
    case 0:
      return { key, type: 'string', value: vStr };
    case 1:
      return { key, type: 'float64', value: vDouble };
    case 2:
      return { key, type: 'bool', value: vBool };
    case 3:
      return { key, type: 'int64', value: vLong };
    case 4:
      return { key, type: 'binary', value: vBinary ?? new Uint8Array(0) };
    case -1:
      throw missing('Tag.vType', r);
    default:
      throw new DecodeError(
        'DECODE_BAD_VALUE',
        `tag ${JSON.stringify(key)} has unknown type ${vType}`,
        r.pos,
      );
  }
}

function readTags(r: ThriftReader): KeyValue[] {
  const size = expectList(r, T_STRUCT, 'a tag list');
  const tags: KeyValue[] = [];
  for (let i = 0; i < size; i++) tags.push(readTag(r));
  return tags;
}

function readLog(r: ThriftReader): Log {
  r.readStructBegin();
  let timestamp: number | undefined;
  let fields: KeyValue[] | undefined;
  for (let t = r.readFieldBegin(); t !== T_STOP; t = r.readFieldBegin()) {
    if (r.fieldId === 1 && t === T_I64) timestamp = r.readI64Number('log timestamp');
    else if (r.fieldId === 2 && t === T_LIST) fields = readTags(r);
    else r.skipValue(t, 2);
  }
  r.readStructEnd();
  if (timestamp === undefined) throw missing('Log.timestamp', r);
  if (fields === undefined) throw missing('Log.fields', r);
  return { timestamp, fields };
}

function readRef(r: ThriftReader): SpanRef {
  r.readStructBegin();
  let refType = -1;
  let low: string | undefined;
  let high: string | undefined;
  let spanId: string | undefined;
  for (let t = r.readFieldBegin(); t !== T_STOP; t = r.readFieldBegin()) {
    const id = r.fieldId;
    if (id === 1 && t === T_I32) refType = r.readI32();
    else if (id === 2 && t === T_I64) low = r.readI64Hex();
    else if (id === 3 && t === T_I64) high = r.readI64Hex();
    else if (id === 4 && t === T_I64) spanId = r.readI64Hex();
    else r.skipValue(t, 2);
  }
  r.readStructEnd();
  if (refType === -1) throw missing('SpanRef.refType', r);
  if (low === undefined) throw missing('SpanRef.traceIdLow', r);
  if (high === undefined) throw missing('SpanRef.traceIdHigh', r);
  if (spanId === undefined) throw missing('SpanRef.spanId', r);
  const type = REF_TYPES[refType];
  if (type === undefined)
    throw new DecodeError('DECODE_BAD_VALUE', `unknown reference type ${refType}`, r.pos);
  return { refType: type, traceId: high + low, spanId };
}

export function readSpan(r: ThriftReader, process: Process): Span {
  r.readStructBegin();
  let low: string | undefined;
  let high: string | undefined;
  let spanId: string | undefined;
  let parent: string | undefined;
  let operationName: string | undefined;
  let references: SpanRef[] = [];
  let flags: number | undefined;
  let startTime: number | undefined;
  let duration: number | undefined;
  let tags: KeyValue[] = [];
  let logs: Log[] = [];
  let incomplete = false;
  for (let t = r.readFieldBegin(); t !== T_STOP; t = r.readFieldBegin()) {
    switch (r.fieldId) {
      case 1:
        if (t === T_I64) {
          low = r.readI64Hex();
          continue;
        }
        break;
      case 2:
        if (t === T_I64) {
          high = r.readI64Hex();
          continue;
        }
        break;
      case 3:
        if (t === T_I64) {
          spanId = r.readI64Hex();
          continue;
        }
        break;
      case 4:
        if (t === T_I64) {
          parent = r.readI64Hex();
          continue;
        }
        break;
      case 5:
        if (t === T_STRING) {
          operationName = r.readString();
          continue;
        }
        break;
      case 6:
        if (t === T_LIST) {
          const size = expectList(r, T_STRUCT, 'a reference list');
          references = [];
          for (let i = 0; i < size; i++) references.push(readRef(r));
          continue;
        }
        break;
      case 7:
        if (t === T_I32) {
          flags = r.readI32();
          continue;
        }
        break;
      case 8:
        if (t === T_I64) {
          startTime = r.readI64Number('span startTime');
          continue;
        }
        break;
      case 9:
        if (t === T_I64) {
          duration = r.readI64Number('span duration');
          continue;
        }
        break;
      case 10:
        if (t === T_LIST) {
          tags = readTags(r);
          continue;
        }
        break;
      case 11:
        if (t === T_LIST) {
          const size = expectList(r, T_STRUCT, 'a log list');
          logs = [];
          for (let i = 0; i < size; i++) logs.push(readLog(r));
          continue;
        }
        break;
      case 12:
        if (t === T_BOOL) {
          incomplete = r.readBool();
          continue;
        }
        break;
    }
    r.skipValue(t, 2);
  }
  r.readStructEnd();
  if (low === undefined) throw missing('Span.traceIdLow', r);
  if (high === undefined) throw missing('Span.traceIdHigh', r);
  if (spanId === undefined) throw missing('Span.spanId', r);
  if (parent === undefined) throw missing('Span.parentSpanId', r);
  if (operationName === undefined) throw missing('Span.operationName', r);
  if (flags === undefined) throw missing('Span.flags', r);
  if (startTime === undefined) throw missing('Span.startTime', r);
  if (duration === undefined) throw missing('Span.duration', r);
  const span: Span = {
    traceId: high + low,
    spanId,
    operationName,
    references,
    flags,
    startTime,
    duration,
    tags,
    logs,
    process,
  };
  if (parent !== ZERO_ID) span.parentSpanId = parent;
  if (incomplete) span.incomplete = true;
  return span;
}

export function readProcess(r: ThriftReader): Process {
  r.readStructBegin();
  let serviceName: string | undefined;
  let tags: KeyValue[] = [];
  for (let t = r.readFieldBegin(); t !== T_STOP; t = r.readFieldBegin()) {
    if (r.fieldId === 1 && t === T_STRING) serviceName = r.readString();
    else if (r.fieldId === 2 && t === T_LIST) tags = readTags(r);
    else r.skipValue(t, 2);
  }
  r.readStructEnd();
  if (serviceName === undefined) throw missing('Process.serviceName', r);
  return { serviceName, tags };
}

function readStats(r: ThriftReader): ClientStats {
  r.readStructBegin();
  let full: bigint | undefined;
  let tooLarge: bigint | undefined;
  let failed: bigint | undefined;
  for (let t = r.readFieldBegin(); t !== T_STOP; t = r.readFieldBegin()) {
    if (r.fieldId === 1 && t === T_I64) full = r.readI64BigInt();
    else if (r.fieldId === 2 && t === T_I64) tooLarge = r.readI64BigInt();
    else if (r.fieldId === 3 && t === T_I64) failed = r.readI64BigInt();
    else r.skipValue(t, 2);
  }
  r.readStructEnd();
  if (full === undefined) throw missing('ClientStats.fullQueueDroppedSpans', r);
  if (tooLarge === undefined) throw missing('ClientStats.tooLargeDroppedSpans', r);
  if (failed === undefined) throw missing('ClientStats.failedToEmitSpans', r);
  return { fullQueueDroppedSpans: full, tooLargeDroppedSpans: tooLarge, failedToEmitSpans: failed };
}

/** Reads a jaeger.thrift Batch struct; every span's `process` is the batch's process object. */
export function readBatch(r: ThriftReader): Batch {
  r.readStructBegin();
  let process: Process | undefined;
  let spans: Span[] | undefined;
  let seqNo: bigint | undefined;
  let stats: ClientStats | undefined;
  for (let t = r.readFieldBegin(); t !== T_STOP; t = r.readFieldBegin()) {
    const id = r.fieldId;
    if (id === 1 && t === T_STRUCT) process = readProcess(r);
    else if (id === 2 && t === T_LIST) {
      const size = expectList(r, T_STRUCT, 'the span list');
      spans = [];
      // The process may come after the spans on the wire; they are linked to it below.
      for (let i = 0; i < size; i++) spans.push(readSpan(r, NO_PROCESS));
    } else if (id === 3 && t === T_I64) seqNo = r.readI64BigInt();
    else if (id === 4 && t === T_STRUCT) stats = readStats(r);
    else r.skipValue(t, 1);
  }
  r.readStructEnd();
  if (process === undefined) throw missing('Batch.process', r);
  if (spans === undefined) throw missing('Batch.spans', r);
  for (const span of spans) span.process = process;
  const batch: Batch = { process, spans };
  if (seqNo !== undefined) batch.seqNo = seqNo;
  if (stats !== undefined) batch.stats = stats;
  return batch;
}

export function writeTag(w: ThriftWriter, tag: KeyValue): void {
  w.writeStructBegin();
  w.writeFieldBegin(T_STRING, 1);
  w.writeString(tag.key);
  w.writeFieldBegin(T_I32, 2);
  w.writeI32(TAG_TYPE_CODE[tag.type]);
  switch (tag.type) {
    case 'string':
      w.writeFieldBegin(T_STRING, 3);
      w.writeString(tag.value);
      break;
    case 'float64':
      w.writeFieldBegin(T_DOUBLE, 4);
      w.writeDouble(tag.value);
      break;
    case 'bool':
      w.writeBoolField(5, tag.value);
      break;
    case 'int64':
      w.writeFieldBegin(T_I64, 6);
      w.writeI64BigInt(tag.value);
      break;
    case 'binary':
      w.writeFieldBegin(T_STRING, 7);
      w.writeBinary(tag.value);
      break;
  }
  w.writeFieldStop();
  w.writeStructEnd();
}

function writeTags(w: ThriftWriter, id: number, tags: readonly KeyValue[]): void {
  w.writeFieldBegin(T_LIST, id);
  w.writeListBegin(T_STRUCT, tags.length);
  for (const tag of tags) writeTag(w, tag);
}

export function writeProcess(w: ThriftWriter, process: Process): void {
  w.writeStructBegin();
  w.writeFieldBegin(T_STRING, 1);
  w.writeString(process.serviceName);
  if (process.tags.length > 0) writeTags(w, 2, process.tags);
  w.writeFieldStop();
  w.writeStructEnd();
}

export function writeSpan(w: ThriftWriter, span: Span): void {
  w.writeStructBegin();
  w.writeFieldBegin(T_I64, 1);
  w.writeI64Hex(span.traceId.slice(16));
  w.writeFieldBegin(T_I64, 2);
  w.writeI64Hex(span.traceId.slice(0, 16));
  w.writeFieldBegin(T_I64, 3);
  w.writeI64Hex(span.spanId);
  w.writeFieldBegin(T_I64, 4);
  w.writeI64Hex(span.parentSpanId ?? ZERO_ID);
  w.writeFieldBegin(T_STRING, 5);
  w.writeString(span.operationName);
  if (span.references.length > 0) {
    w.writeFieldBegin(T_LIST, 6);
    w.writeListBegin(T_STRUCT, span.references.length);
    for (const ref of span.references) {
      w.writeStructBegin();
      w.writeFieldBegin(T_I32, 1);
      w.writeI32(ref.refType === 'CHILD_OF' ? 0 : 1);
      w.writeFieldBegin(T_I64, 2);
      w.writeI64Hex(ref.traceId.slice(16));
      w.writeFieldBegin(T_I64, 3);
      w.writeI64Hex(ref.traceId.slice(0, 16));
      w.writeFieldBegin(T_I64, 4);
      w.writeI64Hex(ref.spanId);
      w.writeFieldStop();
      w.writeStructEnd();
    }
  }
  w.writeFieldBegin(T_I32, 7);
  w.writeI32(span.flags);
  w.writeFieldBegin(T_I64, 8);
  w.writeI64Number(span.startTime);
  w.writeFieldBegin(T_I64, 9);
  w.writeI64Number(span.duration);
  if (span.tags.length > 0) writeTags(w, 10, span.tags);
  if (span.logs.length > 0) {
    w.writeFieldBegin(T_LIST, 11);
    w.writeListBegin(T_STRUCT, span.logs.length);
    for (const log of span.logs) {
      w.writeStructBegin();
      w.writeFieldBegin(T_I64, 1);
      w.writeI64Number(log.timestamp);
      writeTags(w, 2, log.fields);
      w.writeFieldStop();
      w.writeStructEnd();
    }
  }
  if (span.incomplete) w.writeBoolField(12, true);
  w.writeFieldStop();
  w.writeStructEnd();
}

/** Writes a Batch struct; spans are written as given (their own `process` is not consulted). */
export function writeBatch(w: ThriftWriter, batch: Batch): void {
  w.writeStructBegin();
  w.writeFieldBegin(T_STRUCT, 1);
  writeProcess(w, batch.process);
  w.writeFieldBegin(T_LIST, 2);
  w.writeListBegin(T_STRUCT, batch.spans.length);
  for (const span of batch.spans) writeSpan(w, span);
  if (batch.seqNo !== undefined) {
    w.writeFieldBegin(T_I64, 3);
    w.writeI64BigInt(batch.seqNo);
  }
  if (batch.stats !== undefined) {
    w.writeFieldBegin(T_STRUCT, 4);
    w.writeStructBegin();
    w.writeFieldBegin(T_I64, 1);
    w.writeI64BigInt(batch.stats.fullQueueDroppedSpans);
    w.writeFieldBegin(T_I64, 2);
    w.writeI64BigInt(batch.stats.tooLargeDroppedSpans);
    w.writeFieldBegin(T_I64, 3);
    w.writeI64BigInt(batch.stats.failedToEmitSpans);
    w.writeFieldStop();
    w.writeStructEnd();
  }
  w.writeFieldStop();
  w.writeStructEnd();
}

export { TAG_TYPES };
