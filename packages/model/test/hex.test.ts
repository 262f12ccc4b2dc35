import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hex64, idHex, parseHex32, traceIdHex } from '../src/thrift/hex.js';
import { Gen, rng } from './support/random.js';

const reference = (hi: number, lo: number): string =>
  (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');

describe('hex IDs', () => {
  it('formats 64-bit halves as 16 lowercase hex chars, and parses them back', () => {
    const g = new Gen(rng(17));
    const words = [0, -1, 1, 0x7fffffff, -0x80000000, 0x0a0b0c0d, 0x10000000, 9];
    for (let i = 0; i < 5000; i++) {
      const hi = i < 64 ? (words[i >> 3] as number) : g.int(-0x80000000, 0x7fffffff);
      const lo = i < 64 ? (words[i & 7] as number) : g.int(-0x80000000, 0x7fffffff);
      const hex = reference(hi, lo);
      assert.equal(hex64(hi, lo), hex);
      assert.equal(idHex(hi, lo), hex);
      assert.equal(parseHex32(hex, 0), hi >>> 0);
      assert.equal(parseHex32(hex, 8), lo >>> 0);
    }
  });

  it('never answers from the cache for a different ID, however the IDs collide', () => {
    const g = new Gen(rng(18));
    // Few distinct words, so the small caches see many collisions and many repeats.
    const word = (): number => g.pick([0, 1, -1, 256, 65536, 0x01000000, 0x7f00ff00]);
    for (let i = 0; i < 20_000; i++) {
      const [hh, hl, lh, ll] = [word(), word(), word(), word()];
      assert.equal(idHex(lh, ll), reference(lh, ll));
      assert.equal(traceIdHex(hh, hl, lh, ll), reference(hh, hl) + reference(lh, ll));
    }
  });
});
