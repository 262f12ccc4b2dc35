import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { revealRow, visibleWindow } from '../src/lib/virtual.js';

describe('visibleWindow', () => {
  it('renders the rows in view plus the overscan on each side', () => {
    // 28 px rows, a 280 px viewport scrolled to row 100: rows 100..109 are in view.
    assert.deepEqual(visibleWindow(2_800, 280, 28, 10_000, 5), { start: 95, end: 115 });
  });

  it('counts a row cut by the viewport edge as in view', () => {
    assert.deepEqual(visibleWindow(14, 28, 28, 100, 0), { start: 0, end: 2 });
  });

  it('clamps at the top and the bottom', () => {
    assert.deepEqual(visibleWindow(0, 280, 28, 10_000, 8), { start: 0, end: 18 });
    assert.deepEqual(visibleWindow(279_720, 280, 28, 10_000, 8), { start: 9_982, end: 10_000 });
    assert.deepEqual(visibleWindow(-50, 280, 28, 3, 8), { start: 0, end: 3 });
  });

  it('stays bounded for 10,000 rows whatever the scroll position', () => {
    for (let top = 0; top < 280_000; top += 9_973) {
      const w = visibleWindow(top, 700, 28, 10_000, 10);
      assert.ok(w.end - w.start <= 46, `window at ${top} has ${w.end - w.start} rows`);
    }
  });

  it('is empty without rows', () => {
    assert.deepEqual(visibleWindow(0, 500, 28, 0), { start: 0, end: 0 });
  });
});

describe('revealRow', () => {
  it('scrolls as little as possible to bring a row into view', () => {
    assert.equal(revealRow(5, 0, 280, 28), 0);
    assert.equal(revealRow(20, 0, 280, 28), 21 * 28 - 280);
    assert.equal(revealRow(3, 2_800, 280, 28), 84);
  });
});
