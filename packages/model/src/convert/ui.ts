// Traces as Jaeger's HTTP API (/api/traces) returns them: what Jaeger UI and Grafana's Jaeger data source parse.

import { jaegerTraceIdString, parentSpanIdOf } from '../ids.js';
import type { KeyValue, Process, Span, SpanRef, SpanRefType, Trace } from '../types.js';
import { keyValueTuple, referencesWithParent, spanContentKey } from './es.js';
import { quoteJson } from './json.js';

/**
 * A tag as Jaeger's API renders it. int64 is a JSON number while it is a safe JavaScript integer and a decimal
 * string beyond that (so no client rounds it); binary is base64; a non-finite float64, which Go cannot encode,
 * is Go's spelling ("NaN", "+Inf", "-Inf").
 */
export type UiKeyValue =
  | { key: string; type: 'string'; value: string }
  | { key: string; type: 'bool'; value: boolean }
  | { key: string; type: 'int64'; value: number | string }
  | { key: string; type: 'float64'; value: number | string }
  | { key: string; type: 'binary'; value: string };

export interface UiReference {
  refType: SpanRefType;
  traceID: string;
  spanID: string;
}

export interface UiLog {
  timestamp: number;
  fields: UiKeyValue[];
}

export interface UiProcess {
  serviceName: string;
  tags: UiKeyValue[];
}

export interface UiSpan {
  traceID: string;
  spanID: string;
  /** Left out when zero, as Jaeger does. */
  flags?: number;
  operationName: string;
  references: UiReference[];
  startTime: number;
  duration: number;
  tags: UiKeyValue[];
  logs: UiLog[];
  processID: string;
  warnings: string[] | null;
}

export interface UiTrace {
  traceID: string;
  spans: UiSpan[];
  processes: Record<string, UiProcess>;
  warnings: string[] | null;
}

/** Jaeger's query-service warning for a span whose parent is not among the trace's spans. */
export function missingParentWarning(parentSpanId: string): string {
  return `parent span ID=${parentSpanId} is not in the trace; skipping clock skew adjustment`;
}

/**
 * The trace as Jaeger's API returns it: exact duplicate spans dropped, spans ordered by start time, equal processes
 * shared under keys p1, p2, … in order of first use, and a warning on each span whose parent is missing.
 */
export function toUiTrace(trace: Trace): UiTrace {
  const spans = withoutDuplicates(trace.spans).sort((a, b) => a.startTime - b.startTime);
  const present = new Set(spans.map((span) => span.spanId));
  const processes: Record<string, UiProcess> = {};
  const processIds = new Map<string, string>();
  const uiSpans = spans.map((span) => {
    const identity = processIdentity(span.process);
    let processID = processIds.get(identity);
    if (processID === undefined) {
      processID = `p${processIds.size + 1}`;
      processIds.set(identity, processID);
      processes[processID] = {
        serviceName: span.process.serviceName,
        tags: span.process.tags.map(toUiKeyValue),
      };
    }
    const warnings = [...(span.warnings ?? [])];
    const parent = parentSpanIdOf(span);
    // Jaeger only warns: the reference stays, and the span is shown as a root.
    if (parent !== undefined && !present.has(parent)) warnings.push(missingParentWarning(parent));
    return toUiSpan(span, processID, warnings);
  });
  return {
    traceID: jaegerTraceIdString(trace.traceId),
    spans: uiSpans,
    processes,
    warnings: trace.warnings !== undefined && trace.warnings.length > 0 ? [...trace.warnings] : null,
  };
}

/** JSON.stringify, except that a bigint becomes a bare JSON number with every digit kept. */
export function stringifyUiJson(value: unknown): string {
  const text = write(value);
  if (text === undefined) throw new TypeError('stringifyUiJson: the value has no JSON form');
  return text;
}

// Object keys repeat endlessly (key, type, value, traceID…): quote each once.
const quotedKeys = new Map<string, string>();
function quoteKey(key: string): string {
  let q = quotedKeys.get(key);
  if (q === undefined) {
    q = JSON.stringify(key);
    if (quotedKeys.size < 10_000) quotedKeys.set(key, q);
  }
  return q;
}

