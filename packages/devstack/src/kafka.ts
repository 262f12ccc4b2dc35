import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { DevstackError } from './errors.js';
import type { JavaRuntime } from './java.js';
import { resolveInto } from './maven.js';
import type { Certificates } from './tls.js';
import { upsertScramCredentials } from './scram.js';
import { scrubSecrets, writePrivateFile } from './security.js';
import { launch, stopGroup, waitUntil, writeRecord, type ManagedProcess } from './process.js';
import { KAFKA_SCALA_ARTIFACT, KAFKA_VERSION, LOG4J_VERSION } from './versions.js';

const run = promisify(execFile);

/** Downloads (once) the broker and its runtime dependencies; returns the classpath entries. */
export async function installKafka(cache: string, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const [groupId, artifactId] = KAFKA_SCALA_ARTIFACT.split(':') as [string, string];
  return resolveInto(
    join(cache, 'dist', `kafka-${KAFKA_VERSION}`),
    [
      { groupId, artifactId, version: KAFKA_VERSION },
      { groupId: 'org.apache.logging.log4j', artifactId: 'log4j-core', version: LOG4J_VERSION },
      { groupId: 'org.apache.logging.log4j', artifactId: 'log4j-slf4j-impl', version: LOG4J_VERSION },
    ],
    env,
  );
}

/** Extra listeners on 127.0.0.1 that need TLS: one with SASL, one with client certificates. */
export interface KafkaSecureListeners {
  /** SASL_SSL listener: PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512, each accepting `username`/`password`. */
  saslSslPort: number;
  /** SSL listener that requires a client certificate signed by `certs.caFile`. */
  sslPort: number;
  certs: Certificates;
  username: string;
  password: string;
}

export interface KafkaNodeOptions {
  /** Directory for config, data and log of this broker. */
  dir: string;
  /** The PLAINTEXT listener, which inter-broker traffic and the health check use. */
  port: number;
  controllerPort: number;
  secure?: KafkaSecureListeners;
  heap?: string;
  startTimeoutMs?: number;
  /** Owner of a throw-away instance (reaped if it dies); null for the long-lived local stack. */
  ownerPid: number | null;
}

const LOG4J2 = `status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.stdout.ref = STDOUT
logger.state.name = state.change.logger
logger.state.level = warn
logger.request.name = kafka.request.logger
logger.request.level = warn
`;

const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
const SCRAM_MECHANISMS = ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;

/**
 * Credentials end up inside JAAS strings and the storage tool's `[name=…,password=…]` syntax, neither of which
 * has a reliable escape, so only characters that need none are accepted.
 */
function checkCredential(what: string, value: string): void {
  if (!/^[A-Za-z0-9._~-]+$/.test(value)) {
    throw new DevstackError(
      'DEVSTACK_CONFIG_INVALID',
      `The Kafka SASL ${what} may only contain letters, digits and . _ ~ - (got ${what === 'password' ? 'another character' : JSON.stringify(value)})`,
    );
  }
}

function secureProperties(secure: KafkaSecureListeners): string[] {
  const { certs, username, password } = secure;
  const scramModule = 'org.apache.kafka.common.security.scram.ScramLoginModule required;';
  return [
    // Kafka's PEM keystore takes the unencrypted PKCS#8 key as it is; no key password, no JKS.
    'ssl.keystore.type=PEM',
    `ssl.keystore.location=${certs.serverPemFile}`,
    'ssl.truststore.type=PEM',
    `ssl.truststore.location=${certs.caFile}`,
    // Client certificates are demanded on the SSL listener only; SASL_SSL clients authenticate with SASL.
    'listener.name.ssl.ssl.client.auth=required',
    `listener.name.sasl_ssl.sasl.enabled.mechanisms=${SASL_MECHANISMS.join(',')}`,
    `listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_${username}="${password}";`,
    ...SCRAM_MECHANISMS.map(
      (m) => `listener.name.sasl_ssl.${m.toLowerCase()}.sasl.jaas.config=${scramModule}`,
    ),
  ];
}

function serverProperties(options: KafkaNodeOptions): string {
  const { port, controllerPort, secure } = options;
  const listeners = [`PLAINTEXT://127.0.0.1:${port}`];
  const protocols = ['PLAINTEXT:PLAINTEXT', 'CONTROLLER:PLAINTEXT'];
  if (secure) {
    listeners.push(`SASL_SSL://127.0.0.1:${secure.saslSslPort}`, `SSL://127.0.0.1:${secure.sslPort}`);
    protocols.push('SASL_SSL:SASL_SSL', 'SSL:SSL');
  }
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=${[...listeners, `CONTROLLER://127.0.0.1:${controllerPort}`].join(',')}`,
    `advertised.listeners=${listeners.join(',')}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    `listener.security.protocol.map=${protocols.join(',')}`,
    ...(secure ? secureProperties(secure) : []),
    `log.dirs=${join(options.dir, 'data')}`,
    'num.partitions=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=10',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    // A single local node: rebalance at once instead of waiting for more members to join.
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=true',
    'delete.topic.enable=true',
    '',
  ].join('\n');
}

