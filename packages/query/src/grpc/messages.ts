// The messages of Jaeger's api_v2 query.proto (service jaeger.api_v2.QueryService), read and written by hand so
// that bytes a client gets wrong become a DecodeError for that one call. Spans themselves are model.proto's
// jaeger.api_v2.Span, encoded by @skein/model.
//
// Decoding follows protobuf (and Jaeger's gogo-generated Go) except where noted:
// - unknown fields are skipped; a known field with the wrong wire type is an error, as in gogo;
// - a repeated `query` merges into the earlier one, as embedded messages do; a repeated scalar or Timestamp replaces;
// - strings must be valid UTF-8, Timestamps and Durations within google.protobuf's documented ranges;
// - a trace_id is 16 bytes, or 8 for a 64-bit ID (Jaeger's TraceIDFromBytes takes both); empty means unset.
// Times come out in microseconds since the epoch, durations in microseconds, nanoseconds truncated toward zero.

import { DecodeError, encodeProtoSpan, type Span, type TraceId } from '@skein/model';
import type { DependencyLink, Operation } from '../store/types.js';

/** GetTraceRequest: one trace by ID, optionally with where to look for it. */
export interface GetTraceRequest {
  /** 32 hex chars; all zeros when the field was absent. */
  traceId: TraceId;
  startTime?: number;
  endTime?: number;
  rawTraces: boolean;
}

/** TraceQueryParameters, the `query` of a FindTracesRequest. Absent times and durations stay absent. */
export interface TraceQueryParameters {
  serviceName: string;
  operationName: string;
  /** Map entries in the order first seen; a repeated key keeps its first position and its last value. */
  tags: Array<[key: string, value: string]>;
  startTimeMin?: number;
  startTimeMax?: number;
  durationMin?: number;
  durationMax?: number;
  /** How many traces to return; 0 when unset. */
  searchDepth: number;
  rawTraces: boolean;
}

export interface FindTracesRequest {
  query?: TraceQueryParameters;
}

export interface GetOperationsRequest {
  service: string;
  spanKind: string;
}

export interface GetDependenciesRequest {
  startTime?: number;
  endTime?: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading

const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;

const MIN_TIMESTAMP_SECONDS = -62135596800n; // 0001-01-01T00:00:00Z
const MAX_TIMESTAMP_SECONDS = 253402300799n; // 9999-12-31T23:59:59Z
const MAX_DURATION_SECONDS = 315576000000n; // 10,000 years
const ZERO_TRACE_ID = '0'.repeat(32);

const utf8 = new TextDecoder('utf-8', { fatal: true });

function truncated(at: number): DecodeError {
  return new DecodeError('DECODE_TRUNCATED', 'input ends inside a field', at);
}

class Reader {
  pos = 0;

  constructor(readonly buf: Uint8Array) {}

  /** A varint of at most 10 bytes, as the unsigned 64-bit value it encodes. */
  varint(): bigint {
    const at = this.pos;
    let value = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.buf.length) throw truncated(this.pos);
      const b = this.buf[this.pos++]!;
      value |= BigInt(b & 0x7f) << BigInt(7 * i);
      if (b < 0x80) return BigInt.asUintN(64, value);
    }
    throw new DecodeError('DECODE_BAD_VALUE', 'varint longer than 10 bytes', at);
  }

  /** int32 on the wire is a sign-extended varint; protobuf keeps the low 32 bits. */
  int32(): number {
    return Number(BigInt.asIntN(32, this.varint()));
  }

  int64(): bigint {
    return BigInt.asIntN(64, this.varint());
  }

  bool(): boolean {
    return this.varint() !== 0n;
  }

  /** Reads a length prefix and returns where the delimited bytes end, never past `end`. */
  delimited(end: number): number {
    const at = this.pos;
    const length = this.varint();
    if (length > BigInt(end - this.pos)) {
      throw new DecodeError(
        'DECODE_BAD_LENGTH',
        'length-delimited field runs past the end of its message',
        at,
      );
    }
    return this.pos + Number(length);
  }

  bytes(end: number): Uint8Array {
    const stop = this.delimited(end);
    const bytes = this.buf.subarray(this.pos, stop);
    this.pos = stop;
    return bytes;
  }

  string(end: number, name: string): string {
    const at = this.pos;
    const bytes = this.bytes(end);
    try {
      return utf8.decode(bytes);
    } catch {
      throw new DecodeError('DECODE_BAD_VALUE', `${name} is not valid UTF-8`, at);
    }
  }

  /** A field key: the field number and wire type. */
  key(): { field: number; wire: number } {
    const at = this.pos;
    const key = this.varint();
    if (key > 0xffffffffn) throw new DecodeError('DECODE_BAD_VALUE', 'field key wider than 32 bits', at);
    const field = Number(key >> 3n);
    if (field === 0) throw new DecodeError('DECODE_BAD_VALUE', 'field number 0', at);
    return { field, wire: Number(key & 7n) };
  }

  skipValue(wire: number, end: number): void {
    const at = this.pos;
    switch (wire) {
      case VARINT:
        this.varint();
        return;
      case LEN:
        this.pos = this.delimited(end);
        return;
      case I64:
      case I32:
        this.pos += wire === I64 ? 8 : 4;
        if (this.pos > end) throw truncated(end);
        return;
      default:
        // Groups (3, 4) are long deprecated and appear nowhere in query.proto; 6 and 7 are not wire types.
        throw new DecodeError('DECODE_BAD_TYPE', `unsupported wire type ${wire}`, at);
    }
  }
}

