// The probabilistic sampler decides from the trace ID exactly as Jaeger's Go client does.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProbabilisticSampler } from '../src/index.js';

const HIGH = '0123456789abcdef';

describe('ProbabilisticSampler', () => {
  it('computes the boundary in double precision, as Jaeger does', () => {
    assert.equal(new ProbabilisticSampler(0.001).boundary, 9223372036854776n);
    assert.equal(new ProbabilisticSampler(0.1).boundary, 922337203685477632n);
    assert.equal(new ProbabilisticSampler(0.5).boundary, 0x4000000000000000n);
    assert.equal(new ProbabilisticSampler(1).boundary, 0x8000000000000000n);
  });

  it('samples when the low 63 bits of the low half are at most the boundary', () => {
    const half = new ProbabilisticSampler(0.5);
    const decide = (low: string) => half.isSampled(HIGH + low, 'op').sampled;
    assert.equal(decide('0000000000000001'), true);
    assert.equal(decide('4000000000000000'), true);
    assert.equal(decide('4000000000000001'), false);
    assert.equal(decide('7fffffffffffffff'), false);
    // The top bit is ignored: 0xc000… is 0x4000… once masked.
    assert.equal(decide('c000000000000000'), true);
    assert.equal(decide('c000000000000001'), false);
    // The high half of a 128-bit ID plays no part.
    assert.equal(half.isSampled(`ffffffffffffffff${'4000000000000000'}`, 'op').sampled, true);
    assert.equal(half.isSampled(`0000000000000000${'4000000000000001'}`, 'op').sampled, false);
  });

  it('1 samples every trace, 0 none', () => {
    const all = new ProbabilisticSampler(1);
    const none = new ProbabilisticSampler(0);
    for (const low of ['0000000000000000', '7fffffffffffffff', 'ffffffffffffffff', '8000000000000000']) {
      assert.equal(all.isSampled(HIGH + low, 'op').sampled, true, low);
      assert.equal(none.isSampled(HIGH + low, 'op').sampled, false, low);
    }
  });

  it('tags probabilistic with the rate, sampled or not', () => {
    const sampler = new ProbabilisticSampler(0.5);
    assert.deepEqual(sampler.isSampled(`${HIGH}0000000000000001`, 'op'), {
      sampled: true,
      tags: { 'sampler.type': 'probabilistic', 'sampler.param': 0.5 },
    });
    assert.deepEqual(sampler.isSampled(`${HIGH}7000000000000000`, 'op'), {
      sampled: false,
      tags: { 'sampler.type': 'probabilistic', 'sampler.param': 0.5 },
    });
  });

  it('rejects rates outside [0, 1]', () => {
    for (const bad of [-0.1, 1.01, Number.NaN]) {
      assert.throws(() => new ProbabilisticSampler(bad), RangeError);
    }
  });
});
