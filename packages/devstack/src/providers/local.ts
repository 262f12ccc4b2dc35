import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DevstackError } from '../errors.js';
import { elasticsearchHealthy, installElasticsearch, startElasticsearchNode } from '../elasticsearch.js';
import { findJava } from '../java.js';
import { installKafka, kafkaHealthy, startKafkaNode } from '../kafka.js';
import { cacheDir, scratchDir } from '../paths.js';
import { freePort, isPortFree } from '../ports.js';
import { groupAlive, readRecord, reapOrphans, stopGroup, type ManagedProcess } from '../process.js';
import type { Devstack, DevstackOptions } from '../types.js';
import { ELASTICSEARCH_VERSION, KAFKA_VERSION } from '../versions.js';

/** The long-lived local stack's data directory (`skein devstack up`, `skein up`). */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheDir(env), 'stack');
}

async function choosePort(requested: number | undefined, fallback: number, what: string): Promise<number> {
  const port = requested ?? fallback;
  if (port === 0) return freePort();
  if (!(await isPortFree(port))) {
    throw new DevstackError(
      'DEVSTACK_PORT_BUSY',
      `Port ${port} for ${what} is in use. Stop what holds it (\`skein devstack status\` shows a stack of ours) or choose another port.`,
    );
  }
  return port;
}

/** Directories on the path to an Elasticsearch instance must be traversable by the `nobody` user it may run as. */
async function mkdirOpen(path: string): Promise<void> {
  await mkdir(path, { recursive: true });
  await chmod(path, 0o755);
}

/** Installs (cached) and starts Kafka and Elasticsearch as child processes on loopback. */
export async function startLocal(options: DevstackOptions): Promise<Devstack> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => undefined);
  const cache = cacheDir(env);
  const scratch = scratchDir(env);
  await mkdirOpen(cache);
  await mkdirOpen(scratch);
  const reaped = await reapOrphans(scratch);
  if (reaped > 0) log(`stopped ${reaped} orphaned devstack instance(s) left by a run that died`);

  const java = await findJava(env);
  const started = Date.now();
  log(
    `installing Kafka ${KAFKA_VERSION} and Elasticsearch ${ELASTICSEARCH_VERSION} into ${cache} (cached after the first run)`,
  );
  const [classpath, esHome] = await Promise.all([
    installKafka(cache, env),
    installElasticsearch(cache, java, env),
  ]);
  log(`installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const kafkaPort = await choosePort(options.kafkaPort, 9092, 'Kafka');
  const esPort = await choosePort(options.elasticsearchPort, 9200, 'Elasticsearch');
  const [controllerPort, transportPort] = await Promise.all([freePort(), freePort()]);

  const ephemeral = options.dataDir === undefined;
  const root = options.dataDir ?? (await mkdtemp(join(scratch, `${process.pid}-`)));
  await mkdirOpen(root);
  const ownerPid = options.detached ? null : process.pid;
  const heap = options.elasticsearchHeap ?? '512m';
  if (!/^(512m|[5-9]\d\dm|10[0-1]\dm|102[0-4]m|1g)$/.test(heap)) {
    throw new DevstackError('DEVSTACK_CONFIG_INVALID', `Elasticsearch heap ${heap} is outside 512m–1g`);
  }

  const running: ManagedProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(running.map((p) => stopGroup(p.pgid)));
    if (ephemeral) await rm(root, { recursive: true, force: true });
  };
  const t0 = Date.now();
  log(`starting Kafka on 127.0.0.1:${kafkaPort} and Elasticsearch on 127.0.0.1:${esPort}`);
  const results = await Promise.allSettled([
    startKafkaNode(java, classpath, {
      dir: join(root, 'kafka'),
      port: kafkaPort,
      controllerPort,
      ownerPid,
    }).then((p) => (running.push(p), p)),
    mkdirOpen(join(root, 'elasticsearch')).then(() =>
      startElasticsearchNode(java, esHome, {
        dir: join(root, 'elasticsearch'),
        port: esPort,
        transportPort,
        heap,
        ownerPid,
      }).then((p) => (running.push(p), p)),
    ),
  ]);
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) {
    await stop();
    throw failure.reason;
  }
  log(`healthy in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return {
    provider: 'local',
    kafkaBrokers: [`127.0.0.1:${kafkaPort}`],
    elasticsearchUrl: `http://127.0.0.1:${esPort}`,
    stop,
  };
}

export interface ServiceStatus {
  service: 'kafka' | 'elasticsearch';
  running: boolean;
  healthy: boolean;
  endpoint: string | undefined;
  logFile: string | undefined;
}

