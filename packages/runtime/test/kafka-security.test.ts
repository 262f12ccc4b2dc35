// The Kafka security keys: validation at start, the kafkajs options they become, password files, and the errors
// that stop a component (with real TLS failures from servers on loopback, wrapped as kafkajs wraps them).
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer as createTcpServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect, createServer as createTlsServer, type ConnectionOptions } from 'node:tls';
import { inspect } from 'node:util';
import { generateCertificates, type Certificates } from '@skein/devstack';
import kafkajs from 'kafkajs';
import { loadConfig } from '../src/config/schema.js';
import { ConfigError, SkeinError } from '../src/errors.js';
import { createLogger } from '../src/log/logger.js';
import {
  kafkaSecurity,
  kafkaSecurityError,
  kafkaSecuritySchema,
  kafkaStartError,
  type KafkaSecurity,
} from '../src/security/kafka.js';
import { registeredSecrets } from '../src/security/secrets.js';
import { whileReading } from './support/writer.js';

const work = mkdtempSync(join(tmpdir(), 'skein-kafka-security-'));
let certs: Certificates;
let other: Certificates;
before(async () => {
  [certs, other] = await Promise.all([
    generateCertificates(join(work, 'certs'), { caName: 'kafka test CA' }),
    generateCertificates(join(work, 'other'), { caName: 'some other CA' }),
  ]);
});
after(() => rmSync(work, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const path = join(work, name);
  writeFileSync(path, content);
  return path;
}

/** The security options from flags alone, as a component reads them. */
function fromFlags(argv: string[], env: NodeJS.ProcessEnv = {}, lines: string[] = []): KafkaSecurity {
  const { config } = loadConfig(kafkaSecuritySchema, { argv, env });
  return kafkaSecurity(config, { logger: createLogger({ write: (l) => lines.push(l) }) });
}

function configError(argv: string[], env: NodeJS.ProcessEnv = {}): ConfigError {
  try {
    fromFlags(argv, env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  assert.fail(`no ConfigError for ${argv.join(' ')}`);
}

describe('kafkaSecurity: validation', () => {
  it('is plaintext without SASL by default', () => {
    const security = fromFlags([]);
    assert.equal(security.ssl, undefined);
    assert.equal(security.sasl, undefined);
    assert.equal(security.mechanism, 'none');
  });

  it('refuses a password and a password file together, without showing the password', () => {
    const err = configError([
      '--kafka.sasl.mechanism=plain',
      '--kafka.sasl.username=alice',
      '--kafka.sasl.password=both-given-pw',
      `--kafka.sasl.password-file=${file('pw-both', 'other\n')}`,
    ]);
    assert.equal(err.key, 'kafka.sasl.password-file');
    assert.equal(
      err.message,
      'kafka.sasl.password-file: is set, and so is kafka.sasl.password: give only one (the file keeps the password out of the environment)',
    );
    assert.equal(err.message.includes('both-given-pw'), false);
  });

  it('needs a user name and a password with a mechanism', () => {
    const noUser = configError(['--kafka.sasl.mechanism=scram-sha-256', '--kafka.sasl.password=pw-no-user']);
    assert.equal(noUser.key, 'kafka.sasl.username');
    assert.equal(noUser.message, 'kafka.sasl.username: is required with kafka.sasl.mechanism=scram-sha-256');
    const noPassword = configError(['--kafka.sasl.mechanism=scram-sha-512', '--kafka.sasl.username=alice']);
    assert.equal(noPassword.key, 'kafka.sasl.password');
    assert.match(
      noPassword.message,
      /^kafka.sasl.password: is required with kafka.sasl.mechanism=scram-sha-512, or kafka.sasl.password-file/,
    );
    assert.match(noPassword.message, /SKEIN_KAFKA_SASL_PASSWORD/);
  });

  it('refuses credentials without a mechanism, so they are not silently unused', () => {
    const err = configError(['--kafka.sasl.username=alice'], { SKEIN_KAFKA_SASL_PASSWORD: 'unused-env-pw' });
    assert.equal(err.key, 'kafka.sasl.mechanism');
    assert.equal(err.message.includes('unused-env-pw'), false);
  });

  it('needs a certificate and its key together', () => {
    assert.equal(configError([`--kafka.tls.cert-file=${certs.clientCertFile}`]).key, 'kafka.tls.key-file');
    assert.equal(configError([`--kafka.tls.key-file=${certs.clientKeyFile}`]).key, 'kafka.tls.cert-file');
  });

  it('names the key and the file it cannot read, not the content', () => {
    const missing = join(work, 'no-such-ca.pem');
    const err = configError([`--kafka.tls.ca-file=${missing}`]);
    assert.equal(err.message, `kafka.tls.ca-file: cannot read ${missing}: no such file`);
    const notPem = file('not-pem.txt', 'just-some-text-inside');
    const err2 = configError([`--kafka.tls.ca-file=${notPem}`]);
    assert.equal(err2.message, `kafka.tls.ca-file: ${notPem} holds no PEM certificate`);
    const missingPw = join(work, 'no-such-password');
    const err3 = configError([
      '--kafka.sasl.mechanism=plain',
      '--kafka.sasl.username=alice',
      `--kafka.sasl.password-file=${missingPw}`,
    ]);
    assert.equal(err3.message, `kafka.sasl.password-file: cannot read ${missingPw}: no such file`);
  });

  it("refuses a key that is not the certificate's, without showing the key", () => {
    const err = configError([
      `--kafka.tls.cert-file=${certs.clientCertFile}`,
      `--kafka.tls.key-file=${other.clientKeyFile}`,
    ]);
    assert.equal(err.key, 'kafka.tls.cert-file');
    assert.match(err.message, /cannot be used: .*key values mismatch/);
    assert.equal(err.message.includes('PRIVATE KEY'), false);
  });
});

describe('kafkaSecurity: kafkajs options', () => {
  it('turns TLS on with a CA file, and adds the client certificate and server name', () => {
    const security = fromFlags([
      `--kafka.tls.ca-file=${certs.caFile}`,
      `--kafka.tls.cert-file=${certs.clientCertFile}`,
      `--kafka.tls.key-file=${certs.clientKeyFile}`,
      '--kafka.tls.server-name=kafka.internal',
    ]);
    const key = readFileSync(certs.clientKeyFile, 'utf8');
    assert.deepEqual(security.ssl, {
      rejectUnauthorized: true,
      ca: readFileSync(certs.caFile, 'utf8'),
      cert: readFileSync(certs.clientCertFile, 'utf8'),
      key,
      servername: 'kafka.internal',
    });
    assert.equal(security.caFile, certs.caFile);
    assert.equal(registeredSecrets().includes(key), true);
  });

  it("turns TLS on with kafka.tls.enabled alone, verifying against Node's built-in CAs", () => {
    assert.deepEqual(fromFlags(['--kafka.tls.enabled']).ssl, { rejectUnauthorized: true });
  });

  it('warns at every start when certificates are not verified', () => {
    const lines: string[] = [];
    const security = fromFlags(['--kafka.tls.insecure-skip-verify'], {}, lines);
    assert.deepEqual(security.ssl, { rejectUnauthorized: false });
    assert.equal(lines.length, 1);
    const line = JSON.parse(lines[0] as string) as { level: string; msg: string };
    assert.equal(line.level, 'warn');
    assert.match(line.msg, /^kafka.tls.insecure-skip-verify is true: any certificate is accepted/);
  });

  it('warns at every start when SASL runs without TLS, plain or SCRAM, and not with TLS', () => {
    const env = { SKEIN_KAFKA_SASL_PASSWORD: 'no-tls-pw-31' };
    const warnings = (argv: string[]): string[] => {
      const lines: string[] = [];
      fromFlags(['--kafka.sasl.username=alice', ...argv], env, lines);
      return lines
        .map((l) => JSON.parse(l) as { level: string; msg: string })
        .map((l) => `${l.level} ${l.msg}`);
    };
    assert.deepEqual(warnings(['--kafka.sasl.mechanism=plain']), [
      'warn kafka.sasl.mechanism is plain without TLS: the password of user "alice" crosses the network in ' +
        'clear text at every connection, and the spans travel unencrypted. Connect to a SASL_SSL listener with ' +
        'kafka.tls.enabled=true (and kafka.tls.ca-file)',
    ]);
    assert.deepEqual(warnings(['--kafka.sasl.mechanism=scram-sha-256']), [
      'warn kafka.sasl.mechanism is scram-sha-256 without TLS: SCRAM keeps the password off the network, but ' +
        'the spans travel unencrypted, and whoever can intercept the connection can read and change them. ' +
        'Connect to a SASL_SSL listener with kafka.tls.enabled=true (and kafka.tls.ca-file)',
    ]);
    assert.deepEqual(warnings(['--kafka.sasl.mechanism=plain', '--kafka.tls.enabled']), []);
    assert.deepEqual(
      warnings(['--kafka.sasl.mechanism=scram-sha-512', `--kafka.tls.ca-file=${certs.caFile}`]),
      [],
    );
  });

  it('takes the password from SKEIN_KAFKA_SASL_PASSWORD and never shows it', () => {
    const security = fromFlags([], {
      SKEIN_KAFKA_SASL_MECHANISM: 'scram-sha-512',
      SKEIN_KAFKA_SASL_USERNAME: 'alice',
      SKEIN_KAFKA_SASL_PASSWORD: 'env-pw-1234',
    });
    const sasl = security.sasl as { mechanism: string; username: string; password: string };
    assert.equal(sasl.mechanism, 'scram-sha-512');
    assert.equal(sasl.username, 'alice');
    assert.equal(sasl.password, 'env-pw-1234');
    assert.equal(JSON.stringify(sasl), '{"mechanism":"scram-sha-512","username":"alice"}');
    assert.equal(inspect(sasl, { depth: 5 }).includes('env-pw-1234'), false);
    assert.equal(registeredSecrets().includes('env-pw-1234'), true);
  });

  it('reads the password file again at each use, so a rotated password is picked up', () => {
    const pwFile = file('rotating-pw', 'first-pw-value\n');
    const security = fromFlags([
      '--kafka.sasl.mechanism=plain',
      '--kafka.sasl.username=alice',
      `--kafka.sasl.password-file=${pwFile}`,
    ]);
    const sasl = security.sasl as { password: string };
    assert.equal(sasl.password, 'first-pw-value');
    writeFileSync(pwFile, 'second-pw-value\n');
    assert.equal(sasl.password, 'second-pw-value');
    assert.equal(registeredSecrets().includes('second-pw-value'), true);
    // Mid-rotation the file may be briefly gone: the last password read stays in use.
    unlinkSync(pwFile);
    assert.equal(sasl.password, 'second-pw-value');
  });

  it('takes no half-written password file: a read a write overlapped keeps the last password', (t) => {
    const pwFile = file('half-written-pw', 'whole-pw-one\n');
    const sasl = fromFlags([
      '--kafka.sasl.mechanism=scram-sha-256',
      '--kafka.sasl.username=alice',
      '--kafka.tls.enabled',
      `--kafka.sasl.password-file=${pwFile}`,
    ]).sasl as { password: string };
    assert.equal(sasl.password, 'whole-pw-one');
    // A writer in the middle of the file: each read sees a part, and the rest arrives right after it.
    writeFileSync(pwFile, 'whole-pw');
    let writes = 0;
    const writer = whileReading(t, pwFile, () => {
      writes++;
      appendFileSync(pwFile, '-two');
    });
    assert.equal(sasl.password, 'whole-pw-one', 'a partly written password is not used');
    assert.equal(writes, 3, 'read again, up to three times, while it changed');
    assert.equal(registeredSecrets().includes('whole-pw'), false);
    writer.stop();
    writeFileSync(pwFile, 'whole-pw-two\n');
    assert.equal(sasl.password, 'whole-pw-two', 'the next authentication reads it again');
  });
});

const {
  KafkaJSConnectionError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSNonRetriableError,
  KafkaJSProtocolError,
} = kafkajs;
const KafkaJSSASLAuthenticationError = kafkajs.KafkaJSSASLAuthenticationError as unknown as new (
  message: string,
) => Error;

/** A socket error wrapped as kafkajs wraps it: a connection error, retried until the retries ran out. */
function asKafkajs(err: NodeJS.ErrnoException, broker: string): Error {
  const connection = new KafkaJSConnectionError(`Connection error: ${err.message}`, {
    broker,
    ...(err.code === undefined ? {} : { code: err.code }),
  });
  return new KafkaJSNumberOfRetriesExceeded(connection, { retryCount: 5, retryTime: 4000 });
}

/** The error Node's TLS client gives connecting to `port` with `options`. */
function tlsFailure(port: number, options: ConnectionOptions): Promise<NodeJS.ErrnoException> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ...options });
    socket.once('secureConnect', () => {
      socket.destroy();
      reject(new Error('the TLS handshake succeeded'));
    });
    socket.once('error', (err) => resolve(err));
  });
}

