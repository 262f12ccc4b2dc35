// Credentials for the secure devstack and the file that hands them to tests and tools.
import { randomBytes } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
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

/** Writes `security` as JSON readable by its owner only (mode 0600, also when the file already existed). */
export async function writeSecurityFile(path: string, security: DevstackSecurity): Promise<void> {
  await writeFile(path, `${JSON.stringify(security, null, 2)}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
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
