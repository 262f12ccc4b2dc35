// Kafka TLS and SASL: the keys every Kafka client of skein shares, their validation at start, the kafkajs options
// they turn into, and the errors no retry cures (a refused password, an untrusted certificate) as SkeinErrors that
// say which key to check. No secret is ever part of a message.
import { X509Certificate } from 'node:crypto';
import { connect as tlsConnect, createSecureContext, type ConnectionOptions } from 'node:tls';
import { readFileSync } from 'node:fs';
import type { SASLOptions } from 'kafkajs';
import { field, type ConfigOf, type Schema } from '../config/schema.js';
import { ConfigError, SkeinError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { fileProblem, readSecretFile, redactText, registerSecret, registeredSecrets } from './secrets.js';

export const KAFKA_SASL_MECHANISMS = ['none', 'plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type KafkaSaslMechanism = (typeof KAFKA_SASL_MECHANISMS)[number];

/** The Kafka security keys; every component that talks to Kafka spreads them into its schema. */
export const kafkaSecuritySchema = {
  'kafka.tls.enabled': field.boolean(
    false,
    'Connect to the brokers over TLS (also on when any other kafka.tls.* key is set)',
  ),
  'kafka.tls.ca-file': field.optionalString(
    "PEM file of the CA certificates that signed the brokers' certificates (default: Node's built-in CAs)",
  ),
  'kafka.tls.cert-file': field.optionalString(
    'PEM client certificate for brokers that require one (mutual TLS); needs kafka.tls.key-file',
  ),
  'kafka.tls.key-file': field.optionalString(
    'PEM private key (unencrypted) of kafka.tls.cert-file; needs kafka.tls.cert-file',
  ),
  'kafka.tls.server-name': field.optionalString(
    "Name the brokers' certificates are checked against and sent as SNI (default: each broker's host)",
  ),
  'kafka.tls.insecure-skip-verify': field.boolean(
    false,
    'Accept any broker certificate: for tests only, never production (warned at every start)',
  ),
  'kafka.sasl.mechanism': field.oneOf(
    KAFKA_SASL_MECHANISMS,
    'none',
    'SASL authentication: plain, scram-sha-256 or scram-sha-512, with kafka.sasl.username and a password',
  ),
  'kafka.sasl.username': field.optionalString('SASL user name'),
  'kafka.sasl.password': field.optionalString(
    'SASL password; kafka.sasl.password-file or this environment variable keeps it off the command line',
    { secret: true },
  ),
  'kafka.sasl.password-file': field.optionalString(
    'File holding the SASL password (a trailing newline is ignored); read at start and again whenever a connection authenticates',
  ),
} satisfies Schema;

export type KafkaSecurityConfig = ConfigOf<typeof kafkaSecuritySchema>;

/** kafkajs's `ssl` and `sasl` options, and what was configured, for messages (never a secret). */
export interface KafkaSecurity {
  /** TLS options for kafkajs, or undefined for plaintext. */
  readonly ssl: ConnectionOptions | undefined;
  /** SASL options for kafkajs, or undefined for none; the password is not enumerable and read at each use. */
  readonly sasl: SASLOptions | undefined;
  readonly mechanism: KafkaSaslMechanism;
  readonly username: string | undefined;
  readonly caFile: string | undefined;
}

/** No TLS, no SASL: what createKafka does without security options. */
export const PLAINTEXT: KafkaSecurity = {
  ssl: undefined,
  sasl: undefined,
  mechanism: 'none',
  username: undefined,
  caFile: undefined,
};

function readPem(key: string, file: string, what: RegExp, expected: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(key, `cannot read ${file}: ${fileProblem(err)}`);
  }
  if (!what.test(text)) throw new ConfigError(key, `${file} holds no PEM ${expected}`);
  return text;
}

/**
 * Checks the keys (a ConfigError names the first wrong one, never a secret's value), reads the certificate and
 * password files, registers every secret for redaction, and returns the kafkajs options. With a password file,
 * the file is read again whenever kafkajs authenticates a new connection, so a rotated password is used from the
 * next reconnect on.
 */
export function kafkaSecurity(config: KafkaSecurityConfig, options: { logger?: Logger } = {}): KafkaSecurity {
  const mechanism = config['kafka.sasl.mechanism'];
  const username = config['kafka.sasl.username'];
  const password = config['kafka.sasl.password'];
  const passwordFile = config['kafka.sasl.password-file'];
  registerSecret(password);
  if (password !== undefined && passwordFile !== undefined) {
    throw new ConfigError(
      'kafka.sasl.password-file',
      'is set, and so is kafka.sasl.password: give only one (the file keeps the password out of the environment)',
    );
  }
  if (
    mechanism === 'none' &&
    (username !== undefined || password !== undefined || passwordFile !== undefined)
  ) {
    throw new ConfigError(
      'kafka.sasl.mechanism',
      'is none, but a SASL user name or password is set: choose plain, scram-sha-256 or scram-sha-512, or remove them',
    );
  }
  if (mechanism !== 'none' && username === undefined) {
    throw new ConfigError('kafka.sasl.username', `is required with kafka.sasl.mechanism=${mechanism}`);
  }
  if (mechanism !== 'none' && password === undefined && passwordFile === undefined) {
    throw new ConfigError(
      'kafka.sasl.password',
      `is required with kafka.sasl.mechanism=${mechanism}, or kafka.sasl.password-file ` +
        '(environment: SKEIN_KAFKA_SASL_PASSWORD or SKEIN_KAFKA_SASL_PASSWORD_FILE)',
    );
  }

  const caFile = config['kafka.tls.ca-file'];
  const certFile = config['kafka.tls.cert-file'];
  const keyFile = config['kafka.tls.key-file'];
  const serverName = config['kafka.tls.server-name'];
  const skipVerify = config['kafka.tls.insecure-skip-verify'];
  if (certFile !== undefined && keyFile === undefined)
    throw new ConfigError(
      'kafka.tls.key-file',
      "is required with kafka.tls.cert-file (the certificate's key)",
    );
  if (keyFile !== undefined && certFile === undefined)
    throw new ConfigError(
      'kafka.tls.cert-file',
      "is required with kafka.tls.key-file (the key's certificate)",
    );
  const tls =
    config['kafka.tls.enabled'] ||
    caFile !== undefined ||
    certFile !== undefined ||
    serverName !== undefined ||
    skipVerify;

  let ssl: ConnectionOptions | undefined;
  if (tls) {
    ssl = { rejectUnauthorized: !skipVerify };
    if (caFile !== undefined)
      ssl.ca = readPem('kafka.tls.ca-file', caFile, /-----BEGIN CERTIFICATE-----/, 'certificate');
    if (certFile !== undefined && keyFile !== undefined) {
      ssl.cert = readPem('kafka.tls.cert-file', certFile, /-----BEGIN CERTIFICATE-----/, 'certificate');
      const key = readPem('kafka.tls.key-file', keyFile, /-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'private key');
      registerSecret(key);
      ssl.key = key;
    }
    if (serverName !== undefined) ssl.servername = serverName;
    try {
      createSecureContext(ssl);
    } catch (err) {
      // OpenSSL's reason ("key values mismatch", "bad decrypt"), never the files' content.
      const reason = (err as Error).message;
      throw certFile !== undefined
        ? new ConfigError(
            'kafka.tls.cert-file',
            `${certFile} with kafka.tls.key-file ${keyFile} cannot be used: ${reason} (is the key the certificate's, and unencrypted?)`,
          )
        : new ConfigError('kafka.tls.ca-file', `${caFile} cannot be used: ${reason}`);
    }
    if (skipVerify) {
      options.logger?.warn(
        'kafka.tls.insecure-skip-verify is true: any certificate is accepted from the Kafka brokers, so whoever ' +
          'sits between skein and Kafka can read the spans and the SASL password. For tests only; set ' +
          'kafka.tls.ca-file instead',
      );
    }
  }

  if (mechanism !== 'none' && !tls) {
    options.logger?.warn(
      mechanism === 'plain'
        ? `kafka.sasl.mechanism is plain without TLS: the password of user "${username ?? ''}" crosses the ` +
            'network in clear text at every connection, and the spans travel unencrypted. Connect to a SASL_SSL ' +
            'listener with kafka.tls.enabled=true (and kafka.tls.ca-file)'
        : `kafka.sasl.mechanism is ${mechanism} without TLS: SCRAM keeps the password off the network, but the ` +
            'spans travel unencrypted, and whoever can intercept the connection can read and change them. Connect ' +
            'to a SASL_SSL listener with kafka.tls.enabled=true (and kafka.tls.ca-file)',
    );
  }

  let sasl: SASLOptions | undefined;
  if (mechanism !== 'none' && username !== undefined) {
    let current = password ?? readSecretFile('kafka.sasl.password-file', passwordFile as string);
    const read =
      passwordFile === undefined
        ? () => current
        : () => {
            try {
              current = readSecretFile('kafka.sasl.password-file', passwordFile);
            } catch {
              // Mid-rotation (the file briefly missing or empty): the last good password is the best guess.
            }
            return current;
          };
    sasl = { mechanism, username, password: '' };
    // kafkajs reads `password` each time it authenticates a connection (PLAIN and SCRAM alike); not enumerable,
    // so neither JSON nor util.inspect ever shows it.
    Object.defineProperty(sasl, 'password', { get: read, enumerable: false, configurable: true });
  }
  return { ssl, sasl, mechanism, username, caFile };
}

/** Where the failing client was connecting, and how, for the messages of kafkaSecurityError. */
export interface KafkaErrorContext {
  brokers: readonly string[];
  security: KafkaSecurity | undefined;
  /** What the client does, so a missing ACL is named with the operations it needs. */
  role?: 'producer' | 'consumer';
  /** The topic (kafka.topic) and the consumer group (kafka.group-id) it uses, if any. */
  topic?: string;
  groupId?: string;
}

interface Found {
  name: string;
  message: string;
  /** Kafka's error name, for protocol errors. */
  type: string | undefined;
  code: string | undefined;
  broker: string | undefined;
}

/** kafkajs wraps errors in retry and connection errors: every error of the chain, outermost first. */
function chain(err: unknown): Found[] {
  const out: Found[] = [];
  let e: unknown = err;
  for (let depth = 0; depth < 10 && e instanceof Error; depth++) {
    const { code, broker, type } = e as { code?: unknown; broker?: unknown; type?: unknown };
    out.push({
      name: e.name,
      message: e.message,
      type: typeof type === 'string' ? type : undefined,
      code: typeof code === 'string' ? code : undefined,
      broker: typeof broker === 'string' ? broker : undefined,
    });
    e = e.cause ?? (e as { originalError?: unknown }).originalError;
  }
  return out;
}

const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REJECTED',
]);
const EXPIRED = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);
const NOT_TLS = new Set([
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_PACKET_LENGTH_TOO_LONG',
  'ERR_SSL_HTTP_REQUEST',
]);

