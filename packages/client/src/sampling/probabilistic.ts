import type { TraceId } from '@skein/model';
import { SAMPLER_PARAM_TAG, SAMPLER_TYPE_TAG, type Sampler, type SamplingDecision } from './sampler.js';

const LOW_63_BITS = 0x7fff_ffff_ffff_ffffn;

/**
 * Samples a fraction of traces by their ID, as Jaeger's clients do: a trace is sampled when the low 63 bits
 * of its trace ID's low half are at most `samplingRate × (2^63 − 1)`. Every service with the same rate
 * makes the same decision for the same trace.
 */
export class ProbabilisticSampler implements Sampler {
  readonly samplingRate: number;
  /** Inclusive upper bound of the sampled IDs' low 63 bits. */
  readonly boundary: bigint;
  readonly #sampled: SamplingDecision;
  readonly #notSampled: SamplingDecision;

  constructor(samplingRate: number) {
    if (!(samplingRate >= 0 && samplingRate <= 1)) {
      throw new RangeError(`sampling rate must be from 0 to 1, got ${samplingRate}`);
    }
    this.samplingRate = samplingRate;
    // Computed in double precision like Jaeger's Go client, so the boundary is bit-identical.
    this.boundary = BigInt(Math.trunc(Number(LOW_63_BITS) * samplingRate));
    const tags = { [SAMPLER_TYPE_TAG]: 'probabilistic', [SAMPLER_PARAM_TAG]: samplingRate };
    this.#sampled = { sampled: true, tags };
    this.#notSampled = { sampled: false, tags };
  }

  isSampled(traceId: TraceId, _operation?: string): SamplingDecision {
    if (this.samplingRate === 0) return this.#notSampled;
    const low = BigInt(`0x${traceId.slice(-16)}`) & LOW_63_BITS;
    return low <= this.boundary ? this.#sampled : this.#notSampled;
  }

  close(): void {}
}
