// The secure endpoints of the devstack that scripts/test.ts started: Kafka's SASL_SSL and SSL listeners and
// Elasticsearch behind an authenticating TLS proxy, with their CA, client certificate and credentials.
import { readFileSync } from 'node:fs';
import type { DevstackSecurity } from '@skein/devstack';

let cached: DevstackSecurity | undefined;

/** The security file named by SKEIN_TEST_SECURITY, read once per test process. */
export function testSecurity(): DevstackSecurity {
  if (cached) return cached;
  const file = process.env.SKEIN_TEST_SECURITY;
  if (!file) {
    throw new Error(
      'Tests of TLS and authentication need the secure devstack: run them with `npm test` or ' +
        '`node --import tsx scripts/test.ts <filter>` with the local provider (SKEIN_DEVSTACK=local or auto without ' +
        'SKEIN_KAFKA_BROKERS/SKEIN_ES_URL), which sets SKEIN_TEST_SECURITY to the file with its endpoints and credentials.',
    );
  }
  let parsed: DevstackSecurity;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as DevstackSecurity;
  } catch (err) {
    throw new Error(
      `SKEIN_TEST_SECURITY=${file} cannot be read as the devstack's security file: ${(err as Error).message}`,
    );
  }
  if (!parsed.kafka?.saslSslBrokers?.length || !parsed.elasticsearch?.url || !parsed.caFile) {
    throw new Error(
      `SKEIN_TEST_SECURITY=${file} lacks the kafka, elasticsearch or caFile entries of a security file`,
    );
  }
  cached = parsed;
  return parsed;
}
