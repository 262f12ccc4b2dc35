// The Elasticsearch security keys: what they resolve to, what is refused at start (with the key named and no
// secret shown), and how refused credentials and failed TLS read, against small HTTP(S) servers on loopback.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateCertificates, type Certificates } from '@skein/devstack';
import { createElasticsearch } from '../src/clients/elasticsearch.js';
import { configHelp, field, loadConfig } from '../src/config/schema.js';
import { ConfigError, SkeinError } from '../src/errors.js';
import { createLogger } from '../src/log/logger.js';
import { createRegistry } from '../src/metrics/registry.js';
import { listen } from '../src/net/listen.js';
import {
  esAccessError,
  esFailureKind,
  esSecuritySchema,
  redactUrl,
  reportEsSecurity,
  resolveEsSecurity,
  type EsSecurity,
  type EsSecurityConfig,
} from '../src/security/elasticsearch.js';
import { registeredSecrets } from '../src/security/secrets.js';

const work = mkdtempSync(join(tmpdir(), 'skein-es-security-'));
let certs: Certificates;
let otherCerts: Certificates;
before(async () => {
  [certs, otherCerts] = await Promise.all([
    generateCertificates(join(work, 'main'), { caName: 'es test CA' }),
    generateCertificates(join(work, 'other'), { caName: 'other test CA' }),
  ]);
});
after(() => rmSync(work, { recursive: true, force: true }));

const schema = {
  'es.url': field.string('http://127.0.0.1:9200', 'Elasticsearch URL'),
  ...esSecuritySchema,
};

/** The keys as the component would parse them from `--key=value` flags. */
function config(flags: Record<string, string | boolean> = {}): EsSecurityConfig {
  const argv = Object.entries(flags).map(([k, v]) => `--${k}=${String(v)}`);
  return loadConfig(schema, { argv, env: {} }).config as unknown as EsSecurityConfig;
}

function file(name: string, content: string): string {
  const path = join(work, name);
  writeFileSync(path, content);
  return path;
}

/** resolveEsSecurity's ConfigError for these flags: its key and message. */
function refusal(flags: Record<string, string | boolean>): { key: string; message: string } {
  try {
    resolveEsSecurity(config(flags));
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return { key: err.key, message: err.message };
  }
  assert.fail(`expected ${JSON.stringify(flags)} to be refused`);
}

const apiKey = Buffer.from('VuaCfGcBCdbkQm-e5aOx:ui2lp2axTNmsyakw9tvNnw').toString('base64');

