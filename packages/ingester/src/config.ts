import { esSecuritySchema, field, kafkaSecuritySchema } from '@skein/runtime';

/** Every key of `skein ingester`. */
export const ingesterSchema = {
  'admin.port': field.port(14270, 'Admin HTTP port: /metrics, /health, /live'),
  'kafka.brokers': field.list(['127.0.0.1:9092'], 'Kafka bootstrap servers'),
  'kafka.topic': field.string('skein-spans', 'Topic to consume'),
  'kafka.group-id': field.string(
    'skein-ingester',
    'Consumer group; ingesters of one group share the partitions',
  ),
  'kafka.client-id': field.string('skein-ingester', 'Kafka client id'),
  'kafka.dlq-topic': field.string(
    'skein-spans-dlq',
    'Dead-letter topic for undecodable messages and documents Elasticsearch refuses',
  ),
  'kafka.encoding': field.oneOf(
    ['thrift-compact', 'jaeger-proto', 'jaeger-json'],
    'thrift-compact',
    "Encoding of messages without a skein-encoding header (Jaeger's collector writes jaeger-proto or jaeger-json)",
  ),
  'kafka.from-beginning': field.boolean(
    true,
    'A new consumer group starts at the oldest retained message (false: at the newest)',
  ),
  'kafka.partitions-concurrently': field.int(4, 'Partitions processed at the same time', { min: 1 }),
  'kafka.session-timeout': field.duration('30s', 'Consumer group session timeout'),
  'kafka.commit-interval': field.duration('1s', 'How often finished offsets are committed'),
  ...kafkaSecuritySchema,
  'es.url': field.string(
    'http://127.0.0.1:9200',
    'Elasticsearch URL (credentials as user:password@ are accepted and never shown)',
  ),
  ...esSecuritySchema,
  'es.sink': field.oneOf(
    ['elasticsearch', 'null'],
    'elasticsearch',
    'null acknowledges every document without sending it: for measuring the pipeline itself, never for production',
  ),
  'es.index-prefix': field.string(
    '',
    'Prefix of every index name, used verbatim (e.g. "v2-" gives v2-jaeger-span-YYYY-MM-DD)',
  ),
  'es.use-aliases': field.boolean(
    false,
    'Rollover mode: write to the aliases <prefix>jaeger-span-write, …-service-write and …-dependencies-write ' +
      'instead of daily indices (create them first with `skein es init --es.use-aliases`; the query service ' +
      'needs the same setting)',
  ),
  'es.create-templates': field.boolean(true, 'Install the index templates at start (idempotent)'),
  'es.shards': field.int(3, 'Primary shards of new daily indices', { min: 1 }),
  'es.replicas': field.int(1, 'Replicas of new daily indices', { min: 0 }),
  'es.tags-as-fields.all': field.boolean(
    false,
    "Jaeger's tags-as-fields: store every span and process tag as a field of `tag`",
  ),
  'es.tags-as-fields.include': field.list([], 'Tags stored as fields of `tag` (when not all)'),
  'es.tags-as-fields.dot-replacement': field.string('@', 'Replaces dots in tag keys stored as fields'),
  'bulk.max-docs': field.int(1000, 'Documents per _bulk request', { min: 1 }),
  'bulk.max-bytes': field.size('5MiB', 'Bytes per _bulk request'),
  'bulk.flush-interval': field.duration('200ms', 'Longest a document waits for its _bulk request to fill'),
  'bulk.concurrency': field.int(2, '_bulk requests in flight at once', { min: 1 }),
  'bulk.initial-backoff': field.duration(
    '100ms',
    'First wait before a failed _bulk request or item is retried',
  ),
  'bulk.max-backoff': field.duration(
    '10s',
    'Longest wait between retries (jittered); retries go on until written',
  ),
  'pipeline.max-pending-spans': field.int(
    50_000,
    'Consumption pauses when this many spans are consumed but not yet written',
    { min: 1 },
  ),
  'sampling.head': field.oneOf(
    ['off', 'respect'],
    'off',
    'respect: drop spans whose sampled flag is not set',
  ),
  'sampling.tail.enabled': field.boolean(false, 'Hold traces and keep or drop them whole by policy'),
  'sampling.tail.policies-file': field.optionalString(
    'YAML or JSON file with the tail policies ({ policies: [...] })',
  ),
  'sampling.tail.decision-wait': field.duration(
    '5s',
    'A trace is decided once no span arrived for this long',
  ),
  'sampling.tail.max-traces': field.int(
    50_000,
    'Traces held at most; beyond it the oldest are decided early',
    { min: 1 },
  ),
  'sampling.tail.max-spans': field.int(
    1_000_000,
    'Spans held at most; beyond it the oldest traces are decided early',
    { min: 1 },
  ),
  'dependencies.enabled': field.boolean(true, 'Compute service dependency links from complete traces'),
  'dependencies.window': field.duration(
    '10s',
    'A trace is complete for dependency links once no span arrived for this long',
  ),
  'dependencies.flush-interval': field.duration('30s', 'How often dependency documents are written'),
  'shutdown.timeout': field.duration('20s', 'On SIGTERM: time to flush, commit and leave the group'),
};
