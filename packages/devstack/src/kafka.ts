import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { DevstackError } from './errors.js';
import type { JavaRuntime } from './java.js';
import { resolveInto } from './maven.js';
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

export interface KafkaNodeOptions {
  /** Directory for config, data and log of this broker. */
  dir: string;
  port: number;
  controllerPort: number;
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

function serverProperties(options: KafkaNodeOptions): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${options.controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${options.port},CONTROLLER://127.0.0.1:${options.controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${options.port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
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
  await writeFile(properties, serverProperties(options));
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

  if (!existsSync(join(options.dir, 'data', 'meta.properties'))) {
    try {
      await run(
        java.bin,
        [...jvm, '-cp', cp, 'kafka.tools.StorageTool', 'format', '-t', clusterId(), '-c', properties],
        {
          cwd: options.dir,
        },
      );
    } catch (err) {
      const detail = String((err as { stderr?: string }).stderr ?? (err as Error).message).slice(-1500);
      throw new DevstackError(
        'DEVSTACK_INSTALL_FAILED',
        `Formatting Kafka storage in ${options.dir} failed: ${detail}`,
        {
          cause: err,
        },
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
  } catch (err) {
    await stopGroup(proc.pgid, 5_000);
    throw err;
  }
  return proc;
}