describe('resolveEsSecurity', () => {
  it('without keys: the URL as given, no credentials, no TLS options', () => {
    const security = resolveEsSecurity(config());
    assert.deepEqual(security, {
      url: 'http://127.0.0.1:9200',
      credentials: 'no credentials',
      credentialKeys: ['es.username', 'es.password', 'es.password-file', 'es.api-key', 'es.api-key-file'],
      insecureSkipVerify: false,
    });
  });

  it('moves credentials out of es.url into basic auth, percent-decoded, and shows the URL without them', () => {
    const security = resolveEsSecurity(
      config({ 'es.url': 'https://skein:p%40ss%3Aword@es.example:9243/base' }),
    );
    assert.equal(security.url, 'https://es.example:9243/base');
    assert.deepEqual(security.auth, { username: 'skein', password: 'p@ss:word' });
    assert.equal(security.credentials, 'basic auth as user "skein" (from the credentials in es.url)');
    assert.deepEqual(security.credentialKeys, ['es.url']);
    assert.deepEqual(security.tls, { rejectUnauthorized: true });
    assert.ok(registeredSecrets().includes('p@ss:word'));
  });

  it('reads es.password-file without its trailing newline and registers it as a secret', () => {
    const path = file('password', 'from-the-file-7x\n');
    const security = resolveEsSecurity(
      config({ 'es.url': 'https://127.0.0.1:9243', 'es.username': 'ingest', 'es.password-file': path }),
    );
    assert.deepEqual(security.auth, { username: 'ingest', password: 'from-the-file-7x' });
    assert.equal(security.credentials, 'basic auth as user "ingest" (es.username, es.password-file)');
    assert.deepEqual(security.credentialKeys, ['es.username', 'es.password-file']);
    assert.ok(registeredSecrets().includes('from-the-file-7x'));
    // What an Authorization: Basic header would carry, should anything print one.
    assert.ok(registeredSecrets().includes(Buffer.from('ingest:from-the-file-7x').toString('base64')));
  });

  it('takes an API key in the base64 form Elasticsearch issues, from the key or from a file', () => {
    const inline = resolveEsSecurity(config({ 'es.api-key': apiKey }));
    assert.deepEqual(inline.auth, { apiKey });
    assert.equal(inline.credentials, 'API key id "VuaCfGcBCdbkQm-e5aOx" (es.api-key)');
    const fromFile = resolveEsSecurity(config({ 'es.api-key-file': file('api-key', `${apiKey}\n`) }));
    assert.deepEqual(fromFile.auth, { apiKey });
    assert.deepEqual(fromFile.credentialKeys, ['es.api-key-file']);
    assert.ok(registeredSecrets().includes(apiKey));
  });

  it('reads the CA, client certificate and key, and turns verification off only when asked', () => {
    const keyPem = readFileSync(certs.clientKeyFile, 'utf8');
    assert.equal(registeredSecrets().includes(keyPem), false);
    const security = resolveEsSecurity(
      config({
        'es.url': 'https://localhost:9243',
        'es.tls.ca-file': certs.caFile,
        'es.tls.cert-file': certs.clientCertFile,
        'es.tls.key-file': certs.clientKeyFile,
      }),
    );
    assert.deepEqual(security.tls, {
      rejectUnauthorized: true,
      ca: readFileSync(certs.caFile),
      cert: readFileSync(certs.clientCertFile),
      key: readFileSync(certs.clientKeyFile),
    });
    // The key is a secret of the process from now on, as the Kafka client key is.
    assert.equal(registeredSecrets().includes(keyPem), true);
    assert.equal(security.insecureSkipVerify, false);
    const insecure = resolveEsSecurity(
      config({ 'es.url': 'https://localhost:9243', 'es.tls.insecure-skip-verify': true }),
    );
    assert.deepEqual(insecure.tls, { rejectUnauthorized: false });
    assert.equal(insecure.insecureSkipVerify, true);
  });

  it('is set from SKEIN_ES_* environment variables, and --help never shows the secrets', () => {
    const { config: loaded } = loadConfig(schema, {
      env: {
        SKEIN_ES_USERNAME: 'envuser',
        SKEIN_ES_PASSWORD: 'env-password-1',
        SKEIN_ES_TLS_INSECURE_SKIP_VERIFY: 'true',
        SKEIN_ES_URL: 'https://127.0.0.1:9243',
      },
    });
    const security = resolveEsSecurity(loaded as unknown as EsSecurityConfig);
    assert.deepEqual(security.auth, { username: 'envuser', password: 'env-password-1' });
    assert.equal(security.insecureSkipVerify, true);
    const help = configHelp(esSecuritySchema);
    assert.match(help, /--es\.password <string>\n.*\n\s+default \(secret\); env SKEIN_ES_PASSWORD/);
    assert.match(help, /--es\.api-key <string>\n.*\n\s+default \(secret\); env SKEIN_ES_API_KEY/);
  });
});

