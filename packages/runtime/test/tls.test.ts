// ServerTls against real HTTPS and gRPC servers on loopback with throw-away certificates: what is served, what a
// client must present, and how a changed certificate is picked up (and a broken one is not).
import assert from 'node:assert/strict';
import {
  appendFileSync,
  copyFileSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { connect, type ConnectionOptions } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { generateCertificates, type Certificates } from '@skein/devstack';
import { loadConfig } from '../src/config/schema.js';
import { createLogger, type LogFields } from '../src/log/logger.js';
import { createRegistry } from '../src/metrics/registry.js';
import { bindGrpcServer } from '../src/net/grpc.js';
import { registeredSecrets } from '../src/security/secrets.js';
import { whileReading } from './support/writer.js';
import { listen } from '../src/net/listen.js';
import {
  ServerTls,
  createServerWithTls,
  serverTlsSchema,
  serverTlsSettings,
  tlsReloadCounter,
  type ServerTlsSettings,
} from '../src/net/tls.js';

const work = mkdtempSync(join(tmpdir(), 'skein-tls-'));
let first: Certificates;
let second: Certificates;
before(async () => {
  [first, second] = await Promise.all([
    generateCertificates(join(work, 'first'), { caName: 'first CA' }),
    generateCertificates(join(work, 'second'), { caName: 'second CA' }),
  ]);
});
after(() => rmSync(work, { recursive: true, force: true }));

const fingerprintOf = (file: string): string => new X509Certificate(readFileSync(file)).fingerprint256;

/** Replaces `target` with `source` in one step, as a Kubernetes Secret volume or `mv` does. */
function replace(source: string, target: string): void {
  const tmp = `${target}.new`;
  copyFileSync(source, tmp);
  renameSync(tmp, target);
}

/** A directory holding `certs`' server pair as tls.crt/tls.key, as a mounted Secret would. */
function liveFiles(certs: Certificates): { certFile: string; keyFile: string } {
  const dir = mkdtempSync(join(work, 'live-'));
  const certFile = join(dir, 'tls.crt');
  const keyFile = join(dir, 'tls.key');
  copyFileSync(certs.serverCertFile, certFile);
  copyFileSync(certs.serverKeyFile, keyFile);
  return { certFile, keyFile };
}

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  ms = 10_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The fingerprint of the certificate a TLS handshake with port is served, or the handshake's error code. */
function servedFingerprint(port: number, options: ConnectionOptions = {}): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...options }, () => {
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      socket.end();
      resolve(fingerprint);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(`error ${err.code ?? err.message}`));
  });
}

/** GET / over HTTPS trusting `ca`: the status and body, or the error code. */
function get(port: number, ca: string, client: { cert?: string; key?: string } = {}): Promise<string> {
  return new Promise((resolve) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path: '/',
        ca: readFileSync(ca),
        ...(client.cert ? { cert: readFileSync(client.cert) } : {}),
        ...(client.key ? { key: readFileSync(client.key) } : {}),
        agent: false,
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(`${res.statusCode} ${body}`));
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => resolve(`error ${err.code ?? err.message}`));
    req.end();
  });
}

function recordingLogger(): { logger: ReturnType<typeof createLogger>; lines: LogFields[] } {
  const lines: LogFields[] = [];
  const logger = createLogger({ level: 'info', write: (line) => lines.push(JSON.parse(line) as LogFields) });
  return { logger, lines };
}

async function httpsServer(t: TestContext, tls: ServerTls): Promise<number> {
  const server = createServerWithTls(tls, {}, (_req, res) => res.end('hello'));
  const port = await listen(server, 0, '127.0.0.1');
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return port;
}

const identity = (b: Buffer): Buffer => b;
const echo: grpc.ServiceDefinition = {
  Echo: {
    path: '/test.Echo/Echo',
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

async function grpcServer(t: TestContext, tls: ServerTls): Promise<number> {
  const server = new grpc.Server();
  server.addService(echo, {
    Echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, reply: grpc.sendUnaryData<Buffer>) =>
      reply(null, call.request),
  });
  const port = await bindGrpcServer(
    server,
    '127.0.0.1',
    0,
    { receiver: 'test server', portSetting: 'test port' },
    tls.grpcCredentials(),
  );
  t.after(() => server.forceShutdown());
  return port;
}

/** One Echo call over TLS trusting `ca`: the echoed text, or the status name. */
function callEcho(port: number, credentials: grpc.ChannelCredentials): Promise<string> {
  const client = new grpc.Client(`localhost:${port}`, credentials);
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      '/test.Echo/Echo',
      identity,
      identity,
      Buffer.from('ping'),
      { deadline: Date.now() + 5000 },
      (err, response) => {
        client.close();
        resolve(err ? grpc.status[err.code] : (response as Buffer).toString());
      },
    );
  });
}

