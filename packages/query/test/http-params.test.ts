import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ParamError,
  parseDependencies,
  parseSearch,
  parseTraceIdParam,
  parseTraceRange,
  type QueryLimits,
} from '../src/params/http-params.js';

const NOW_MS = Date.UTC(2026, 10, 25, 12);
const limits: QueryLimits = {
  defaultLimit: 100,
  maxLimit: 1500,
  defaultLookbackMs: 48 * 3_600_000,
  maxTimeRangeMs: 720 * 3_600_000,
  now: () => NOW_MS,
};

const search = (query: string) => parseSearch(new URLSearchParams(query), limits);

function rejects(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ParamError, `expected ParamError, got ${String(err)}`);
    assert.match(err.message, message);
    return true;
  });
}

describe('parseSearch', () => {
  it('reads a full search', () => {
    const request = search(
      'service=frontend&operation=GET%20%2F&start=1000000&end=2000000&minDuration=1.2ms&maxDuration=2s&limit=20' +
        '&tag=error:true&tag=http.url:http://x/y&tags=%7B%22region%22%3A%22eu.*%22%7D',
    );
    assert.deepEqual(request, {
      kind: 'query',
      query: {
        service: 'frontend',
        operation: 'GET /',
        tags: [
          ['error', 'true'],
          ['http.url', 'http://x/y'],
          ['region', 'eu.*'],
        ],
        startMin: 1_000_000,
        startMax: 2_000_000,
        durationMin: 1200,
        durationMax: 2_000_000,
        limit: 20,
      },
    });
  });

  it('defaults: end now, start from lookback (Go duration or days) or 48h, limit 100', () => {
    const endUs = NOW_MS * 1000;
    assert.deepEqual(search('service=a'), {
      kind: 'query',
      query: { service: 'a', tags: [], startMin: endUs - 48 * 3_600_000_000, startMax: endUs, limit: 100 },
    });
    const oneHour = search('service=a&lookback=1h');
    assert.equal(oneHour.kind === 'query' && oneHour.query.startMin, endUs - 3_600_000_000);
    const twoDays = search('service=a&lookback=2d&limit=0');
    assert.equal(twoDays.kind === 'query' && twoDays.query.startMin, endUs - 2 * 86_400_000_000);
    assert.equal(twoDays.kind === 'query' && twoDays.query.limit, 100);
    const custom = search('service=a&lookback=custom&start=5&end=10');
    assert.equal(custom.kind === 'query' && custom.query.startMin, 5);
  });

  it('reads trace IDs, normalised and deduplicated, with an optional range', () => {
    assert.deepEqual(search('traceID=ABC&traceID=0000000000000abc&traceID=1'), {
      kind: 'ids',
      traceIds: ['00000000000000000000000000000abc', '00000000000000000000000000000001'],
      range: undefined,
    });
    assert.deepEqual(search('traceID=abc&start=1000000&end=3000000'), {
      kind: 'ids',
      traceIds: ['00000000000000000000000000000abc'],
      range: { startMs: 1000, endMs: 3000 },
    });
  });

  it('answers every invalid parameter with a message naming it', () => {
    rejects(() => search(''), /parameter 'service' is required/);
    rejects(
      () => search('service=a&start=abc'),
      /parameter 'start' must be an integer number of microseconds/,
    );
    rejects(() => search('service=a&end=1.5'), /parameter 'end'/);
    rejects(() => search('service=a&start=10&end=5'), /the end is before the start/);
    rejects(() => search('service=a&start=0&end=2592000000001'), /longer than the 720h allowed/);
    rejects(() => search('service=a&limit=-1'), /parameter 'limit' must be from 0 to 1500/);
    rejects(() => search('service=a&limit=1501'), /parameter 'limit' must be from 0 to 1500/);
    rejects(() => search('service=a&limit=ten'), /parameter 'limit' must be an integer/);
    rejects(
      () => search('service=a&minDuration=10'),
      /parameter 'minDuration' must be a non-negative duration/,
    );
    rejects(() => search('service=a&maxDuration=-1s'), /parameter 'maxDuration'/);
    rejects(() => search('service=a&minDuration=2s&maxDuration=1s'), /'maxDuration' must not be less than/);
    rejects(() => search('service=a&lookback=forever'), /parameter 'lookback' must be a positive duration/);
    rejects(() => search('service=a&tag=novalue'), /malformed 'tag' parameter "novalue"/);
    rejects(() => search('service=a&tag=:v'), /malformed 'tag' parameter/);
    rejects(() => search('service=a&tags={bad'), /malformed 'tags' parameter: not JSON/);
    rejects(() => search('service=a&tags=[1]'), /expected a JSON object/);
    rejects(() => search('service=a&tags={"code":200}'), /the value of "code" must be a string/);
    rejects(
      () => search('traceID=xyz'),
      /parameter traceID must be 1 to 32 hexadecimal characters, got "xyz"/,
    );
    rejects(() => search(`traceID=${'a'.repeat(33)}`), /1 to 32 hexadecimal/);
    rejects(() => search('traceID=000'), /must not be zero/);
  });
});

describe('parseTraceIdParam and parseTraceRange', () => {
  it('accepts 16 or 32 hex characters with leading zeros, any case', () => {
    assert.equal(parseTraceIdParam('00000000000000000000000000000ABC'), '00000000000000000000000000000abc');
    assert.equal(parseTraceIdParam('0123456789abcdef'), '00000000000000000123456789abcdef');
    rejects(() => parseTraceIdParam('g'), /traceID must be 1 to 32 hexadecimal characters, got "g"/);
  });

  it('reads an optional range in microseconds', () => {
    assert.equal(parseTraceRange(new URLSearchParams(''), limits), undefined);
    assert.deepEqual(parseTraceRange(new URLSearchParams('start=1000&end=5000000'), limits), {
      startMs: 1,
      endMs: 5000,
    });
    rejects(() => parseTraceRange(new URLSearchParams('start=x'), limits), /parameter 'start'/);
  });
});

describe('parseDependencies', () => {
  it('defaults to the last 24 hours ending now', () => {
    assert.deepEqual(parseDependencies(new URLSearchParams(''), limits), {
      endMs: NOW_MS,
      lookbackMs: 86_400_000,
      service: undefined,
    });
    assert.deepEqual(parseDependencies(new URLSearchParams('endTs=5000&lookback=1000&service=a'), limits), {
      endMs: 5000,
      lookbackMs: 1000,
      service: 'a',
    });
  });

  it('rejects bad values', () => {
    const deps = (q: string) => parseDependencies(new URLSearchParams(q), limits);
    rejects(() => deps('endTs=soon'), /parameter 'endTs' must be an integer number of milliseconds/);
    rejects(() => deps('lookback=1h'), /parameter 'lookback' must be an integer number of milliseconds/);
    rejects(() => deps('lookback=0'), /must be a positive number/);
    rejects(() => deps('endTs=-5'), /must not be negative/);
    rejects(() => deps(`lookback=${721 * 3_600_000}`), /longer than the 720h allowed/);
  });
});
