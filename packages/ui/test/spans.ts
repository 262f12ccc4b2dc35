// Small hand-made traces in the API's JSON shape (what GET /api/traces/{id} returns).
import type { UiKeyValue, UiSpan, UiTrace } from '@skein/model';

export const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

export interface SpanSpec {
  id: string;
  parent?: string;
  /** Reference type to the parent; CHILD_OF unless given. */
  refType?: 'CHILD_OF' | 'FOLLOWS_FROM';
  start: number;
  duration: number;
  op?: string;
  process?: string;
  tags?: UiKeyValue[];
}

export function span(spec: SpanSpec): UiSpan {
  return {
    traceID: TRACE_ID,
    spanID: spec.id,
    operationName: spec.op ?? `op-${spec.id}`,
    references:
      spec.parent === undefined
        ? []
        : [{ refType: spec.refType ?? 'CHILD_OF', traceID: TRACE_ID, spanID: spec.parent }],
    startTime: spec.start,
    duration: spec.duration,
    tags: spec.tags ?? [],
    logs: [],
    processID: spec.process ?? 'p1',
    warnings: null,
  };
}

export function trace(specs: SpanSpec[], services: Record<string, string> = { p1: 'frontend' }): UiTrace {
  return {
    traceID: TRACE_ID,
    spans: specs.map(span),
    processes: Object.fromEntries(
      Object.entries(services).map(([id, serviceName]) => [id, { serviceName, tags: [] }]),
    ),
    warnings: null,
  };
}