/**
 * Reads the fields of one message up to `end`. Fields in `wireTypes` are handed to `read` once their wire type
 * is checked; any other field is skipped.
 */
function readFields(
  r: Reader,
  end: number,
  message: string,
  wireTypes: Readonly<Record<number, number>>,
  read: (field: number) => void,
): void {
  while (r.pos < end) {
    const at = r.pos;
    const { field, wire } = r.key();
    const expected = wireTypes[field];
    if (expected === undefined) {
      r.skipValue(wire, end);
    } else if (wire !== expected) {
      throw new DecodeError(
        'DECODE_BAD_TYPE',
        `${message} field ${field} has wire type ${wire}, expected ${expected}`,
        at,
      );
    } else {
      read(field);
    }
  }
  // A field that ran past its message means the enclosing lengths were inconsistent.
  if (r.pos !== end) throw truncated(end);
}

/** A google.protobuf.Timestamp as microseconds since the epoch; `name` says which field, for errors. */
function readTimestamp(r: Reader, end: number, name: string): number {
  const stop = r.delimited(end);
  const at = r.pos;
  let seconds = 0n;
  let nanos = 0;
  readFields(r, stop, 'google.protobuf.Timestamp', { 1: VARINT, 2: VARINT }, (field) => {
    if (field === 1) seconds = r.int64();
    else nanos = r.int32();
  });
  if (
    seconds < MIN_TIMESTAMP_SECONDS ||
    seconds > MAX_TIMESTAMP_SECONDS ||
    nanos < 0 ||
    nanos > 999_999_999
  ) {
    throw new DecodeError(
      'DECODE_BAD_VALUE',
      `${name} is out of range: seconds must be within 0001-01-01..9999-12-31 and nanos within 0..999999999`,
      at,
    );
  }
  return Number(seconds) * 1_000_000 + Math.trunc(nanos / 1000);
}

/** A google.protobuf.Duration in microseconds. */
function readDuration(r: Reader, end: number, name: string): number {
  const stop = r.delimited(end);
  const at = r.pos;
  let seconds = 0n;
  let nanos = 0;
  readFields(r, stop, 'google.protobuf.Duration', { 1: VARINT, 2: VARINT }, (field) => {
    if (field === 1) seconds = r.int64();
    else nanos = r.int32();
  });
  if (
    seconds < -MAX_DURATION_SECONDS ||
    seconds > MAX_DURATION_SECONDS ||
    nanos <= -1_000_000_000 ||
    nanos >= 1_000_000_000 ||
    (seconds > 0n && nanos < 0) ||
    (seconds < 0n && nanos > 0)
  ) {
    throw new DecodeError(
      'DECODE_BAD_VALUE',
      `${name} is out of range: at most 10000 years, with seconds and nanos of one sign`,
      at,
    );
  }
  return Number(seconds) * 1_000_000 + Math.trunc(nanos / 1000);
}

