export { SkeinError, ConfigError } from './errors.js';
export {
  field,
  loadConfig,
  configHelp,
  envName,
  flagName,
  type Field,
  type Schema,
  type ConfigOf,
  type Loaded,
  type LoadOptions,
} from './config/schema.js';
export { parseDuration, parseSize, parseBoolean, parseList } from './config/parse.js';
export {
  createLogger,
  type Logger,
  type LogLevel,
  type LogFields,
  type LoggerOptions,
} from './log/logger.js';
export { createRegistry, metricName, LATENCY_BUCKETS } from './metrics/registry.js';
export {
  startAdminServer,
  type AdminServer,
  type AdminServerOptions,
  type HealthReport,
  type HealthState,
} from './admin/server.js';
export { Lifecycle, type Service, type LifecycleOptions } from './lifecycle/lifecycle.js';
export { createKafka, type KafkaClientOptions } from './clients/kafka.js';
export { createElasticsearch, type ElasticsearchClientOptions } from './clients/elasticsearch.js';
export {
  runComponent,
  componentHelp,
  commonSchema,
  type ComponentDefinition,
  type ComponentContext,
  type RunningComponent,
} from './lifecycle/component.js';
export { listen } from './net/listen.js';
export { bindGrpcServer, drainGrpcServer } from './net/grpc.js';
