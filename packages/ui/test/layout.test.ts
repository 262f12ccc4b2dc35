import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crossings, layoutGraph, mergeLinks, type DependencyLink } from '../src/lib/layout.js';

const link = (parent: string, child: string, callCount = 1): DependencyLink => ({ parent, child, callCount });

describe('layoutGraph', () => {
  it('puts each service one column right of its rightmost caller', () => {
    const layout = layoutGraph([link('frontend', 'api'), link('api', 'db'), link('frontend', 'db')]);
    assert.deepEqual(layout.layers, [['frontend'], ['api'], ['db']]);
    const x = Object.fromEntries(layout.nodes.map((n) => [n.id, n.x]));
    assert.ok((x.frontend as number) < (x.api as number) && (x.api as number) < (x.db as number));
    assert.deepEqual(
      layout.edges.map((e) => [e.from, e.to, e.backwards]),
      [
        ['api', 'db', false],
        ['frontend', 'api', false],
        ['frontend', 'db', false],
      ],
    );
  });

  it('sums calls per link and per service', () => {
    const layout = layoutGraph([link('a', 'b', 3), link('a', 'b', 4), link('c', 'b', 10)]);
    assert.deepEqual(
      layout.edges.map((e) => e.callCount),
      [7, 10],
    );
    const b = layout.nodes.find((n) => n.id === 'b');
    assert.deepEqual([b?.callsIn, b?.callsOut], [17, 0]);
  });

  it('lays out a cycle and a self-call, marking the edges that go backwards', () => {
    const layout = layoutGraph([link('a', 'b'), link('b', 'c'), link('c', 'a'), link('b', 'b')]);
    assert.deepEqual(layout.layers, [['a'], ['b'], ['c']]);
    assert.deepEqual(
      layout.edges.map((e) => `${e.from}>${e.to}:${e.backwards}`),
      ['a>b:false', 'b>b:true', 'b>c:false', 'c>a:true'],
    );
  });

  it('orders a layer by its callers, so parallel calls do not cross', () => {
    // Alphabetical order would cross x→z2 with y→z1; barycentres put z2 above z1.
    const layout = layoutGraph([link('root', 'x'), link('root', 'y'), link('x', 'z2'), link('y', 'z1')]);
    assert.deepEqual(layout.layers[2], ['z2', 'z1']);
    assert.equal(crossings(layout), 0);
  });

  it('sizes the drawing from the layers', () => {
    const layout = layoutGraph([link('a', 'b'), link('a', 'c')], {
      nodeWidth: 100,
      nodeHeight: 40,
      columnGap: 50,
      rowGap: 10,
      margin: 5,
    });
    assert.equal(layout.width, 5 + 100 + 50 + 100 + 5);
    assert.equal(layout.height, 5 + 40 + 10 + 40 + 5);
    const a = layout.nodes.find((n) => n.id === 'a');
    // A lone node is centred against the tallest column.
    assert.deepEqual([a?.x, a?.y], [5, 5 + 25]);
  });

  it('stacks services that never call each other in separate bands, the largest first', () => {
    const layout = layoutGraph([link('web', 'orders'), link('orders', 'db'), link('cron', 'mail')], {
      nodeWidth: 100,
      nodeHeight: 40,
      columnGap: 50,
      rowGap: 10,
      margin: 5,
    });
    const y = Object.fromEntries(layout.nodes.map((n) => [n.id, n.y]));
    assert.deepEqual(y, { web: 5, orders: 5, db: 5, cron: 5 + 40 + 30, mail: 5 + 40 + 30 });
    assert.deepEqual(layout.layers, [['web', 'cron'], ['orders', 'mail'], ['db']]);
    assert.equal(layout.height, 5 + 40 + 30 + 40 + 5);
    assert.equal(crossings(layout), 0);
  });

  it('is empty without links', () => {
    const layout = layoutGraph([]);
    assert.deepEqual([layout.nodes.length, layout.width, layout.height], [0, 0, 0]);
  });
});

describe('mergeLinks', () => {
  it('sums duplicates and sorts by parent then child', () => {
    assert.deepEqual(mergeLinks([link('b', 'a', 1), link('a', 'c', 2), link('b', 'a', 5)]), [
      link('a', 'c', 2),
      link('b', 'a', 6),
    ]);
  });
});
