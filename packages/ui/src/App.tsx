import { Fragment, useEffect, useRef, useState, useSyncExternalStore, type FormEvent } from 'react';
import { session } from './api.js';
import { SignInPanel } from './components/SignInPanel.js';
import { DependenciesPage } from './pages/DependenciesPage.js';
import { SearchPage } from './pages/SearchPage.js';
import { TracePage } from './pages/TracePage.js';
import { Link, navigate, useLocation } from './router.js';
import { useTitle } from './hooks.js';

/** Trace IDs as the API takes them: 1 to 32 hex digits. */
const TRACE_ID = /^[0-9a-f]{1,32}$/i;

function TraceIdForm() {
  const [value, setValue] = useState('');
  const [error, setError] = useState('');
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const id = value.trim();
    if (!TRACE_ID.test(id)) {
      setError('A trace ID is 1 to 32 hexadecimal digits.');
      return;
    }
    setError('');
    setValue('');
    navigate(`/trace/${id.toLowerCase()}`);
  };
  return (
    <form className="trace-id-form" role="search" aria-label="Open a trace by ID" onSubmit={submit}>
      <label htmlFor="trace-id-input" className="visually-hidden">
        Trace ID
      </label>
      <input
        id="trace-id-input"
        type="text"
        placeholder="Trace ID"
        spellCheck={false}
        autoComplete="off"
        value={value}
        aria-invalid={error !== ''}
        aria-describedby={error === '' ? undefined : 'trace-id-error'}
        onChange={(e) => setValue(e.target.value)}
      />
      <button type="submit">Open</button>
      {error !== '' && (
        <span id="trace-id-error" role="alert" className="header-error">
          {error}
        </span>
      )}
    </form>
  );
}

function NotFound({ path }: { path: string }) {
  useTitle('Not found');
  return (
    <div className="page narrow">
      <h1>Nothing here</h1>
      <p>
        There is no page at <code>{path}</code>. <Link href="/">Search traces</Link> or look at the{' '}
        <Link href="/dependencies">service dependencies</Link>.
      </p>
    </div>
  );
}

function page(pathname: string) {
  if (pathname === '/' || pathname === '/search') return <SearchPage />;
  if (pathname === '/dependencies') return <DependenciesPage />;
  const trace = /^\/trace\/([^/]+)\/?$/.exec(pathname);
  if (trace !== null) {
    let id = trace[1] as string;
    try {
      id = decodeURIComponent(id);
    } catch {
      // Shown as typed; the API answers that it is not a trace ID.
    }
    return <TracePage key={id} traceId={id} />;
  }
  return <NotFound path={pathname} />;
}

export function App() {
  const { pathname } = useLocation();
  const auth = useSyncExternalStore(session.subscribe, session.state);
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  // After a client-side navigation, start keyboard and screen-reader users at the new page's content.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus({ preventScroll: true });
  }, [pathname]);
  const section = pathname.startsWith('/dependencies')
    ? 'dependencies'
    : pathname.startsWith('/trace/')
      ? ''
      : 'search';
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <Link href="/" className="brand">
          skein
        </Link>
        <nav aria-label="Main">
          <ul>
            <li>
              <Link href="/search" aria-current={section === 'search' ? 'page' : undefined}>
                Search
              </Link>
            </li>
            <li>
              <Link href="/dependencies" aria-current={section === 'dependencies' ? 'page' : undefined}>
                Dependencies
              </Link>
            </li>
          </ul>
        </nav>
        <TraceIdForm />
        {auth.hasToken && (
          <button type="button" className="forget-token" onClick={() => session.forget()}>
            Forget token
          </button>
        )}
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {auth.signInNeeded ? (
          <SignInPanel refused={auth.refused} />
        ) : (
          // A new token (or none) loads the page again: the view that failed with 401 reloads after sign-in.
          <Fragment key={auth.generation}>{page(pathname)}</Fragment>
        )}
      </main>
    </>
  );
}
