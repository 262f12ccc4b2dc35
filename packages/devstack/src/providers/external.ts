import { DevstackError } from '../errors.js';
import { elasticsearchHealthy } from '../elasticsearch.js';
import { kafkaHealthy } from '../kafka.js';
import type { Devstack } from '../types.js';

/** The user's own cluster from SKEIN_KAFKA_BROKERS and SKEIN_ES_URL; checked, never started or stopped. */
export async function startExternal(env: NodeJS.ProcessEnv): Promise<Devstack> {
  const brokers = (env.SKEIN_KAFKA_BROKERS ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  const url = (env.SKEIN_ES_URL ?? '').replace(/\/+$/, '');
  if (brokers.length === 0 || !url) {
    throw new DevstackError(
      'DEVSTACK_CONFIG_INVALID',
      'SKEIN_DEVSTACK=external needs SKEIN_KAFKA_BROKERS (host:port,…) and SKEIN_ES_URL (http://host:port)',
    );
  }
  if (!(await kafkaHealthy(brokers))) {
    throw new DevstackError(
      'DEVSTACK_PROVIDER_UNAVAILABLE',
      `Kafka at ${brokers.join(',')} does not answer metadata requests`,
    );
  }
  if (!(await elasticsearchHealthy(url).catch(() => false))) {
    throw new DevstackError(
      'DEVSTACK_PROVIDER_UNAVAILABLE',
      `Elasticsearch at ${url} is not yellow or green`,
    );
  }
  return { provider: 'external', kafkaBrokers: brokers, elasticsearchUrl: url, stop: async () => undefined };
}
