import { ConfigError } from '@skein/runtime';

/**
 * Sampling strategies in Jaeger's file format, turned into the responses Jaeger serves to clients.
 *
 * The merge rules follow Jaeger's file-based strategy provider so a file moved from Jaeger to skein gives
 * clients the same answers; the validation is stricter (Jaeger logs and falls back where skein refuses).
 */

/** Probability served when no file, or no `default_strategy`, says otherwise (Jaeger's default). */
export const DEFAULT_SAMPLING_PROBABILITY = 0.001;

/**
 * The largest rate the protocol carries: the thrift `RateLimitingSamplingStrategy.maxTracesPerSecond` is an
 * i16, and Jaeger's legacy endpoint fails to encode anything larger.
 */
export const MAX_TRACES_PER_SECOND = 32767;

export interface ProbabilisticSamplingStrategy {
  readonly samplingRate: number;
}

export interface RateLimitingSamplingStrategy {
  readonly maxTracesPerSecond: number;
}

export interface OperationSamplingStrategy {
  readonly operation: string;
  readonly probabilisticSampling: ProbabilisticSamplingStrategy;
}

export interface PerOperationSamplingStrategies {
  readonly defaultSamplingProbability: number;
  readonly defaultLowerBoundTracesPerSecond: number;
  readonly perOperationStrategies: readonly OperationSamplingStrategy[];
  readonly defaultUpperBoundTracesPerSecond: number;
}

/** Jaeger api_v2 `SamplingStrategyResponse`, as served on the agent's sampling endpoint. */
export type SamplingStrategyResponse =
  | {
      readonly strategyType: 'PROBABILISTIC';
      readonly probabilisticSampling: ProbabilisticSamplingStrategy;
      readonly operationSampling?: PerOperationSamplingStrategies;
    }
  | {
      readonly strategyType: 'RATE_LIMITING';
      readonly rateLimitingSampling: RateLimitingSamplingStrategy;
      readonly operationSampling?: PerOperationSamplingStrategies;
    };

/**
 * `proto`: the body of `GET /sampling` (enum names, as Jaeger's jsonpb encoding gives them);
 * `legacy`: the body of `GET /` (thrift 0.9.2 enum codes, 0 = PROBABILISTIC, 1 = RATE_LIMITING).
 */
export type ResponseEncoding = 'proto' | 'legacy';

const STRATEGY_CODES = { PROBABILISTIC: 0, RATE_LIMITING: 1 } as const;

/** The JSON body Jaeger's agent writes for `response`, byte for byte. */
export function encodeStrategyResponse(
  response: SamplingStrategyResponse,
  encoding: ResponseEncoding,
): string {
  const strategyType = encoding === 'legacy' ? STRATEGY_CODES[response.strategyType] : response.strategyType;
  // Built field by field so the key order is the protocol's field order whatever built `response`.
  const body: Record<string, unknown> = { strategyType };
  if (response.strategyType === 'PROBABILISTIC') {
    body['probabilisticSampling'] = { samplingRate: response.probabilisticSampling.samplingRate };
  } else {
    body['rateLimitingSampling'] = { maxTracesPerSecond: response.rateLimitingSampling.maxTracesPerSecond };
  }
  const ops = response.operationSampling;
  if (ops !== undefined) {
    body['operationSampling'] = {
      defaultSamplingProbability: ops.defaultSamplingProbability,
      defaultLowerBoundTracesPerSecond: ops.defaultLowerBoundTracesPerSecond,
      perOperationStrategies: ops.perOperationStrategies.map((op) => ({
        operation: op.operation,
        probabilisticSampling: { samplingRate: op.probabilisticSampling.samplingRate },
      })),
      defaultUpperBoundTracesPerSecond: ops.defaultUpperBoundTracesPerSecond,
    };
  }
  return escapeLikeGo(JSON.stringify(body));
}

// Go's encoding/json escapes these even inside strings; they can only occur inside strings here.
const GO_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

function escapeLikeGo(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c] ?? c);
}

type SamplerType = 'probabilistic' | 'ratelimiting';

interface ParsedStrategy {
  readonly type: SamplerType;
  readonly param: number;
}

interface ParsedOperation extends ParsedStrategy {
  readonly operation: string;
  readonly path: string;
}

interface ParsedService {
  /** Absent when the file gives neither type nor param: Jaeger then serves its default probability. */
  readonly strategy: ParsedStrategy | undefined;
  readonly operations: readonly ParsedOperation[] | undefined;
  readonly path: string;
}

/** Strategies loaded from a file (or Jaeger's built-in default), ready to answer clients. */
export class SamplingStrategies {
  /** Things Jaeger would also accept but that do not do what the file says (logged once at load). */
  readonly warnings: readonly string[];
  /** Services named in the file, in file order. */
  readonly services: readonly string[];
  readonly #default: SamplingStrategyResponse;
  readonly #byService: ReadonlyMap<string, SamplingStrategyResponse>;
  readonly #encoded = new Map<SamplingStrategyResponse, { proto: string; legacy: string }>();

