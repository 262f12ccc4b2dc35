// Elasticsearch request bodies for Jaeger's span and service indices. User input only ever becomes a term or a
// regexp value (never query_string or a script), so it cannot change the shape of a query.
import { jaegerTraceIdString, type TraceId } from '@skein/model';
import type { TraceQuery } from './types.js';

type Json = Record<string, unknown>;

/** Name of the terms aggregation that collects trace IDs, and of its newest-span sub-aggregation. */
export const TRACE_IDS_AGG = 'traceIDs';
const LATEST = 'latestStart';

/**
 * Regexp values use Lucene's core syntax only (flags NONE), so `@ & ~ < > #` are literal characters: a tag value
 * like user@example.com matches itself, not "user" followed by anything.
 */
function regexp(field: string, value: string): Json {
  return { regexp: { [field]: { value, flags: 'NONE' } } };
}

function nestedKeyValue(path: string, key: string, value: string): Json {
  return {
    nested: {
      path,
      query: { bool: { filter: [{ term: { [`${path}.key`]: key } }, regexp(`${path}.value`, value)] } },
    },
  };
}

/**
 * One tag condition: the key with a value matching the regular expression, as a span tag, a process tag or a log
 * field, in the nested layout or as a tags-as-fields object field (`tag.<key>` with dots replaced).
 */
export function tagCondition(key: string, value: string, dotReplacement: string): Json {
  const fieldKey = key.replaceAll('.', dotReplacement);
  return {
    bool: {
      should: [
        nestedKeyValue('tags', key, value),
        nestedKeyValue('process.tags', key, value),
        nestedKeyValue('logs.fields', key, value),
        regexp(`tag.${fieldKey}`, value),
        regexp(`process.tag.${fieldKey}`, value),
      ],
      minimum_should_match: 1,
    },
  };
}

/** The span filter of a search: every condition holds on one span document. */
export function findTraceIdsFilter(query: TraceQuery, dotReplacement: string): Json[] {
  const filter: Json[] = [
    { range: { startTime: { gte: query.startMin, lte: query.startMax } } },
    { term: { 'process.serviceName': query.service } },
  ];
  if (query.operation !== undefined && query.operation !== '') {
    filter.push({ term: { operationName: query.operation } });
  }
  if (query.durationMin !== undefined || query.durationMax !== undefined) {
    const range: Json = {};
    if (query.durationMin !== undefined) range.gte = query.durationMin;
    if (query.durationMax !== undefined) range.lte = query.durationMax;
    filter.push({ range: { duration: range } });
  }
  for (const [key, value] of query.tags) filter.push(tagCondition(key, value, dotReplacement));
  return filter;
}

/** The search body that finds up to `limit` trace IDs, those with the latest matching span first. */
export function findTraceIdsBody(query: TraceQuery, dotReplacement: string): Json {
  return {
    size: 0,
    track_total_hits: false,
    query: { bool: { filter: findTraceIdsFilter(query, dotReplacement) } },
    aggs: {
      [TRACE_IDS_AGG]: {
        terms: { field: 'traceID', size: query.limit, order: { [LATEST]: 'desc' } },
        aggs: { [LATEST]: { max: { field: 'startTime' } } },
      },
    },
  };
}

/**
 * Every form in which a trace ID may be stored: Jaeger's (16 hex digits when the high half is zero, else 32),
 * the 32-digit form, and the form of Jaeger versions before 1.19 that dropped leading zeros.
 */
export function storedTraceIdForms(traceId: TraceId): string[] {
  const jaeger = jaegerTraceIdString(traceId);
  const trimmed = traceId.replace(/^0+/, '');
  return [...new Set([jaeger, traceId, trimmed])];
}

/** One page of a trace's spans in a stable order, continuing after `after` (the last hit's sort values). */
export function traceSpansBody(traceId: TraceId, pageSize: number, after?: readonly unknown[]): Json {
  return {
    size: pageSize,
    track_total_hits: false,
    query: { bool: { filter: [{ terms: { traceID: storedTraceIdForms(traceId) } }] } },
    sort: [{ startTime: 'asc' }, { spanID: 'asc' }],
    ...(after === undefined ? {} : { search_after: after }),
  };
}

/** Distinct service names in the service indices. */
export function servicesBody(max: number): Json {
  return {
    size: 0,
    track_total_hits: false,
    aggs: { services: { terms: { field: 'serviceName', size: max, order: { _key: 'asc' } } } },
  };
}

/** A service's (operation, span kind) pairs; documents without a kind (written by Jaeger) count as kind "". */
export function operationsBody(service: string, spanKind: string | undefined, max: number): Json {
  const filter: Json[] = [{ term: { serviceName: service } }];
  if (spanKind !== undefined && spanKind !== '') filter.push({ term: { spanKind } });
  return {
    size: 0,
    track_total_hits: false,
    query: { bool: { filter } },
    aggs: {
      operations: {
        terms: { field: 'operationName', size: max, order: { _key: 'asc' } },
        aggs: { kinds: { terms: { field: 'spanKind', size: 10, missing: '', order: { _key: 'asc' } } } },
      },
    },
  };
}

/** Dependencies documents whose `timestamp` is within [startMs, endMs]. */
export function dependenciesBody(startMs: number, endMs: number, max: number): Json {
  return {
    size: max,
    track_total_hits: false,
    query: { range: { timestamp: { gte: startMs, lte: endMs, format: 'epoch_millis' } } },
  };
}
