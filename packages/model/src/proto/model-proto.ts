// Jaeger api_v2 protobuf (model.proto, collector.proto) without a protobuf runtime: the ingester decodes every
// Kafka message with this, so it reads straight from the input bytes and allocates only what it returns.
//
// Where Jaeger (gogo-generated Go) and generic protobuf differ, this follows Jaeger:
// - a known field with the wrong wire type is an error, not an unknown field;
// - a repeated `process` (span or batch) or `batch` merges into the earlier one, a repeated timestamp replaces it;
// - Timestamp/Duration outside google.protobuf's documented ranges are errors.
// Deliberately stricter than Jaeger: a trace_id must be exactly 16 bytes (Jaeger ignores bytes past the 16th),
// and a v_type or ref_type outside the enum is an error because the domain model cannot represent it.
// model.proto has no repeated scalar fields, so the packed/unpacked distinction never arises.

import { DecodeError } from '../errors.js';
import { ProtoReader as Reader, wrongWireType } from './reader.js';
import type { Batch, KeyValue, Log, Process, Span, SpanRef } from '../types.js';

const TWO_32 = 4294967296;
const MICROS_PER_SECOND = 1_000_000;
const MIN_TIMESTAMP_SECONDS = -62135596800; // 0001-01-01T00:00:00Z
const MAX_TIMESTAMP_SECONDS = 253402300799; // 9999-12-31T23:59:59Z
const MAX_DURATION_SECONDS = 315576000000; // 10,000 years

const ZERO_TRACE_ID = '00000000000000000000000000000000';
const ZERO_SPAN_ID = '0000000000000000';
const EMPTY_BYTES = new Uint8Array(0);

const HEX_BYTE: string[] = [];
for (let i = 0; i < 256; i++) HEX_BYTE.push(i.toString(16).padStart(2, '0'));

const utf8Encoder = new TextEncoder();

// ---------------------------------------------------------------------------------------------------------------
// Reading

function checkEnd(r: Reader, end: number): void {
  r.checkEnd(end);
}

function hexOf(buf: Uint8Array, start: number, stop: number): string {
  let s = '';
  for (let i = start; i < stop; i++) s += HEX_BYTE[buf[i]!]!;
  return s;
}

function readTraceId(r: Reader, end: number): string {
  const stop = r.delimitedEnd(end);
  if (stop - r.pos !== 16) throw new DecodeError('DECODE_BAD_LENGTH', 'trace_id must be 16 bytes', r.pos);
  const id = hexOf(r.buf, r.pos, stop);
  r.pos = stop;
  return id;
}

function readSpanId(r: Reader, end: number): string {
  const stop = r.delimitedEnd(end);
  if (stop - r.pos !== 8) throw new DecodeError('DECODE_BAD_LENGTH', 'span_id must be 8 bytes', r.pos);
  const id = hexOf(r.buf, r.pos, stop);
  r.pos = stop;
  return id;
}

/** google.protobuf.Timestamp as microseconds, nanoseconds truncated. */
function readTimestamp(r: Reader, end: number): number {
  const stop = r.delimitedEnd(end);
  const at = r.pos;
  let seconds = 0;
  let nanos = 0;
  while (r.pos < stop) {
    const tag = r.tag();
    if (tag === 0x08) seconds = r.int64Number();
    else if (tag === 0x10) nanos = r.uint32() | 0;
    else if (tag >>> 3 === 1 || tag >>> 3 === 2) throw wrongWireType(tag, r.pos);
    else r.skipValue(tag & 7, stop);
  }
  checkEnd(r, stop);
  if (
    seconds < MIN_TIMESTAMP_SECONDS ||
    seconds > MAX_TIMESTAMP_SECONDS ||
    nanos < 0 ||
    nanos > 999_999_999
  ) {
    throw new DecodeError('DECODE_BAD_VALUE', 'timestamp out of range', at);
  }
  return seconds * MICROS_PER_SECOND + Math.trunc(nanos / 1000);
}

