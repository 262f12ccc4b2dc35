import { RateLimiter, monotonicSeconds, type Clock } from './rate-limiter.js';
import { SAMPLER_PARAM_TAG, SAMPLER_TYPE_TAG, type Sampler, type SamplingDecision } from './sampler.js';

/**
 * Samples at most `maxTracesPerSecond` traces per second (a token bucket holding up to
 * max(maxTracesPerSecond, 1) traces, starting full). 0 samples nothing.
 */
export class RateLimitingSampler implements Sampler {
  #maxTracesPerSecond: number;
  readonly #limiter: RateLimiter;
  #sampled!: SamplingDecision;
  #notSampled!: SamplingDecision;

  constructor(maxTracesPerSecond: number, clock: Clock = monotonicSeconds) {
    check(maxTracesPerSecond);
    this.#maxTracesPerSecond = maxTracesPerSecond;
    this.#limiter = new RateLimiter(maxTracesPerSecond, Math.max(maxTracesPerSecond, 1), clock);
    this.#setTags();
  }

  get maxTracesPerSecond(): number {
    return this.#maxTracesPerSecond;
  }

  isSampled(): SamplingDecision {
    if (this.#maxTracesPerSecond === 0) return this.#notSampled;
    return this.#limiter.checkCredit(1) ? this.#sampled : this.#notSampled;
  }

  /** Changes the rate, keeping the bucket's fill level. */
  update(maxTracesPerSecond: number): void {
    check(maxTracesPerSecond);
    if (maxTracesPerSecond === this.#maxTracesPerSecond) return;
    this.#maxTracesPerSecond = maxTracesPerSecond;
    this.#limiter.update(maxTracesPerSecond, Math.max(maxTracesPerSecond, 1));
    this.#setTags();
  }

  close(): void {}

  #setTags(): void {
    const tags = { [SAMPLER_TYPE_TAG]: 'ratelimiting', [SAMPLER_PARAM_TAG]: this.#maxTracesPerSecond };
    this.#sampled = { sampled: true, tags };
    this.#notSampled = { sampled: false, tags };
  }
}

function check(maxTracesPerSecond: number): void {
  if (!(maxTracesPerSecond >= 0 && Number.isFinite(maxTracesPerSecond))) {
    throw new RangeError(`traces per second must be a finite number from 0, got ${maxTracesPerSecond}`);
  }
}
