// `skein replay` from parsed configuration: plan the ranges (or resume a checkpoint), run, report.
import { join } from 'node:path';
import {
  ConfigError,
  SkeinError,
  createElasticsearch,
  createKafka,
  createRegistry,
  kafkaSecurity,
  kafkaStartError,
  reportEsSecurity,
  resolveEsSecurity,
  type ConfigOf,
  type Logger,
} from '@skein/runtime';
import { IndexingParts, type SamplingChoice } from '../ingester.js';
import { readCheckpoint, remaining } from './checkpoint.js';
import type { replaySchema } from './config.js';
import { parsePosition, planRanges, type PartitionOffsetsInfo, type Position } from './position.js';
import type { ReplayProgress } from './progress.js';
import { Replay, type ReplayPartition, type ReplaySummary } from './replay.js';

export type ReplayConfig = ConfigOf<typeof replaySchema>;

export interface ReplayRun {
  /** Resolves with the summary; `complete` is false when stopped early (resume by running it again). */
  done: Promise<ReplaySummary>;
  /** Stop fetching, write what is held, save the checkpoint. */
  stop(): void;
}

/** The checkpoint file a replay uses unless told otherwise. */
export function defaultCheckpointFile(topic: string, prefix: string): string {
  return join('.skein-replay', `${topic}--${prefix}.json`);
}

function sampling(config: ReplayConfig): SamplingChoice {
  const tail = {
    decisionWaitMs: config['sampling.tail.decision-wait'],
    maxTraces: config['sampling.tail.max-traces'],
    maxSpans: config['sampling.tail.max-spans'],
  };
  const choice = config.sampling;
  if (choice === 'off') return { head: 'off', tailPoliciesFile: undefined, tail };
  if (choice === 'same') {
    if (config['sampling.tail.enabled'] && !config['sampling.tail.policies-file']) {
      throw new ConfigError('sampling.tail.policies-file', 'is required when sampling.tail.enabled is true');
    }
    return {
      head: config['sampling.head'],
      tailPoliciesFile: config['sampling.tail.enabled'] ? config['sampling.tail.policies-file'] : undefined,
      tail,
    };
  }
  return { head: 'off', tailPoliciesFile: choice, tail };
}

async function offsetsInfo(
  kafka: ReturnType<typeof createKafka>,
  topic: string,
  from: Position,
  to: Position,
): Promise<PartitionOffsetsInfo[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = await admin.fetchTopicMetadata({ topics: [topic] }).catch((err: unknown) => {
      throw new SkeinError('REPLAY_NO_TOPIC', `cannot read topic ${topic}: ${(err as Error).message}`, {
        cause: err,
      });
    });
    if (topics.topics.length === 0) throw new SkeinError('REPLAY_NO_TOPIC', `topic ${topic} does not exist`);
    const offsets = await admin.fetchTopicOffsets(topic);
    const byTime = async (ms: number) =>
      new Map(
        (await admin.fetchTopicOffsetsByTimestamp(topic, ms)).map((o) => [o.partition, BigInt(o.offset)]),
      );
    const atFrom = from.kind === 'time' ? await byTime(from.ms) : undefined;
    const atTo = to.kind === 'time' ? await byTime(to.ms) : undefined;
    return offsets.map((o) => {
      const info: PartitionOffsetsInfo = { partition: o.partition, low: BigInt(o.low), high: BigInt(o.high) };
      // Kafka answers -1 when no message is at or after the time: the range ends at the partition's end.
      const f = atFrom?.get(o.partition);
      if (f !== undefined) info.atFrom = f < 0n ? info.high : f;
      const t = atTo?.get(o.partition);
      if (t !== undefined) info.atTo = t < 0n ? info.high : t;
      return info;
    });
  } finally {
    await admin.disconnect();
  }
}