describe('resolveEsSecurity refuses, naming the key and never the secret', () => {
  const password = 'never-shown-42';
  const cases: Array<[string, Record<string, string | boolean>, string, string]> = [
    [
      'password and password-file',
      { 'es.username': 'u', 'es.password': password, 'es.password-file': '/p' },
      'es.password-file',
      'es.password-file: and es.password are both set; set one of them',
    ],
    [
      'api-key and api-key-file',
      { 'es.api-key': apiKey, 'es.api-key-file': '/k' },
      'es.api-key-file',
      'es.api-key-file: and es.api-key are both set; set one of them',
    ],
    [
      'api-key with a username',
      { 'es.api-key': apiKey, 'es.username': 'u' },
      'es.api-key',
      'es.api-key: and es.username are both set: an API key carries its own identity; use one way to authenticate',
    ],
    [
      'api-key with a password',
      { 'es.api-key': apiKey, 'es.password': password },
      'es.api-key',
      'es.api-key: and es.password are both set: an API key needs no password; use one way to authenticate',
    ],
    [
      'api-key with credentials in the URL',
      { 'es.api-key': apiKey, 'es.url': `https://u:${password}@h:9243` },
      'es.api-key',
      'es.api-key: and credentials in es.url are both set: an API key carries its own identity; use one way to authenticate',
    ],
    [
      'a username without a password',
      { 'es.username': 'u' },
      'es.password',
      'es.password: or es.password-file is required when es.username is set',
    ],
    [
      'a password without a username',
      { 'es.password': password },
      'es.username',
      'es.username: is required with es.password',
    ],
    [
      'credentials in the URL and es.username',
      { 'es.url': `https://u:${password}@h:9243`, 'es.username': 'v', 'es.password': 'x-other-1' },
      'es.url',
      'es.url: holds credentials (user:password@) and es.username/es.password are set too; give them one way',
    ],
    [
      'a user in the URL without a password',
      { 'es.url': 'https://u@h:9243' },
      'es.url',
      'es.url: holds a user name or password alone; give both (user:password@host) or neither',
    ],
    [
      'a URL that is none',
      { 'es.url': `http://u:${password}@not a url:9200` },
      'es.url',
      'es.url: is not a URL (not shown: it may hold a password); expected http(s)://host:port, and if it holds ' +
        'credentials, percent-encode any / ? # @ or % in the password (encodeURIComponent), or use es.username ' +
        'with es.password-file instead',
    ],
    [
      'a URL that is none, with a / in the password',
      { 'es.url': `http://u:x/${password}@h:9200` },
      'es.url',
      'es.url: is not a URL (not shown: it may hold a password); expected http(s)://host:port, and if it holds ' +
        'credentials, percent-encode any / ? # @ or % in the password (encodeURIComponent), or use es.username ' +
        'with es.password-file instead',
    ],
    ...['/', '?', '#'].map((c): [string, Record<string, string>, string, string] => [
      `a password with an unencoded ${c}, which parses as a URL with another host`,
      { 'es.url': `https://u:1234${c}${password}@h:9243` },
      'es.url',
      'es.url: has an @ after its host (not shown: it may hold a password), so a password in it probably holds ' +
        'an unencoded / ? or #; if it holds credentials, percent-encode any / ? # @ or % in the password ' +
        '(encodeURIComponent), or use es.username with es.password-file instead',
    ]),
    [
      'another scheme',
      { 'es.url': 'ftp://h:21' },
      'es.url',
      'es.url: must start with http:// or https://, not ftp://',
    ],
    [
      'an API key in its raw id:key form',
      { 'es.api-key': `id:${password}` },
      'es.api-key',
      'es.api-key: looks like the raw "id:key" pair; give its base64 form, the `encoded` field Elasticsearch returns when it creates the key',
    ],
    [
      'an API key that is not base64 of id:key',
      { 'es.api-key': Buffer.from(password).toString('base64') },
      'es.api-key',
      'es.api-key: is not an Elasticsearch API key in its base64 "id:key" form (the `encoded` field of the create API key response)',
    ],
    [
      'a password file that does not exist',
      { 'es.username': 'u', 'es.password-file': '/nonexistent/es-password' },
      'es.password-file',
      'es.password-file: cannot read /nonexistent/es-password: no such file',
    ],
    [
      'a client certificate without its key',
      { 'es.url': 'https://h:9243', 'es.tls.cert-file': '/c.crt' },
      'es.tls.key-file',
      'es.tls.key-file: is required when es.tls.cert-file is set',
    ],
    [
      'a client key without its certificate',
      { 'es.url': 'https://h:9243', 'es.tls.key-file': '/c.key' },
      'es.tls.cert-file',
      'es.tls.cert-file: is required when es.tls.key-file is set',
    ],
    [
      'a CA file with an http URL',
      { 'es.url': 'http://h:9200', 'es.tls.ca-file': '/ca.crt' },
      'es.tls.ca-file',
      'es.tls.ca-file: applies to https only, and es.url is http://h:9200: use an https:// URL, or remove es.tls.ca-file',
    ],
    [
      'insecure-skip-verify with an http URL',
      { 'es.url': 'http://h:9200', 'es.tls.insecure-skip-verify': true },
      'es.tls.insecure-skip-verify',
      'es.tls.insecure-skip-verify: applies to https only, and es.url is http://h:9200: use an https:// URL, or remove es.tls.insecure-skip-verify',
    ],
    [
      'a CA file that does not exist',
      { 'es.url': 'https://h:9243', 'es.tls.ca-file': '/nonexistent/ca.crt' },
      'es.tls.ca-file',
      'es.tls.ca-file: cannot read /nonexistent/ca.crt: no such file',
    ],
  ];
  for (const [what, flags, key, message] of cases) {
    it(what, () => {
      const got = refusal(flags);
      assert.deepEqual(got, { key, message });
      assert.ok(!got.message.includes(password), 'the message shows the secret');
    });
  }

  it('an empty password file', () => {
    const path = file('empty', '\n');
    assert.deepEqual(refusal({ 'es.username': 'u', 'es.password-file': path }), {
      key: 'es.password-file',
      message: `es.password-file: ${path} is empty`,
    });
  });

  it('a CA file that holds no certificate', () => {
    const path = file('not-pem', 'hello\n');
    assert.deepEqual(refusal({ 'es.url': 'https://h:9243', 'es.tls.ca-file': path }), {
      key: 'es.tls.ca-file',
      message: `es.tls.ca-file: ${path} holds no PEM block (-----BEGIN …)`,
    });
  });

  it('a client key that is not the certificate’s', () => {
    const { key, message } = refusal({
      'es.url': 'https://h:9243',
      'es.tls.cert-file': certs.clientCertFile,
      'es.tls.key-file': otherCerts.clientKeyFile,
    });
    assert.equal(key, 'es.tls.key-file');
    assert.equal(
      message,
      `es.tls.key-file: ${otherCerts.clientKeyFile} is not the key of the certificate in es.tls.cert-file (${certs.clientCertFile})`,
    );
  });
});

