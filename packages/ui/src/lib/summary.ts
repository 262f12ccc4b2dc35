// What a search result shows of a trace, computed from its spans.
import type { UiKeyValue, UiSpan, UiTrace } from '@skein/model';

export interface ServiceCount {
  readonly name: string;
  readonly spans: number;
  readonly errors: number;
}

export interface TraceSummary {
  readonly traceID: string;
  /** The root span's service and operation; for a trace without a root, those of its earliest span. */
  readonly rootService: string;
  readonly rootOperation: string;
  /** False when no span lacks a parent in the trace (the root has not arrived). */
  readonly hasRoot: boolean;
  readonly spanCount: number;
  readonly errorCount: number;
  /** Earliest start, µs since the epoch, and latest end minus earliest start, µs. */
  readonly start: number;
  readonly duration: number;
  /** By span count, most first, then by name. */
  readonly services: readonly ServiceCount[];
}

function truthy(tag: UiKeyValue): boolean {
  return tag.value === true || (typeof tag.value === 'string' && tag.value.toLowerCase() === 'true');
}

/** Whether the span reports an error: Jaeger's `error=true` tag, or OpenTelemetry's `otel.status_code=ERROR`. */
export function isErrorSpan(span: UiSpan): boolean {
  for (const tag of span.tags) {
    if (tag.key === 'error' && truthy(tag)) return true;
    if (tag.key === 'otel.status_code' && tag.value === 'ERROR') return true;
  }
  return false;
}

/**
 * The span's parent within its trace: the first CHILD_OF reference to a span that `present` knows, else the first
 * such FOLLOWS_FROM. References to other traces and to the span itself do not count.
 */
export function parentSpanId(span: UiSpan, present: (spanId: string) => boolean): string | undefined {
  let followsFrom: string | undefined;
  for (const ref of span.references) {
    if (ref.traceID !== span.traceID || ref.spanID === span.spanID || !present(ref.spanID)) continue;
    if (ref.refType === 'CHILD_OF') return ref.spanID;
    followsFrom ??= ref.spanID;
  }
  return followsFrom;
}

/** The service of a span, through the trace's processes map. */
export function serviceOf(trace: UiTrace, span: UiSpan): string {
  return trace.processes[span.processID]?.serviceName ?? span.processID;
}

export function summarize(trace: UiTrace): TraceSummary {
  const ids = new Set(trace.spans.map((s) => s.spanID));
  let root: UiSpan | undefined;
  let first: UiSpan | undefined;
  let start = Infinity;
  let end = -Infinity;
  let errorCount = 0;
  const services = new Map<string, { spans: number; errors: number }>();
  for (const span of trace.spans) {
    if (first === undefined || span.startTime < first.startTime) first = span;
    const isRoot = parentSpanId(span, (id) => ids.has(id)) === undefined;
    if (isRoot && (root === undefined || span.startTime < root.startTime)) {
      root = span;
    }
    start = Math.min(start, span.startTime);
    end = Math.max(end, span.startTime + span.duration);
    const error = isErrorSpan(span);
    if (error) errorCount++;
    const name = serviceOf(trace, span);
    const counts = services.get(name) ?? { spans: 0, errors: 0 };
    counts.spans++;
    if (error) counts.errors++;
    services.set(name, counts);
  }
  const shown = root ?? first;
  return {
    traceID: trace.traceID,
    rootService: shown === undefined ? '' : serviceOf(trace, shown),
    rootOperation: shown?.operationName ?? '',
    hasRoot: root !== undefined,
    spanCount: trace.spans.length,
    errorCount,
    start: trace.spans.length === 0 ? 0 : start,
    duration: trace.spans.length === 0 ? 0 : end - start,
    services: [...services]
      .map(([name, c]) => ({ name, spans: c.spans, errors: c.errors }))
      .sort((a, b) => b.spans - a.spans || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  };
}

export type ResultOrder = 'recent' | 'longest' | 'shortest' | 'most-spans';

/** Search results in the chosen order; ties keep the most recent first. */
export function sortSummaries(list: readonly TraceSummary[], order: ResultOrder): TraceSummary[] {
  const recent = (a: TraceSummary, b: TraceSummary): number => b.start - a.start;
  const by: Record<ResultOrder, (a: TraceSummary, b: TraceSummary) => number> = {
    recent,
    longest: (a, b) => b.duration - a.duration || recent(a, b),
    shortest: (a, b) => a.duration - b.duration || recent(a, b),
    'most-spans': (a, b) => b.spanCount - a.spanCount || recent(a, b),
  };
  return list.slice().sort(by[order]);
}
