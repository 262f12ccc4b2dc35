// Credentials for the secure devstack, the file that hands them to tests and tools, and keeping them out of
// files others can read and out of error messages.
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DevstackError } from './errors.js';
import type { DevstackSecurity } from './types.js';

export interface DevstackCredentials {
  username: string;
  password: string;
  /** base64 of `id:secret`, the form Elasticsearch hands out and expects after `ApiKey `. */
  apiKey: string;
}

/** A fresh password and API key for the user `skein`, from the system's CSPRNG. */
export function generateCredentials(username = 'skein'): DevstackCredentials {
  // Sizes like Elasticsearch's own: a 20-character key id and a 22-character secret.
  const id = randomBytes(15).toString('base64url');
  const secret = randomBytes(16).toString('base64url');
  return {
    username,
    password: randomBytes(24).toString('base64url'),
    apiKey: Buffer.from(`${id}:${secret}`).toString('base64'),
  };
}

/**
 * Writes `content` to `path` readable by its owner only. It goes to a new file created with mode 0600 that is
 * then renamed over `path`: a file already there, with its own mode, never holds the content, nor does a file a
 * symlink at `path` points to, and a reader sees the old content or the new, never half of it.
 */
export async function writePrivateFile(path: string, content: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  // 'wx': never an existing file (or a symlink planted at the name), so the mode is the one given here.
  const handle = await open(temp, 'wx', 0o600);
  try {
    try {
      // The umask can only take bits away; this makes the mode exactly 0600 whatever it is.
      await handle.chmod(0o600);
      await handle.writeFile(content);
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

/** Writes `security` as JSON readable by its owner only (mode 0600, also when the file already existed). */
export async function writeSecurityFile(path: string, security: DevstackSecurity): Promise<void> {
  await writePrivateFile(path, `${JSON.stringify(security, null, 2)}\n`);
}

/**
 * Every secret of a secure devstack in the forms output may carry it: the passwords, the API key, and the
 * base64 a Basic Authorization header carries. A tool that prints errors registers these for redaction.
 */
export function secretsOf(security: DevstackSecurity | DevstackCredentials): string[] {
  const basic = (username: string, password: string): string =>
    Buffer.from(`${username}:${password}`).toString('base64');
  const { kafka, elasticsearch: es } =
    'kafka' in security ? security : { kafka: security, elasticsearch: security };
  return [
    ...new Set([
      kafka.password,
      basic(kafka.username, kafka.password),
      es.password,
      basic(es.username, es.password),
      es.apiKey,
    ]),
  ];
}

/** `text` with each of `secrets` replaced by [REDACTED]: for messages built from a tool's or a log's output. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length >= 4) out = out.replaceAll(secret, '[REDACTED]');
  }
  return out;
}

/** `err` with the secrets taken out of its message and stack (in place: it keeps its class, code and log file). */
export function scrubError(err: unknown, secrets: readonly string[]): unknown {
  if (err instanceof Error) {
    err.message = scrubSecrets(err.message, secrets);
    if (err.stack !== undefined) err.stack = scrubSecrets(err.stack, secrets);
  }
  return err;
}

function invalid(path: string, what: string): DevstackError {
  return new DevstackError(
    'DEVSTACK_CONFIG_INVALID',
    `${path} is not a devstack security file: ${what}. Write it with writeSecurityFile() (scripts/test.ts and \`skein devstack up --secure\` do).`,
  );
}

function record(value: unknown, path: string, key: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid(path, `${key} is not an object`);
  return value as Record<string, unknown>;
}

function text(from: Record<string, unknown>, key: string, path: string, prefix: string): string {
  const value = from[key];
  if (typeof value !== 'string' || value === '')
    throw invalid(path, `${prefix}${key} is not a non-empty string`);
  return value;
}

function list(from: Record<string, unknown>, key: string, path: string, prefix: string): string[] {
  const value = from[key];
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string'))
    throw invalid(path, `${prefix}${key} is not a list of host:port strings`);
  return value as string[];
}

/** Reads and checks a file written by writeSecurityFile. */
export async function readSecurityFile(path: string): Promise<DevstackSecurity> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new DevstackError(
      'DEVSTACK_CONFIG_INVALID',
      `Could not read the devstack security file ${path}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const top = record(parsed, path, 'the top level');
  const kafka = record(top.kafka, path, 'kafka');
  const es = record(top.elasticsearch, path, 'elasticsearch');
  return {
    caFile: text(top, 'caFile', path, ''),
    clientCertFile: text(top, 'clientCertFile', path, ''),
    clientKeyFile: text(top, 'clientKeyFile', path, ''),
    kafka: {
      saslSslBrokers: list(kafka, 'saslSslBrokers', path, 'kafka.'),
      sslBrokers: list(kafka, 'sslBrokers', path, 'kafka.'),
      username: text(kafka, 'username', path, 'kafka.'),
      password: text(kafka, 'password', path, 'kafka.'),
    },
    elasticsearch: {
      url: text(es, 'url', path, 'elasticsearch.'),
      username: text(es, 'username', path, 'elasticsearch.'),
      password: text(es, 'password', path, 'elasticsearch.'),
      apiKey: text(es, 'apiKey', path, 'elasticsearch.'),
    },
  };
}
