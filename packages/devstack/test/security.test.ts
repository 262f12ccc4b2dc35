import assert from 'node:assert/strict';
import {
  closeSync,
  lstatSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DevstackError } from '../src/errors.js';
import {
  generateCredentials,
  readSecurityFile,
  scrubSecrets,
  secretsOf,
  writeSecurityFile,
} from '../src/security.js';
import type { DevstackSecurity } from '../src/types.js';

const security: DevstackSecurity = {
  caFile: '/x/tls/ca.crt',
  clientCertFile: '/x/tls/client.crt',
  clientKeyFile: '/x/tls/client.key',
  kafka: {
    saslSslBrokers: ['127.0.0.1:9094'],
    sslBrokers: ['127.0.0.1:9093'],
    username: 'skein',
    password: 'p4ss',
  },
  elasticsearch: {
    url: 'https://127.0.0.1:9243',
    username: 'skein',
    password: 'p4ss',
    apiKey: 'aWQ6c2VjcmV0',
  },
};

describe('devstack credentials', () => {
  it('are a random password and an Elasticsearch-style API key for the user skein', () => {
    const a = generateCredentials();
    const b = generateCredentials();
    assert.equal(a.username, 'skein');
    assert.match(a.password, /^[A-Za-z0-9_-]{32}$/);
    assert.match(Buffer.from(a.apiKey, 'base64').toString(), /^[A-Za-z0-9_-]{20}:[A-Za-z0-9_-]{22}$/);
    assert.equal(Buffer.from(a.apiKey, 'base64').toString('base64'), a.apiKey);
    assert.notEqual(a.password, b.password);
    assert.notEqual(a.apiKey, b.apiKey);
  });
});

describe('security file', () => {
  it('round-trips and is readable by its owner only, also when it existed before', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'skein-security-test-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'security.json');
    writeFileSync(file, '{}', { mode: 0o644 });
    await writeSecurityFile(file, security);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(await readSecurityFile(file), security);
  });

  it('never writes the secrets into the file that was there: a reader holding it open sees the old content', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'skein-security-test-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'security.json');
    writeFileSync(file, '{}', { mode: 0o644 });
    const reader = openSync(file, 'r');
    t.after(() => closeSync(reader));
    await writeSecurityFile(file, security);
    const seen = Buffer.alloc(4096);
    assert.equal(seen.subarray(0, readSync(reader, seen, 0, seen.length, 0)).toString(), '{}');
    assert.deepEqual(readdirSync(dir), ['security.json'], 'no temporary file is left');
  });

  it('replaces a symlink at its path instead of writing through it', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'skein-security-test-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const elsewhere = join(dir, 'world-readable.json');
    writeFileSync(elsewhere, 'untouched', { mode: 0o644 });
    const file = join(dir, 'security.json');
    symlinkSync(elsewhere, file);
    await writeSecurityFile(file, security);
    assert.equal(readFileSync(elsewhere, 'utf8'), 'untouched');
    assert.equal(lstatSync(file).isFile(), true);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(await readSecurityFile(file), security);
  });

  it('names what is missing or malformed', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'skein-security-test-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ ...security, kafka: { ...security.kafka, password: 3 } }));
    await assert.rejects(
      readSecurityFile(file),
      (err: unknown) =>
        err instanceof DevstackError &&
        err.code === 'DEVSTACK_CONFIG_INVALID' &&
        err.message.includes('kafka.password is not a non-empty string'),
    );
    await assert.rejects(
      readSecurityFile(join(dir, 'absent.json')),
      (err: unknown) =>
        err instanceof DevstackError &&
        err.code === 'DEVSTACK_CONFIG_INVALID' &&
        err.message.startsWith(`Could not read the devstack security file ${join(dir, 'absent.json')}`),
    );
  });
});

describe('secretsOf and scrubSecrets', () => {
  it('lists the passwords, the API key and the Basic header forms, for redaction', () => {
    const withOwnPasswords: DevstackSecurity = {
      ...security,
      kafka: { ...security.kafka, password: 'kafka-pw-1' },
      elasticsearch: { ...security.elasticsearch, password: 'es-pw-2' },
    };
    assert.deepEqual(secretsOf(withOwnPasswords), [
      'kafka-pw-1',
      Buffer.from('skein:kafka-pw-1').toString('base64'),
      'es-pw-2',
      Buffer.from('skein:es-pw-2').toString('base64'),
      'aWQ6c2VjcmV0',
    ]);
    const credentials = generateCredentials();
    assert.deepEqual(secretsOf(credentials), [
      credentials.password,
      Buffer.from(`skein:${credentials.password}`).toString('base64'),
      credentials.apiKey,
    ]);
  });

  it('replaces each secret, the longest first', () => {
    assert.equal(
      scrubSecrets('user skein password p4ss-word, p4ss, key aWQ6c2VjcmV0', [
        'p4ss',
        'p4ss-word',
        'aWQ6c2VjcmV0',
      ]),
      'user skein password [REDACTED], [REDACTED], key [REDACTED]',
    );
  });
});
