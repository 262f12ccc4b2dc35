// Jaeger's response envelope: {data, total, limit, offset, errors}, what Jaeger UI and Grafana parse.

export interface StructuredError {
  /** The HTTP status, left out for a per-trace error inside a successful response (as Jaeger does). */
  code?: number;
  msg: string;
  traceID?: string;
}

export interface Envelope {
  data: unknown;
  total: number;
  limit: number;
  offset: number;
  errors: StructuredError[] | null;
}

/** A successful response; `total` is the item count for services and operations, 0 otherwise (as Jaeger). */
export function ok(data: unknown, total = 0, errors: StructuredError[] = []): Envelope {
  return { data, total, limit: 0, offset: 0, errors: errors.length > 0 ? errors : null };
}

/** An error response body: no data, one error with the HTTP status as its code. */
export function failure(code: number, msg: string): Envelope {
  return { data: null, total: 0, limit: 0, offset: 0, errors: [{ code, msg }] };
}
