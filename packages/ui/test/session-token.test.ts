import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SessionToken, TOKEN_KEY, tokenProblem, type KeyValueStorage } from '../src/lib/session-token.js';

/** sessionStorage's behaviour for the three calls used, over a Map the test can look into. */
function memoryStorage(
  initial: Record<string, string> = {},
): KeyValueStorage & { items: Map<string, string> } {
  const items = new Map(Object.entries(initial));
  return {
    items,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  };
}

describe('SessionToken', () => {
  it('starts from the token sessionStorage holds, and without one when it holds none', () => {
    const stored = new SessionToken(memoryStorage({ [TOKEN_KEY]: 'abc123' }));
    assert.equal(stored.get(), 'abc123');
    assert.deepEqual(stored.state(), { hasToken: true, signInNeeded: false, refused: false, generation: 0 });
    const empty = new SessionToken(memoryStorage());
    assert.equal(empty.get(), undefined);
    assert.deepEqual(empty.state(), { hasToken: false, signInNeeded: false, refused: false, generation: 0 });
  });

  it('ignores a stored value that cannot be a token', () => {
    assert.equal(new SessionToken(memoryStorage({ [TOKEN_KEY]: 'two words' })).get(), undefined);
  });

  it('writes the token to storage under its key, and removes it on forget', () => {
    const storage = memoryStorage();
    const session = new SessionToken(storage);
    session.set('s3cret');
    assert.deepEqual([...storage.items], [[TOKEN_KEY, 's3cret']]);
    assert.equal(session.get(), 's3cret');
    session.forget();
    assert.deepEqual([...storage.items], []);
    assert.equal(session.get(), undefined);
  });

  it('asks for sign-in after a 401 to a request without a token, and not before', () => {
    const session = new SessionToken(memoryStorage());
    const seen: boolean[] = [];
    session.subscribe(() => seen.push(session.state().signInNeeded));
    session.unauthorized(undefined);
    assert.deepEqual(session.state(), { hasToken: false, signInNeeded: true, refused: false, generation: 0 });
    // More 401s of the same page change nothing, so React does not render again.
    const before = session.state();
    session.unauthorized(undefined);
    assert.equal(session.state(), before);
    assert.deepEqual(seen, [true]);
  });

  it('a token set after the 401 ends the sign-in and starts a new generation', () => {
    const session = new SessionToken(memoryStorage());
    session.unauthorized(undefined);
    session.set('good');
    assert.deepEqual(session.state(), { hasToken: true, signInNeeded: false, refused: false, generation: 1 });
  });

  it('forgets a token the API refused, marks it refused and asks again', () => {
    const storage = memoryStorage({ [TOKEN_KEY]: 'stale' });
    const session = new SessionToken(storage);
    session.unauthorized('stale');
    assert.equal(session.get(), undefined);
    assert.deepEqual([...storage.items], []);
    assert.deepEqual(session.state(), { hasToken: false, signInNeeded: true, refused: true, generation: 0 });
    session.set('fresh');
    assert.deepEqual(session.state(), { hasToken: true, signInNeeded: false, refused: false, generation: 1 });
  });

  it('a late 401 to an older token (or to no token) leaves a newer token alone', () => {
    const session = new SessionToken(memoryStorage({ [TOKEN_KEY]: 'old' }));
    session.set('new');
    const before = session.state();
    session.unauthorized('old');
    session.unauthorized(undefined);
    assert.equal(session.get(), 'new');
    assert.equal(session.state(), before);
  });

  it('forget after a sign-in shows the panel again, without "refused"', () => {
    const session = new SessionToken(memoryStorage());
    session.unauthorized(undefined);
    session.set('good');
    session.forget();
    assert.deepEqual(session.state(), { hasToken: false, signInNeeded: true, refused: false, generation: 2 });
  });

  it('forget of a token from an earlier page load reloads the page, whose 401 then asks for sign-in', () => {
    const session = new SessionToken(memoryStorage({ [TOKEN_KEY]: 'good' }));
    session.forget();
    assert.deepEqual(session.state(), {
      hasToken: false,
      signInNeeded: false,
      refused: false,
      generation: 1,
    });
    session.unauthorized(undefined);
    assert.equal(session.state().signInNeeded, true);
  });

  it('keeps the token in memory when storage throws, or where there is none', () => {
    const throwing: KeyValueStorage = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
      removeItem: () => {
        throw new Error('SecurityError');
      },
    };
    for (const storage of [throwing, undefined]) {
      const session = new SessionToken(storage);
      assert.equal(session.get(), undefined);
      session.set('t');
      assert.equal(session.get(), 't');
      session.forget();
      assert.equal(session.get(), undefined);
    }
  });

  it('stops calling a listener once unsubscribed', () => {
    const session = new SessionToken(memoryStorage());
    let calls = 0;
    const unsubscribe = session.subscribe(() => calls++);
    session.set('a');
    unsubscribe();
    session.set('b');
    assert.equal(calls, 1);
  });
});

describe('tokenProblem', () => {
  it('accepts printable ASCII without spaces', () => {
    assert.equal(tokenProblem('eyJhbGciOi.J9-_~+/=abc'), undefined);
  });

  it('says what is wrong with an empty token, spaces, control or non-ASCII characters', () => {
    assert.equal(tokenProblem(''), 'Enter the token.');
    for (const bad of ['two words', 'tab\there', 'line\nbreak', 'caf\u00e9', 'emoji\u{1f600}']) {
      assert.match(tokenProblem(bad) ?? '', /^A bearer token is printable ASCII without spaces/, bad);
    }
  });
});
