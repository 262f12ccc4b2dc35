import { Client } from '@elastic/elasticsearch';
import type { ComponentDefinition, ConfigOf, Logger, Service } from '@skein/runtime';
import type { Registry } from 'prom-client';
import { bearerAuthorizer, loadBearerTokens } from './auth.js';
import { querySchema } from './config.js';
import * as grpc from '@grpc/grpc-js';
import { QUERY_SERVICE, QueryGrpcServer } from './grpc/server.js';
import { HttpApi } from './http/server.js';
import { resolveUiDir, StaticFiles } from './http/static.js';
import { QueryMetrics } from './metrics.js';
import type { QueryLimits } from './params/http-params.js';
import { EsSpanReader } from './store/elasticsearch.js';
import { ExactSerializer } from './store/exact-json.js';

export type QueryConfig = ConfigOf<typeof querySchema>;

/** The query service's parts: an Elasticsearch reader behind the HTTP API and the gRPC QueryService. */
export class QueryService {
  readonly reader: EsSpanReader;
  readonly http: HttpApi;
  readonly grpc: QueryGrpcServer;
  readonly metrics: QueryMetrics;
  readonly #client: Client;

  constructor(config: QueryConfig, logger: Logger, registry: Registry) {
    this.metrics = new QueryMetrics(registry);
    this.#client = new Client({
      node: config['es.url'],
      requestTimeout: config['es.request-timeout'],
      maxRetries: 2,
      Serializer: ExactSerializer,
    });
    this.reader = new EsSpanReader({
      client: this.#client,
      logger: logger.child({ module: 'es' }),
      prefix: config['es.index-prefix'],
      useAliases: config['es.use-aliases'],
      dotReplacement: config['es.tags-as-fields.dot-replacement'],
      serviceLookbackMs: config['query.service-lookback'],
      maxSpansPerTrace: config['query.max-spans-per-trace'],
      onRequest: (operation, seconds) => this.metrics.esRequestLatency.observe({ operation }, seconds),
    });
    const limits: QueryLimits = {
      defaultLimit: config['query.default-limit'],
      maxLimit: config['query.max-limit'],
      defaultLookbackMs: config['query.default-lookback'],
      maxTimeRangeMs: config['query.max-time-range'],
      now: Date.now,
    };
    const authorize = bearerAuthorizer(
      loadBearerTokens(config['auth.bearer-token'], config['auth.bearer-tokens-file']),
    );
    this.http = new HttpApi({
      host: config['http.host'],
      port: config['http.port'],
      reader: this.reader,
      limits,
      logger: logger.child({ module: 'http' }),
      corsOrigins: config['http.cors.allowed-origins'],
      maxHeaderBytes: config['http.max-header-bytes'],
      ...(authorize === undefined ? {} : { authorize }),
      ui: new StaticFiles(resolveUiDir(config['http.ui-dir'])),
      onRequest: (route, status, seconds) => this.metrics.observe(route, String(status), seconds),
    });
    this.grpc = new QueryGrpcServer({
      host: config['grpc.host'],
      port: config['grpc.port'],
      reader: this.reader,
      logger: logger.child({ module: 'grpc' }),
      defaultLimit: config['query.default-limit'],
      maxSearchTraces: config['query.max-limit'],
      maxTimeRangeMs: config['query.max-time-range'],
      maxMessageBytes: config['grpc.max-message-bytes'],
      ...(authorize === undefined
        ? {}
        : { authorize: (metadata) => authorize(metadata.get('authorization')[0]?.toString()) }),
      onRequest: (method, seconds, code) =>
        this.metrics.observe(`/${QUERY_SERVICE}/${method}`, grpc.status[code] ?? String(code), seconds),
    });
  }

  get services(): Service[] {
    const client = this.#client;
    const closeClient: Service = {
      name: 'elasticsearch-client',
      start: async () => undefined,
      stop: async () => client.close(),
    };
    return [closeClient, this.http, this.grpc];
  }
}

export const queryComponent: ComponentDefinition<typeof querySchema> = {
  name: 'query',
  description:
    "serves traces from Elasticsearch over Jaeger's HTTP API (for Jaeger UI and Grafana) and the gRPC api_v2 QueryService.",
  schema: querySchema,
  build: ({ config, logger, registry }) => new QueryService(config, logger, registry).services,
};
