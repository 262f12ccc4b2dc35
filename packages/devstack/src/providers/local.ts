import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DevstackError } from '../errors.js';
import { elasticsearchHealthy, installElasticsearch, startElasticsearchNode } from '../elasticsearch.js';
import { findJava } from '../java.js';
import { installKafka, kafkaHealthy, startKafkaNode, type KafkaSecureListeners } from '../kafka.js';
import { ensureNginx, proxyAnswers, startElasticsearchProxy } from '../nginx.js';
import { cacheDir, scratchDir } from '../paths.js';
import { freePort, isPortFree } from '../ports.js';
import { groupAlive, readRecord, reapOrphans, stopGroup } from '../process.js';
import { generateCredentials, scrubError, secretsOf } from '../security.js';
import { generateCertificates } from '../tls.js';
import type { Devstack, DevstackOptions, DevstackSecurity } from '../types.js';
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

const seconds = (since: number): string => `${((Date.now() - since) / 1000).toFixed(1)} s`;

/**
 * Installs (cached) and starts Kafka and Elasticsearch as child processes on loopback; with `secure`, also
 * Kafka's SASL_SSL and SSL listeners and an nginx TLS proxy with authentication in front of Elasticsearch.
 */
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

  /** Process groups to stop, in no particular order: each service stops on its own. */
  const running: number[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(running.map((pgid) => stopGroup(pgid)));
    if (ephemeral) await rm(root, { recursive: true, force: true });
  };

  // Secure mode: certificates and credentials before Kafka starts (it needs them); nginx is found or
  // installed while Kafka and Elasticsearch start, and the proxy starts once Elasticsearch is healthy.
  let secure: (KafkaSecureListeners & { apiKey: string }) | undefined;
  let nginx: Promise<string> | undefined;
  let secureMs = 0;
  if (options.secure) {
    const t = Date.now();
    nginx = ensureNginx(log, env);
    nginx.catch(() => undefined); // Awaited below; a failure must not go unhandled meanwhile.
    const tlsDir = join(root, 'tls');
    // The CA key and the client key sit here: only this user enters.
    await mkdir(tlsDir, { recursive: true, mode: 0o700 });
    await chmod(tlsDir, 0o700);
    const certs = await generateCertificates(tlsDir);
    const fixed = options.kafkaPort !== 0;
    const [saslSslPort, sslPort] = await Promise.all([
      choosePort(fixed ? kafkaPort + 2 : 0, 0, 'Kafka SASL_SSL'),
      choosePort(fixed ? kafkaPort + 1 : 0, 0, 'Kafka SSL'),
    ]);
    secure = { saslSslPort, sslPort, certs, ...generateCredentials() };
    secureMs += Date.now() - t;
    log(`certificates and credentials for secure mode in ${seconds(t)}`);
  }
  const proxyPort = secure
    ? await choosePort(options.elasticsearchPort === 0 ? 0 : 9243, 0, 'the Elasticsearch TLS proxy')
    : 0;

  const t0 = Date.now();
  log(`starting Kafka on 127.0.0.1:${kafkaPort} and Elasticsearch on 127.0.0.1:${esPort}`);
  let proxyUrl: string | undefined;
  const results = await Promise.allSettled([
    startKafkaNode(java, classpath, {
      dir: join(root, 'kafka'),
      port: kafkaPort,
      controllerPort,
      ownerPid,
      ...(secure ? { secure } : {}),
    }).then((p) => running.push(p.pgid)),
    mkdirOpen(join(root, 'elasticsearch'))
      .then(() =>
        startElasticsearchNode(java, esHome, {
          dir: join(root, 'elasticsearch'),
          port: esPort,
          transportPort,
          heap,
          ownerPid,
        }),
      )
      .then(async (p) => {
        running.push(p.pgid);
        if (!secure || !nginx) return;
        const t = Date.now();
        const proxy = await startElasticsearchProxy({
          dir: join(root, 'nginx'),
          upstream: `http://127.0.0.1:${esPort}`,
          certs: secure.certs,
          username: secure.username,
          password: secure.password,
          apiKey: secure.apiKey,
          port: proxyPort,
          nginx: await nginx,
          ownerPid,
          log,
        });
        running.push(proxy.pgid);
        proxyUrl = proxy.url;
        secureMs += Date.now() - t;
        log(`nginx TLS proxy for Elasticsearch on ${proxy.url} in ${seconds(t)}`);
      }),
  ]);
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) {
    await stop();
    // Whatever a tool or log put in the message, the generated credentials do not leave with it.
    throw secure ? scrubError(failure.reason, secretsOf(secure)) : failure.reason;
  }
  log(`healthy in ${seconds(t0)}`);
  let security: DevstackSecurity | undefined;
  if (secure && proxyUrl) {
    log(`secure mode added ${(secureMs / 1000).toFixed(1)} s to the start`);
    security = {
      caFile: secure.certs.caFile,
      clientCertFile: secure.certs.clientCertFile,
      clientKeyFile: secure.certs.clientKeyFile,
      kafka: {
        saslSslBrokers: [`127.0.0.1:${secure.saslSslPort}`],
        sslBrokers: [`127.0.0.1:${secure.sslPort}`],
        username: secure.username,
        password: secure.password,
      },
      elasticsearch: {
        url: proxyUrl,
        username: secure.username,
        password: secure.password,
        apiKey: secure.apiKey,
      },
    };
  }
  return {
    provider: 'local',
    kafkaBrokers: [`127.0.0.1:${kafkaPort}`],
    elasticsearchUrl: `http://127.0.0.1:${esPort}`,
    ...(security ? { security } : {}),
    stop,
  };
}

export interface ServiceStatus {
  /** `nginx` is the TLS proxy in front of Elasticsearch, listed only for a stack started with `secure`. */
  service: 'kafka' | 'elasticsearch' | 'nginx';
  running: boolean;
  healthy: boolean;
  endpoint: string | undefined;
  logFile: string | undefined;
}

const SERVICES = ['kafka', 'elasticsearch', 'nginx'] as const;

/** What a detached local stack in `dataDir` is doing. */
export async function localStatus(dataDir: string): Promise<ServiceStatus[]> {
  const out: ServiceStatus[] = [];
  for (const service of SERVICES) {
    const record = await readRecord(join(dataDir, service));
    if (service === 'nginx' && record === undefined) continue;
    const running = record !== undefined && groupAlive(record.pgid);
    let healthy = false;
    let endpoint: string | undefined;
    if (record) {
      endpoint =
        service === 'kafka'
          ? `127.0.0.1:${record.port}`
          : `${service === 'nginx' ? 'https' : 'http'}://127.0.0.1:${record.port}`;
      if (running) {
        if (service === 'kafka') healthy = await kafkaHealthy([endpoint]);
        else if (service === 'elasticsearch')
          healthy = await elasticsearchHealthy(endpoint).catch(() => false);
        // Without credentials the proxy answers 401: it is up, has its certificate and checks auth.
        else healthy = (await proxyAnswers(endpoint, join(dataDir, 'tls', 'ca.crt'))) === 401;
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
    SERVICES.map(async (service) => {
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
