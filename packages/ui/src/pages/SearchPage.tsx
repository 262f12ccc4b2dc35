// Search: the form on the left, a scatter plot of the results' durations over time and the result list.
import { useId, useMemo, useRef, useState, type FormEvent } from 'react';
import type { UiTrace } from '@skein/model';
import { fetchOperations, fetchServices, searchTraces } from '../api.js';
import { ResultList } from '../components/ResultList.js';
import { Scatter } from '../components/Scatter.js';
import { useLoad, useTitle } from '../hooks.js';
import { apiSearch, formFromUrl, formToUrl, LOOKBACKS, type SearchForm } from '../lib/search-params.js';
import { sortSummaries, summarize, type ResultOrder } from '../lib/summary.js';
import { navigate, useLocation } from '../router.js';

const ORDERS: ReadonlyArray<{ value: ResultOrder; label: string }> = [
  { value: 'recent', label: 'Most recent' },
  { value: 'longest', label: 'Longest first' },
  { value: 'shortest', label: 'Shortest first' },
  { value: 'most-spans', label: 'Most spans' },
];

interface Results {
  traces: UiTrace[];
  /** When the answer came, for "5 minutes ago". */
  loadedAt: number;
}

type Services = ReturnType<typeof useLoad<string[]>>;

export function SearchPage() {
  const { search, href } = useLocation();
  const urlQuery = search.toString();
  const [order, setOrder] = useState<ResultOrder>('recent');
  const [run, setRun] = useState(0);
  const id = useId();
  useTitle('Search');

  const services = useLoad('services', (signal) => fetchServices(signal));

  // The URL is the search: it runs whenever the URL names a service (and again on a repeated submit).
  const searchKey = search.has('service') ? `${href}#${run}` : undefined;
  const results = useLoad<Results>(searchKey, async (signal) => {
    const request = apiSearch(formFromUrl(new URLSearchParams(urlQuery)), Date.now());
    if (!request.ok) throw new Error(request.error);
    const traces = await searchTraces(request.query, signal);
    return { traces, loadedAt: Date.now() };
  });

  const summaries = useMemo(
    () => (results.status === 'done' ? results.value.traces.map(summarize) : []),
    [results],
  );
  const sorted = useMemo(() => sortSummaries(summaries, order), [summaries, order]);

  const onSearch = (form: SearchForm): void => {
    const target = `/search?${formToUrl(form)}`;
    if (target === href) setRun((n) => n + 1);
    else navigate(target);
  };

  return (
    <div className="search-page">
      <SearchFormPanel urlQuery={urlQuery} services={services} onSearch={onSearch} />
      <section
        className="search-results"
        aria-labelledby={`${id}-results-title`}
        aria-busy={results.status === 'loading'}
      >
        <div className="results-head">
          <h2 id={`${id}-results-title`}>
            {results.status === 'done'
              ? `${summaries.length} trace${summaries.length === 1 ? '' : 's'}`
              : 'Results'}
          </h2>
          {results.status === 'done' && summaries.length > 1 && (
            <div className="inline-field">
              <label htmlFor={`${id}-order`}>Sort</label>
              <select
                id={`${id}-order`}
                value={order}
                onChange={(e) => setOrder(e.target.value as ResultOrder)}
              >
                {ORDERS.map((o) => (
                  <option key={o.value} value={o.value}>
                    {o.label}
                  </option>
                ))}
              </select>
            </div>
          )}
        </div>
        <div role="status" className="status-line">
          {results.status === 'idle' && 'Choose a service and press "Find traces".'}
          {results.status === 'loading' && 'Searching…'}
          {results.status === 'done' && summaries.length === 0 && 'No traces match this search.'}
        </div>
        {results.status === 'error' && (
          <p className="error-box" role="alert">
            The search failed: {results.error}
          </p>
        )}
        {results.status === 'done' && summaries.length > 0 && (
          <>
            <Scatter summaries={summaries} onOpen={(traceId) => navigate(`/trace/${traceId}`)} />
            <ResultList summaries={sorted} now={results.value.loadedAt} />
          </>
        )}
      </section>
    </div>
  );
}

