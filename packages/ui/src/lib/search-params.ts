// The search form as state, as the page URL (so a search can be bookmarked, shared and reloaded), and as the
// query string of `GET /api/traces`, which docs/jaeger-compat.md describes.
import { parseTags } from './logfmt.js';

export interface SearchForm {
  service: string;
  /** Empty for all operations. */
  operation: string;
  /** logfmt, as typed. */
  tags: string;
  /** One of LOOKBACKS' values, or "custom" for `start`..`end`. */
  lookback: string;
  /** With lookback "custom": `YYYY-MM-DDTHH:mm` in local time (an `<input type="datetime-local">` value). */
  start: string;
  end: string;
  /** Go durations as typed ("1.2ms", "2s"); empty for no bound. */
  minDuration: string;
  maxDuration: string;
  limit: string;
}

export const LOOKBACKS: ReadonlyArray<{ value: string; label: string }> = [
  { value: '5m', label: 'Last 5 minutes' },
  { value: '15m', label: 'Last 15 minutes' },
  { value: '1h', label: 'Last hour' },
  { value: '6h', label: 'Last 6 hours' },
  { value: '12h', label: 'Last 12 hours' },
  { value: '24h', label: 'Last 24 hours' },
  { value: '2d', label: 'Last 2 days' },
  { value: '7d', label: 'Last 7 days' },
  { value: 'custom', label: 'Custom range' },
];

export const DEFAULT_LIMIT = 20;

export function emptyForm(): SearchForm {
  return {
    service: '',
    operation: '',
    tags: '',
    lookback: '1h',
    start: '',
    end: '',
    minDuration: '',
    maxDuration: '',
    limit: String(DEFAULT_LIMIT),
  };
}

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Milliseconds of a lookback such as "15m", "6h", "2d", "1w"; undefined for anything else. */
export function lookbackMs(lookback: string): number | undefined {
  const m = /^(\d+)([mhdw])$/.exec(lookback);
  return m === null ? undefined : Number(m[1]) * (UNIT_MS[m[2] as string] as number);
}

// Go's time.ParseDuration grammar, which the query API applies: one or more <number><unit>.
const GO_DURATION = /^(\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))*$/;

/** Whether the text is a duration the query API accepts ("1.2ms", "1m30s"); empty counts as valid. */
export function isGoDuration(text: string): boolean {
  return text === '' || text === '0' || GO_DURATION.test(text);
}

/** `YYYY-MM-DDTHH:mm` in local time for µs since the epoch. */
export function toLocalInput(us: number): string {
  const d = new Date(Math.floor(us / 1_000));
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** µs since the epoch for a `datetime-local` value (local time); undefined when it is not one. */
export function fromLocalInput(text: string): number | undefined {
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(text)) return undefined;
  const ms = new Date(text).getTime();
  return Number.isNaN(ms) ? undefined : ms * 1_000;
}

const FIELDS = ['service', 'operation', 'tags', 'lookback', 'minDuration', 'maxDuration', 'limit'] as const;

/** The page URL's query string for a form. Custom ranges are kept as µs, like the API's start and end. */
export function formToUrl(form: SearchForm): URLSearchParams {
  const out = new URLSearchParams();
  for (const key of FIELDS) if (form[key] !== '') out.set(key, form[key]);
  if (form.lookback === 'custom') {
    const start = fromLocalInput(form.start);
    const end = fromLocalInput(form.end);
    if (start !== undefined) out.set('start', String(start));
    if (end !== undefined) out.set('end', String(end));
  }
  return out;
}

/** The form a page URL describes; what it does not say keeps the defaults. */
export function formFromUrl(params: URLSearchParams): SearchForm {
  const form = emptyForm();
  for (const key of FIELDS) {
    const value = params.get(key);
    if (value !== null) form[key] = value;
  }
  const start = Number(params.get('start'));
  const end = Number(params.get('end'));
  if (params.has('start') && Number.isFinite(start)) form.start = toLocalInput(start);
  if (params.has('end') && Number.isFinite(end)) form.end = toLocalInput(end);
  if (!LOOKBACKS.some((l) => l.value === form.lookback)) form.lookback = emptyForm().lookback;
  return form;
}

export type ApiSearch =
  | { ok: true; query: URLSearchParams; start: number; end: number }
  | { ok: false; field: keyof SearchForm; error: string };

/** The `/api/traces` query for a form at time `nowMs`, or what is wrong with the form (and which field). */
export function apiSearch(form: SearchForm, nowMs: number): ApiSearch {
  if (form.service === '') return { ok: false, field: 'service', error: 'Choose a service.' };
  const query = new URLSearchParams({ service: form.service });
  if (form.operation !== '') query.set('operation', form.operation);
  const tags = parseTags(form.tags);
  if (!tags.ok) return { ok: false, field: 'tags', error: `Tags: ${tags.error}.` };
  if (Object.keys(tags.tags).length > 0) query.set('tags', JSON.stringify(tags.tags));
  let start: number;
  let end: number;
  if (form.lookback === 'custom') {
    const s = fromLocalInput(form.start);
    const e = form.end === '' ? nowMs * 1_000 : fromLocalInput(form.end);
    if (s === undefined) return { ok: false, field: 'start', error: 'Give the start of the range.' };
    if (e === undefined)
      return { ok: false, field: 'end', error: 'The end of the range is not a date and time.' };
    if (e <= s) return { ok: false, field: 'end', error: 'The range must end after it starts.' };
    start = s;
    end = e;
    query.set('lookback', 'custom');
  } else {
    const ms = lookbackMs(form.lookback);
    if (ms === undefined)
      return { ok: false, field: 'lookback', error: `Unknown lookback "${form.lookback}".` };
    end = nowMs * 1_000;
    start = end - ms * 1_000;
    query.set('lookback', form.lookback);
  }
  query.set('start', String(start));
  query.set('end', String(end));
  for (const key of ['minDuration', 'maxDuration'] as const) {
    const value = form[key].trim();
    if (!isGoDuration(value)) {
      return {
        ok: false,
        field: key,
        error: `${key === 'minDuration' ? 'Min' : 'Max'} duration "${value}" is not a duration such as 1.2ms, 500us or 2s.`,
      };
    }
    if (value !== '') query.set(key, value);
  }
  const limit = form.limit.trim() === '' ? DEFAULT_LIMIT : Number(form.limit);
  if (!Number.isInteger(limit) || limit < 1) {
    return { ok: false, field: 'limit', error: 'Limit must be a whole number of traces, 1 or more.' };
  }
  query.set('limit', String(limit));
  return { ok: true, query, start, end };
}
