import type { Client } from '@elastic/elasticsearch';
import {
  createElasticsearch,
  reportEsSecurity,
  resolveEsSecurity,
  ServerTls,
  type ComponentDefinition,
  type ConfigOf,
  type Logger,
  type Service,
} from '@skein/runtime';
import type { Registry } from 'prom-client';
import { BearerTokens } from './auth.js';
import { querySchema } from './config.js';
import * as grpc from '@grpc/grpc-js';
import { QUERY_SERVICE, QueryGrpcServer } from './grpc/server.js';
import { HttpApi } from './http/server.js';
import { resolveUiDir, StaticFiles } from './http/static.js';
import { QueryMetrics } from './metrics.js';
import type { QueryLimits } from './params/http-params.js';
import { EsAccess } from './store/es-access.js';
import { EsSpanReader } from './store/elasticsearch.js';
import { ExactSerializer } from './store/exact-json.js';

export type QueryConfig = ConfigOf<typeof querySchema>;

/** The query service's parts: an Elasticsearch reader behind the HTTP API and the gRPC QueryService. */
export class QueryService {
  readonly reader: EsSpanReader;
  readonly http: HttpApi;
  readonly grpc: QueryGrpcServer;
  readonly metrics: QueryMetrics;
  /** The accepted bearer tokens (none: the APIs are open), reloaded from auth.bearer-tokens-file. */
  readonly tokens: BearerTokens;
  /** Elasticsearch's answer to the start-up probe and to /health, and the log line when it refuses queries. */
  readonly esAccess: EsAccess;
  readonly #client: Client;

  constructor(config: QueryConfig, logger: Logger, registry: Registry) {
    this.metrics = new QueryMetrics(registry);
    const esSecurity = resolveEsSecurity(config);
    reportEsSecurity(esSecurity, { component: 'query', logger, registry });
    this.#client = createElasticsearch({
      ...esSecurity,
      requestTimeoutMs: config['es.request-timeout'],
      maxRetries: 2,
      serializer: ExactSerializer,
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
      onError: (err) => this.esAccess.failed(err),
    });
    this.esAccess = new EsAccess({
      client: this.#client,
      security: esSecurity,
      indices: this.reader.allIndices('service'),
      logger: logger.child({ module: 'es' }),
      timeoutMs: Math.min(5000, config['es.request-timeout']),
    });
    const limits: QueryLimits = {
      defaultLimit: config['query.default-limit'],
      maxLimit: config['query.max-limit'],
      defaultLookbackMs: config['query.default-lookback'],
      maxTimeRangeMs: config['query.max-time-range'],
      now: Date.now,
    };
    this.tokens = new BearerTokens({
      ...(config['auth.bearer-token'] === undefined ? {} : { token: config['auth.bearer-token'] }),
      ...(config['auth.bearer-tokens-file'] === undefined ? {} : { file: config['auth.bearer-tokens-file'] }),
      reloadIntervalMs: config['auth.reload-interval'],
      logger: logger.child({ module: 'auth' }),
      reloads: this.metrics.tokenReloads,
    });
    const tokens = this.tokens;
    const authorize = tokens.enabled ? (header: string | undefined) => tokens.authorize(header) : undefined;
    const tls = (prefix: 'http' | 'grpc') =>
      ServerTls.fromConfig(config, prefix, {
        logger: logger.child({ module: prefix }),
        listener: prefix,
        reloads: this.metrics.tlsReloads,
      });
    const httpTls = tls('http');
    const grpcTls = tls('grpc');
    this.http = new HttpApi({
      host: config['http.host'],
      port: config['http.port'],
      reader: this.reader,
      limits,
      logger: logger.child({ module: 'http' }),
      corsOrigins: config['http.cors.allowed-origins'],
      maxHeaderBytes: config['http.max-header-bytes'],
      maxResponseBytes: config['http.max-response-bytes'],
      ...(httpTls === undefined ? {} : { tls: httpTls }),
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
      ...(grpcTls === undefined ? {} : { tls: grpcTls }),
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
    return [closeClient, this.esAccess.service, this.tokens, this.http, this.grpc];
  }
}

export const queryComponent: ComponentDefinition<typeof querySchema> = {
  name: 'query',
  description:
    "serves traces from Elasticsearch over Jaeger's HTTP API (for Jaeger UI and Grafana) and the gRPC api_v2 QueryService.",
  schema: querySchema,
  build: ({ config, logger, registry, healthChecks }) => {
    const service = new QueryService(config, logger, registry);
    healthChecks.set('elasticsearch', () => service.esAccess.healthy());
    return service.services;
  },
};
