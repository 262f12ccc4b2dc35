/**
 * Jaeger's sampling strategy response (api_v2 `SamplingStrategyResponse` as JSON), parsed at the edge into
 * a typed strategy. Enum names (`/sampling`) and codes (the legacy `/`) are both understood; fields that
 * proto3 JSON leaves out when zero read as zero.
 */

export interface OperationStrategy {
  readonly operation: string;
  readonly samplingRate: number;
}

export interface PerOperationStrategies {
  readonly defaultSamplingProbability: number;
  readonly defaultLowerBoundTracesPerSecond: number;
  readonly perOperationStrategies: readonly OperationStrategy[];
}

export type SamplingStrategy =
  | { readonly type: 'probabilistic'; readonly samplingRate: number }
  | { readonly type: 'ratelimiting'; readonly maxTracesPerSecond: number }
  | { readonly type: 'per-operation'; readonly operations: PerOperationStrategies };

/** A response that is not a strategy this client can apply; `path` points at the first problem. */
export class StrategyError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'StrategyError';
  }
}

const TYPES: Readonly<Record<string, 'probabilistic' | 'ratelimiting'>> = {
  PROBABILISTIC: 'probabilistic',
  '0': 'probabilistic',
  RATE_LIMITING: 'ratelimiting',
  '1': 'ratelimiting',
};

/** Parses a response body; throws StrategyError. `operationSampling`, when present, wins as in Jaeger's clients. */
export function parseStrategyResponse(value: unknown): SamplingStrategy {
  const body = object(value, '$');
  const ops = body['operationSampling'];
  if (ops !== undefined && ops !== null) {
    return { type: 'per-operation', operations: perOperation(ops, '$.operationSampling') };
  }

  const declared = body['strategyType'];
  let type: 'probabilistic' | 'ratelimiting' | undefined;
  if (declared !== undefined && declared !== null) {
    type = typeof declared === 'string' || typeof declared === 'number' ? TYPES[String(declared)] : undefined;
    if (type === undefined) {
      throw new StrategyError(
        '$.strategyType',
        `expected PROBABILISTIC or RATE_LIMITING, got ${JSON.stringify(declared)}`,
      );
    }
  }
  const probabilistic = body['probabilisticSampling'];
  const rateLimiting = body['rateLimitingSampling'];
  const hasProbabilistic = probabilistic !== undefined && probabilistic !== null;
  const hasRateLimiting = rateLimiting !== undefined && rateLimiting !== null;
  // The sub-object decides (as in Jaeger's Go client); strategyType only breaks a tie.
  const chosen =
    hasProbabilistic && hasRateLimiting
      ? (type ?? 'probabilistic')
      : hasProbabilistic
        ? 'probabilistic'
        : hasRateLimiting
          ? 'ratelimiting'
          : undefined;
  if (chosen === undefined) {
    throw new StrategyError(
      '$',
      'has neither probabilisticSampling nor rateLimitingSampling nor operationSampling',
    );
  }
  if (chosen === 'probabilistic') {
    const p = object(probabilistic, '$.probabilisticSampling');
    return {
      type: 'probabilistic',
      samplingRate: probability(p['samplingRate'], '$.probabilisticSampling.samplingRate'),
    };
  }
  const r = object(rateLimiting, '$.rateLimitingSampling');
  return {
    type: 'ratelimiting',
    maxTracesPerSecond: rate(r['maxTracesPerSecond'], '$.rateLimitingSampling.maxTracesPerSecond'),
  };
}

function perOperation(value: unknown, path: string): PerOperationStrategies {
  const ops = object(value, path);
  const list = ops['perOperationStrategies'] ?? [];
  if (!Array.isArray(list)) {
    throw new StrategyError(`${path}.perOperationStrategies`, `expected an array, got ${describe(list)}`);
  }
  return {
    defaultSamplingProbability: probability(
      ops['defaultSamplingProbability'],
      `${path}.defaultSamplingProbability`,
    ),
    defaultLowerBoundTracesPerSecond: rate(
      ops['defaultLowerBoundTracesPerSecond'],
      `${path}.defaultLowerBoundTracesPerSecond`,
    ),
    perOperationStrategies: list.map((item: unknown, i): OperationStrategy => {
      const itemPath = `${path}.perOperationStrategies[${i}]`;
      const op = object(item, itemPath);
      const operation = op['operation'];
      if (typeof operation !== 'string') {
        throw new StrategyError(`${itemPath}.operation`, `expected a string, got ${describe(operation)}`);
      }
      const p = object(op['probabilisticSampling'] ?? {}, `${itemPath}.probabilisticSampling`);
      return {
        operation,
        samplingRate: probability(p['samplingRate'], `${itemPath}.probabilisticSampling.samplingRate`),
      };
    }),
  };
}

function object(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new StrategyError(path, `expected an object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

function probability(value: unknown, path: string): number {
  const n = value ?? 0;
  if (typeof n !== 'number' || !(n >= 0 && n <= 1)) {
    throw new StrategyError(path, `expected a probability from 0 to 1, got ${describe(value)}`);
  }
  return n;
}

function rate(value: unknown, path: string): number {
  const n = value ?? 0;
  if (typeof n !== 'number' || !(n >= 0 && Number.isFinite(n))) {
    throw new StrategyError(path, `expected a number of traces per second from 0, got ${describe(value)}`);
  }
  return n;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return JSON.stringify(value);
}
