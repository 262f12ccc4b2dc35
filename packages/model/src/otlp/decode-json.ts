// OTLP/JSON ExportTraceServiceRequest (the body of OTLP/HTTP with application/json), read into the same shape as
// the protobuf decoder produces.
//
// OTLP/JSON is proto3's JSON mapping with OTLP's own changes: lowerCamelCase keys only, trace and span IDs as hex
// strings (not base64), enums as integers. Reading is as tolerant as the mapping allows: null for any default,
// 64-bit and 32-bit integers as strings or numbers, doubles as numbers or "NaN"/"Infinity"/"-Infinity", enum
// names as well as numbers, unknown keys skipped. Two limits come from JSON.parse rounding numbers to doubles:
// an intValue given as a bare number beyond 2^53 is refused (it can no longer be exact; send it as a string), while
// a timestamp given as a bare number is taken as rounded, which moves it by at most 128 ns at today's dates.

import { DecodeError } from '../errors.js';
import type { OtlpDecodeOptions } from './decode-proto.js';
import {
  OTLP_MAX_VALUE_DEPTH,
  type OtlpAnyValue,
  type OtlpEvent,
  type OtlpKeyValue,
  type OtlpLink,
  type OtlpResource,
  type OtlpResourceSpans,
  type OtlpScope,
  type OtlpScopeSpans,
  type OtlpSpan,
  type OtlpStatus,
  type OtlpTraceRequest,
} from './types.js';

type JsonObject = { [key: string]: unknown };

const UINT64_MAX = 2n ** 64n - 1n;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const DECIMAL = /^-?\d{1,20}$/;
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const BASE64 = /^(?:[A-Za-z0-9+/_-]{4})*(?:[A-Za-z0-9+/_-]{2}(?:==)?|[A-Za-z0-9+/_-]{3}=?)?$/;
const SPAN_KINDS = [
  'SPAN_KIND_UNSPECIFIED',
  'SPAN_KIND_INTERNAL',
  'SPAN_KIND_SERVER',
  'SPAN_KIND_CLIENT',
  'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER',
];
const STATUS_CODES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];
const EMPTY_VALUE: OtlpAnyValue = Object.freeze({ type: 'empty' });
const VALUE_MEMBERS = [
  'stringValue',
  'boolValue',
  'intValue',
  'doubleValue',
  'arrayValue',
  'kvlistValue',
  'bytesValue',
] as const;

const utf8 = new TextDecoder('utf-8');

function bad(path: string, message: string): DecodeError {
  return new DecodeError('DECODE_BAD_VALUE', `${path} ${message}`);
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function object(v: unknown, path: string): JsonObject | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw bad(path, 'must be an object');
  return v;
}

function array(v: unknown, path: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw bad(path, 'must be an array');
  return v;
}

function string(v: unknown, path: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw bad(path, 'must be a string');
  return v;
}

/** A trace or span ID: hex as sent, lowercased; its length and digits are checked per span by the mapping. */
function id(v: unknown, path: string): string {
  return string(v, path).toLowerCase();
}

function uint(v: unknown, path: string, max: number): number {
  if (v === undefined || v === null) return 0;
  const n = typeof v === 'string' && /^\d{1,10}$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > max) {
    throw bad(path, `must be an integer from 0 to ${max}`);
  }
  return n;
}

function enumValue(v: unknown, names: readonly string[], path: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'string') {
    const i = names.indexOf(v);
    if (i >= 0) return i;
  }
  const n = typeof v === 'string' && /^-?\d{1,10}$/.test(v) ? Number(v) : v;
  // Open enum: any int32 is kept, as the protobuf decoder keeps it.
  if (typeof n === 'number' && Number.isInteger(n) && n >= -0x80000000 && n <= 0x7fffffff) return n;
  throw bad(path, `must be an enum number or one of ${names.join(', ')}`);
}

function fixed64(v: unknown, path: string): bigint {
  if (v === undefined || v === null) return 0n;
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0 || v >= 2 ** 64) throw bad(path, 'must be a uint64');
    return BigInt(v);
  }
  if (typeof v === 'string' && DECIMAL.test(v) && v[0] !== '-') {
    const n = BigInt(v);
    if (n <= UINT64_MAX) return n;
  }
  throw bad(path, 'must be a uint64 (a decimal string or a number)');
}