const settings = (files: { certFile: string; keyFile: string }, extra: Partial<ServerTlsSettings> = {}) => ({
  prefix: 'test',
  minVersion: 'TLSv1.2' as const,
  ...files,
  ...extra,
});

describe('serverTlsSchema and serverTlsSettings', () => {
  const schema = serverTlsSchema('http', 'the HTTP API');

  it('adds four keys under <prefix>.tls, TLS off and TLSv1.2 by default', () => {
    assert.deepEqual(Object.keys(schema), [
      'http.tls.cert-file',
      'http.tls.key-file',
      'http.tls.client-ca-file',
      'http.tls.min-version',
    ]);
    const { config } = loadConfig(schema, { env: {} });
    assert.deepEqual(config, {
      'http.tls.cert-file': undefined,
      'http.tls.key-file': undefined,
      'http.tls.client-ca-file': undefined,
      'http.tls.min-version': 'TLSv1.2',
    });
    assert.equal(serverTlsSettings(config, 'http'), undefined);
  });

  it('reads the environment and flags, and refuses other versions naming the key', () => {
    const { config } = loadConfig(schema, {
      env: { SKEIN_HTTP_TLS_CERT_FILE: '/c.pem', SKEIN_HTTP_TLS_KEY_FILE: '/k.pem' },
      argv: ['--http.tls.min-version=TLSv1.3', '--http.tls.client-ca-file', '/ca.pem'],
    });
    assert.deepEqual(serverTlsSettings(config, 'http'), {
      prefix: 'http',
      certFile: '/c.pem',
      keyFile: '/k.pem',
      clientCaFile: '/ca.pem',
      minVersion: 'TLSv1.3',
    });
    assert.throws(() => loadConfig(schema, { env: { SKEIN_HTTP_TLS_MIN_VERSION: 'TLSv1.1' } }), {
      code: 'CONFIG_INVALID',
      message:
        'http.tls.min-version: expected one of TLSv1.2, TLSv1.3, got "TLSv1.1" (from env SKEIN_HTTP_TLS_MIN_VERSION)',
    });
  });

  it('names the missing half of a pair, and a client CA without a certificate', () => {
    const load = (argv: string[]) => serverTlsSettings(loadConfig(schema, { env: {}, argv }).config, 'http');
    assert.throws(() => load(['--http.tls.key-file=/k.pem']), {
      message: 'http.tls.cert-file: is needed with http.tls.key-file',
    });
    assert.throws(() => load(['--http.tls.cert-file=/c.pem']), {
      message: 'http.tls.key-file: is needed with http.tls.cert-file',
    });
    assert.throws(() => load(['--http.tls.client-ca-file=/ca.pem']), {
      message:
        'http.tls.client-ca-file: client certificates need TLS: set http.tls.cert-file and http.tls.key-file too',
    });
  });
});

