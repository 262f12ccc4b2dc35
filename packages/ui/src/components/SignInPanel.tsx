// Shown instead of the page when the query API answered 401: asks for the bearer token, checks it, and stores it
// for this tab. The input is uncontrolled, so React never copies the token into a `value` attribute of the DOM.
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { checkToken, session } from '../api.js';
import { useTitle } from '../hooks.js';
import { tokenProblem } from '../lib/session-token.js';

const REFUSED = 'the query service answered 401 to it. Check the token and enter it again.';

export function SignInPanel({ refused }: { refused: boolean }) {
  useTitle('Sign in');
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [problem, setProblem] = useState<{ refused: boolean; text: string } | undefined>(
    refused ? { refused: true, text: REFUSED } : undefined,
  );
  const [checking, setChecking] = useState(false);

  // The token is the one thing to do here: start the keyboard in its field.
  useEffect(() => input.current?.focus(), []);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    const field = input.current;
    if (field === null || checking) return;
    const token = field.value.trim();
    const invalid = tokenProblem(token);
    if (invalid !== undefined) {
      setProblem({ refused: false, text: invalid });
      field.focus();
      return;
    }
    setChecking(true);
    setProblem(undefined);
    let verdict: 'accepted' | 'refused';
    try {
      verdict = await checkToken(token);
    } catch (err) {
      setChecking(false);
      setProblem({ refused: false, text: (err as Error).message });
      field.focus();
      return;
    }
    setChecking(false);
    if (verdict === 'refused') {
      setProblem({ refused: true, text: REFUSED });
      field.focus();
      field.select();
      return;
    }
    field.value = '';
    // The App swaps this panel for the page, which loads again, now with the token.
    session.set(token);
  };

  return (
    <div className="page narrow">
      <section className="sign-in" aria-labelledby={`${id}-title`}>
        <h1 id={`${id}-title`}>This query service requires a bearer token</h1>
        <p>
          Its API answers only requests that carry <code>Authorization: Bearer &lt;token&gt;</code> (the query
          service&apos;s <code>auth.bearer-token</code> or <code>auth.bearer-tokens-file</code>). Enter a
          token to see traces.
        </p>
        {/* method="post": should a script ever fail to stop the submit, the token still stays out of the URL. */}
        <form method="post" onSubmit={(e) => void submit(e)} aria-busy={checking} noValidate>
          <div className="field">
            <label htmlFor={`${id}-token`}>Bearer token</label>
            <input
              ref={input}
              id={`${id}-token`}
              name="token"
              type="password"
              autoComplete="off"
              spellCheck={false}
              aria-invalid={problem !== undefined}
              aria-describedby={`${problem === undefined ? '' : `${id}-problem `}${id}-storage`}
            />
          </div>
          {problem !== undefined && (
            <p id={`${id}-problem`} className="form-error" role="alert">
              {problem.refused ? (
                <>
                  <strong>Token refused:</strong> {problem.text}
                </>
              ) : (
                problem.text
              )}
            </p>
          )}
          <p id={`${id}-storage`} className="field-hint">
            The token is kept in this tab&apos;s session storage (sessionStorage, not localStorage): it is
            sent with every API call from this tab, survives a reload, and is gone when the tab is closed.
            &ldquo;Forget token&rdquo; in the header removes it sooner.
          </p>
          <div className="sign-in-actions">
            <button type="submit" className="primary" disabled={checking}>
              Use token
            </button>
            <span role="status" className="muted">
              {checking ? 'Checking the token…' : ''}
            </span>
          </div>
        </form>
      </section>
    </div>
  );
}
