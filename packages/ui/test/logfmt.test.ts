import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatTags, parseTags } from '../src/lib/logfmt.js';

describe('parseTags', () => {
  it('reads key=value pairs separated by any whitespace', () => {
    assert.deepEqual(parseTags('  error=true   http.status_code=5..\thost=a '), {
      ok: true,
      tags: { error: 'true', 'http.status_code': '5..', host: 'a' },
    });
    assert.deepEqual(parseTags(''), { ok: true, tags: {} });
  });

  it('reads quoted keys and values with spaces, "=" and escapes', () => {
    assert.deepEqual(parseTags('"user name"="Ada L" q="a=b" s="say \\"hi\\"" e=""'), {
      ok: true,
      tags: { 'user name': 'Ada L', q: 'a=b', s: 'say "hi"', e: '' },
    });
  });

  it('says what is wrong with malformed input', () => {
    assert.deepEqual(parseTags('error'), {
      ok: false,
      error: 'tag "error" has no value: write error=<value>',
    });
    assert.deepEqual(parseTags('a="x'), { ok: false, error: 'a quote opened at position 3 is never closed' });
    assert.deepEqual(parseTags('=x'), { ok: false, error: 'expected a tag key at position 1' });
    assert.deepEqual(parseTags('a="x"y'), { ok: false, error: 'unexpected "y" at position 6' });
  });
});

describe('formatTags', () => {
  it('round-trips through parseTags, quoting only where needed', () => {
    const tags = { error: 'true', 'user name': 'Ada "L"', path: 'a\\b', empty: '' };
    const text = formatTags(tags);
    assert.equal(text, 'error=true "user name"="Ada \\"L\\"" path="a\\\\b" empty=""');
    assert.deepEqual(parseTags(text), { ok: true, tags });
  });
});
