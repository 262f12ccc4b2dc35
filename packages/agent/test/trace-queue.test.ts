import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TraceBatch } from '@skein/model';
import { TraceQueue } from '../src/queue/trace-queue.js';

const trace = (id: string, spans: number, bytes: number): TraceBatch => ({
  traceId: id.padStart(32, '0'),
  spanCount: spans,
  value: Buffer.alloc(bytes),
});

describe('TraceQueue', () => {
  it('takes a client batch whole or refuses it whole, by spans and by bytes', () => {
    const q = new TraceQueue(10, 1000);
    assert.equal(q.offer([trace('1', 4, 100), trace('2', 4, 100)], 'http', 1), true);
    assert.equal(q.offer([trace('3', 1, 100), trace('4', 2, 100)], 'http', 2), false);
    assert.deepEqual([q.spans, q.bytes, q.length], [8, 200, 2]);
    assert.equal(q.offer([trace('5', 2, 800)], 'udp-compact', 3), true);
    assert.equal(q.offer([trace('6', 0, 1)], 'udp-compact', 4), false);
    assert.deepEqual([q.spans, q.bytes], [10, 1000]);
  });

  it('hands out FIFO slices bounded by count and bytes, at least one message each', () => {
    const q = new TraceQueue(100, 10_000);
    q.offer([trace('1', 1, 300), trace('2', 1, 300), trace('3', 1, 300), trace('4', 1, 5000)], 'grpc', 7);
    assert.deepEqual(
      q.take(2, 10_000).map((i) => i.trace.traceId.slice(-1)),
      ['1', '2'],
    );
    assert.deepEqual(
      q.take(10, 400).map((i) => i.trace.traceId.slice(-1)),
      ['3'],
    );
    const big = q.take(10, 400);
    assert.deepEqual(
      big.map((i) => [i.trace.traceId.slice(-1), i.transport, i.receivedAt]),
      [['4', 'grpc', 7]],
    );
    assert.deepEqual([q.spans, q.bytes, q.length], [0, 0, 0]);
    assert.deepEqual(q.take(10, 400), []);
  });

  it('stays correct across compaction of its backing array', () => {
    const q = new TraceQueue(1_000_000, 1_000_000_000);
    let next = 0;
    let expected = 0;
    for (let round = 0; round < 50; round++) {
      q.offer(
        Array.from({ length: 100 }, () => trace(String(next++), 1, 10)),
        'http',
        0,
      );
      for (const item of q.take(90, Number.MAX_SAFE_INTEGER))
        assert.equal(Number(item.trace.traceId), expected++);
    }
    assert.equal(q.length, 500);
    assert.equal(q.drain().length, 500);
  });

  it('wakes a waiting consumer when something arrives', async () => {
    const q = new TraceQueue(10, 1000);
    const waited = q.waitForItems(10_000);
    const t = Date.now();
    setTimeout(() => q.offer([trace('1', 1, 1)], 'http', 0), 20);
    await waited;
    assert.ok(Date.now() - t < 5000);
    assert.equal(q.length, 1);
  });
});
