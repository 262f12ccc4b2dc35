// Spans as documents in Jaeger's Elasticsearch span and service indices, so Jaeger and skein can read each other's data.
import { createHash } from 'node:crypto';

import { DecodeError } from '../errors.js';
import { jaegerTraceIdString, parseSpanId, parseTraceId } from '../ids.js';
import type { KeyValue, Log, Process, Span, SpanRef, SpanRefType } from '../types.js';
import { ZERO_SPAN_ID } from '../types.js';
import { quoteJson } from './json.js';

export type EsValueType = 'string' | 'bool' | 'int64' | 'float64' | 'binary';

/**
 * A tag in the nested `tags` arrays. Values are native JSON (bool, number) as Jaeger writes them since 1.69/2.6;
 * int64 is a bigint, so the document must be serialised with a bigint-aware writer such as stringifyUiJson.
 */
export interface EsKeyValue {
  key: string;
  type: EsValueType;
  value: string | boolean | number | bigint;
}

/** A tag stored as an object field (Jaeger's tags-as-fields): the value alone, its type implied by JSON. */
export type EsTagFieldValue = string | boolean | number | bigint;

export interface EsReference {
  refType: SpanRefType;
  traceID: string;
  spanID: string;
}

export interface EsLog {
  /** Microseconds since the Unix epoch. */
  timestamp: number;
  fields: EsKeyValue[];
}

export interface EsProcess {
  serviceName: string;
  tags: EsKeyValue[];
  tag?: Record<string, EsTagFieldValue>;
}

/** A document of Jaeger's `jaeger-span-*` index. Jaeger 2.x writes null instead of empty arrays; fromEsSpan accepts both. */
export interface EsSpan {
  traceID: string;
  spanID: string;
  /** Written by Jaeger since 2.20; older versions leave the parent only in references. */
  parentSpanID?: string;
  /** Left out when zero. */
  flags?: number;
  operationName: string;
  references: EsReference[];
  /** Microseconds since the Unix epoch. */
  startTime: number;
  startTimeMillis: number;
  /** Microseconds. */
  duration: number;
  tags: EsKeyValue[];
  tag?: Record<string, EsTagFieldValue>;
  logs: EsLog[];
  process: EsProcess;
}

/**
 * A document of Jaeger's `jaeger-service-*` index. `spanKind` is skein's addition (Jaeger's Elasticsearch store
 * does not record the kind, and its reader ignores the field): the span's `span.kind` tag, left out when it has none,
 * so `/api/operations?spanKind=` can filter.
 */
export interface EsService {
  serviceName: string;
  operationName: string;
  spanKind?: string;
}

