import { DevstackError } from './errors.js';
import { startExternal } from './providers/external.js';
import { startLocal } from './providers/local.js';
import { dockerAvailable, startTestcontainers } from './providers/testcontainers.js';
import type { Devstack, DevstackOptions, ProviderName } from './types.js';

const PROVIDERS = ['auto', 'local', 'testcontainers', 'external'] as const;

/** Picks the provider: the option, else SKEIN_DEVSTACK, else automatic. */
export async function chooseProvider(options: DevstackOptions = {}): Promise<ProviderName> {
  const env = options.env ?? process.env;
  const wanted = options.provider ?? env.SKEIN_DEVSTACK ?? 'auto';
  if (!(PROVIDERS as readonly string[]).includes(wanted)) {
    throw new DevstackError(
      'DEVSTACK_CONFIG_INVALID',
      `SKEIN_DEVSTACK=${wanted} is not one of ${PROVIDERS.join(', ')}`,
    );
  }
  if (wanted !== 'auto') return wanted as ProviderName;
  if (env.SKEIN_KAFKA_BROKERS && env.SKEIN_ES_URL) return 'external';
  // Only the local provider has the secure listeners; containers would need certificates mounted in.
  if (!options.secure && (await dockerAvailable(env))) return 'testcontainers';
  return 'local';
}

/** Starts (or connects to) a real Kafka broker and a real Elasticsearch, healthy when this resolves. */
export async function startDevstack(options: DevstackOptions = {}): Promise<Devstack> {
  const env = options.env ?? process.env;
  const provider = await chooseProvider(options);
  options.log?.(`devstack provider: ${provider}`);
  if (options.secure && provider !== 'local') {
    throw new DevstackError(
      'DEVSTACK_CONFIG_INVALID',
      `The secure devstack (TLS and SASL on Kafka, an authenticating TLS proxy for Elasticsearch) needs the local provider, not ${provider}: ` +
        'set SKEIN_DEVSTACK=local (and unset SKEIN_KAFKA_BROKERS/SKEIN_ES_URL), or start without secure.',
    );
  }
  switch (provider) {
    case 'external':
      return startExternal(env);
    case 'testcontainers':
      return startTestcontainers(options.elasticsearchHeap ?? '512m');
    case 'local':
      return startLocal(options);
  }
}
