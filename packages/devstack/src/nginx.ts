// An nginx in front of the devstack's Elasticsearch that adds what the integ-test distribution cannot: TLS and
// authentication (basic or API key), answered the way Elasticsearch's security module answers.
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { DevstackError } from './errors.js';
import { isRoot } from './paths.js';
import { freePort } from './ports.js';
import { launch, stopGroup, waitUntil, writeRecord } from './process.js';
import { scrubSecrets, secretsOf, writePrivateFile } from './security.js';
import type { Certificates } from './tls.js';

const run = promisify(execFile);

const CANDIDATES = [
  '/usr/sbin/nginx',
  '/usr/local/sbin/nginx',
  '/usr/local/nginx/sbin/nginx',
  '/usr/bin/nginx',
];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findNginx(env: NodeJS.ProcessEnv): string | undefined {
  const onPath = (env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, 'nginx'));
  return [...CANDIDATES, ...onPath].find(executable);
}

/** Whether apt has an installation candidate for the package (false before the first `apt-get update`). */
async function aptKnows(pkg: string): Promise<boolean> {
  try {
    const { stdout } = await run('apt-cache', ['policy', pkg]);
    const candidate = /Candidate:\s*(\S+)/.exec(stdout)?.[1];
    return candidate !== undefined && candidate !== '(none)';
  } catch {
    return false;
  }
}

