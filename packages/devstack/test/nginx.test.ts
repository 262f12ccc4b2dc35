// The nginx TLS proxy with a stand-in upstream that reports what reached it, which real Elasticsearch
// (security off) cannot: that credentials are stripped and bodies and paths pass unchanged.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DevstackError } from '../src/errors.js';
import { ensureNginx, nginxConfig, startElasticsearchProxy, type ElasticsearchProxy } from '../src/nginx.js';
import { groupAlive, readRecord } from '../src/process.js';
import { generateCertificates, type Certificates } from '../src/tls.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function send(
  url: string,
  options: { ca?: Buffer; authorization?: string; method?: string; body?: string },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        ...(options.ca ? { ca: options.ca } : {}),
        headers: {
          ...(options.authorization ? { authorization: options.authorization } : {}),
          ...(options.body ? { 'content-type': 'application/json' } : {}),
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('Elasticsearch TLS proxy (nginx)', () => {
  const username = 'skein';
  const password = 'Pa55-word_x';
  const apiKey = Buffer.from('key-id-0123456789abc:Secret0123456789abcdef').toString('base64');
  const basic = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  const seen: Seen[] = [];
  let upstream: Server;
  let certs: Certificates;
  let proxy: ElasticsearchProxy;
  let base: string;
  let dir: string;
  let ca: Buffer;

  before(async () => {
    base = mkdtempSync(join(tmpdir(), 'skein-nginx-test-'));
    // As root, nginx's workers run as nobody, who must reach the proxy's temp directories.
    chmodSync(base, 0o755);
    dir = join(base, 'nginx');
    upstream = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        res.setHeader('content-type', 'application/json');
        res.setHeader('x-elastic-product', 'Elasticsearch');
        res.end(JSON.stringify({ upstream: true, url: req.url }));
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    certs = await generateCertificates(join(base, 'tls'));
    ca = readFileSync(certs.caFile);
    proxy = await startElasticsearchProxy({
      dir,
      upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
      certs,
      username,
      password,
      apiKey,
      nginx: await ensureNginx(),
    });
  });

  after(async () => {
    await proxy?.stop();
    upstream?.close();
    rmSync(base, { recursive: true, force: true });
  });

  it('listens with TLS on 127.0.0.1 and records itself for the reaper', async () => {
    assert.match(proxy.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const record = await readRecord(dir);
    assert.equal(record?.service, 'nginx');
    assert.equal(record?.ownerPid, process.pid);
    assert.equal(record?.port, proxy.port);
    // The config holds the credentials.
    assert.equal(statSync(join(dir, 'nginx.conf')).mode & 0o777, 0o600);
  });

  it('passes requests with basic auth upstream without the Authorization header, body and query intact', async () => {
    const body = '{"query":{"match_all":{}}}';
    const answer = await send(`${proxy.url}/skein-span-*/_search?size=3`, {
      ca,
      authorization: basic,
      method: 'POST',
      body,
    });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['x-elastic-product'], 'Elasticsearch');
    assert.deepEqual(JSON.parse(answer.body), { upstream: true, url: '/skein-span-*/_search?size=3' });
    const last = seen.at(-1);
    assert.equal(last?.method, 'POST');
    assert.equal(last?.body, body);
    assert.equal(last?.headers.authorization, undefined);
  });

  it('passes requests with the API key', async () => {
    const answer = await send(`${proxy.url}/_cluster/health`, { ca, authorization: `ApiKey ${apiKey}` });
    assert.equal(answer.status, 200);
    assert.equal(seen.at(-1)?.url, '/_cluster/health');
    assert.equal(seen.at(-1)?.headers.authorization, undefined);
  });

  it('answers 401 like Elasticsearch without credentials, and never reaches upstream', async () => {
    const before = seen.length;
    const answer = await send(`${proxy.url}/_cluster/health`, { ca });
    assert.equal(answer.status, 401);
    assert.equal(answer.headers['content-type'], 'application/json');
    assert.deepEqual(answer.headers['www-authenticate'], 'Basic realm="security", charset="UTF-8", ApiKey');
    assert.deepEqual(JSON.parse(answer.body), {
      error: {
        root_cause: [
          { type: 'security_exception', reason: 'missing authentication credentials for REST request' },
        ],
        type: 'security_exception',
        reason: 'missing authentication credentials for REST request',
      },
      status: 401,
    });
    assert.equal(seen.length, before);
  });

  it('answers 401 to a wrong password, a wrong key and a key that differs only in case', async () => {
    const before = seen.length;
    const wrong = [
      `Basic ${Buffer.from(`${username}:nope`).toString('base64')}`,
      `ApiKey ${Buffer.from('key-id-0123456789abc:wrong').toString('base64')}`,
      `ApiKey ${apiKey.toLowerCase()}`,
      basic.toLowerCase(),
    ];
    for (const authorization of wrong) {
      const answer = await send(`${proxy.url}/`, { ca, authorization });
      assert.equal(answer.status, 401, authorization);
      const body = JSON.parse(answer.body) as { error: { type: string; reason: string } };
      assert.equal(body.error.type, 'security_exception');
      assert.equal(body.error.reason, 'unable to authenticate with provided credentials');
    }
    assert.equal(seen.length, before);
  });

  it('fails the TLS handshake of a client that does not trust the CA', async () => {
    await assert.rejects(send(`${proxy.url}/`, { authorization: basic }), {
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    });
  });

  it('stops with its whole process group', async () => {
    const other = await startElasticsearchProxy({
      dir: join(dir, '..', 'second'),
      upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
      certs,
      username,
      password,
      apiKey,
      nginx: await ensureNginx(),
    });
    assert.equal((await send(`${other.url}/`, { ca, authorization: basic })).status, 200);
    await other.stop();
    assert.equal(groupAlive(other.pgid), false);
    await assert.rejects(send(`${other.url}/`, { ca, authorization: basic }), { code: 'ECONNREFUSED' });
  });
});

describe('nginx configuration and discovery', () => {
  const base = {
    dir: '/tmp/x',
    port: 9243,
    upstream: 'http://127.0.0.1:9200',
    certs: {} as Certificates,
    username: 'skein',
    password: 'pw',
    apiKey: 'aWQ6c2VjcmV0',
  };
  const invalid = (message: RegExp) => (err: unknown) =>
    err instanceof DevstackError && err.code === 'DEVSTACK_CONFIG_INVALID' && message.test(err.message);

  it('rejects an upstream that is not plain HTTP with a port, a key that is not base64, a user with ":"', () => {
    assert.throws(() => nginxConfig({ ...base, upstream: 'https://127.0.0.1:9200' }), invalid(/plain HTTP/));
    assert.throws(() => nginxConfig({ ...base, upstream: 'http://127.0.0.1' }), invalid(/with a port/));
    assert.throws(() => nginxConfig({ ...base, apiKey: 'a"b' }), invalid(/must be base64/));
    assert.throws(() => nginxConfig({ ...base, username: 'a:b' }), invalid(/cannot contain ":"/));
  });

  it('accepts exactly the two credentials it was given', () => {
    const config = nginxConfig(base);
    assert.ok(
      config.includes(`if ($http_authorization = "Basic ${Buffer.from('skein:pw').toString('base64')}")`),
    );
    assert.ok(config.includes('if ($http_authorization = "ApiKey aWQ6c2VjcmV0")'));
    assert.equal(config.match(/set \$skein_authorized 1;/g)?.length, 2);
    assert.ok(config.includes('proxy_set_header Authorization "";'));
  });

  it('an nginx that fails quoting the config lines with the credentials: none of them in the error', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'skein-nginx-test-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    // As nginx -t does for a directive it cannot parse: the line, credentials and all, on its output.
    const fake = join(dir, 'fake-nginx');
    writeFileSync(fake, '#!/bin/sh\necho "nginx: [emerg] in $4:"\ngrep http_authorization "$4"\nexit 1\n', {
      mode: 0o755,
    });
    const password = 'Never-Shown_pw42';
    const apiKey = Buffer.from('key-id-0123456789abc:NeverShown0123456789ab').toString('base64');
    const basic = Buffer.from(`skein:${password}`).toString('base64');
    await assert.rejects(
      startElasticsearchProxy({
        dir: join(dir, 'proxy'),
        upstream: 'http://127.0.0.1:9200',
        certs: {
          caFile: join(dir, 'none.crt'),
          serverCertFile: 's.crt',
          serverKeyFile: 's.key',
        } as Certificates,
        username: 'skein',
        password,
        apiKey,
        nginx: fake,
        startTimeoutMs: 20_000,
      }),
      (err: unknown) => {
        assert.ok(err instanceof DevstackError, String(err));
        assert.equal(err.code, 'DEVSTACK_PROCESS_EXITED');
        assert.match(err.message, /nginx said: nginx: \[emerg\] in .*nginx\.conf:/);
        assert.match(err.message, /if \(\$http_authorization = "Basic \[REDACTED\]"\)/);
        assert.match(err.message, /if \(\$http_authorization = "ApiKey \[REDACTED\]"\)/);
        for (const secret of [password, apiKey, basic]) assert.equal(err.message.includes(secret), false);
        return true;
      },
    );
    assert.equal(statSync(join(dir, 'proxy', 'nginx.conf')).mode & 0o777, 0o600);
  });

  it('says what to do when SKEIN_NGINX is not an executable', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'skein-nginx-test-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'nginx');
    writeFileSync(file, '', { mode: 0o644 });
    await assert.rejects(
      ensureNginx(() => undefined, { SKEIN_NGINX: file }),
      (err: unknown) =>
        err instanceof DevstackError &&
        err.code === 'DEVSTACK_NGINX_MISSING' &&
        err.message === `SKEIN_NGINX=${file} is not an executable file`,
    );
  });
});
