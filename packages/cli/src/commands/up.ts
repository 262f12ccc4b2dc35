import { agentComponent } from '@skein/agent';
import { defaultDataDir, localStatus, startDevstack, type Devstack } from '@skein/devstack';
import { ingesterComponent } from '@skein/ingester';
import { queryComponent } from '@skein/query';
import {
  configHelp,
  createKafka,
  field,
  loadConfig,
  runComponent,
  type RunningComponent,
} from '@skein/runtime';
import { DEFAULT_SHAPE } from '../tracegen/generate.js';
import { runTracegen } from '../tracegen/run.js';
import { udpSender } from '../tracegen/senders.js';
import type { CommandIO } from './io.js';

export const upSchema = {
  'kafka.port': field.port(9092, 'Kafka listener on 127.0.0.1 (0 picks a free port)'),
  'elasticsearch.port': field.port(9200, 'Elasticsearch HTTP on 127.0.0.1 (0 picks a free port)'),
  'elasticsearch.heap': field.oneOf(['512m', '768m', '1g'], '512m', 'Elasticsearch JVM heap'),
  'data.dir': field.optionalString('Where the local stack keeps its data (default <cache>/stack)'),
  'port-offset': field.int(
    0,
    "Added to every component's default port, to run a second stack beside a first",
    {
      min: 0,
      max: 30_000,
    },
  ),
  demo: field.boolean(false, 'Also send a steady trickle of generated traces (2 per second) to the agent'),
  'log.level': field.oneOf(
    ['debug', 'info', 'warn', 'error'],
    'warn',
    'Log level of the agent, ingester and query service',
  ),
};

export const upHelp = `skein up: run the whole stack locally until Ctrl-C: Kafka and Elasticsearch (the devstack), the
topic skein-spans, the agent, the ingester and the query service, with their default ports. A devstack already
started with \`skein devstack up\` is reused and left running. With --demo it also sends a steady trickle of
generated traces, so there is something to look at.

Options:
${configHelp(upSchema)}
`;

