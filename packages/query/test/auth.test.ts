import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { bearerAuthorizer, loadBearerTokens } from '../src/auth.js';

describe('bearer tokens', () => {
  it('is off without tokens', () => {
    assert.equal(bearerAuthorizer([]), undefined);
  });

  it('accepts exactly the configured tokens in a Bearer header', () => {
    const dir = mkdtempSync(join(tmpdir(), 'skein-auth-'));
    const file = join(dir, 'tokens');
    writeFileSync(file, '# team tokens\nalpha-1\n\n  beta-2  \n');
    const tokens = loadBearerTokens('single', file);
    assert.deepEqual(tokens, ['single', 'alpha-1', 'beta-2']);
    const check = bearerAuthorizer(tokens);
    assert.ok(check);
    assert.equal(check('Bearer alpha-1'), true);
    assert.equal(check('bearer beta-2'), true);
    assert.equal(check('Bearer single'), true);
    assert.equal(check('Bearer alpha'), false);
    assert.equal(check('Basic alpha-1'), false);
    assert.equal(check('alpha-1'), false);
    assert.equal(check(undefined), false);
  });

  it('names the key when the file is unreadable or empty', () => {
    assert.throws(() => loadBearerTokens(undefined, '/nonexistent/tokens'), {
      code: 'CONFIG_INVALID',
      message: 'auth.bearer-tokens-file: cannot read /nonexistent/tokens: ENOENT',
    });
    const dir = mkdtempSync(join(tmpdir(), 'skein-auth-'));
    writeFileSync(join(dir, 'empty'), '# nothing\n');
    assert.throws(() => loadBearerTokens(undefined, join(dir, 'empty')), /holds no token/);
  });
});
