import { field, kafkaSecuritySchema, type Field } from '@skein/runtime';
import { ingesterSchema } from '../config.js';

// The ingester's keys that shape what is written, so one config file serves both (`--config ingester.yaml`).
const SHARED = [
  'kafka.brokers',
  'kafka.client-id',
  'kafka.dlq-topic',
  'kafka.encoding',
  'kafka.partitions-concurrently',
  'es.url',
  'es.username',
  'es.password',
  'es.password-file',
  'es.api-key',
  'es.api-key-file',
  'es.tls.ca-file',
  'es.tls.cert-file',
  'es.tls.key-file',
  'es.tls.insecure-skip-verify',
  'es.sink',
  'es.create-templates',
  'es.use-aliases',
  'es.shards',
  'es.replicas',
  'es.tags-as-fields.all',
  'es.tags-as-fields.include',
  'es.tags-as-fields.dot-replacement',
  'bulk.max-docs',
  'bulk.max-bytes',
  'bulk.flush-interval',
  'bulk.concurrency',
  'bulk.initial-backoff',
  'bulk.max-backoff',
  'pipeline.max-pending-spans',
  'sampling.head',
  'sampling.tail.enabled',
  'sampling.tail.policies-file',
  'sampling.tail.decision-wait',
  'sampling.tail.max-traces',
  'sampling.tail.max-spans',
  'dependencies.enabled',
  'dependencies.window',
  'dependencies.flush-interval',
] as const satisfies ReadonlyArray<keyof typeof ingesterSchema>;

type Shared = { [K in (typeof SHARED)[number]]: (typeof ingesterSchema)[K] };

const shared = Object.fromEntries(SHARED.map((key) => [key, ingesterSchema[key]])) as Shared;

/** Every key of `skein replay`. */
export const replaySchema = {
  from: field.string(
    '',
    'Where to start, in every partition: an ISO time (the first message at or after it), an offset, or "earliest"',
  ),
  to: field.string(
    'now',
    'Where to stop (exclusive): an ISO time, an offset, or "now" (the partition ends when the replay starts)',
  ),
  'index-prefix': field.string(
    '',
    'Prefix of the indices to write, used verbatim (e.g. "v2-"); must not be empty, so live indices are never written',
  ),
  topic: field.string('skein-spans', 'Topic to replay'),
  partitions: field.list([], 'Partitions to replay (default: all)'),
  sampling: field.string(
    'off',
    'off: keep every span; same: the sampling.* keys (as the ingester applies them); or a tail policies file',
  ),
  rate: field.int(0, 'Spans per second at most (0: as fast as Elasticsearch takes them)', { min: 0 }),
  checkpoint: field.optionalString(
    'Progress file, for resuming after a crash (default .skein-replay/<topic>--<index-prefix>.json)',
  ),
  'progress-interval': field.duration('1s', 'How often progress is shown and the checkpoint written'),
  ...shared,
  ...kafkaSecuritySchema,
  'shutdown.timeout': field.duration(
    '20s',
    'On SIGINT/SIGTERM: time to write what is pending and save the checkpoint',
  ),
} satisfies Record<string, Field<unknown>>;
