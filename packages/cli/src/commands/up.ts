import { defaultDataDir, localStatus, startDevstack, type Devstack } from '@skein/devstack';
import { configHelp, field, loadConfig } from '@skein/runtime';
import type { CommandIO } from './io.js';

export const upSchema = {
  'kafka.port': field.port(9092, 'Kafka listener on 127.0.0.1'),
  'elasticsearch.port': field.port(9200, 'Elasticsearch HTTP on 127.0.0.1'),
  'elasticsearch.heap': field.oneOf(['512m', '768m', '1g'], '512m', 'Elasticsearch JVM heap'),
  'data.dir': field.optionalString('Where the local stack keeps its data (default <cache>/stack)'),
};

export const upHelp = `skein up: run the whole stack locally until Ctrl-C.
Today this starts the devstack (Kafka and Elasticsearch); the agent, ingester and query service
join it as they land. A devstack already started with \`skein devstack up\` is reused and left running.

Options:
${configHelp(upSchema)}
`;

/** Runs until SIGINT/SIGTERM, then stops what it started. */
export async function upCommand(
  argv: readonly string[],
  io: CommandIO,
  until?: Promise<void>,
): Promise<number> {
  const { config } = loadConfig(upSchema, { argv, env: io.env });
  const dataDir = config['data.dir'] ?? defaultDataDir(io.env);
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
  io.out('skein is up');
  io.out(`  Kafka          ${brokers}`);
  io.out(`  Elasticsearch  ${esUrl}`);
  io.out('Press Ctrl-C to stop.');
  const stopSignal =
    until ??
    new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
  await stopSignal;
  if (stack) {
    io.err('stopping…');
    await stack.stop();
  }
  io.out('stopped');
  return 0;
}
