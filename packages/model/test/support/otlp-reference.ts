// protobufjs as the reference for OTLP: the schema from fixtures/otlp-trace.proto, seeded random requests in
// protobufjs's object form (explicit defaults, stray IDs of every length, nesting, missing messages), and a
// conversion of protobufjs's decoded objects to the decoders' OtlpTraceRequest, written independently of them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';
import type {
  OtlpAnyValue,
  OtlpEvent,
  OtlpKeyValue,
  OtlpLink,
  OtlpResourceSpans,
  OtlpScopeSpans,
  OtlpSpan,
  OtlpTraceRequest,
} from '../../src/otlp/types.js';
import { Gen, rng } from './random.js';

export const OTLP_PROTO_PATH = new URL('../fixtures/otlp-trace.proto', import.meta.url);

const root = new protobuf.Root();
const parsed = protobuf.parse(readFileSync(OTLP_PROTO_PATH, 'utf8'), root);
for (const file of parsed.imports ?? []) {
  const json = protobuf.common.get(file);
  assert.ok(json?.nested, `protobufjs bundles ${file}`);
  root.addJSON(json.nested);
}
root.resolveAll();

const PACKAGE = 'opentelemetry.proto.collector.trace.v1';
export const RequestType = root.lookupType(`${PACKAGE}.ExportTraceServiceRequest`);
export const ResponseType = root.lookupType(`${PACKAGE}.ExportTraceServiceResponse`);
export const RpcStatusType = root.lookupType(`${PACKAGE}.RpcStatus`);
export const RetryInfoType = root.lookupType(`${PACKAGE}.RetryInfo`);

type Obj = Record<string, unknown>;

export function pbEncode(type: protobuf.Type, obj: Obj): Uint8Array {
  return new Uint8Array(type.encode(type.fromObject(obj)).finish());
}

export function pbDecode(type: protobuf.Type, buf: Uint8Array): Obj {
  return type.toObject(type.decode(buf), {
    longs: String,
    enums: Number,
    defaults: true,
    arrays: true,
  }) as Obj;
}

// ---------------------------------------------------------------------------------------------------------------
// protobufjs objects → OtlpTraceRequest

function hex(bytes: unknown): string {
  return Buffer.from(bytes as Uint8Array).toString('hex');
}

function refValue(v: Obj | null | undefined): OtlpAnyValue {
  if (!v) return { type: 'empty' };
  if (typeof v['stringValue'] === 'string') return { type: 'string', value: v['stringValue'] };
  if (typeof v['boolValue'] === 'boolean') return { type: 'bool', value: v['boolValue'] };
  if (typeof v['intValue'] === 'string') return { type: 'int', value: BigInt(v['intValue']) };
  if (v['doubleValue'] !== undefined) return { type: 'double', value: v['doubleValue'] as number };
  if (v['arrayValue'] !== undefined) {
    const values = ((v['arrayValue'] as Obj | null)?.['values'] ?? []) as Obj[];
    return { type: 'array', value: values.map(refValue) };
  }
  if (v['kvlistValue'] !== undefined) {
    const values = ((v['kvlistValue'] as Obj | null)?.['values'] ?? []) as Obj[];
    return { type: 'kvlist', value: values.map(refKeyValue) };
  }
  if (v['bytesValue'] !== undefined)
    return { type: 'bytes', value: new Uint8Array(v['bytesValue'] as Uint8Array) };
  return { type: 'empty' };
}

function refKeyValue(kv: Obj): OtlpKeyValue {
  return { key: kv['key'] as string, value: refValue(kv['value'] as Obj | null) };
}

const kvs = (list: unknown): OtlpKeyValue[] => (list as Obj[]).map(refKeyValue);

function refSpan(s: Obj): OtlpSpan {
  const status = s['status'] as Obj | null;
  return {
    traceId: hex(s['traceId']),
    spanId: hex(s['spanId']),
    traceState: s['traceState'] as string,
    parentSpanId: hex(s['parentSpanId']),
    flags: s['flags'] as number,
    name: s['name'] as string,
    kind: s['kind'] as number,
    startTimeUnixNano: BigInt(s['startTimeUnixNano'] as string),
    endTimeUnixNano: BigInt(s['endTimeUnixNano'] as string),
    attributes: kvs(s['attributes']),
    droppedAttributesCount: s['droppedAttributesCount'] as number,
    events: (s['events'] as Obj[]).map((e): OtlpEvent => ({
      timeUnixNano: BigInt(e['timeUnixNano'] as string),
      name: e['name'] as string,
      attributes: kvs(e['attributes']),
      droppedAttributesCount: e['droppedAttributesCount'] as number,
    })),
    droppedEventsCount: s['droppedEventsCount'] as number,
    links: (s['links'] as Obj[]).map((l): OtlpLink => ({
      traceId: hex(l['traceId']),
      spanId: hex(l['spanId']),
      traceState: l['traceState'] as string,
      attributes: kvs(l['attributes']),
      droppedAttributesCount: l['droppedAttributesCount'] as number,
      flags: l['flags'] as number,
    })),
    droppedLinksCount: s['droppedLinksCount'] as number,
    status: status
      ? { code: status['code'] as number, message: status['message'] as string }
      : { code: 0, message: '' },
  };
}

