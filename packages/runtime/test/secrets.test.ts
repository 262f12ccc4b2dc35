import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError } from '../src/errors.js';
import { readSecretFile, redactText, registerSecret, registeredSecrets } from '../src/security/secrets.js';

const work = mkdtempSync(join(tmpdir(), 'skein-secrets-'));
after(() => rmSync(work, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const path = join(work, name);
  writeFileSync(path, content);
  return path;
}

describe('redactText', () => {
  it('replaces every occurrence of each secret', () => {
    assert.equal(
      redactText('user=bob pass=hunter22 again hunter22; token=t0k3n-xyz', ['hunter22', 't0k3n-xyz']),
      'user=bob pass=[REDACTED] again [REDACTED]; token=[REDACTED]',
    );
  });

  it('replaces the JSON-escaped form of a secret holding quotes, backslashes or newlines', () => {
    const secret = 'pa"ss\\wo\nrd';
    const line = JSON.stringify({ msg: 'x', password: secret, note: `raw ${secret}` });
    assert.equal(line.includes('pa\\"ss'), true);
    assert.equal(redactText(line, [secret]), '{"msg":"x","password":"[REDACTED]","note":"raw [REDACTED]"}');
  });

  it('replaces a secret containing another one whole', () => {
    assert.equal(redactText('k=secret-long-one', ['secret', 'secret-long-one']), 'k=[REDACTED]');
  });

  it('leaves values shorter than 4 characters alone', () => {
    assert.equal(redactText('abc abcd', ['abc', 'abcd']), 'abc [REDACTED]');
  });
});

describe('registerSecret', () => {
  it('keeps values of at least 4 characters, once', () => {
    const value = `registered-${Date.now()}`;
    registerSecret(value);
    registerSecret(value);
    registerSecret('xyz');
    registerSecret(undefined);
    const all = registeredSecrets();
    assert.equal(all.filter((s) => s === value).length, 1);
    assert.equal(all.includes('xyz'), false);
  });
});

describe('readSecretFile', () => {
  it('drops the trailing newline and registers the value', () => {
    assert.equal(readSecretFile('kafka.sasl.password-file', file('lf', 'from-file-pw\n')), 'from-file-pw');
    assert.equal(
      readSecretFile('kafka.sasl.password-file', file('crlf', 'crlf-file-pw\r\n')),
      'crlf-file-pw',
    );
    assert.equal(readSecretFile('kafka.sasl.password-file', file('inner', 'two\nlines\n')), 'two\nlines');
    assert.equal(registeredSecrets().includes('from-file-pw'), true);
    assert.equal(registeredSecrets().includes('crlf-file-pw'), true);
  });

  it('names the key and the file when the file is missing, never a value', () => {
    const missing = join(work, 'missing');
    assert.throws(
      () => readSecretFile('kafka.sasl.password-file', missing),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.key === 'kafka.sasl.password-file' &&
        err.message === `kafka.sasl.password-file: cannot read ${missing}: no such file`,
    );
  });

  it('says a directory or an empty file is not a password', () => {
    assert.throws(() => readSecretFile('es.password-file', work), {
      message: `es.password-file: cannot read ${work}: it is a directory`,
    });
    const empty = file('empty', '\n');
    assert.throws(() => readSecretFile('es.password-file', empty), {
      message: `es.password-file: ${empty} is empty`,
    });
  });
});
