import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ancestors, buildTree, parentsOf, visibleRows } from '../src/lib/tree.js';
import { span } from './spans.js';

const ids = (nodes: ReadonlyArray<{ span: { spanID: string } }>): string[] => nodes.map((n) => n.span.spanID);

describe('buildTree', () => {
  // root ─┬─ a ── a1
  //       └─ b (starts before a, so it comes first)
  const spans = [
    span({ id: 'root', start: 0, duration: 100 }),
    span({ id: 'a', parent: 'root', start: 20, duration: 50 }),
    span({ id: 'a1', parent: 'a', start: 30, duration: 10 }),
    span({ id: 'b', parent: 'root', start: 10, duration: 5 }),
  ];

  it('nests spans by parent, children by start time, depth first', () => {
    const tree = buildTree(spans);
    assert.deepEqual(ids(tree.order), ['root', 'b', 'a', 'a1']);
    assert.deepEqual(ids(tree.roots), ['root']);
    assert.deepEqual(
      tree.order.map((n) => [n.span.spanID, n.depth, n.descendants]),
      [
        ['root', 0, 3],
        ['b', 1, 0],
        ['a', 1, 1],
        ['a1', 2, 0],
      ],
    );
    assert.equal(tree.maxDepth, 2);
    assert.equal(tree.start, 0);
    assert.equal(tree.end, 100);
    assert.equal(tree.byId.get('a1')?.parent?.span.spanID, 'a');
  });

  it('makes a span whose parent is missing a root, after the real root by start time', () => {
    const tree = buildTree([...spans, span({ id: 'orphan', parent: 'gone', start: 5, duration: 200 })]);
    assert.deepEqual(ids(tree.roots), ['root', 'orphan']);
    assert.deepEqual(ids(tree.order), ['root', 'b', 'a', 'a1', 'orphan']);
    assert.equal(tree.end, 205);
  });

  it('prefers a CHILD_OF parent over a FOLLOWS_FROM one and ignores references to other traces', () => {
    const s = span({ id: 'c', parent: 'a', refType: 'FOLLOWS_FROM', start: 40, duration: 1 });
    s.references.push({ refType: 'CHILD_OF', traceID: 'ffff', spanID: 'root' });
    s.references.push({ refType: 'CHILD_OF', traceID: s.traceID, spanID: 'b' });
    const tree = buildTree([...spans, s]);
    assert.equal(tree.byId.get('c')?.parent?.span.spanID, 'b');
  });

  it('breaks a reference cycle at its earliest span', () => {
    const tree = buildTree([
      span({ id: 'x', parent: 'y', start: 10, duration: 5 }),
      span({ id: 'y', parent: 'x', start: 5, duration: 20 }),
      span({ id: 'z', parent: 'x', start: 12, duration: 1 }),
    ]);
    assert.deepEqual(ids(tree.roots), ['y']);
    assert.deepEqual(ids(tree.order), ['y', 'x', 'z']);
    assert.deepEqual(
      tree.order.map((n) => n.depth),
      [0, 1, 2],
    );
  });

  it('handles a chain 20,000 spans deep without recursion', () => {
    const chain = Array.from({ length: 20_000 }, (_, i) =>
      span({ id: `s${i}`, ...(i > 0 ? { parent: `s${i - 1}` } : {}), start: i, duration: 20_000 - i }),
    );
    const tree = buildTree(chain);
    assert.equal(tree.maxDepth, 19_999);
    assert.equal(tree.order[0]?.descendants, 19_999);
  });

  it('treats an empty trace as empty', () => {
    const tree = buildTree([]);
    assert.deepEqual([tree.order.length, tree.start, tree.end], [0, 0, 0]);
  });
});

describe('visibleRows', () => {
  const tree = buildTree([
    span({ id: 'root', start: 0, duration: 100 }),
    span({ id: 'a', parent: 'root', start: 10, duration: 50 }),
    span({ id: 'a1', parent: 'a', start: 20, duration: 10 }),
    span({ id: 'a2', parent: 'a', start: 30, duration: 10 }),
    span({ id: 'b', parent: 'root', start: 70, duration: 5 }),
  ]);
  const index = (id: string): number => tree.byId.get(id)?.index as number;

  it('shows every span when nothing is collapsed', () => {
    assert.deepEqual(ids(visibleRows(tree, new Set())), ['root', 'a', 'a1', 'a2', 'b']);
  });

  it('hides the subtree below a collapsed span, and keeps the span', () => {
    assert.deepEqual(ids(visibleRows(tree, new Set([index('a')]))), ['root', 'a', 'b']);
    assert.deepEqual(ids(visibleRows(tree, new Set([index('root')]))), ['root']);
  });

  it('collapsing every parent leaves the roots', () => {
    assert.deepEqual([...parentsOf(tree)].sort(), [index('root'), index('a')].sort());
    assert.deepEqual(ids(visibleRows(tree, parentsOf(tree))), ['root']);
  });

  it('lists ancestors nearest first', () => {
    assert.deepEqual(ids(ancestors(tree.nodes[index('a2')] as never)), ['a', 'root']);
  });
});