/** google.protobuf.Duration as microseconds, nanoseconds truncated toward zero. */
function readDuration(r: Reader, end: number): number {
  const stop = r.delimitedEnd(end);
  const at = r.pos;
  let seconds = 0;
  let nanos = 0;
  while (r.pos < stop) {
    const tag = r.tag();
    if (tag === 0x08) seconds = r.int64Number();
    else if (tag === 0x10) nanos = r.uint32() | 0;
    else if (tag >>> 3 === 1 || tag >>> 3 === 2) throw wrongWireType(tag, r.pos);
    else r.skipValue(tag & 7, stop);
  }
  checkEnd(r, stop);
  if (
    seconds < -MAX_DURATION_SECONDS ||
    seconds > MAX_DURATION_SECONDS ||
    nanos <= -1_000_000_000 ||
    nanos >= 1_000_000_000 ||
    (seconds > 0 && nanos < 0) ||
    (seconds < 0 && nanos > 0)
  ) {
    throw new DecodeError('DECODE_BAD_VALUE', 'duration out of range', at);
  }
  return seconds * MICROS_PER_SECOND + Math.trunc(nanos / 1000);
}

function readKeyValue(r: Reader, end: number): KeyValue {
  const stop = r.delimitedEnd(end);
  const at = r.pos;
  let key = '';
  let vType = 0;
  let vStr = '';
  let vBool = false;
  let vInt64 = 0n;
  let vFloat64 = 0;
  let vBinary = EMPTY_BYTES;
  while (r.pos < stop) {
    const tag = r.tag();
    switch (tag) {
      case 0x0a:
        key = r.string(stop);
        break;
      case 0x10:
        vType = r.uint32() | 0;
        break;
      case 0x1a:
        vStr = r.string(stop);
        break;
      case 0x20:
        vBool = r.bool();
        break;
      case 0x28:
        vInt64 = r.int64();
        break;
      case 0x31:
        vFloat64 = r.double();
        break;
      case 0x3a: {
        const bytesEnd = r.delimitedEnd(stop);
        vBinary = new Uint8Array(bytesEnd - r.pos);
        vBinary.set(r.buf.subarray(r.pos, bytesEnd));
        r.pos = bytesEnd;
        break;
      }
      default:
        if (tag >>> 3 <= 7) throw wrongWireType(tag, r.pos);
        r.skipValue(tag & 7, stop);
    }
  }
  checkEnd(r, stop);
  switch (vType) {
    case 0:
      return { key, type: 'string', value: vStr };
    case 1:
      return { key, type: 'bool', value: vBool };
    case 2:
      return { key, type: 'int64', value: vInt64 };
    case 3:
      return { key, type: 'float64', value: vFloat64 };
    case 4:
      return { key, type: 'binary', value: vBinary };
    default:
      throw new DecodeError('DECODE_BAD_VALUE', `unknown ValueType ${vType}`, at);
  }
}

function readLog(r: Reader, end: number): Log {
  const stop = r.delimitedEnd(end);
  let timestamp = 0;
  const fields: KeyValue[] = [];
  while (r.pos < stop) {
    const tag = r.tag();
    if (tag === 0x0a) timestamp = readTimestamp(r, stop);
    else if (tag === 0x12) fields.push(readKeyValue(r, stop));
    else if (tag >>> 3 <= 2) throw wrongWireType(tag, r.pos);
    else r.skipValue(tag & 7, stop);
  }
  checkEnd(r, stop);
  return { timestamp, fields };
}

function readSpanRef(r: Reader, end: number): SpanRef {
  const stop = r.delimitedEnd(end);
  const at = r.pos;
  let traceId = ZERO_TRACE_ID;
  let spanId = ZERO_SPAN_ID;
  let refType = 0;
  while (r.pos < stop) {
    const tag = r.tag();
    if (tag === 0x0a) traceId = readTraceId(r, stop);
    else if (tag === 0x12) spanId = readSpanId(r, stop);
    else if (tag === 0x18) refType = r.uint32() | 0;
    else if (tag >>> 3 <= 3) throw wrongWireType(tag, r.pos);
    else r.skipValue(tag & 7, stop);
  }
  checkEnd(r, stop);
  if (refType === 0) return { refType: 'CHILD_OF', traceId, spanId };
  if (refType === 1) return { refType: 'FOLLOWS_FROM', traceId, spanId };
  throw new DecodeError('DECODE_BAD_VALUE', `unknown SpanRefType ${refType}`, at);
}

