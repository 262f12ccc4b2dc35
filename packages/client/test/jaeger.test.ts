// The uber-trace-id header: parsing (lengths, case, URL encoding, flags) and what is rejected.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatUberTraceId, parseJaegerBaggage, parseUberTraceId } from '../src/propagation/jaeger.js';

describe('uber-trace-id', () => {
  it('parses 128-bit and 64-bit trace IDs, short IDs and hex flags', () => {
    assert.deepEqual(
      parseUberTraceId('4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7:0000000000000000:1'),
      {
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        spanId: '00f067aa0ba902b7',
        parentId: undefined,
        flags: 1,
      },
    );
    assert.deepEqual(parseUberTraceId('a3ce929d0e0e4736:f067aa0ba902b7:5:3'), {
      traceId: '0000000000000000a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      parentId: '0000000000000005',
      flags: 3,
    });
    assert.deepEqual(parseUberTraceId('ABC:DEF:0:0'), {
      traceId: '00000000000000000000000000000abc',
      spanId: '0000000000000def',
      parentId: undefined,
      flags: 0,
    });
    assert.equal(parseUberTraceId('abc:def:0:ff')?.flags, 255);
    assert.equal(parseUberTraceId('abc:def:0:1a')?.flags, 26);
  });

  it('accepts URL-encoded values (HTTP frameworks that encode header values)', () => {
    assert.deepEqual(parseUberTraceId('a3ce929d0e0e4736%3Af067aa0ba902b7%3A0%3A1'), {
      traceId: '0000000000000000a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      parentId: undefined,
      flags: 1,
    });
    assert.equal(parseUberTraceId(' abc:def:0:1 ')?.spanId, '0000000000000def');
  });

  it('rejects malformed values', () => {
    for (const bad of [
      '',
      'abc',
      'abc:def:0',
      'abc:def:0:1:extra',
      ':def:0:1',
      'abc::0:1',
      'abc:def::1',
      'abc:def:0:',
      'xyz:def:0:1',
      'abc:ghi:0:1',
      'abc:def:0:100',
      'abc:def:0:-1',
      'abc:def:0:g',
      `${'1'.repeat(33)}:def:0:1`,
      `abc:${'1'.repeat(17)}:0:1`,
      '0:def:0:1',
      '00000000000000000000000000000000:def:0:1',
      'abc:0:0:1',
      'abc:0000000000000000:0:1',
      'abc%3Adef%3A0%3A%ZZ',
      'abc%3Adef%3A0',
    ]) {
      assert.equal(parseUberTraceId(bad), undefined, JSON.stringify(bad));
    }
  });

  it('formats 64-bit trace IDs short, 128-bit ones whole, parents padded, flags in hex', () => {
    assert.equal(
      formatUberTraceId({
        traceId: '0000000000000000a3ce929d0e0e4736',
        spanId: '00f067aa0ba902b7',
        parentId: undefined,
        flags: 1,
      }),
      'a3ce929d0e0e4736:00f067aa0ba902b7:0000000000000000:1',
    );
    assert.equal(
      formatUberTraceId({
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        spanId: '00f067aa0ba902b7',
        parentId: '0000000000000005',
        flags: 0x1b,
      }),
      '4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7:0000000000000005:1b',
    );
  });

  it('jaeger-baggage: k=v pairs separated by commas, blanks trimmed, pairs without = skipped', () => {
    assert.deepEqual(parseJaegerBaggage('user=ann, tenant = acme ,broken,=x,eq=a=b'), [
      ['user', 'ann'],
      ['tenant', 'acme'],
      ['eq', 'a=b'],
    ]);
  });
});
