import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../src/log/logger.js';

describe('createLogger', () => {
  it('writes one JSON object per line with level, message and fields', () => {
    const lines: string[] = [];
    const log = createLogger({ write: (l) => lines.push(l), fields: { component: 'agent' } });
    log
      .child({ partition: 3 })
      .warn('slow', { offset: 12n, err: Object.assign(new Error('boom'), { code: 'X' }) });
    assert.equal(lines.length, 1);
    const line = JSON.parse(lines[0] as string) as Record<string, unknown>;
    assert.equal(line.level, 'warn');
    assert.equal(line.msg, 'slow');
    assert.equal(line.component, 'agent');
    assert.equal(line.partition, 3);
    assert.equal(line.offset, '12');
    assert.deepEqual(
      { ...(line.err as object), stack: undefined },
      { message: 'boom', code: 'X', stack: undefined },
    );
    assert.match(String(line.time), /^\d{4}-\d\d-\d\dT/);
  });

  it('drops lines below its level', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'warn', format: 'pretty', write: (l) => lines.push(l) });
    log.debug('a');
    log.info('b');
    log.error('c', { topic: 'skein-spans' });
    assert.equal(lines.length, 1);
    assert.match(lines[0] as string, /ERROR c {2}topic=skein-spans$/);
  });
});

describe('createLogger redaction', () => {
  it('replaces each secret in JSON lines, in children too, also where JSON escaped it', () => {
    const lines: string[] = [];
    const quoted = 'q"uo\\te-secret';
    const log = createLogger({ write: (l) => lines.push(l), redact: ['s3cr3t-pass', quoted] });
    log.info('connecting with s3cr3t-pass', { password: 's3cr3t-pass', nested: { value: quoted } });
    log.child({ module: 'kafka' }).warn('failed', { error: new Error(`auth failed for s3cr3t-pass`) });
    assert.equal(lines.length, 2);
    for (const line of lines) {
      assert.equal(line.includes('s3cr3t-pass'), false, line);
      assert.equal(line.includes('uo\\\\te'), false, line);
    }
    const first = JSON.parse(lines[0] as string) as Record<string, unknown>;
    assert.equal(first.msg, 'connecting with [REDACTED]');
    assert.equal(first.password, '[REDACTED]');
    assert.deepEqual(first.nested, { value: '[REDACTED]' });
    const second = JSON.parse(lines[1] as string) as { module: string; error: { message: string } };
    assert.equal(second.module, 'kafka');
    assert.equal(second.error.message, 'auth failed for [REDACTED]');
  });

  it('asks a redact function at every line, so secrets known later are covered', () => {
    const lines: string[] = [];
    const secrets: string[] = [];
    const log = createLogger({ format: 'pretty', write: (l) => lines.push(l), redact: () => secrets });
    const child = log.child({ module: 'sasl' });
    child.info('token later-token');
    secrets.push('later-token');
    child.info('token later-token', { again: 'later-token' });
    assert.match(lines[0] as string, /token later-token {2}module=sasl$/);
    assert.match(lines[1] as string, /token \[REDACTED\] {2}module=sasl again=\[REDACTED\]$/);
  });
});
