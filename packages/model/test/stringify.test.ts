import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stringifyUiJson } from '../src/convert/ui.js';
import { Gen, rng } from './support/random.js';

function randomValue(g: Gen, depth: number): unknown {
  switch (g.int(0, depth > 3 ? 4 : 7)) {
    case 0:
      return g.string(20);
    case 1:
      return g.double();
    case 2:
      return g.bool();
    case 3:
      return null;
    case 4:
      return g.pick([
        undefined,
        'plain',
        '"quoted"',
        'back\\slash',
        'line\nbreak',
        '\u2028',
        '\ud800',
        'emoji 😀',
      ]);
    case 5:
      return Array.from({ length: g.int(0, 4) }, () => randomValue(g, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = g.int(0, 4); i > 0; i--)
        o[g.pick(['key', 'type', 'value', g.string(6), '"k"', '0'])] = randomValue(g, depth + 1);
      return o;
    }
  }
}

describe('stringifyUiJson', () => {
  it('agrees with JSON.stringify on 20,000 random values without bigints', () => {
    const g = new Gen(rng(99));
    for (let i = 0; i < 20_000; i++) {
      const v = randomValue(g, 0);
      assert.equal(stringifyUiJson(v === undefined ? null : v), JSON.stringify(v === undefined ? null : v));
    }
  });

  it('writes bigints as exact integer literals anywhere', () => {
    assert.equal(
      stringifyUiJson({ a: 9007199254740993n, b: [-9223372036854775808n, 1], c: { d: 0n } }),
      '{"a":9007199254740993,"b":[-9223372036854775808,1],"c":{"d":0}}',
    );
    assert.throws(() => stringifyUiJson(undefined), TypeError);
  });
});