function SearchFormPanel({
  urlQuery,
  services,
  onSearch,
}: {
  urlQuery: string;
  services: Services;
  onSearch: (form: SearchForm) => void;
}) {
  const [form, setForm] = useState<SearchForm>(() => formFromUrl(new URLSearchParams(urlQuery)));
  const [formError, setFormError] = useState<{ field: keyof SearchForm; error: string } | undefined>();
  // Back and forward show the form of that search. Adjusted during render (not in an effect, not by remounting):
  // the form keeps the keyboard focus across searches.
  const [shownUrl, setShownUrl] = useState(urlQuery);
  if (shownUrl !== urlQuery) {
    setShownUrl(urlQuery);
    setForm(formFromUrl(new URLSearchParams(urlQuery)));
    setFormError(undefined);
  }
  const id = useId();
  const fieldId = (name: keyof SearchForm): string => `${id}-${name}`;
  const formRef = useRef<HTMLFormElement>(null);
  const operations = useLoad(form.service === '' ? undefined : `ops:${form.service}`, (signal) =>
    fetchOperations(form.service, signal),
  );

  const update = <K extends keyof SearchForm>(key: K, value: SearchForm[K]): void => {
    setForm((f) => ({ ...f, [key]: value, ...(key === 'service' ? { operation: '' } : {}) }));
    if (formError?.field === key) setFormError(undefined);
  };

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const checked = apiSearch(form, Date.now());
    if (!checked.ok) {
      setFormError({ field: checked.field, error: checked.error });
      formRef.current?.querySelector<HTMLElement>(`#${CSS.escape(fieldId(checked.field))}`)?.focus();
      return;
    }
    setFormError(undefined);
    onSearch(form);
  };

  const serviceNames = services.status === 'done' ? services.value : [];
  const serviceOptions =
    form.service !== '' && !serviceNames.includes(form.service)
      ? [form.service, ...serviceNames]
      : serviceNames;
  const operationNames = operations.status === 'done' ? operations.value : [];
  const operationOptions =
    form.operation !== '' && !operationNames.includes(form.operation)
      ? [form.operation, ...operationNames]
      : operationNames;
  const invalid = (name: keyof SearchForm) =>
    formError?.field === name
      ? { 'aria-invalid': true as const, 'aria-describedby': `${id}-form-error` }
      : {};

  return (
    <section className="search-form-panel" aria-labelledby={`${id}-form-title`}>
      <h1 id={`${id}-form-title`}>Search traces</h1>
      <form ref={formRef} onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor={fieldId('service')}>Service</label>
          <select
            id={fieldId('service')}
            value={form.service}
            onChange={(e) => update('service', e.target.value)}
            {...invalid('service')}
          >
            <option value="">
              {services.status === 'loading' ? 'Loading services…' : 'Choose a service'}
            </option>
            {serviceOptions.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
          {services.status === 'error' && (
            <p className="field-error" role="alert">
              Could not list services: {services.error}
            </p>
          )}
          {services.status === 'done' && services.value.length === 0 && (
            <p className="field-hint">No services yet: nothing was written within the last 72 hours.</p>
          )}
        </div>
        <div className="field">
          <label htmlFor={fieldId('operation')}>Operation</label>
          <select
            id={fieldId('operation')}
            value={form.operation}
            disabled={form.service === ''}
            onChange={(e) => update('operation', e.target.value)}
          >
            <option value="">All operations</option>
            {operationOptions.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={fieldId('tags')}>Tags</label>
          <input
            id={fieldId('tags')}
            type="text"
            spellCheck={false}
            autoComplete="off"
            placeholder="error=true http.status_code=5.."
            value={form.tags}
            onChange={(e) => update('tags', e.target.value)}
            {...invalid('tags')}
          />
          <p className="field-hint">key=value pairs; values are regular expressions matched whole.</p>
        </div>
        <div className="field">
          <label htmlFor={fieldId('lookback')}>Time range</label>
          <select
            id={fieldId('lookback')}
            value={form.lookback}
            onChange={(e) => update('lookback', e.target.value)}
            {...invalid('lookback')}
          >
            {LOOKBACKS.map((l) => (
              <option key={l.value} value={l.value}>
                {l.label}
              </option>
            ))}
          </select>
        </div>
        {form.lookback === 'custom' && (
          <div className="field-row">
            <div className="field">
              <label htmlFor={fieldId('start')}>From</label>
              <input
                id={fieldId('start')}
                type="datetime-local"
                value={form.start}
                onChange={(e) => update('start', e.target.value)}
                {...invalid('start')}
              />
            </div>
            <div className="field">
              <label htmlFor={fieldId('end')}>To</label>
              <input
                id={fieldId('end')}
                type="datetime-local"
                value={form.end}
                onChange={(e) => update('end', e.target.value)}
                {...invalid('end')}
              />
            </div>
          </div>
        )}
        <div className="field-row">
          <div className="field">
            <label htmlFor={fieldId('minDuration')}>Min duration</label>
            <input
              id={fieldId('minDuration')}
              type="text"
              placeholder="e.g. 1.2ms"
              spellCheck={false}
              value={form.minDuration}
              onChange={(e) => update('minDuration', e.target.value)}
              {...invalid('minDuration')}
            />
          </div>
          <div className="field">
            <label htmlFor={fieldId('maxDuration')}>Max duration</label>
            <input
              id={fieldId('maxDuration')}
              type="text"
              placeholder="e.g. 2s"
              spellCheck={false}
              value={form.maxDuration}
              onChange={(e) => update('maxDuration', e.target.value)}
              {...invalid('maxDuration')}
            />
          </div>
        </div>
        <div className="field">
          <label htmlFor={fieldId('limit')}>Limit (traces)</label>
          <input
            id={fieldId('limit')}
            type="number"
            min={1}
            step={1}
            inputMode="numeric"
            value={form.limit}
            onChange={(e) => update('limit', e.target.value)}
            {...invalid('limit')}
          />
        </div>
        {formError !== undefined && (
          <p id={`${id}-form-error`} className="form-error" role="alert">
            {formError.error}
          </p>
        )}
        <button type="submit" className="primary">
          Find traces
        </button>
      </form>
    </section>
  );
}