function int64(v: unknown, path: string): bigint {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) {
      throw bad(
        path,
        'must be an integer within 2^53 when sent as a JSON number; send larger ones as strings',
      );
    }
    return BigInt(v);
  }
  if (typeof v === 'string' && DECIMAL.test(v)) {
    const n = BigInt(v);
    if (n >= INT64_MIN && n <= INT64_MAX) return n;
  }
  throw bad(path, 'must be an int64 (a decimal string or a number)');
}

function double(v: unknown, path: string): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  if (typeof v === 'string' && JSON_NUMBER.test(v)) return Number(v);
  throw bad(path, 'must be a number');
}

function bytes(v: unknown, path: string): Uint8Array {
  if (typeof v !== 'string' || !BASE64.test(v)) throw bad(path, 'must be a base64 string');
  return new Uint8Array(Buffer.from(v, 'base64'));
}

class OtlpJsonDecoder {
  spans = 0;

  constructor(readonly maxSpans: number) {}

  request(v: unknown): OtlpTraceRequest {
    const o = object(v, 'the request');
    if (!o) throw bad('the request', 'must be an object');
    return {
      resourceSpans: array(o['resourceSpans'], 'resourceSpans').map((rs, i) =>
        this.resourceSpans(rs, `resourceSpans[${i}]`),
      ),
    };
  }

  resourceSpans(v: unknown, path: string): OtlpResourceSpans {
    const o = object(v, path) ?? {};
    return {
      resource: this.resource(o['resource'], `${path}.resource`),
      scopeSpans: array(o['scopeSpans'], `${path}.scopeSpans`).map((ss, i) =>
        this.scopeSpans(ss, `${path}.scopeSpans[${i}]`),
      ),
      schemaUrl: string(o['schemaUrl'], `${path}.schemaUrl`),
    };
  }

  resource(v: unknown, path: string): OtlpResource {
    const o = object(v, path) ?? {};
    return {
      attributes: this.keyValues(o['attributes'], `${path}.attributes`, 1),
      droppedAttributesCount: uint(o['droppedAttributesCount'], `${path}.droppedAttributesCount`, 0xffffffff),
    };
  }

  scopeSpans(v: unknown, path: string): OtlpScopeSpans {
    const o = object(v, path) ?? {};
    return {
      scope: this.scope(o['scope'], `${path}.scope`),
      spans: array(o['spans'], `${path}.spans`).map((s, i) => this.span(s, `${path}.spans[${i}]`)),
      schemaUrl: string(o['schemaUrl'], `${path}.schemaUrl`),
    };
  }

  scope(v: unknown, path: string): OtlpScope {
    const o = object(v, path) ?? {};
    return {
      name: string(o['name'], `${path}.name`),
      version: string(o['version'], `${path}.version`),
      attributes: this.keyValues(o['attributes'], `${path}.attributes`, 1),
      droppedAttributesCount: uint(o['droppedAttributesCount'], `${path}.droppedAttributesCount`, 0xffffffff),
    };
  }

  span(v: unknown, path: string): OtlpSpan {
    if (++this.spans > this.maxSpans) {
      throw new DecodeError(
        'DECODE_BAD_LENGTH',
        `request holds more than ${this.maxSpans} spans; send smaller batches`,
      );
    }
    const o = object(v, path) ?? {};
    return {
      traceId: id(o['traceId'], `${path}.traceId`),
      spanId: id(o['spanId'], `${path}.spanId`),
      traceState: string(o['traceState'], `${path}.traceState`),
      parentSpanId: id(o['parentSpanId'], `${path}.parentSpanId`),
      flags: uint(o['flags'], `${path}.flags`, 0xffffffff),
      name: string(o['name'], `${path}.name`),
      kind: enumValue(o['kind'], SPAN_KINDS, `${path}.kind`),
      startTimeUnixNano: fixed64(o['startTimeUnixNano'], `${path}.startTimeUnixNano`),
      endTimeUnixNano: fixed64(o['endTimeUnixNano'], `${path}.endTimeUnixNano`),
      attributes: this.keyValues(o['attributes'], `${path}.attributes`, 1),
      droppedAttributesCount: uint(o['droppedAttributesCount'], `${path}.droppedAttributesCount`, 0xffffffff),
      events: array(o['events'], `${path}.events`).map((e, i) => this.event(e, `${path}.events[${i}]`)),
      droppedEventsCount: uint(o['droppedEventsCount'], `${path}.droppedEventsCount`, 0xffffffff),
      links: array(o['links'], `${path}.links`).map((l, i) => this.link(l, `${path}.links[${i}]`)),
      droppedLinksCount: uint(o['droppedLinksCount'], `${path}.droppedLinksCount`, 0xffffffff),
      status: this.status(o['status'], `${path}.status`),
    };
  }