  private constructor(
    defaultStrategy: SamplingStrategyResponse,
    byService: ReadonlyMap<string, SamplingStrategyResponse>,
    warnings: readonly string[],
  ) {
    this.#default = defaultStrategy;
    this.#byService = byService;
    this.services = [...byService.keys()];
    this.warnings = warnings;
  }

  /** What Jaeger serves without a strategies file: probabilistic at 0.001 for every service. */
  static defaults(): SamplingStrategies {
    return new SamplingStrategies(probabilistic(DEFAULT_SAMPLING_PROBABILITY), new Map(), []);
  }

  /**
   * Parses a strategies file's text; throws a `ConfigError` naming the JSON path of the first problem.
   * `source` (the file name) is added to error messages.
   */
  static parse(text: string, source?: string): SamplingStrategies {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw invalid('$', `is not valid JSON (${(err as Error).message})`, source);
    }
    return SamplingStrategies.fromJSON(value, source);
  }

  /** Like `parse`, for an already parsed JSON value. */
  static fromJSON(value: unknown, source?: string): SamplingStrategies {
    const warnings: string[] = [];
    const root = readObject(value, '$', ['default_strategy', 'service_strategies'], source);

    const defaultEntry = root['default_strategy'];
    const defaultService =
      defaultEntry === undefined || defaultEntry === null
        ? undefined
        : readService(defaultEntry, '$.default_strategy', false, source);

    const services: { name: string; parsed: ParsedService }[] = [];
    const list = root['service_strategies'];
    if (list !== undefined && list !== null) {
      if (!Array.isArray(list))
        throw invalid('$.service_strategies', `expected an array, got ${describe(list)}`, source);
      const seen = new Map<string, string>();
      list.forEach((entry: unknown, i) => {
        const path = `$.service_strategies[${i}]`;
        const parsed = readService(entry, path, true, source);
        const name = (entry as Record<string, unknown>)['service'] as string;
        const first = seen.get(name);
        if (first !== undefined) {
          throw invalid(
            `${path}.service`,
            `duplicate service ${JSON.stringify(name)}, already at ${first}`,
            source,
          );
        }
        seen.set(name, path);
        services.push({ name, parsed });
      });
    }

    const defaultStrategy =
      defaultService === undefined
        ? probabilistic(DEFAULT_SAMPLING_PROBABILITY)
        : buildResponse(defaultService, warnings);
    const defaultOps = defaultStrategy.operationSampling;

    const byService = new Map<string, SamplingStrategyResponse>();
    for (const { name, parsed } of services) {
      let response = buildResponse(parsed, warnings);
      // Jaeger applies the default strategy's operation strategies to every service: wholesale when the
      // service has none of its own (keeping the service's probability if it is probabilistic), otherwise
      // appended after the service's own, which win for the same operation.
      if (defaultOps !== undefined) {
        const own = response.operationSampling;
        const operationSampling: PerOperationSamplingStrategies =
          own === undefined
            ? {
                ...defaultOps,
                defaultSamplingProbability:
                  response.strategyType === 'PROBABILISTIC'
                    ? response.probabilisticSampling.samplingRate
                    : defaultOps.defaultSamplingProbability,
              }
            : {
                ...own,
                perOperationStrategies: [
                  ...own.perOperationStrategies,
                  ...defaultOps.perOperationStrategies.filter(
                    (d) => !own.perOperationStrategies.some((o) => o.operation === d.operation),
                  ),
                ],
              };
        response = { ...response, operationSampling };
      }
      byService.set(name, deepFreeze(response));
    }
    return new SamplingStrategies(deepFreeze(defaultStrategy), byService, warnings);
  }

  /** The strategy Jaeger serves for `GET /sampling?service=<service>`: the service's own, else the default. */
  strategyFor(service: string): SamplingStrategyResponse {
    return this.#byService.get(service) ?? this.#default;
  }

  /** `strategyFor(service)` as the response body, cached per strategy. */
  bodyFor(service: string, encoding: ResponseEncoding): string {
    const response = this.strategyFor(service);
    let bodies = this.#encoded.get(response);
    if (bodies === undefined) {
      bodies = {
        proto: encodeStrategyResponse(response, 'proto'),
        legacy: encodeStrategyResponse(response, 'legacy'),
      };
      this.#encoded.set(response, bodies);
    }
    return bodies[encoding];
  }
}

function probabilistic(samplingRate: number): SamplingStrategyResponse {
  return { strategyType: 'PROBABILISTIC', probabilisticSampling: { samplingRate } };
}