/**
 * The principal the brokers authorize, as Kafka's default principal builder makes it: the SASL user, else the
 * subject of the client certificate (RFC 2253 order), else ANONYMOUS.
 */
function principal(security: KafkaSecurity): string {
  if (security.sasl !== undefined && security.username !== undefined) return `User:${security.username}`;
  const cert = security.ssl?.cert;
  if (typeof cert === 'string') {
    try {
      return `User:${new X509Certificate(cert).subject.split('\n').reverse().join(',')}`;
    } catch {
      return 'User:<the subject of kafka.tls.cert-file>';
    }
  }
  return 'User:ANONYMOUS';
}

/** Kafka's authorization errors: the resource refused, and what to grant on it, for `kafka-acls.sh`. */
function aclHint(
  type: string,
  context: KafkaErrorContext,
): { resource: string; operations: string; example: string } | undefined {
  const { role, topic, groupId } = context;
  switch (type) {
    case 'TOPIC_AUTHORIZATION_FAILED': {
      const operations =
        role === 'producer'
          ? ['Write', 'Describe']
          : role === 'consumer'
            ? ['Read', 'Describe']
            : ['Write or Read', 'Describe'];
      return {
        resource: topic !== undefined ? `the topic "${topic}" (kafka.topic)` : 'a topic',
        operations: `${operations.join(' and ')} on that Topic`,
        example: `${operations.map((o) => `--operation ${o.split(' ')[0] as string}`).join(' ')} --topic ${topic ?? '<topic>'}`,
      };
    }
    case 'GROUP_AUTHORIZATION_FAILED':
      return {
        resource:
          groupId !== undefined ? `the consumer group "${groupId}" (kafka.group-id)` : 'a consumer group',
        operations: 'Read on that Group',
        example: `--operation Read --group ${groupId ?? '<group>'}`,
      };
    case 'CLUSTER_AUTHORIZATION_FAILED':
      return {
        resource: 'the cluster',
        operations:
          'the Cluster operation the request needs (IdempotentWrite for an idempotent producer on brokers before ' +
          'Kafka 3.0, Create to create the topic automatically, Describe for cluster metadata)',
        example: '--operation IdempotentWrite --cluster',
      };
    case 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED':
      return {
        resource: 'a transactional ID',
        operations: 'Write and Describe on that TransactionalId',
        example: '--operation Write --operation Describe --transactional-id <id>',
      };
    default:
      return undefined;
  }
}

