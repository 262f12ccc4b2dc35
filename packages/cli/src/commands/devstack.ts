import {
  ELASTICSEARCH_VERSION,
  KAFKA_VERSION,
  defaultDataDir,
  localStatus,
  startDevstack,
  stopDetached,
  type ServiceStatus,
} from '@skein/devstack';
import { configHelp, field, loadConfig } from '@skein/runtime';
import type { CommandIO } from './io.js';

export const devstackSchema = {
  'kafka.port': field.port(9092, 'Kafka listener on 127.0.0.1 (0 picks a free port)'),
  'elasticsearch.port': field.port(9200, 'Elasticsearch HTTP on 127.0.0.1 (0 picks a free port)'),
  'elasticsearch.heap': field.oneOf(['512m', '768m', '1g'], '512m', 'Elasticsearch JVM heap'),
  'data.dir': field.optionalString(
    'Where the local stack keeps its data (default <cache>/stack, cache = SKEIN_CACHE_DIR or ~/.cache/skein)',
  ),
  json: field.boolean(false, 'Print machine-readable JSON instead of text'),
};

export const devstackHelp = `skein devstack <up|down|status>: a real Kafka ${KAFKA_VERSION} broker (KRaft) and Elasticsearch ${ELASTICSEARCH_VERSION} on loopback,
installed from Maven Central on first use and cached.

  up       start both in the background and wait until they are healthy
  down     stop them (SIGTERM, then SIGKILL after 20 s); no Java process is left
  status   show whether each is running and healthy (exit 1 if not)

Options:
${configHelp(devstackSchema)}
`;

function printStatus(io: CommandIO, statuses: ServiceStatus[], json: boolean): void {
  if (json) {
    io.out(JSON.stringify(statuses, null, 2));
    return;
  }
  for (const s of statuses) {
    const state = s.healthy ? 'healthy' : s.running ? 'running, not healthy' : 'stopped';
    io.out(
      `${s.service.padEnd(14)} ${state.padEnd(22)} ${s.endpoint ?? '-'}${s.logFile && !s.healthy ? `  (log: ${s.logFile})` : ''}`,
    );
  }
}

export async function devstackCommand(argv: readonly string[], io: CommandIO): Promise<number> {
  const { config, args } = loadConfig(devstackSchema, { argv, env: io.env });
  const dataDir = config['data.dir'] ?? defaultDataDir(io.env);
  const action = args[0];
  switch (action) {
    case 'up': {
      const before = await localStatus(dataDir);
      if (before.every((s) => s.healthy)) {
        io.out('devstack already running:');
        printStatus(io, before, config.json);
        return 0;
      }
      const stack = await startDevstack({
        provider: 'local',
        detached: true,
        dataDir,
        kafkaPort: config['kafka.port'],
        elasticsearchPort: config['elasticsearch.port'],
        elasticsearchHeap: config['elasticsearch.heap'],
        env: io.env,
        log: (line) => io.err(line),
      });
      if (config.json)
        io.out(
          JSON.stringify({
            kafkaBrokers: stack.kafkaBrokers,
            elasticsearchUrl: stack.elasticsearchUrl,
            dataDir,
          }),
        );
      else {
        io.out(`Kafka          ${stack.kafkaBrokers.join(',')}`);
        io.out(`Elasticsearch  ${stack.elasticsearchUrl}`);
        io.out(`data           ${dataDir}`);
        io.out('stop with: skein devstack down');
      }
      return 0;
    }
    case 'down': {
      const stopped = await stopDetached(dataDir);
      io.out(stopped > 0 ? `stopped ${stopped} service(s)` : 'devstack was not running');
      return 0;
    }
    case 'status': {
      const statuses = await localStatus(dataDir);
      printStatus(io, statuses, config.json);
      return statuses.every((s) => s.healthy) ? 0 : 1;
    }
    default:
      io.err(action ? `unknown devstack action "${action}"\n` : 'devstack needs an action\n');
      io.err(devstackHelp);
      return 2;
  }
}