// JSON.stringify's rules, plus bigint as a bare integer literal. Hand-written because a replacer function
// (the only hook JSON.stringify offers) costs more than the whole rest of indexing a span.
function write(v: unknown): string | undefined {
  switch (typeof v) {
    case 'string':
      return quoteJson(v);
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object': {
      if (v === null) return 'null';
      const withToJSON = v as { toJSON?: (key: string) => unknown };
      if (typeof withToJSON.toJSON === 'function') return write(withToJSON.toJSON(''));
      if (Array.isArray(v)) {
        let out = '[';
        for (let i = 0; i < v.length; i++) {
          if (i > 0) out += ',';
          out += write(v[i]) ?? 'null';
        }
        return `${out}]`;
      }
      let out = '{';
      let first = true;
      for (const key in v) {
        if (!Object.prototype.hasOwnProperty.call(v, key)) continue;
        const item = write((v as Record<string, unknown>)[key]);
        if (item === undefined) continue;
        out += `${first ? '' : ','}${quoteKey(key)}:${item}`;
        first = false;
      }
      return `${out}}`;
    }
    default:
      return undefined;
  }
}

function withoutDuplicates(spans: Span[]): Span[] {
  const seen = new Set<string>();
  return spans.filter((span) => {
    const key = spanContentKey(span);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

// Tag order carries no meaning for a process, so two processes match when their tag multisets do.
function processIdentity(process: Process): string {
  const tags = process.tags.map((kv) => JSON.stringify(keyValueTuple(kv))).sort();
  return JSON.stringify([process.serviceName, tags]);
}

function toUiSpan(span: Span, processID: string, warnings: string[]): UiSpan {
  return {
    traceID: jaegerTraceIdString(span.traceId),
    spanID: span.spanId,
    ...(span.flags === 0 ? {} : { flags: span.flags }),
    operationName: span.operationName,
    references: parentFirst(span, referencesWithParent(span)).map((ref) => ({
      refType: ref.refType,
      traceID: jaegerTraceIdString(ref.traceId),
      spanID: ref.spanId,
    })),
    startTime: span.startTime,
    duration: span.duration,
    tags: span.tags.map(toUiKeyValue),
    logs: span.logs.map((log) => ({ timestamp: log.timestamp, fields: log.fields.map(toUiKeyValue) })),
    processID,
    warnings: warnings.length > 0 ? warnings : null,
  };
}

// Jaeger UI takes the first reference as the parent, so Jaeger's query service moves the first same-trace
// CHILD_OF (or, lacking one, the first same-trace reference) to the front.
function parentFirst(span: Span, refs: SpanRef[]): SpanRef[] {
  const sameTrace = (ref: SpanRef) => ref.traceId === span.traceId;
  let index = refs.findIndex((ref) => sameTrace(ref) && ref.refType === 'CHILD_OF');
  if (index === -1) index = refs.findIndex(sameTrace);
  if (index <= 0) return refs;
  return [refs[index] as SpanRef, ...refs.slice(0, index), ...refs.slice(index + 1)];
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function toUiKeyValue(kv: KeyValue): UiKeyValue {
  switch (kv.type) {
    case 'int64': {
      const safe = kv.value <= MAX_SAFE && kv.value >= -MAX_SAFE;
      return { key: kv.key, type: kv.type, value: safe ? Number(kv.value) : kv.value.toString() };
    }
    case 'float64': {
      const value = kv.value;
      if (Number.isFinite(value)) return { key: kv.key, type: kv.type, value };
      return { key: kv.key, type: kv.type, value: Number.isNaN(value) ? 'NaN' : value > 0 ? '+Inf' : '-Inf' };
    }
    case 'binary':
      return { key: kv.key, type: kv.type, value: Buffer.from(kv.value).toString('base64') };
    default:
      return { ...kv };
  }
}
