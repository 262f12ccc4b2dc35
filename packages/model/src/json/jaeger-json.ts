// Jaeger's "jaeger-spans" Kafka messages in JSON encoding: one api_v2 model.Span as gogo jsonpb writes it with
// default options. That means lowerCamelCase names, fields at their default value omitted (including a zero spanId,
// flags 0, duration 0, the STRING vType and the CHILD_OF refType), enums by name, int64 as decimal strings, bytes and
// the TraceID/SpanID custom types as standard base64 of their big-endian bytes, startTime as RFC 3339 in UTC with 0,
// 3, 6 or 9 fractional digits, and duration as decimal seconds ("0.000100s", "1.500s").
//
// Reading is as tolerant as jsonpb: the proto field names (trace_id) as well as the JSON ones, null for any default,
// enums by name or number, int64/uint32/double as strings or numbers, NaN/Infinity as strings, any Go duration
// syntax ("1m30s"), RFC 3339 offsets other than Z. Two differences: unknown fields are skipped (Jaeger rejects
// them) so newer writers do not stall the ingester, and an int64 given as a bare JSON number beyond 2^53 is rejected
// because JSON.parse has already rounded it.

import { DecodeError } from '../errors.js';
import type { KeyValue, Log, Process, Span, SpanRef } from '../types.js';

type JsonObject = { [key: string]: unknown };

const ZERO_TRACE_ID = '00000000000000000000000000000000';
const ZERO_SPAN_ID = '0000000000000000';
const MICROS_PER_SECOND = 1_000_000;
const SECONDS_PER_DAY = 86400;
const MIN_TIMESTAMP_SECONDS = -62135596800; // 0001-01-01T00:00:00Z
const MAX_TIMESTAMP_SECONDS = 253402300799; // 9999-12-31T23:59:59Z
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const EMPTY_BYTES = new Uint8Array(0);

const utf8 = new TextDecoder('utf-8');

function bad(message: string): DecodeError {
  return new DecodeError('DECODE_BAD_VALUE', message);
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// ---------------------------------------------------------------------------------------------------------------
// Scalars

function readString(v: unknown, what: string): string {
  if (v === null) return '';
  if (typeof v !== 'string') throw bad(`${what} must be a string`);
  return v;
}

function readBool(v: unknown, what: string): boolean {
  if (v === null) return false;
  if (typeof v !== 'boolean') throw bad(`${what} must be a boolean`);
  return v;
}

const DECIMAL_INT = /^-?\d+$/;
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

function readInt64(v: unknown, what: string): bigint {
  if (v === null) return 0n;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw bad(`${what} must be an integer within 2^53 when not quoted`);
    return BigInt(v);
  }
  if (typeof v !== 'string' || v.length > 21 || !DECIMAL_INT.test(v)) throw bad(`${what} must be an int64`);
  const n = BigInt(v);
  if (n < INT64_MIN || n > INT64_MAX) throw bad(`${what} is out of the int64 range`);
  return n;
}

function readUint32(v: unknown, what: string): number {
  if (v === null) return 0;
  const n = typeof v === 'string' && /^\d{1,10}$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw bad(`${what} must be a uint32`);
  }
  return n;
}

function readDouble(v: unknown, what: string): number {
  if (v === null) return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    if (JSON_NUMBER.test(v)) return Number(v);
  }
  throw bad(`${what} must be a number`);
}

function readEnum(v: unknown, names: readonly string[], what: string): number {
  if (v === null) return 0;
  if (typeof v === 'string') {
    const i = names.indexOf(v);
    if (i >= 0) return i;
  } else if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < names.length) {
    return v;
  }
  throw bad(`${what} has no value ${JSON.stringify(v)}`);
}

function readArray(v: unknown, what: string): unknown[] {
  if (v === null) return [];
  if (!Array.isArray(v)) throw bad(`${what} must be an array`);
  return v;
}

function readObject(v: unknown, what: string): JsonObject {
  if (!isObject(v)) throw bad(`${what} must be an object`);
  return v;
}

// ---------------------------------------------------------------------------------------------------------------
// base64 (standard or URL alphabet, padding optional; Node's Buffer would silently skip invalid characters)

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64_VALUE[B64.charCodeAt(i)] = i;
B64_VALUE['-'.charCodeAt(0)] = 62;
B64_VALUE['_'.charCodeAt(0)] = 63;

function b64Value(s: string, i: number): number {
  const c = s.charCodeAt(i);
  const v = c < 128 ? B64_VALUE[c]! : -1;
  if (v < 0) throw bad('invalid base64');
  return v;
}

