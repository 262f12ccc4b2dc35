import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DevstackError } from '../src/errors.js';
import { generateCredentials, readSecurityFile, writeSecurityFile } from '../src/security.js';
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
