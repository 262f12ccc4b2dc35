import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { goDurationMicros, parseGoDuration } from '../src/params/duration.js';

describe('parseGoDuration', () => {
  it("reads Go's units, fractions, sums and signs exactly", () => {
    assert.equal(parseGoDuration('0'), 0n);
    assert.equal(parseGoDuration('1.2ms'), 1_200_000n);
    assert.equal(parseGoDuration('2s'), 2_000_000_000n);
    assert.equal(parseGoDuration('1h30m'), 5_400_000_000_000n);
    assert.equal(parseGoDuration('500ns'), 500n);
    assert.equal(parseGoDuration('3us'), 3000n);
    assert.equal(parseGoDuration('3µs'), 3000n);
    assert.equal(parseGoDuration('3μs'), 3000n);
    assert.equal(parseGoDuration('.5s'), 500_000_000n);
    assert.equal(parseGoDuration('1.s'), 1_000_000_000n);
    assert.equal(parseGoDuration('-1.5h'), -5_400_000_000_000n);
    assert.equal(parseGoDuration('+10ms'), 10_000_000n);
    assert.equal(parseGoDuration('0.3333333333s'), 333_333_333n);
  });

  it('rejects what Go rejects', () => {
    for (const bad of [
      '',
      '1',
      'ms',
      '.s',
      '1d',
      '1 s',
      's1',
      '1.2.3s',
      '--1s',
      '9999999999999h',
      '1e3ms',
      '١s',
    ]) {
      assert.equal(parseGoDuration(bad), undefined, bad);
    }
  });

  it('gives microseconds truncated from nanoseconds, as Jaeger converts', () => {
    assert.equal(goDurationMicros('1.2ms'), 1200);
    assert.equal(goDurationMicros('1999ns'), 1);
    assert.equal(goDurationMicros('1m'), 60_000_000);
    assert.equal(goDurationMicros('x'), undefined);
  });
});
