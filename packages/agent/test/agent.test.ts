// The agent's listeners as its configuration places them: each on its own or the common address, and the TCP
// receivers over TLS with one certificate. The receivers and the sampling endpoint are started, Kafka is not.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it, type TestContext } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { freePort, generateCertificates, type Certificates } from '@skein/devstack';
import { createLogger, createRegistry, loadConfig, type Service } from '@skein/runtime';
import { Agent } from '../src/agent.js';
import { agentSchema } from '../src/config.js';

const TCP_PORTS = ['http.port', 'grpc.port', 'otlp.grpc.port', 'otlp.http.port', 'sampling.port'];

/** An agent with its TCP listeners on free ports and its UDP ports off (0 switches a listener off). */
async function agentWith(argv: string[]): Promise<Agent> {
  const ports = await Promise.all(TCP_PORTS.map(async (key) => `--${key}=${await freePort()}`));
  const udpOff = ['udp.compact.port', 'udp.binary.port', 'udp.zipkin.port'].map((key) => `--${key}=0`);
  const { config } = loadConfig(agentSchema, { env: {}, argv: [...ports, ...udpOff, ...argv] });
  return new Agent(
    config,
    createLogger({ level: 'silent' }),
    createRegistry('agent', { defaultMetrics: false }),
  );
}

/** Starts the agent's TCP listeners, not its publisher. */
async function startListeners(t: TestContext, agent: Agent): Promise<void> {
  const services: Service[] = [
    ...[agent.http, agent.grpc, agent.otlpGrpc, agent.otlpHttp, agent.sampling].filter(
      (s): s is NonNullable<typeof s> => s !== undefined,
    ),
  ];
  for (const service of services) {
    await service.start();
    t.after(() => service.stop(Date.now() + 1000));
  }
}

/** Whether a TCP connection to host:port is accepted. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect({ host, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/** The fingerprint of the certificate served on port, or `plaintext` when the TLS handshake fails. */
function served(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = tlsConnect(
      { host: '127.0.0.1', port, rejectUnauthorized: false, ALPNProtocols: ['h2', 'http/1.1'] },
      () => {
        const fingerprint = socket.getPeerCertificate().fingerprint256;
        socket.destroy();
        resolve(fingerprint);
      },
    );
    socket.on('error', () => resolve('plaintext'));
  });
}

describe('Agent listeners', () => {
  let certs: Certificates;
  before(async () => {
    certs = await generateCertificates(mkdtempSync(join(tmpdir(), 'skein-agent-tls-')));
  });

  it('binds every receiver to receivers.host (0.0.0.0) unless its own host key says otherwise', () => {
    const { config } = loadConfig(agentSchema, { env: {} });
    assert.equal(config['receivers.host'], '0.0.0.0');
    for (const key of [
      'http.host',
      'grpc.host',
      'sampling.host',
      'otlp.grpc.host',
      'otlp.http.host',
    ] as const) {
      assert.equal(config[key], undefined, key);
    }
    assert.equal(config['receivers.tls.cert-file'], undefined);
    assert.equal(config['receivers.tls.min-version'], 'TLSv1.2');
  });

  it('puts each listener on its own address where one is given', async (t) => {
    // Two loopback addresses: a listener on one refuses connections on the other.
    const agent = await agentWith([
      '--receivers.host=127.0.0.2',
      '--http.host=127.0.0.1',
      '--sampling.host=127.0.0.1',
      '--otlp.http.host=127.0.0.1',
    ]);
    await startListeners(t, agent);
    const where = async (port: number) =>
      `${(await accepts('127.0.0.1', port)) ? '127.0.0.1' : ''}${(await accepts('127.0.0.2', port)) ? '127.0.0.2' : ''}`;
    assert.deepEqual(
      {
        http: await where(agent.http!.port),
        grpc: await where(agent.grpc!.port),
        sampling: await where(agent.sampling!.port),
        otlpGrpc: await where(agent.otlpGrpc!.port),
        otlpHttp: await where(agent.otlpHttp!.port),
      },
      {
        http: '127.0.0.1',
        grpc: '127.0.0.2',
        sampling: '127.0.0.1',
        otlpGrpc: '127.0.0.2',
        otlpHttp: '127.0.0.1',
      },
    );
  });

  it('serves the HTTP, gRPC and both OTLP receivers over TLS with receivers.tls.*; sampling stays plain HTTP', async (t) => {
    const agent = await agentWith([
      '--receivers.host=127.0.0.1',
      `--receivers.tls.cert-file=${certs.serverCertFile}`,
      `--receivers.tls.key-file=${certs.serverKeyFile}`,
    ]);
    await startListeners(t, agent);
    const fingerprint = new X509Certificate(readFileSync(certs.serverCertFile)).fingerprint256;
    assert.deepEqual(
      [
        await served(agent.http!.port),
        await served(agent.grpc!.port),
        await served(agent.otlpGrpc!.port),
        await served(agent.otlpHttp!.port),
        await served(agent.sampling!.port),
      ],
      [fingerprint, fingerprint, fingerprint, fingerprint, 'plaintext'],
    );
    const sampling = await fetch(`http://127.0.0.1:${agent.sampling!.port}/sampling?service=x`);
    assert.equal(sampling.status, 200);
  });

  it('stops at construction with the key of an unusable certificate file named', async () => {
    await assert.rejects(
      agentWith([
        `--receivers.tls.cert-file=${join(tmpdir(), 'skein-no-such-cert.pem')}`,
        `--receivers.tls.key-file=${certs.serverKeyFile}`,
      ]),
      {
        code: 'CONFIG_INVALID',
        message: `receivers.tls.cert-file: cannot read ${join(tmpdir(), 'skein-no-such-cert.pem')}: ENOENT`,
      },
    );
    await assert.rejects(agentWith([`--receivers.tls.key-file=${certs.serverKeyFile}`]), {
      message: 'receivers.tls.cert-file: is needed with receivers.tls.key-file',
    });
  });
});
