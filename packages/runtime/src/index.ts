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
  registerSecret,
  registeredSecrets,
  redactText,
  readSecretFile,
  REDACTED,
  MIN_SECRET_LENGTH,
} from './security/secrets.js';
export { readSettled, contentDigest } from './security/watched-files.js';
export {
  kafkaSecuritySchema,
  kafkaSecurity,
  kafkaSecurityError,
  kafkaStartError,
  KAFKA_SASL_MECHANISMS,
  type KafkaSecurity,
  type KafkaSecurityConfig,
  type KafkaSaslMechanism,
  type KafkaErrorContext,
} from './security/kafka.js';
export {
  esSecuritySchema,
  resolveEsSecurity,
  reportEsSecurity,
  esAccessError,
  esFailureKind,
  redactUrl,
  type EsAuth,
  type EsTls,
  type EsSecurity,
  type EsSecurityConfig,
  type EsFailureKind,
} from './security/elasticsearch.js';
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
export {
  serverTlsSchema,
  serverTlsSettings,
  tlsReloadCounter,
  createServerWithTls,
  ServerTls,
  TLS_VERSIONS,
  TLS_RELOAD_INTERVAL_MS,
  type ServerTlsSchema,
  type ServerTlsSettings,
  type ServerTlsOptions,
  type TlsVersion,
} from './net/tls.js';
