import assert from 'node:assert/strict';
import fs, {
  appendFileSync,
  mkdtempSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, mock } from 'node:test';
import { createLogger } from '@skein/runtime';
import { Counter, Registry } from 'prom-client';
import { BearerTokens, bearerAuthorizer, loadBearerTokens } from '../src/auth.js';

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

describe('BearerTokens', () => {
  function tokensFile(text: string): string {
    const file = join(mkdtempSync(join(tmpdir(), 'skein-auth-')), 'tokens');
    writeFileSync(file, text);
    return file;
  }

  /** Replaces the file's content in one step, as a mounted Secret or `mv` does. */
  function rewrite(file: string, text: string): void {
    writeFileSync(`${file}.new`, text);
    renameSync(`${file}.new`, file);
  }

  function harness(options: { token?: string; file?: string }) {
    const registry = new Registry();
    const reloads = new Counter({
      name: 'reloads',
      help: 'test',
      labelNames: ['result'],
      registers: [registry],
    });
    const warnings: unknown[] = [];
    const logger = createLogger({
      level: 'warn',
      write: (line) => warnings.push((JSON.parse(line) as { msg: string }).msg),
    });
    const tokens = new BearerTokens({ ...options, reloadIntervalMs: 0, logger, reloads });
    const counts = async () =>
      Object.fromEntries((await reloads.get()).values.map((v) => [v.labels.result, v.value]));
    return { tokens, warnings, counts };
  }

  it('is off without a token or file, and on with either', () => {
    assert.equal(harness({}).tokens.enabled, false);
    assert.equal(harness({}).tokens.authorize('Bearer anything'), false);
    const single = harness({ token: 'only-one' }).tokens;
    assert.equal(single.enabled, true);
    assert.equal(single.authorize('Bearer only-one'), true);
    assert.equal(single.check(), false, 'no file, nothing to reload');
  });

  it('takes a changed file: new tokens accepted, removed ones refused, the single token kept', async () => {
    const file = tokensFile('alpha\nbeta\n');
    const { tokens, counts } = harness({ token: 'single', file });
    assert.equal(tokens.size, 3);
    assert.equal(tokens.check(), false, 'unchanged');
    rewrite(file, '# beta revoked\nalpha\ngamma\n');
    assert.equal(tokens.check(), true);
    assert.deepEqual(
      ['single', 'alpha', 'beta', 'gamma'].map((t) => tokens.authorize(`Bearer ${t}`)),
      [true, true, false, true],
    );
    assert.equal(tokens.reloads, 1);
    assert.deepEqual(await counts(), { loaded: 1 });
  });

  it('keeps the previous tokens when the new file is empty or gone, and warns once per change', async () => {
    const file = tokensFile('alpha\n');
    const { tokens, warnings, counts } = harness({ file });
    rewrite(file, '# everything commented out\n\n');
    assert.equal(tokens.check(), false);
    assert.equal(tokens.check(), false, 'the same broken version is not reported twice');
    assert.equal(tokens.authorize('Bearer alpha'), true);
    rmSync(file);
    assert.equal(tokens.check(), false);
    assert.equal(tokens.authorize('Bearer alpha'), true);
    assert.deepEqual(warnings, [
      'bearer tokens file changed but holds no token; the previous tokens stay accepted',
      'bearer tokens file changed but cannot be read; the previous tokens stay accepted',
    ]);
    assert.deepEqual(await counts(), { failed: 2 });
    // Fixed again: taken.
    writeFileSync(file, 'delta\n');
    assert.equal(tokens.check(), true);
    assert.deepEqual([tokens.authorize('Bearer alpha'), tokens.authorize('Bearer delta')], [false, true]);
    assert.deepEqual(await counts(), { failed: 2, loaded: 1 });
  });

  it('sees a same-size rewrite in place that leaves inode, size and mtime as they were', async () => {
    const file = tokensFile('alpha-1\n');
    // Whole seconds, as a coarse file system stamps both writes.
    utimesSync(file, 1_700_000_000, 1_700_000_000);
    const { tokens, counts } = harness({ file });
    const before = statSync(file);
    writeFileSync(file, 'omega-9\n');
    utimesSync(file, 1_700_000_000, 1_700_000_000);
    const after = statSync(file);
    assert.deepEqual([after.ino, after.size, after.mtimeMs], [before.ino, before.size, before.mtimeMs]);
    assert.equal(tokens.check(), true);
    assert.deepEqual([tokens.authorize('Bearer alpha-1'), tokens.authorize('Bearer omega-9')], [false, true]);
    assert.equal(tokens.check(), false, 'unchanged since');
    assert.deepEqual(await counts(), { loaded: 1 });
  });

  it('takes no half-written file: a read a write overlapped is made again next time', async () => {
    const file = tokensFile('alpha\n');
    const { tokens, warnings, counts } = harness({ file });
    // A writer in the middle of the file: the rest of the line arrives just after the read.
    writeFileSync(file, 'alpha\nbet');
    const readFileSync = fs.readFileSync;
    mock.method(fs, 'readFileSync', (...args: Parameters<typeof fs.readFileSync>) => {
      const content = readFileSync(...args);
      if (args[0] === file) appendFileSync(file, 'a-2\n');
      return content;
    });
    syncBuiltinESMExports();
    try {
      assert.equal(tokens.check(), false);
    } finally {
      mock.restoreAll();
      syncBuiltinESMExports();
    }
    assert.equal(tokens.authorize('Bearer bet'), false, 'half a token is never accepted');
    assert.equal(tokens.check(), true);
    assert.deepEqual(
      ['alpha', 'bet', 'beta-2'].map((t) => tokens.authorize(`Bearer ${t}`)),
      [true, false, true],
    );
    assert.deepEqual(warnings, []);
    assert.deepEqual(await counts(), { loaded: 1 });
  });

  it('checks the file on its own once started, until stopped', async () => {
    const file = tokensFile('alpha\n');
    const tokens = new BearerTokens({
      file,
      reloadIntervalMs: 10,
      logger: createLogger({ level: 'silent' }),
    });
    await tokens.start();
    try {
      rewrite(file, 'beta\n');
      const deadline = Date.now() + 10_000;
      while (!tokens.authorize('Bearer beta')) {
        if (Date.now() > deadline)
          throw new Error('timed out waiting for the rewritten tokens file to be read');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      assert.equal(tokens.authorize('Bearer alpha'), false);
    } finally {
      await tokens.stop();
    }
  });
});
