import type { Logger, Service } from '@skein/runtime';
import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import type { IngesterMetrics } from '../metrics.js';

export interface DeadLetter {
  key: string | null;
  value: Buffer;
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: string;
  /** Stable, bounded reason: a decode error code, an Elasticsearch error type. */
  reason: string;
  message: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Publishes what the ingester cannot use to the dead-letter topic, with where it came from and why in headers.
 * `send` resolves only once Kafka acknowledged, retrying with backoff; only then may the source offset move on.
 */
export class DeadLetters implements Service {
  readonly name = 'dead-letters';
  #producer: Producer;
  #connected = false;
  #stopped = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly metrics: IngesterMetrics,
    private readonly logger: Logger,
  ) {
    this.#producer = kafka.producer({
      allowAutoTopicCreation: true,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  async start(): Promise<void> {}

  async send(letter: DeadLetter): Promise<void> {
    let backoff = 100;
    for (;;) {
      try {
        if (!this.#connected) {
          await this.#producer.connect();
          this.#connected = true;
        }
        await this.#producer.send({
          topic: this.topic,
          acks: -1,
          messages: [
            {
              key: letter.key,
              value: letter.value,
              headers: {
                'skein-dlq-source-topic': letter.sourceTopic,
                'skein-dlq-source-partition': String(letter.sourcePartition),
                'skein-dlq-source-offset': letter.sourceOffset,
                'skein-dlq-reason': letter.reason,
                'skein-dlq-message': letter.message.slice(0, 1000),
              },
            },
          ],
        });
        this.metrics.deadLettered.inc({ reason: letter.reason });
        this.logger.warn('sent to the dead-letter topic', {
          topic: letter.sourceTopic,
          partition: letter.sourcePartition,
          offset: letter.sourceOffset,
          reason: letter.reason,
        });
        return;
      } catch (err) {
        this.#connected = false;
        if (this.#stopped) throw err;
        this.logger.warn('dead-letter publish failed; retrying', { error: err, backoffMs: backoff });
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 10_000);
      }
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#producer.disconnect().catch(() => undefined);
  }
}