describe('ServerTls loading', () => {
  const logger = createLogger({ level: 'silent' });

  it('loads a pair and reports the certificate it serves', () => {
    const tls = ServerTls.load(settings({ certFile: first.serverCertFile, keyFile: first.serverKeyFile }), {
      logger,
      listener: 'test',
    });
    assert.equal(tls.fingerprint, fingerprintOf(first.serverCertFile));
    assert.equal(tls.contextOptions.minVersion, 'TLSv1.2');
    assert.equal(tls.requireClientCertificate, false);
    assert.equal(tls.reloads, 0);
  });

  it('registers the private key as a secret of the process, so no log line or error can show it', () => {
    ServerTls.load(settings({ certFile: first.serverCertFile, keyFile: first.serverKeyFile }), {
      logger,
      listener: 'test',
    });
    assert.equal(registeredSecrets().includes(readFileSync(first.serverKeyFile, 'utf8')), true);
  });

  it('names the key of the file at fault: unreadable, not PEM, mismatched, bad CA', () => {
    const load = (s: ServerTlsSettings) => () => ServerTls.load(s, { logger, listener: 'test' });
    const garbage = join(work, 'garbage.pem');
    writeFileSync(garbage, 'not a certificate\n');
    assert.throws(load(settings({ certFile: join(work, 'missing.crt'), keyFile: first.serverKeyFile })), {
      code: 'CONFIG_INVALID',
      message: `test.tls.cert-file: cannot read ${join(work, 'missing.crt')}: ENOENT`,
    });
    assert.throws(load(settings({ certFile: first.serverCertFile, keyFile: join(work, 'missing.key') })), {
      message: `test.tls.key-file: cannot read ${join(work, 'missing.key')}: ENOENT`,
    });
    assert.throws(load(settings({ certFile: garbage, keyFile: first.serverKeyFile })), (err: Error) =>
      err.message.startsWith(`test.tls.cert-file: ${garbage} holds no PEM certificate`),
    );
    assert.throws(load(settings({ certFile: first.serverCertFile, keyFile: garbage })), (err: Error) =>
      err.message.startsWith(`test.tls.key-file: ${garbage} holds no unencrypted PEM private key`),
    );
    assert.throws(load(settings({ certFile: first.serverCertFile, keyFile: second.serverKeyFile })), {
      message: `test.tls.key-file: ${second.serverKeyFile} is not the private key of the certificate in ${first.serverCertFile} (test.tls.cert-file); give the matching pair`,
    });
    assert.throws(
      load(
        settings({ certFile: first.serverCertFile, keyFile: first.serverKeyFile }, { clientCaFile: garbage }),
      ),
      (err: Error) =>
        err.message.startsWith(`test.tls.client-ca-file: ${garbage} holds no PEM CA certificate`),
    );
  });
});

describe('ServerTls change detection', () => {
  it('sees a same-size rewrite in place that leaves inode, size and mtime as they were', () => {
    // Both pairs padded to the same sizes (PEM readers skip text after the block), as a rewrite within the file
    // system's timestamp granularity would leave them.
    const pad = (a: string, b: string): [string, string] => {
      const [x, y] = [readFileSync(a, 'utf8'), readFileSync(b, 'utf8')];
      const size = Math.max(x.length, y.length);
      return [x.padEnd(size, '\n'), y.padEnd(size, '\n')];
    };
    const [cert1, cert2] = pad(first.serverCertFile, second.serverCertFile);
    const [key1, key2] = pad(first.serverKeyFile, second.serverKeyFile);
    const files = liveFiles(first);
    const paths = [files.certFile, files.keyFile];
    // Whole seconds, as a coarse file system stamps both writes.
    const wholeSecond = 1_700_000_000;
    const write = (contents: string[]): void =>
      paths.forEach((f, i) => {
        writeFileSync(f, contents[i] as string);
        utimesSync(f, wholeSecond, wholeSecond);
      });
    write([cert1, key1]);
    const { logger } = recordingLogger();
    const tls = ServerTls.load(settings(files), { logger, listener: 'http', reloadIntervalMs: 0 });
    const stamps = paths.map((f) => statSync(f));
    write([cert2, key2]);
    for (const [i, f] of paths.entries()) {
      const before = stamps[i] as Stats;
      const after = statSync(f);
      assert.deepEqual([after.ino, after.size, after.mtimeMs], [before.ino, before.size, before.mtimeMs]);
    }
    assert.equal(tls.check(), true);
    assert.equal(tls.fingerprint, fingerprintOf(second.serverCertFile));
    assert.equal(tls.check(), false, 'unchanged since');
  });

  it('reads a file a write is still changing again next time, without counting or logging a failure', async (t) => {
    const files = liveFiles(first);
    const registry = createRegistry('test', { defaultMetrics: false });
    const reloads = tlsReloadCounter(registry, 'test');
    const { logger, lines } = recordingLogger();
    const tls = ServerTls.load(settings(files), { logger, listener: 'http', reloadIntervalMs: 0, reloads });
    // The new certificate is in place; the new key is half written, and the rest lands just after it is read.
    const key = readFileSync(second.serverKeyFile, 'utf8');
    const half = Math.floor(key.length / 2);
    replace(second.serverCertFile, files.certFile);
    writeFileSync(files.keyFile, key.slice(0, half));
    let pending = true;
    const writer = whileReading(t, files.keyFile, () => {
      if (pending) appendFileSync(files.keyFile, key.slice(half));
      pending = false;
    });
    assert.equal(tls.check(), false);
    writer.stop();
    assert.equal(tls.fingerprint, fingerprintOf(first.serverCertFile));
    assert.equal(tls.check(), true);
    assert.equal(tls.fingerprint, fingerprintOf(second.serverCertFile));
    assert.deepEqual(
      lines.filter((l) => l.level === 'warn'),
      [],
      'a read a write overlapped is no failure',
    );
    assert.deepEqual(
      (await reloads.get()).values.map((v) => [v.labels.result, v.value]),
      [['loaded', 1]],
    );
  });
});

