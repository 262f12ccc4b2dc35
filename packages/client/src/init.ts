import type { Registry } from 'prom-client';
import type { Process } from '@skein/model';
import { parseTracerConfig, type Env, type SamplerConfig, type TracerConfig } from './config/env.js';
import { consoleLogger, type Logger } from './logger.js';
import { ClientMetrics } from './metrics.js';
import { HttpSender } from './reporter/http-sender.js';
import { RemoteReporter } from './reporter/remote-reporter.js';
import { CompositeReporter, LoggingReporter, type Reporter } from './reporter/reporter.js';
import type { Sender } from './reporter/sender.js';
import { UdpSender } from './reporter/udp-sender.js';
import { ProbabilisticSampler } from './sampling/probabilistic.js';
import { RateLimitingSampler } from './sampling/rate-limiting.js';
import { RemoteSampler } from './sampling/remote.js';
import { ConstSampler, type Sampler } from './sampling/sampler.js';
import { NoopTracer } from './tracer/noop.js';
import { createProcess } from './tracer/process.js';
import { JaegerTracer, type ClientTracer } from './tracer/tracer.js';

export interface InitTracerOptions {
  /** Where the JAEGER_* variables are read; `process.env` by default. */
  env?: Env;
  /** The service name when JAEGER_SERVICE_NAME is unset. */
  serviceName?: string;
  /** More process tags; JAEGER_TAGS wins for the same key. */
  tags?: Readonly<Record<string, unknown>>;
  /** prom-client registry for the client's metrics; prom-client's global registry by default. */
  registry?: Registry;
  logger?: Logger;
  /** Replaces the reporter the environment describes (e.g. an InMemoryReporter in tests). */
  reporter?: Reporter;
  /** Replaces the sampler the environment describes. */
  sampler?: Sampler;
}

/**
 * A tracer configured from the JAEGER_* environment variables (docs/client.md lists them). Throws
 * TracerConfigError naming the variable when a value cannot be used. With JAEGER_DISABLED=true, a no-op
 * tracer.
 */
export function initTracerFromEnv(options: InitTracerOptions = {}): ClientTracer {
  const parseOptions = options.serviceName === undefined ? {} : { serviceName: options.serviceName };
  return createTracer(parseTracerConfig(options.env ?? process.env, parseOptions), options);
}

/** A tracer for an already parsed configuration. */
export function createTracer(config: TracerConfig, options: InitTracerOptions = {}): ClientTracer {
  if (config.disabled) return new NoopTracer(config.serviceName);
  const metrics = new ClientMetrics(options.registry);
  const logger = options.logger ?? consoleLogger;
  const tracerProcess = createProcess(config.serviceName, {
    ...options.tags,
    ...Object.fromEntries(config.tags),
  });

  let reporter = options.reporter ?? remoteReporter(config, tracerProcess, metrics, logger);
  if (config.reporter.logSpans) reporter = new CompositeReporter([reporter, new LoggingReporter(logger)]);

  return new JaegerTracer({
    process: tracerProcess,
    reporter,
    sampler: options.sampler ?? createSampler(config.sampler, config.serviceName, metrics, logger),
    traceId128bit: config.traceId128bit,
    propagation: config.propagation,
    metrics,
  });
}

function remoteReporter(
  config: TracerConfig,
  process: Process,
  metrics: ClientMetrics,
  logger: Logger,
): Reporter {
  const transport = config.reporter.transport;
  const sender: Sender =
    transport.type === 'udp'
      ? new UdpSender({ host: transport.host, port: transport.port })
      : new HttpSender(transport);
  return new RemoteReporter({
    sender,
    process,
    maxQueueSize: config.reporter.maxQueueSize,
    flushIntervalMs: config.reporter.flushIntervalMs,
    metrics,
    logger,
  });
}

function createSampler(
  config: SamplerConfig,
  serviceName: string,
  metrics: ClientMetrics,
  logger: Logger,
): Sampler {
  switch (config.type) {
    case 'const':
      return new ConstSampler(config.decision);
    case 'probabilistic':
      return new ProbabilisticSampler(config.samplingRate);
    case 'ratelimiting':
      return new RateLimitingSampler(config.maxTracesPerSecond);
    case 'remote':
      return new RemoteSampler({
        serviceName,
        endpoint: config.endpoint,
        initialSampler: new ProbabilisticSampler(config.initialSamplingRate),
        refreshIntervalMs: config.refreshIntervalMs,
        maxOperations: config.maxOperations,
        metrics,
        logger,
      });
  }
}