async function aptGet(log: (line: string) => void, args: string[]): Promise<void> {
  // Another apt-get (say, unattended upgrades) may hold the lock for a while: wait for it rather than fail.
  const full = ['-o', 'DPkg::Lock::Timeout=300', ...args];
  log(`running: apt-get ${full.join(' ')}`);
  try {
    await run('apt-get', full, {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new DevstackError(
      'DEVSTACK_INSTALL_FAILED',
      `apt-get ${args.join(' ')} failed: ${(e.stderr || e.stdout || e.message).trim().slice(-1500)}`,
      { cause: err },
    );
  }
}

const POLICY_RC = '/usr/sbin/policy-rc.d';

/**
 * Debian's package starts the system nginx on port 80 right after unpacking, which fails the install when
 * the port is taken and otherwise leaves a service running that nobody asked for. A policy-rc.d that says
 * "no" (exit 101) for the length of the install stops that; one that already exists is left as it is.
 */
async function withoutServiceStarts<T>(work: () => Promise<T>): Promise<T> {
  if (existsSync(POLICY_RC)) return work();
  await writeFile(
    POLICY_RC,
    '#!/bin/sh\n# skein devstack: no service starts while apt installs nginx\nexit 101\n',
    {
      mode: 0o755,
    },
  );
  try {
    return await work();
  } finally {
    await rm(POLICY_RC, { force: true });
  }
}

/**
 * The path of an nginx to run: SKEIN_NGINX, else one installed (/usr/sbin/nginx, PATH), else, on Debian or
 * Ubuntu as root, Debian's `nginx` package installed with apt-get (its system service is not started).
 */
export async function ensureNginx(
  log: (line: string) => void = () => undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const configured = env.SKEIN_NGINX;
  if (configured !== undefined && configured !== '') {
    if (!executable(configured)) {
      throw new DevstackError(
        'DEVSTACK_NGINX_MISSING',
        `SKEIN_NGINX=${configured} is not an executable file`,
      );
    }
    return configured;
  }
  const existing = findNginx(env);
  if (existing !== undefined) return existing;
  const apt = executable('/usr/bin/apt-get') && executable('/usr/bin/apt-cache');
  if (process.platform !== 'linux' || !apt || !isRoot()) {
    throw new DevstackError(
      'DEVSTACK_NGINX_MISSING',
      'The secure devstack puts nginx in front of Elasticsearch (TLS and authentication) and no nginx was found at ' +
        `${CANDIDATES.join(', ')} or on PATH. Install it (Debian/Ubuntu: \`sudo apt-get install -y nginx\`, ` +
        'Fedora: `sudo dnf install nginx`, macOS: `brew install nginx`) or set SKEIN_NGINX to an nginx executable.',
    );
  }
  const started = Date.now();
  log('no nginx found; installing Debian\'s "nginx" package');
  if (!(await aptKnows('nginx'))) await aptGet(log, ['update', '-q']);
  await withoutServiceStarts(() => aptGet(log, ['install', '-y', '-q', '--no-install-recommends', 'nginx']));
  const installed = findNginx(env);
  if (installed === undefined) {
    throw new DevstackError(
      'DEVSTACK_NGINX_MISSING',
      'apt-get installed "nginx", yet no nginx executable appeared',
    );
  }
  log(`installed ${installed} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return installed;
}

export interface ElasticsearchProxyOptions {
  /** Directory for the proxy's config, pid file, logs and temp files. */
  dir: string;
  /** Elasticsearch's plain HTTP base URL, e.g. `http://127.0.0.1:9200`. */
  upstream: string;
  /** The server certificate and key it presents. */
  certs: Certificates;
  username: string;
  password: string;
  /** base64 of `id:secret`, accepted as `Authorization: ApiKey <apiKey>`. */
  apiKey: string;
  /** Port on 127.0.0.1; 0 or absent picks a free one. */
  port?: number;
  /** The nginx executable; ensureNginx() finds (or installs) one when absent. */
  nginx?: string;
  /** Owner of a throw-away instance (reaped if it dies); null for the long-lived local stack. Default: this process. */
  ownerPid?: number | null;
  startTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface ElasticsearchProxy {
  /** `https://127.0.0.1:port`. */
  url: string;
  port: number;
  pgid: number;
  logFile: string;
  stop(): Promise<void>;
}

/** The name of the user or group with this id in an /etc/passwd-style file, if there is one. */
function nameOf(file: string, id: number): string | undefined {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .map((line) => line.split(':'))
      .find((fields) => fields[2] === String(id))?.[0];
  } catch {
    return undefined;
  }
}

/**
 * nginx started as root drops its workers to `nobody:nobody` by default, and Debian has no group `nobody`:
 * name the unprivileged user and group explicitly.
 */
function workerUser(): string | undefined {
  if (!isRoot()) return undefined;
  const user = nameOf('/etc/passwd', 65534) ?? 'nobody';
  const group = nameOf('/etc/group', 65534) ?? 'nogroup';
  return `${user} ${group}`;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Stands in for Elasticsearch's own security module: the same status, header and error type. */
function unauthorizedBody(reasonVariable: string): string {
  return (
    `{"error":{"root_cause":[{"type":"security_exception","reason":"${reasonVariable}"}],` +
    `"type":"security_exception","reason":"${reasonVariable}"},"status":401}`
  );
}

export function nginxConfig(options: {
  dir: string;
  port: number;
  upstream: string;
  certs: Certificates;
  username: string;
  password: string;
  apiKey: string;
}): string {
  const upstream = new URL(options.upstream);
  if (upstream.protocol !== 'http:' || upstream.pathname !== '/' || !upstream.port) {
    throw new DevstackError(
      'DEVSTACK_CONFIG_INVALID',
      `The proxy's upstream must be Elasticsearch's plain HTTP base URL with a port (http://host:port), not ${options.upstream}`,
    );
  }
  if (!BASE64.test(options.apiKey)) {
    throw new DevstackError(
      'DEVSTACK_CONFIG_INVALID',
      'The API key must be base64 (of id:secret), as Elasticsearch hands them out',
    );
  }
  if (options.username.includes(':')) {
    throw new DevstackError('DEVSTACK_CONFIG_INVALID', 'A basic auth username cannot contain ":"');
  }
  const basic = Buffer.from(`${options.username}:${options.password}`).toString('base64');
  const temp = (name: string): string => join(options.dir, 'tmp', name);
  const user = workerUser();
  return `# Written by the skein devstack; holds credentials, so mode 0600.
daemon off;
master_process on;
worker_processes 1;
pid ${join(options.dir, 'nginx.pid')};
error_log ${join(options.dir, 'error.log')} warn;
${user ? `user ${user};\n` : ''}
events {
  worker_connections 512;
}

http {
  access_log ${join(options.dir, 'access.log')};
  client_body_temp_path ${temp('client_body')};
  proxy_temp_path ${temp('proxy')};
  fastcgi_temp_path ${temp('fastcgi')};
  uwsgi_temp_path ${temp('uwsgi')};
  scgi_temp_path ${temp('scgi')};
  server_tokens off;
  # Elasticsearch's own limit for a request body (http.max_content_length).
  client_max_body_size 100m;

  map $http_authorization $skein_auth_reason {
    "" "missing authentication credentials for REST request";
    default "unable to authenticate with provided credentials";
  }

  upstream skein_elasticsearch {
    server ${upstream.hostname}:${upstream.port};
    keepalive 16;
  }

  server {
    listen 127.0.0.1:${options.port} ssl;
    ssl_certificate ${options.certs.serverCertFile};
    ssl_certificate_key ${options.certs.serverKeyFile};
    ssl_protocols TLSv1.2 TLSv1.3;

    # Exact, case-sensitive comparisons: base64 credentials differ by case.
    set $skein_authorized 0;
    if ($http_authorization = "Basic ${basic}") {
      set $skein_authorized 1;
    }
    if ($http_authorization = "ApiKey ${options.apiKey}") {
      set $skein_authorized 1;
    }

    location / {
      error_page 401 = @unauthorized;
      if ($skein_authorized = 0) {
        return 401;
      }
      proxy_pass http://skein_elasticsearch;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      # Elasticsearch runs without security: the credentials stop here.
      proxy_set_header Authorization "";
      # Stream both ways, so no body ever waits in a temp file.
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_read_timeout 300s;
    }

    location @unauthorized {
      default_type application/json;
      add_header WWW-Authenticate 'Basic realm="security", charset="UTF-8"' always;
      add_header WWW-Authenticate 'ApiKey' always;
      return 401 '${unauthorizedBody('$skein_auth_reason')}';
    }
  }
}
`;
}

/** Whether an HTTPS server trusting `caFile` answers at `url` (any status: the proxy says 401 without credentials). */
export function proxyAnswers(url: string, caFile: string, timeoutMs = 2000): Promise<number | undefined> {
  return new Promise((resolve) => {
    let ca: Buffer;
    try {
      ca = readFileSync(caFile);
    } catch {
      resolve(undefined);
      return;
    }
    const req = request(url, { method: 'GET', ca, timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => {
      req.destroy();
      resolve(undefined);
    });
    req.end();
  });
}

/** Starts nginx in the foreground as a TLS proxy with basic and API key auth, answering when this resolves. */
export async function startElasticsearchProxy(
  options: ElasticsearchProxyOptions,
): Promise<ElasticsearchProxy> {
  const nginx = options.nginx ?? (await ensureNginx(options.log));
  const port = options.port ? options.port : await freePort();
  await mkdir(join(options.dir, 'tmp'), { recursive: true });
  const configFile = join(options.dir, 'nginx.conf');
  // It holds the credentials: readable by its owner only.
  await writePrivateFile(configFile, nginxConfig({ ...options, port }));
  const logFile = join(options.dir, 'nginx.log');
  const proc = launch({
    command: nginx,
    // -e: the error log before the config is read, or nginx tries its compiled-in /var/log path first.
    args: ['-p', options.dir, '-c', configFile, '-e', join(options.dir, 'error.log')],
    env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' },
    cwd: options.dir,
    logFile,
  });
  const url = `https://127.0.0.1:${port}`;
  await writeRecord(options.dir, {
    service: 'nginx',
    pgid: proc.pgid,
    ownerPid: options.ownerPid === undefined ? process.pid : options.ownerPid,
    port,
    logFile: join(options.dir, 'error.log'),
  });
  try {
    await waitUntil(async () => (await proxyAnswers(url, options.certs.caFile)) === 401, {
      what: `nginx (Elasticsearch TLS proxy) on 127.0.0.1:${port}`,
      timeoutMs: options.startTimeoutMs ?? 20_000,
      logFile: join(options.dir, 'error.log'),
      exited: proc.exited,
      intervalMs: 50,
    });
  } catch (err) {
    await stopGroup(proc.pgid, 5_000);
    const log = await readFile(logFile, 'utf8').catch(() => '');
    if (log.trim() && err instanceof DevstackError) {
      // nginx quotes the config line it fails at, and that line may hold the credentials.
      const said = scrubSecrets(log.trim(), secretsOf(options)).slice(-800);
      throw new DevstackError(err.code, `${err.message}; nginx said: ${said}`, { cause: err });
    }
    throw err;
  }
  return {
    url,
    port,
    pgid: proc.pgid,
    logFile: join(options.dir, 'error.log'),
    stop: () => stopGroup(proc.pgid),
  };
}
