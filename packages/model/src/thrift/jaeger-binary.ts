// Jaeger's jaeger.thrift structures read from the binary protocol: the same structures, checks and errors as
// jaeger.ts, specialised to BinaryReader (shared by two reader classes, every call in jaeger.ts is
// polymorphic). Each field header is read as one number, type and id, and dispatched with one switch; and the
// layouts every client writes (a tag's key, type and value; a reference; a span's four IDs; its flags, start
// time and duration) are read straight through behind one bounds check, falling back to the field loop, which
// takes any order and skips unknown fields, on anything else. Both paths give the same result for every
// input; the tests hold them to the thrift package.
import { DecodeError } from '../errors.js';
import type { Batch, ClientStats, KeyValue, Log, Process, Span, SpanRef } from '../types.js';
import { idHex, traceIdHex } from './hex.js';
import { i64BigInt, i64Number, type BinaryReader } from './reader.js';
import { decodeString } from './strings.js';
import { T_STOP, T_STRUCT } from './types.js';

// Field keys as BinaryReader.readFieldKey returns them: thrift type << 16 | field id, written out as number
// literals (a `const enum` is not inlined under isolatedModules, and a property load per `case` is slow):
// 0x02 bool, 0x04 double, 0x08 i32, 0x0a i64, 0x0b string, 0x0c struct, 0x0f list.

const NO_PROCESS: Process = { serviceName: '', tags: [] };

function missing(field: string, r: BinaryReader): DecodeError {
  return new DecodeError('DECODE_MISSING_FIELD', `required field ${field} is missing`, r.pos);
}

function structList(r: BinaryReader, what: string): number {
  const size = r.readListBegin();
  if (size > 0 && r.elemType !== T_STRUCT) {
    throw new DecodeError('DECODE_BAD_TYPE', `${what} holds type ${r.elemType}, expected ${T_STRUCT}`, r.pos);
  }
  return size;
}

/**
 * The tag layout every client writes (key, vType, the value's field, stop) read straight through: a few
 * compares of whole words instead of a field loop. Anything else (other fields or order, a short input, a
 * binary value) returns undefined with the reader untouched, for readTagFields to decide.
 */
function readUsualTag(r: BinaryReader): KeyValue | undefined {
  const b = r.buf;
  const v = r.view;
  const end = r.end;
  const p = r.pos;
  // Each check below covers every byte read after it: headers are compared as the top 3 bytes of a word.
  if (p + 7 > end || v.getInt32(p) >>> 8 !== 0x0b0001 /* Tag.key */) return undefined;
  const keyStart = p + 7;
  const keyLength = v.getInt32(p + 3);
  if (keyLength < 0 || keyLength > end - keyStart - 7) return undefined;
  const keyEnd = keyStart + keyLength;
  if (v.getInt32(keyEnd) >>> 8 !== 0x080002 /* Tag.vType */) return undefined;
  const vType = v.getInt32(keyEnd + 3);
  // The value's field header is at q; `next` is where the tag ends, after its stop byte.
  const q = keyEnd + 7;
  let next: number;
  switch (vType) {
    case 0: {
      if (q + 8 > end || v.getInt32(q) >>> 8 !== 0x0b0003 /* Tag.vStr */) return undefined;
      const length = v.getInt32(q + 3);
      if (length < 0 || length > end - q - 8) return undefined;
      next = q + 8 + length;
      break;
    }
    case 1:
      if (q + 12 > end || v.getInt32(q) >>> 8 !== 0x040004 /* Tag.vDouble */) return undefined;
      next = q + 12;
      break;
    case 2:
      if (q + 5 > end || v.getInt32(q) >>> 8 !== 0x020005 /* Tag.vBool */) return undefined;
      next = q + 5;
      break;
    case 3:
      if (q + 12 > end || v.getInt32(q) >>> 8 !== 0x0a0006 /* Tag.vLong */) return undefined;
      next = q + 12;
      break;
    default:
      return undefined;
  }
  if (b[next - 1] !== T_STOP) return undefined;
  r.pos = next;
  // One call site per decodeString, so that the compiler can inline both.
  const key = decodeString(b, v, keyStart, keyEnd);
  switch (vType) {
    case 0:
      return { key, type: 'string', value: decodeString(b, v, q + 7, next - 1) };
    case 1:
      return { key, type: 'float64', value: v.getFloat64(q + 3) };
    case 2:
      return { key, type: 'bool', value: b[q + 3] !== 0 };
    default:
      return { key, type: 'int64', value: i64BigInt(v.getInt32(q + 3), v.getInt32(q + 7)) };
  }
}

function readTag(r: BinaryReader): KeyValue {
  return readUsualTag(r) ?? readTagFields(r);
}

