// The secure devstack that scripts/test.ts starts: Kafka's SASL_SSL listener with PLAIN and both SCRAM
// mechanisms, its SSL listener that requires a client certificate, and Elasticsearch behind the nginx TLS proxy
// with basic and API key auth; each accepts exactly what it should and refuses the rest, as real clients see it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { describe, it } from 'node:test';
import { Kafka, logLevel, type KafkaConfig, type SASLOptions } from 'kafkajs';
import { upsertScramCredentials, type DevstackSecurity } from '@skein/devstack';
import { testSecurity } from '../support/security.js';
import { eventually, testStack, uniqueName } from '../support/stack.js';

function kafkaClient(config: Omit<KafkaConfig, 'clientId' | 'logLevel'>): Kafka {
  return new Kafka({
    clientId: 'skein-test-secure',
    logLevel: logLevel.NOTHING,
    connectionTimeout: 5000,
    ...config,
  });
}

/** Creates a topic, produces one message and consumes it back through `kafka`; resolves with what came back. */
async function roundTrip(kafka: Kafka, value: string): Promise<string> {
  const topic = uniqueName('skein-test-secure');
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: [{ key: 'k', value }] });
  } finally {
    await producer.disconnect();
  }
  const consumer = kafka.consumer({ groupId: uniqueName('skein-test-secure-group') });
  await consumer.connect();
  try {
    const received: string[] = [];
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => void received.push(message.value?.toString() ?? ''),
    });
    return await eventually(`the message on ${topic}`, () => received[0], 60_000);
  } finally {
    await consumer.disconnect();
  }
}