/** Merges a Process message into `into`, as a repeated embedded message does in protobuf. */
function readProcessInto(r: Reader, end: number, into: Process): void {
  const stop = r.delimitedEnd(end);
  while (r.pos < stop) {
    const tag = r.tag();
    if (tag === 0x0a) into.serviceName = r.string(stop);
    else if (tag === 0x12) into.tags.push(readKeyValue(r, stop));
    else if (tag >>> 3 <= 2) throw wrongWireType(tag, r.pos);
    else r.skipValue(tag & 7, stop);
  }
  checkEnd(r, stop);
}

function emptyProcess(): Process {
  return { serviceName: '', tags: [] };
}

/** Reads Span fields up to `stop`; `hasProcess` tells a batch whether the span still needs the batch process. */
function readSpanFields(r: Reader, stop: number): { span: Span; hasProcess: boolean } {
  let traceId = ZERO_TRACE_ID;
  let spanId = ZERO_SPAN_ID;
  let operationName = '';
  const references: SpanRef[] = [];
  let flags = 0;
  let startTime = 0;
  let duration = 0;
  const tags: KeyValue[] = [];
  const logs: Log[] = [];
  let process: Process | undefined;
  let warnings: string[] | undefined;
  while (r.pos < stop) {
    const tag = r.tag();
    switch (tag) {
      case 0x0a:
        traceId = readTraceId(r, stop);
        break;
      case 0x12:
        spanId = readSpanId(r, stop);
        break;
      case 0x1a:
        operationName = r.string(stop);
        break;
      case 0x22:
        references.push(readSpanRef(r, stop));
        break;
      case 0x28:
        flags = r.uint32();
        break;
      case 0x32:
        startTime = readTimestamp(r, stop);
        break;
      case 0x3a:
        duration = readDuration(r, stop);
        break;
      case 0x42:
        tags.push(readKeyValue(r, stop));
        break;
      case 0x4a:
        logs.push(readLog(r, stop));
        break;
      case 0x52:
        process ??= emptyProcess();
        readProcessInto(r, stop, process);
        break;
      case 0x5a:
        // process_id only has meaning inside a query-side Trace message; a span on the wire carries its process.
        r.pos = r.delimitedEnd(stop);
        break;
      case 0x62:
        (warnings ??= []).push(r.string(stop));
        break;
      default:
        if (tag >>> 3 <= 12) throw wrongWireType(tag, r.pos);
        r.skipValue(tag & 7, stop);
    }
  }
  checkEnd(r, stop);
  const span: Span = {
    traceId,
    spanId,
    operationName,
    references,
    flags,
    startTime,
    duration,
    tags,
    logs,
    process: process ?? emptyProcess(),
  };
  if (warnings !== undefined) span.warnings = warnings;
  return { span, hasProcess: process !== undefined };
}

interface BatchAcc {
  spans: Span[];
  /** Spans that arrived without a process, to be given the batch's once all of it is read. */
  orphans: Span[];
  process: Process | undefined;
}

function readBatchFields(r: Reader, stop: number, acc: BatchAcc): void {
  while (r.pos < stop) {
    const tag = r.tag();
    if (tag === 0x0a) {
      const spanEnd = r.delimitedEnd(stop);
      const { span, hasProcess } = readSpanFields(r, spanEnd);
      acc.spans.push(span);
      if (!hasProcess) acc.orphans.push(span);
    } else if (tag === 0x12) {
      acc.process ??= emptyProcess();
      readProcessInto(r, stop, acc.process);
    } else if (tag >>> 3 <= 2) {
      throw wrongWireType(tag, r.pos);
    } else {
      r.skipValue(tag & 7, stop);
    }
  }
  checkEnd(r, stop);
}