/** A tag in any field order, with unknown fields skipped. */
function readTagFields(r: BinaryReader): KeyValue {
  let key: string | undefined;
  let vType = -1;
  let vStr = '';
  let vDouble = 0;
  let vBool = false;
  let vLong = 0n;
  let vBinary: Uint8Array | undefined;
  // One call site per reader method (the key and the string value share one), so that the optimizing
  // compiler's inlining budget covers them all.
  for (;;) {
    const f = r.readFieldKey();
    if (f === 0) break;
    switch (f) {
      case 0x0b0001: // Tag.key
      case 0x0b0003: {
        // Tag.vStr
        const s = r.readString();
        if (f === 0x0b0001 /* Tag.key */) key = s;
        else vStr = s;
        break;
      }
      case 0x080002: // Tag.vType
        vType = r.readI32();
        break;
      case 0x040004: // Tag.vDouble
        vDouble = r.readDouble();
        break;
      case 0x020005: // Tag.vBool
        vBool = r.readBool();
        break;
      case 0x0a0006: // Tag.vLong
        r.readI64();
        vLong = i64BigInt(r.hi, r.lo);
        break;
      case 0x0b0007: // Tag.vBinary
        vBinary = r.readBinary();
        break;
      default:
        r.skipValue(f >>> 16, 2);
    }
  }
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

function readTags(r: BinaryReader): KeyValue[] {
  const size = structList(r, 'a tag list');
  const tags: KeyValue[] = [];
  for (let i = 0; i < size; i++) tags.push(readTag(r));
  return tags;
}

function readLog(r: BinaryReader): Log {
  let timestamp: number | undefined;
  let fields: KeyValue[] | undefined;
  for (let f = r.readFieldKey(); f !== 0; f = r.readFieldKey()) {
    if (f === 0x0a0001 /* Log.timestamp */) {
      r.readI64();
      timestamp = i64Number(r.hi, r.lo, 'log timestamp', r.pos);
    } else if (f === 0x0f0002 /* Log.fields */) fields = readTags(r);
    else r.skipValue(f >>> 16, 2);
  }
  if (timestamp === undefined) throw missing('Log.timestamp', r);
  if (fields === undefined) throw missing('Log.fields', r);
  return { timestamp, fields };
}

function readRef(r: BinaryReader): SpanRef {
  // The layout clients write, read straight through: refType, traceIdLow, traceIdHigh, spanId, stop.
  const b = r.buf;
  const v = r.view;
  const p = r.pos;
  if (
    p + 41 <= r.end &&
    v.getInt32(p) >>> 8 === 0x080001 /* SpanRef.refType */ &&
    v.getInt32(p + 7) >>> 8 === 0x0a0002 /* SpanRef.traceIdLow */ &&
    v.getInt32(p + 18) >>> 8 === 0x0a0003 /* SpanRef.traceIdHigh */ &&
    v.getInt32(p + 29) >>> 8 === 0x0a0004 /* SpanRef.spanId */ &&
    b[p + 40] === T_STOP
  ) {
    const refType = v.getInt32(p + 3);
    if (refType === 0 || refType === 1) {
      r.pos = p + 41;
      return {
        refType: refType === 0 ? 'CHILD_OF' : 'FOLLOWS_FROM',
        traceId: traceIdHex(v.getInt32(p + 21), v.getInt32(p + 25), v.getInt32(p + 10), v.getInt32(p + 14)),
        spanId: idHex(v.getInt32(p + 32), v.getInt32(p + 36)),
      };
    }
  }
  return readRefFields(r);
}

/** A reference in any field order, with unknown fields skipped. */
function readRefFields(r: BinaryReader): SpanRef {
  let refType = -1;
  // Which of the three IDs were present, as bits 1, 2 and 4.
  let seen = 0;
  let lowHi = 0;
  let lowLo = 0;
  let highHi = 0;
  let highLo = 0;
  let idHi = 0;
  let idLo = 0;
  for (let f = r.readFieldKey(); f !== 0; f = r.readFieldKey()) {
    switch (f) {
      case 0x080001: // SpanRef.refType
        refType = r.readI32();
        break;
      case 0x0a0002: // SpanRef.traceIdLow
        r.readI64();
        lowHi = r.hi;
        lowLo = r.lo;
        seen |= 1;
        break;
      case 0x0a0003: // SpanRef.traceIdHigh
        r.readI64();
        highHi = r.hi;
        highLo = r.lo;
        seen |= 2;
        break;
      case 0x0a0004: // SpanRef.spanId
        r.readI64();
        idHi = r.hi;
        idLo = r.lo;
        seen |= 4;
        break;
      default:
        r.skipValue(f >>> 16, 2);
    }
  }
  if (refType === -1) throw missing('SpanRef.refType', r);
  if ((seen & 1) === 0) throw missing('SpanRef.traceIdLow', r);
  if ((seen & 2) === 0) throw missing('SpanRef.traceIdHigh', r);
  if ((seen & 4) === 0) throw missing('SpanRef.spanId', r);
  if (refType !== 0 && refType !== 1)
    throw new DecodeError('DECODE_BAD_VALUE', `unknown reference type ${refType}`, r.pos);
  return {
    refType: refType === 0 ? 'CHILD_OF' : 'FOLLOWS_FROM',
    traceId: traceIdHex(highHi, highLo, lowHi, lowLo),
    spanId: idHex(idHi, idLo),
  };
}

// Span fields that must be present, as bits of `seen` in readSpan.
const S_LOW = 1;
const S_HIGH = 2;
const S_ID = 4;
const S_PARENT = 8;
const S_NAME = 16;
const S_FLAGS = 32;
const S_START = 64;
const S_DURATION = 128;
const S_ALL = 255;

function readSpan(r: BinaryReader): Span {
  let seen = 0;
  let lowHi = 0;
  let lowLo = 0;
  let highHi = 0;
  let highLo = 0;
  let idHi = 0;
  let idLo = 0;
  let parentHi = 0;
  let parentLo = 0;
  let operationName = '';
  // Left undefined until seen, rather than starting as [] and replaced: most spans have tags and references.
  let references: SpanRef[] | undefined;
  let flags = 0;
  let startTime = 0;
  let duration = 0;
  let tags: KeyValue[] | undefined;
  let logs: Log[] | undefined;
  let incomplete = false;
  // Clients write the four IDs first, in field order: read them straight through when they are there (one
  // bounds check, headers compared as the top 3 bytes of a word), and leave the rest to the loop.
  const v = r.view;
  const p = r.pos;
  if (
    p + 44 <= r.end &&
    v.getInt32(p) >>> 8 === 0x0a0001 /* Span.traceIdLow */ &&
    v.getInt32(p + 11) >>> 8 === 0x0a0002 /* Span.traceIdHigh */ &&
    v.getInt32(p + 22) >>> 8 === 0x0a0003 /* Span.spanId */ &&
    v.getInt32(p + 33) >>> 8 === 0x0a0004 /* Span.parentSpanId */
  ) {
    lowHi = v.getInt32(p + 3);
    lowLo = v.getInt32(p + 7);
    highHi = v.getInt32(p + 14);
    highLo = v.getInt32(p + 18);
    idHi = v.getInt32(p + 25);
    idLo = v.getInt32(p + 29);
    parentHi = v.getInt32(p + 36);
    parentLo = v.getInt32(p + 40);
    seen = S_LOW | S_HIGH | S_ID | S_PARENT;
    r.pos = p + 44;
  }
  for (let f = r.readFieldKey(); f !== 0; f = r.readFieldKey()) {
    switch (f) {
      case 0x0a0001: // Span.traceIdLow
        r.readI64();
        lowHi = r.hi;
        lowLo = r.lo;
        seen |= S_LOW;
        break;
      case 0x0a0002: // Span.traceIdHigh
        r.readI64();
        highHi = r.hi;
        highLo = r.lo;
        seen |= S_HIGH;
        break;
      case 0x0a0003: // Span.spanId
        r.readI64();
        idHi = r.hi;
        idLo = r.lo;
        seen |= S_ID;
        break;
      case 0x0a0004: // Span.parentSpanId
        r.readI64();
        parentHi = r.hi;
        parentLo = r.lo;
        seen |= S_PARENT;
        break;
      case 0x0b0005: // Span.operationName
        operationName = r.readString();
        seen |= S_NAME;
        break;
      case 0x0f0006: {
        // Span.references
        const size = structList(r, 'a reference list');
        references = [];
        for (let i = 0; i < size; i++) references.push(readRef(r));
        break;
      }
      case 0x080007: {
        // Span.flags, and straight through startTime and duration when they follow, as clients write them.
        const q = r.pos;
        if (
          q + 26 <= r.end &&
          v.getInt32(q + 4) >>> 8 === 0x0a0008 /* Span.startTime */ &&
          v.getInt32(q + 15) >>> 8 === 0x0a0009 /* Span.duration */
        ) {
          flags = v.getInt32(q);
          startTime = i64Number(v.getInt32(q + 7), v.getInt32(q + 11), 'span startTime', q + 15);
          duration = i64Number(v.getInt32(q + 18), v.getInt32(q + 22), 'span duration', q + 26);
          seen |= S_FLAGS | S_START | S_DURATION;
          r.pos = q + 26;
        } else {
          flags = r.readI32();
          seen |= S_FLAGS;
        }
        break;
      }
      case 0x0a0008: // Span.startTime
        r.readI64();
        startTime = i64Number(r.hi, r.lo, 'span startTime', r.pos);
        seen |= S_START;
        break;
      case 0x0a0009: // Span.duration
        r.readI64();
        duration = i64Number(r.hi, r.lo, 'span duration', r.pos);
        seen |= S_DURATION;
        break;
      case 0x0f000a: // Span.tags
        tags = readTags(r);
        break;
      case 0x0f000b: {
        // Span.logs
        const size = structList(r, 'a log list');
        logs = [];
        for (let i = 0; i < size; i++) logs.push(readLog(r));
        break;
      }
      case 0x02000c: // Span.incomplete
        incomplete = r.readBool();
        break;
      default:
        r.skipValue(f >>> 16, 2);
    }
  }
  if (seen !== S_ALL) throw missingSpanField(seen, r);
  const span: Span = {
    traceId: traceIdHex(highHi, highLo, lowHi, lowLo),
    spanId: idHex(idHi, idLo),
    operationName,
    references: references ?? [],
    flags,
    startTime,
    duration,
    tags: tags ?? [],
    logs: logs ?? [],
    process: NO_PROCESS,
  };
  if (parentHi !== 0 || parentLo !== 0) span.parentSpanId = idHex(parentHi, parentLo);
  if (incomplete) span.incomplete = true;
  return span;
}

const SPAN_REQUIRED: ReadonlyArray<[number, string]> = [
  [S_LOW, 'Span.traceIdLow'],
  [S_HIGH, 'Span.traceIdHigh'],
  [S_ID, 'Span.spanId'],
  [S_PARENT, 'Span.parentSpanId'],
  [S_NAME, 'Span.operationName'],
  [S_FLAGS, 'Span.flags'],
  [S_START, 'Span.startTime'],
  [S_DURATION, 'Span.duration'],
];

function missingSpanField(seen: number, r: BinaryReader): DecodeError {
  const [, name] = SPAN_REQUIRED.find(([bit]) => (seen & bit) === 0) as [number, string];
  return missing(name, r);
}

function readProcess(r: BinaryReader): Process {
  let serviceName: string | undefined;
  let tags: KeyValue[] | undefined;
  for (let f = r.readFieldKey(); f !== 0; f = r.readFieldKey()) {
    if (f === 0x0b0001 /* Process.serviceName */) serviceName = r.readString();
    else if (f === 0x0f0002 /* Process.tags */) tags = readTags(r);
    else r.skipValue(f >>> 16, 2);
  }
  if (serviceName === undefined) throw missing('Process.serviceName', r);
  return { serviceName, tags: tags ?? [] };
}

function readStats(r: BinaryReader): ClientStats {
  let full: bigint | undefined;
  let tooLarge: bigint | undefined;
  let failed: bigint | undefined;
  for (let f = r.readFieldKey(); f !== 0; f = r.readFieldKey()) {
    if (f === 0x0a0001 /* ClientStats.fullQueueDroppedSpans */) full = r.readI64BigInt();
    else if (f === 0x0a0002 /* ClientStats.tooLargeDroppedSpans */) tooLarge = r.readI64BigInt();
    else if (f === 0x0a0003 /* ClientStats.failedToEmitSpans */) failed = r.readI64BigInt();
    else r.skipValue(f >>> 16, 2);
  }
  if (full === undefined) throw missing('ClientStats.fullQueueDroppedSpans', r);
  if (tooLarge === undefined) throw missing('ClientStats.tooLargeDroppedSpans', r);
  if (failed === undefined) throw missing('ClientStats.failedToEmitSpans', r);
  return { fullQueueDroppedSpans: full, tooLargeDroppedSpans: tooLarge, failedToEmitSpans: failed };
}

/** Reads a jaeger.thrift Batch struct in the binary protocol; as readBatch in jaeger.ts. */
export function readBinaryBatch(r: BinaryReader): Batch {
  let process: Process | undefined;
  let spans: Span[] | undefined;
  let seqNo: bigint | undefined;
  let stats: ClientStats | undefined;
  for (let f = r.readFieldKey(); f !== 0; f = r.readFieldKey()) {
    if (f === 0x0c0001 /* Batch.process */) process = readProcess(r);
    else if (f === 0x0f0002 /* Batch.spans */) {
      const size = structList(r, 'the span list');
      spans = [];
      // The process may come after the spans on the wire; they are linked to it below.
      for (let i = 0; i < size; i++) spans.push(readSpan(r));
    } else if (f === 0x0a0003 /* Batch.seqNo */) seqNo = r.readI64BigInt();
    else if (f === 0x0c0004 /* Batch.stats */) stats = readStats(r);
    else r.skipValue(f >>> 16, 1);
  }
  if (process === undefined) throw missing('Batch.process', r);
  if (spans === undefined) throw missing('Batch.spans', r);
  for (const span of spans) span.process = process;
  const batch: Batch = { process, spans };
  if (seqNo !== undefined) batch.seqNo = seqNo;
  if (stats !== undefined) batch.stats = stats;
  return batch;
}
