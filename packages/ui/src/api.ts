// The query service's HTTP API, as docs/jaeger-compat.md documents it. Same origin, no token (see docs/ui.md).
import type { UiTrace } from '@skein/model';
import type { DependencyLink } from './lib/layout.js';

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

async function get<T>(path: string, signal?: AbortSignal): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, { headers: { accept: 'application/json' }, ...(signal ? { signal } : {}) });
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
      'The query API requires a bearer token, and this UI sends none: open the UI on a query service without ' +
        'auth.bearer-token, or put it behind a proxy that adds the Authorization header.',
    );
  }
  if (!response.ok || body === undefined || body.data === null) {
    const msg = body?.errors?.[0]?.msg ?? `HTTP ${response.status}`;
    throw new ApiError(response.status, msg);
  }
  return body.data;
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
