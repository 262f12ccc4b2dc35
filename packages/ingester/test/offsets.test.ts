import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MessageWork, PartitionOffsets } from '../src/kafka/offsets.js';

function work(offsets: PartitionOffsets, offset: number): MessageWork {
  return new MessageWork(offsets, BigInt(offset), undefined, (w) => w.offsets.finish(w.offset));
}

describe('PartitionOffsets', () => {
  it('commits only past messages finished together with everything before them', () => {
    const p = new PartitionOffsets('skein-spans', 3);
    const w = [10, 11, 12, 13].map((o) => work(p, o));
    assert.equal(p.committable(), undefined);
    (w[1] as MessageWork).seal();
    (w[3] as MessageWork).seal();
    assert.equal(p.committable(), undefined, 'offset 10 is not finished');
    (w[0] as MessageWork).seal();
    assert.equal(p.committable(), 12n, 'next to read after 10 and 11');
    p.markCommitted(12n);
    assert.equal(p.committable(), undefined);
    (w[2] as MessageWork).seal();
    assert.equal(p.committable(), 14n);
    assert.equal(p.inFlight, 0);
  });

  it('keeps a message unfinished until every unit registered on it is done', () => {
    const p = new PartitionOffsets('t', 0);
    const m = work(p, 0);
    m.add(3);
    m.seal();
    m.done();
    m.done();
    assert.equal(p.committable(), undefined);
    m.done();
    assert.equal(p.committable(), 1n);
  });

  it('never moves the offsets of a partition it no longer owns', () => {
    const p = new PartitionOffsets('t', 0);
    const m = work(p, 5);
    m.valid = false;
    m.seal();
    assert.equal(p.committable(), undefined);
  });

  it('handles many messages finished in random order', () => {
    const p = new PartitionOffsets('t', 1);
    const works = Array.from({ length: 5000 }, (_, i) => work(p, i));
    const order = works.map((_, i) => i).sort((a, b) => ((a * 7919) % 5000) - ((b * 7919) % 5000));
    let lastSeen = 0n;
    for (const i of order) {
      (works[i] as MessageWork).seal();
      const c = p.committable();
      if (c !== undefined) {
        assert.ok(c > lastSeen);
        for (let k = 0; k < Number(c); k++)
          assert.ok(order.indexOf(k) <= order.indexOf(i), `offset ${k} finished before commit ${c}`);
        lastSeen = c;
        p.markCommitted(c);
      }
    }
    assert.equal(lastSeen, 5000n);
  });
});