function listening(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
}

describe('kafkaSecurityError', () => {
  let tlsServer: Server;
  let tlsPort: number;
  let plainServer: Server;
  let plainPort: number;
  before(async () => {
    tlsServer = createTlsServer(
      { cert: readFileSync(certs.serverCertFile), key: readFileSync(certs.serverKeyFile) },
      (socket) => socket.end(),
    );
    tlsPort = await listening(tlsServer);
    // A plaintext Kafka listener closes the connection on a TLS ClientHello (an absurd request size).
    plainServer = createTcpServer((socket) => socket.once('data', () => socket.destroy()));
    plainPort = await listening(plainServer);
  });
  after(() => {
    tlsServer.close();
    plainServer.close();
  });

  const scram = (): KafkaSecurity =>
    fromFlags(['--kafka.sasl.mechanism=scram-sha-512', '--kafka.sasl.username=alice'], {
      SKEIN_KAFKA_SASL_PASSWORD: 'wrong-pw-5678',
    });

  it('maps a refused SASL authentication to KAFKA_AUTH_FAILED naming mechanism, user, broker and keys', () => {
    const refused = new KafkaJSSASLAuthenticationError(
      'SASL SCRAM SHA512 authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512',
    );
    // As kafkajs's retrier passes on an error it will not retry.
    const NonRetriable = KafkaJSNonRetriableError as unknown as new (e: Error, o: { cause: Error }) => Error;
    const err = kafkaSecurityError(new NonRetriable(refused, { cause: refused }), {
      brokers: ['kafka-1:9094'],
      security: scram(),
    });
    assert.ok(err instanceof SkeinError);
    assert.equal(err.code, 'KAFKA_AUTH_FAILED');
    assert.equal(
      err.message,
      'Kafka at kafka-1:9094 refused SASL SCRAM-SHA-512 authentication of user "alice": Authentication failed ' +
        'during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512. Check kafka.sasl.username and kafka.sasl.password (or the file in ' +
        'kafka.sasl.password-file), and that the listener enables SCRAM-SHA-512 (kafka.sasl.mechanism)',
    );
    assert.equal(err.message.includes('wrong-pw-5678'), false);
    // Nothing even tried to put it there: redaction had nothing to do.
    assert.equal(err.message.includes('[REDACTED]'), false);
  });

  /** A kafkajs protocol error as kafkajs builds it from Kafka's error code (kafkajs/src/protocol/error.js). */
  const protocolError = (type: string, code: number, message: string): Error =>
    new (KafkaJSProtocolError as unknown as new (e: object) => Error)({
      type,
      code,
      message,
      retriable: false,
    });

  it('maps an authorization error of each kind to KAFKA_AUTH_FAILED naming principal, resource and what to grant', () => {
    const consumer = {
      brokers: ['kafka-1:9094', 'kafka-2:9094'],
      security: scram(),
      role: 'consumer' as const,
      topic: 'skein-spans',
      groupId: 'skein-ingester',
    };
    const topic = kafkaSecurityError(
      protocolError(
        'TOPIC_AUTHORIZATION_FAILED',
        29,
        'Not authorized to access topics: [Topic authorization failed]',
      ),
      consumer,
    );
    assert.ok(topic instanceof SkeinError);
    assert.equal(topic.code, 'KAFKA_AUTH_FAILED');
    assert.equal(
      topic.message,
      'Kafka at kafka-1:9094, kafka-2:9094 refused User:alice access to the topic "skein-spans" (kafka.topic) ' +
        '(TOPIC_AUTHORIZATION_FAILED): the brokers accepted the client, but no ACL allows what it asked. Grant ' +
        "User:alice Read and Describe on that Topic, e.g. kafka-acls.sh --bootstrap-server kafka-1:9094 --add --allow-principal 'User:alice' " +
        '--operation Read --operation Describe --topic skein-spans; or, if that is not the principal meant, check ' +
        'kafka.sasl.username (or kafka.tls.cert-file)',
    );
    // As the consumer's crash passes it on: wrapped by the retrier, the protocol error as its cause.
    const NonRetriable = KafkaJSNonRetriableError as unknown as new (e: Error, o: { cause: Error }) => Error;
    const denied = protocolError(
      'GROUP_AUTHORIZATION_FAILED',
      30,
      'Not authorized to access group: Group authorization failed',
    );
    const group = kafkaSecurityError(new NonRetriable(denied, { cause: denied }), consumer);
    assert.equal(group?.code, 'KAFKA_AUTH_FAILED');
    assert.match(
      group?.message ?? '',
      /^Kafka at kafka-1:9094, kafka-2:9094 refused User:alice access to the consumer group "skein-ingester" \(kafka.group-id\) \(GROUP_AUTHORIZATION_FAILED\): .* Grant User:alice Read on that Group, e.g. kafka-acls.sh --bootstrap-server kafka-1:9094 --add --allow-principal 'User:alice' --operation Read --group skein-ingester;/,
    );

    // With a client certificate and no SASL, the principal is the certificate's subject.
    const mtls = fromFlags([
      `--kafka.tls.ca-file=${certs.caFile}`,
      `--kafka.tls.cert-file=${certs.clientCertFile}`,
      `--kafka.tls.key-file=${certs.clientKeyFile}`,
    ]);
    const producer = { brokers: ['kafka-1:9093'], security: mtls, role: 'producer' as const, topic: 'spans' };
    assert.match(
      kafkaSecurityError(protocolError('TOPIC_AUTHORIZATION_FAILED', 29, 'denied'), producer)?.message ?? '',
      /refused User:CN=skein-client access to the topic "spans" \(kafka.topic\) .* Grant User:CN=skein-client Write and Describe on that Topic, e.g. .* --allow-principal 'User:CN=skein-client' --operation Write --operation Describe --topic spans;/,
    );
    assert.match(
      kafkaSecurityError(
        protocolError('CLUSTER_AUTHORIZATION_FAILED', 31, 'Cluster authorization failed'),
        producer,
      )?.message ?? '',
      /refused User:CN=skein-client access to the cluster \(CLUSTER_AUTHORIZATION_FAILED\): .* --operation IdempotentWrite --cluster;/,
    );
    // Without SASL or a certificate, Kafka sees ANONYMOUS.
    assert.match(
      kafkaSecurityError(
        protocolError('TRANSACTIONAL_ID_AUTHORIZATION_FAILED', 53, 'Transactional Id authorization failed'),
        { brokers: ['kafka-1:9092'], security: fromFlags([]) },
      )?.message ?? '',
      /refused User:ANONYMOUS access to a transactional ID \(TRANSACTIONAL_ID_AUTHORIZATION_FAILED\): .* Grant User:ANONYMOUS Write and Describe on that TransactionalId/,
    );
    // Other protocol errors stay retried conditions.
    assert.equal(
      kafkaSecurityError(protocolError('NOT_LEADER_FOR_PARTITION', 6, 'not the leader'), consumer),
      undefined,
    );
  });

  it('redacts a secret a broker might echo in its reason', () => {
    const security = scram();
    const err = kafkaSecurityError(new KafkaJSSASLAuthenticationError('failed for password wrong-pw-5678'), {
      brokers: ['kafka-1:9094'],
      security,
    });
    assert.match(err?.message ?? '', /failed for password \[REDACTED\]/);
  });

  it('maps a certificate from an untrusted CA to KAFKA_TLS_FAILED naming kafka.tls.ca-file', async () => {
    const security = fromFlags([`--kafka.tls.ca-file=${other.caFile}`]);
    const failure = await tlsFailure(tlsPort, { ca: readFileSync(other.caFile) });
    const err = kafkaSecurityError(asKafkajs(failure, `127.0.0.1:${tlsPort}`), { brokers: [], security });
    assert.equal(err?.code, 'KAFKA_TLS_FAILED');
    assert.equal(
      err?.message,
      `the certificate of the Kafka broker at 127.0.0.1:${tlsPort} is not trusted (${failure.code}): set ` +
        "kafka.tls.ca-file to the PEM file of the CA that signed the brokers' certificates " +
        `(${other.caFile} did not sign it)`,
    );
  });

  it('maps a certificate for another name to KAFKA_TLS_FAILED naming kafka.tls.server-name', async () => {
    const security = fromFlags([`--kafka.tls.ca-file=${certs.caFile}`]);
    const failure = await tlsFailure(tlsPort, {
      ca: readFileSync(certs.caFile),
      servername: 'kafka.example.org',
    });
    assert.equal(failure.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
    const err = kafkaSecurityError(asKafkajs(failure, `kafka.example.org:${tlsPort}`), {
      brokers: [],
      security,
    });
    assert.equal(err?.code, 'KAFKA_TLS_FAILED');
    assert.match(err?.message ?? '', /is not valid for the name connected to .*set kafka.tls.server-name/);
  });

  it('maps a TLS client at a plaintext listener to KAFKA_TLS_FAILED naming kafka.tls.enabled', async () => {
    const security = fromFlags(['--kafka.tls.enabled']);
    const failure = await tlsFailure(plainPort, {});
    const err = kafkaSecurityError(asKafkajs(failure, `127.0.0.1:${plainPort}`), { brokers: [], security });
    assert.equal(err?.code, 'KAFKA_TLS_FAILED');
    assert.match(
      err?.message ?? '',
      new RegExp(
        `^the Kafka broker at 127.0.0.1:${plainPort} did not complete a TLS handshake .*kafka.tls.enabled=false`,
      ),
    );
  });

  it('leaves an unreachable broker to the retries', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const context = { brokers: ['127.0.0.1:1'], security: fromFlags([]) };
    assert.equal(kafkaSecurityError(asKafkajs(refused, '127.0.0.1:1'), context), undefined);
    assert.equal(await kafkaStartError(asKafkajs(refused, '127.0.0.1:1'), context), undefined);
  });

  it('at start, finds a plaintext client at a TLS listener by a handshake probe', async () => {
    const closed = new KafkaJSConnectionError('Closed connection', { broker: `127.0.0.1:${tlsPort}` });
    const toTls = await kafkaStartError(
      new KafkaJSNumberOfRetriesExceeded(closed, { retryCount: 5, retryTime: 1 }),
      {
        brokers: [`127.0.0.1:${tlsPort}`],
        security: fromFlags([]),
      },
    );
    assert.equal(toTls?.code, 'KAFKA_TLS_FAILED');
    assert.equal(
      toTls?.message,
      `the Kafka broker at 127.0.0.1:${tlsPort} expects TLS, but kafka.tls.enabled is false: set ` +
        "kafka.tls.enabled=true and kafka.tls.ca-file to the CA that signed the brokers' certificates, or connect " +
        'to a plaintext listener',
    );
    const plainClosed = new KafkaJSConnectionError('Closed connection', { broker: `127.0.0.1:${plainPort}` });
    assert.equal(
      await kafkaStartError(plainClosed, { brokers: [`127.0.0.1:${plainPort}`], security: fromFlags([]) }),
      undefined,
    );
  });
});
