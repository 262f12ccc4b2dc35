import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBoolean, parseDuration, parseList, parseSize } from '../src/config/parse.js';

describe('parseDuration', () => {
  it('reads Go-style durations into milliseconds', () => {
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration('100ms'), 100);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('250us'), 0.25);
    assert.equal(parseDuration('250µs'), 0.25);
    assert.equal(parseDuration('2m3.5s'), 123_500);
    assert.equal(parseDuration('0'), 0);
  });
  it('rejects what is not a duration', () => {
    for (const bad of ['', '5', 's', '1.2.3s', '5 s', '-1s', '1d', '1s garbage']) {
      assert.equal(parseDuration(bad), undefined, bad);
    }
  });
});

describe('parseSize', () => {
  it('reads bytes with decimal and binary units', () => {
    assert.equal(parseSize('65000'), 65000);
    assert.equal(parseSize('64KiB'), 65536);
    assert.equal(parseSize('10MB'), 10_000_000);
    assert.equal(parseSize('1gib'), 1024 ** 3);
  });
  it('rejects unknown units', () => {
    assert.equal(parseSize('10 parsecs'), undefined);
    assert.equal(parseSize('-1'), undefined);
  });
});

describe('parseBoolean and parseList', () => {
  it('accepts the usual spellings', () => {
    assert.equal(parseBoolean('TRUE'), true);
    assert.equal(parseBoolean('0'), false);
    assert.equal(parseBoolean('maybe'), undefined);
    assert.deepEqual(parseList(' a, b ,,c '), ['a', 'b', 'c']);
  });
});
