// Elasticsearch away for 30 s in the middle of a stream: the ingester pauses, keeps its memory bounded, does
// not crash, and once Elasticsearch is back writes everything and catches up to the end of the topic.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startElasticsearch } from '@skein/devstack';
import { createTopic } from '../support/kafka.js';
import {
  committed,
  countDocs,
  esClient,
  exactTerms,
  generateTraces,
  produce,
  startTestIngester,
  toMessages,
} from '../support/ingester.js';
import { metricValue } from '../support/agent.js';
import { eventually, testStack, uniqueName } from '../support/stack.js';

describe('ingester and an Elasticsearch outage', () => {
  it('pauses while Elasticsearch is down for 30 s and loses nothing', async () => {
    const { kafkaBrokers } = testStack();
    const es1 = await startElasticsearch();
    const topic = uniqueName('skein-es-outage');
    const groupId = uniqueName('skein-es-outage-group');
    await createTopic(kafkaBrokers, topic, 2);
    const ingester = await startTestIngester({
      'kafka.brokers': kafkaBrokers.join(','),
      'kafka.topic': topic,
      'kafka.group-id': groupId,
      'es.url': es1.url,
      'pipeline.max-pending-spans': 3000,
      'bulk.max-backoff': '2s',
    });
    let node = es1;
    const total = { messages: 0, spans: 0 };
    const send = async (traces: number): Promise<void> => {
      const messages = toMessages(generateTraces(traces, 5, 3));
      total.messages += messages.length;
      total.spans += traces * 5;
      await produce(kafkaBrokers, topic, messages);
    };
    const metrics = async (): Promise<string> =>
      (await fetch(`http://127.0.0.1:${ingester.adminPort}/metrics`)).text();
    try {
      await send(500);
      let es = esClient(node.url);
      await eventually(
        'first spans written',
        async () => ((await countDocs(es, 'jaeger-span-*')) === total.spans ? true : undefined),
        60_000,
      );
      await es.close();

      await node.stop();
      const downAt = Date.now();
      // Spans keep coming while Elasticsearch is away: more than the pipeline may hold.
      for (let i = 0; i < 5; i++) await send(400);
      await eventually(
        'consumption paused with memory bounded',
        async () => {
          const t = await metrics();
          return metricValue(t, 'skein_ingester_consumer_paused') === 1 ? t : undefined;
        },
        30_000,
      );
      const pending = metricValue(await metrics(), 'skein_ingester_pending_spans');
      assert.ok(pending <= 3000 + 500, `pending spans ${pending} stay near the bound`);
      assert.equal((await fetch(`http://127.0.0.1:${ingester.adminPort}/live`)).status, 200);
      await new Promise((r) => setTimeout(r, Math.max(0, 30_000 - (Date.now() - downAt))));

      node = await startElasticsearch({ port: es1.port, dataDir: es1.dataDir });
      es = esClient(node.url);
      await eventually(
        'every span written after the outage',
        async () => ((await countDocs(es, 'jaeger-span-*')) === total.spans ? true : undefined),
        120_000,
      );
      await eventually(
        'lag back to zero: every offset committed',
        async () => ((await committed(kafkaBrokers, groupId, topic)) === total.messages ? true : undefined),
        60_000,
      );
      const spanIds = await exactTerms(es, 'jaeger-span-*', 'spanID');
      assert.equal(spanIds.size, total.spans);
      const text = await metrics();
      assert.ok(
        metricValue(text, 'skein_ingester_bulk_failures_total', 'kind="request"') > 0,
        'the outage was seen and retried',
      );
      assert.equal(metricValue(text, 'skein_ingester_consumer_paused'), 0);
      await es.close();
    } finally {
      await ingester.stop();
      await node.stop();
    }
  });
});
