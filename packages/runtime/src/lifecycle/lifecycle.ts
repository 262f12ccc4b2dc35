import { SkeinError } from '../errors.js';
import type { HealthState } from '../admin/server.js';
import type { Logger } from '../log/logger.js';

/** A long-running part of a component. `stop` drains: stop accepting, flush, commit, close, before `deadline` (epoch ms). */
export interface Service {
  readonly name: string;
  start(): Promise<void>;
  stop(deadline: number): Promise<void>;
}

export interface LifecycleOptions {
  logger: Logger;
  /** How long stop() may take in all; what is still running then is abandoned with an error log line. */
  drainTimeoutMs: number;
}

/** Starts services in order and stops them in reverse, once, within a deadline. */
export class Lifecycle {
  #state: HealthState = 'starting';
  #started: Service[] = [];
  #stopping: Promise<void> | undefined;
  #failure: unknown;
  #failedService = '';
  #starting = false;
  #stopped!: () => void;
  /** Resolves once stop() has finished. */
  readonly done: Promise<void> = new Promise((resolve) => (this.#stopped = resolve));

  constructor(
    private readonly services: readonly Service[],
    private readonly options: LifecycleOptions,
  ) {}

  get state(): HealthState {
    return this.#state;
  }

  /** The error a service reported through fail(), if any: the process should exit non-zero with it. */
  get failure(): unknown {
    return this.#failure;
  }

  /**
   * A service hit an error no retry cures (e.g. Kafka refused its credentials): stops everything, as SIGTERM
   * does, and keeps the error in `failure`. During start(), start() throws it instead.
   */
  fail(service: string, error: unknown): Promise<void> {
    if (this.#failure === undefined) {
      this.#failure = error;
      this.#failedService = service;
      this.options.logger.error('failed', { service, error });
    }
    this.#state = 'failed';
    // While starting, start() stops what it started (a service may be half started now) and throws.
    return this.#starting ? this.done : this.stop(`${service} failed`);
  }

  async start(): Promise<void> {
    this.#starting = true;
    for (const service of this.services) {
      if (this.#failure !== undefined) break;
      try {
        await service.start();
        this.#started.push(service);
        this.options.logger.debug('started', { service: service.name });
      } catch (err) {
        this.#starting = false;
        this.#state = 'failed';
        this.options.logger.error('start failed', { service: service.name, error: err });
        await this.stop(`${service.name} failed to start`);
        throw err instanceof SkeinError
          ? err
          : new SkeinError('START_FAILED', `${service.name} failed to start: ${(err as Error).message}`, {
              cause: err,
            });
      }
    }
    this.#starting = false;
    if (this.#failure !== undefined) {
      await this.stop(`${this.#failedService} failed`);
      throw this.#failure;
    }
    this.#state = 'ok';
  }

  /** Drains every started service, last started first. Calling it again returns the same promise. */
  stop(reason: string): Promise<void> {
    this.#stopping ??= (async () => {
      if (this.#state !== 'failed') this.#state = 'draining';
      const deadline = Date.now() + this.options.drainTimeoutMs;
      this.options.logger.info('stopping', { reason, drainTimeoutMs: this.options.drainTimeoutMs });
      for (const service of [...this.#started].reverse()) {
        const left = Math.max(0, deadline - Date.now());
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<'timeout'>(
          (resolve) => (timer = setTimeout(() => resolve('timeout'), left)),
        );
        try {
          const result = await Promise.race([service.stop(deadline).then(() => 'ok' as const), timedOut]);
          if (result === 'timeout')
            this.options.logger.error('drain deadline passed', { service: service.name });
        } catch (err) {
          this.options.logger.error('stop failed', { service: service.name, error: err });
        } finally {
          clearTimeout(timer);
        }
      }
      this.#started = [];
      this.#stopped();
    })();
    return this.#stopping;
  }

  /** SIGTERM/SIGINT call stop(); a second signal exits at once. Returns a function that removes the handlers. */
  handleSignals(signals: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT']): () => void {
    let received = 0;
    const handler = (signal: NodeJS.Signals): void => {
      received++;
      if (received > 1) {
        this.options.logger.warn('second signal: exiting without draining', { signal });
        process.exit(130);
      }
      void this.stop(signal);
    };
    for (const s of signals) process.on(s, handler);
    return () => {
      for (const s of signals) process.off(s, handler);
    };
  }
}