function buildResponse(service: ParsedService, warnings: string[]): SamplingStrategyResponse {
  const strategy = service.strategy;
  const base: SamplingStrategyResponse =
    strategy === undefined || strategy.type === 'probabilistic'
      ? probabilistic(strategy?.param ?? DEFAULT_SAMPLING_PROBABILITY)
      : {
          strategyType: 'RATE_LIMITING',
          rateLimitingSampling: { maxTracesPerSecond: Math.trunc(strategy.param) },
        };
  if (strategy === undefined) {
    warnings.push(
      `${service.path}: no type and param, so Jaeger's default (probabilistic ${DEFAULT_SAMPLING_PROBABILITY}) applies`,
    );
  } else if (strategy.type === 'ratelimiting' && !Number.isInteger(strategy.param)) {
    warnings.push(
      `${service.path}.param: the protocol carries whole traces per second, so ${strategy.param} is served as ${Math.trunc(strategy.param)}`,
    );
  }
  if (service.operations === undefined || service.operations.length === 0) return base;

  // Operation probabilities default to the service's when it is probabilistic, else to Jaeger's default.
  const defaultSamplingProbability =
    base.strategyType === 'PROBABILISTIC'
      ? base.probabilisticSampling.samplingRate
      : DEFAULT_SAMPLING_PROBABILITY;
  const perOperationStrategies: OperationSamplingStrategy[] = [];
  for (const op of service.operations) {
    if (op.type === 'ratelimiting') {
      warnings.push(
        `${op.path}: per-operation strategies can only be probabilistic, so operation ${JSON.stringify(op.operation)} is sampled at the default probability ${defaultSamplingProbability}`,
      );
      continue;
    }
    perOperationStrategies.push({
      operation: op.operation,
      probabilisticSampling: { samplingRate: op.param },
    });
  }
  return {
    ...base,
    operationSampling: {
      defaultSamplingProbability,
      defaultLowerBoundTracesPerSecond: 0,
      perOperationStrategies,
      defaultUpperBoundTracesPerSecond: 0,
    },
  };
}

function readService(
  value: unknown,
  path: string,
  named: boolean,
  source: string | undefined,
): ParsedService {
  const keys = named
    ? ['service', 'type', 'param', 'operation_strategies']
    : ['type', 'param', 'operation_strategies'];
  const entry = readObject(value, path, keys, source);
  if (named) readName(entry, 'service', path, source);
  const strategy =
    entry['type'] === undefined && entry['param'] === undefined
      ? undefined
      : readStrategy(entry, path, source);

  const list = entry['operation_strategies'];
  if (list === undefined || list === null) return { strategy, operations: undefined, path };
  if (!Array.isArray(list)) {
    throw invalid(`${path}.operation_strategies`, `expected an array, got ${describe(list)}`, source);
  }
  const seen = new Map<string, string>();
  const operations = list.map((item: unknown, i): ParsedOperation => {
    const opPath = `${path}.operation_strategies[${i}]`;
    const op = readObject(item, opPath, ['operation', 'type', 'param'], source);
    const operation = readName(op, 'operation', opPath, source);
    const first = seen.get(operation);
    if (first !== undefined) {
      throw invalid(
        `${opPath}.operation`,
        `duplicate operation ${JSON.stringify(operation)}, already at ${first}`,
        source,
      );
    }
    seen.set(operation, opPath);
    return { operation, ...readStrategy(op, opPath, source), path: opPath };
  });
  return { strategy, operations, path };
}

function readStrategy(
  entry: Record<string, unknown>,
  path: string,
  source: string | undefined,
): ParsedStrategy {
  const type = entry['type'];
  if (type !== 'probabilistic' && type !== 'ratelimiting') {
    throw invalid(
      `${path}.type`,
      `expected "probabilistic" or "ratelimiting", got ${type === undefined ? 'nothing' : describe(type)}`,
      source,
    );
  }
  const param = entry['param'];
  if (typeof param !== 'number') {
    const what =
      type === 'probabilistic' ? 'a sampling probability from 0 to 1' : 'a number of traces per second';
    throw invalid(
      `${path}.param`,
      `expected ${what}, got ${param === undefined ? 'nothing' : describe(param)}`,
      source,
    );
  }
  if (type === 'probabilistic' && !(param >= 0 && param <= 1)) {
    throw invalid(`${path}.param`, `expected a sampling probability from 0 to 1, got ${param}`, source);
  }
  if (type === 'ratelimiting' && !(param >= 0 && param <= MAX_TRACES_PER_SECOND)) {
    throw invalid(
      `${path}.param`,
      `expected a number of traces per second from 0 to ${MAX_TRACES_PER_SECOND}, got ${param}`,
      source,
    );
  }
  // -0 would be written as 0 by Go but as -0 nowhere else; normalise so bodies match.
  return { type, param: param === 0 ? 0 : param };
}

function readName(
  entry: Record<string, unknown>,
  key: string,
  path: string,
  source: string | undefined,
): string {
  const name = entry[key];
  if (typeof name !== 'string' || name === '') {
    throw invalid(
      `${path}.${key}`,
      `expected a non-empty string, got ${name === undefined ? 'nothing' : describe(name)}`,
      source,
    );
  }
  return name;
}

function readObject(
  value: unknown,
  path: string,
  keys: readonly string[],
  source: string | undefined,
): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(path, `expected an object with ${keys.join(', ')}, got ${describe(value)}`, source);
  }
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) {
      throw invalid(`${path}.${key}`, `unknown key; expected one of ${keys.join(', ')}`, source);
    }
  }
  return value as Record<string, unknown>;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}

function invalid(path: string, message: string, source: string | undefined): ConfigError {
  return new ConfigError(path, source === undefined ? message : `${message} (in ${source})`);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
