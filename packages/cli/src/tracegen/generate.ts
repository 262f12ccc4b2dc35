// Realistic traces from a service graph: an HTTP entry, client/server call pairs down to a depth, database leaves,
// errors, logs and log-normal latencies. Deterministic for a seed, so a run can be repeated.
import type { KeyValue, Log, Process, Span } from '@skein/model';

export interface TraceShape {
  /** Services in the graph (at least 2); the first is the entry point. */
  services: number;
  /** Call levels below the entry span. */
  depth: number;
  /** Downstream calls per server span, at most (each call is a client span and a server span). */
  fanout: number;
  /** Spans per trace at most. */
  maxSpans: number;
  /** Fraction of traces with an error (a failing leaf, propagated up as HTTP 500s). */
  errorRate: number;
  /** Fraction of spans with a log event. */
  logRate: number;
  /** Median and 99th-percentile duration of a leaf span, µs (log-normal). */
  latencyMedianUs: number;
  latencyP99Us: number;
  /** Extra string tags per span, for realistic document sizes. */
  extraTags: number;
}

export const DEFAULT_SHAPE: TraceShape = {
  services: 8,
  depth: 3,
  fanout: 3,
  maxSpans: 40,
  errorRate: 0.05,
  logRate: 0.2,
  latencyMedianUs: 2_000,
  latencyP99Us: 50_000,
  extraTags: 4,
};

const NAMES = [
  'frontend',
  'api-gateway',
  'orders',
  'payments',
  'inventory',
  'users',
  'search',
  'notifications',
];
const OPERATIONS = ['GET /items/{id}', 'POST /orders', 'GET /users/{id}', 'PUT /cart', 'GET /search'];

