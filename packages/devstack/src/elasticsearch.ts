import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, cp, mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { DevstackError } from './errors.js';
import type { JavaRuntime } from './java.js';
import { resolveInto } from './maven.js';
import { isRoot } from './paths.js';
import { launch, stopGroup, waitUntil, writeRecord, type ManagedProcess } from './process.js';
import { ELASTICSEARCH_ARTIFACT, ELASTICSEARCH_VERSION } from './versions.js';

const run = promisify(execFile);

/** Elasticsearch refuses to run as root; as root we start it as `nobody`. */
const NOBODY = 65534;

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, command)));
}

async function chownTree(path: string, uid: number, gid: number): Promise<void> {
  await chown(path, uid, gid);
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) await chownTree(child, uid, gid);
    else await chown(child, uid, gid);
  }
}

/** As root, Elasticsearch runs as `nobody`, who must be able to walk down to its directories. */
async function assertTraversable(dir: string): Promise<void> {
  for (let path = dirname(dir); path !== dirname(path); path = dirname(path)) {
    const mode = (await stat(path)).mode;
    if ((mode & 0o001) === 0) {
      throw new DevstackError(
        'DEVSTACK_CONFIG_INVALID',
        `Elasticsearch must run as an unprivileged user (we are root), and that user cannot enter ${path} on the way to ${dir}. ` +
          'Choose a data/cache directory whose parents are world-executable (e.g. under /var/cache or /tmp), or run as a normal user.',
      );
    }
  }
}

/** Downloads (once) and unpacks the integ-test-zip distribution; returns its home directory. */
export async function installElasticsearch(
  cache: string,
  java: JavaRuntime,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const home = join(cache, 'dist', `elasticsearch-${ELASTICSEARCH_VERSION}`);
  if (existsSync(join(home, 'bin', 'elasticsearch'))) return home;
  const [groupId, artifactId] = ELASTICSEARCH_ARTIFACT.split(':') as [string, string];
  const files = await resolveInto(
    join(cache, 'dist', `elasticsearch-${ELASTICSEARCH_VERSION}-zip`),
    [{ groupId, artifactId, version: ELASTICSEARCH_VERSION, type: 'zip' }],
    env,
  );
  const zip = files.find((f) => f.endsWith('.zip'));
  if (!zip)
    throw new DevstackError(
      'DEVSTACK_INSTALL_FAILED',
      `Maven returned no Elasticsearch zip: ${files.join(', ')}`,
    );
  const work = await mkdtemp(`${home}.partial-`);
  try {
    // unzip keeps file modes; the JDK's jar tool is the fallback that every Java install has.
    if (onPath('unzip')) await run('unzip', ['-q', zip, '-d', work]);
    else await run(join(java.home, 'bin', 'jar'), ['xf', zip], { cwd: work });
    const unpacked = join(work, `elasticsearch-${ELASTICSEARCH_VERSION}`);
    for (const name of await readdir(join(unpacked, 'bin'))) await chmod(join(unpacked, 'bin', name), 0o755);
    await run('chmod', ['-R', 'a+rX', unpacked]);
    try {
      await rename(unpacked, home);
    } catch (err) {
      if (!existsSync(home)) throw err;
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return home;
}

export interface ElasticsearchNodeOptions {
  dir: string;
  port: number;
  transportPort: number;
  /** JVM heap, bounded by the devstack to 512m–1g. */
  heap?: string;
  startTimeoutMs?: number;
  /** Owner of a throw-away instance (reaped if it dies); null for the long-lived local stack. */
  ownerPid: number | null;
}

export async function elasticsearchHealthy(url: string): Promise<boolean> {
  const response = await fetch(`${url}/_cluster/health`, { signal: AbortSignal.timeout(2000) });
  if (!response.ok) return false;
  const body = (await response.json()) as { status?: string };
  return body.status === 'green' || body.status === 'yellow';
}

/** Starts a single-node, loopback-only Elasticsearch with security off and bounded heap. */
export async function startElasticsearchNode(
  java: JavaRuntime,
  home: string,
  options: ElasticsearchNodeOptions,
): Promise<ManagedProcess> {
  const configDir = join(options.dir, 'config');
  if (!existsSync(configDir)) await cp(join(home, 'config'), configDir, { recursive: true });
  for (const sub of ['data', 'logs', 'tmp']) await mkdir(join(options.dir, sub), { recursive: true });
  const asNobody = isRoot();
  if (asNobody) {
    await assertTraversable(options.dir);
    await assertTraversable(home);
    await chownTree(options.dir, NOBODY, NOBODY);
  }
  const logFile = join(options.dir, 'elasticsearch.log');
  const heap = options.heap ?? '512m';
  const settings: Record<string, string | number | boolean> = {
    'cluster.name': 'skein-devstack',
    'node.name': 'skein',
    'discovery.type': 'single-node',
    'network.host': '127.0.0.1',
    'http.port': options.port,
    'transport.port': options.transportPort,
    'path.data': join(options.dir, 'data'),
    'path.logs': join(options.dir, 'logs'),
    'xpack.security.enabled': false,
    // A developer's nearly full disk must not flip indices to read-only mid-test.
    'cluster.routing.allocation.disk.threshold_enabled': false,
    'action.destructive_requires_name': false,
  };
  const proc = launch({
    command: join(home, 'bin', 'elasticsearch'),
    args: Object.entries(settings).map(([k, v]) => `-E${k}=${v}`),
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: options.dir,
      ES_JAVA_HOME: java.home,
      ES_PATH_CONF: configDir,
      ES_TMPDIR: join(options.dir, 'tmp'),
      ES_JAVA_OPTS: `-Xms${heap} -Xmx${heap}`,
    },
    cwd: options.dir,
    logFile,
    ...(asNobody ? { uid: NOBODY, gid: NOBODY } : {}),
  });
  await writeRecord(options.dir, {
    service: 'elasticsearch',
    pgid: proc.pgid,
    ownerPid: options.ownerPid,
    port: options.port,
    logFile,
  });
  try {
    await waitUntil(() => elasticsearchHealthy(`http://127.0.0.1:${options.port}`), {
      what: `Elasticsearch ${ELASTICSEARCH_VERSION} on 127.0.0.1:${options.port}`,
      timeoutMs: options.startTimeoutMs ?? 120_000,
      logFile,
      exited: proc.exited,
    });
  } catch (err) {
    await stopGroup(proc.pgid, 5_000);
    throw err;
  }
  return proc;
}