function readTraceId(r: Reader, end: number, name: string): TraceId {
  const at = r.pos;
  const bytes = r.bytes(end);
  if (bytes.length === 0) return ZERO_TRACE_ID;
  if (bytes.length !== 16 && bytes.length !== 8) {
    throw new DecodeError('DECODE_BAD_LENGTH', `${name} must be 16 bytes (or 8), got ${bytes.length}`, at);
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex').padStart(32, '0');
}

function readTagEntry(r: Reader, end: number, tags: Map<string, string>): void {
  const stop = r.delimited(end);
  let key = '';
  let value = '';
  readFields(r, stop, 'TraceQueryParameters.TagsEntry', { 1: LEN, 2: LEN }, (field) => {
    if (field === 1) key = r.string(stop, 'TraceQueryParameters.tags key');
    else value = r.string(stop, 'TraceQueryParameters.tags value');
  });
  tags.set(key, value);
}

/** Decodes a GetTraceRequest (trace_id 1, start_time 2, end_time 3, raw_traces 4). */
export function decodeGetTraceRequest(buf: Uint8Array): GetTraceRequest {
  const r = new Reader(buf);
  const request: GetTraceRequest = { traceId: ZERO_TRACE_ID, rawTraces: false };
  readFields(r, buf.length, 'GetTraceRequest', { 1: LEN, 2: LEN, 3: LEN, 4: VARINT }, (field) => {
    if (field === 1) request.traceId = readTraceId(r, buf.length, 'GetTraceRequest.trace_id');
    else if (field === 2) request.startTime = readTimestamp(r, buf.length, 'GetTraceRequest.start_time');
    else if (field === 3) request.endTime = readTimestamp(r, buf.length, 'GetTraceRequest.end_time');
    else request.rawTraces = r.bool();
  });
  return request;
}

/** Decodes a FindTracesRequest (query 1: TraceQueryParameters). */
export function decodeFindTracesRequest(buf: Uint8Array): FindTracesRequest {
  const r = new Reader(buf);
  let query: TraceQueryParameters | undefined;
  let tags: Map<string, string> | undefined;
  readFields(r, buf.length, 'FindTracesRequest', { 1: LEN }, () => {
    query ??= { serviceName: '', operationName: '', tags: [], searchDepth: 0, rawTraces: false };
    tags ??= new Map();
    readTraceQueryParametersInto(r, buf.length, query, tags);
  });
  if (query === undefined || tags === undefined) return {};
  query.tags = [...tags];
  return { query };
}

function readTraceQueryParametersInto(
  r: Reader,
  end: number,
  query: TraceQueryParameters,
  tags: Map<string, string>,
): void {
  const stop = r.delimited(end);
  const m = 'TraceQueryParameters';
  const wireTypes = { 1: LEN, 2: LEN, 3: LEN, 4: LEN, 5: LEN, 6: LEN, 7: LEN, 8: VARINT, 9: VARINT };
  readFields(r, stop, m, wireTypes, (field) => {
    switch (field) {
      case 1:
        query.serviceName = r.string(stop, `${m}.service_name`);
        break;
      case 2:
        query.operationName = r.string(stop, `${m}.operation_name`);
        break;
      case 3:
        readTagEntry(r, stop, tags);
        break;
      case 4:
        query.startTimeMin = readTimestamp(r, stop, `${m}.start_time_min`);
        break;
      case 5:
        query.startTimeMax = readTimestamp(r, stop, `${m}.start_time_max`);
        break;
      case 6:
        query.durationMin = readDuration(r, stop, `${m}.duration_min`);
        break;
      case 7:
        query.durationMax = readDuration(r, stop, `${m}.duration_max`);
        break;
      case 8:
        query.searchDepth = r.int32();
        break;
      default:
        query.rawTraces = r.bool();
    }
  });
}

/** GetServicesRequest has no fields; this only checks that the bytes are a well-formed message. */
export function decodeGetServicesRequest(buf: Uint8Array): void {
  readFields(new Reader(buf), buf.length, 'GetServicesRequest', {}, () => {});
}

/** Decodes a GetOperationsRequest (service 1, span_kind 2). */
export function decodeGetOperationsRequest(buf: Uint8Array): GetOperationsRequest {
  const r = new Reader(buf);
  const request: GetOperationsRequest = { service: '', spanKind: '' };
  readFields(r, buf.length, 'GetOperationsRequest', { 1: LEN, 2: LEN }, (field) => {
    if (field === 1) request.service = r.string(buf.length, 'GetOperationsRequest.service');
    else request.spanKind = r.string(buf.length, 'GetOperationsRequest.span_kind');
  });
  return request;
}

/** Decodes a GetDependenciesRequest (start_time 1, end_time 2). */
export function decodeGetDependenciesRequest(buf: Uint8Array): GetDependenciesRequest {
  const r = new Reader(buf);
  const request: GetDependenciesRequest = {};
  readFields(r, buf.length, 'GetDependenciesRequest', { 1: LEN, 2: LEN }, (field) => {
    if (field === 1) request.startTime = readTimestamp(r, buf.length, 'GetDependenciesRequest.start_time');
    else request.endTime = readTimestamp(r, buf.length, 'GetDependenciesRequest.end_time');
  });
  return request;
}

// ---------------------------------------------------------------------------------------------------------------
// Writing

/** Collects a message's encoded fields; proto3 defaults are left out by the callers, as protobuf encoders do. */
class Writer {
  readonly #parts: Uint8Array[] = [];
  #length = 0;

  #push(bytes: Uint8Array): void {
    this.#parts.push(bytes);
    this.#length += bytes.length;
  }

  /** A non-negative safe integer as a varint. */
  #varint(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`cannot encode ${value} as a varint`);
    const out: number[] = [];
    let v = value;
    while (v >= 0x80) {
      out.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    out.push(v);
    this.#push(Uint8Array.from(out));
  }

  #key(field: number, wire: number): void {
    this.#varint(field * 8 + wire);
  }

  uint64(field: number, value: number): void {
    this.#key(field, VARINT);
    this.#varint(value);
  }

  bytes(field: number, value: Uint8Array): void {
    this.#key(field, LEN);
    this.#varint(value.length);
    this.#push(value);
  }

  string(field: number, value: string): void {
    this.bytes(field, Buffer.from(value, 'utf8'));
  }

  message(field: number, body: Writer): void {
    this.#key(field, LEN);
    this.#varint(body.#length);
    for (const part of body.#parts) this.#push(part);
  }

  finish(): Buffer {
    return Buffer.concat(this.#parts, this.#length);
  }
}

/** Encodes a SpansResponseChunk: each span a jaeger.api_v2.Span with its process embedded. */
export function encodeSpansResponseChunk(spans: readonly Span[]): Buffer {
  const w = new Writer();
  for (const span of spans) w.bytes(1, encodeProtoSpan(span));
  return w.finish();
}

/** Encodes a GetServicesResponse (services 1). */
export function encodeGetServicesResponse(services: readonly string[]): Buffer {
  const w = new Writer();
  for (const service of services) w.string(1, service);
  return w.finish();
}

/**
 * Encodes a GetOperationsResponse with both fields filled, as Jaeger does: `operations` (2) as given, and the
 * deprecated `operationNames` (1), each name once, in the order first seen, for clients older than span kinds.
 */
export function encodeGetOperationsResponse(operations: readonly Operation[]): Buffer {
  const w = new Writer();
  for (const name of new Set(operations.map((op) => op.name))) w.string(1, name);
  for (const op of operations) {
    const body = new Writer();
    if (op.name !== '') body.string(1, op.name);
    if (op.spanKind !== '') body.string(2, op.spanKind);
    w.message(2, body);
  }
  return w.finish();
}

/** Encodes a GetDependenciesResponse; `source` (4) is left unset, as the links carry none. */
export function encodeGetDependenciesResponse(links: readonly DependencyLink[]): Buffer {
  const w = new Writer();
  for (const link of links) {
    const body = new Writer();
    if (link.parent !== '') body.string(1, link.parent);
    if (link.child !== '') body.string(2, link.child);
    if (link.callCount !== 0) body.uint64(3, link.callCount);
    w.message(1, body);
  }
  return w.finish();
}
