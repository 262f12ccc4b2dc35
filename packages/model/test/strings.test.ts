import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeString as decodeWithView } from '../src/thrift/strings.js';
import { Gen, rng } from './support/random.js';

/** decodeString with a DataView over the same bytes, as the readers call it. */
function decodeString(buf: Buffer, start: number, end: number): string {
  return decodeWithView(buf, new DataView(buf.buffer, buf.byteOffset, buf.byteLength), start, end);
}

describe('decodeString', () => {
  it('returns exactly what Buffer#toString returns, for cached and uncached lengths, valid or not', () => {
    const g = new Gen(rng(9));
    for (let i = 0; i < 20_000; i++) {
      const bytes = g.bool(0.5)
        ? Buffer.from(g.string(60))
        : Buffer.from(Array.from({ length: g.int(0, 50) }, () => g.int(0, 255)));
      const padded = Buffer.concat([Buffer.from([1, 2]), bytes, Buffer.from([3])]);
      assert.equal(decodeString(padded, 2, 2 + bytes.length), bytes.toString('utf8'));
      // Twice: the second answer may come from the cache.
      assert.equal(decodeString(padded, 2, 2 + bytes.length), bytes.toString('utf8'));
    }
  });

  it('does not keep a view of the caller buffer: later changes to it do not leak into cached strings', () => {
    const buf = Buffer.from('service-a');
    assert.equal(decodeString(buf, 0, buf.length), 'service-a');
    buf.write('service-b');
    assert.equal(decodeString(buf, 0, buf.length), 'service-b');
    assert.equal(decodeString(Buffer.from('service-a'), 0, 9), 'service-a');
  });

  it('tells apart strings of every cached length that differ in any one byte', () => {
    for (let len = 0; len <= 70; len++) {
      const base = Buffer.from(
        'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_.:/?&=%'.slice(0, len),
      );
      assert.equal(decodeString(base, 0, len), base.toString());
      for (let at = 0; at < len; at++) {
        const other = Buffer.from(base);
        other[at] = at % 2 === 0 ? 0x21 : 0xc3; // ASCII, or a byte that makes the UTF-8 invalid
        assert.equal(decodeString(other, 0, len), other.toString(), `length ${len}, byte ${at}`);
        assert.equal(decodeString(base, 0, len), base.toString(), `length ${len}, byte ${at}, again`);
      }
    }
  });

  it('caches non-ASCII strings by their bytes', () => {
    for (const text of ['ü', '日本', 'grüße', '😀🚀 ok', 'a\u0000b', 'ääääääääääääääääääääääää']) {
      const buf = Buffer.concat([Buffer.from('xyz'), Buffer.from(text)]);
      for (let i = 0; i < 3; i++) assert.equal(decodeString(buf, 3, buf.length), text);
    }
  });

  it('tells apart strings that share length, prefix and suffix', () => {
    const a = Buffer.from('value-123456');
    const b = Buffer.from('value-124456');
    for (let i = 0; i < 3; i++) {
      assert.equal(decodeString(a, 0, a.length), 'value-123456');
      assert.equal(decodeString(b, 0, b.length), 'value-124456');
    }
  });
});
