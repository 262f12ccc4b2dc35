import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseJsonExact } from '../src/store/exact-json.js';

describe('parseJsonExact', () => {
  it('keeps integers beyond 2^53 as exact bigints and everything else as JSON.parse does', () => {
    const text =
      '{"startTime":1764072000000000,"v":9223372036854775807,"n":-9223372036854775808,' +
      '"s":"12345678901234567890","f":12345678901234567890.5,"e":1e300,"a":[9007199254740993]}';
    assert.deepEqual(parseJsonExact(text), {
      startTime: 1764072000000000,
      v: 9223372036854775807n,
      n: -9223372036854775808n,
      s: '12345678901234567890',
      f: Number('12345678901234567890.5'),
      e: 1e300,
      a: [9007199254740993n],
    });
  });

  it('leaves digits inside strings alone, even with escaped quotes', () => {
    assert.deepEqual(parseJsonExact('{"k":"say \\"12345678901234567890\\"","x":1}'), {
      k: 'say "12345678901234567890"',
      x: 1,
    });
  });
});
