// Jaeger's HTTP query parameters, parsed at the edge into typed requests; every problem is a ParamError (HTTP 400).
import { parseTraceId, type TraceId } from '@skein/model';
import type { TimeRange, TraceQuery } from '../store/types.js';
import { goDurationMicros } from './duration.js';

/** An invalid request parameter; the message names it and says what was expected. */
export class ParamError extends Error {
  readonly code = 'QUERY_BAD_PARAM';
  constructor(message: string) {
    super(message);
    this.name = 'ParamError';
  }
}

export interface QueryLimits {
  defaultLimit: number;
  maxLimit: number;
  /** Search range when neither `start` nor `lookback` is given. */
  defaultLookbackMs: number;
  /** Longest range a search or dependencies request may cover. */
  maxTimeRangeMs: number;
  /** Milliseconds since the epoch; a parameter so tests can fix the clock. */
  now: () => number;
}

export type SearchRequest =
  { kind: 'ids'; traceIds: TraceId[]; range: TimeRange | undefined } | { kind: 'query'; query: TraceQuery };

const INTEGER = /^-?\d+$/;
const DEPENDENCIES_DEFAULT_LOOKBACK_MS = 24 * 3_600_000;

function show(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}

function integerParam(params: URLSearchParams, name: string, what: string): number | undefined {
  const raw = params.get(name);
  if (raw === null || raw === '') return undefined;
  const n = INTEGER.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n)) throw new ParamError(`parameter '${name}' must be ${what}, got ${show(raw)}`);
  return n;
}

function durationParam(params: URLSearchParams, name: string): number | undefined {
  const raw = params.get(name);
  if (raw === null || raw === '') return undefined;
  const micros = goDurationMicros(raw);
  if (micros === undefined || micros < 0) {
    throw new ParamError(
      `parameter '${name}' must be a non-negative duration such as 500us, 1.2ms, 2s or 1m30s, got ${show(raw)}`,
    );
  }
  return micros;
}

/** A trace ID as Jaeger accepts it: 1 to 32 hex digits, leading zeros optional. */
export function parseTraceIdParam(raw: string, name = 'traceID'): TraceId {
  const id = parseTraceId(raw);
  if (id === undefined) {
    throw new ParamError(`${name} must be 1 to 32 hexadecimal characters, got ${show(raw)}`);
  }
  if (/^0+$/.test(id)) throw new ParamError(`${name} must not be zero`);
  return id;
}

/** The UI's lookback: a Go duration or whole days/weeks ("2d", "1w"); "custom" means start/end say it. */
function lookbackMs(raw: string): number {
  const days = /^(\d+)([dw])$/.exec(raw);
  if (days !== null) return Number(days[1]) * (days[2] === 'w' ? 7 : 1) * 86_400_000;
  const micros = goDurationMicros(raw);
  if (micros === undefined || micros <= 0) {
    throw new ParamError(
      `parameter 'lookback' must be a positive duration such as 1h or 2d, got ${show(raw)}`,
    );
  }
  return Math.floor(micros / 1000);
}

/** Checks a range given in any unit (`perMs` of them to a millisecond). */
function checkRange(start: number, end: number, limits: QueryLimits, names: string, perMs = 1): void {
  if (end < start) throw new ParamError(`${names}: the end is before the start`);
  if (end - start > limits.maxTimeRangeMs * perMs) {
    throw new ParamError(
      `${names}: the time range is ${formatMs(Math.ceil((end - start) / perMs))}, longer than the ${formatMs(limits.maxTimeRangeMs)} allowed (query.max-time-range); narrow it`,
    );
  }
}

