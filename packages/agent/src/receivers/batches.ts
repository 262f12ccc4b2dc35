import { encodeBatch, type Process, type Span, type TraceBatch } from '@skein/model';

/**
 * Groups decoded spans (from gRPC, Zipkin or any format that is not already compact thrift) into one compact
 * Batch per trace and process, in first-seen order: the Kafka message values the agent publishes.
 */
export function toTraceBatches(spans: readonly Span[]): TraceBatch[] {
  const groups = new Map<string, { traceId: string; process: Process; spans: Span[] }>();
  const processIds = new Map<Process, number>();
  for (const span of spans) {
    let pid = processIds.get(span.process);
    if (pid === undefined) {
      pid = processIds.size;
      processIds.set(span.process, pid);
    }
    const key = `${span.traceId}/${pid}`;
    const group = groups.get(key);
    if (group) group.spans.push(span);
    else groups.set(key, { traceId: span.traceId, process: span.process, spans: [span] });
  }
  return [...groups.values()].map((g) => ({
    traceId: g.traceId,
    spanCount: g.spans.length,
    value: encodeBatch({ process: g.process, spans: g.spans }, 'compact'),
  }));
}