function decodeBase64(s: string): Uint8Array {
  let len = s.length;
  if (len % 4 === 0 && len > 0 && s.charCodeAt(len - 1) === 61) {
    len--;
    if (s.charCodeAt(len - 1) === 61) len--;
  }
  if (len % 4 === 1) throw bad('invalid base64 length');
  const out = new Uint8Array(Math.floor((len * 3) / 4));
  let o = 0;
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const n =
      (b64Value(s, i) << 18) | (b64Value(s, i + 1) << 12) | (b64Value(s, i + 2) << 6) | b64Value(s, i + 3);
    out[o++] = n >> 16;
    out[o++] = (n >> 8) & 0xff;
    out[o++] = n & 0xff;
  }
  const rest = len - i;
  if (rest >= 2) {
    const n =
      (b64Value(s, i) << 18) | (b64Value(s, i + 1) << 12) | (rest === 3 ? b64Value(s, i + 2) << 6 : 0);
    out[o++] = n >> 16;
    if (rest === 3) out[o++] = (n >> 8) & 0xff;
  }
  return out;
}

function encodeBase64(b: Uint8Array): string {
  let s = '';
  let i = 0;
  for (; i + 3 <= b.length; i += 3) {
    const n = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
    s += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!;
  }
  const rest = b.length - i;
  if (rest === 1) {
    const n = b[i]! << 16;
    s += B64[n >> 18]! + B64[(n >> 12) & 63]! + '==';
  } else if (rest === 2) {
    const n = (b[i]! << 16) | (b[i + 1]! << 8);
    s += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + '=';
  }
  return s;
}

function readBytes(v: unknown, what: string): Uint8Array {
  if (v === null) return EMPTY_BYTES;
  if (typeof v !== 'string') throw bad(`${what} must be a base64 string`);
  return decodeBase64(v);
}

function readId(v: unknown, bytes: number, what: string): string {
  if (typeof v !== 'string') throw bad(`${what} must be a base64 string`);
  const b = decodeBase64(v);
  if (b.length !== bytes) throw bad(`${what} must be ${bytes} bytes`);
  let hex = '';
  for (let i = 0; i < b.length; i++) hex += (b[i]! < 16 ? '0' : '') + b[i]!.toString(16);
  return hex;
}

function idToBase64(hex: string, bytes: number): string {
  if (hex.length !== bytes * 2 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new RangeError(`ID ${JSON.stringify(hex)} is not ${bytes} bytes of hex`);
  }
  const b = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) b[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return encodeBase64(b);
}

// ---------------------------------------------------------------------------------------------------------------
// Time

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm, exact for any year). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [m <= 2 ? era * 400 + yoe + 1 : era * 400 + yoe, m, d];
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/** RFC 3339 timestamp to microseconds since the epoch, nanoseconds truncated. */
function readTimestamp(v: unknown, what: string): number {
  if (v === null) return 0;
  const m = typeof v === 'string' ? RFC3339.exec(v) : null;
  if (m === null) throw bad(`${what} must be an RFC 3339 timestamp`);
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  const offsetHours = m[8] === undefined ? 0 : Number(m[9]);
  const offsetMinutes = m[8] === undefined ? 0 : Number(m[10]);
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour > 23 ||
    minute > 59 ||
    second > 59 ||
    offsetHours > 23 ||
    offsetMinutes > 59
  ) {
    throw bad(`${what} is not a valid date and time`);
  }
  const offset = (m[8] === '-' ? -1 : 1) * (offsetHours * 3600 + offsetMinutes * 60);
  const seconds =
    daysFromCivil(year, month, day) * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second - offset;
  if (seconds < MIN_TIMESTAMP_SECONDS || seconds > MAX_TIMESTAMP_SECONDS)
    throw bad(`${what} is out of range`);
  const micros = m[7] === undefined ? 0 : Number((m[7] + '00000').slice(0, 6));
  return seconds * MICROS_PER_SECOND + micros;
}

