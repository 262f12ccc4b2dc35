import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ELASTICSEARCH_VERSION,
  KAFKA_VERSION,
  defaultDataDir,
  localStatus,
  secretsOf,
  startDevstack,
  stopDetached,
  writeSecurityFile,
  type DevstackSecurity,
  type ServiceStatus,
} from '@skein/devstack';
import { configHelp, field, loadConfig, registerSecret } from '@skein/runtime';
import type { CommandIO } from './io.js';

export const devstackSchema = {
  'kafka.port': field.port(9092, 'Kafka listener on 127.0.0.1 (0 picks a free port)'),
  'elasticsearch.port': field.port(9200, 'Elasticsearch HTTP on 127.0.0.1 (0 picks a free port)'),
  'elasticsearch.heap': field.oneOf(['512m', '768m', '1g'], '512m', 'Elasticsearch JVM heap'),
  'data.dir': field.optionalString(
    'Where the local stack keeps its data (default <cache>/stack, cache = SKEIN_CACHE_DIR or ~/.cache/skein)',
  ),
  secure: field.boolean(
    false,
    'With up: also Kafka SASL_SSL and SSL listeners and Elasticsearch behind an nginx TLS proxy with basic and API key auth; certificates and random credentials are made at start and written to <data.dir>/security.json (mode 0600)',
  ),
  json: field.boolean(false, 'Print machine-readable JSON instead of text'),
};

export const devstackHelp = `skein devstack <up|down|status>: a real Kafka ${KAFKA_VERSION} broker (KRaft) and Elasticsearch ${ELASTICSEARCH_VERSION} on loopback,
installed from Maven Central on first use and cached.

  up       start both in the background and wait until they are healthy
           (--secure: TLS and authentication too, see docs/devstack.md)
  down     stop them (SIGTERM, then SIGKILL after 20 s); no Java or nginx process is left
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

/** The secure endpoints and where their secrets are; the secrets themselves never go to the screen. */
function printSecurity(io: CommandIO, security: DevstackSecurity, file: string): void {
  io.out(
    `Kafka SASL_SSL ${security.kafka.saslSslBrokers.join(',')}  (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512; user ${security.kafka.username})`,
  );
  io.out(`Kafka SSL      ${security.kafka.sslBrokers.join(',')}  (client certificate required)`);
  io.out(
    `Elasticsearch  ${security.elasticsearch.url}  (basic auth user ${security.elasticsearch.username}, or API key)`,
  );
  io.out(`CA             ${security.caFile}`);
  io.out(`client cert    ${security.clientCertFile}, key ${security.clientKeyFile}`);
  io.out(`credentials    ${file}  (passwords and API key; mode 0600)`);
}

export async function devstackCommand(argv: readonly string[], io: CommandIO): Promise<number> {
  const { config, args } = loadConfig(devstackSchema, { argv, env: io.env });
  const dataDir = config['data.dir'] ?? defaultDataDir(io.env);
  const action = args[0];
  switch (action) {
    case 'up': {
      const securityFile = join(dataDir, 'security.json');
      const before = await localStatus(dataDir);
      if (before.every((s) => s.healthy)) {
        const secureRunning = before.some((s) => s.service === 'nginx');
        if (config.secure && !secureRunning) {
          io.err('a devstack without --secure is running; stop it with `skein devstack down` first');
          return 1;
        }
        io.out('devstack already running:');
        printStatus(io, before, config.json);
        if (secureRunning && existsSync(securityFile) && !config.json)
          io.out(`credentials    ${securityFile}`);
        return 0;
      }
      const stack = await startDevstack({
        provider: 'local',
        detached: true,
        dataDir,
        kafkaPort: config['kafka.port'],
        elasticsearchPort: config['elasticsearch.port'],
        elasticsearchHeap: config['elasticsearch.heap'],
        secure: config.secure,
        env: io.env,
        log: (line) => io.err(line),
      });
      const security = stack.security;
      // The generated credentials are secrets of this process from now on: an error it prints is redacted.
      for (const secret of security ? secretsOf(security) : []) registerSecret(secret);
      if (security) await writeSecurityFile(securityFile, security);
      else await rm(securityFile, { force: true });
      if (config.json)
        io.out(
          JSON.stringify({
            kafkaBrokers: stack.kafkaBrokers,
            elasticsearchUrl: stack.elasticsearchUrl,
            dataDir,
            ...(security
              ? {
                  secure: {
                    kafkaSaslSslBrokers: security.kafka.saslSslBrokers,
                    kafkaSslBrokers: security.kafka.sslBrokers,
                    elasticsearchUrl: security.elasticsearch.url,
                    caFile: security.caFile,
                    securityFile,
                  },
                }
              : {}),
          }),
        );
      else {
        io.out(`Kafka          ${stack.kafkaBrokers.join(',')}`);
        io.out(`Elasticsearch  ${stack.elasticsearchUrl}`);
        if (security) printSecurity(io, security, securityFile);
        io.out(`data           ${dataDir}`);
        io.out('stop with: skein devstack down');
      }
      return 0;
    }
    case 'down': {
      const stopped = await stopDetached(dataDir);
      // The credentials die with the stack: the next secure start makes new ones.
      await rm(join(dataDir, 'security.json'), { force: true });
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
