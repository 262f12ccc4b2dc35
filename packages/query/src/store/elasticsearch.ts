// SpanReader over Jaeger-layout indices in Elasticsearch, written by skein's ingester or by Jaeger itself.
import { errors, type Client } from '@elastic/elasticsearch';
import {
  fromEsSpan,
  indexBaseName,
  indicesForRange,
  parseTraceId,
  type EsSpan,
  type IndexKind,
  type Span,
  type Trace,
  type TraceId,
} from '@skein/model';
import type { Logger } from '@skein/runtime';
import {
  TRACE_IDS_AGG,
  dependenciesBody,
  findTraceIdsBody,
  operationsBody,
  servicesBody,
  traceSpansBody,
} from './queries.js';
import {
  QueryInputError,
  type DependencyLink,
  type Operation,
  type SpanReader,
  type TimeRange,
  type TraceQuery,
} from './types.js';

export interface EsSpanReaderOptions {
  client: Client;
  logger: Logger;
  /** Index prefix, verbatim. */
  prefix: string;
  /** Read `<prefix>jaeger-span-read` / `…-service-read` aliases instead of daily indices. */
  useAliases: boolean;
  dotReplacement: string;
  /** Services and operations are read from the daily service indices of this many last milliseconds. */
  serviceLookbackMs: number;
  maxSpansPerTrace: number;
  /** Measures each Elasticsearch request by kind. */
  onRequest?: (operation: string, seconds: number) => void;
  /** Told of every failed Elasticsearch request (before it is thrown on), e.g. to log refused credentials once. */
  onError?: (err: unknown) => void;
  now?: () => number;
}

// Elasticsearch's default index.max_result_window: the largest page one search returns.
const MAX_PAGE = 10_000;
const MAX_BUCKETS = 10_000;
// A trace may straddle midnight: look an hour beyond the range on both sides, as Jaeger does.
const STRADDLE_MS = 3_600_000;

interface Hit {
  _index: string;
  _id: string;
  _source?: unknown;
  sort?: unknown[];
}

interface SearchResponse {
  hits?: { hits?: Hit[] };
  aggregations?: Record<string, unknown>;
  error?: unknown;
}

interface Bucket {
  key: string;
  doc_count: number;
  [sub: string]: unknown;
}

function buckets(aggregations: Record<string, unknown> | undefined, name: string): Bucket[] {
  const agg = aggregations?.[name] as { buckets?: Bucket[] } | undefined;
  return agg?.buckets ?? [];
}

/** Reads traces, services, operations and dependencies from Jaeger's Elasticsearch layout. */
export class EsSpanReader implements SpanReader {
  readonly #client: Client;
  readonly #options: EsSpanReaderOptions;
  readonly #now: () => number;

