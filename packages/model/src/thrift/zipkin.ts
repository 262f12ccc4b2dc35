// zipkincore.thrift spans (what old Zipkin-instrumented clients send to UDP 5775), read into the domain model.
import { DecodeError } from '../errors.js';
import type { KeyValue, Log, Process, Span, SpanRef } from '../types.js';
import type { ThriftReader } from './reader.js';
import { T_BOOL, T_I16, T_I32, T_I64, T_LIST, T_STOP, T_STRING, T_STRUCT } from './types.js';

interface Endpoint {
  ipv4: number;
  port: number;
  serviceName: string;
}

interface Annotation {
  timestamp: number;
  value: string;
  host: Endpoint | undefined;
}

interface BinaryAnnotation {
  key: string;
  value: Uint8Array;
  type: number;
  host: Endpoint | undefined;
}

const ZERO = '0000000000000000';

function readEndpoint(r: ThriftReader): Endpoint {
  const e: Endpoint = { ipv4: 0, port: 0, serviceName: '' };
  r.readStructBegin();
  for (let t = r.readFieldBegin(); t !== T_STOP; t = r.readFieldBegin()) {
    if (r.fieldId === 1 && t === T_I32) e.ipv4 = r.readI32();
    else if (r.fieldId === 2 && t === T_I16) e.port = r.readI16();
    else if (r.fieldId === 3 && t === T_STRING) e.serviceName = r.readString();
    else r.skipValue(t, 4);
  }
  r.readStructEnd();
  return e;
}

function readAnnotation(r: ThriftReader): Annotation {
  const a: Annotation = { timestamp: 0, value: '', host: undefined };
  r.readStructBegin();
  for (let t = r.readFieldBegin(); t !== T_STOP; t = r.readFieldBegin()) {
    if (r.fieldId === 1 && t === T_I64) a.timestamp = r.readI64Number('annotation timestamp');
    else if (r.fieldId === 2 && t === T_STRING) a.value = r.readString();
    else if (r.fieldId === 3 && t === T_STRUCT) a.host = readEndpoint(r);
    else r.skipValue(t, 3);
  }
  r.readStructEnd();
  return a;
}

function readBinaryAnnotation(r: ThriftReader): BinaryAnnotation {
  const a: BinaryAnnotation = { key: '', value: new Uint8Array(0), type: 6, host: undefined };
  r.readStructBegin();
  for (let t = r.readFieldBegin(); t !== T_STOP; t = r.readFieldBegin()) {
    if (r.fieldId === 1 && t === T_STRING) a.key = r.readString();
    else if (r.fieldId === 2 && t === T_STRING) a.value = r.readBinary();
    else if (r.fieldId === 3 && t === T_I32) a.type = r.readI32();
    else if (r.fieldId === 4 && t === T_STRUCT) a.host = readEndpoint(r);
    else r.skipValue(t, 3);
  }
  r.readStructEnd();
  return a;
}

function list<T>(r: ThriftReader, read: (r: ThriftReader) => T): T[] {
  const size = r.readListBegin();
  if (size > 0 && r.elemType !== T_STRUCT)
    throw new DecodeError('DECODE_BAD_TYPE', 'expected a list of structs', r.pos);
  const out: T[] = [];
  for (let i = 0; i < size; i++) out.push(read(r));
  return out;
}

// zipkincore AnnotationType: BOOL, BYTES, I16, I32, I64, DOUBLE, STRING.
function tagOf(a: BinaryAnnotation): KeyValue {
  const v = a.value;
  const view = new DataView(v.buffer, v.byteOffset, v.byteLength);
  const sized = (n: number): boolean => v.length === n;
  switch (a.type) {
    case 0:
      return { key: a.key, type: 'bool', value: v.length > 0 && v[0] !== 0 };
    case 1:
      return { key: a.key, type: 'binary', value: v };
    case 2:
      if (sized(2)) return { key: a.key, type: 'int64', value: BigInt(view.getInt16(0)) };
      break;
    case 3:
      if (sized(4)) return { key: a.key, type: 'int64', value: BigInt(view.getInt32(0)) };
      break;
    case 4:
      if (sized(8)) return { key: a.key, type: 'int64', value: view.getBigInt64(0) };
      break;
    case 5:
      if (sized(8)) return { key: a.key, type: 'float64', value: view.getFloat64(0) };
      break;
    case 6:
      return { key: a.key, type: 'string', value: Buffer.from(v).toString('utf8') };
  }
  throw new DecodeError(
    'DECODE_BAD_VALUE',
    `binary annotation ${JSON.stringify(a.key)} of type ${a.type} has ${v.length} bytes`,
  );
}