const clean = (text: string): string =>
  redactText(text.replace(/^Connection error: /, ''), registeredSecrets());

/**
 * A kafkajs error that retrying will not cure, as a SkeinError saying what to check: KAFKA_AUTH_FAILED for a
 * refused SASL authentication or an operation no ACL allows (naming the principal, the resource and what to
 * grant), KAFKA_TLS_FAILED for a certificate that is not trusted or not valid for the
 * broker's name, or a TLS client at a plaintext listener. Undefined for every other error (an unreachable broker,
 * a timeout), which stays a retried condition.
 */
export function kafkaSecurityError(err: unknown, context: KafkaErrorContext): SkeinError | undefined {
  const security = context.security ?? PLAINTEXT;
  const errors = chain(err);
  const at = (found: Found | undefined): string => found?.broker ?? context.brokers.join(', ');
  const sasl = errors.find(
    (e) => e.name === 'KafkaJSSASLAuthenticationError' || e.type === 'SASL_AUTHENTICATION_FAILED',
  );
  if (sasl) {
    const mech = security.mechanism.toUpperCase();
    return new SkeinError(
      'KAFKA_AUTH_FAILED',
      `Kafka at ${at(undefined)} refused SASL ${mech} authentication of user "${security.username ?? ''}": ` +
        `${clean(sasl.message).replace(/^SASL [\w -]+ authentication failed: /, '')}. Check kafka.sasl.username and kafka.sasl.password (or the file in ` +
        `kafka.sasl.password-file), and that the listener enables ${mech} (kafka.sasl.mechanism)`,
      { cause: err },
    );
  }
  for (const e of errors) {
    const acl = e.type === undefined ? undefined : aclHint(e.type, context);
    if (acl === undefined) continue;
    const who = principal(security);
    const broker = context.brokers[0] ?? '<broker>';
    return new SkeinError(
      'KAFKA_AUTH_FAILED',
      `Kafka at ${at(undefined)} refused ${who} access to ${acl.resource} (${e.type as string}): the brokers ` +
        `accepted the client, but no ACL allows what it asked. Grant ${who} ${acl.operations}, e.g. ` +
        `kafka-acls.sh --bootstrap-server ${broker} --add --allow-principal '${who}' ${acl.example}; or, if ` +
        'that is not the principal meant, check kafka.sasl.username (or kafka.tls.cert-file)',
      { cause: err },
    );
  }
  const tls = (message: string): SkeinError => new SkeinError('KAFKA_TLS_FAILED', message, { cause: err });
  for (const e of errors) {
    const code = e.code ?? '';
    if (UNTRUSTED.has(code)) {
      return tls(
        `the certificate of the Kafka broker at ${at(e)} is not trusted (${code}): set kafka.tls.ca-file to the ` +
          `PEM file of the CA that signed the brokers' certificates` +
          (security.caFile === undefined ? '' : ` (${security.caFile} did not sign it)`),
      );
    }
    if (EXPIRED.has(code)) {
      return tls(
        `the certificate of the Kafka broker at ${at(e)} is expired or not yet valid (${code}): the broker needs a current certificate`,
      );
    }
    if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
      return tls(
        `the certificate of the Kafka broker at ${at(e)} is not valid for the name connected to (${clean(e.message)}): ` +
          'connect by a name the certificate holds (kafka.brokers), or set kafka.tls.server-name to one',
      );
    }
    const closedInHandshake = code === 'ECONNRESET' && /before secure TLS connection/.test(e.message);
    if (security.ssl !== undefined && (NOT_TLS.has(code) || closedInHandshake)) {
      return tls(
        `the Kafka broker at ${at(e)} did not complete a TLS handshake (${clean(e.message)}): it is probably a ` +
          'plaintext listener. Connect to its SSL or SASL_SSL listener, or set kafka.tls.enabled=false for a plaintext one',
      );
    }
    if (/^ERR_SSL_(TLSV13|TLSV1|SSLV3)_ALERT_/.test(code)) {
      return tls(
        `the Kafka broker at ${at(e)} refused the TLS handshake (${code}): it may require a client certificate ` +
          'signed by a CA it trusts (kafka.tls.cert-file and kafka.tls.key-file)',
      );
    }
  }
  return undefined;
}

