// Jaeger's per-operation strategy: own probability per listed operation, the default for others, a lower
// bound of traces per second for each, and a cap on operations.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GuaranteedThroughputSampler, PerOperationSampler } from '../src/index.js';

const SAMPLED = '00000000000000000000000000000001'; // low bits 1: sampled at any rate above 0
const UNSAMPLED = '00000000000000007fffffffffffffff'; // sampled only at rate 1

function manualClock(): { now: () => number; advance: (seconds: number) => void } {
  let t = 0;
  return { now: () => t, advance: (s) => void (t += s) };
}

describe('GuaranteedThroughputSampler', () => {
  it('samples by probability, else by the lower bound (tagged lowerbound)', () => {
    const clock = manualClock();
    const sampler = new GuaranteedThroughputSampler(0.5, 1, clock.now);
    assert.deepEqual(sampler.isSampled(UNSAMPLED), {
      sampled: true,
      tags: { 'sampler.type': 'lowerbound', 'sampler.param': 0.5 },
    });
    assert.deepEqual(sampler.isSampled(UNSAMPLED), {
      sampled: false,
      tags: { 'sampler.type': 'probabilistic', 'sampler.param': 0.5 },
    });
    assert.deepEqual(sampler.isSampled(SAMPLED), {
      sampled: true,
      tags: { 'sampler.type': 'probabilistic', 'sampler.param': 0.5 },
    });
    clock.advance(1);
    // A trace sampled by probability takes the lower bound's credit too.
    assert.equal(sampler.isSampled(SAMPLED).sampled, true);
    assert.equal(sampler.isSampled(UNSAMPLED).sampled, false);
    clock.advance(1);
    assert.equal(sampler.isSampled(UNSAMPLED).sampled, true);
  });

  it('a lower bound of 0 adds nothing', () => {
    const sampler = new GuaranteedThroughputSampler(0.5, 0);
    assert.equal(sampler.isSampled(UNSAMPLED).sampled, false);
  });
});

describe('PerOperationSampler', () => {
  const strategies = {
    defaultSamplingProbability: 0.5,
    defaultLowerBoundTracesPerSecond: 0,
    perOperationStrategies: [
      { operation: 'GET /health', samplingRate: 0 },
      { operation: 'POST /checkout', samplingRate: 1 },
    ],
  };

  it('uses each operation own probability and the default for the rest', () => {
    const sampler = new PerOperationSampler(strategies);
    assert.deepEqual(sampler.isSampled(SAMPLED, 'GET /health'), {
      sampled: false,
      tags: { 'sampler.type': 'probabilistic', 'sampler.param': 0 },
    });
    assert.deepEqual(sampler.isSampled(UNSAMPLED, 'POST /checkout'), {
      sampled: true,
      tags: { 'sampler.type': 'probabilistic', 'sampler.param': 1 },
    });
    assert.deepEqual(sampler.isSampled(SAMPLED, 'GET /cart'), {
      sampled: true,
      tags: { 'sampler.type': 'probabilistic', 'sampler.param': 0.5 },
    });
    assert.equal(sampler.isSampled(UNSAMPLED, 'GET /cart').sampled, false);
    assert.deepEqual(sampler.operations, ['GET /health', 'POST /checkout', 'GET /cart']);
  });

  it('applies the default lower bound to every operation', () => {
    const clock = manualClock();
    const sampler = new PerOperationSampler(
      { ...strategies, defaultLowerBoundTracesPerSecond: 2 },
      { clock: clock.now },
    );
    const decisions = Array.from({ length: 3 }, () => sampler.isSampled(UNSAMPLED, 'GET /health'));
    assert.deepEqual(
      decisions.map((d) => [d.sampled, d.tags['sampler.type']]),
      [
        [true, 'lowerbound'],
        [true, 'lowerbound'],
        [false, 'probabilistic'],
      ],
    );
  });

  it('stops giving operations their own sampler at maxOperations', () => {
    const clock = manualClock();
    const sampler = new PerOperationSampler(
      { ...strategies, defaultLowerBoundTracesPerSecond: 1 },
      { maxOperations: 3, clock: clock.now },
    );
    assert.equal(sampler.isSampled(UNSAMPLED, 'third').tags['sampler.type'], 'lowerbound');
    // The fourth operation shares the default sampler: no lower bound.
    assert.deepEqual(sampler.isSampled(UNSAMPLED, 'fourth'), {
      sampled: false,
      tags: { 'sampler.type': 'probabilistic', 'sampler.param': 0.5 },
    });
    assert.deepEqual(sampler.operations, ['GET /health', 'POST /checkout', 'third']);
  });

  it('update keeps the samplers of operations still listed and drops the others', () => {
    const clock = manualClock();
    const sampler = new PerOperationSampler(
      { ...strategies, defaultLowerBoundTracesPerSecond: 1 },
      { clock: clock.now },
    );
    assert.equal(sampler.isSampled(UNSAMPLED, 'GET /health').sampled, true);
    sampler.isSampled(UNSAMPLED, 'GET /cart');
    sampler.update({
      defaultSamplingProbability: 0.25,
      defaultLowerBoundTracesPerSecond: 1,
      perOperationStrategies: [{ operation: 'GET /health', samplingRate: 0.1 }],
    });
    assert.deepEqual(sampler.operations, ['GET /health']);
    // Same rate limiter: its credit was spent before the update.
    assert.deepEqual(sampler.isSampled(UNSAMPLED, 'GET /health'), {
      sampled: false,
      tags: { 'sampler.type': 'probabilistic', 'sampler.param': 0.1 },
    });
    assert.deepEqual(sampler.isSampled(SAMPLED, 'GET /cart'), {
      sampled: true,
      tags: { 'sampler.type': 'probabilistic', 'sampler.param': 0.25 },
    });
    assert.equal(sampler.strategies.defaultSamplingProbability, 0.25);
  });
});
