import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  apiSearch,
  emptyForm,
  formFromUrl,
  formToUrl,
  fromLocalInput,
  isGoDuration,
  lookbackMs,
  toLocalInput,
  type SearchForm,
} from '../src/lib/search-params.js';

const NOW_MS = 1_741_000_000_000;

function form(fields: Partial<SearchForm>): SearchForm {
  return { ...emptyForm(), ...fields };
}

describe('apiSearch', () => {
  it('builds the /api/traces query Jaeger documents: µs range, tags as JSON, durations, limit', () => {
    const r = apiSearch(
      form({
        service: 'frontend',
        operation: 'GET /cart',
        tags: 'error=true http.status_code=5..',
        lookback: '1h',
        minDuration: '1.5ms',
        maxDuration: '2s',
        limit: '50',
      }),
      NOW_MS,
    );
    assert.ok(r.ok);
    assert.equal(r.end, NOW_MS * 1_000);
    assert.equal(r.start, (NOW_MS - 3_600_000) * 1_000);
    assert.deepEqual(Object.fromEntries(r.query), {
      service: 'frontend',
      operation: 'GET /cart',
      tags: '{"error":"true","http.status_code":"5.."}',
      lookback: '1h',
      start: String((NOW_MS - 3_600_000) * 1_000),
      end: String(NOW_MS * 1_000),
      minDuration: '1.5ms',
      maxDuration: '2s',
      limit: '50',
    });
  });

  it('leaves out what is not set, and defaults the limit to 20', () => {
    const r = apiSearch(form({ service: 'db', limit: '' }), NOW_MS);
    assert.ok(r.ok);
    assert.deepEqual([...r.query.keys()], ['service', 'lookback', 'start', 'end', 'limit']);
    assert.equal(r.query.get('limit'), '20');
  });

  it('sends a custom range as start and end in µs', () => {
    const start = fromLocalInput('2025-03-04T10:00') as number;
    const end = fromLocalInput('2025-03-04T11:30') as number;
    const r = apiSearch(
      form({ service: 's', lookback: 'custom', start: '2025-03-04T10:00', end: '2025-03-04T11:30' }),
      NOW_MS,
    );
    assert.ok(r.ok);
    assert.deepEqual(
      [r.query.get('start'), r.query.get('end'), r.query.get('lookback')],
      [String(start), String(end), 'custom'],
    );
    assert.equal(end - start, 5_400_000_000);
  });

  it('names the field at fault', () => {
    const fault = (f: Partial<SearchForm>) => {
      const r = apiSearch(form({ service: 's', ...f }), NOW_MS);
      return r.ok ? undefined : r.field;
    };
    assert.equal(fault({ service: '' }), 'service');
    assert.equal(fault({ tags: 'oops' }), 'tags');
    assert.equal(fault({ minDuration: '10 ms' }), 'minDuration');
    assert.equal(fault({ maxDuration: '5' }), 'maxDuration');
    assert.equal(fault({ limit: '0' }), 'limit');
    assert.equal(fault({ limit: '2.5' }), 'limit');
    assert.equal(fault({ lookback: 'custom', start: '' }), 'start');
    assert.equal(fault({ lookback: 'custom', start: '2025-03-04T10:00', end: '2025-03-04T09:00' }), 'end');
  });
});

describe('page URL', () => {
  it('round-trips a form through the query string', () => {
    const f = form({
      service: 'frontend',
      operation: 'op',
      tags: 'a=b',
      lookback: '6h',
      minDuration: '1ms',
      limit: '5',
    });
    assert.equal(
      formToUrl(f).toString(),
      'service=frontend&operation=op&tags=a%3Db&lookback=6h&minDuration=1ms&limit=5',
    );
    assert.deepEqual(formFromUrl(formToUrl(f)), f);
  });

  it('keeps a custom range as µs and reads it back as local times', () => {
    const f = form({ service: 's', lookback: 'custom', start: '2025-03-04T10:00', end: '2025-03-04T11:00' });
    const url = formToUrl(f);
    assert.equal(url.get('start'), String(fromLocalInput('2025-03-04T10:00')));
    assert.deepEqual(formFromUrl(url), f);
  });

  it('falls back to the default lookback for one it does not offer', () => {
    assert.equal(formFromUrl(new URLSearchParams('service=s&lookback=3h')).lookback, '1h');
  });
});

describe('helpers', () => {
  it('reads lookbacks', () => {
    assert.equal(lookbackMs('15m'), 900_000);
    assert.equal(lookbackMs('2d'), 172_800_000);
    assert.equal(lookbackMs('1w'), 604_800_000);
    assert.equal(lookbackMs('custom'), undefined);
  });

  it("accepts Go's durations and nothing else", () => {
    for (const ok of ['', '0', '1ms', '1.5s', '.5s', '300us', '300µs', '1h30m', '2m3.5s'])
      assert.ok(isGoDuration(ok), ok);
    for (const bad of ['1', 'ms', '1 ms', '-1s', '1d', '1.2.3s']) assert.ok(!isGoDuration(bad), bad);
  });

  it('converts datetime-local values and back', () => {
    assert.equal(toLocalInput(fromLocalInput('2025-12-31T23:59') as number), '2025-12-31T23:59');
    assert.equal(fromLocalInput('yesterday'), undefined);
  });
});