/** What a detached local stack in `dataDir` is doing. */
export async function localStatus(dataDir: string): Promise<ServiceStatus[]> {
  const out: ServiceStatus[] = [];
  for (const service of ['kafka', 'elasticsearch'] as const) {
    const record = await readRecord(join(dataDir, service));
    const running = record !== undefined && groupAlive(record.pgid);
    let healthy = false;
    let endpoint: string | undefined;
    if (record) {
      endpoint = service === 'kafka' ? `127.0.0.1:${record.port}` : `http://127.0.0.1:${record.port}`;
      if (running) {
        healthy =
          service === 'kafka'
            ? await kafkaHealthy([endpoint])
            : await elasticsearchHealthy(endpoint).catch(() => false);
      }
    }
    out.push({ service, running, healthy, endpoint, logFile: record?.logFile });
  }
  return out;
}

/** Stops a detached local stack; returns how many services were running. */
export async function stopDetached(dataDir: string): Promise<number> {
  let stopped = 0;
  await Promise.all(
    (['kafka', 'elasticsearch'] as const).map(async (service) => {
      const record = await readRecord(join(dataDir, service));
      if (record && groupAlive(record.pgid)) {
        await stopGroup(record.pgid);
        stopped++;
      }
    }),
  );
  return stopped;
}

export interface KafkaOnly {
  brokers: string[];
  port: number;
  dataDir: string;
  /** Stops the broker; its data stays in dataDir, so startKafka with the same port and dataDir resumes it. */
  stop(): Promise<void>;
}

/**
 * A Kafka broker of its own (no Elasticsearch), for tests that stop and restart the broker under a running
 * client. Port 0 picks a free port; without dataDir a scratch directory is used (kept until the caller removes it).
 */
export async function startKafka(
  options: { port?: number; dataDir?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<KafkaOnly> {
  const env = options.env ?? process.env;
  const cache = cacheDir(env);
  const scratch = scratchDir(env);
  await mkdirOpen(cache);
  await mkdirOpen(scratch);
  const java = await findJava(env);
  const classpath = await installKafka(cache, env);
  const port = await choosePort(options.port ?? 0, 0, 'Kafka');
  const dataDir = options.dataDir ?? (await mkdtemp(join(scratch, `${process.pid}-kafka-`)));
  // A restarted broker keeps its controller port: the KRaft quorum was formed on it.
  const portFile = join(dataDir, 'controller-port');
  const controllerPort = existsSync(portFile) ? Number(await readFile(portFile, 'utf8')) : await freePort();
  await mkdir(dataDir, { recursive: true });
  await writeFile(portFile, String(controllerPort));
  const proc = await startKafkaNode(java, classpath, {
    dir: dataDir,
    port,
    controllerPort,
    ownerPid: process.pid,
  });
  return { brokers: [`127.0.0.1:${port}`], port, dataDir, stop: () => stopGroup(proc.pgid) };
}

export interface ElasticsearchOnly {
  url: string;
  port: number;
  dataDir: string;
  /** Stops the node; its data stays in dataDir, so startElasticsearch with the same port and dataDir resumes it. */
  stop(): Promise<void>;
}

/** An Elasticsearch node of its own (no Kafka), for tests that stop and restart it under a running client. */
export async function startElasticsearch(
  options: { port?: number; dataDir?: string; heap?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<ElasticsearchOnly> {
  const env = options.env ?? process.env;
  const cache = cacheDir(env);
  const scratch = scratchDir(env);
  await mkdirOpen(cache);
  await mkdirOpen(scratch);
  const java = await findJava(env);
  const home = await installElasticsearch(cache, java, env);
  const port = await choosePort(options.port ?? 0, 0, 'Elasticsearch');
  const dataDir = options.dataDir ?? (await mkdtemp(join(scratch, `${process.pid}-es-`)));
  await mkdirOpen(dataDir);
  // A restarted node keeps its transport port, as a real node would.
  const portFile = join(dataDir, 'transport-port');
  const transportPort = existsSync(portFile) ? Number(await readFile(portFile, 'utf8')) : await freePort();
  await writeFile(portFile, String(transportPort));
  const proc = await startElasticsearchNode(java, home, {
    dir: dataDir,
    port,
    transportPort,
    heap: options.heap ?? '512m',
    ownerPid: process.pid,
  });
  return { url: `http://127.0.0.1:${port}`, port, dataDir, stop: () => stopGroup(proc.pgid) };
}
