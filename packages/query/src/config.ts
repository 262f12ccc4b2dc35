import { esSecuritySchema, field, serverTlsSchema } from '@skein/runtime';

/** Every key of `skein query`. */
export const querySchema = {
  'admin.port': field.port(16687, 'Admin HTTP port: /metrics, /health, /live'),
  'http.port': field.port(16686, "Jaeger's HTTP API (what Jaeger UI and Grafana's Jaeger data source call)"),
  'http.host': field.string('0.0.0.0', 'Address the HTTP API listens on'),
  'http.cors.allowed-origins': field.list(
    [],
    'Origins allowed to call the HTTP API from a browser ("*" for any); empty sends no CORS headers',
  ),
  'http.ui-dir': field.string(
    '',
    'Folder of the built web UI served at / (index.html, assets/); empty: the dist/ folder of the @skein/ui package',
  ),
  'http.max-header-bytes': field.size('16KiB', 'Largest request head (URL and headers) accepted'),
  'http.max-response-bytes': field.size(
    '256MiB',
    'Largest API response body; a bigger result is refused with 400 (ask for fewer traces)',
  ),
  ...serverTlsSchema('http', 'the HTTP API and web UI'),
  'grpc.port': field.port(16685, 'gRPC api_v2 QueryService'),
  'grpc.host': field.string('0.0.0.0', 'Address the gRPC server listens on'),
  'grpc.max-message-bytes': field.size('4MiB', 'Largest gRPC request accepted'),
  ...serverTlsSchema('grpc', 'the gRPC QueryService'),
  'auth.bearer-token': field.optionalString(
    'A token every request must carry as "Authorization: Bearer <token>" (HTTP) or authorization metadata (gRPC)',
    { secret: true },
  ),
  'auth.bearer-tokens-file': field.optionalString(
    'File of accepted bearer tokens, one per line (# comments); re-read when it changes, a new version that is unreadable or empty keeps the previous tokens',
  ),
  'auth.reload-interval': field.duration(
    '10s',
    'How often auth.bearer-tokens-file is checked for changes (0: read at start only)',
  ),
  'es.url': field.string(
    'http://127.0.0.1:9200',
    'Elasticsearch URL (credentials as user:password@ are accepted and never shown)',
  ),
  ...esSecuritySchema,
  'es.index-prefix': field.string(
    '',
    'Prefix of every index name, used verbatim (e.g. "v2-" reads v2-jaeger-span-YYYY-MM-DD)',
  ),
  'es.use-aliases': field.boolean(
    false,
    'Read through the aliases <prefix>jaeger-span-read and <prefix>jaeger-service-read (rollover mode) instead of daily indices',
  ),
  'es.tags-as-fields.dot-replacement': field.string(
    '@',
    'What replaced dots in tag keys stored as fields (must match the writer)',
  ),
  'es.request-timeout': field.duration('30s', 'Longest wait for one Elasticsearch request'),
  'query.default-limit': field.int(100, 'Traces returned when a search gives no limit', { min: 1 }),
  'query.max-limit': field.int(1500, 'Largest limit a search may ask for', { min: 1 }),
  'query.default-lookback': field.duration('48h', 'Search range when neither start nor lookback is given'),
  'query.max-time-range': field.duration(
    '720h',
    'Longest time range a search, a dependencies request or a trace lookup (HTTP and gRPC) may cover',
  ),
  'query.service-lookback': field.duration(
    '72h',
    'Services and operations are those seen within this long (daily indices, so whole UTC days)',
  ),
  'query.max-spans-per-trace': field.int(
    100_000,
    'Spans read for one trace at most; a longer trace is cut and carries a warning',
    { min: 1 },
  ),
  'shutdown.timeout': field.duration('10s', 'On SIGTERM: time for requests in flight to finish'),
};