const PROTO_DURATION = /^(-?)(\d{1,9})(?:\.(\d{1,9}))?s$/;
const GO_DURATION_PART = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/;
const NANOS_PER_UNIT: Record<string, bigint> = {
  ns: 1n,
  us: 1000n,
  µs: 1000n,
  μs: 1000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/** A duration as jsonpb reads it (Go's time.ParseDuration syntax) to microseconds, truncated toward zero. */
function readDuration(v: unknown, what: string): number {
  if (v === null) return 0;
  if (typeof v !== 'string') throw bad(`${what} must be a duration string`);
  const fast = PROTO_DURATION.exec(v);
  if (fast !== null) {
    const micros = Number(fast[2]) * MICROS_PER_SECOND + Number(((fast[3] ?? '') + '00000').slice(0, 6));
    return fast[1] === '-' ? 0 - micros : micros;
  }
  return goDurationMicros(v, what);
}

function goDurationMicros(text: string, what: string): number {
  let s = text;
  let negative = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    negative = s.startsWith('-');
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw bad(`${what} must be a duration string`);
  let nanos = 0n;
  while (s !== '') {
    const part = GO_DURATION_PART.exec(s);
    if (part === null || (part[1] === '' && (part[2] ?? '') === '')) {
      throw bad(`${what} must be a duration string`);
    }
    const unit = NANOS_PER_UNIT[part[3]!]!;
    // Digits past these lengths overflow int64 anyway, or are below a nanosecond; keep BigInt parsing cheap.
    const whole = part[1]!.replace(/^0+/, '');
    if (whole.length > 19) throw bad(`${what} overflows int64 nanoseconds`);
    const fraction = (part[2] ?? '').slice(0, 18);
    nanos += BigInt(whole === '' ? '0' : whole) * unit;
    if (fraction !== '') nanos += (BigInt(fraction) * unit) / 10n ** BigInt(fraction.length);
    if (nanos > INT64_MAX + 1n) throw bad(`${what} overflows int64 nanoseconds`);
    s = s.slice(part[0].length);
  }
  if (!negative && nanos > INT64_MAX) throw bad(`${what} overflows int64 nanoseconds`);
  const micros = Number(nanos / 1000n);
  return negative ? 0 - micros : micros;
}

function two(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

function formatTimestamp(micros: number): string {
  const seconds = Math.floor(micros / MICROS_PER_SECOND);
  const fraction = Math.floor(micros - seconds * MICROS_PER_SECOND);
  if (seconds < MIN_TIMESTAMP_SECONDS || seconds > MAX_TIMESTAMP_SECONDS || !Number.isFinite(micros)) {
    throw new RangeError(`timestamp ${micros}µs is outside years 1-9999`);
  }
  const days = Math.floor(seconds / SECONDS_PER_DAY);
  const sod = seconds - days * SECONDS_PER_DAY;
  const [y, mo, d] = civilFromDays(days);
  let s = `${String(y).padStart(4, '0')}-${two(mo)}-${two(d)}T${two(Math.floor(sod / 3600))}:${two(
    Math.floor(sod / 60) % 60,
  )}:${two(sod % 60)}`;
  if (fraction !== 0) {
    // jsonpb prints 3, 6 or 9 digits; microseconds never need 9.
    s +=
      fraction % 1000 === 0
        ? '.' + String(fraction / 1000).padStart(3, '0')
        : '.' + String(fraction).padStart(6, '0');
  }
  return s + 'Z';
}

function formatDuration(micros: number): string {
  const whole = Math.trunc(micros);
  const negative = whole < 0;
  const abs = Math.abs(whole);
  const seconds = Math.floor(abs / MICROS_PER_SECOND);
  const fraction = abs - seconds * MICROS_PER_SECOND;
  let s = (negative ? '-' : '') + seconds;
  if (fraction !== 0) {
    s +=
      fraction % 1000 === 0
        ? '.' + String(fraction / 1000).padStart(3, '0')
        : '.' + String(fraction).padStart(6, '0');
  }
  return s + 's';
}

// ---------------------------------------------------------------------------------------------------------------
// Messages

const VALUE_TYPES = ['STRING', 'BOOL', 'INT64', 'FLOAT64', 'BINARY'] as const;
const REF_TYPES = ['CHILD_OF', 'FOLLOWS_FROM'] as const;

function readKeyValue(v: unknown): KeyValue {
  const o = readObject(v, 'KeyValue');
  let key = '';
  let vType = 0;
  let vStr: unknown = null;
  let vBool: unknown = null;
  let vInt64: unknown = null;
  let vFloat64: unknown = null;
  let vBinary: unknown = null;
  for (const name in o) {
    const value = o[name];
    switch (name) {
      case 'key':
        key = readString(value, 'KeyValue.key');
        break;
      case 'vType':
      case 'v_type':
        vType = readEnum(value, VALUE_TYPES, 'KeyValue.vType');
        break;
      case 'vStr':
      case 'v_str':
        vStr = value;
        break;
      case 'vBool':
      case 'v_bool':
        vBool = value;
        break;
      case 'vInt64':
      case 'v_int64':
        vInt64 = value;
        break;
      case 'vFloat64':
      case 'v_float64':
        vFloat64 = value;
        break;
      case 'vBinary':
      case 'v_binary':
        vBinary = value;
        break;
    }
  }
  // Values of the other types are still validated, as jsonpb would, though only the vType one is kept.
  const str = readString(vStr, 'KeyValue.vStr');
  const bool = readBool(vBool, 'KeyValue.vBool');
  const int = readInt64(vInt64, 'KeyValue.vInt64');
  const float = readDouble(vFloat64, 'KeyValue.vFloat64');
  const binary = readBytes(vBinary, 'KeyValue.vBinary');
  switch (vType) {
    case 1:
      return { key, type: 'bool', value: bool };
    case 2:
      return { key, type: 'int64', value: int };
    case 3:
      return { key, type: 'float64', value: float };
    case 4:
      return { key, type: 'binary', value: binary };
    default:
      return { key, type: 'string', value: str };
  }
}

function readKeyValues(v: unknown, what: string): KeyValue[] {
  const items = readArray(v, what);
  const out: KeyValue[] = [];
  for (const item of items) out.push(readKeyValue(item));
  return out;
}

function readLog(v: unknown): Log {
  const o = readObject(v, 'Log');
  let timestamp = 0;
  let fields: KeyValue[] = [];
  for (const name in o) {
    if (name === 'timestamp') timestamp = readTimestamp(o[name], 'Log.timestamp');
    else if (name === 'fields') fields = readKeyValues(o[name], 'Log.fields');
  }
  return { timestamp, fields };
}

function readSpanRef(v: unknown): SpanRef {
  const o = readObject(v, 'SpanRef');
  let traceId = ZERO_TRACE_ID;
  let spanId = ZERO_SPAN_ID;
  let refType = 0;
  for (const name in o) {
    const value = o[name];
    if (value === null) continue;
    switch (name) {
      case 'traceId':
      case 'trace_id':
        traceId = readId(value, 16, 'SpanRef.traceId');
        break;
      case 'spanId':
      case 'span_id':
        spanId = readId(value, 8, 'SpanRef.spanId');
        break;
      case 'refType':
      case 'ref_type':
        refType = readEnum(value, REF_TYPES, 'SpanRef.refType');
        break;
    }
  }
  return { refType: REF_TYPES[refType]!, traceId, spanId };
}

function readProcess(v: unknown): Process {
  if (v === null) return { serviceName: '', tags: [] };
  const o = readObject(v, 'Process');
  let serviceName = '';
  let tags: KeyValue[] = [];
  for (const name in o) {
    const value = o[name];
    if (name === 'serviceName' || name === 'service_name')
      serviceName = readString(value, 'Process.serviceName');
    else if (name === 'tags') tags = readKeyValues(value, 'Process.tags');
  }
  return { serviceName, tags };
}

function readSpan(o: JsonObject): Span {
  let traceId = ZERO_TRACE_ID;
  let spanId = ZERO_SPAN_ID;
  let operationName = '';
  const references: SpanRef[] = [];
  let flags = 0;
  let startTime = 0;
  let duration = 0;
  let tags: KeyValue[] = [];
  const logs: Log[] = [];
  let process: Process = { serviceName: '', tags: [] };
  let warnings: string[] | undefined;
  for (const name in o) {
    const value = o[name];
    switch (name) {
      case 'traceId':
      case 'trace_id':
        if (value !== null) traceId = readId(value, 16, 'Span.traceId');
        break;
      case 'spanId':
      case 'span_id':
        if (value !== null) spanId = readId(value, 8, 'Span.spanId');
        break;
      case 'operationName':
      case 'operation_name':
        operationName = readString(value, 'Span.operationName');
        break;
      case 'references':
        for (const item of readArray(value, 'Span.references')) references.push(readSpanRef(item));
        break;
      case 'flags':
        flags = readUint32(value, 'Span.flags');
        break;
      case 'startTime':
      case 'start_time':
        startTime = readTimestamp(value, 'Span.startTime');
        break;
      case 'duration':
        duration = readDuration(value, 'Span.duration');
        break;
      case 'tags':
        tags = readKeyValues(value, 'Span.tags');
        break;
      case 'logs':
        for (const item of readArray(value, 'Span.logs')) logs.push(readLog(item));
        break;
      case 'process':
        process = readProcess(value);
        break;
      case 'warnings': {
        const items = readArray(value, 'Span.warnings');
        if (items.length > 0) warnings = items.map((w) => readString(w, 'Span.warnings[]'));
        break;
      }
    }
  }
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
    process,
  };
  if (warnings !== undefined) span.warnings = warnings;
  return span;
}

/**
 * Decodes one jsonpb-encoded jaeger.api_v2.Span (a "jaeger-spans" Kafka message in JSON encoding). A missing
 * process becomes `{serviceName: '', tags: []}`. Throws only DecodeError, with code DECODE_BAD_VALUE.
 */
export function decodeJaegerJsonSpan(input: string | Uint8Array): Span {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof input === 'string' ? input : utf8.decode(input));
  } catch (err) {
    throw bad(`not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!isObject(parsed)) throw bad('a span must be a JSON object');
  return readSpan(parsed);
}

// ---------------------------------------------------------------------------------------------------------------
// Writing

function jsonDouble(v: number): string {
  if (Number.isNaN(v)) return '"NaN"';
  if (v === Infinity) return '"Infinity"';
  if (v === -Infinity) return '"-Infinity"';
  return JSON.stringify(v);
}

function writeKeyValue(kv: KeyValue): string {
  let s = '{';
  let sep = '';
  if (kv.key !== '') {
    s += '"key":' + JSON.stringify(kv.key);
    sep = ',';
  }
  switch (kv.type) {
    case 'string':
      if (kv.value !== '') s += sep + '"vStr":' + JSON.stringify(kv.value);
      break;
    case 'bool':
      s += sep + '"vType":"BOOL"' + (kv.value ? ',"vBool":true' : '');
      break;
    case 'int64':
      s += sep + '"vType":"INT64"' + (kv.value !== 0n ? `,"vInt64":"${kv.value}"` : '');
      break;
    case 'float64':
      s += sep + '"vType":"FLOAT64"' + (kv.value !== 0 ? ',"vFloat64":' + jsonDouble(kv.value) : '');
      break;
    case 'binary':
      s +=
        sep + '"vType":"BINARY"' + (kv.value.length > 0 ? ',"vBinary":"' + encodeBase64(kv.value) + '"' : '');
      break;
  }
  return s + '}';
}

function writeKeyValues(name: string, kvs: KeyValue[]): string {
  return kvs.length === 0 ? '' : `,"${name}":[${kvs.map(writeKeyValue).join(',')}]`;
}

function writeRef(ref: SpanRef): string {
  let s = '{"traceId":"' + idToBase64(ref.traceId, 16) + '"';
  if (ref.spanId !== ZERO_SPAN_ID) s += ',"spanId":"' + idToBase64(ref.spanId, 8) + '"';
  if (ref.refType === 'FOLLOWS_FROM') s += ',"refType":"FOLLOWS_FROM"';
  return s + '}';
}

function writeLog(log: Log): string {
  return '{"timestamp":"' + formatTimestamp(log.timestamp) + '"' + writeKeyValues('fields', log.fields) + '}';
}

/**
 * Encodes a span as Jaeger's collector writes it to Kafka with JSON encoding (gogo jsonpb, default options), so
 * Jaeger's own ingester can read it. Throws RangeError for IDs that are not hex of the right length.
 */
export function encodeJaegerJsonSpan(span: Span): string {
  let s = '{"traceId":"' + idToBase64(span.traceId, 16) + '"';
  if (span.spanId !== ZERO_SPAN_ID) s += ',"spanId":"' + idToBase64(span.spanId, 8) + '"';
  if (span.operationName !== '') s += ',"operationName":' + JSON.stringify(span.operationName);
  if (span.references.length > 0) s += ',"references":[' + span.references.map(writeRef).join(',') + ']';
  if (span.flags !== 0) s += ',"flags":' + span.flags;
  s += ',"startTime":"' + formatTimestamp(span.startTime) + '"';
  if (span.duration !== 0) s += ',"duration":"' + formatDuration(span.duration) + '"';
  s += writeKeyValues('tags', span.tags);
  if (span.logs.length > 0) s += ',"logs":[' + span.logs.map(writeLog).join(',') + ']';
  const p = span.process;
  s += ',"process":{' + (p.serviceName !== '' ? '"serviceName":' + JSON.stringify(p.serviceName) : '');
  if (p.tags.length > 0) s += writeKeyValues('tags', p.tags).slice(p.serviceName !== '' ? 0 : 1);
  s += '}';
  if (span.warnings !== undefined && span.warnings.length > 0) {
    s += ',"warnings":[' + span.warnings.map((w) => JSON.stringify(w)).join(',') + ']';
  }
  return s + '}';
}
