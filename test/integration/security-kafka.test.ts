// Kafka over TLS and SASL against the devstack's secure listeners: the agent, the ingester, replay and tracegen
// work with the right credentials and certificates, stop at start with KAFKA_AUTH_FAILED or KAFKA_TLS_FAILED on
// wrong ones, and the password shows up in no log line, no error and no /metrics.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main } from '@skein/cli';
import { freePort, generateCertificates, type Certificates } from '@skein/devstack';
import { encodeEmitBatch } from '@skein/model';
import {
  SkeinError,
  createKafka,
  kafkaSecurity,
  kafkaSecurityError,
  kafkaSecuritySchema,
  loadConfig,
} from '@skein/runtime';
import { sendUdp, startTestAgent } from '../support/agent.js';
import { countDocs, esClient, exactTerms, startTestIngester } from '../support/ingester.js';
import { createTopic, readTopic } from '../support/kafka.js';
import { testSecurity } from '../support/security.js';
import { makeBatch, randomTraceId } from '../support/spans.js';
import { eventually, testStack, uniqueName } from '../support/stack.js';

const bin = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));

interface Cli {
  /** Everything written to stdout and stderr so far. */
  output(): string;
  exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

/** `skein <args>` as a process, with `env` added to this one's. */
function startCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Cli {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { output: () => output, exited, kill: (signal) => void child.kill(signal) };
}

/** Receivers other than the compact UDP port switched off, admin on loopback. */
function agentArgs(udp: number, admin: number): string[] {
  return [
    'agent',
    `--udp.compact.port=${udp}`,
    '--udp.binary.port=0',
    '--udp.zipkin.port=0',
    '--http.port=0',
    '--grpc.port=0',
    '--sampling.port=0',
    '--otlp.grpc.port=0',
    '--otlp.http.port=0',
    `--admin.port=${admin}`,
    '--receivers.host=127.0.0.1',
    '--admin.host=127.0.0.1',
  ];
}

async function healthy(what: string, adminPort: number): Promise<void> {
  await eventually(
    `${what} healthy`,
    async () => ((await fetch(`http://127.0.0.1:${adminPort}/health`)).status === 200 ? true : undefined),
    60_000,
  );
}

/** `traces` traces of 5 spans each, one UDP packet per trace; returns their IDs. */
async function sendTraces(udpPort: number, service: string, traces: number): Promise<string[]> {
  const ids = Array.from({ length: traces }, () => randomTraceId());
  await sendUdp(
    udpPort,
    ids.map((id, i) => encodeEmitBatch(makeBatch(service, [id], 5), 'compact', i)),
  );
  return ids;
}

describe('Kafka TLS and SASL', { concurrency: true }, () => {
  const { kafkaBrokers, elasticsearchUrl } = testStack();
  const security = testSecurity();
  const { username, password } = security.kafka;
  const saslSsl = security.kafka.saslSslBrokers.join(',');
  const ssl = security.kafka.sslBrokers.join(',');
  const work = mkdtempSync(join(tmpdir(), 'skein-security-kafka-'));
  const passwordFile = join(work, 'kafka-password');
  const es = esClient(elasticsearchUrl);
  let untrusted: Certificates;
  const topics = {
    sasl: uniqueName('skein-sasl'),
    mtls: uniqueName('skein-mtls'),
    tools: uniqueName('skein-sasl-tools'),
  };

  before(async () => {
    writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
    // One after the other, before the tests run at once: a young broker may answer a burst of creations with
    // UNKNOWN_TOPIC_OR_PARTITION while it waits for their leaders.
    await createTopic(kafkaBrokers, topics.sasl, 3);
    await createTopic(kafkaBrokers, topics.mtls, 2);
    await createTopic(kafkaBrokers, topics.tools, 2);
    untrusted = await generateCertificates(join(work, 'untrusted'), { caName: 'a CA Kafka does not know' });
  });
  after(async () => {
    rmSync(work, { recursive: true, force: true });
    await es.close();
  });

  it('agent (SCRAM-SHA-512) and ingester (PLAIN) carry spans over SASL_SSL into Elasticsearch; no password in their logs or /metrics', async () => {
    const topic = topics.sasl;
    const prefix = `${uniqueName('sasl')}-`;
    const [udp, agentAdmin, ingesterAdmin] = [await freePort(), await freePort(), await freePort()];
    const kafka = [
      `--kafka.brokers=${saslSsl}`,
      `--kafka.topic=${topic}`,
      `--kafka.tls.ca-file=${security.caFile}`,
    ];
    // The agent's password from the environment, the ingester's from a file; both log everything.
    const agent = startCli(
      [
        ...agentArgs(udp, agentAdmin),
        ...kafka,
        '--kafka.sasl.mechanism=scram-sha-512',
        `--kafka.sasl.username=${username}`,
        '--log.level=debug',
      ],
      { SKEIN_KAFKA_SASL_PASSWORD: password },
    );
    const ingester = startCli([
      'ingester',
      `--admin.port=${ingesterAdmin}`,
      '--admin.host=127.0.0.1',
      ...kafka,
      `--kafka.group-id=${uniqueName('skein-sasl-group')}`,
      '--kafka.sasl.mechanism=plain',
      `--kafka.sasl.username=${username}`,
      `--kafka.sasl.password-file=${passwordFile}`,
      `--es.url=${elasticsearchUrl}`,
      `--es.index-prefix=${prefix}`,
      '--es.shards=1',
      '--es.replicas=0',
      '--bulk.flush-interval=50ms',
      '--log.level=debug',
    ]);
    try {
      await healthy('agent', agentAdmin);
      await healthy('ingester', ingesterAdmin);
      const ids = await sendTraces(udp, 'svc-sasl', 20);
      await eventually(
        '100 span documents',
        async () => ((await countDocs(es, `${prefix}jaeger-span-*`)) === 100 ? true : undefined),
        120_000,
      );
      const traces = await exactTerms(es, `${prefix}jaeger-span-*`, 'traceID');
      assert.deepEqual([...traces.keys()].sort(), [...ids].sort());
      assert.ok([...traces.values()].every((n) => n === 5));

      const metrics = await Promise.all(
        [agentAdmin, ingesterAdmin].map(async (port) =>
          (await fetch(`http://127.0.0.1:${port}/metrics`)).text(),
        ),
      );
      agent.kill('SIGTERM');
      ingester.kill('SIGTERM');
      assert.equal(await agent.exited, 0, agent.output().slice(-2000));
      assert.equal(await ingester.exited, 0, ingester.output().slice(-2000));

      const everything = [agent.output(), ingester.output(), ...metrics].join('\n');
      // The output is what it should be: debug lines of both, the Kafka connection, the metrics.
      assert.match(agent.output(), /"msg":"connected to Kafka"/);
      assert.match(ingester.output(), /"msg":"joined the group"/);
      assert.match(metrics[0] ?? '', /^skein_agent_spans_published_total\S* 100$/m);
      assert.equal(everything.includes(password), false, 'the Kafka password is in the output');
      assert.equal(everything.includes(Buffer.from(password).toString('base64')), false);
      // Nothing even tried to log it: redaction, the last line of defence, had nothing to do.
      assert.equal(everything.includes('[REDACTED]'), false);
    } finally {
      agent.kill('SIGKILL');
      ingester.kill('SIGKILL');
    }
  });

  it('agent and ingester work with a client certificate on the SSL listener (mutual TLS)', async () => {
    const topic = topics.mtls;
    const prefix = `${uniqueName('mtls')}-`;
    const tls = {
      'kafka.brokers': ssl,
      'kafka.topic': topic,
      'kafka.tls.ca-file': security.caFile,
      'kafka.tls.cert-file': security.clientCertFile,
      'kafka.tls.key-file': security.clientKeyFile,
    };
    const agent = await startTestAgent(tls);
    const ingester = await startTestIngester({
      ...tls,
      'kafka.group-id': uniqueName('skein-mtls-group'),
      'es.url': elasticsearchUrl,
      'es.index-prefix': prefix,
    });
    try {
      const ids = await sendTraces(agent.ports.compact, 'svc-mtls', 10);
      const messages = await readTopic(kafkaBrokers, topic, 10, 60_000);
      assert.deepEqual(messages.map((m) => m.key).sort(), [...ids].sort());
      await eventually(
        '50 span documents',
        async () => ((await countDocs(es, `${prefix}jaeger-span-*`)) === 50 ? true : undefined),
        120_000,
      );
    } finally {
      await agent.stop();
      await ingester.stop();
    }
  });

  it('a wrong password stops the ingester at start with KAFKA_AUTH_FAILED naming mechanism and user', async () => {
    const wrong = `wrong-${randomTraceId()}`;
    await assert.rejects(
      startTestIngester({
        'kafka.brokers': saslSsl,
        'kafka.topic': uniqueName('skein-wrong'),
        'kafka.tls.ca-file': security.caFile,
        'kafka.sasl.mechanism': 'plain',
        'kafka.sasl.username': username,
        'kafka.sasl.password': wrong,
        'es.url': elasticsearchUrl,
        'es.index-prefix': `${uniqueName('wrong')}-`,
      }),
      (err: unknown) => {
        assert.ok(err instanceof SkeinError);
        assert.equal(err.code, 'KAFKA_AUTH_FAILED');
        assert.equal(
          err.message,
          `Kafka at ${saslSsl} refused SASL PLAIN authentication of user "${username}": Authentication failed: ` +
            'Invalid username or password. Check kafka.sasl.username and kafka.sasl.password (or the file in ' +
            'kafka.sasl.password-file), and that the listener enables PLAIN (kafka.sasl.mechanism)',
        );
        assert.equal(err.message.includes(wrong), false);
        return true;
      },
    );
  });

  it('a wrong password stops `skein agent` at once with exit 1 and KAFKA_AUTH_FAILED', async () => {
    const wrong = `wrong-${randomTraceId()}`;
    const agent = startCli(
      [
        ...agentArgs(await freePort(), await freePort()),
        `--kafka.brokers=${saslSsl}`,
        `--kafka.tls.ca-file=${security.caFile}`,
        '--kafka.sasl.mechanism=scram-sha-256',
        `--kafka.sasl.username=${username}`,
        '--log.level=warn',
      ],
      { SKEIN_KAFKA_SASL_PASSWORD: wrong },
    );
    try {
      assert.equal(await agent.exited, 1, agent.output().slice(-2000));
      const output = agent.output();
      assert.match(
        output,
        new RegExp(
          `^skein agent: KAFKA_AUTH_FAILED: Kafka at ${saslSsl} refused SASL SCRAM-SHA-256 authentication of user "${username}": ` +
            'Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256\\. ' +
            'Check kafka\\.sasl\\.username and kafka\\.sasl\\.password',
          'm',
        ),
      );
      assert.equal(output.includes(wrong), false);
      // Nothing even tried to print it: redaction had nothing to do.
      assert.equal(output.includes('[REDACTED]'), false, output);
    } finally {
      agent.kill('SIGKILL');
    }
  });

  it('a broker certificate from a CA not in kafka.tls.ca-file stops the ingester with KAFKA_TLS_FAILED', async () => {
    await assert.rejects(
      startTestIngester({
        'kafka.brokers': ssl,
        'kafka.topic': uniqueName('skein-untrusted'),
        'kafka.tls.ca-file': untrusted.caFile,
        'kafka.tls.cert-file': security.clientCertFile,
        'kafka.tls.key-file': security.clientKeyFile,
        'es.url': elasticsearchUrl,
        'es.index-prefix': `${uniqueName('untrusted')}-`,
      }),
      (err: unknown) => {
        assert.ok(err instanceof SkeinError);
        assert.equal(err.code, 'KAFKA_TLS_FAILED');
        assert.equal(
          err.message,
          `the certificate of the Kafka broker at ${ssl} is not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE): set ` +
            "kafka.tls.ca-file to the PEM file of the CA that signed the brokers' certificates " +
            `(${untrusted.caFile} did not sign it)`,
        );
        return true;
      },
    );
  });

  it('an agent without TLS at a TLS listener stops with KAFKA_TLS_FAILED', async () => {
    const agent = await startTestAgent({ 'kafka.brokers': ssl, 'kafka.topic': uniqueName('skein-notls') });
    try {
      const failure = await eventually(
        'the agent stopped by its Kafka failure',
        () => agent.running.lifecycle.failure ?? undefined,
        120_000,
      );
      await agent.running.lifecycle.done;
      assert.ok(failure instanceof SkeinError);
      assert.equal(failure.code, 'KAFKA_TLS_FAILED');
      assert.match(
        failure.message,
        new RegExp(`^the Kafka broker at ${ssl} expects TLS, but kafka.tls.enabled is false`),
      );
      assert.equal(agent.running.lifecycle.state, 'failed');
    } finally {
      await agent.stop();
    }
  });

  it('tracegen (SCRAM-SHA-256) and replay (SCRAM-SHA-512) work over SASL_SSL, and say KAFKA_AUTH_FAILED on a wrong password', async () => {
    const topic = topics.tools;
    const prefix = `${uniqueName('sasl-replay')}-`;
    const lines: string[] = [];
    const io = (env: NodeJS.ProcessEnv) => ({
      out: (l: string) => void lines.push(l),
      err: (l: string) => void lines.push(l),
      env: { SKEIN_LOG_LEVEL: 'error', ...env },
    });
    const tls = [
      `--kafka.brokers=${saslSsl}`,
      `--kafka.tls.ca-file=${security.caFile}`,
      `--kafka.sasl.username=${username}`,
    ];
    const tracegen = (env: NodeJS.ProcessEnv) =>
      main(
        [
          'tracegen',
          '--transport=kafka',
          `--kafka.topic=${topic}`,
          '--count=20',
          '--rate=0',
          '--kafka.sasl.mechanism=scram-sha-256',
          ...tls,
        ],
        io(env),
      );
    const replay = (env: NodeJS.ProcessEnv) =>
      main(
        [
          'replay',
          ...tls,
          '--kafka.sasl.mechanism=scram-sha-512',
          `--topic=${topic}`,
          '--from=earliest',
          `--index-prefix=${prefix}`,
          `--es.url=${elasticsearchUrl}`,
          '--es.shards=1',
          '--es.replicas=0',
          `--checkpoint=${join(work, `${prefix}checkpoint.json`)}`,
        ],
        io(env),
      );
    const wrong = `wrong-${randomTraceId()}`;

    assert.equal(await tracegen({ SKEIN_KAFKA_SASL_PASSWORD: wrong }), 1);
    assert.match(
      lines.join('\n'),
      /^skein tracegen: KAFKA_AUTH_FAILED: Kafka at \S+ refused SASL SCRAM-SHA-256 authentication of user/m,
    );
    assert.equal(await replay({ SKEIN_KAFKA_SASL_PASSWORD: wrong }), 1);
    assert.match(
      lines.join('\n'),
      /^skein replay: KAFKA_AUTH_FAILED: Kafka at \S+ refused SASL SCRAM-SHA-512 authentication of user/m,
    );
    assert.equal(lines.join('\n').includes(wrong), false);
    assert.equal(lines.join('\n').includes('[REDACTED]'), false, lines.join('\n'));

    lines.length = 0;
    assert.equal(await tracegen({ SKEIN_KAFKA_SASL_PASSWORD: password }), 0, lines.join('\n'));
    const summary = JSON.parse(lines.at(-1) ?? '{}') as { traces: number; spans: number };
    assert.equal(summary.traces, 20);
    assert.equal(await replay({ SKEIN_KAFKA_SASL_PASSWORD_FILE: passwordFile }), 0, lines.join('\n'));
    assert.equal(await countDocs(es, `${prefix}jaeger-span-*`), summary.spans);
    assert.equal(lines.join('\n').includes(password), false);
    assert.equal(lines.join('\n').includes('[REDACTED]'), false, lines.join('\n'));
  });

  it('reads kafka.sasl.password-file again when a connection authenticates: a rotated password is used on reconnect', async () => {
    const file = join(work, 'rotating-password');
    writeFileSync(file, `${password}\n`);
    const { config } = loadConfig(kafkaSecuritySchema, {
      argv: [
        `--kafka.tls.ca-file=${security.caFile}`,
        '--kafka.sasl.mechanism=scram-sha-512',
        `--kafka.sasl.username=${username}`,
        `--kafka.sasl.password-file=${file}`,
      ],
      env: {},
    });
    const sec = kafkaSecurity(config);
    const brokers = security.kafka.saslSslBrokers;
    const admin = createKafka({ brokers, clientId: 'skein-test-rotation', security: sec }).admin();
    try {
      await admin.connect();
      assert.ok((await admin.listTopics()).length > 0);
      await admin.disconnect();

      writeFileSync(file, 'a-password-kafka-does-not-know\n');
      const refused = await admin.connect().then(
        () => undefined,
        (err: unknown) => err,
      );
      assert.equal(kafkaSecurityError(refused, { brokers, security: sec })?.code, 'KAFKA_AUTH_FAILED');

      writeFileSync(file, `${password}\n`);
      await admin.connect();
      assert.ok((await admin.listTopics()).length > 0);
    } finally {
      await admin.disconnect();
    }
  });
});