/** Connects an admin client and lists the brokers, the smallest exchange that needs the handshake and auth. */
async function brokersSeen(kafka: Kafka): Promise<number> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    return (await admin.describeCluster()).brokers.length;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function https(
  url: string,
  options: { ca?: Buffer; authorization?: string; method?: string; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        ...(options.ca ? { ca: options.ca } : {}),
        headers: {
          ...(options.authorization ? { authorization: options.authorization } : {}),
          ...(options.body ? { 'content-type': 'application/json' } : {}),
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const basic = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('secure devstack: Kafka SASL_SSL', () => {
  let security: DevstackSecurity;
  let ca: string;
  const setup = (): void => {
    security = testSecurity();
    ca = readFileSync(security.caFile, 'utf8');
  };

  for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512'] as const) {
    it(`produces and consumes with TLS and SASL ${mechanism.toUpperCase()}`, async () => {
      setup();
      const { username, password } = security.kafka;
      const sasl = { mechanism, username, password } as SASLOptions;
      const kafka = kafkaClient({ brokers: security.kafka.saslSslBrokers, ssl: { ca }, sasl });
      assert.equal(
        await roundTrip(kafka, `over SASL_SSL with ${mechanism}`),
        `over SASL_SSL with ${mechanism}`,
      );
    });
  }

  it('refuses a wrong password with a SASL authentication error, for every mechanism', async () => {
    setup();
    const expected = {
      plain: 'SASL PLAIN authentication failed',
      'scram-sha-256': 'SASL SCRAM SHA256 authentication failed',
      'scram-sha-512': 'SASL SCRAM SHA512 authentication failed',
    };
    for (const [mechanism, message] of Object.entries(expected)) {
      const sasl = { mechanism, username: security.kafka.username, password: 'wrong' } as SASLOptions;
      const kafka = kafkaClient({
        brokers: security.kafka.saslSslBrokers,
        ssl: { ca },
        sasl,
        retry: { retries: 0 },
      });
      await assert.rejects(
        brokersSeen(kafka),
        (err: Error) => err.name === 'KafkaJSSASLAuthenticationError' && err.message.startsWith(message),
      );
    }
  });

  it('fails the TLS handshake of a client that does not trust the CA', async () => {
    setup();
    const kafka = kafkaClient({
      brokers: security.kafka.saslSslBrokers,
      ssl: true,
      sasl: { mechanism: 'plain', username: security.kafka.username, password: security.kafka.password },
      retry: { retries: 0 },
    });
    await assert.rejects(brokersSeen(kafka), /unable to verify the first certificate/);
  });

  it('accepts SCRAM users added later through the PLAINTEXT listener (a restarted stack does this)', async () => {
    setup();
    const username = uniqueName('skein-user');
    const password = 'added-later_1';
    await upsertScramCredentials(testStack().kafkaBrokers[0] ?? '', username, password);
    for (const mechanism of ['scram-sha-256', 'scram-sha-512'] as const) {
      const kafka = kafkaClient({
        brokers: security.kafka.saslSslBrokers,
        ssl: { ca },
        sasl: { mechanism, username, password } as SASLOptions,
      });
      assert.equal(await brokersSeen(kafka), 1);
    }
  });
});

describe('secure devstack: Kafka SSL with client certificates', () => {
  it('produces and consumes with the client certificate', async () => {
    const security = testSecurity();
    const kafka = kafkaClient({
      brokers: security.kafka.sslBrokers,
      ssl: {
        ca: readFileSync(security.caFile, 'utf8'),
        cert: readFileSync(security.clientCertFile, 'utf8'),
        key: readFileSync(security.clientKeyFile, 'utf8'),
      },
    });
    assert.equal(
      await roundTrip(kafka, 'over SSL with a client certificate'),
      'over SSL with a client certificate',
    );
  });

  it('refuses a client without a certificate', async () => {
    const security = testSecurity();
    const kafka = kafkaClient({
      brokers: security.kafka.sslBrokers,
      ssl: { ca: readFileSync(security.caFile, 'utf8') },
      retry: { retries: 0 },
    });
    await assert.rejects(brokersSeen(kafka), /certificate/);
  });
});

describe('secure devstack: Elasticsearch behind the nginx TLS proxy', () => {
  const setup = (): { url: string; ca: Buffer; security: DevstackSecurity } => {
    const security = testSecurity();
    return { url: security.elasticsearch.url, ca: readFileSync(security.caFile), security };
  };

  it('is https on loopback', () => {
    assert.match(setup().url, /^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('answers with basic auth: the cluster, and GET / as Elasticsearch itself answers it', async () => {
    const { url, ca, security } = setup();
    const authorization = basic(security.elasticsearch.username, security.elasticsearch.password);
    const health = await https(`${url}/_cluster/health`, { ca, authorization });
    assert.equal(health.status, 200);
    assert.equal(health.headers['x-elastic-product'], 'Elasticsearch');
    assert.equal((JSON.parse(health.body) as { cluster_name: string }).cluster_name, 'skein-devstack');
    // The integ-test distribution lacks the rest-root module: its GET / is a 405 from Elasticsearch, passed on.
    const root = await https(`${url}/`, { ca, authorization });
    assert.equal(root.headers['x-elastic-product'], 'Elasticsearch');
    assert.equal(root.status, 405);
  });

  it('answers with the API key, writes included', async () => {
    const { url, ca, security } = setup();
    const authorization = `ApiKey ${security.elasticsearch.apiKey}`;
    const index = uniqueName('skein-test-secure');
    const put = await https(`${url}/${index}/_doc/1?refresh=true`, {
      ca,
      authorization,
      method: 'PUT',
      body: JSON.stringify({ service: 'secure' }),
    });
    assert.equal(put.status, 201, put.body);
    const got = await https(`${url}/${index}/_doc/1`, { ca, authorization });
    assert.equal(got.status, 200);
    assert.deepEqual((JSON.parse(got.body) as { _source: unknown })._source, { service: 'secure' });
    assert.equal((await https(`${url}/${index}`, { ca, authorization, method: 'DELETE' })).status, 200);
  });

  it('answers 401 with an Elasticsearch security error without or with wrong credentials', async () => {
    const { url, ca, security } = setup();
    const missing = await https(`${url}/_cluster/health`, { ca });
    assert.equal(missing.status, 401);
    assert.match(String(missing.headers['www-authenticate']), /^Basic realm="security"/);
    assert.deepEqual(JSON.parse(missing.body), {
      error: {
        root_cause: [
          { type: 'security_exception', reason: 'missing authentication credentials for REST request' },
        ],
        type: 'security_exception',
        reason: 'missing authentication credentials for REST request',
      },
      status: 401,
    });
    for (const authorization of [
      basic(security.elasticsearch.username, 'wrong'),
      `ApiKey ${Buffer.from('id:wrong').toString('base64')}`,
    ]) {
      const wrong = await https(`${url}/_cluster/health`, { ca, authorization });
      assert.equal(wrong.status, 401);
      const body = JSON.parse(wrong.body) as { error: { type: string; reason: string }; status: number };
      assert.deepEqual(
        [body.error.type, body.error.reason, body.status],
        ['security_exception', 'unable to authenticate with provided credentials', 401],
      );
    }
  });

  it('fails the TLS handshake of a client that does not trust the CA', async () => {
    const { url, security } = setup();
    await assert.rejects(
      https(`${url}/_cluster/health`, {
        authorization: basic(security.elasticsearch.username, security.elasticsearch.password),
      }),
      { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' },
    );
  });
});