function finishBatch(acc: BatchAcc): Batch {
  const process = acc.process ?? emptyProcess();
  for (const span of acc.orphans) span.process = process;
  return { process, spans: acc.spans };
}

/**
 * Decodes one jaeger.api_v2.Span (a "jaeger-spans" Kafka message in protobuf encoding). A span without a process
 * gets a fresh `{serviceName: '', tags: []}`: Jaeger's own decoder leaves it nil, and replacing the empty service
 * name is the sanitizer's job, not the codec's. Throws only DecodeError.
 */
export function decodeProtoSpan(buf: Uint8Array): Span {
  const r = new Reader(buf);
  return readSpanFields(r, buf.length).span;
}

/** Decodes a jaeger.api_v2.Batch; spans without their own process share the batch's. Throws only DecodeError. */
export function decodeProtoBatch(buf: Uint8Array): Batch {
  const r = new Reader(buf);
  const acc: BatchAcc = { spans: [], orphans: [], process: undefined };
  readBatchFields(r, buf.length, acc);
  return finishBatch(acc);
}

/** Decodes a CollectorService/PostSpans request body to its batch, as decodeProtoBatch does. Throws only DecodeError. */
export function decodeProtoPostSpansRequest(buf: Uint8Array): Batch {
  const r = new Reader(buf);
  const acc: BatchAcc = { spans: [], orphans: [], process: undefined };
  const end = buf.length;
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 0x0a) {
      const batchEnd = r.delimitedEnd(end);
      readBatchFields(r, batchEnd, acc);
    } else if (tag >>> 3 === 1) {
      throw wrongWireType(tag, r.pos);
    } else {
      r.skipValue(tag & 7, end);
    }
  }
  checkEnd(r, end);
  return finishBatch(acc);
}

// ---------------------------------------------------------------------------------------------------------------
// Writing
//
// Two passes over the same traversal: the first measures every string and nested message and records the sizes in
// order, the second writes into an exactly-sized buffer, taking the sizes back in the same order.

class Writer {
  buf: Uint8Array = EMPTY_BYTES;
  view: DataView | undefined;
  pos = 0;
  /** Sizes recorded by the measuring pass, consumed in the same order by the writing pass. */
  readonly sizes: number[] = [];
  next = 0;

  reset(size: number): void {
    this.buf = new Uint8Array(size);
    this.view = undefined;
    this.pos = 0;
    this.next = 0;
  }

  size(): number {
    return this.sizes[this.next++]!;
  }

  byte(b: number): void {
    this.buf[this.pos++] = b;
  }