  constructor(options: EsSpanReaderOptions) {
    this.#client = options.client;
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** The indices of `kind` to search for [startMs, endMs]: the read alias, or the daily indices of the range. */
  indices(kind: IndexKind, startMs: number, endMs: number): string[] {
    if (this.#options.useAliases) return [`${indexBaseName(this.#options.prefix, kind)}-read`];
    return indicesForRange(this.#options.prefix, kind, startMs, endMs);
  }

  /** Every index of `kind`, whatever its day. */
  allIndices(kind: IndexKind): string[] {
    const base = indexBaseName(this.#options.prefix, kind);
    return [this.#options.useAliases ? `${base}-read` : `${base}-*`];
  }

  async services(): Promise<string[]> {
    const now = this.#now();
    const indices = this.indices('service', now - this.#options.serviceLookbackMs, now);
    const response = await this.#search('services', indices, servicesBody(MAX_BUCKETS));
    return buckets(response.aggregations, 'services').map((b) => String(b.key));
  }

  async operations(service: string, spanKind?: string): Promise<Operation[]> {
    const now = this.#now();
    const indices = this.indices('service', now - this.#options.serviceLookbackMs, now);
    const response = await this.#search(
      'operations',
      indices,
      operationsBody(service, spanKind, MAX_BUCKETS),
    );
    const out: Operation[] = [];
    for (const op of buckets(response.aggregations, 'operations')) {
      const kinds = buckets(op as Record<string, unknown>, 'kinds');
      if (kinds.length === 0) out.push({ name: String(op.key), spanKind: '' });
      for (const kind of kinds) out.push({ name: String(op.key), spanKind: String(kind.key) });
    }
    return out;
  }

  async findTraceIds(query: TraceQuery): Promise<TraceId[]> {
    const indices = this.indices(
      'span',
      Math.floor(query.startMin / 1000),
      Math.floor(query.startMax / 1000),
    );
    const body = findTraceIdsBody(query, this.#options.dotReplacement);
    const response = await this.#search('find_trace_ids', indices, body, query.tags.length > 0);
    const ids: TraceId[] = [];
    for (const bucket of buckets(response.aggregations, TRACE_IDS_AGG)) {
      const id = parseTraceId(String(bucket.key));
      if (id !== undefined) ids.push(id);
    }
    return ids;
  }

  async findTraces(query: TraceQuery): Promise<Trace[]> {
    const ids = await this.findTraceIds(query);
    return this.getTraces(ids, {
      startMs: Math.floor(query.startMin / 1000),
      endMs: Math.floor(query.startMax / 1000),
    });
  }

  async getTraces(traceIds: readonly TraceId[], range?: TimeRange): Promise<Trace[]> {
    if (traceIds.length === 0) return [];
    const indices =
      range === undefined
        ? this.allIndices('span')
        : this.indices('span', range.startMs - STRADDLE_MS, range.endMs + STRADDLE_MS);
    const pageSize = Math.min(MAX_PAGE, this.#options.maxSpansPerTrace);
    const state = traceIds.map((traceId) => ({
      traceId,
      spans: [] as Span[],
      warnings: [] as string[],
      after: undefined as unknown[] | undefined,
      asked: 0,
      done: false,
    }));
    for (;;) {
      const open = state.filter((s) => !s.done);
      if (open.length === 0) break;
      const searches: Array<Record<string, unknown>> = [];
      for (const s of open) {
        searches.push({ index: indices.join(','), ignore_unavailable: true, allow_no_indices: true });
        s.asked = Math.min(pageSize, this.#options.maxSpansPerTrace - s.spans.length);
        searches.push(traceSpansBody(s.traceId, s.asked, s.after));
      }
      const responses = await this.#msearch('get_traces', searches);
      open.forEach((s, i) => {
        const hits = responses[i]?.hits?.hits ?? [];
        for (const hit of hits) {
          try {
            s.spans.push(fromEsSpan(hit._source as EsSpan, { dotReplacement: this.#options.dotReplacement }));
          } catch (err) {
            s.warnings.push(
              `span document ${hit._id} in ${hit._index} could not be read: ${(err as Error).message}`,
            );
          }
        }
        s.after = hits.at(-1)?.sort;
        if (hits.length < s.asked || s.after === undefined) {
          s.done = true;
        } else if (s.spans.length >= this.#options.maxSpansPerTrace) {
          s.done = true;
          s.warnings.push(
            `trace has more than ${this.#options.maxSpansPerTrace} spans; only the first ${this.#options.maxSpansPerTrace} by start time are shown (query.max-spans-per-trace)`,
          );
        }
      });
    }
    const traces: Trace[] = [];
    for (const s of state) {
      if (s.spans.length === 0) {
        // A trace with no readable span is reported as missing: clients index spans[0] without checking.
        if (s.warnings.length > 0)
          this.#options.logger.warn('trace has no readable span', {
            traceId: s.traceId,
            problems: s.warnings.slice(0, 3),
          });
        continue;
      }
      const trace: Trace = { traceId: s.traceId, spans: s.spans };
      if (s.warnings.length > 0) trace.warnings = s.warnings;
      traces.push(trace);
    }
    return traces;
  }

  async dependencies(endMs: number, lookbackMs: number): Promise<DependencyLink[]> {
    const startMs = endMs - lookbackMs;
    const response = await this.#search(
      'dependencies',
      this.indices('dependencies', startMs, endMs),
      dependenciesBody(startMs, endMs, MAX_PAGE),
    );
    const sums = new Map<string, DependencyLink>();
    for (const hit of response.hits?.hits ?? []) {
      const doc = hit._source as { dependencies?: unknown } | undefined;
      if (!Array.isArray(doc?.dependencies)) continue;
      for (const raw of doc.dependencies as Array<Record<string, unknown>>) {
        const parent = raw.parent ?? raw.Parent;
        const child = raw.child ?? raw.Child;
        const calls = Number(raw.callCount ?? raw.CallCount ?? 0);
        if (typeof parent !== 'string' || typeof child !== 'string' || !Number.isFinite(calls)) continue;
        const key = JSON.stringify([parent, child]);
        const link = sums.get(key);
        if (link === undefined) sums.set(key, { parent, child, callCount: calls });
        else link.callCount += calls;
      }
    }
    return [...sums.values()].sort((a, b) =>
      a.parent === b.parent ? (a.child < b.child ? -1 : 1) : a.parent < b.parent ? -1 : 1,
    );
  }

  async #search(
    operation: string,
    indices: string[],
    body: Record<string, unknown>,
    hadTags = false,
  ): Promise<SearchResponse> {
    const started = performance.now();
    try {
      return (await this.#client.search({
        index: indices.join(','),
        ignore_unavailable: true,
        allow_no_indices: true,
        ...body,
      })) as unknown as SearchResponse;
    } catch (err) {
      this.#options.onError?.(err);
      if (err instanceof errors.ResponseError && err.statusCode === 400) throw refusal(err.body, hadTags);
      throw err;
    } finally {
      this.#options.onRequest?.(operation, (performance.now() - started) / 1000);
    }
  }

  async #msearch(operation: string, searches: Array<Record<string, unknown>>): Promise<SearchResponse[]> {
    const started = performance.now();
    try {
      const response = (await this.#client.msearch({ searches })) as unknown as {
        responses: SearchResponse[];
      };
      for (const r of response.responses) {
        if (r.error !== undefined) throw refusal(r, false);
      }
      return response.responses;
    } catch (err) {
      this.#options.onError?.(err);
      if (err instanceof errors.ResponseError && err.statusCode === 400) throw refusal(err.body, false);
      throw err;
    } finally {
      this.#options.onRequest?.(operation, (performance.now() - started) / 1000);
    }
  }
}

/** The first root cause Elasticsearch gives for a refused search. */
function rootCause(body: unknown): string {
  const error = (body as { error?: { root_cause?: Array<{ reason?: string }>; reason?: string } } | undefined)
    ?.error;
  return error?.root_cause?.[0]?.reason ?? error?.reason ?? 'no reason given';
}

/**
 * A search Elasticsearch refused as malformed (400). Only tag values reach a query as patterns, so when the search
 * had tags that is what the user got wrong (Lucene regexp syntax); otherwise it is our bug and stays an error.
 */
function refusal(body: unknown, hadTags: boolean): Error {
  const reason = rootCause(body);
  if (hadTags) {
    return new QueryInputError(
      `a tag value is not a valid regular expression (Lucene syntax; escape any of . ? + * | { } [ ] ( ) " \\ with \\ to match it literally): ${reason}`,
    );
  }
  return new Error(`Elasticsearch refused the search: ${reason}`);
}