/** A small fast PRNG (mulberry32) so every run with one seed makes the same traces. */
export function randomSource(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class TraceGenerator {
  readonly processes: Process[];
  readonly #random: () => number;
  readonly #shape: TraceShape;
  readonly #sigma: number;

  constructor(shape: TraceShape, seed: number) {
    if (shape.services < 2) throw new RangeError('a trace graph needs at least 2 services');
    this.#shape = shape;
    this.#random = randomSource(seed);
    // p99 of a log-normal is median * e^(2.326 σ).
    this.#sigma =
      Math.log(Math.max(shape.latencyP99Us, shape.latencyMedianUs + 1) / shape.latencyMedianUs) / 2.326;
    this.processes = Array.from({ length: shape.services }, (_, i) => {
      const name = NAMES[i] ?? `service-${i}`;
      return {
        serviceName: name,
        tags: [
          { key: 'hostname', type: 'string', value: `${name}-${this.#hex(5)}` },
          { key: 'ip', type: 'string', value: `10.1.${i}.${1 + this.#int(200)}` },
          { key: 'jaeger.version', type: 'string', value: 'skein-tracegen' },
        ],
      };
    });
  }

  #int(n: number): number {
    return Math.floor(this.#random() * n);
  }

  #hex(chars: number): string {
    let s = '';
    for (let i = 0; i < chars; i++) s += '0123456789abcdef'[this.#int(16)];
    return s;
  }

  #latency(): number {
    // Box-Muller for a standard normal, then log-normal around the median.
    const u = Math.max(this.#random(), 1e-12);
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.#random());
    return Math.max(1, Math.round(this.#shape.latencyMedianUs * Math.exp(this.#sigma * z)));
  }

  /** One trace starting at `startUs`: its spans, each with its service's process. */
  trace(startUs: number): Span[] {
    const traceId = this.#hex(32);
    const spans: Span[] = [];
    const failing = this.#random() < this.#shape.errorRate;
    const root = this.#span(
      traceId,
      undefined,
      this.processes[0] as Process,
      this.#pick(OPERATIONS),
      'server',
      startUs,
    );
    spans.push(root);
    const end = this.#calls(root, 0, spans, failing);
    root.duration = Math.max(root.duration, end - root.startTime + this.#int(200));
    if (failing) this.#fail(root);
    return spans;
  }

  #pick<T>(items: readonly T[]): T {
    return items[this.#int(items.length)] as T;
  }

  /** Adds the downstream calls of `parent` (a server span); returns when the last one ends, µs. */
  #calls(parent: Span, level: number, spans: Span[], failing: boolean): number {
    let cursor = parent.startTime + 50 + this.#int(200);
    const calls = level >= this.#shape.depth ? 0 : 1 + this.#int(this.#shape.fanout);
    for (let c = 0; c < calls && spans.length + 2 <= this.#shape.maxSpans; c++) {
      const callee = this.processes[1 + this.#int(this.processes.length - 1)] as Process;
      const operation = `${this.#pick(['GET', 'POST'])} /${callee.serviceName}/${this.#pick(['list', 'get', 'update'])}`;
      const client = this.#span(parent.traceId, parent.spanId, parent.process, operation, 'client', cursor);
      const server = this.#span(
        parent.traceId,
        client.spanId,
        callee,
        operation,
        'server',
        cursor + 20 + this.#int(100),
      );
      spans.push(client, server);
      let serverEnd: number;
      if (level + 1 >= this.#shape.depth || spans.length + 1 > this.#shape.maxSpans) {
        // A leaf: a database query.
        const db = this.#span(
          parent.traceId,
          server.spanId,
          callee,
          'SELECT',
          'client',
          server.startTime + 10,
        );
        db.tags.push({ key: 'db.type', type: 'string', value: 'sql' });
        db.tags.push({
          key: 'db.statement',
          type: 'string',
          value: `SELECT * FROM ${callee.serviceName} WHERE id = ?`,
        });
        if (spans.length + 1 <= this.#shape.maxSpans) spans.push(db);
        serverEnd = db.startTime + db.duration + 10 + this.#int(100);
      } else {
        serverEnd = this.#calls(server, level + 1, spans, false);
      }
      server.duration = Math.max(server.duration, serverEnd - server.startTime);
      client.duration = server.startTime + server.duration - client.startTime + 20 + this.#int(100);
      cursor = client.startTime + client.duration + 10;
      if (failing && c === 0) {
        this.#fail(server);
        this.#fail(client);
        failing = false;
      }
    }
    return cursor;
  }

  #span(
    traceId: string,
    parent: string | undefined,
    process: Process,
    operation: string,
    kind: string,
    startUs: number,
  ): Span {
    const spanId = this.#hex(16);
    const tags: KeyValue[] = [
      { key: 'span.kind', type: 'string', value: kind },
      { key: 'http.method', type: 'string', value: operation.startsWith('POST') ? 'POST' : 'GET' },
      { key: 'http.status_code', type: 'int64', value: 200n },
      { key: 'http.url', type: 'string', value: `http://${process.serviceName}:8080/${this.#int(100_000)}` },
      { key: 'component', type: 'string', value: 'http' },
    ];
    for (let i = 0; i < this.#shape.extraTags; i++) {
      tags.push({ key: `app.attr${i}`, type: 'string', value: `value-${this.#int(1000)}` });
    }
    const logs: Log[] = [];
    if (this.#random() < this.#shape.logRate) {
      logs.push({
        timestamp: startUs + 1,
        fields: [
          { key: 'event', type: 'string', value: this.#pick(['cache miss', 'retry', 'fetched']) },
          { key: 'level', type: 'string', value: 'info' },
        ],
      });
    }
    const span: Span = {
      traceId,
      spanId,
      operationName: operation,
      references: parent === undefined ? [] : [{ refType: 'CHILD_OF', traceId, spanId: parent }],
      flags: 1,
      startTime: startUs,
      duration: this.#latency(),
      tags,
      logs,
      process,
    };
    if (parent !== undefined) span.parentSpanId = parent;
    return span;
  }

  #fail(span: Span): void {
    span.tags = span.tags.map((t): KeyValue =>
      t.key === 'http.status_code' ? { key: t.key, type: 'int64', value: 500n } : t,
    );
    span.tags.push({ key: 'error', type: 'bool', value: true });
    span.logs.push({
      timestamp: span.startTime + Math.floor(span.duration / 2),
      fields: [
        { key: 'event', type: 'string', value: 'error' },
        { key: 'error.kind', type: 'string', value: 'TimeoutError' },
        { key: 'message', type: 'string', value: 'upstream timed out' },
      ],
    });
  }
}