describe('redactUrl', () => {
  it('removes user and password, keeping the rest', () => {
    assert.equal(
      redactUrl('https://user:secret@es.example:9243/prefix?x=1'),
      'https://es.example:9243/prefix?x=1',
    );
    assert.equal(redactUrl('http://user@es.example:9200'), 'http://es.example:9200/');
  });
  it('leaves a URL without credentials as written', () => {
    assert.equal(redactUrl('http://127.0.0.1:9200'), 'http://127.0.0.1:9200');
  });
  it('strips userinfo from a string that does not parse as a URL', () => {
    assert.equal(redactUrl('http://user:se@cret@bad host:9200'), 'http://bad host:9200');
    assert.equal(redactUrl('http://user:se/cr@et@bad host:9200'), 'http://bad host:9200');
    assert.equal(redactUrl('user:se/cr?et@bad host'), 'bad host');
    assert.equal(redactUrl('not a url'), 'not a url');
  });
  it('strips a password with an unencoded / ? or # that makes the URL parse with another host', () => {
    assert.equal(redactUrl('http://user:1234/secret@es.example:9200'), 'http://es.example:9200');
    assert.equal(redactUrl('https://user:1234?sec/ret@es.example:9243/x'), 'https://es.example:9243/x');
    assert.equal(redactUrl('https://user:1234#secret@es.example'), 'https://es.example');
  });
});