  uint32(v: number): void {
    const buf = this.buf;
    let pos = this.pos;
    while (v > 0x7f) {
      buf[pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[pos++] = v;
    this.pos = pos;
  }

  varint64(lo: number, hi: number): void {
    const buf = this.buf;
    let pos = this.pos;
    while (hi !== 0) {
      buf[pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    while (lo > 0x7f) {
      buf[pos++] = (lo & 0x7f) | 0x80;
      lo >>>= 7;
    }
    buf[pos++] = lo;
    this.pos = pos;
  }

  double(v: number): void {
    this.view ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  /** Writes a string whose UTF-8 length the measuring pass recorded. */
  string(s: string, byteLength: number): void {
    this.uint32(byteLength);
    if (byteLength === s.length) {
      const buf = this.buf;
      let pos = this.pos;
      for (let i = 0; i < s.length; i++) buf[pos++] = s.charCodeAt(i);
      this.pos = pos;
    } else {
      this.pos += utf8Encoder.encodeInto(s, this.buf.subarray(this.pos, this.pos + byteLength)).written;
    }
  }

  bytes(b: Uint8Array): void {
    this.uint32(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  hexId(hex: string, byteLength: number): void {
    this.uint32(byteLength);
    if (hex.length !== byteLength * 2)
      throw new RangeError(`ID ${JSON.stringify(hex)} is not ${byteLength} bytes of hex`);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < hex.length; i += 2) {
      const h = hexDigit(hex.charCodeAt(i));
      const l = hexDigit(hex.charCodeAt(i + 1));
      if (h < 0 || l < 0) throw new RangeError(`ID ${JSON.stringify(hex)} is not hex`);
      buf[pos++] = (h << 4) | l;
    }
    this.pos = pos;
  }
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** UTF-8 length as TextEncoder produces it (a lone surrogate becomes the 3-byte U+FFFD). */
function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 2;
        i++;
      } else n += 2;
    } else n += 2;
  }
  return n;
}

function uint32Size(v: number): number {
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  return 5;
}

function varint64Size(lo: number, hi: number): number {
  if (hi === 0) return uint32Size(lo);
  if (hi < 0x8) return 5;
  if (hi < 0x400) return 6;
  if (hi < 0x20000) return 7;
  if (hi < 0x1000000) return 8;
  if (hi < 0x80000000) return 9;
  return 10;
}

/** Size of a length-delimited field (one-byte tag) whose content is `n` bytes. */
function delimitedSize(n: number): number {
  return 1 + uint32Size(n) + n;
}

// Split halves of the last integer converted, to avoid returning a pair.
let splitLo = 0;
let splitHi = 0;

function splitNumber(v: number): void {
  splitLo = v >>> 0;
  splitHi = Math.floor(v / TWO_32) >>> 0;
}

function splitBigInt(v: bigint): void {
  if (v >= 0n && v < 0x100000000n) {
    splitLo = Number(v);
    splitHi = 0;
    return;
  }
  const u = BigInt.asUintN(64, v);
  splitLo = Number(u & 0xffffffffn);
  splitHi = Number(u >> 32n);
}

function secondsOf(micros: number): number {
  return Math.floor(micros / MICROS_PER_SECOND);
}

function timestampSize(micros: number): number {
  const seconds = secondsOf(micros);
  const nanos = Math.floor((micros - seconds * MICROS_PER_SECOND) * 1000);
  splitNumber(seconds);
  return (seconds !== 0 ? 1 + varint64Size(splitLo, splitHi) : 0) + (nanos !== 0 ? 1 + uint32Size(nanos) : 0);
}

function writeTimestamp(w: Writer, micros: number): void {
  const seconds = secondsOf(micros);
  const nanos = Math.floor((micros - seconds * MICROS_PER_SECOND) * 1000);
  if (seconds !== 0) {
    w.byte(0x08);
    splitNumber(seconds);
    w.varint64(splitLo, splitHi);
  }
  if (nanos !== 0) {
    w.byte(0x10);
    w.uint32(nanos);
  }
}

function durationSize(micros: number): number {
  const seconds = Math.trunc(micros / MICROS_PER_SECOND);
  const nanos = Math.trunc((micros - seconds * MICROS_PER_SECOND) * 1000);
  splitNumber(seconds);
  let n = seconds !== 0 ? 1 + varint64Size(splitLo, splitHi) : 0;
  if (nanos !== 0) {
    splitNumber(nanos);
    n += 1 + varint64Size(splitLo, splitHi);
  }
  return n;
}

function writeDuration(w: Writer, micros: number): void {
  const seconds = Math.trunc(micros / MICROS_PER_SECOND);
  const nanos = Math.trunc((micros - seconds * MICROS_PER_SECOND) * 1000);
  if (seconds !== 0) {
    w.byte(0x08);
    splitNumber(seconds);
    w.varint64(splitLo, splitHi);
  }
  if (nanos !== 0) {
    w.byte(0x10);
    splitNumber(nanos);
    w.varint64(splitLo, splitHi);
  }
}

function measureString(w: Writer, s: string): number {
  const n = utf8Length(s);
  w.sizes.push(n);
  return delimitedSize(n);
}

function measureKeyValue(w: Writer, kv: KeyValue): number {
  const slot = w.sizes.length;
  w.sizes.push(0);
  let n = kv.key.length > 0 ? measureString(w, kv.key) : 0;
  switch (kv.type) {
    case 'string':
      if (kv.value.length > 0) n += measureString(w, kv.value);
      break;
    case 'bool':
      n += 2 + (kv.value ? 2 : 0);
      break;
    case 'int64':
      n += 2;
      if (kv.value !== 0n) {
        splitBigInt(kv.value);
        n += 1 + varint64Size(splitLo, splitHi);
      }
      break;
    case 'float64':
      n += 2 + (kv.value !== 0 || Object.is(kv.value, -0) ? 9 : 0);
      break;
    case 'binary':
      n += 2 + (kv.value.length > 0 ? delimitedSize(kv.value.length) : 0);
      break;
  }
  w.sizes[slot] = n;
  return delimitedSize(n);
}

function writeKeyValue(w: Writer, tag: number, kv: KeyValue): void {
  w.byte(tag);
  w.uint32(w.size());
  if (kv.key.length > 0) {
    w.byte(0x0a);
    w.string(kv.key, w.size());
  }
  switch (kv.type) {
    case 'string':
      if (kv.value.length > 0) {
        w.byte(0x1a);
        w.string(kv.value, w.size());
      }
      break;
    case 'bool':
      w.byte(0x10);
      w.byte(1);
      if (kv.value) {
        w.byte(0x20);
        w.byte(1);
      }
      break;
    case 'int64':
      w.byte(0x10);
      w.byte(2);
      if (kv.value !== 0n) {
        w.byte(0x28);
        splitBigInt(kv.value);
        w.varint64(splitLo, splitHi);
      }
      break;
    case 'float64':
      w.byte(0x10);
      w.byte(3);
      if (kv.value !== 0 || Object.is(kv.value, -0)) {
        w.byte(0x31);
        w.double(kv.value);
      }
      break;
    case 'binary':
      w.byte(0x10);
      w.byte(4);
      if (kv.value.length > 0) {
        w.byte(0x3a);
        w.bytes(kv.value);
      }
      break;
  }
}

function measureProcess(w: Writer, p: Process): number {
  const slot = w.sizes.length;
  w.sizes.push(0);
  let n = p.serviceName.length > 0 ? measureString(w, p.serviceName) : 0;
  for (const kv of p.tags) n += measureKeyValue(w, kv);
  w.sizes[slot] = n;
  return delimitedSize(n);
}

function writeProcess(w: Writer, tag: number, p: Process): void {
  w.byte(tag);
  w.uint32(w.size());
  if (p.serviceName.length > 0) {
    w.byte(0x0a);
    w.string(p.serviceName, w.size());
  }
  for (const kv of p.tags) writeKeyValue(w, 0x12, kv);
}

const SPAN_REF_SIZE = delimitedSize(16) + delimitedSize(8);

function measureSpan(w: Writer, span: Span, withProcess: boolean): number {
  const slot = w.sizes.length;
  w.sizes.push(0);
  let n = delimitedSize(16) + delimitedSize(8);
  if (span.operationName.length > 0) n += measureString(w, span.operationName);
  for (const ref of span.references) {
    n += delimitedSize(SPAN_REF_SIZE + (ref.refType === 'FOLLOWS_FROM' ? 2 : 0));
  }
  if (span.flags !== 0) n += 1 + uint32Size(span.flags >>> 0);
  n += delimitedSize(timestampSize(span.startTime));
  n += delimitedSize(durationSize(span.duration));
  for (const kv of span.tags) n += measureKeyValue(w, kv);
  for (const log of span.logs) {
    const logSlot = w.sizes.length;
    w.sizes.push(0);
    let m = delimitedSize(timestampSize(log.timestamp));
    for (const kv of log.fields) m += measureKeyValue(w, kv);
    w.sizes[logSlot] = m;
    n += delimitedSize(m);
  }
  if (withProcess) n += measureProcess(w, span.process);
  if (span.warnings !== undefined) for (const warning of span.warnings) n += measureString(w, warning);
  w.sizes[slot] = n;
  return delimitedSize(n);
}

function writeSpanBody(w: Writer, span: Span, withProcess: boolean): void {
  w.byte(0x0a);
  w.hexId(span.traceId, 16);
  w.byte(0x12);
  w.hexId(span.spanId, 8);
  if (span.operationName.length > 0) {
    w.byte(0x1a);
    w.string(span.operationName, w.size());
  }
  for (const ref of span.references) {
    const follows = ref.refType === 'FOLLOWS_FROM';
    w.byte(0x22);
    w.uint32(SPAN_REF_SIZE + (follows ? 2 : 0));
    w.byte(0x0a);
    w.hexId(ref.traceId, 16);
    w.byte(0x12);
    w.hexId(ref.spanId, 8);
    if (follows) {
      w.byte(0x18);
      w.byte(1);
    }
  }
  if (span.flags !== 0) {
    w.byte(0x28);
    w.uint32(span.flags >>> 0);
  }
  w.byte(0x32);
  w.uint32(timestampSize(span.startTime));
  writeTimestamp(w, span.startTime);
  w.byte(0x3a);
  w.uint32(durationSize(span.duration));
  writeDuration(w, span.duration);
  for (const kv of span.tags) writeKeyValue(w, 0x42, kv);
  for (const log of span.logs) {
    w.byte(0x4a);
    w.uint32(w.size());
    w.byte(0x0a);
    w.uint32(timestampSize(log.timestamp));
    writeTimestamp(w, log.timestamp);
    for (const kv of log.fields) writeKeyValue(w, 0x12, kv);
  }
  if (withProcess) writeProcess(w, 0x52, span.process);
  if (span.warnings !== undefined) {
    for (const warning of span.warnings) {
      w.byte(0x62);
      w.string(warning, w.size());
    }
  }
}

// One writer for the module: encoding is synchronous, and reusing it keeps the size list's backing store warm.
const writer = new Writer();

function measureBatch(w: Writer, batch: Batch): number {
  let n = 0;
  for (const span of batch.spans) n += measureSpan(w, span, span.process !== batch.process);
  return n + measureProcess(w, batch.process);
}

function writeBatchBody(w: Writer, batch: Batch): void {
  for (const span of batch.spans) {
    const withProcess = span.process !== batch.process;
    w.byte(0x0a);
    w.uint32(w.size());
    writeSpanBody(w, span, withProcess);
  }
  writeProcess(w, 0x12, batch.process);
}

/** Hands over the finished buffer and drops the writer's references so it does not pin the caller's output. */
function take(w: Writer): Uint8Array {
  const out = w.buf;
  w.sizes.length = 0;
  w.buf = EMPTY_BYTES;
  w.view = undefined;
  return out;
}

/** Encodes a span as a jaeger.api_v2.Span with its process embedded, as Jaeger's collector writes to Kafka. */
export function encodeProtoSpan(span: Span): Uint8Array {
  const w = writer;
  w.sizes.length = 0;
  measureSpan(w, span, true);
  w.reset(w.sizes[0]!);
  // The first recorded size is the span's own, which a top-level message does not write.
  w.next = 1;
  try {
    writeSpanBody(w, span, true);
    return w.buf;
  } finally {
    take(w);
  }
}

/**
 * Encodes a jaeger.api_v2.Batch. A span whose process is the batch's object is written without one, so
 * decodeProtoBatch restores the sharing; thrift-only seqNo and stats are not part of the protobuf model.
 */
export function encodeProtoBatch(batch: Batch): Uint8Array {
  const w = writer;
  w.sizes.length = 0;
  w.reset(measureBatch(w, batch));
  try {
    writeBatchBody(w, batch);
    return w.buf;
  } finally {
    take(w);
  }
}

/** Encodes a CollectorService/PostSpans request carrying `batch`, as encodeProtoBatch would. */
export function encodeProtoPostSpansRequest(batch: Batch): Uint8Array {
  const w = writer;
  w.sizes.length = 0;
  const batchSize = measureBatch(w, batch);
  w.reset(delimitedSize(batchSize));
  try {
    w.byte(0x0a);
    w.uint32(batchSize);
    writeBatchBody(w, batch);
    return w.buf;
  } finally {
    take(w);
  }
}
