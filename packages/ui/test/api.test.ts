// The API client's bearer-token handling, with fetch replaced by a recorder that answers like the query service.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ApiError, checkToken, fetchServices, fetchTrace, searchTraces, session } from '../src/api.js';

interface Call {
  url: string;
  headers: Record<string, string>;
}

const GOOD = 'g00d-token';
const realFetch = globalThis.fetch;
let calls: Call[] = [];
/** What the fake service answers when no token or a wrong one comes; 200 with a service list otherwise. */
let answer: (authorization: string | undefined) => { status: number; body: unknown };

function envelope(data: unknown, status = 200, msg?: string): { status: number; body: unknown } {
  return { status, body: { data, errors: msg === undefined ? null : [{ code: status, msg }] } };
}

beforeEach(() => {
  calls = [];
  session.forget();
  answer = (authorization) =>
    authorization === `Bearer ${GOOD}`
      ? envelope(['web', 'orders'])
      : envelope(null, 401, 'missing or invalid bearer token: send "Authorization: Bearer <token>"');
  globalThis.fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const headers = { ...(init?.headers as Record<string, string> | undefined) };
    calls.push({ url: String(input), headers });
    const { status, body } = answer(headers.authorization);
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  };
});

afterEach(() => {
  globalThis.fetch = realFetch;
});

describe('api: bearer token', () => {
  it('sends no Authorization header while no token is stored', async () => {
    answer = () => envelope(['web']);
    assert.deepEqual(await fetchServices(), ['web']);
    assert.deepEqual(calls, [{ url: '/api/services', headers: { accept: 'application/json' } }]);
  });

  it('sends the stored token as "Authorization: Bearer <token>" on every call, never in the URL', async () => {
    session.set(GOOD);
    answer = (authorization) =>
      authorization === `Bearer ${GOOD}`
        ? envelope([{ traceID: 'ab', spans: [] }])
        : envelope(null, 401, 'no');
    await searchTraces(new URLSearchParams({ service: 'web' }));
    await fetchTrace('ab');
    assert.deepEqual(calls, [
      {
        url: '/api/traces?service=web',
        headers: { accept: 'application/json', authorization: `Bearer ${GOOD}` },
      },
      { url: '/api/traces/ab', headers: { accept: 'application/json', authorization: `Bearer ${GOOD}` } },
    ]);
  });

  it('a 401 without a token is an ApiError(401) and asks for sign-in', async () => {
    await assert.rejects(fetchServices(), (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.status, 401);
      assert.equal(
        err.message,
        'This query service requires a bearer token, and none is stored in this tab.',
      );
      return true;
    });
    assert.deepEqual(session.state(), {
      hasToken: false,
      signInNeeded: true,
      refused: false,
      generation: session.state().generation,
    });
  });

  it('a 401 to the stored token forgets it as refused; the message does not hold the token', async () => {
    session.set('wr0ng');
    await assert.rejects(fetchServices(), (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.status, 401);
      assert.equal(err.message, 'The query service refused the bearer token.');
      return true;
    });
    assert.equal(session.get(), undefined);
    assert.equal(session.state().refused, true);
    assert.equal(session.state().signInNeeded, true);
  });

  it('a 401 that answers a token replaced in the meantime keeps the new one', async () => {
    session.set('old');
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const fake = globalThis.fetch;
    globalThis.fetch = async (input, init) => {
      await held;
      return fake(input, init);
    };
    const pending = fetchServices();
    session.set(GOOD);
    release();
    await assert.rejects(pending, ApiError);
    assert.equal(session.get(), GOOD);
    assert.equal(session.state().refused, false);
  });

  it('other errors leave the token alone and carry the API message', async () => {
    session.set(GOOD);
    answer = () => envelope(null, 500, 'query failed: elasticsearch unavailable');
    await assert.rejects(fetchServices(), {
      status: 500,
      message: 'query failed: elasticsearch unavailable',
    });
    assert.equal(session.get(), GOOD);
  });
});

describe('api: checkToken', () => {
  it('sends the candidate token to /api/services and says accepted or refused, storing nothing', async () => {
    const before = session.state();
    assert.equal(await checkToken('nope'), 'refused');
    assert.equal(await checkToken(GOOD), 'accepted');
    assert.deepEqual(
      calls.map((c) => [c.url, c.headers.authorization]),
      [
        ['/api/services', 'Bearer nope'],
        ['/api/services', `Bearer ${GOOD}`],
      ],
    );
    assert.equal(session.get(), undefined);
    assert.equal(session.state(), before);
  });

  it('counts an error after the auth check (a 500) as accepted: the token passed', async () => {
    answer = () => envelope(null, 500, 'query failed');
    assert.equal(await checkToken(GOOD), 'accepted');
  });

  it('throws when the query service does not answer', async () => {
    globalThis.fetch = async () => {
      throw new TypeError('fetch failed');
    };
    await assert.rejects(checkToken(GOOD), {
      status: 0,
      message: 'The query service did not answer (fetch failed).',
    });
  });
});
