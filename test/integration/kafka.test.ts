// Proves the devstack's Kafka is a real broker that kafkajs — the client every skein component uses — works with.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Consumer, EachMessagePayload, Kafka } from 'kafkajs';
import { KAFKA_VERSION } from '@skein/devstack';
import { createKafka } from '@skein/runtime';
import { eventually, testStack, uniqueName } from '../support/stack.js';

describe(`Kafka ${KAFKA_VERSION} from the devstack`, () => {
  let kafka: Kafka;
  const consumers: Consumer[] = [];

  before(() => {
    kafka = createKafka({ brokers: testStack().kafkaBrokers, clientId: 'skein-test' });
  });
  after(async () => {
    await Promise.all(consumers.map((c) => c.disconnect().catch(() => undefined)));
  });

  it('is a KRaft broker that answers metadata and creates topics', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const cluster = await admin.describeCluster();
      assert.equal(cluster.brokers.length, 1);
      assert.equal(cluster.controller, cluster.brokers[0]?.nodeId);
      const topic = uniqueName('skein-test-topic');
      assert.equal(
        await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true }),
        true,
      );
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
      assert.deepEqual(metadata.topics[0]?.partitions.map((p) => p.partitionId).sort(), [0, 1, 2]);
      assert.ok((await admin.listTopics()).includes(topic));
    } finally {
      await admin.disconnect();
    }
  });

  it('round-trips keyed messages with headers through a consumer group, keys pinned to partitions', async () => {
    const topic = uniqueName('skein-test-roundtrip');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    await admin.disconnect();

    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const sent = Array.from({ length: 30 }, (_, i) => ({
      key: `trace-${i % 6}`,
      value: Buffer.from([i, 255 - i, 0, 7]),
      headers: { 'skein-encoding': 'thrift-compact', seq: String(i) },
    }));
    await producer.send({ topic, acks: -1, messages: sent });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: uniqueName('skein-test-group') });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received: EachMessagePayload[] = [];
    await consumer.run({ eachMessage: async (payload) => void received.push(payload) });
    await eventually('30 messages consumed', () => (received.length >= 30 ? true : undefined));
    await consumer.disconnect();

    assert.equal(received.length, 30);
    const bySeq = new Map(received.map((r) => [r.message.headers?.seq?.toString(), r]));
    for (const [i, m] of sent.entries()) {
      const got = bySeq.get(String(i));
      assert.ok(got, `message ${i} arrived`);
      assert.equal(got.message.key?.toString(), m.key);
      assert.deepEqual(got.message.value, m.value);
      assert.equal(got.message.headers?.['skein-encoding']?.toString(), 'thrift-compact');
    }
    // Every key lands on exactly one partition, which is what makes per-trace work possible.
    const partitionsByKey = new Map<string, Set<number>>();
    for (const r of received) {
      const key = r.message.key?.toString() ?? '';
      partitionsByKey.set(key, (partitionsByKey.get(key) ?? new Set()).add(r.partition));
    }
    for (const [key, partitions] of partitionsByKey)
      assert.equal(partitions.size, 1, `key ${key} on one partition`);
  });

  it('rebalances when a group member leaves: the survivor takes over all partitions and resumes from committed offsets', async () => {
    const topic = uniqueName('skein-test-rejoin');
    const groupId = uniqueName('skein-test-rejoin-group');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 4 }], waitForLeaders: true });

    const producer = kafka.producer();
    await producer.connect();
    const produce = async (round: string): Promise<void> => {
      await producer.send({
        topic,
        acks: -1,
        messages: [0, 1, 2, 3].flatMap((partition) =>
          Array.from({ length: 5 }, (_, i) => ({ partition, value: `${round}-${partition}-${i}` })),
        ),
      });
    };

    const seen: Record<'a' | 'b', string[]> = { a: [], b: [] };
    const assignments: Record<'a' | 'b', number[]> = { a: [], b: [] };
    const start = async (name: 'a' | 'b'): Promise<Consumer> => {
      const consumer = kafka.consumer({
        groupId,
        sessionTimeout: 10_000,
        heartbeatInterval: 500,
        rebalanceTimeout: 10_000,
      });
      consumers.push(consumer);
      consumer.on(consumer.events.GROUP_JOIN, (e) => {
        assignments[name] = [...(e.payload.memberAssignment[topic] ?? [])].sort();
      });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => void seen[name].push(message.value?.toString() ?? ''),
      });
      return consumer;
    };

    const a = await start('a');
    const b = await start('b');
    await eventually('both members assigned two partitions each', () =>
      assignments.a.length === 2 && assignments.b.length === 2 ? true : undefined,
    );
    assert.deepEqual([...assignments.a, ...assignments.b].sort(), [0, 1, 2, 3]);

    await produce('first');
    await eventually('20 first-round messages consumed by the two members', () =>
      seen.a.length + seen.b.length >= 20 ? true : undefined,
    );
    assert.equal(seen.a.length, 10);
    assert.equal(seen.b.length, 10);

    await b.disconnect(); // leaves the group: a LeaveGroup request, not a session timeout
    await eventually('the survivor rejoined with all four partitions', () =>
      assignments.a.length === 4 ? true : undefined,
    );
    assert.deepEqual(assignments.a, [0, 1, 2, 3]);

    await produce('second');
    await eventually('20 second-round messages consumed by the survivor', () =>
      seen.a.filter((v) => v.startsWith('second')).length >= 20 ? true : undefined,
    );
    // Nothing from the first round is read twice: b committed what it had consumed before leaving.
    assert.equal(seen.a.filter((v) => v.startsWith('first')).length, 10);
    assert.equal(new Set(seen.a).size, seen.a.length);

    const offsets = await eventually('committed offsets of 10 per partition', async () => {
      const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const committed = entry?.partitions.map((p) => p.offset) ?? [];
      return committed.length === 4 && committed.every((o) => o === '10') ? committed : undefined;
    });
    assert.deepEqual(offsets, ['10', '10', '10', '10']);
    await a.disconnect();
    await producer.disconnect();
    await admin.disconnect();
  });
});
