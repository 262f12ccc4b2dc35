import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect, createServer, type ConnectionOptions, type Server, type TLSSocket } from 'node:tls';
import { generateCertificates, type Certificates } from '../src/tls.js';

/** Greetings each server sent, so a test sees whom it let in. */
const greeted = new Map<Server, string[]>();

/** A TLS server presenting the server certificate that writes `hello <client CN or anonymous>` and closes. */
function helloServer(certs: Certificates, mutual: boolean): Promise<Server> {
  const sent: string[] = [];
  const server = createServer(
    {
      cert: readFileSync(certs.serverCertFile),
      key: readFileSync(certs.serverKeyFile),
      ...(mutual ? { ca: readFileSync(certs.caFile), requestCert: true, rejectUnauthorized: true } : {}),
    },
    (socket) => {
      const peer = socket.getPeerCertificate();
      const hello = `hello ${peer.subject?.CN ?? 'anonymous'}`;
      sent.push(hello);
      socket.end(hello);
    },
  );
  greeted.set(server, sent);
  // A refused client surfaces as a socket error on the server side; it is the expected outcome here.
  server.on('tlsClientError', () => undefined);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Connects, reads everything the server says, and resolves with it; rejects with the TLS error. */
function talk(port: number, options: ConnectionOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const socket: TLSSocket = connect({ host: '127.0.0.1', port, ...options });
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    // TLS 1.3 finishes the client's handshake before the server checks its certificate: the refusal is an
    // alert that may arrive after the connection ended, so only `close` settles a clean exchange.
    socket.on('error', reject);
    socket.on('close', () => resolve(text));
  });
}

describe('generateCertificates', () => {
  let certs: Certificates;
  let other: Certificates;
  let server: Server;
  let mutual: Server;
  let dir: string;
  const port = (s: Server): number => (s.address() as AddressInfo).port;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skein-tls-test-'));
    [certs, other] = await Promise.all([
      generateCertificates(join(dir, 'a')),
      generateCertificates(join(dir, 'b'), { caName: 'another CA' }),
    ]);
    [server, mutual] = await Promise.all([helloServer(certs, false), helloServer(certs, true)]);
  });

  after(() => {
    server.close();
    mutual.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('makes a server certificate a client trusting the CA accepts, for 127.0.0.1 and localhost', async () => {
    const ca = readFileSync(certs.caFile);
    assert.equal(await talk(port(server), { ca }), 'hello anonymous');
    assert.equal(await talk(port(server), { ca, servername: 'localhost' }), 'hello anonymous');
  });

  it('is refused by a client that does not trust the CA', async () => {
    await assert.rejects(talk(port(server), {}), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    await assert.rejects(talk(port(server), { ca: readFileSync(other.caFile) }), {
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    });
  });

  it('names localhost, 127.0.0.1 and ::1 in the server certificate', () => {
    const cert = new X509Certificate(readFileSync(certs.serverCertFile));
    assert.equal(cert.checkHost('localhost'), 'localhost');
    assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(cert.checkIP('::1'), '::1');
    assert.equal(cert.checkHost('example.com'), undefined);
  });

  it('makes a client certificate that verifies against the CA and passes mutual TLS', async () => {
    const ca = new X509Certificate(readFileSync(certs.caFile));
    const client = new X509Certificate(readFileSync(certs.clientCertFile));
    assert.equal(client.verify(ca.publicKey), true);
    assert.equal(client.checkIssued(ca), true);
    assert.equal(client.subject, 'CN=skein-client');
    assert.equal(client.verify(new X509Certificate(readFileSync(other.caFile)).publicKey), false);
    const hello = await talk(port(mutual), {
      ca: readFileSync(certs.caFile),
      cert: readFileSync(certs.clientCertFile),
      key: readFileSync(certs.clientKeyFile),
    });
    assert.equal(hello, 'hello skein-client');
  });

  it('has mutual TLS refuse a client without a certificate or with one from another CA', async () => {
    const ca = readFileSync(certs.caFile);
    const before = greeted.get(mutual)?.length;
    await assert.rejects(talk(port(mutual), { ca }), { code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' });
    // Refused with an alert or a reset depending on timing; either way the client hears no greeting.
    const foreign = await talk(port(mutual), {
      ca,
      cert: readFileSync(other.clientCertFile),
      key: readFileSync(other.clientKeyFile),
    }).catch((err: Error) => `refused: ${err.message}`);
    assert.doesNotMatch(foreign, /hello/);
    assert.equal(greeted.get(mutual)?.length, before);
  });

  it('keeps every private key readable by its owner only', () => {
    for (const key of [certs.caKeyFile, certs.serverKeyFile, certs.serverPemFile, certs.clientKeyFile]) {
      assert.equal(statSync(key).mode & 0o777, 0o600, key);
    }
  });
});
