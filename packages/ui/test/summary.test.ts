import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isErrorSpan, sortSummaries, summarize } from '../src/lib/summary.js';
import { span, trace } from './spans.js';

describe('summarize', () => {
  const t = trace(
    [
      { id: 'c1', parent: 'root', start: 1_000_150, duration: 400, process: 'p2', op: 'SELECT' },
      { id: 'root', start: 1_000_000, duration: 1_000, op: 'GET /cart' },
      {
        id: 'c2',
        parent: 'root',
        start: 1_000_700,
        duration: 500,
        process: 'p2',
        op: 'UPDATE',
        tags: [{ key: 'error', type: 'bool', value: true }],
      },
      {
        id: 'c3',
        parent: 'c2',
        start: 1_000_800,
        duration: 100,
        process: 'p3',
        tags: [{ key: 'otel.status_code', type: 'string', value: 'ERROR' }],
      },
    ],
    { p1: 'frontend', p2: 'db', p3: 'cache' },
  );

  it('names the root, counts spans and errors, and spans the whole trace', () => {
    const s = summarize(t);
    assert.deepEqual(
      { ...s, services: [...s.services] },
      {
        traceID: t.traceID,
        rootService: 'frontend',
        rootOperation: 'GET /cart',
        hasRoot: true,
        spanCount: 4,
        errorCount: 2,
        start: 1_000_000,
        // c2 ends at 1_001_200, after the root.
        duration: 1_200,
        services: [
          { name: 'db', spans: 2, errors: 1 },
          { name: 'cache', spans: 1, errors: 1 },
          { name: 'frontend', spans: 1, errors: 0 },
        ],
      },
    );
  });

  it('takes the earliest span without a parent in the trace as the root; in a cycle, the earliest span', () => {
    const orphans = summarize(
      trace([
        { id: 'b', parent: 'missing', start: 9, duration: 1, op: 'late' },
        { id: 'c', parent: 'missing', start: 3, duration: 1, op: 'early' },
      ]),
    );
    assert.deepEqual([orphans.rootOperation, orphans.hasRoot], ['early', true]);
    const cycle = summarize(
      trace([
        { id: 'x', parent: 'y', start: 9, duration: 1, op: 'x-op' },
        { id: 'y', parent: 'x', start: 4, duration: 1, op: 'y-op' },
      ]),
    );
    assert.deepEqual([cycle.rootOperation, cycle.hasRoot], ['y-op', false]);
  });

  it('summarises an empty trace as zeros', () => {
    const s = summarize(trace([]));
    assert.deepEqual([s.spanCount, s.start, s.duration, s.rootService], [0, 0, 0, '']);
  });
});

describe('isErrorSpan', () => {
  it("reads Jaeger's error tag as a bool or a string, and OpenTelemetry's status", () => {
    const tagged = (key: string, type: 'bool' | 'string', value: boolean | string) =>
      isErrorSpan(span({ id: 'x', start: 0, duration: 1, tags: [{ key, type, value } as never] }));
    assert.equal(tagged('error', 'bool', true), true);
    assert.equal(tagged('error', 'string', 'true'), true);
    assert.equal(tagged('error', 'bool', false), false);
    assert.equal(tagged('otel.status_code', 'string', 'ERROR'), true);
    assert.equal(tagged('otel.status_code', 'string', 'OK'), false);
    assert.equal(isErrorSpan(span({ id: 'y', start: 0, duration: 1 })), false);
  });
});

describe('sortSummaries', () => {
  const list = [
    { id: 'a', start: 1, duration: 50, spans: 3 },
    { id: 'b', start: 3, duration: 10, spans: 9 },
    { id: 'c', start: 2, duration: 50, spans: 1 },
  ].map((x) => ({
    ...summarize(trace([])),
    traceID: x.id,
    start: x.start,
    duration: x.duration,
    spanCount: x.spans,
  }));
  const order = (o: Parameters<typeof sortSummaries>[1]) => sortSummaries(list, o).map((s) => s.traceID);

  it('orders by recency, duration or span count, most recent first among equals', () => {
    assert.deepEqual(order('recent'), ['b', 'c', 'a']);
    assert.deepEqual(order('longest'), ['c', 'a', 'b']);
    assert.deepEqual(order('shortest'), ['b', 'c', 'a']);
    assert.deepEqual(order('most-spans'), ['b', 'a', 'c']);
  });
});
