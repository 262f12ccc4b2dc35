// Untrusted bytes: every input either decodes or fails with a DecodeError — no other exception, no hang,
// no allocation beyond what the input can hold.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DecodeError } from '../src/errors.js';
import {
  decodeAgentMessage,
  decodeBatch,
  encodeBatch,
  encodeEmitBatch,
  splitEmitBatch,
} from '../src/thrift/codec.js';
import { splitBatchByTrace } from '../src/thrift/split.js';
import { Gen, rng } from './support/random.js';

type Decoder = (buf: Buffer) => unknown;

const DECODERS: Array<[string, Decoder]> = [
  ['decodeBatch compact', (b) => decodeBatch(b, 'compact')],
  ['decodeBatch binary', (b) => decodeBatch(b, 'binary')],
  ['decodeAgentMessage compact', (b) => decodeAgentMessage(b, 'compact')],
  ['decodeAgentMessage binary', (b) => decodeAgentMessage(b, 'binary')],
  ['splitEmitBatch compact', (b) => splitEmitBatch(b, 'compact')],
  ['splitEmitBatch binary', (b) => splitEmitBatch(b, 'binary')],
  ['splitBatchByTrace compact', (b) => splitBatchByTrace(b, 'compact')],
  ['splitBatchByTrace binary', (b) => splitBatchByTrace(b, 'binary')],
];

function mutate(g: Gen, seed: Buffer): Buffer {
  const buf = Buffer.from(seed);
  switch (g.int(0, 5)) {
    case 0: {
      // Flip a few bits.
      for (let i = g.int(1, 4); i > 0 && buf.length > 0; i--) {
        const at = g.int(0, buf.length - 1);
        buf[at] = (buf[at] as number) ^ (1 << g.int(0, 7));
      }
      return buf;
    }
    case 1:
      return buf.subarray(0, g.int(0, buf.length));
    case 2: {
      // Overwrite a byte with an interesting value (lengths and types live in single bytes).
      if (buf.length > 0)
        buf[g.int(0, buf.length - 1)] = g.pick([0x00, 0x7f, 0x80, 0xff, 0x0f, 0xf0, 0x1c, 0x19]);
      return buf;
    }
    case 3: {
      const at = g.int(0, buf.length);
      const junk = Buffer.from(Array.from({ length: g.int(1, 8) }, () => g.int(0, 255)));
      return Buffer.concat([buf.subarray(0, at), junk, buf.subarray(at)]);
    }
    case 4: {
      // Drop a slice from the middle.
      const a = g.int(0, buf.length);
      const b = g.int(a, buf.length);
      return Buffer.concat([buf.subarray(0, a), buf.subarray(b)]);
    }
    default: {
      // Swap in big length-like values.
      if (buf.length >= 4)
        buf.writeInt32BE(g.pick([0x7fffffff, -1, -2147483648, 65536]), g.int(0, buf.length - 4));
      return buf;
    }
  }
}

function check(name: string, decode: Decoder, input: Buffer): 'ok' | 'rejected' {
  try {
    decode(input);
    return 'ok';
  } catch (err) {
    if (err instanceof DecodeError) return 'rejected';
    assert.fail(
      `${name} threw ${(err as Error).name}: ${(err as Error).message} on input ${input.toString('hex')}`,
    );
  }
}