/** Whether `host:port` completes a TLS handshake (any certificate) within `timeoutMs`. */
function speaksTls(broker: string, timeoutMs: number): Promise<boolean> {
  const colon = broker.lastIndexOf(':');
  const host = broker.slice(0, colon).replace(/^\[|\]$/g, '');
  const port = Number(broker.slice(colon + 1));
  if (colon < 0 || !Number.isInteger(port)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const socket = tlsConnect({ host, port, rejectUnauthorized: false });
    const done = (answer: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('secureConnect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
  });
}

/**
 * For an error at start (the first connect): kafkaSecurityError, and for a plaintext client whose connection
 * failed, whether the broker expects TLS (a short handshake probe), as KAFKA_TLS_FAILED. Undefined when the error
 * is one to retry.
 */
export async function kafkaStartError(
  err: unknown,
  context: KafkaErrorContext,
): Promise<SkeinError | undefined> {
  const known = kafkaSecurityError(err, context);
  if (known || context.security?.ssl !== undefined) return known;
  const connection = chain(err).find((e) => /Connection|Closed|Timeout/.test(e.name));
  if (!connection) return undefined;
  const broker = connection.broker ?? context.brokers[0];
  if (broker === undefined || !(await speaksTls(broker, 3000))) return undefined;
  return new SkeinError(
    'KAFKA_TLS_FAILED',
    `the Kafka broker at ${broker} expects TLS, but kafka.tls.enabled is false: set kafka.tls.enabled=true and ` +
      "kafka.tls.ca-file to the CA that signed the brokers' certificates, or connect to a plaintext listener",
    { cause: err },
  );
}
