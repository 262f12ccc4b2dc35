import type { TraceId } from '@skein/model';

/** Tag values a sampler puts on the root spans it samples (`sampler.type`, `sampler.param`). */
export type SamplerTagValue = string | number | boolean;

export interface SamplingDecision {
  readonly sampled: boolean;
  /** Tags for the root span when sampled. */
  readonly tags: Readonly<Record<string, SamplerTagValue>>;
}

/** Decides, once per trace at its root span, whether the trace is recorded. */
export interface Sampler {
  isSampled(traceId: TraceId, operation: string): SamplingDecision;
  /** Stops background work (the remote sampler's polling). */
  close(): void;
}

export const SAMPLER_TYPE_TAG = 'sampler.type';
export const SAMPLER_PARAM_TAG = 'sampler.param';

/** The same decision for every trace. */
export class ConstSampler implements Sampler {
  readonly decision: boolean;
  readonly #result: SamplingDecision;

  constructor(decision: boolean) {
    this.decision = decision;
    this.#result = {
      sampled: decision,
      tags: { [SAMPLER_TYPE_TAG]: 'const', [SAMPLER_PARAM_TAG]: decision },
    };
  }

  isSampled(): SamplingDecision {
    return this.#result;
  }

  close(): void {}
}
