// The bearer token the query API asks for, kept for this browser tab only: in sessionStorage, never localStorage,
// so it is gone when the tab closes. The token itself is read only to send a request; the state React renders
// from says whether one is stored, never what it is.

/** The slice of the Web Storage API used here (sessionStorage in the browser, a stand-in in tests). */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** What the UI shows from: whether a token is stored, whether the API wants one, whether the last was refused. */
export interface TokenState {
  hasToken: boolean;
  /** The API answered 401 and no token is stored: the sign-in panel replaces the page. */
  signInNeeded: boolean;
  /** The stored token was answered with 401 (and so forgotten). */
  refused: boolean;
  /** Changes whenever the token is set or forgotten: pages keyed on it load again. */
  generation: number;
}

/** The sessionStorage key that holds the token. */
export const TOKEN_KEY = 'skein.query.bearer-token';

/** The browser's sessionStorage, or undefined where there is none or it is blocked (then the token lives in memory). */
export function browserSessionStorage(): KeyValueStorage | undefined {
  try {
    // Reading the property throws a SecurityError where the user blocks storage for the site.
    return (globalThis as { sessionStorage?: KeyValueStorage }).sessionStorage;
  } catch {
    return undefined;
  }
}

/**
 * Why `token` cannot be sent as `Authorization: Bearer <token>`, or undefined if it can. The query service takes
 * the header's value up to the first space, and fetch refuses header values beyond Latin-1, so a token is
 * printable ASCII without spaces.
 */
export function tokenProblem(token: string): string | undefined {
  if (token === '') return 'Enter the token.';
  if (!/^[\x21-\x7e]+$/.test(token)) {
    return 'A bearer token is printable ASCII without spaces: this one has other characters, so it cannot be the token.';
  }
  return undefined;
}

/** The tab's bearer token for the query API, with change notifications for React (useSyncExternalStore). */
export class SessionToken {
  readonly #storage: KeyValueStorage | undefined;
  #token: string | undefined;
  #required = false;
  #state: TokenState;
  readonly #listeners = new Set<() => void>();

  constructor(storage: KeyValueStorage | undefined) {
    this.#storage = storage;
    let stored: string | null = null;
    try {
      stored = storage?.getItem(TOKEN_KEY) ?? null;
    } catch {
      // Storage that throws on reading holds nothing usable: start without a token.
    }
    this.#token = stored === null || tokenProblem(stored) !== undefined ? undefined : stored;
    this.#state = { hasToken: this.#token !== undefined, signInNeeded: false, refused: false, generation: 0 };
  }

  /** The token to send, if one is stored. */
  get(): string | undefined {
    return this.#token;
  }

  /** Stores `token` for this tab and lets the pages load again with it. */
  set(token: string): void {
    this.#token = token;
    this.#write(token);
    this.#update({ refused: false }, true);
  }

  /** Removes the token from this tab; the pages load again without one. */
  forget(): void {
    this.#token = undefined;
    this.#write(undefined);
    this.#update({ refused: false }, true);
  }

  /**
   * The API answered 401 to a request that carried `sent` (undefined: none). The stored token, if it was the one
   * sent, is forgotten as refused; an answer to an older token says nothing about a newer one.
   */
  unauthorized(sent: string | undefined): void {
    if (sent !== this.#token) return;
    this.#required = true;
    if (sent === undefined) {
      this.#update({}, false);
      return;
    }
    this.#token = undefined;
    this.#write(undefined);
    this.#update({ refused: true }, false);
  }

  /** The current state; the same object until something changes. */
  readonly state = (): TokenState => this.#state;

  /** Calls `listener` on every change of state; returns the unsubscribe function. */
  readonly subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  #write(token: string | undefined): void {
    try {
      if (token === undefined) this.#storage?.removeItem(TOKEN_KEY);
      else this.#storage?.setItem(TOKEN_KEY, token);
    } catch {
      // A full or blocked storage: the token stays in memory for this page only, which is still this tab only.
    }
  }

  #update(change: Partial<Pick<TokenState, 'refused'>>, newGeneration: boolean): void {
    const hasToken = this.#token !== undefined;
    const next: TokenState = {
      hasToken,
      signInNeeded: this.#required && !hasToken,
      refused: change.refused ?? this.#state.refused,
      generation: this.#state.generation + (newGeneration ? 1 : 0),
    };
    const prev = this.#state;
    if (
      prev.hasToken === next.hasToken &&
      prev.signInNeeded === next.signInNeeded &&
      prev.refused === next.refused &&
      prev.generation === next.generation
    ) {
      return;
    }
    this.#state = next;
    for (const listener of [...this.#listeners]) listener();
  }
}