describe('ServerTls serving', () => {
  it('HTTPS: serves the certificate, picks up a replaced pair, and keeps the previous one when the new is broken', async (t) => {
    const files = liveFiles(first);
    const registry = createRegistry('test', { defaultMetrics: false });
    const reloads = tlsReloadCounter(registry, 'test');
    const { logger, lines } = recordingLogger();
    const tls = ServerTls.load(settings(files), { logger, listener: 'http', reloadIntervalMs: 20, reloads });
    const port = await httpsServer(t, tls);
    assert.equal(await servedFingerprint(port), fingerprintOf(first.serverCertFile));
    assert.equal(await get(port, first.caFile), '200 hello');

    // The key first, then the certificate: in between the pair does not match, which must not be served.
    replace(second.serverKeyFile, files.keyFile);
    await until('the mismatched pair to be refused', () =>
      lines.some(
        (l) => l.msg === 'TLS files changed but cannot be used; still serving the previous certificate',
      )
        ? true
        : undefined,
    );
    assert.equal(await servedFingerprint(port), fingerprintOf(first.serverCertFile));
    assert.equal(await get(port, first.caFile), '200 hello');
    replace(second.serverCertFile, files.certFile);
    await until('the second certificate to be served', async () =>
      (await servedFingerprint(port)) === fingerprintOf(second.serverCertFile) ? true : undefined,
    );
    assert.equal(await get(port, second.caFile), '200 hello');
    assert.equal(await get(port, first.caFile), 'error UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    assert.equal(tls.reloads, 1);
    assert.equal(tls.fingerprint, fingerprintOf(second.serverCertFile));

    // A file gone (a rotation half done) is one failure too; the second certificate is still served.
    rmSync(files.keyFile);
    await until('the missing key to be counted', async () =>
      (await reloads.get()).values.some((v) => v.labels.result === 'failed' && v.value === 2)
        ? true
        : undefined,
    );
    assert.equal(await servedFingerprint(port), fingerprintOf(second.serverCertFile));
    assert.deepEqual(
      (await reloads.get()).values.map((v) => [v.labels.listener, v.labels.result, v.value]).sort(),
      [
        ['http', 'failed', 2],
        ['http', 'loaded', 1],
      ],
    );
    const warnings = lines.filter((l) => l.level === 'warn').map((l) => l.error);
    assert.deepEqual(warnings, [
      `test.tls.key-file: ${files.keyFile} is not the private key of the certificate in ${files.certFile} (test.tls.cert-file); give the matching pair`,
      `test.tls.key-file: cannot read ${files.keyFile}: ENOENT`,
    ]);
  });

  it('plaintext HTTP against the TLS port gets no answer', async (t) => {
    const tls = ServerTls.load(settings({ certFile: first.serverCertFile, keyFile: first.serverKeyFile }), {
      logger: createLogger({ level: 'silent' }),
      listener: 'http',
    });
    const port = await httpsServer(t, tls);
    await assert.rejects(fetch(`http://127.0.0.1:${port}/`));
  });

  it('mutual TLS: only clients with a certificate signed by the client CA get in', async (t) => {
    const tls = ServerTls.load(
      settings(
        { certFile: first.serverCertFile, keyFile: first.serverKeyFile },
        { clientCaFile: first.caFile },
      ),
      { logger: createLogger({ level: 'silent' }), listener: 'http' },
    );
    assert.equal(tls.requireClientCertificate, true);
    const port = await httpsServer(t, tls);
    assert.equal(
      await get(port, first.caFile, { cert: first.clientCertFile, key: first.clientKeyFile }),
      '200 hello',
    );
    assert.match(await get(port, first.caFile), /^error /);
    // Signed by another CA: refused as well.
    assert.match(
      await get(port, first.caFile, { cert: second.clientCertFile, key: second.clientKeyFile }),
      /^error /,
    );
  });

  it('min-version TLSv1.3 refuses a TLS 1.2 client', async (t) => {
    const tls = ServerTls.load(
      settings({ certFile: first.serverCertFile, keyFile: first.serverKeyFile }, { minVersion: 'TLSv1.3' }),
      { logger: createLogger({ level: 'silent' }), listener: 'http' },
    );
    const port = await httpsServer(t, tls);
    assert.match(await servedFingerprint(port, { maxVersion: 'TLSv1.2' }), /^error /);
    assert.equal(
      await servedFingerprint(port, { minVersion: 'TLSv1.3' }),
      fingerprintOf(first.serverCertFile),
    );
  });

  it('gRPC: serves the certificate, picks up a replaced pair, and keeps the previous one when the new is broken', async (t) => {
    const files = liveFiles(first);
    const registry = createRegistry('test', { defaultMetrics: false });
    const reloads = tlsReloadCounter(registry, 'test');
    const tls = ServerTls.load(settings(files), {
      logger: createLogger({ level: 'silent' }),
      listener: 'grpc',
      reloadIntervalMs: 20,
      reloads,
    });
    const port = await grpcServer(t, tls);
    const trustFirst = grpc.credentials.createSsl(readFileSync(first.caFile));
    const trustSecond = grpc.credentials.createSsl(readFileSync(second.caFile));
    assert.equal(
      await servedFingerprint(port, { ALPNProtocols: ['h2'] }),
      fingerprintOf(first.serverCertFile),
    );
    assert.equal(await callEcho(port, trustFirst), 'ping');
    assert.equal(await callEcho(port, grpc.credentials.createInsecure()), 'UNAVAILABLE');

    // A certificate without its key: refused, and the first pair still serves new connections.
    replace(second.serverCertFile, files.certFile);
    await until('the mismatched pair to be counted', async () =>
      (await reloads.get()).values.some((v) => v.labels.result === 'failed') ? true : undefined,
    );
    assert.equal(
      await servedFingerprint(port, { ALPNProtocols: ['h2'] }),
      fingerprintOf(first.serverCertFile),
    );
    assert.equal(await callEcho(port, grpc.credentials.createSsl(readFileSync(first.caFile))), 'ping');

    replace(second.serverKeyFile, files.keyFile);
    await until('the second certificate to be served', async () =>
      (await servedFingerprint(port, { ALPNProtocols: ['h2'] })) === fingerprintOf(second.serverCertFile)
        ? true
        : undefined,
    );
    assert.equal(await callEcho(port, trustSecond), 'ping');
    assert.equal(tls.reloads, 1);
  });

  it('gRPC mutual TLS: a client without a certificate is refused', async (t) => {
    const tls = ServerTls.load(
      settings(
        { certFile: first.serverCertFile, keyFile: first.serverKeyFile },
        { clientCaFile: first.caFile },
      ),
      { logger: createLogger({ level: 'silent' }), listener: 'grpc' },
    );
    const port = await grpcServer(t, tls);
    const ca = readFileSync(first.caFile);
    assert.equal(
      await callEcho(
        port,
        grpc.credentials.createSsl(ca, readFileSync(first.clientKeyFile), readFileSync(first.clientCertFile)),
      ),
      'ping',
    );
    assert.equal(await callEcho(port, grpc.credentials.createSsl(ca)), 'UNAVAILABLE');
  });

  it('stops watching the files once its servers have closed', async () => {
    const tls = ServerTls.load(settings({ certFile: first.serverCertFile, keyFile: first.serverKeyFile }), {
      logger: createLogger({ level: 'silent' }),
      listener: 'http',
      reloadIntervalMs: 20,
    });
    const server = createServerWithTls(tls, {}, (_req, res) => res.end());
    await listen(server, 0, '127.0.0.1');
    const grpcServerInstance = new grpc.Server();
    await bindGrpcServer(
      grpcServerInstance,
      '127.0.0.1',
      0,
      { receiver: 'test', portSetting: 'test' },
      tls.grpcCredentials(),
    );
    assert.equal(tls.watching, true);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    assert.equal(tls.watching, true, 'the gRPC server still uses it');
    await new Promise<void>((resolve) => grpcServerInstance.tryShutdown(() => resolve()));
    assert.equal(tls.watching, false);
  });
});