function formatMs(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

function parseTags(params: URLSearchParams): Array<[string, string]> {
  const tags = new Map<string, string>();
  for (const raw of params.getAll('tag')) {
    const colon = raw.indexOf(':');
    if (colon <= 0) {
      throw new ParamError(`malformed 'tag' parameter ${show(raw)}: expected key:value with a non-empty key`);
    }
    tags.set(raw.slice(0, colon), raw.slice(colon + 1));
  }
  for (const raw of params.getAll('tags')) {
    if (raw === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (err) {
      throw new ParamError(`malformed 'tags' parameter: not JSON (${(err as Error).message})`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new ParamError(`malformed 'tags' parameter: expected a JSON object such as {"error":"true"}`);
    }
    for (const [key, value] of Object.entries(parsed)) {
      if (typeof value !== 'string') {
        throw new ParamError(
          `malformed 'tags' parameter: the value of ${show(key)} must be a string (write "200", not 200)`,
        );
      }
      if (key === '') throw new ParamError(`malformed 'tags' parameter: a tag key must not be empty`);
      tags.set(key, value);
    }
  }
  return [...tags];
}

/** `/api/traces`: either trace IDs (`traceID=`, repeatable) or a search by service and the rest. */
export function parseSearch(params: URLSearchParams, limits: QueryLimits): SearchRequest {
  const endMicros = integerParam(params, 'end', 'an integer number of microseconds since the epoch');
  const startMicros = integerParam(params, 'start', 'an integer number of microseconds since the epoch');
  const rawIds = params.getAll('traceID');
  if (rawIds.length > 0) {
    // Each ID may fetch up to query.max-spans-per-trace spans: as many IDs as a search may return, no more.
    if (rawIds.length > limits.maxLimit) {
      throw new ParamError(
        `parameter 'traceID' is given ${rawIds.length} times, more than the ${limits.maxLimit} allowed (query.max-limit)`,
      );
    }
    const traceIds = rawIds.map((raw) => parseTraceIdParam(raw, 'parameter traceID'));
    let range: TimeRange | undefined;
    if (startMicros !== undefined || endMicros !== undefined) {
      const endMs = endMicros === undefined ? limits.now() : Math.floor(endMicros / 1000);
      const startMs =
        startMicros === undefined ? endMs - limits.defaultLookbackMs : Math.floor(startMicros / 1000);
      checkRange(startMs, endMs, limits, "parameters 'start' and 'end'");
      range = { startMs, endMs };
    }
    return { kind: 'ids', traceIds: [...new Set(traceIds)], range };
  }

  const service = params.get('service') ?? '';
  if (service === '') throw new ParamError("parameter 'service' is required");
  const endUs = endMicros ?? limits.now() * 1000;
  let startUs = startMicros;
  if (startUs === undefined) {
    const lookback = params.get('lookback');
    const ms =
      lookback === null || lookback === '' || lookback === 'custom' ? undefined : lookbackMs(lookback);
    startUs = endUs - (ms ?? limits.defaultLookbackMs) * 1000;
  }
  checkRange(startUs, endUs, limits, "parameters 'start' and 'end'", 1000);

  const limitRaw = integerParam(params, 'limit', `an integer from 0 to ${limits.maxLimit}`);
  if (limitRaw !== undefined && (limitRaw < 0 || limitRaw > limits.maxLimit)) {
    throw new ParamError(
      `parameter 'limit' must be from 0 to ${limits.maxLimit} (query.max-limit), got ${limitRaw}`,
    );
  }
  const durationMin = durationParam(params, 'minDuration');
  const durationMax = durationParam(params, 'maxDuration');
  if (durationMin !== undefined && durationMax !== undefined && durationMax < durationMin) {
    throw new ParamError("parameter 'maxDuration' must not be less than 'minDuration'");
  }
  const operation = params.get('operation') ?? '';
  const query: TraceQuery = {
    service,
    tags: parseTags(params),
    startMin: startUs,
    startMax: endUs,
    limit: limitRaw === undefined || limitRaw === 0 ? limits.defaultLimit : limitRaw,
  };
  if (operation !== '') query.operation = operation;
  if (durationMin !== undefined && durationMin > 0) query.durationMin = durationMin;
  if (durationMax !== undefined) query.durationMax = durationMax;
  return { kind: 'query', query };
}

/** `/api/traces/{id}`: optional `start`/`end` (µs) narrow which daily indices are read. */
export function parseTraceRange(params: URLSearchParams, limits: QueryLimits): TimeRange | undefined {
  const startMicros = integerParam(params, 'start', 'an integer number of microseconds since the epoch');
  const endMicros = integerParam(params, 'end', 'an integer number of microseconds since the epoch');
  if (startMicros === undefined && endMicros === undefined) return undefined;
  const endMs = endMicros === undefined ? limits.now() : Math.floor(endMicros / 1000);
  const startMs =
    startMicros === undefined ? endMs - limits.defaultLookbackMs : Math.floor(startMicros / 1000);
  checkRange(startMs, endMs, limits, "parameters 'start' and 'end'");
  return { startMs, endMs };
}

/** `/api/dependencies`: `endTs` (ms, default now) and `lookback` (ms, default 24h), plus an optional `service`. */
export function parseDependencies(
  params: URLSearchParams,
  limits: QueryLimits,
): { endMs: number; lookbackMs: number; service: string | undefined } {
  const endMs =
    integerParam(params, 'endTs', 'an integer number of milliseconds since the epoch') ?? limits.now();
  const lookback =
    integerParam(params, 'lookback', 'an integer number of milliseconds') ?? DEPENDENCIES_DEFAULT_LOOKBACK_MS;
  if (endMs < 0) throw new ParamError("parameter 'endTs' must not be negative");
  if (lookback <= 0) throw new ParamError(`parameter 'lookback' must be a positive number of milliseconds`);
  checkRange(endMs - lookback, endMs, limits, "parameters 'endTs' and 'lookback'");
  const service = params.get('service');
  return { endMs, lookbackMs: lookback, service: service === null || service === '' ? undefined : service };
}
