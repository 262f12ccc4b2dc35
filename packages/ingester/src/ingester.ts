import { readFileSync } from 'node:fs';
import {
  createElasticsearch,
  createKafka,
  kafkaSecurity,
  kafkaSecurityError,
  kafkaStartError,
  ConfigError,
  esAccessError,
  reportEsSecurity,
  resolveEsSecurity,
  type ComponentDefinition,
  type ConfigOf,
  type EsSecurity,
  type Logger,
  type Service,
} from '@skein/runtime';
import type { Client } from '@elastic/elasticsearch';
import type { Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import { parse as parseYaml } from 'yaml';
import { BulkWriter } from './bulk/writer.js';
import { ingesterSchema } from './config.js';
import { initIndices } from './index/lifecycle.js';
import { installTemplates } from './index/templates.js';
import { SpanConsumer } from './kafka/consumer.js';
import { DeadLetters } from './kafka/dead-letters.js';
import type { MessageWork } from './kafka/offsets.js';
import { IngesterMetrics } from './metrics.js';
import { Pipeline } from './pipeline/pipeline.js';
import { PolicyEngine, parseTailPolicies } from './sampling/policies.js';
import { TailSampler } from './sampling/tail.js';

export type IngesterConfig = ConfigOf<typeof ingesterSchema>;

function loadPolicies(file: string): PolicyEngine {
  let value: unknown;
  try {
    value = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError('sampling.tail.policies-file', `cannot read ${file}: ${(err as Error).message}`);
  }
  return new PolicyEngine(parseTailPolicies(value, file));
}

/** The config keys the indexing parts read: shared by the ingester and replay. */
export type IndexingConfig = Pick<
  IngesterConfig,
  | 'kafka.dlq-topic'
  | 'kafka.encoding'
  | 'es.sink'
  | 'es.create-templates'
  | 'es.shards'
  | 'es.replicas'
  | 'es.tags-as-fields.all'
  | 'es.tags-as-fields.include'
  | 'es.tags-as-fields.dot-replacement'
  | 'bulk.max-docs'
  | 'bulk.max-bytes'
  | 'bulk.flush-interval'
  | 'bulk.concurrency'
  | 'bulk.initial-backoff'
  | 'bulk.max-backoff'
  | 'dependencies.enabled'
  | 'dependencies.window'
  | 'dependencies.flush-interval'
>;

/** How spans are sampled: the ingester's settings, or replay's choice. */
export interface SamplingChoice {
  head: 'off' | 'respect';
  /** A tail policies file, or undefined for no tail sampling. */
  tailPoliciesFile: string | undefined;
  tail: { decisionWaitMs: number; maxTraces: number; maxSpans: number };
}

/** Decode → sample → index → bulk write, plus the dead letters and the index templates: what consumes messages. */
export class IndexingParts {
  readonly metrics: IngesterMetrics;
  readonly writer: BulkWriter;
  readonly deadLetters: DeadLetters;
  readonly pipeline: Pipeline;
  readonly templates: Service;

  constructor(
    config: IndexingConfig,
    options: {
      kafka: Kafka;
      es: Client;
      /** How `es` connects: named in the error that stops the start when Elasticsearch refuses it. */
      esSecurity: EsSecurity;
      indexPrefix: string;
      /** Write to the `-write` aliases instead of daily indices (`es.use-aliases`); default false. */
      useAliases?: boolean;
      sampling: SamplingChoice;
      logger: Logger;
      registry: Registry;
    },
  ) {
    const { kafka, es, esSecurity, indexPrefix, sampling, logger, registry } = options;
    const useAliases = options.useAliases ?? false;
    this.metrics = new IngesterMetrics(registry, () => ({
      spans: this.pipeline.pendingSpans,
      held: this.pipeline.heldSpans,
    }));
    this.deadLetters = new DeadLetters(
      kafka,
      config['kafka.dlq-topic'],
      this.metrics,
      logger.child({ module: 'dlq' }),
    );
    this.writer = new BulkWriter({
      client: config['es.sink'] === 'null' ? undefined : es,
      maxDocs: config['bulk.max-docs'],
      maxBytes: config['bulk.max-bytes'],
      flushIntervalMs: config['bulk.flush-interval'],
      concurrency: config['bulk.concurrency'],
      initialBackoffMs: config['bulk.initial-backoff'],
      maxBackoffMs: config['bulk.max-backoff'],
      onPermanentFailure: async (item, error) => {
        if (item.kind === 'span') this.metrics.spansDropped.inc({ reason: 'dead_letter' });
        await this.deadLetters.send({
          key: null,
          value: Buffer.from(item.body),
          sourceTopic: item.source?.topic ?? '',
          sourcePartition: item.source?.partition ?? -1,
          sourceOffset: item.source?.offset ?? '',
          reason: error.type,
          message: `${error.status} ${error.reason} (document ${item.id} for index ${item.index})`,
        });
        item.work?.done();
      },
      metrics: this.metrics,
      logger: logger.child({ module: 'bulk' }),
    });
    const tail =
      sampling.tailPoliciesFile !== undefined
        ? new TailSampler<MessageWork>(loadPolicies(sampling.tailPoliciesFile), sampling.tail)
        : undefined;
    const include = config['es.tags-as-fields.include'];
    const tagsAsFields =
      config['es.tags-as-fields.all'] || include.length > 0
        ? {
            tagsAsFields: {
              all: config['es.tags-as-fields.all'],
              include: new Set(include),
              dotReplacement: config['es.tags-as-fields.dot-replacement'],
            },
          }
        : {};
    this.pipeline = new Pipeline({
      writer: this.writer,
      deadLetters: this.deadLetters,
      defaultEncoding: config['kafka.encoding'],
      headSampling: sampling.head,
      tail,
      indexPrefix,
      useAliases,
      esSpan: tagsAsFields,
      dependencies: {
        enabled: config['dependencies.enabled'],
        windowMs: config['dependencies.window'],
        flushIntervalMs: config['dependencies.flush-interval'],
      },
      metrics: this.metrics,
      logger: logger.child({ module: 'pipeline' }),
    });
    this.templates = {
      name: 'index-templates',
      start: async () => {
        if (!config['es.create-templates'] || config['es.sink'] === 'null') return;
        // Elasticsearch may still be starting (or away): keep trying; the consumer waits behind this.
        for (let backoff = 500; ; backoff = Math.min(backoff * 2, 10_000)) {
          try {
            const options = {
              prefix: indexPrefix,
              shards: config['es.shards'],
              replicas: config['es.replicas'],
              useAliases,
            };
            // In rollover mode the first index and its aliases must exist before anything is written to the
            // write alias (else Elasticsearch would create a plain index of that name): `skein es init` does
            // the same, and both are idempotent.
            if (useAliases) await initIndices(es, options);
            else await installTemplates(es, options);
            return;
          } catch (err) {
            // Wrong credentials or certificates do not fix themselves: stop with what to change.
            const fatal = esAccessError(
              err,
              esSecurity,
              useAliases
                ? 'creating the index templates and rollover indices'
                : 'installing the index templates',
              'or install them once with `skein es init` as a user who may, and set es.create-templates=false',
            );
            if (fatal !== undefined) throw fatal;
            logger.warn('installing index templates failed; retrying', { error: err, backoffMs: backoff });
            await new Promise((r) => setTimeout(r, backoff));
          }
        }
      },
      stop: async () => undefined,
    };
  }
}

/** The ingester's parts, wired: consumer → pipeline (decode, sample, index) → bulk writer, plus the DLQ. */
export class Ingester {
  readonly parts: IndexingParts;
  readonly consumer: SpanConsumer;

  /**
   * `fail` stops the ingester with an error no retry cures: Kafka refusing its credentials on a rejoin, or any
   * crash of the consumer kafkajs does not restart from.
   */
  constructor(
    config: IngesterConfig,
    logger: Logger,
    registry: Registry,
    fail: (service: string, error: unknown) => void = () => undefined,
  ) {
    const kafkaLogger = logger.child({ module: 'kafka' });
    const security = kafkaSecurity(config, { logger: kafkaLogger });
    const kafka = createKafka({
      brokers: config['kafka.brokers'],
      clientId: config['kafka.client-id'],
      logger: kafkaLogger,
      security,
    });
    const kafkaContext = {
      brokers: config['kafka.brokers'],
      security,
      role: 'consumer' as const,
      topic: config['kafka.topic'],
      groupId: config['kafka.group-id'],
    };
    const esSecurity = resolveEsSecurity(config);
    const es = createElasticsearch(esSecurity);
    if (config['sampling.tail.enabled'] && !config['sampling.tail.policies-file']) {
      throw new ConfigError('sampling.tail.policies-file', 'is required when sampling.tail.enabled is true');
    }
    reportEsSecurity(esSecurity, { component: 'ingester', logger, registry });
    this.parts = new IndexingParts(config, {
      kafka,
      es,
      esSecurity,
      indexPrefix: config['es.index-prefix'],
      useAliases: config['es.use-aliases'],
      sampling: {
        head: config['sampling.head'],
        tailPoliciesFile: config['sampling.tail.enabled'] ? config['sampling.tail.policies-file'] : undefined,
        tail: {
          decisionWaitMs: config['sampling.tail.decision-wait'],
          maxTraces: config['sampling.tail.max-traces'],
          maxSpans: config['sampling.tail.max-spans'],
        },
      },
      logger,
      registry,
    });
    this.consumer = new SpanConsumer({
      kafka,
      topic: config['kafka.topic'],
      groupId: config['kafka.group-id'],
      fromBeginning: config['kafka.from-beginning'],
      partitionsConcurrently: config['kafka.partitions-concurrently'],
      sessionTimeoutMs: config['kafka.session-timeout'],
      commitIntervalMs: config['kafka.commit-interval'],
      maxPendingSpans: config['pipeline.max-pending-spans'],
      startError: (err) => kafkaStartError(err, kafkaContext),
      crashError: (err) => kafkaSecurityError(err, kafkaContext),
      onCrash: (err) => fail('consumer', err),
      pipeline: this.parts.pipeline,
      writer: this.parts.writer,
      metrics: this.parts.metrics,
      logger: logger.child({ module: 'consumer' }),
    });
  }

  /** Start order: templates, dead letters, writer, then the consumer; stopped in reverse (consumer drains first). */
  get services(): Service[] {
    return [this.parts.templates, this.parts.deadLetters, this.parts.writer, this.consumer];
  }
}

export const ingesterComponent: ComponentDefinition<typeof ingesterSchema> = {
  name: 'ingester',
  description:
    "consumes spans from Kafka (consumer group), samples, indexes and bulk-writes them to Elasticsearch in Jaeger's layout, committing offsets only for what is written or deliberately dropped.",
  schema: ingesterSchema,
  build: ({ config, logger, registry, fail }) => new Ingester(config, logger, registry, fail).services,
};
