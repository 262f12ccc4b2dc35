import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { criticalPath, segmentsByNode } from '../src/lib/critical-path.js';
import { buildTree } from '../src/lib/tree.js';
import { span, type SpanSpec } from './spans.js';

/** The critical path as [spanID, start, end] triples. */
function path(specs: SpanSpec[]): Array<[string, number, number]> {
  const tree = buildTree(specs.map(span));
  return criticalPath(tree).map((s) => [tree.nodes[s.node]?.span.spanID as string, s.start, s.end]);
}

describe('criticalPath', () => {
  it('runs through sequential children and the parent between them', () => {
    assert.deepEqual(
      path([
        { id: 'root', start: 0, duration: 100 },
        { id: 'a', parent: 'root', start: 10, duration: 30 },
        { id: 'b', parent: 'root', start: 50, duration: 40 },
      ]),
      [
        ['root', 0, 10],
        ['a', 10, 40],
        ['root', 40, 50],
        ['b', 50, 90],
        ['root', 90, 100],
      ],
    );
  });

  it('follows the child that finished last when children run in parallel', () => {
    assert.deepEqual(
      path([
        { id: 'root', start: 0, duration: 100 },
        { id: 'long', parent: 'root', start: 10, duration: 70 },
        { id: 'short', parent: 'root', start: 20, duration: 40 },
      ]),
      [
        ['root', 0, 10],
        ['long', 10, 80],
        ['root', 80, 100],
      ],
    );
  });

  it('takes the earlier of overlapping children only up to where the later one started', () => {
    assert.deepEqual(
      path([
        { id: 'root', start: 0, duration: 100 },
        { id: 'a', parent: 'root', start: 10, duration: 50 },
        { id: 'b', parent: 'root', start: 50, duration: 40 },
      ]),
      [
        ['root', 0, 10],
        ['a', 10, 50],
        ['b', 50, 90],
        ['root', 90, 100],
      ],
    );
  });

  it('descends into grandchildren', () => {
    assert.deepEqual(
      path([
        { id: 'root', start: 0, duration: 100 },
        { id: 'a', parent: 'root', start: 10, duration: 80 },
        { id: 'a1', parent: 'a', start: 20, duration: 30 },
        { id: 'a2', parent: 'a', start: 60, duration: 20 },
      ]),
      [
        ['root', 0, 10],
        ['a', 10, 20],
        ['a1', 20, 50],
        ['a', 50, 60],
        ['a2', 60, 80],
        ['a', 80, 90],
        ['root', 90, 100],
      ],
    );
  });

  it("clips a child that outlives its parent (async work, clock skew) to the parent's time", () => {
    assert.deepEqual(
      path([
        { id: 'root', start: 0, duration: 100 },
        { id: 'async', parent: 'root', start: 80, duration: 500 },
        { id: 'early', parent: 'root', start: -20, duration: 30 },
      ]),
      [
        ['early', 0, 10],
        ['root', 10, 80],
        ['async', 80, 100],
      ],
    );
  });

  it('ignores children entirely outside the parent and zero-length ones', () => {
    assert.deepEqual(
      path([
        { id: 'root', start: 100, duration: 100 },
        { id: 'before', parent: 'root', start: 0, duration: 50 },
        { id: 'after', parent: 'root', start: 300, duration: 50 },
        { id: 'instant', parent: 'root', start: 150, duration: 0 },
      ]),
      [['root', 100, 200]],
    );
  });

  it('covers the root span exactly, without gaps or overlaps', () => {
    const specs: SpanSpec[] = [{ id: 'root', start: 0, duration: 1_000 }];
    // A pseudo-random tree of 500 spans, each inside its parent.
    let seed = 7;
    const rand = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    for (let i = 1; i < 500; i++) {
      const parent = specs[rand(i)] as SpanSpec;
      const start = parent.start + rand(parent.duration + 1);
      specs.push({
        id: `s${i}`,
        parent: parent.id,
        start,
        duration: rand(parent.start + parent.duration - start + 1),
      });
    }
    const segments = path(specs);
    assert.equal(segments[0]?.[1], 0);
    assert.equal(segments[segments.length - 1]?.[2], 1_000);
    for (let i = 1; i < segments.length; i++) assert.equal(segments[i]?.[1], segments[i - 1]?.[2]);
  });

  it('walks a chain 20,000 spans deep without recursion', () => {
    const specs: SpanSpec[] = Array.from({ length: 20_000 }, (_, i) => ({
      id: `s${i}`,
      ...(i > 0 ? { parent: `s${i - 1}` } : {}),
      start: i,
      duration: 40_000 - 2 * i,
    }));
    const segments = path(specs);
    assert.equal(segments.length, 2 * 20_000 - 1);
    assert.deepEqual(segments[0], ['s0', 0, 1]);
  });

  it('groups segments by span', () => {
    const tree = buildTree(
      [
        { id: 'root', start: 0, duration: 100 },
        { id: 'a', parent: 'root', start: 10, duration: 30 },
      ].map(span),
    );
    const byNode = segmentsByNode(criticalPath(tree));
    assert.equal(byNode.get(0)?.length, 2);
    assert.deepEqual(byNode.get(1), [{ node: 1, start: 10, end: 40 }]);
  });

  it('is empty for an empty trace', () => {
    assert.deepEqual(criticalPath(buildTree([])), []);
  });
});
