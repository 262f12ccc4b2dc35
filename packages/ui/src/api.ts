// The query service's HTTP API, as docs/jaeger-compat.md documents it. Same origin; with auth on, every call carries
// the tab's bearer token (see docs/ui.md).
import type { UiTrace } from '@skein/model';
import type { DependencyLink } from './lib/layout.js';
import { browserSessionStorage, SessionToken } from './lib/session-token.js';

interface Envelope<T> {
  data: T | null;
  errors: Array<{ code?: number; msg: string; traceID?: string }> | null;
}

/** A failed API call: the HTTP status and the message the API gave, or what went wrong on the way. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The bearer token of this tab: sent with every call, forgotten when the API refuses it. */
export const session = new SessionToken(browserSessionStorage());

/** GETs `path` with `token` (if any) as the bearer token; the envelope's data, or an ApiError. */
async function request<T>(path: string, token: string | undefined, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetch(path, { headers, ...(signal ? { signal } : {}) });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, `The query service did not answer (${(err as Error).message}).`);
  }
  let body: Envelope<T> | undefined;
  try {
    body = (await response.json()) as Envelope<T>;
  } catch {
    body = undefined;
  }
  if (response.status === 401) {
    throw new ApiError(
      401,
      token === undefined
        ? 'This query service requires a bearer token, and none is stored in this tab.'
        : 'The query service refused the bearer token.',
    );
  }
  if (!response.ok || body === undefined || body.data === null) {
    const msg = body?.errors?.[0]?.msg ?? `HTTP ${response.status}`;
    throw new ApiError(response.status, msg);
  }
  return body.data;
}

/** An API call with the tab's token; a 401 tells the session, which asks for a token (the page shows the sign-in panel). */
async function get<T>(path: string, signal?: AbortSignal): Promise<T> {
  const token = session.get();
  try {
    return await request<T>(path, token, signal);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) session.unauthorized(token);
    throw err;
  }
}

/**
 * Whether the query service accepts `token`: 'refused' on 401, 'accepted' on any other answer (auth is checked
 * before anything else, so an error after it still means the token passed). Throws when the service does not answer.
 */
export async function checkToken(token: string, signal?: AbortSignal): Promise<'accepted' | 'refused'> {
  try {
    await request<string[]>('/api/services', token, signal);
    return 'accepted';
  } catch (err) {
    if (!(err instanceof ApiError) || err.status === 0) throw err;
    return err.status === 401 ? 'refused' : 'accepted';
  }
}

export function fetchServices(signal?: AbortSignal): Promise<string[]> {
  return get<string[]>('/api/services', signal);
}

/** Operation names of a service, each once, sorted. */
export async function fetchOperations(service: string, signal?: AbortSignal): Promise<string[]> {
  const ops = await get<Array<{ name: string; spanKind: string }>>(
    `/api/operations?${new URLSearchParams({ service })}`,
    signal,
  );
  return [...new Set(ops.map((o) => o.name))].sort();
}

export function searchTraces(query: URLSearchParams, signal?: AbortSignal): Promise<UiTrace[]> {
  return get<UiTrace[]>(`/api/traces?${query}`, signal);
}

export async function fetchTrace(traceId: string, signal?: AbortSignal): Promise<UiTrace> {
  const [trace] = await get<UiTrace[]>(`/api/traces/${encodeURIComponent(traceId)}`, signal);
  if (trace === undefined) throw new ApiError(404, 'trace not found');
  return trace;
}

export function fetchDependencies(
  endMs: number,
  lookbackMs: number,
  signal?: AbortSignal,
): Promise<DependencyLink[]> {
  return get<DependencyLink[]>(`/api/dependencies?endTs=${endMs}&lookback=${lookbackMs}`, signal);
}
