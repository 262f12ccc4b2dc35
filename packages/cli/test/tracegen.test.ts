import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeAgentMessage, parentSpanIdOf, type Span } from '@skein/model';
import { DEFAULT_SHAPE, TraceGenerator } from '../src/tracegen/generate.js';
import { batchesOf, packets } from '../src/tracegen/senders.js';

const START = 1_764_000_000_000_000;

describe('TraceGenerator', () => {
  it('makes the same traces for the same seed, and others for another', () => {
    const a = new TraceGenerator(DEFAULT_SHAPE, 42).trace(START);
    const b = new TraceGenerator(DEFAULT_SHAPE, 42).trace(START);
    const c = new TraceGenerator(DEFAULT_SHAPE, 43).trace(START);
    assert.deepEqual(a, b);
    assert.notEqual(a[0]?.traceId, c[0]?.traceId);
  });

  it('builds one rooted tree of client/server calls within the shape', () => {
    const generator = new TraceGenerator({ ...DEFAULT_SHAPE, maxSpans: 25 }, 7);
    let errors = 0;
    for (let t = 0; t < 500; t++) {
      const spans = generator.trace(START + t);
      assert.ok(spans.length >= 1 && spans.length <= 25, `${spans.length} spans`);
      const ids = new Set(spans.map((s) => s.spanId));
      assert.equal(ids.size, spans.length);
      const roots = spans.filter((s) => parentSpanIdOf(s) === undefined);
      assert.equal(roots.length, 1);
      assert.equal(roots[0]?.process.serviceName, 'frontend');
      for (const span of spans) {
        assert.equal(span.traceId, spans[0]?.traceId);
        const parent = parentSpanIdOf(span);
        if (parent === undefined) continue;
        assert.ok(ids.has(parent), 'every parent is in the trace');
        const p = spans.find((s) => s.spanId === parent) as Span;
        // A child starts within its parent.
        assert.ok(span.startTime >= p.startTime, 'child starts after parent');
        const kind = span.tags.find((k) => k.key === 'span.kind')?.value;
        const parentKind = p.tags.find((k) => k.key === 'span.kind')?.value;
        if (kind === 'server') {
          assert.equal(parentKind, 'client');
          assert.notEqual(span.process.serviceName, 'frontend');
        }
      }
      if (spans.some((s) => s.tags.some((k) => k.key === 'error'))) errors++;
    }
    // 5% of 500 traces, within a wide margin.
    assert.ok(errors >= 10 && errors <= 45, `${errors} traces with errors`);
  });

  it('spreads leaf latencies log-normally around the median', () => {
    const generator = new TraceGenerator(
      { ...DEFAULT_SHAPE, latencyMedianUs: 1000, latencyP99Us: 20_000 },
      3,
    );
    const leaves: number[] = [];
    for (let t = 0; t < 2000; t++) {
      for (const s of generator.trace(START)) if (s.operationName === 'SELECT') leaves.push(s.duration);
    }
    leaves.sort((x, y) => x - y);
    const median = leaves[Math.floor(leaves.length / 2)] as number;
    const p99 = leaves[Math.floor(leaves.length * 0.99)] as number;
    assert.ok(median > 800 && median < 1250, `median ${median}`);
    assert.ok(p99 > 12_000 && p99 < 32_000, `p99 ${p99}`);
  });
});

describe('tracegen packets', () => {
  it('groups a trace by process and splits a batch over 65,000 bytes into packets that fit', () => {
    const generator = new TraceGenerator(
      { ...DEFAULT_SHAPE, extraTags: 60, maxSpans: 200, depth: 6, fanout: 6 },
      5,
    );
    const spans = generator.trace(START);
    const batches = batchesOf(spans);
    assert.equal(
      batches.reduce((n, b) => n + b.spans.length, 0),
      spans.length,
    );
    let seq = 0;
    const big = { process: batches[0]?.process ?? spans[0]!.process, spans };
    const out = packets(big, 'compact', () => ++seq);
    assert.ok(out.length > 1, 'split into several packets');
    let decoded = 0;
    for (const packet of out) {
      assert.ok(packet.length <= 65_000);
      const message = decodeAgentMessage(packet, 'compact');
      assert.equal(message.method, 'emitBatch');
      if (message.method === 'emitBatch') decoded += message.batch.spans.length;
    }
    assert.equal(decoded, spans.length);
  });
});
