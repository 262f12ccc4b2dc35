import { request } from 'node:http';
import { DevstackError } from '../errors.js';
import { elasticsearchHealthy } from '../elasticsearch.js';
import { kafkaHealthy } from '../kafka.js';
import { freePort } from '../ports.js';
import { waitUntil } from '../process.js';
import type { Devstack } from '../types.js';
import { ELASTICSEARCH_VERSION, KAFKA_VERSION } from '../versions.js';

/** Whether a Docker engine answers /_ping (DOCKER_HOST over TCP or the default unix socket). */
export function dockerAvailable(env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const host = env.DOCKER_HOST;
  let target: { socketPath: string } | { host: string; port: number };
  if (!host) target = { socketPath: '/var/run/docker.sock' };
  else if (host.startsWith('unix://')) target = { socketPath: host.slice('unix://'.length) };
  else if (host.startsWith('tcp://')) {
    const url = new URL(host.replace('tcp://', 'http://'));
    target = { host: url.hostname, port: Number(url.port || 2375) };
  } else return Promise.resolve(false);
  return new Promise((resolve) => {
    const req = request({ ...target, path: '/_ping', method: 'GET', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}

interface Container {
  stop(): Promise<unknown>;
  getMappedPort(port: number): number;
}

/** Same versions as the local provider, run as containers where a Docker engine exists. */
export async function startTestcontainers(heap: string): Promise<Devstack> {
  let tc: typeof import('testcontainers');
  try {
    tc = await import('testcontainers');
  } catch (err) {
    throw new DevstackError(
      'DEVSTACK_PROVIDER_UNAVAILABLE',
      'The optional dependency testcontainers is not installed',
      {
        cause: err,
      },
    );
  }
  // The broker must advertise the port the host sees, so that port is chosen before the container starts.
  const kafkaPort = await freePort();
  const started: Container[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(started.map((c) => c.stop().catch(() => undefined)));
  };
  try {
    const [, es] = await Promise.all([
      new tc.GenericContainer(`apache/kafka:${KAFKA_VERSION}`)
        .withExposedPorts({ container: 9092, host: kafkaPort })
        .withEnvironment({
          KAFKA_NODE_ID: '1',
          KAFKA_PROCESS_ROLES: 'broker,controller',
          KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
          KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${kafkaPort}`,
          KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
          KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
          KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
          KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
          KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
          KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
          KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
        })
        .start()
        .then((c) => (started.push(c), c)),
      new tc.GenericContainer(`docker.elastic.co/elasticsearch/elasticsearch:${ELASTICSEARCH_VERSION}`)
        .withExposedPorts(9200)
        .withEnvironment({
          'discovery.type': 'single-node',
          'xpack.security.enabled': 'false',
          'cluster.routing.allocation.disk.threshold_enabled': 'false',
          'action.destructive_requires_name': 'false',
          ES_JAVA_OPTS: `-Xms${heap} -Xmx${heap}`,
        })
        .start()
        .then((c) => (started.push(c), c)),
    ]);
    const brokers = [`127.0.0.1:${kafkaPort}`];
    const url = `http://127.0.0.1:${es.getMappedPort(9200)}`;
    await waitUntil(() => kafkaHealthy(brokers), {
      what: 'Kafka container',
      timeoutMs: 90_000,
      logFile: 'docker logs',
    });
    await waitUntil(() => elasticsearchHealthy(url), {
      what: 'Elasticsearch container',
      timeoutMs: 120_000,
      logFile: 'docker logs',
    });
    return { provider: 'testcontainers', kafkaBrokers: brokers, elasticsearchUrl: url, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