function ipv4String(n: number): string {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Reads one zipkincore Span and converts it: core annotations give kind, start and duration; the rest become logs. */
export function readZipkinSpan(r: ThriftReader): Span {
  let traceLow: string | undefined;
  let traceHigh = ZERO;
  let name = '';
  let id: string | undefined;
  let parent: string | undefined;
  let annotations: Annotation[] = [];
  let binary: BinaryAnnotation[] = [];
  let debug = false;
  let timestamp: number | undefined;
  let duration: number | undefined;
  r.readStructBegin();
  for (let t = r.readFieldBegin(); t !== T_STOP; t = r.readFieldBegin()) {
    switch (r.fieldId) {
      case 1:
        if (t === T_I64) {
          traceLow = r.readI64Hex();
          continue;
        }
        break;
      case 3:
        if (t === T_STRING) {
          name = r.readString();
          continue;
        }
        break;
      case 4:
        if (t === T_I64) {
          id = r.readI64Hex();
          continue;
        }
        break;
      case 5:
        if (t === T_I64) {
          parent = r.readI64Hex();
          continue;
        }
        break;
      case 6:
        if (t === T_LIST) {
          annotations = list(r, readAnnotation);
          continue;
        }
        break;
      case 8:
        if (t === T_LIST) {
          binary = list(r, readBinaryAnnotation);
          continue;
        }
        break;
      case 9:
        if (t === T_BOOL) {
          debug = r.readBool();
          continue;
        }
        break;
      case 10:
        if (t === T_I64) {
          timestamp = r.readI64Number('span timestamp');
          continue;
        }
        break;
      case 11:
        if (t === T_I64) {
          duration = r.readI64Number('span duration');
          continue;
        }
        break;
      case 12:
        if (t === T_I64) {
          traceHigh = r.readI64Hex();
          continue;
        }
        break;
    }
    r.skipValue(t, 2);
  }
  r.readStructEnd();
  if (traceLow === undefined)
    throw new DecodeError('DECODE_MISSING_FIELD', 'zipkin span has no trace_id', r.pos);
  if (id === undefined) throw new DecodeError('DECODE_MISSING_FIELD', 'zipkin span has no id', r.pos);

  const byValue = new Map(annotations.map((a) => [a.value, a]));
  const cs = byValue.get('cs');
  const cr = byValue.get('cr');
  const sr = byValue.get('sr');
  const ss = byValue.get('ss');
  const kind = cs || cr ? 'client' : sr || ss ? 'server' : undefined;
  const first = kind === 'client' ? cs : sr;
  const last = kind === 'client' ? cr : ss;
  const start =
    timestamp ??
    first?.timestamp ??
    Math.min(...annotations.map((a) => a.timestamp), Number.MAX_SAFE_INTEGER);
  const startTime = start === Number.MAX_SAFE_INTEGER ? 0 : start;
  const spanDuration = duration ?? (first && last ? Math.max(0, last.timestamp - first.timestamp) : 0);

  // The service that emitted the span: the endpoint of its core annotation, else any endpoint ("lc" for local spans).
  const host =
    first?.host ??
    last?.host ??
    annotations.find((a) => a.host)?.host ??
    binary.find((b) => b.key === 'lc')?.host ??
    binary.find((b) => b.host)?.host;
  const processTags: KeyValue[] = [];
  if (host && host.ipv4 !== 0) processTags.push({ key: 'ip', type: 'string', value: ipv4String(host.ipv4) });
  const process: Process = { serviceName: host?.serviceName ?? '', tags: processTags };

  const tags: KeyValue[] = [];
  if (kind) tags.push({ key: 'span.kind', type: 'string', value: kind });
  for (const b of binary) {
    if ((b.key === 'sa' || b.key === 'ca') && b.type === 0) continue; // address markers, not data
    tags.push(tagOf(b));
  }
  const logs: Log[] = annotations
    .filter((a) => !['cs', 'cr', 'sr', 'ss'].includes(a.value))
    .map((a) => ({ timestamp: a.timestamp, fields: [{ key: 'event', type: 'string', value: a.value }] }));
  const traceId = traceHigh + traceLow;
  const references: SpanRef[] = [];
  const span: Span = {
    traceId,
    spanId: id,
    operationName: name,
    references,
    flags: debug ? 3 : 1,
    startTime,
    duration: spanDuration,
    tags,
    logs,
    process,
  };
  if (parent !== undefined && parent !== ZERO) span.parentSpanId = parent;
  return span;
}

/** Reads the list<zipkincore.Span> argument of emitZipkinBatch. */
export function readZipkinSpans(r: ThriftReader): Span[] {
  return list(r, readZipkinSpan);
}