/** Plans (or resumes) and starts a replay. Configuration problems throw before anything is read or written. */
export async function startReplay(
  config: ReplayConfig,
  io: { logger: Logger; onProgress: (progress: ReplayProgress) => void },
): Promise<ReplayRun> {
  if (config.from === '') throw new ConfigError('from', 'is required: an ISO time, an offset, or "earliest"');
  const prefix = config['index-prefix'];
  if (prefix === '') {
    throw new ConfigError(
      'index-prefix',
      'is required and must not be empty, so the live indices are never written (e.g. "v2-")',
    );
  }
  const from = parsePosition(config.from, 'from');
  const to = parsePosition(config.to, 'to');
  const wanted = config.partitions.map((p) => {
    if (!/^\d+$/.test(p)) throw new ConfigError('partitions', `"${p}" is not a partition number`);
    return Number(p);
  });
  const choice = sampling(config);
  const esSecurity = resolveEsSecurity(config);
  const topic = config.topic;
  const checkpointFile = config.checkpoint ?? defaultCheckpointFile(topic, prefix);
  const identity = { topic, indexPrefix: prefix, from: config.from, to: config.to };
  const kafkaLogger = io.logger.child({ module: 'kafka' });
  const security = kafkaSecurity(config, { logger: kafkaLogger });
  const kafka = createKafka({
    brokers: config['kafka.brokers'],
    clientId: config['kafka.client-id'],
    logger: kafkaLogger,
    security,
  });
  // Refused credentials or a TLS problem: one clear error instead of kafkajs's.
  const explained = async (err: unknown): Promise<never> => {
    throw (
      (await kafkaStartError(err, { brokers: config['kafka.brokers'], security, role: 'consumer', topic })) ??
      err
    );
  };

  let partitions: ReplayPartition[];
  const saved = readCheckpoint(checkpointFile);
  if (saved) {
    const same =
      saved.topic === identity.topic &&
      saved.indexPrefix === identity.indexPrefix &&
      saved.from === identity.from &&
      saved.to === identity.to;
    if (!same) {
      throw new SkeinError(
        'REPLAY_CHECKPOINT',
        `checkpoint ${checkpointFile} belongs to another replay (topic ${saved.topic}, prefix ${saved.indexPrefix}, from ${saved.from}, to ${saved.to}); delete it or pass --checkpoint with another file`,
      );
    }
    partitions = remaining(saved).filter((p) => wanted.length === 0 || wanted.includes(p.partition));
    io.logger.info(saved.complete ? 'replay already complete' : 'resuming replay from its checkpoint', {
      file: checkpointFile,
    });
  } else {
    const infos = await offsetsInfo(kafka, topic, from, to).catch(explained);
    const known = new Set(infos.map((i) => i.partition));
    const missing = wanted.filter((p) => !known.has(p));
    if (missing.length > 0) {
      throw new ConfigError(
        'partitions',
        `topic ${topic} has no partition ${missing.join(', ')} (it has 0 to ${infos.length - 1})`,
      );
    }
    partitions = planRanges(
      from,
      to,
      infos.filter((i) => wanted.length === 0 || wanted.includes(i.partition)),
    ).map((r) => ({ ...r, next: r.start }));
  }

  const registry = createRegistry('replay', { defaultMetrics: false });
  reportEsSecurity(esSecurity, { component: 'replay', logger: io.logger, registry });
  const parts = new IndexingParts(config, {
    kafka,
    es: createElasticsearch(esSecurity),
    esSecurity,
    indexPrefix: prefix,
    useAliases: config['es.use-aliases'],
    sampling: choice,
    logger: io.logger,
    registry,
  });
  const replay = new Replay({
    kafka,
    topic,
    partitions: partitions.sort((a, b) => a.partition - b.partition),
    parts,
    checkpointFile,
    identity,
    rate: config.rate,
    maxPendingSpans: config['pipeline.max-pending-spans'],
    partitionsConcurrently: config['kafka.partitions-concurrently'],
    progressIntervalMs: config['progress-interval'],
    onProgress: io.onProgress,
    logger: io.logger,
  });
  return { done: replay.run().catch(explained), stop: () => replay.stop() };
}
