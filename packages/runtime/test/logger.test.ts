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
