// Elasticsearch behind TLS with authentication (the secure devstack's nginx in front of its Elasticsearch): the
// ingester, the query service, replay and `skein es` run as `skein` processes work with the right credentials,
// stop at start with ES_AUTH_FAILED or ES_TLS_FAILED without them, and no secret reaches a log line or /metrics.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort, generateCertificates, type Certificates } from '@skein/devstack';
import { createTopic } from '../support/kafka.js';
import { generateTraces, produce, toMessages } from '../support/ingester.js';
import { testSecurity } from '../support/security.js';
import { eventually, testStack, uniqueName } from '../support/stack.js';

const bin = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));
const stack = testStack();
const security = testSecurity();
const es = security.elasticsearch;
const work = mkdtempSync(join(tmpdir(), 'skein-security-es-'));
const basic = Buffer.from(`${es.username}:${es.password}`).toString('base64');

let otherCa: Certificates;
let topic: string;
before(async () => {
  otherCa = await generateCertificates(join(work, 'other-ca'), { caName: 'not the proxy CA' });
  topic = uniqueName('security-es');
  await createTopic(stack.kafkaBrokers, topic, 1);
});
after(() => rmSync(work, { recursive: true, force: true }));

/** A `skein` process and everything it printed. */
interface Skein {
  output(): string;
  /** Its JSON log lines (what is not JSON, such as the final error line, is left out). */
  logs(): Array<Record<string, unknown>>;
  exited: Promise<number | null>;
  /** SIGTERM, and the exit code. */
  stop(): Promise<number | null>;
}

const running: Skein[] = [];
after(async () => {
  await Promise.all(running.map((p) => p.stop()));
});

function skein(args: string[]): Skein {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, SKEIN_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout.on('data', (c: Buffer) => (text += c.toString()));
  child.stderr.on('data', (c: Buffer) => (text += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let done = false;
  void exited.then(() => (done = true));
  const proc: Skein = {
    output: () => text,
    logs: () =>
      text
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    exited,
    stop: async () => {
      if (!done) child.kill('SIGTERM');
      return exited;
    },
  };
  running.push(proc);
  return proc;
}

/** Waits for the component's `started` line; fails with its output if it exits first. */
async function started(proc: Skein, what: string): Promise<void> {
  let exit: number | null | undefined;
  void proc.exited.then((code) => (exit = code));
  await eventually(`${what} to start`, () => {
    if (exit !== undefined) throw new Error(`${what} exited with ${exit}: ${proc.output()}`);
    return proc.logs().some((l) => l.msg === 'started') ? true : undefined;
  });
}

/**
 * Asserts no secret of the secure devstack appears in `text`, and no [REDACTED] either: redaction, the last line
 * of defence, hides a secret that was about to be printed, so only its absence shows nothing tried to print one.
 */
function assertNoSecret(text: string, where: string): void {
  for (const [name, secret] of [
    ['the password', es.password],
    ['the API key', es.apiKey],
    ['the basic auth header', basic],
    ['a redacted secret', '[REDACTED]'],
  ] as const) {
    assert.ok(!text.includes(secret), `${where} holds ${name}: ${text}`);
  }
}

function ingesterArgs(prefix: string, extra: string[]): string[] {
  return [
    'ingester',
    '--admin.host=127.0.0.1',
    `--kafka.topic=${topic}`,
    `--kafka.group-id=${uniqueName('security-es')}`,
    `--es.url=${es.url}`,
    `--es.index-prefix=${prefix}`,
    '--es.shards=1',
    '--es.replicas=0',
    '--bulk.flush-interval=50ms',
    '--kafka.commit-interval=200ms',
    ...extra,
  ];
}

async function queryArgs(
  prefix: string,
  extra: string[],
): Promise<{ args: string[]; http: number; admin: number }> {
  const [http, grpc, admin] = [await freePort(), await freePort(), await freePort()];
  return {
    http,
    admin,
    args: [
      'query',
      '--http.host=127.0.0.1',
      `--http.port=${http}`,
      '--grpc.host=127.0.0.1',
      `--grpc.port=${grpc}`,
      '--admin.host=127.0.0.1',
      `--admin.port=${admin}`,
      `--es.url=${es.url}`,
      `--es.index-prefix=${prefix}`,
      ...extra,
    ],
  };
}

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as unknown };
}

async function metrics(adminPort: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
}

