import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clockTicks, durationTicks, niceStep, niceTicks } from '../src/lib/ticks.js';

describe('niceStep and niceTicks', () => {
  it('steps by 1, 2 or 5 times a power of ten', () => {
    assert.equal(niceStep(100, 5), 20);
    assert.equal(niceStep(1_000, 4), 200);
    assert.equal(niceStep(7, 5), 1);
    assert.equal(niceStep(0.03, 5), 0.005);
    assert.equal(niceStep(1_234_567, 5), 200_000);
  });

  it('lists the multiples of the step within the range, without float drift', () => {
    assert.deepEqual(niceTicks(0, 100, 5), [0, 20, 40, 60, 80, 100]);
    assert.deepEqual(niceTicks(13, 97, 4), [20, 40, 60, 80]);
    assert.deepEqual(niceTicks(0, 0.3, 3), [0, 0.1, 0.2, 0.3]);
    assert.deepEqual(niceTicks(5, 5), [5]);
  });
});

describe('durationTicks', () => {
  it('labels a timeline of 1.2 ms in round microseconds and milliseconds', () => {
    assert.deepEqual(
      durationTicks(1_200, 2).map((t) => [t.offset, t.label]),
      [
        [0, '0'],
        [500, '500µs'],
        [1_000, '1ms'],
      ],
    );
  });

  it('places ticks by fraction of the whole', () => {
    const ticks = durationTicks(2_000_000, 4);
    assert.deepEqual(
      ticks.map((t) => [t.label, t.fraction]),
      [
        ['0', 0],
        ['500ms', 0.25],
        ['1s', 0.5],
        ['1.5s', 0.75],
        ['2s', 1],
      ],
    );
  });

  it('has one tick for a zero-length trace', () => {
    assert.deepEqual(durationTicks(0), [{ offset: 0, fraction: 0, label: '0' }]);
  });
});

describe('clockTicks', () => {
  const at = (h: number, m: number, s = 0): number => new Date(2025, 2, 4, h, m, s).getTime() * 1_000;

  it('ticks whole minutes across a quarter of an hour', () => {
    assert.deepEqual(
      clockTicks(at(13, 2), at(13, 17), 5).map((t) => t.label),
      ['13:05:00', '13:10:00', '13:15:00'],
    );
  });

  it('ticks whole seconds across half a minute', () => {
    assert.deepEqual(
      clockTicks(at(9, 0, 1), at(9, 0, 31), 3).map((t) => t.label),
      ['09:00:10', '09:00:20', '09:00:30'],
    );
  });

  it('shows milliseconds below a second per tick, dates beyond a day', () => {
    const ms = clockTicks(at(9, 0, 1), at(9, 0, 1) + 1_000_000, 4).map((t) => t.label);
    assert.deepEqual(ms.slice(0, 2), ['09:00:01.000', '09:00:01.200']);
    const days = clockTicks(at(0, 0), at(0, 0) + 3 * 86_400_000_000, 3).map((t) => t.label);
    assert.match(days[0] as string, /^03-0[45] \d\d:\d\d$/);
  });
});
