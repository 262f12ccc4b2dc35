// SpanConsumer and kafkajs's CRASH event: a crash kafkajs does not restart from leaves nothing consuming, so it
// must stop the ingester, whatever the error; a crash kafkajs restarts from, or one during shutdown, must not.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SkeinError, createLogger, kafkaSecurityError, type KafkaErrorContext } from '@skein/runtime';
import kafkajs, { type Kafka } from 'kafkajs';
import { Registry } from 'prom-client';
import type { BulkWriter } from '../src/bulk/writer.js';
import { SpanConsumer } from '../src/kafka/consumer.js';
import { IngesterMetrics } from '../src/metrics.js';
import type { Pipeline } from '../src/pipeline/pipeline.js';

type Handler = (event: { payload: { error: Error; restart: boolean; groupId: string } }) => void;

/** Just enough of a kafkajs consumer to start, stop, and crash on request. */
class FakeConsumer {
  readonly events = { GROUP_JOIN: 'consumer.group_join', CRASH: 'consumer.crash' };
  readonly #handlers = new Map<string, Handler>();
  on(event: string, handler: Handler): () => void {
    this.#handlers.set(event, handler);
    return () => this.#handlers.delete(event);
  }
  crash(error: Error, restart: boolean): void {
    this.#handlers.get(this.events.CRASH)?.({ payload: { error, restart, groupId: 'skein-ingester' } });
  }
  async connect(): Promise<void> {}
  async subscribe(): Promise<void> {}
  async run(): Promise<void> {}
  async commitOffsets(): Promise<void> {}
  async disconnect(): Promise<void> {}
  pause(): void {}
  resume(): void {}
}

const pipeline = {
  pendingSpans: 0,
  tick: () => undefined,
  drain: () => undefined,
  discard: () => undefined,
} as unknown as Pipeline;
const writer = { pending: 0, idle: async () => undefined } as unknown as BulkWriter;

const context: KafkaErrorContext = {
  brokers: ['kafka-1:9093'],
  security: undefined,
  role: 'consumer',
  topic: 'skein-spans',
  groupId: 'skein-ingester',
};

/** A started SpanConsumer on a fake kafkajs consumer, classifying crashes as the ingester does. */
async function started(): Promise<{ consumer: SpanConsumer; fake: FakeConsumer; crashes: Error[] }> {
  const fake = new FakeConsumer();
  const crashes: Error[] = [];
  const consumer = new SpanConsumer({
    kafka: { consumer: () => fake } as unknown as Kafka,
    topic: 'skein-spans',
    groupId: 'skein-ingester',
    fromBeginning: false,
    partitionsConcurrently: 1,
    sessionTimeoutMs: 30_000,
    commitIntervalMs: 1000,
    maxPendingSpans: 1000,
    crashError: (err) => kafkaSecurityError(err, context),
    onCrash: (err) => crashes.push(err),
    pipeline,
    writer,
    metrics: new IngesterMetrics(new Registry(), () => ({ spans: 0, held: 0 })),
    logger: createLogger({ level: 'silent' }),
  });
  await consumer.start();
  return { consumer, fake, crashes };
}

const { KafkaJSNonRetriableError, KafkaJSProtocolError } = kafkajs;
const NonRetriable = KafkaJSNonRetriableError as unknown as new (e: Error, o: { cause: Error }) => Error;
/** As kafkajs's retrier passes on an error it does not retry. */
const nonRetriable = (e: Error): Error => new NonRetriable(e, { cause: e });
const protocolError = (type: string, code: number, message: string): Error =>
  new (KafkaJSProtocolError as unknown as new (e: object) => Error)({
    type,
    code,
    message,
    retriable: false,
  });

describe('SpanConsumer crashes', () => {
  it('a crash kafkajs does not restart from stops the ingester, whatever the error', async () => {
    const { consumer, fake, crashes } = await started();
    const cause = nonRetriable(
      protocolError(
        'INVALID_SESSION_TIMEOUT',
        26,
        'The session timeout is not within the range allowed by the broker',
      ),
    );
    fake.crash(cause, false);
    await consumer.stop(Date.now() + 5000);
    assert.equal(crashes.length, 1);
    const [err] = crashes;
    assert.ok(err instanceof SkeinError);
    assert.equal(err.code, 'KAFKA_CONSUMER_CRASHED');
    assert.equal(
      err.message,
      'the Kafka consumer stopped on an error kafkajs does not retry (KafkaJSNonRetriableError: The session ' +
        'timeout is not within the range allowed by the broker); nothing would consume any more, so the ingester ' +
        'stops: its supervisor restarts it, and the consumer group resumes from the last commit',
    );
    assert.equal(err.cause, cause);
  });

  it('a refused ACL stops it with KAFKA_AUTH_FAILED, as the caller classifies it', async () => {
    const { consumer, fake, crashes } = await started();
    fake.crash(
      nonRetriable(
        protocolError(
          'GROUP_AUTHORIZATION_FAILED',
          30,
          'Not authorized to access group: Group authorization failed',
        ),
      ),
      false,
    );
    await consumer.stop(Date.now() + 5000);
    assert.deepEqual(
      crashes.map((e) => [(e as SkeinError).code, e.message.split(':')[0]]),
      [['KAFKA_AUTH_FAILED', 'Kafka at kafka-1']],
    );
    assert.match(
      crashes[0]?.message ?? '',
      /access to the consumer group "skein-ingester" \(kafka.group-id\)/,
    );
  });

  it('a crash kafkajs restarts from, or one while stopping, does not', async () => {
    const { consumer, fake, crashes } = await started();
    fake.crash(new Error('Connection error: ECONNRESET'), true);
    const stopping = consumer.stop(Date.now() + 5000);
    fake.crash(nonRetriable(new Error('disconnecting')), false);
    await stopping;
    assert.deepEqual(crashes, []);
  });
});