describe('thrift decoders under fuzzing', () => {
  it('accept or reject 100,000 random and mutated inputs, each fed to every decoder, with DecodeError only', () => {
    const g = new Gen(rng(20261125));
    const seeds: Buffer[] = [];
    for (let i = 0; i < 40; i++) {
      const batch = g.batch(6);
      seeds.push(encodeBatch(batch, 'compact'), encodeBatch(batch, 'binary'));
      seeds.push(encodeEmitBatch(batch, 'compact', i), encodeEmitBatch(batch, 'binary', i));
    }
    const counts = { ok: 0, rejected: 0 };
    for (let inputs = 0; inputs < 100_000; inputs++) {
      const input = g.bool(0.15)
        ? Buffer.from(Array.from({ length: g.int(0, 64) }, () => g.int(0, 255)))
        : mutate(g, mutate(g, g.pick(seeds)));
      for (const [name, decode] of DECODERS) {
        counts[check(name, decode, input)]++;
      }
    }
    // The mutations must reach both outcomes, or the fuzzing proves little.
    assert.ok(counts.ok > 5000, `only ${counts.ok} inputs decoded`);
    assert.ok(counts.rejected > 400_000, `only ${counts.rejected} inputs rejected`);
  });

  it('rejects a huge claimed list length before allocating for it', () => {
    // Batch { process { serviceName "a" }, spans: list<struct> of 2^31-1 elements } in binary, 27 bytes long.
    const bytes = Buffer.from('0c00010b00010000000161000f00020c7fffffff00', 'hex');
    assert.throws(() => decodeBatch(bytes, 'binary'), {
      name: 'DecodeError',
      code: 'DECODE_BAD_LENGTH',
      message: /list length 2147483647 exceeds the 1 bytes left/,
    });
  });

  it('rejects negative and oversized string lengths', () => {
    const negative = Buffer.from('0c00010b0001ffffffff00', 'hex');
    assert.throws(() => decodeBatch(negative, 'binary'), {
      code: 'DECODE_BAD_LENGTH',
      message: /negative string length -1/,
    });
    const oversized = Buffer.from([0x1c, 0x18, 0xff, 0xff, 0xff, 0x7f, 0x61]);
    assert.throws(() => decodeBatch(oversized, 'compact'), {
      code: 'DECODE_BAD_LENGTH',
      message: /string length 268435455 exceeds/,
    });
  });

  it('rejects nesting deeper than the limit instead of overflowing the stack', () => {
    // Field 9 of Batch (unknown, skipped) holding structs nested 10,000 deep.
    const depth = 10_000;
    const bytes = Buffer.concat([Buffer.alloc(depth, 0x9c).fill(0x1c, 1), Buffer.alloc(depth, 0)]);
    assert.throws(() => decodeBatch(bytes, 'compact'), { code: 'DECODE_TOO_DEEP' });
  });

  it('rejects a truncated input at every cut point', () => {
    for (const protocol of ['compact', 'binary'] as const) {
      const g = new Gen(rng(3));
      const bytes = encodeBatch(g.batch(3), protocol);
      for (let cut = 0; cut < bytes.length; cut++) {
        assert.throws(
          () => decodeBatch(bytes.subarray(0, cut), protocol),
          DecodeError,
          `${protocol} cut at ${cut}`,
        );
        // The same cut as the end of a longer buffer: the decoder must stop at `end`, not at the buffer's end.
        assert.throws(() => decodeBatch(bytes, protocol, 0, cut), DecodeError, `${protocol} end at ${cut}`);
      }
    }
  });

  it('rejects unknown enum values and bad envelopes with their own codes', () => {
    const p = { serviceName: 's', tags: [] };
    const ok = encodeBatch({ process: p, spans: [] }, 'compact');
    assert.deepStrictEqual(decodeBatch(ok, 'compact'), { process: p, spans: [] });
    // A tag of vType 9 in the process.
    const badTag = Buffer.from([
      0x1c, 0x18, 0x01, 0x73, 0x19, 0x1c, 0x18, 0x01, 0x6b, 0x15, 0x12, 0x00, 0x00, 0x19, 0x0c, 0x00,
    ]);
    assert.throws(() => decodeBatch(badTag, 'compact'), {
      code: 'DECODE_BAD_VALUE',
      message: /tag "k" has unknown type 9/,
    });
    const notCompact = Buffer.from([0x80, 0x01, 0x00, 0x04]);
    assert.throws(() => decodeAgentMessage(notCompact, 'compact'), {
      code: 'DECODE_BAD_ENVELOPE',
      message: /compact protocol id is 0x80/,
    });
    const wrongMethod = encodeEmitBatch({ process: p, spans: [] }, 'binary');
    wrongMethod.write('emitBatcX', 8, 'latin1');
    assert.throws(() => decodeAgentMessage(wrongMethod, 'binary'), {
      code: 'DECODE_BAD_ENVELOPE',
      message: /unknown agent method "emitBatcX"/,
    });
  });

  it('keeps -0, NaN and infinities in doubles (the thrift package itself turns -0 into 0)', () => {
    const p = {
      serviceName: 's',
      tags: [
        { key: 'z', type: 'float64' as const, value: -0 },
        { key: 'n', type: 'float64' as const, value: NaN },
        { key: 'i', type: 'float64' as const, value: -Infinity },
      ],
    };
    for (const protocol of ['compact', 'binary'] as const) {
      assert.deepStrictEqual(
        decodeBatch(encodeBatch({ process: p, spans: [] }, protocol), protocol).process,
        p,
      );
    }
  });
});
