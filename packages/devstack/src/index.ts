export { startDevstack, chooseProvider } from './stack.js';
export {
  defaultDataDir,
  localStatus,
  startElasticsearch,
  startKafka,
  stopDetached,
  type ElasticsearchOnly,
  type KafkaOnly,
  type ServiceStatus,
} from './providers/local.js';
export { dockerAvailable } from './providers/testcontainers.js';
export { kafkaHealthy, type KafkaSecureListeners } from './kafka.js';
export { elasticsearchHealthy } from './elasticsearch.js';
export { cacheDir } from './paths.js';
export { freePort } from './ports.js';
export { DevstackError, type DevstackErrorCode } from './errors.js';
export { KAFKA_VERSION, ELASTICSEARCH_VERSION } from './versions.js';
export type {
  Devstack,
  DevstackEndpoints,
  DevstackOptions,
  DevstackSecurity,
  ProviderName,
} from './types.js';
export {
  generateCredentials,
  readSecurityFile,
  secretsOf,
  writeSecurityFile,
  type DevstackCredentials,
} from './security.js';
export {
  ensureNginx,
  startElasticsearchProxy,
  type ElasticsearchProxy,
  type ElasticsearchProxyOptions,
} from './nginx.js';
export { upsertScramCredentials } from './scram.js';
export { generateCertificates, type Certificates, type CertificateOptions } from './tls.js';