/** Runs until SIGINT/SIGTERM, then stops what it started, in reverse order. */
export async function upCommand(
  argv: readonly string[],
  io: CommandIO,
  until?: Promise<void>,
): Promise<number> {
  const { config } = loadConfig(upSchema, { argv, env: io.env });
  const dataDir = config['data.dir'] ?? defaultDataDir(io.env);
  const offset = config['port-offset'];
  const port = (p: number): number => p + offset;
  const existing = await localStatus(dataDir);
  let stack: Devstack | undefined;
  let brokers: string;
  let esUrl: string;
  if (existing.every((s) => s.healthy)) {
    io.err('reusing the devstack started by `skein devstack up`');
    brokers = existing[0]?.endpoint ?? '';
    esUrl = existing[1]?.endpoint ?? '';
  } else {
    stack = await startDevstack({
      provider: 'local',
      dataDir,
      kafkaPort: config['kafka.port'],
      elasticsearchPort: config['elasticsearch.port'],
      elasticsearchHeap: config['elasticsearch.heap'],
      env: io.env,
      log: (line) => io.err(line),
    });
    brokers = stack.kafkaBrokers.join(',');
    esUrl = stack.elasticsearchUrl;
  }

  const components: RunningComponent[] = [];
  const stopAll = async (): Promise<void> => {
    for (const c of components.reverse()) await c.stop('skein up stopping');
    if (stack) await stack.stop();
  };
  try {
    // Four partitions, so a second ingester has work to share; an existing topic is left as it is.
    const admin = createKafka({ brokers: brokers.split(','), clientId: 'skein-up' }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'skein-spans', numPartitions: 4 }], waitForLeaders: true });
    await admin.disconnect();
    // Components get their settings as flags: the environment is shared, and SKEIN_ADMIN_PORT would collide.
    const common = [`--log.level=${config['log.level']}`, '--log.format=pretty'];
    components.push(
      await runComponent(ingesterComponent, {
        argv: [
          ...common,
          `--kafka.brokers=${brokers}`,
          `--es.url=${esUrl}`,
          '--es.shards=1',
          '--es.replicas=0',
          `--admin.port=${port(14270)}`,
        ],
        env: {},
        handleSignals: false,
      }),
    );
    components.push(
      await runComponent(queryComponent, {
        argv: [
          ...common,
          `--es.url=${esUrl}`,
          `--http.port=${port(16686)}`,
          `--grpc.port=${port(16685)}`,
          `--admin.port=${port(16687)}`,
        ],
        env: {},
        handleSignals: false,
      }),
    );
    components.push(
      await runComponent(agentComponent, {
        argv: [
          ...common,
          `--kafka.brokers=${brokers}`,
          `--udp.compact.port=${port(6831)}`,
          `--udp.binary.port=${port(6832)}`,
          `--udp.zipkin.port=${port(5775)}`,
          `--http.port=${port(14268)}`,
          `--grpc.port=${port(14250)}`,
          `--sampling.port=${port(5778)}`,
          `--otlp.grpc.port=${port(4317)}`,
          `--otlp.http.port=${port(4318)}`,
          `--admin.port=${port(14271)}`,
        ],
        env: {},
        handleSignals: false,
      }),
    );
  } catch (err) {
    await stopAll();
    throw err;
  }

  io.out('skein is up');
  io.out(`  Kafka            ${brokers}  (topic skein-spans)`);
  io.out(`  Elasticsearch    ${esUrl}`);
  io.out(
    `  agent            UDP ${port(6831)} compact, ${port(6832)} binary; HTTP ${port(14268)}; gRPC ${port(14250)}; OTLP gRPC ${port(4317)}, HTTP ${port(4318)}; sampling ${port(5778)}; admin ${port(14271)}`,
  );
  io.out(`  ingester         admin http://127.0.0.1:${port(14270)}/metrics`);
  io.out(`  web UI           http://127.0.0.1:${port(16686)}/`);
  io.out(
    `  query            http://127.0.0.1:${port(16686)}/api/services (Jaeger API; Grafana's Jaeger data source URL http://127.0.0.1:${port(16686)}); gRPC ${port(16685)}; admin ${port(16687)}`,
  );
  io.out('Point applications at the agent:');
  io.out(
    `  JAEGER_AGENT_HOST=127.0.0.1 JAEGER_AGENT_PORT=${port(6831)}   (jaeger-client for Node.js: ${port(6832)})`,
  );
  io.out(
    `  OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:${port(4318)}   (OpenTelemetry SDKs; gRPC: ${port(4317)})`,
  );
  io.out(`  JAEGER_ENDPOINT=http://127.0.0.1:${port(14268)}/api/traces`);
  io.out(`  JAEGER_SAMPLER_MANAGER_HOST_PORT=127.0.0.1:${port(5778)}`);
  const demo = new AbortController();
  let demoDone: Promise<unknown> = Promise.resolve();
  if (config.demo) {
    const sender = udpSender('127.0.0.1', port(6831), 'compact');
    demoDone = runTracegen({
      sender,
      shape: DEFAULT_SHAPE,
      seed: Math.floor(Math.random() * 2 ** 31),
      rate: 2,
      count: 0,
      durationMs: 0,
      concurrency: 1,
      signal: demo.signal,
    }).finally(() => sender.close());
    io.out(`Demo: sending 2 generated traces per second (services ${DEFAULT_SHAPE.services}); try`);
    io.out(`  curl 'http://127.0.0.1:${port(16686)}/api/traces?service=frontend&limit=5'`);
  }
  io.out('Press Ctrl-C to stop.');
  const stopSignal =
    until ??
    new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
  await stopSignal;
  io.err('stopping…');
  demo.abort();
  await demoDone;
  await stopAll();
  io.out('stopped');
  return 0;
}
