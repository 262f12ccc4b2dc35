// The token bucket and the rate-limiting sampler, on a clock the test moves.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RateLimiter, RateLimitingSampler } from '../src/index.js';

function manualClock(): { now: () => number; advance: (seconds: number) => void } {
  let t = 1000;
  return { now: () => t, advance: (s) => void (t += s) };
}

function take(sampler: RateLimitingSampler, n: number): boolean[] {
  return Array.from({ length: n }, () => sampler.isSampled().sampled);
}

describe('RateLimiter', () => {
  it('starts full, accrues credits per second up to the maximum', () => {
    const clock = manualClock();
    const limiter = new RateLimiter(2, 2, clock.now);
    assert.deepEqual(
      [limiter.checkCredit(), limiter.checkCredit(), limiter.checkCredit()],
      [true, true, false],
    );
    clock.advance(0.25);
    assert.equal(limiter.checkCredit(), false);
    clock.advance(0.25);
    assert.equal(limiter.checkCredit(), true);
    clock.advance(100);
    assert.deepEqual(
      [limiter.checkCredit(), limiter.checkCredit(), limiter.checkCredit()],
      [true, true, false],
    );
  });

  it('keeps the bucket proportionally full across updates', () => {
    const clock = manualClock();
    const limiter = new RateLimiter(10, 10, clock.now);
    for (let i = 0; i < 5; i++) limiter.checkCredit();
    assert.equal(limiter.balance, 5);
    limiter.update(20, 20);
    assert.equal(limiter.balance, 10);
    limiter.update(1, 1);
    assert.equal(limiter.balance, 0.5);
  });
});

describe('RateLimitingSampler', () => {
  it('samples at most N traces per second', () => {
    const clock = manualClock();
    const sampler = new RateLimitingSampler(3, clock.now);
    assert.deepEqual(take(sampler, 4), [true, true, true, false]);
    clock.advance(1 / 3);
    assert.deepEqual(take(sampler, 2), [true, false]);
    clock.advance(10);
    assert.deepEqual(take(sampler, 4), [true, true, true, false]);
  });

  it('below one per second the bucket holds one trace', () => {
    const clock = manualClock();
    const sampler = new RateLimitingSampler(0.5, clock.now);
    assert.deepEqual(take(sampler, 2), [true, false]);
    clock.advance(1);
    assert.deepEqual(take(sampler, 1), [false]);
    clock.advance(1);
    assert.deepEqual(take(sampler, 2), [true, false]);
  });

  it('0 samples nothing', () => {
    assert.deepEqual(take(new RateLimitingSampler(0), 3), [false, false, false]);
  });

  it('tags ratelimiting with the rate; update keeps the bucket and changes the tags', () => {
    const clock = manualClock();
    const sampler = new RateLimitingSampler(2, clock.now);
    assert.deepEqual(sampler.isSampled(), {
      sampled: true,
      tags: { 'sampler.type': 'ratelimiting', 'sampler.param': 2 },
    });
    sampler.update(4);
    assert.equal(sampler.maxTracesPerSecond, 4);
    // One of two credits was left; doubling the maximum doubles it.
    assert.deepEqual(take(sampler, 3), [true, true, false]);
    assert.deepEqual(sampler.isSampled().tags, { 'sampler.type': 'ratelimiting', 'sampler.param': 4 });
    assert.throws(() => sampler.update(-1), RangeError);
  });
});
