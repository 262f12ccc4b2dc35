import type { TraceId } from '@skein/model';
import { ProbabilisticSampler } from './probabilistic.js';
import { RateLimiter, monotonicSeconds, type Clock } from './rate-limiter.js';
import { SAMPLER_PARAM_TAG, SAMPLER_TYPE_TAG, type Sampler, type SamplingDecision } from './sampler.js';
import type { PerOperationStrategies } from './strategy.js';

/** Jaeger's default cap on operations with their own sampler. */
export const DEFAULT_MAX_OPERATIONS = 2000;

/**
 * One operation's sampler: probabilistic, plus a lower bound of `lowerBound` traces per second sampled
 * whatever the probability says (tagged `sampler.type=lowerbound`).
 */
export class GuaranteedThroughputSampler implements Sampler {
  #probabilistic: ProbabilisticSampler;
  #lowerBound: number;
  readonly #limiter: RateLimiter;
  #lowerBoundDecision!: SamplingDecision;

  constructor(samplingRate: number, lowerBound: number, clock: Clock = monotonicSeconds) {
    this.#probabilistic = new ProbabilisticSampler(samplingRate);
    this.#lowerBound = lowerBound;
    this.#limiter = new RateLimiter(lowerBound, Math.max(lowerBound, 1), clock);
    this.#setTags();
  }

  get samplingRate(): number {
    return this.#probabilistic.samplingRate;
  }

  get lowerBound(): number {
    return this.#lowerBound;
  }

  isSampled(traceId: TraceId): SamplingDecision {
    const decision = this.#probabilistic.isSampled(traceId);
    // A sampled trace still takes its credit, so the lower bound counts every sampled trace.
    const credit = this.#lowerBound > 0 && this.#limiter.checkCredit(1);
    if (decision.sampled) return decision;
    return credit ? this.#lowerBoundDecision : decision;
  }

  update(samplingRate: number, lowerBound: number): void {
    if (samplingRate !== this.#probabilistic.samplingRate) {
      this.#probabilistic = new ProbabilisticSampler(samplingRate);
    }
    if (lowerBound !== this.#lowerBound) {
      this.#lowerBound = lowerBound;
      this.#limiter.update(lowerBound, Math.max(lowerBound, 1));
    }
    this.#setTags();
  }

  close(): void {}

  #setTags(): void {
    this.#lowerBoundDecision = {
      sampled: true,
      tags: { [SAMPLER_TYPE_TAG]: 'lowerbound', [SAMPLER_PARAM_TAG]: this.#probabilistic.samplingRate },
    };
  }
}

export interface PerOperationSamplerOptions {
  /** Operations beyond this many share the default probabilistic sampler (no lower bound). */
  maxOperations?: number;
  clock?: Clock;
}

/**
 * Jaeger's per-operation strategy: listed operations get their own probability, every other operation the
 * default probability; each has the default lower bound of traces per second.
 */
export class PerOperationSampler implements Sampler {
  readonly #maxOperations: number;
  readonly #clock: Clock;
  #samplers = new Map<string, GuaranteedThroughputSampler>();
  #default!: ProbabilisticSampler;
  #lowerBound = 0;
  #strategies!: PerOperationStrategies;

  constructor(strategies: PerOperationStrategies, options: PerOperationSamplerOptions = {}) {
    this.#maxOperations = options.maxOperations ?? DEFAULT_MAX_OPERATIONS;
    this.#clock = options.clock ?? monotonicSeconds;
    this.update(strategies);
  }

  get strategies(): PerOperationStrategies {
    return this.#strategies;
  }

  /** Operations that have their own sampler now. */
  get operations(): string[] {
    return [...this.#samplers.keys()];
  }

  isSampled(traceId: TraceId, operation: string): SamplingDecision {
    let sampler = this.#samplers.get(operation);
    if (sampler === undefined) {
      if (this.#samplers.size >= this.#maxOperations) return this.#default.isSampled(traceId);
      sampler = new GuaranteedThroughputSampler(this.#default.samplingRate, this.#lowerBound, this.#clock);
      this.#samplers.set(operation, sampler);
    }
    return sampler.isSampled(traceId);
  }

  /** Applies new strategies; operations that keep a sampler keep their rate limiters' state. */
  update(strategies: PerOperationStrategies): void {
    this.#strategies = strategies;
    this.#lowerBound = strategies.defaultLowerBoundTracesPerSecond;
    this.#default = new ProbabilisticSampler(strategies.defaultSamplingProbability);
    const next = new Map<string, GuaranteedThroughputSampler>();
    for (const { operation, samplingRate } of strategies.perOperationStrategies) {
      if (next.size >= this.#maxOperations) break;
      const existing = this.#samplers.get(operation);
      if (existing !== undefined) {
        existing.update(samplingRate, this.#lowerBound);
        next.set(operation, existing);
      } else {
        next.set(operation, new GuaranteedThroughputSampler(samplingRate, this.#lowerBound, this.#clock));
      }
    }
    this.#samplers = next;
  }

  close(): void {}
}
