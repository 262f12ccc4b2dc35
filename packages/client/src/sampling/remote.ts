import type { TraceId } from '@skein/model';
import { consoleLogger, type Logger } from '../logger.js';
import type { ClientMetrics } from '../metrics.js';
import { DEFAULT_MAX_OPERATIONS, PerOperationSampler } from './per-operation.js';
import { ProbabilisticSampler } from './probabilistic.js';
import { monotonicSeconds, type Clock } from './rate-limiter.js';
import { RateLimitingSampler } from './rate-limiting.js';
import type { Sampler, SamplingDecision } from './sampler.js';
import { parseStrategyResponse, type SamplingStrategy } from './strategy.js';

/** Jaeger's default: poll once a minute. */
export const DEFAULT_SAMPLER_REFRESH_INTERVAL_MS = 60_000;
/** Jaeger's default sampling before the first strategy arrives. */
export const DEFAULT_INITIAL_SAMPLING_RATE = 0.001;

export interface RemoteSamplerOptions {
  serviceName: string;
  /** The agent's sampling endpoint, e.g. http://localhost:5778/sampling; `?service=<name>` is added. */
  endpoint: string;
  /** What decides until the first strategy is fetched; probabilistic 0.001 by default. */
  initialSampler?: Sampler;
  refreshIntervalMs?: number;
  /** Longest wait for one poll. */
  requestTimeoutMs?: number;
  maxOperations?: number;
  metrics?: ClientMetrics;
  logger?: Logger;
  clock?: Clock;
}

/**
 * Polls the agent for the service's sampling strategy (now, then every `refreshIntervalMs`) and samples with
 * it. A failed poll is counted and logged, and the sampler in force stays. A changed rate keeps the rate
 * limiters' state; a changed type replaces the sampler.
 */
export class RemoteSampler implements Sampler {
  readonly url: string;
  readonly #options: RemoteSamplerOptions;
  readonly #log: Logger;
  readonly #clock: Clock;
  #current: Sampler;
  #strategy: SamplingStrategy | undefined;
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<boolean> | undefined;
  #closed = false;
  #lastError: string | undefined;

  constructor(options: RemoteSamplerOptions) {
    this.#options = options;
    this.#log = options.logger ?? consoleLogger;
    this.#clock = options.clock ?? monotonicSeconds;
    const url = new URL(options.endpoint);
    url.searchParams.set('service', options.serviceName);
    this.url = url.toString();
    this.#current = options.initialSampler ?? new ProbabilisticSampler(DEFAULT_INITIAL_SAMPLING_RATE);
    if ((options.refreshIntervalMs ?? DEFAULT_SAMPLER_REFRESH_INTERVAL_MS) > 0) void this.#poll();
  }

  /** The sampler deciding now. */
  get current(): Sampler {
    return this.#current;
  }

  /** The strategy last applied; undefined until a poll succeeded. */
  get strategy(): SamplingStrategy | undefined {
    return this.#strategy;
  }

  isSampled(traceId: TraceId, operation: string): SamplingDecision {
    return this.#current.isSampled(traceId, operation);
  }

  /** Polls now (joining a poll in flight); true when a strategy was fetched and applied. */
  refresh(): Promise<boolean> {
    this.#inFlight ??= this.#fetch().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  async #poll(): Promise<void> {
    await this.refresh();
    if (this.#closed) return;
    this.#timer = setTimeout(
      () => void this.#poll(),
      this.#options.refreshIntervalMs ?? DEFAULT_SAMPLER_REFRESH_INTERVAL_MS,
    );
    this.#timer.unref();
  }

  async #fetch(): Promise<boolean> {
    const metrics = this.#options.metrics;
    let strategy: SamplingStrategy;
    try {
      const response = await fetch(this.url, {
        signal: AbortSignal.timeout(this.#options.requestTimeoutMs ?? 5000),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`HTTP ${response.status}: ${text.trim().slice(0, 200)}`);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new Error(`the response is not JSON: ${text.slice(0, 200)}`);
      }
      strategy = parseStrategyResponse(body);
    } catch (err) {
      metrics?.samplerQueries.inc({ result: 'error' });
      const message = `cannot fetch the sampling strategy from ${this.url} (${(err as Error).message}); keeping the current sampler`;
      // One line per distinct failure: an agent that is down for an hour is not 60 lines.
      if (message !== this.#lastError) this.#log.error(message);
      this.#lastError = message;
      return false;
    }
    this.#lastError = undefined;
    metrics?.samplerQueries.inc({ result: 'ok' });
    if (this.#closed) return false;
    if (JSON.stringify(strategy) !== JSON.stringify(this.#strategy)) {
      this.#apply(strategy);
      this.#strategy = strategy;
      metrics?.samplerUpdates.inc();
    }
    return true;
  }

  #apply(strategy: SamplingStrategy): void {
    const current = this.#current;
    switch (strategy.type) {
      case 'probabilistic':
        this.#current = new ProbabilisticSampler(strategy.samplingRate);
        break;
      case 'ratelimiting':
        if (current instanceof RateLimitingSampler) current.update(strategy.maxTracesPerSecond);
        else this.#current = new RateLimitingSampler(strategy.maxTracesPerSecond, this.#clock);
        break;
      case 'per-operation':
        if (current instanceof PerOperationSampler) current.update(strategy.operations);
        else {
          this.#current = new PerOperationSampler(strategy.operations, {
            maxOperations: this.#options.maxOperations ?? DEFAULT_MAX_OPERATIONS,
            clock: this.#clock,
          });
        }
        break;
    }
    if (this.#current !== current) current.close();
  }
}