/** What decodeOtlpTraceRequest must return for bytes protobufjs decodes to `o` (pbDecode's options). */
export function referenceRequest(o: Obj): OtlpTraceRequest {
  return {
    resourceSpans: (o['resourceSpans'] as Obj[]).map((rs): OtlpResourceSpans => {
      const resource = rs['resource'] as Obj | null;
      return {
        resource: resource
          ? {
              attributes: kvs(resource['attributes']),
              droppedAttributesCount: resource['droppedAttributesCount'] as number,
            }
          : { attributes: [], droppedAttributesCount: 0 },
        scopeSpans: (rs['scopeSpans'] as Obj[]).map((ss): OtlpScopeSpans => {
          const scope = ss['scope'] as Obj | null;
          return {
            scope: scope
              ? {
                  name: scope['name'] as string,
                  version: scope['version'] as string,
                  attributes: kvs(scope['attributes']),
                  droppedAttributesCount: scope['droppedAttributesCount'] as number,
                }
              : { name: '', version: '', attributes: [], droppedAttributesCount: 0 },
            spans: (ss['spans'] as Obj[]).map(refSpan),
            schemaUrl: ss['schemaUrl'] as string,
          };
        }),
        schemaUrl: rs['schemaUrl'] as string,
      };
    }),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// protobufjs objects → OTLP/JSON text, with the variations OTLP/JSON allows

const ID_FIELDS = new Set(['traceId', 'spanId', 'parentSpanId']);
const INT64_FIELDS = new Set(['intValue', 'startTimeUnixNano', 'endTimeUnixNano', 'timeUnixNano']);

/**
 * The request in OTLP/JSON as a sender may write it: IDs as hex (upper or lower case), bytes as base64, 64-bit
 * integers as strings or (when exact) numbers, enums as numbers or names, and sometimes null for a default.
 */
export function otlpJson(bytes: Uint8Array, g: Gen): string {
  const json = RequestType.toObject(RequestType.decode(bytes), {
    longs: String,
    enums: Number,
    bytes: String,
    json: true,
  }) as Obj;
  const walk = (v: unknown, key: string): unknown => {
    if (Array.isArray(v)) return v.map((e) => walk(e, ''));
    if (typeof v === 'object' && v !== null) {
      const out: Obj = {};
      for (const [k, x] of Object.entries(v as Obj)) out[k] = walk(x, k);
      if (g.bool(0.1)) out['someFutureField'] = { nested: [1, 'two'] };
      if (g.bool(0.05)) out['status'] ??= null;
      return out;
    }
    if (ID_FIELDS.has(key) && typeof v === 'string') {
      const h = Buffer.from(v, 'base64').toString('hex');
      return g.bool(0.2) ? h.toUpperCase() : h;
    }
    if (INT64_FIELDS.has(key) && typeof v === 'string' && g.bool(0.3) && Number.isSafeInteger(Number(v))) {
      return Number(v);
    }
    if (key === 'kind' && typeof v === 'number' && v >= 0 && v <= 5 && g.bool(0.3)) {
      return ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT'][v] ?? v;
    }
    return v;
  };
  return JSON.stringify(walk(json, ''));
}

// ---------------------------------------------------------------------------------------------------------------
// Seeded random requests in protobufjs object form

export function randomGen(seed: number): Gen {
  return new Gen(rng(seed));
}

function idBytes(g: Gen, size: number): Uint8Array {
  return g.pick([
    () => Buffer.from(g.hex(size * 2), 'hex'),
    () => Buffer.from(g.hex(size * 2), 'hex'),
    () => Buffer.from(g.hex(size * 2), 'hex'),
    () => new Uint8Array(size),
    () => Buffer.from(g.hex(2 * g.int(0, size * 2)), 'hex'),
  ])();
}

function fixed64(g: Gen): string {
  return g.pick([
    () => '0',
    () => String(1_700_000_000_000_000_000n + BigInt(g.int(0, 2 ** 30)) * 1_000_003n),
    () => '18446744073709551615',
    () => BigInt.asUintN(64, BigInt(`0x${g.hex(16)}`)).toString(),
  ])();
}

function randomValue(g: Gen, depth: number): Obj {
  const members: Array<() => Obj> = [
    () => ({}),
    () => ({ stringValue: g.string() }),
    () => ({ boolValue: g.bool() }),
    () => ({ intValue: g.int64().toString() }),
    () => ({ doubleValue: g.double() }),
    () => ({ bytesValue: Buffer.from(g.hex(2 * g.int(0, 12)), 'hex') }),
  ];
  if (depth < 3) {
    members.push(
      () => ({
        arrayValue: { values: Array.from({ length: g.int(0, 3) }, () => randomValue(g, depth + 1)) },
      }),
      () => ({ kvlistValue: { values: randomAttributes(g, 3, depth + 1) } }),
    );
  }
  return g.pick(members)();
}

function randomAttributes(g: Gen, max: number, depth = 0): Obj[] {
  return Array.from({ length: g.int(0, max) }, () => {
    const kv: Obj = { key: g.bool(0.05) ? '' : g.string(12) };
    if (g.bool(0.95)) kv['value'] = randomValue(g, depth);
    return kv;
  });
}

function dropped(g: Gen): number {
  return g.bool(0.8) ? 0 : g.pick([1, 127, 128, 4294967295]);
}

function randomSpan(g: Gen): Obj {
  const span: Obj = {
    traceId: idBytes(g, 16),
    spanId: idBytes(g, 8),
    name: g.string(),
    kind: g.bool(0.95) ? g.int(0, 5) : g.pick([6, 100, -1]),
    startTimeUnixNano: fixed64(g),
    endTimeUnixNano: fixed64(g),
    attributes: randomAttributes(g, 5),
    droppedAttributesCount: dropped(g),
    events: Array.from({ length: g.int(0, 3) }, () => ({
      timeUnixNano: fixed64(g),
      name: g.string(),
      attributes: randomAttributes(g, 3),
      droppedAttributesCount: dropped(g),
    })),
    droppedEventsCount: dropped(g),
    links: Array.from({ length: g.int(0, 2) }, () => ({
      traceId: idBytes(g, 16),
      spanId: idBytes(g, 8),
      traceState: g.bool(0.2) ? 'vendor=x' : '',
      attributes: randomAttributes(g, 2),
      droppedAttributesCount: dropped(g),
      flags: g.pick([0, 1, 0x101, 0x301, 0xffffffff]),
    })),
    droppedLinksCount: dropped(g),
    flags: g.pick([0, 1, 0x100, 0x101, 0x301, 0xffffffff]),
  };
  if (g.bool(0.3)) span['traceState'] = 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7';
  if (g.bool(0.6)) span['parentSpanId'] = idBytes(g, 8);
  if (g.bool(0.7))
    span['status'] = { code: g.bool(0.95) ? g.int(0, 2) : 9, message: g.bool(0.5) ? g.string() : '' };
  return span;
}

/** A random ExportTraceServiceRequest for protobufjs's fromObject. */
export function randomRequest(g: Gen, maxResources = 3): Obj {
  return {
    resourceSpans: Array.from({ length: g.int(0, maxResources) }, () => {
      const rs: Obj = {
        scopeSpans: Array.from({ length: g.int(0, 3) }, () => {
          const ss: Obj = { spans: Array.from({ length: g.int(0, 4) }, () => randomSpan(g)) };
          if (g.bool(0.8)) {
            ss['scope'] = {
              name: g.string(),
              version: g.bool(0.7) ? '1.2.3' : '',
              attributes: randomAttributes(g, 2),
              droppedAttributesCount: dropped(g),
            };
          }
          if (g.bool(0.3)) ss['schemaUrl'] = 'https://opentelemetry.io/schemas/1.24.0';
          return ss;
        }),
      };
      if (g.bool(0.85)) {
        rs['resource'] = {
          attributes: [
            ...(g.bool(0.9) ? [{ key: 'service.name', value: { stringValue: g.string(10) } }] : []),
            ...randomAttributes(g, 4),
          ],
          droppedAttributesCount: dropped(g),
        };
      }
      if (g.bool(0.3)) rs['schemaUrl'] = 'https://opentelemetry.io/schemas/1.21.0';
      return rs;
    }),
  };
}