describe('Elasticsearch behind TLS with authentication', () => {
  test('the ingester writes with basic auth (password from a file) and the query service reads back with the API key', async () => {
    const prefix = `${uniqueName('sec')}-`;
    const passwordFile = join(work, 'es-password');
    writeFileSync(passwordFile, `${es.password}\n`, { mode: 0o600 });
    const ingesterAdmin = await freePort();
    const ingester = skein(
      ingesterArgs(prefix, [
        `--admin.port=${ingesterAdmin}`,
        `--es.username=${es.username}`,
        `--es.password-file=${passwordFile}`,
        `--es.tls.ca-file=${security.caFile}`,
      ]),
    );
    await started(ingester, 'the ingester');
    const [trace] = generateTraces(1, 3, 2);
    assert.ok(trace);
    await produce(stack.kafkaBrokers, topic, toMessages([trace]));

    const query = await queryArgs(prefix, [
      `--es.api-key=${es.apiKey}`,
      `--es.tls.ca-file=${security.caFile}`,
    ]);
    const queryProc = skein(query.args);
    await started(queryProc, 'the query service');
    const found = await eventually(
      `trace ${trace.traceId} through the query service`,
      async () => {
        const { status, body } = await getJson(`http://127.0.0.1:${query.http}/api/traces/${trace.traceId}`);
        const spans = (body as { data?: Array<{ spans: unknown[] }> }).data?.[0]?.spans;
        return status === 200 && spans?.length === 3 ? spans : undefined;
      },
      60_000,
    );
    assert.equal(found.length, 3);
    assert.deepEqual(await getJson(`http://127.0.0.1:${query.admin}/health`), {
      status: 200,
      body: { status: 'ok', checks: { elasticsearch: true } },
    });

    const ingesterMetrics = await metrics(ingesterAdmin);
    const queryMetrics = await metrics(query.admin);
    assert.match(ingesterMetrics, /^skein_ingester_es_tls_verification_disabled\{component="ingester"\} 0$/m);
    assert.match(queryMetrics, /^skein_query_es_tls_verification_disabled\{component="query"\} 0$/m);
    assertNoSecret(ingesterMetrics, "the ingester's /metrics");
    assertNoSecret(queryMetrics, "the query service's /metrics");

    assert.equal(await ingester.stop(), 0, ingester.output());
    assert.equal(await queryProc.stop(), 0, queryProc.output());
    const connection = (p: Skein) => p.logs().find((l) => l.msg === 'Elasticsearch connection');
    assert.deepEqual(connection(ingester), {
      ...connection(ingester),
      url: es.url,
      credentials: `basic auth as user "${es.username}" (es.username, es.password-file)`,
      tls: 'verified against es.tls.ca-file',
    });
    const keyId = Buffer.from(es.apiKey, 'base64').toString('utf8').split(':')[0];
    assert.deepEqual(connection(queryProc), {
      ...connection(queryProc),
      url: es.url,
      credentials: `API key id "${keyId}" (es.api-key)`,
      tls: 'verified against es.tls.ca-file',
    });
    assertNoSecret(ingester.output(), "the ingester's output");
    assertNoSecret(queryProc.output(), "the query service's output");
  });

  test('a wrong password or no credentials: ingester, replay and query stop at start with ES_AUTH_FAILED, not showing it', async () => {
    const wrong = `wrong-${randomBytes(6).toString('hex')}`;
    const prefix = `${uniqueName('sec')}-`;
    const auth = [
      `--es.username=${es.username}`,
      `--es.password=${wrong}`,
      `--es.tls.ca-file=${security.caFile}`,
    ];
    const ingester = skein(ingesterArgs(prefix, [`--admin.port=${await freePort()}`, ...auth]));
    const replay = skein([
      'replay',
      '--from=earliest',
      `--topic=${topic}`,
      `--index-prefix=${prefix}`,
      `--checkpoint=${join(work, `${prefix}checkpoint.json`)}`,
      `--es.url=${es.url}`,
      ...auth,
    ]);
    const query = skein((await queryArgs(prefix, auth)).args);
    const anonymous = skein((await queryArgs(prefix, [`--es.tls.ca-file=${security.caFile}`])).args);
    const rejected =
      `rejected the credentials (HTTP 401 while %s) (unable to authenticate with provided credentials): used basic ` +
      `auth as user "${es.username}" (es.username, es.password). Check es.username and es.password`;
    for (const [proc, name, doing] of [
      [ingester, 'ingester', 'installing the index templates'],
      [replay, 'replay', 'installing the index templates'],
      [query, 'query', 'checking it at start (a search of the service indices)'],
    ] as const) {
      assert.equal(await proc.exited, 1, proc.output());
      assert.ok(
        proc
          .output()
          .includes(
            `skein ${name}: ES_AUTH_FAILED: Elasticsearch at ${es.url} ${rejected.replace('%s', doing)}`,
          ),
        proc.output(),
      );
      assert.ok(!proc.output().includes(wrong), `${name} printed the wrong password`);
      assertNoSecret(proc.output(), `${name}'s output`);
    }
    assert.equal(await anonymous.exited, 1, anonymous.output());
    assert.ok(
      anonymous
        .output()
        .includes(
          `skein query: ES_AUTH_FAILED: Elasticsearch at ${es.url} requires credentials (HTTP 401 while checking it ` +
            'at start (a search of the service indices)) (missing authentication credentials for REST request), ' +
            'and none are configured: set es.username with es.password or es.password-file, or es.api-key or ' +
            'es.api-key-file',
        ),
      anonymous.output(),
    );
  });

  test('a certificate the CA file does not vouch for: ES_TLS_FAILED naming es.tls.ca-file and es.tls.insecure-skip-verify', async () => {
    const prefix = `${uniqueName('sec')}-`;
    const init = skein([
      'es',
      'init',
      `--es.url=${es.url}`,
      `--es.api-key=${es.apiKey}`,
      `--es.tls.ca-file=${otherCa.caFile}`,
      `--es.index-prefix=${prefix}`,
    ]);
    assert.equal(await init.exited, 1, init.output());
    assert.ok(
      init
        .output()
        .includes(
          `skein es: ES_TLS_FAILED: TLS to Elasticsearch at ${es.url} failed while running \`skein es init\`: the ` +
            "server's certificate is not trusted (unable to verify the first certificate): es.tls.ca-file does not " +
            'hold the CA that signed it (PEM), or, for a test only, set es.tls.insecure-skip-verify=true',
        ),
      init.output(),
    );
    // Without a CA file only Node's built-in CAs are trusted, and the devstack's is none of them.
    const query = skein((await queryArgs(prefix, [`--es.api-key=${es.apiKey}`])).args);
    assert.equal(await query.exited, 1, query.output());
    assert.match(
      query.output(),
      /skein query: ES_TLS_FAILED: .*: set es\.tls\.ca-file to the CA that signed it \(PEM\), or, for a test only, set es\.tls\.insecure-skip-verify=true/,
    );
    assertNoSecret(init.output() + query.output(), 'the output');
  });

  test('es.tls.insecure-skip-verify connects without the CA, warns at every start and exports the gauge at 1', async () => {
    const prefix = `${uniqueName('sec')}-`;
    const host = new URL(es.url).host;
    // Credentials in the URL are accepted, and shown nowhere.
    const withUserinfo = `https://${encodeURIComponent(es.username)}:${encodeURIComponent(es.password)}@${host}`;
    const init = skein([
      'es',
      'init',
      `--es.url=${withUserinfo}`,
      '--es.tls.insecure-skip-verify',
      `--es.index-prefix=${prefix}`,
      '--es.shards=1',
      '--es.replicas=0',
    ]);
    assert.equal(await init.exited, 0, init.output());
    assert.match(init.output(), new RegExp(`created template ${prefix}jaeger-span`));
    assert.match(
      init.output(),
      new RegExp(
        `WARN  es\\.tls\\.insecure-skip-verify is true: the certificate of Elasticsearch at ${host} is NOT verified`,
      ),
    );

    const apiKeyFile = join(work, 'api-key');
    writeFileSync(apiKeyFile, es.apiKey, { mode: 0o600 });
    const query = await queryArgs(prefix, [
      `--es.api-key-file=${apiKeyFile}`,
      '--es.tls.insecure-skip-verify',
    ]);
    const proc = skein(query.args);
    await started(proc, 'the query service');
    assert.deepEqual(await getJson(`http://127.0.0.1:${query.http}/api/services`), {
      status: 200,
      body: { data: [], total: 0, limit: 0, offset: 0, errors: null },
    });
    const body = await metrics(query.admin);
    assert.match(body, /^skein_query_es_tls_verification_disabled\{component="query"\} 1$/m);
    assert.equal(await proc.stop(), 0, proc.output());
    const warnings = proc.logs().filter((l) => l.level === 'warn');
    assert.deepEqual(
      warnings.map((l) => l.msg),
      [
        `es.tls.insecure-skip-verify is true: the certificate of Elasticsearch at ${host} is NOT verified, so ` +
          `anyone who can intercept or redirect connections to ${host} can read and change what is stored and ` +
          `queried and capture the credentials (API key id "${Buffer.from(es.apiKey, 'base64').toString('utf8').split(':')[0]}" ` +
          '(es.api-key-file)). Set es.tls.ca-file instead',
      ],
    );
    assertNoSecret(init.output() + proc.output() + body, 'the output or /metrics');
  });
});
