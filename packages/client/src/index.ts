export { initTracerFromEnv, createTracer, type InitTracerOptions } from './init.js';
export {
  ENV_VARS,
  parseTags,
  parseTracerConfig,
  type Env,
  type EnvVar,
  type ParseOptions,
  type SamplerConfig,
  type SamplerType,
  type TracerConfig,
  type TransportConfig,
} from './config/env.js';
export { ClientError, TracerConfigError, type ClientErrorCode } from './errors.js';
export { consoleLogger, type Logger } from './logger.js';
export { ClientMetrics, type DropReason, type SenderTransport } from './metrics.js';
export { CLIENT_VERSION } from './version.js';

export {
  FORMAT_GRPC_METADATA,
  JaegerTracer,
  type ClientTracer,
  type JaegerTracerOptions,
} from './tracer/tracer.js';
export { NoopTracer } from './tracer/noop.js';
export { JaegerSpan } from './tracer/span.js';
export { JaegerSpanContext, type SpanContextFields } from './tracer/span-context.js';
export { createProcess, defaultProcessTags } from './tracer/process.js';

export { DEFAULT_PROPAGATION, type PropagationFormat } from './propagation/propagator.js';
export { BAGGAGE_PREFIX, JAEGER_BAGGAGE, JAEGER_DEBUG_ID, UBER_TRACE_ID } from './propagation/jaeger.js';
export { TRACEPARENT, TRACESTATE } from './propagation/w3c.js';
export type { MetadataCarrier } from './propagation/carrier.js';

export { CompositeReporter, InMemoryReporter, LoggingReporter, type Reporter } from './reporter/reporter.js';
export {
  DEFAULT_FLUSH_INTERVAL_MS,
  DEFAULT_MAX_QUEUE_SIZE,
  RemoteReporter,
  type RemoteReporterOptions,
} from './reporter/remote-reporter.js';
export type { Sender } from './reporter/sender.js';
export { UDP_MAX_PACKET_BYTES, UdpSender, type UdpSenderOptions } from './reporter/udp-sender.js';
export { HTTP_MAX_PACKET_BYTES, HttpSender, type HttpSenderOptions } from './reporter/http-sender.js';

export {
  ConstSampler,
  SAMPLER_PARAM_TAG,
  SAMPLER_TYPE_TAG,
  type Sampler,
  type SamplerTagValue,
  type SamplingDecision,
} from './sampling/sampler.js';
export { ProbabilisticSampler } from './sampling/probabilistic.js';
export { RateLimitingSampler } from './sampling/rate-limiting.js';
export { RateLimiter, type Clock } from './sampling/rate-limiter.js';
export {
  DEFAULT_MAX_OPERATIONS,
  GuaranteedThroughputSampler,
  PerOperationSampler,
  type PerOperationSamplerOptions,
} from './sampling/per-operation.js';
export {
  DEFAULT_INITIAL_SAMPLING_RATE,
  DEFAULT_SAMPLER_REFRESH_INTERVAL_MS,
  RemoteSampler,
  type RemoteSamplerOptions,
} from './sampling/remote.js';
export {
  StrategyError,
  parseStrategyResponse,
  type OperationStrategy,
  type PerOperationStrategies,
  type SamplingStrategy,
} from './sampling/strategy.js';

export { tracingServerInterceptor } from './grpc/server-interceptor.js';
export { tracingClientInterceptor, type ClientInterceptorOptions } from './grpc/client-interceptor.js';
export { GRPC_COMPONENT, GRPC_STATUS_CODE_TAG } from './grpc/rpc-span.js';