/**
 * Runs a Kafka tool with its arguments in a Java argument file (mode 0600, removed afterwards), so passwords
 * among them never show in the process list the way command-line arguments do.
 */
async function runKafkaTool(
  java: JavaRuntime,
  jvm: readonly string[],
  classpath: string,
  mainClass: string,
  args: readonly string[],
  dir: string,
): Promise<void> {
  const argFile = join(dir, 'config', `${mainClass.split('.').pop() ?? 'tool'}.args`);
  const quote = (arg: string): string => `"${arg.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  await writePrivateFile(argFile, [...jvm, '-cp', classpath, mainClass, ...args].map(quote).join('\n'));
  try {
    await run(java.bin, [`@${argFile}`], { cwd: dir, maxBuffer: 16 * 1024 * 1024 });
  } finally {
    await rm(argFile, { force: true });
  }
}

/** `--add-scram` values of the storage tool, one per SCRAM mechanism. */
function scramCredentials(secure: KafkaSecureListeners): string[] {
  return SCRAM_MECHANISMS.map((m) => `${m}=[name=${secure.username},password=${secure.password}]`);
}

/**
 * Kafka's cluster ID format: 16 random bytes, URL-safe base64 without padding. An ID that starts with
 * '-' would be read as an option by the storage tool (as Kafka's own generator also avoids), so draw again.
 */
export function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** Whether the broker answers metadata requests with itself registered and a controller elected. */
export async function kafkaHealthy(brokers: string[]): Promise<boolean> {
  const kafka = new Kafka({
    clientId: 'skein-devstack-health',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 2000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 && cluster.controller !== null && cluster.controller >= 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Formats storage (first start only) and starts a combined broker+controller in KRaft mode. */
export async function startKafkaNode(
  java: JavaRuntime,
  classpath: string[],
  options: KafkaNodeOptions,
): Promise<ManagedProcess> {
  const configDir = join(options.dir, 'config');
  await mkdir(configDir, { recursive: true });
  await mkdir(join(options.dir, 'data'), { recursive: true });
  const properties = join(configDir, 'server.properties');
  const log4j = join(configDir, 'log4j2.properties');
  if (options.secure) {
    checkCredential('username', options.secure.username);
    checkCredential('password', options.secure.password);
  }
  // With secure listeners the file holds the PLAIN password: readable by its owner only.
  await writePrivateFile(properties, serverProperties(options));
  await writeFile(log4j, LOG4J2);
  const cp = classpath.join(':');
  const logFile = join(options.dir, 'kafka.log');
  const jvm = [
    `-Xms${options.heap ?? '256m'}`,
    `-Xmx${options.heap ?? '512m'}`,
    '-XX:+UseG1GC',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${log4j}`,
  ];

  const formatted = existsSync(join(options.dir, 'data', 'meta.properties'));
  if (!formatted) {
    // SCRAM credentials live in the metadata log; the first format writes them at no extra cost.
    const scram = options.secure ? scramCredentials(options.secure).flatMap((c) => ['--add-scram', c]) : [];
    try {
      await runKafkaTool(
        java,
        jvm,
        cp,
        'kafka.tools.StorageTool',
        ['format', '-t', clusterId(), '-c', properties, ...scram],
        options.dir,
      );
    } catch (err) {
      // The tool may echo its arguments (the SCRAM passwords among them): none reaches the message, and the
      // raw error, which holds its whole output, is not passed on as the cause.
      const secrets = options.secure ? [options.secure.password] : [];
      const output = String((err as { stderr?: string }).stderr || (err as Error).message);
      throw new DevstackError(
        'DEVSTACK_INSTALL_FAILED',
        `Formatting Kafka storage in ${options.dir} failed: ${scrubSecrets(output, secrets).slice(-1500)}`,
      );
    }
  }

  const proc = launch({
    command: java.bin,
    args: [...jvm, '-cp', cp, 'kafka.Kafka', properties],
    env: { ...process.env, JAVA_HOME: java.home },
    cwd: options.dir,
    logFile,
  });
  await writeRecord(options.dir, {
    service: 'kafka',
    pgid: proc.pgid,
    ownerPid: options.ownerPid,
    port: options.port,
    logFile,
  });
  try {
    await waitUntil(() => kafkaHealthy([`127.0.0.1:${options.port}`]), {
      what: `Kafka ${KAFKA_VERSION} on 127.0.0.1:${options.port}`,
      timeoutMs: options.startTimeoutMs ?? 90_000,
      logFile,
      exited: proc.exited,
    });
    // Storage formatted before (a restarted stack) keeps whatever SCRAM users it had: set ours now.
    if (options.secure && formatted)
      await upsertScramCredentials(
        `127.0.0.1:${options.port}`,
        options.secure.username,
        options.secure.password,
      );
  } catch (err) {
    await stopGroup(proc.pgid, 5_000);
    throw err;
  }
  return proc;
}
