import { LATENCY_BUCKETS, tlsReloadCounter } from '@skein/runtime';
import { Counter, Histogram, type Registry } from 'prom-client';

/** The query service's metrics (skein_query_<what>_<unit>). */
export class QueryMetrics {
  readonly requestLatency: Histogram<'route'>;
  readonly requests: Counter<'route' | 'status'>;
  readonly esRequestLatency: Histogram<'operation'>;
  readonly tokenReloads: Counter<'result'>;
  readonly tlsReloads: Counter<'listener' | 'result'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.requestLatency = new Histogram({
      name: 'skein_query_request_latency_seconds',
      help: 'Time to answer a request, by route (HTTP route pattern or gRPC method)',
      labelNames: ['route'],
      buckets: [...LATENCY_BUCKETS],
      registers,
    });
    this.requests = new Counter({
      name: 'skein_query_requests_total',
      help: 'Requests answered, by route and status (HTTP status code, or gRPC status name)',
      labelNames: ['route', 'status'],
      registers,
    });
    this.esRequestLatency = new Histogram({
      name: 'skein_query_es_request_latency_seconds',
      help: 'Elasticsearch requests made to answer queries, by operation',
      labelNames: ['operation'],
      buckets: [...LATENCY_BUCKETS],
      registers,
    });
    this.tokenReloads = new Counter({
      name: 'skein_query_auth_token_reloads_total',
      help: 'Changed auth.bearer-tokens-file read again, by result (loaded, or failed: the previous tokens stay)',
      labelNames: ['result'],
      registers,
    });
    this.tlsReloads = tlsReloadCounter(registry, 'query');
  }

  observe(route: string, status: string, seconds: number): void {
    this.requestLatency.observe({ route }, seconds);
    this.requests.inc({ route, status });
  }
}