export interface EsSpanOptions {
  /** Jaeger's --es.tags-as-fields.*: chosen span and process tags become fields of `tag`/`process.tag`. */
  tagsAsFields?: { all: boolean; include?: ReadonlySet<string>; dotReplacement: string };
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * The span's references as Jaeger's domain model holds them: a thrift parentSpanId not already referenced
 * (any type, same trace) becomes a leading CHILD_OF, as Jaeger's thrift conversion does.
 */
export function referencesWithParent(span: Span): SpanRef[] {
  const parent = span.parentSpanId;
  if (parent === undefined || parent === ZERO_SPAN_ID) return span.references;
  if (span.references.some((ref) => ref.spanId === parent && ref.traceId === span.traceId)) {
    return span.references;
  }
  return [{ refType: 'CHILD_OF', traceId: span.traceId, spanId: parent }, ...span.references];
}

/** The document Jaeger would write for this span, with the tags-as-fields split Jaeger would make under `options`. */
export function toEsSpan(span: Span, options: EsSpanOptions = {}): EsSpan {
  const spanTags = splitTags(span.tags, options);
  const processTags = splitTags(span.process.tags, options);
  const parent = span.parentSpanId === ZERO_SPAN_ID ? undefined : span.parentSpanId;
  // Keys in the order of Jaeger's struct, so a serialised document reads the same as one Jaeger wrote.
  return {
    traceID: jaegerTraceIdString(span.traceId),
    spanID: span.spanId,
    ...(parent === undefined ? {} : { parentSpanID: parent }),
    ...(span.flags === 0 ? {} : { flags: span.flags }),
    operationName: span.operationName,
    references: referencesWithParent(span).map((ref) => ({
      refType: ref.refType,
      traceID: jaegerTraceIdString(ref.traceId),
      spanID: ref.spanId,
    })),
    startTime: span.startTime,
    startTimeMillis: Math.floor(span.startTime / 1000),
    duration: span.duration,
    tags: spanTags.nested,
    ...(spanTags.fields === undefined ? {} : { tag: spanTags.fields }),
    logs: span.logs.map((log) => ({ timestamp: log.timestamp, fields: log.fields.map(toEsKeyValue) })),
    process: {
      serviceName: span.process.serviceName,
      tags: processTags.nested,
      ...(processTags.fields === undefined ? {} : { tag: processTags.fields }),
    },
  };
}

/** The service:operation document Jaeger writes alongside a span, plus the span's kind when it has one. */
export function toEsService(span: Span): EsService {
  const kind = spanKindOf(span);
  return {
    serviceName: span.process.serviceName,
    operationName: span.operationName,
    ...(kind === undefined ? {} : { spanKind: kind }),
  };
}

/** The span's `span.kind` tag (client, server, producer, consumer, internal) when it is a non-empty string. */
export function spanKindOf(span: Span): string | undefined {
  for (const tag of span.tags) {
    if (tag.key === 'span.kind' && tag.type === 'string' && tag.value !== '') return tag.value;
  }
  return undefined;
}

/**
 * A deterministic `_id` in Jaeger's form `traceID_spanID_hash`: equal for retries of the same span, different for
 * two spans that share IDs but not content.
 */
export function esSpanDocumentId(span: Span): string {
  const hash = createHash('sha256').update(spanContentKey(span)).digest('hex').slice(0, 16);
  return `${jaegerTraceIdString(span.traceId)}_${span.spanId}_${hash}`;
}

/** A string that two spans share exactly when everything they say is equal (warnings aside, which annotate rather than describe). */
export function spanContentKey(span: Span): string {
  // Built by hand (every string quoted, so separators inside values cannot be confused with ours): this runs
  // for every span the ingester writes.
  let key = `${span.traceId}|${span.spanId}|${span.parentSpanId ?? ''}|${quoteJson(span.operationName)}|${span.flags}|${span.startTime}|${span.duration}|`;
  for (const ref of span.references) key += `${ref.refType},${ref.traceId},${ref.spanId};`;
  key += '|';
  key += tagsKey(span.tags);
  key += '|';
  for (const log of span.logs) key += `${log.timestamp}:${tagsKey(log.fields)};`;
  key += `|${quoteJson(span.process.serviceName)}|${tagsKey(span.process.tags)}|${span.incomplete === true ? 1 : 0}`;
  return key;
}

function tagsKey(tags: readonly KeyValue[]): string {
  let key = '[';
  for (const kv of tags) {
    const [k, type, value] = keyValueTuple(kv);
    key += `${quoteJson(k)},${type},${quoteJson(value)};`;
  }
  return `${key}]`;
}

/** Tuple form of a tag that keeps every value distinct, including -0 and the exact bytes of binaries. */
export function keyValueTuple(kv: KeyValue): [string, string, string] {
  switch (kv.type) {
    case 'string':
      return [kv.key, kv.type, kv.value];
    case 'bool':
    case 'int64':
      return [kv.key, kv.type, String(kv.value)];
    case 'float64':
      return [kv.key, kv.type, Object.is(kv.value, -0) ? '-0' : String(kv.value)];
    case 'binary':
      return [kv.key, kv.type, Buffer.from(kv.value).toString('hex')];
  }
}

/** Reads a span document written by skein or by Jaeger (any version's value encoding); throws DecodeError if malformed. */
export function fromEsSpan(doc: EsSpan, options: { dotReplacement?: string } = {}): Span {
  try {
    return readSpan(doc, options.dotReplacement ?? '@');
  } catch (err) {
    if (err instanceof DecodeError) throw err;
    throw new DecodeError(
      'DECODE_BAD_VALUE',
      `Elasticsearch span document could not be read: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

// ---- writing ----

function splitTags(
  tags: KeyValue[],
  options: EsSpanOptions,
): { nested: EsKeyValue[]; fields: Record<string, EsTagFieldValue> | undefined } {
  const asFields = options.tagsAsFields;
  if (asFields === undefined) return { nested: tags.map(toEsKeyValue), fields: undefined };
  const nested: EsKeyValue[] = [];
  let fields: Record<string, EsTagFieldValue> | undefined;
  for (const kv of tags) {
    const chosen = asFields.all || asFields.include?.has(kv.key) === true;
    // Jaeger never makes binaries fields; a non-finite float has no JSON number form, so it stays nested as a string.
    const representable = kv.type !== 'binary' && !(kv.type === 'float64' && !Number.isFinite(kv.value));
    if (chosen && representable) {
      fields ??= {};
      fields[kv.key.replaceAll('.', asFields.dotReplacement)] = kv.value as EsTagFieldValue;
    } else {
      nested.push(toEsKeyValue(kv));
    }
  }
  return { nested, fields };
}

function toEsKeyValue(kv: KeyValue): EsKeyValue {
  switch (kv.type) {
    case 'float64':
      return {
        key: kv.key,
        type: kv.type,
        value: Number.isFinite(kv.value) ? kv.value : goFloatName(kv.value),
      };
    case 'binary':
      return { key: kv.key, type: kv.type, value: Buffer.from(kv.value).toString('hex') };
    default:
      return { key: kv.key, type: kv.type, value: kv.value };
  }
}

/** Go's strconv spelling of the non-finite floats, which Jaeger's readers parse back. */
function goFloatName(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? '+Inf' : '-Inf';
}

// ---- reading ----

function bad(path: string, problem: string): never {
  throw new DecodeError('DECODE_BAD_VALUE', `Elasticsearch span document: ${path} ${problem}`);
}

function show(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value === undefined) return 'undefined';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function record(value: unknown, path: string): Record<string, unknown> {
  if (!isRecord(value)) bad(path, `must be an object, got ${show(value)}`);
  return value;
}

function string(value: unknown, path: string): string {
  if (typeof value !== 'string') bad(path, `must be a string, got ${show(value)}`);
  return value;
}

/** Jaeger 2.x writes null for empty arrays and old documents may lack them, so absence means empty. */
function list(value: unknown, path: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) bad(path, `must be an array, got ${show(value)}`);
  return value;
}

function traceIdAt(value: unknown, path: string): string {
  const id = typeof value === 'string' ? parseTraceId(value) : undefined;
  if (id === undefined) bad(path, `must be a trace ID of 1 to 32 hex characters, got ${show(value)}`);
  return id;
}

function spanIdAt(value: unknown, path: string): string {
  const id = typeof value === 'string' ? parseSpanId(value) : undefined;
  if (id === undefined) bad(path, `must be a span ID of 1 to 16 hex characters, got ${show(value)}`);
  return id;
}

function unsignedAt(value: unknown, path: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = typeof value === 'bigint' && value >= 0n && value <= BigInt(max) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > max) {
    bad(path, `must be a non-negative integer, got ${show(value)}`);
  }
  return n;
}

function readSpan(raw: unknown, dotReplacement: string): Span {
  const doc = record(raw, 'document');
  const traceId = traceIdAt(doc.traceID, 'traceID');
  const process = record(doc.process, 'process');
  const span: Span = {
    traceId,
    spanId: spanIdAt(doc.spanID, 'spanID'),
    operationName: string(doc.operationName, 'operationName'),
    references: list(doc.references, 'references').map((ref, i) => readReference(ref, `references[${i}]`)),
    flags: doc.flags === undefined || doc.flags === null ? 0 : unsignedAt(doc.flags, 'flags', 0xffffffff),
    startTime: unsignedAt(doc.startTime, 'startTime'),
    duration: unsignedAt(doc.duration, 'duration'),
    tags: readTags(doc.tags, doc.tag, 'tags', 'tag', dotReplacement),
    logs: list(doc.logs, 'logs').map((log, i) => readLog(log, `logs[${i}]`)),
    process: readProcess(process, dotReplacement),
  };
  if (doc.parentSpanID !== undefined && doc.parentSpanID !== null && doc.parentSpanID !== '') {
    const parent = spanIdAt(doc.parentSpanID, 'parentSpanID');
    if (parent !== ZERO_SPAN_ID) span.parentSpanId = parent;
  }
  return span;
}

function readReference(raw: unknown, path: string): SpanRef {
  const ref = record(raw, path);
  if (ref.refType !== 'CHILD_OF' && ref.refType !== 'FOLLOWS_FROM') {
    bad(`${path}.refType`, `must be CHILD_OF or FOLLOWS_FROM, got ${show(ref.refType)}`);
  }
  return {
    refType: ref.refType,
    traceId: traceIdAt(ref.traceID, `${path}.traceID`),
    spanId: spanIdAt(ref.spanID, `${path}.spanID`),
  };
}

function readLog(raw: unknown, path: string): Log {
  const log = record(raw, path);
  return {
    timestamp: unsignedAt(log.timestamp, `${path}.timestamp`),
    fields: list(log.fields, `${path}.fields`).map((kv, i) => readKeyValue(kv, `${path}.fields[${i}]`)),
  };
}

function readProcess(process: Record<string, unknown>, dotReplacement: string): Process {
  return {
    serviceName: string(process.serviceName, 'process.serviceName'),
    tags: readTags(process.tags, process.tag, 'process.tags', 'process.tag', dotReplacement),
  };
}

// Field tags come after nested ones, as in Jaeger's reader; their original positions are not recorded.
function readTags(
  nested: unknown,
  fields: unknown,
  nestedPath: string,
  fieldsPath: string,
  dotReplacement: string,
) {
  const tags = list(nested, nestedPath).map((kv, i) => readKeyValue(kv, `${nestedPath}[${i}]`));
  if (fields === undefined || fields === null) return tags;
  for (const [name, value] of Object.entries(record(fields, fieldsPath))) {
    const key = dotReplacement === '' ? name : name.replaceAll(dotReplacement, '.');
    tags.push(readTagField(key, value, `${fieldsPath}.${name}`));
  }
  return tags;
}

function readTagField(key: string, value: unknown, path: string): KeyValue {
  switch (typeof value) {
    case 'string':
      return { key, type: 'string', value };
    case 'boolean':
      return { key, type: 'bool', value };
    case 'bigint':
      return { key, type: 'int64', value: int64At(value, path) };
    case 'number':
      // JSON keeps no decimal point for 2.0, so an integral number reads as int64, as in Jaeger.
      return Number.isInteger(value)
        ? { key, type: 'int64', value: int64At(value, path) }
        : { key, type: 'float64', value };
    default:
      return bad(path, `must be a string, boolean or number, got ${show(value)}`);
  }
}

function readKeyValue(raw: unknown, path: string): KeyValue {
  const kv = record(raw, path);
  const key = string(kv.key, `${path}.key`);
  const value = kv.value;
  const at = `${path}.value`;
  switch (kv.type) {
    case 'string':
      return { key, type: 'string', value: string(value, at) };
    case 'bool':
      return { key, type: 'bool', value: boolAt(value, at) };
    case 'int64':
      return { key, type: 'int64', value: int64At(value, at) };
    case 'float64':
      return { key, type: 'float64', value: float64At(value, at) };
    case 'binary':
      return { key, type: 'binary', value: binaryAt(value, at) };
    default:
      return bad(`${path}.type`, `must be string, bool, int64, float64 or binary, got ${show(kv.type)}`);
  }
}

// Before Jaeger 1.69/2.6 every value was written as a Go-formatted string, so each reader accepts that form too.
const GO_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const GO_FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);
const DECIMAL_INT = /^[+-]?\d+$/;
const DECIMAL_FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const GO_FLOAT_WORDS: Record<string, number> = {
  nan: NaN,
  inf: Infinity,
  '+inf': Infinity,
  '-inf': -Infinity,
  infinity: Infinity,
  '+infinity': Infinity,
  '-infinity': -Infinity,
};

function boolAt(value: unknown, path: string): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && GO_TRUE.has(value)) return true;
  if (typeof value === 'string' && GO_FALSE.has(value)) return false;
  return bad(path, `must be a boolean, got ${show(value)}`);
}

function int64At(value: unknown, path: string): bigint {
  let n: bigint | undefined;
  if (typeof value === 'bigint') n = value;
  else if (typeof value === 'string' && DECIMAL_INT.test(value)) n = BigInt(value);
  else if (typeof value === 'number' && Number.isInteger(value)) {
    // A plain JSON parse rounds beyond 2^53 and can push INT64_MAX to 2^63; the nearest int64 is the best left.
    const rounded = BigInt(value);
    n = rounded > INT64_MAX ? INT64_MAX : rounded < INT64_MIN ? INT64_MIN : rounded;
  }
  if (n === undefined || n < INT64_MIN || n > INT64_MAX)
    bad(path, `must be a 64-bit integer, got ${show(value)}`);
  return n;
}

function float64At(value: unknown, path: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string') {
    if (DECIMAL_FLOAT.test(value)) return Number(value);
    const word = GO_FLOAT_WORDS[value.toLowerCase()];
    if (word !== undefined) return word;
  }
  return bad(path, `must be a number, got ${show(value)}`);
}

function binaryAt(value: unknown, path: string): Uint8Array {
  if (typeof value !== 'string' || value.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(value)) {
    bad(path, `must be an even-length hex string, got ${show(value)}`);
  }
  return Uint8Array.from(Buffer.from(value, 'hex'));
}