  event(v: unknown, path: string): OtlpEvent {
    const o = object(v, path) ?? {};
    return {
      timeUnixNano: fixed64(o['timeUnixNano'], `${path}.timeUnixNano`),
      name: string(o['name'], `${path}.name`),
      attributes: this.keyValues(o['attributes'], `${path}.attributes`, 1),
      droppedAttributesCount: uint(o['droppedAttributesCount'], `${path}.droppedAttributesCount`, 0xffffffff),
    };
  }

  link(v: unknown, path: string): OtlpLink {
    const o = object(v, path) ?? {};
    return {
      traceId: id(o['traceId'], `${path}.traceId`),
      spanId: id(o['spanId'], `${path}.spanId`),
      traceState: string(o['traceState'], `${path}.traceState`),
      attributes: this.keyValues(o['attributes'], `${path}.attributes`, 1),
      droppedAttributesCount: uint(o['droppedAttributesCount'], `${path}.droppedAttributesCount`, 0xffffffff),
      flags: uint(o['flags'], `${path}.flags`, 0xffffffff),
    };
  }

  status(v: unknown, path: string): OtlpStatus {
    const o = object(v, path) ?? {};
    return {
      code: enumValue(o['code'], STATUS_CODES, `${path}.code`),
      message: string(o['message'], `${path}.message`),
    };
  }

  keyValues(v: unknown, path: string, depth: number): OtlpKeyValue[] {
    return array(v, path).map((kv, i) => this.keyValue(kv, `${path}[${i}]`, depth));
  }

  keyValue(v: unknown, path: string, depth: number): OtlpKeyValue {
    const o = object(v, path) ?? {};
    return { key: string(o['key'], `${path}.key`), value: this.anyValue(o['value'], `${path}.value`, depth) };
  }

  anyValue(v: unknown, path: string, depth: number): OtlpAnyValue {
    if (depth > OTLP_MAX_VALUE_DEPTH) {
      throw new DecodeError(
        'DECODE_TOO_DEEP',
        `attribute values nest deeper than ${OTLP_MAX_VALUE_DEPTH} levels`,
      );
    }
    const o = object(v, path);
    if (!o) return EMPTY_VALUE;
    let value = EMPTY_VALUE;
    let member: string | undefined;
    for (const name of VALUE_MEMBERS) {
      const x = o[name];
      if (x === undefined || x === null) continue;
      if (member !== undefined) throw bad(path, `sets both ${member} and ${name}; a value has one member`);
      member = name;
      const at = `${path}.${name}`;
      switch (name) {
        case 'stringValue':
          value = { type: 'string', value: string(x, at) };
          break;
        case 'boolValue':
          if (typeof x !== 'boolean') throw bad(at, 'must be true or false');
          value = { type: 'bool', value: x };
          break;
        case 'intValue':
          value = { type: 'int', value: int64(x, at) };
          break;
        case 'doubleValue':
          value = { type: 'double', value: double(x, at) };
          break;
        case 'arrayValue': {
          const values = array(object(x, at)?.['values'], `${at}.values`);
          value = {
            type: 'array',
            value: values.map((e, i) => this.anyValue(e, `${at}.values[${i}]`, depth + 1)),
          };
          break;
        }
        case 'kvlistValue':
          value = {
            type: 'kvlist',
            value: this.keyValues(object(x, at)?.['values'], `${at}.values`, depth + 1),
          };
          break;
        default:
          value = { type: 'bytes', value: bytes(x, at) };
      }
    }
    return value;
  }
}

/**
 * Decodes an OTLP/JSON ExportTraceServiceRequest from the request body (UTF-8 bytes or text). Throws only
 * DecodeError: for text that is not JSON, and for JSON whose values have the wrong types, with the JSON path.
 */
export function decodeOtlpTraceRequestJson(
  body: Uint8Array | string,
  options: OtlpDecodeOptions = {},
): OtlpTraceRequest {
  const text = typeof body === 'string' ? body : utf8.decode(body);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new DecodeError('DECODE_BAD_VALUE', `the body is not JSON: ${(err as Error).message}`);
  }
  return new OtlpJsonDecoder(options.maxSpans ?? Infinity).request(parsed);
}
