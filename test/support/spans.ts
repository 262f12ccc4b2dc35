// Hand-built spans for tests that cross packages (public API only).
import { randomBytes } from 'node:crypto';
import type { Batch, Process, Span } from '@skein/model';

export function randomTraceId(): string {
  return randomBytes(16).toString('hex');
}

export function randomSpanId(): string {
  return randomBytes(8).toString('hex');
}

/** `perTrace` spans for each trace ID, with tags of every type, a log and a parent reference. */
export function makeBatch(serviceName: string, traceIds: readonly string[], perTrace: number): Batch {
  const process: Process = {
    serviceName,
    tags: [
      { key: 'hostname', type: 'string', value: 'test-host' },
      { key: 'client-uuid', type: 'string', value: randomSpanId() },
    ],
  };
  const spans: Span[] = [];
  for (const traceId of traceIds) {
    const root = randomSpanId();
    for (let i = 0; i < perTrace; i++) {
      const spanId = i === 0 ? root : randomSpanId();
      const span: Span = {
        traceId,
        spanId,
        operationName: i === 0 ? 'GET /orders' : `child-${i}`,
        references: i === 0 ? [] : [{ refType: 'CHILD_OF', traceId, spanId: root }],
        flags: 1,
        startTime: 1_732_000_000_000_000 + i * 10,
        duration: 1000 + i,
        tags: [
          { key: 'span.kind', type: 'string', value: i === 0 ? 'server' : 'client' },
          { key: 'http.status_code', type: 'int64', value: 200n },
          { key: 'big', type: 'int64', value: 9007199254740993n },
          { key: 'ratio', type: 'float64', value: 0.25 },
          { key: 'error', type: 'bool', value: false },
          { key: 'blob', type: 'binary', value: Uint8Array.from([1, 2, 3]) },
        ],
        logs: [
          { timestamp: 1_732_000_000_000_500, fields: [{ key: 'event', type: 'string', value: 'step' }] },
        ],
        process,
      };
      if (i > 0) span.parentSpanId = root;
      spans.push(span);
    }
  }
  return { process, spans };
}
