export { QueryService, queryComponent, type QueryConfig } from './query.js';
export { querySchema } from './config.js';
export { EsSpanReader, type EsSpanReaderOptions } from './store/elasticsearch.js';
export { parseJsonExact } from './store/exact-json.js';
export {
  QueryInputError,
  type DependencyLink,
  type Operation,
  type SpanReader,
  type TimeRange,
  type TraceQuery,
} from './store/types.js';
export { HttpApi, type HttpApiOptions } from './http/server.js';
export { QueryGrpcServer, type QueryGrpcServerOptions } from './grpc/server.js';
export {
  ParamError,
  parseSearch,
  parseDependencies,
  parseTraceIdParam,
  type QueryLimits,
} from './params/http-params.js';
export { parseGoDuration } from './params/duration.js';
export { BearerTokens, bearerAuthorizer, loadBearerTokens, type BearerTokensOptions } from './auth.js';