describe('reportEsSecurity', () => {
  function report(security: EsSecurity): { lines: Array<Record<string, unknown>>; metrics: Promise<string> } {
    const lines: Array<Record<string, unknown>> = [];
    const logger = createLogger({ write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) });
    const registry = createRegistry('ingester', { defaultMetrics: false });
    reportEsSecurity(security, { component: 'ingester', logger, registry });
    return { lines, metrics: registry.metrics() };
  }

  it('with verification off: a warning naming the host, and the gauge at 1', async () => {
    const password = 'insecure-pass-9';
    const { lines, metrics } = report(
      resolveEsSecurity(
        config({
          'es.url': `https://skein:${password}@es.example:9243`,
          'es.tls.insecure-skip-verify': true,
        }),
      ),
    );
    assert.deepEqual(
      lines.map((l) => [l.level, l.msg]),
      [
        ['info', 'Elasticsearch connection'],
        [
          'warn',
          'es.tls.insecure-skip-verify is true: the certificate of Elasticsearch at es.example:9243 is NOT verified, ' +
            'so anyone who can intercept or redirect connections to es.example:9243 can read and change what is ' +
            'stored and queried and capture the credentials (basic auth as user "skein" (from the credentials in ' +
            'es.url)). Set es.tls.ca-file instead',
        ],
      ],
    );
    assert.equal(lines[0]?.url, 'https://es.example:9243');
    assert.equal(lines[0]?.tls, 'certificate NOT verified');
    assert.ok(!JSON.stringify(lines).includes(password));
    assert.match(await metrics, /^skein_ingester_es_tls_verification_disabled\{component="ingester"\} 1$/m);
  });

  it('with verification on: no warning, and the gauge at 0', async () => {
    const { lines, metrics } = report(
      resolveEsSecurity(config({ 'es.url': 'https://localhost:9243', 'es.tls.ca-file': certs.caFile })),
    );
    assert.deepEqual(
      lines.map((l) => [l.level, l.msg, l.tls]),
      [['info', 'Elasticsearch connection', 'verified against es.tls.ca-file']],
    );
    assert.match(await metrics, /^skein_ingester_es_tls_verification_disabled\{component="ingester"\} 0$/m);
  });

  it('credentials over http: a warning that they travel in clear text', () => {
    const { lines } = report(resolveEsSecurity(config({ 'es.username': 'u', 'es.password': 'cleartext-1' })));
    assert.deepEqual(lines.map((l) => [l.level, l.msg]).at(-1), [
      'warn',
      'Elasticsearch credentials (basic auth as user "u" (es.username, es.password)) are sent in clear text over http; use an https:// es.url',
    ]);
  });
});

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A stand-in for Elasticsearch: answers as `handler` says, over https with the test CA's certificate or plain http. */
async function fakeElasticsearch(
  handler: Handler,
  tls?: { cert: string; key: string },
): Promise<{ port: number; close: () => Promise<void> }> {
  const server: Server = tls
    ? createHttpsServer({ cert: readFileSync(tls.cert), key: readFileSync(tls.key) }, handler)
    : createHttpServer(handler);
  const port = await listen(server, 0, '127.0.0.1');
  return {
    port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const elasticsearchJson =
  (status: number, body: unknown): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
    res.end(JSON.stringify(body));
  };

/** The error a request from a client made with `flags` ends with, and the SkeinError esAccessError makes of it. */
async function attempt(
  flags: Record<string, string | boolean>,
): Promise<{ err: unknown; security: EsSecurity; access: SkeinError | undefined }> {
  const security = resolveEsSecurity(config(flags));
  const client = createElasticsearch({ ...security, maxRetries: 0, requestTimeoutMs: 5000 });
  try {
    await client.info();
  } catch (err) {
    return { err, security, access: esAccessError(err, security, 'installing the index templates') };
  } finally {
    await client.close();
  }
  assert.fail('expected the request to fail');
}

describe('esAccessError', () => {
  it('401: ES_AUTH_FAILED with the user and the keys to check, never the password or the header', async () => {
    const password = 'wrong-password-5';
    let authorization: string | undefined;
    const es = await fakeElasticsearch((req, res) => {
      authorization = req.headers.authorization;
      elasticsearchJson(401, {
        error: {
          type: 'security_exception',
          reason: 'unable to authenticate user [skein] for REST request [/]',
        },
        status: 401,
      })(req, res);
    });
    try {
      const { err, access } = await attempt({
        'es.url': `http://127.0.0.1:${es.port}`,
        'es.username': 'skein',
        'es.password': password,
      });
      assert.equal(authorization, `Basic ${Buffer.from(`skein:${password}`).toString('base64')}`);
      assert.equal(esFailureKind(err), 'auth');
      assert.equal(access?.code, 'ES_AUTH_FAILED');
      assert.equal(
        access?.message,
        `Elasticsearch at http://127.0.0.1:${es.port} rejected the credentials (HTTP 401 while installing the index ` +
          'templates) (unable to authenticate user [skein] for REST request [/]): used basic auth as user "skein" ' +
          '(es.username, es.password). Check es.username and es.password',
      );
      // The client's own error keeps no request headers either, so logging it whole shows nothing.
      const whole = JSON.stringify(err) + JSON.stringify(access) + String((err as Error).stack);
      assert.ok(!whole.includes(password) && !whole.includes(authorization ?? '-'), whole);
    } finally {
      await es.close();
    }
  });

  it('401 without credentials configured: says which keys would set them', async () => {
    const es = await fakeElasticsearch(elasticsearchJson(401, { error: 'no credentials' }));
    try {
      const { access } = await attempt({ 'es.url': `http://127.0.0.1:${es.port}` });
      assert.equal(
        access?.message,
        `Elasticsearch at http://127.0.0.1:${es.port} requires credentials (HTTP 401 while installing the index ` +
          'templates), and none are configured: set es.username with es.password or es.password-file, or ' +
          'es.api-key or es.api-key-file',
      );
    } finally {
      await es.close();
    }
  });

  it('403: ES_AUTH_FAILED saying the identity lacks a privilege, with Elasticsearch’s reason', async () => {
    let authorization: string | undefined;
    const es = await fakeElasticsearch((req, res) => {
      authorization = req.headers.authorization;
      elasticsearchJson(403, {
        error: {
          type: 'security_exception',
          reason: 'action [cluster:monitor/main] is unauthorized for API key id [VuaCfGcBCdbkQm-e5aOx]',
        },
        status: 403,
      })(req, res);
    });
    try {
      const { access } = await attempt({ 'es.url': `http://127.0.0.1:${es.port}`, 'es.api-key': apiKey });
      assert.equal(authorization, `ApiKey ${apiKey}`);
      assert.equal(access?.code, 'ES_AUTH_FAILED');
      assert.equal(
        access?.message,
        `Elasticsearch at http://127.0.0.1:${es.port} refused installing the index templates (HTTP 403) (action ` +
          '[cluster:monitor/main] is unauthorized for API key id [VuaCfGcBCdbkQm-e5aOx]): the credentials (API ' +
          'key id "VuaCfGcBCdbkQm-e5aOx" (es.api-key)) were accepted but lack a privilege it needs. Grant it to ' +
          'that identity, or check es.api-key',
      );
    } finally {
      await es.close();
    }
  });

  it('an untrusted certificate: ES_TLS_FAILED naming es.tls.ca-file and es.tls.insecure-skip-verify', async () => {
    const es = await fakeElasticsearch(elasticsearchJson(200, {}), {
      cert: certs.serverCertFile,
      key: certs.serverKeyFile,
    });
    try {
      const { err, access } = await attempt({ 'es.url': `https://127.0.0.1:${es.port}` });
      assert.equal(esFailureKind(err), 'tls');
      assert.equal(access?.code, 'ES_TLS_FAILED');
      assert.equal(
        access?.message,
        `TLS to Elasticsearch at https://127.0.0.1:${es.port} failed while installing the index templates: the ` +
          "server's certificate is not trusted (unable to verify the first certificate): set es.tls.ca-file to " +
          'the CA that signed it (PEM), or, for a test only, set es.tls.insecure-skip-verify=true',
      );
      const wrongCa = await attempt({
        'es.url': `https://127.0.0.1:${es.port}`,
        'es.tls.ca-file': otherCerts.caFile,
      });
      assert.match(
        wrongCa.access?.message ?? '',
        /: es\.tls\.ca-file does not hold the CA that signed it \(PEM\)/,
      );
    } finally {
      await es.close();
    }
  });

  it('the right CA, or verification off, connects', async () => {
    const es = await fakeElasticsearch(elasticsearchJson(200, { version: { number: '8.19.0' } }), {
      cert: certs.serverCertFile,
      key: certs.serverKeyFile,
    });
    try {
      for (const flags of [
        { 'es.url': `https://127.0.0.1:${es.port}`, 'es.tls.ca-file': certs.caFile },
        { 'es.url': `https://127.0.0.1:${es.port}`, 'es.tls.insecure-skip-verify': true },
      ]) {
        const client = createElasticsearch(resolveEsSecurity(config(flags)));
        try {
          const info = await client.info();
          assert.equal(info.version.number, '8.19.0');
        } finally {
          await client.close();
        }
      }
    } finally {
      await es.close();
    }
  });

  it('a certificate for another host: ES_TLS_FAILED saying the name does not match', async () => {
    const dir = join(work, 'elsewhere');
    const elsewhere = await generateCertificates(dir, { caName: 'elsewhere CA' });
    // A server certificate valid for es.example only.
    execFileSync('openssl', [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      join(dir, 'named.key'),
      '-out',
      join(dir, 'named.csr'),
      '-subj',
      '/CN=es.example',
    ]);
    writeFileSync(join(dir, 'named.ext'), 'subjectAltName=DNS:es.example\n');
    execFileSync('openssl', [
      'x509',
      '-req',
      '-in',
      join(dir, 'named.csr'),
      '-CA',
      elsewhere.caFile,
      '-CAkey',
      elsewhere.caKeyFile,
      '-CAcreateserial',
      '-out',
      join(dir, 'named.crt'),
      '-days',
      '2',
      '-extfile',
      join(dir, 'named.ext'),
    ]);
    const es = await fakeElasticsearch(elasticsearchJson(200, {}), {
      cert: join(dir, 'named.crt'),
      key: join(dir, 'named.key'),
    });
    try {
      const { access } = await attempt({
        'es.url': `https://127.0.0.1:${es.port}`,
        'es.tls.ca-file': elsewhere.caFile,
      });
      assert.equal(access?.code, 'ES_TLS_FAILED');
      assert.match(
        access?.message ?? '',
        /: the certificate is not valid for 127\.0\.0\.1 \(Hostname\/IP does not match certificate's altnames: .*\): use a host name the certificate holds in es\.url, or reissue the certificate$/,
      );
    } finally {
      await es.close();
    }
  });

  it('https to a plain http server: ES_TLS_FAILED saying it may speak plain http', async () => {
    const es = await fakeElasticsearch(elasticsearchJson(200, {}));
    try {
      const { access } = await attempt({ 'es.url': `https://127.0.0.1:${es.port}` });
      assert.equal(access?.code, 'ES_TLS_FAILED');
      assert.equal(
        access?.message,
        `TLS to Elasticsearch at https://127.0.0.1:${es.port} failed while installing the index templates: the ` +
          'server did not answer TLS: es.url is https:// but it may speak plain http (use http://), or the port is wrong',
      );
    } finally {
      await es.close();
    }
  });

  it('http to a TLS proxy that says so: ES_TLS_FAILED saying to use https', async () => {
    const es = await fakeElasticsearch((_req, res) => {
      res.writeHead(400, { 'content-type': 'text/html' });
      res.end('<html><center>The plain HTTP request was sent to HTTPS port</center></html>');
    });
    try {
      const { access } = await attempt({ 'es.url': `http://127.0.0.1:${es.port}` });
      assert.equal(access?.code, 'ES_TLS_FAILED');
      assert.match(access?.message ?? '', /: es\.url is http:\/\/ but the server speaks TLS: use https:\/\//);
    } finally {
      await es.close();
    }
  });

  it('nothing listening: no access error (the caller keeps its retry or 503), kind unavailable', async () => {
    const es = await fakeElasticsearch(elasticsearchJson(200, {}));
    const port = es.port;
    await es.close();
    const { err, access } = await attempt({ 'es.url': `http://127.0.0.1:${port}` });
    assert.equal(access, undefined);
    assert.equal(esFailureKind(err), 'unavailable');
  });

  it('looks through a wrapping error’s cause', async () => {
    const es = await fakeElasticsearch(
      elasticsearchJson(401, { error: { type: 'security_exception', reason: 'no' } }),
    );
    try {
      const { err, security } = await attempt({ 'es.url': `http://127.0.0.1:${es.port}` });
      const wrapped = new SkeinError('ES_REQUEST_FAILED', 'installing template x failed', { cause: err });
      assert.equal(esFailureKind(wrapped), 'auth');
      assert.equal(esAccessError(wrapped, security, 'x')?.code, 'ES_AUTH_FAILED');
      assert.equal(esFailureKind(new Error('other')), 'other');
    } finally {
      await es.close();
    }
  });
});
