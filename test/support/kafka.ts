// Reading what skein wrote to real Kafka, for assertions.
import { createKafka } from '@skein/runtime';
import { eventually, uniqueName } from './stack.js';

export interface ReadMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

export async function createTopic(
  brokers: string[],
  topic: string,
  partitions = 3,
  config: Record<string, string> = {},
): Promise<void> {
  const admin = createKafka({ brokers, clientId: 'skein-test-admin' }).admin();
  await admin.connect();
  try {
    const configEntries = Object.entries(config).map(([name, value]) => ({ name, value }));
    await admin.createTopics({
      topics: [{ topic, numPartitions: partitions, configEntries }],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
}

/** Sum of the partitions' high watermarks: how many messages the topic holds. */
export async function topicSize(brokers: string[], topic: string): Promise<number> {
  const admin = createKafka({ brokers, clientId: 'skein-test-admin' }).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((n, p) => n + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Reads the topic from the beginning until `count` messages arrived (fails after `timeoutMs`). */
export async function readTopic(
  brokers: string[],
  topic: string,
  count: number,
  timeoutMs = 30_000,
): Promise<ReadMessage[]> {
  const consumer = createKafka({ brokers, clientId: 'skein-test-reader' }).consumer({
    groupId: uniqueName('skein-test-reader'),
  });
  const out: ReadMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
        out.push({
          topic,
          partition,
          offset: message.offset,
          key: message.key?.toString() ?? '',
          value: message.value ?? Buffer.alloc(0),
          headers,
        });
      },
    });
    await eventually(
      `${count} messages on ${topic} (have ${out.length})`,
      () => (out.length >= count ? true : undefined),
      timeoutMs,
    );
  } finally {
    await consumer.disconnect();
  }
  return out;
}

/** Reads the whole topic once it holds messages whose batches add up to `spans` spans. */
export async function readSpans(
  brokers: string[],
  topic: string,
  spans: number,
  timeoutMs = 30_000,
): Promise<ReadMessage[]> {
  const { decodeBatch } = await import('@skein/model');
  return eventually(
    `${spans} spans on ${topic}`,
    async () => {
      const size = await topicSize(brokers, topic);
      if (size === 0) return undefined;
      const messages = await readTopic(brokers, topic, size);
      const total = messages.reduce((n, m) => n + decodeBatch(m.value, 'compact').spans.length, 0);
      return total >= spans ? messages : undefined;
    },
    timeoutMs,
  );
}
