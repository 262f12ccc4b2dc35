/**
 * Kafka 4.4.0: the newest release on Maven Central; kafkajs 2.2.4 negotiates API versions with it
 * (ApiVersions) and every API it uses is still inside Kafka 4's supported range (KIP-896 removed only
 * protocol versions kafkajs never picks when the broker offers newer ones). Proven by test/integration.
 */
export const KAFKA_VERSION = '4.4.0';
export const KAFKA_SCALA_ARTIFACT = 'org.apache.kafka:kafka_2.13';

/** Kafka 4 logs through SLF4J 1.7; log4j2's 1.x binding routes it to a small config of ours. */
export const LOG4J_VERSION = '2.24.3';

/** The newest 8.x integ-test-zip on Maven Central: a minimal Elasticsearch without the bundled JDK. */
export const ELASTICSEARCH_VERSION = '8.19.21';
export const ELASTICSEARCH_ARTIFACT = 'org.elasticsearch.distribution.integ-test-zip:elasticsearch';
