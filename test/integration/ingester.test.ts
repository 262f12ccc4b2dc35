// The ingester against real Kafka and Elasticsearch: two members of one group write 100,000 spans exactly once,
// and poison messages go to the dead-letter topic without stalling their partition.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { spanTemplate } from '@skein/ingester';
import { encodeJaegerJsonSpan, encodeProtoSpan, type EsSpan } from '@skein/model';
import { createTopic, readTopic, topicSize } from '../support/kafka.js';
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
import { eventually, testStack, uniqueName } from '../support/stack.js';

describe('ingester → Elasticsearch', () => {
  const { kafkaBrokers, elasticsearchUrl } = testStack();

  it('writes 100,000 spans from a 4-partition topic exactly once with two ingesters in one group', async () => {
    const topic = uniqueName('skein-ingest');
    const groupId = uniqueName('skein-ingest-group');
    const prefix = `${uniqueName('t')}-`;
    await createTopic(kafkaBrokers, topic, 4);
    const traces = generateTraces(10_000, 10, 5);
    const messages = toMessages(traces);
    await produce(kafkaBrokers, topic, messages);

    const common = {
      'kafka.brokers': kafkaBrokers.join(','),
      'kafka.topic': topic,
      'kafka.group-id': groupId,
      'es.url': elasticsearchUrl,
      'es.index-prefix': prefix,
      'dependencies.flush-interval': '1s',
      'dependencies.window': '1s',
    };
    const a = await startTestIngester(common);
    const b = await startTestIngester(common);
    const es = esClient(elasticsearchUrl);
    try {
      await eventually(
        '100,000 span documents',
        async () => ((await countDocs(es, `${prefix}jaeger-span-*`)) === 100_000 ? true : undefined),
        240_000,
      );
      await eventually(
        'all offsets committed',
        async () => ((await committed(kafkaBrokers, groupId, topic)) === messages.length ? true : undefined),
        60_000,
      );

      // Exactly once: every span ID once, every trace with all its spans.
      const spanIds = await exactTerms(es, `${prefix}jaeger-span-*`, 'spanID');
      assert.equal(spanIds.size, 100_000);
      assert.ok([...spanIds.values()].every((n) => n === 1));
      const traceIds = await exactTerms(es, `${prefix}jaeger-span-*`, 'traceID');
      assert.equal(traceIds.size, 10_000);
      assert.ok([...traceIds.values()].every((n) => n === 10));

      // Services and operations, one document each per day.
      const expected = new Set(
        traces.flatMap((t) => t.spans.map((s) => `${s.process.serviceName}/${s.operationName}`)),
      );
      await eventually('service documents', async () =>
        (await countDocs(es, `${prefix}jaeger-service-*`)) === expected.size ? true : undefined,
      );
      const services = await es.search<{ serviceName: string; operationName: string }>({
        index: `${prefix}jaeger-service-*`,
        size: 1000,
      });
      assert.deepEqual(
        new Set(services.hits.hits.map((h) => `${h._source?.serviceName}/${h._source?.operationName}`)),
        expected,
      );

      // Both members worked.
      for (const member of [a, b]) {
        const text = await (await fetch(`http://127.0.0.1:${member.adminPort}/metrics`)).text();
        const written = Number(/^skein_ingester_spans_written_total\{[^}]*\} (\d+)/m.exec(text)?.[1] ?? 0);
        assert.ok(written > 0, 'each ingester wrote spans');
      }
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      await es.indices.delete({ index: `${prefix}*` });
      await es.close();
    }
  });

  it('sends poison messages to the dead-letter topic with their reason and keeps the partition moving', async () => {
    const topic = uniqueName('skein-poison');
    const dlq = uniqueName('skein-poison-dlq');
    const groupId = uniqueName('skein-poison-group');
    const prefix = `${uniqueName('p')}-`;
    await createTopic(kafkaBrokers, topic, 2);
    await createTopic(kafkaBrokers, dlq, 1);
    const good = toMessages(generateTraces(200, 3, 1));
    const garbage = [
      { key: 'junk-1', value: randomBytes(64) },
      { key: 'junk-2', value: Buffer.from([0x1c, 0x18]) },
      // Valid JSON and a well-formed (empty) jsonpb span, but with zero IDs: nothing a query could ever find.
      {
        key: 'junk-3',
        value: Buffer.from('{"operationName":"x"}'),
        headers: { 'skein-encoding': 'jaeger-json' },
      },
      { key: 'junk-4', value: Buffer.from('x'), headers: { 'skein-encoding': 'avro' } },
    ];
    const mixed = good.flatMap((m, i) =>
      i % 50 === 0 && garbage[i / 50] ? [garbage[i / 50] as (typeof garbage)[0], m] : [m],
    );
    await produce(kafkaBrokers, topic, mixed);

    const ingester = await startTestIngester({
      'kafka.brokers': kafkaBrokers.join(','),
      'kafka.topic': topic,
      'kafka.dlq-topic': dlq,
      'kafka.group-id': groupId,
      'es.url': elasticsearchUrl,
      'es.index-prefix': prefix,
    });
    const es = esClient(elasticsearchUrl);
    try {
      await eventually(
        '600 good spans indexed',
        async () => ((await countDocs(es, `${prefix}jaeger-span-*`)) === 600 ? true : undefined),
        60_000,
      );
      await eventually(
        'every offset committed, garbage included',
        async () => ((await committed(kafkaBrokers, groupId, topic)) === mixed.length ? true : undefined),
        30_000,
      );
      assert.equal(await topicSize(kafkaBrokers, dlq), 4);
      const letters = await readTopic(kafkaBrokers, dlq, 4);
      const byKey = new Map(letters.map((l) => [l.key, l]));
      assert.deepEqual([...byKey.keys()].sort(), ['junk-1', 'junk-2', 'junk-3', 'junk-4']);
      for (const l of letters) {
        assert.equal(l.headers['skein-dlq-source-topic'], topic);
        assert.match(l.headers['skein-dlq-source-partition'] ?? '', /^[01]$/);
        assert.match(l.headers['skein-dlq-source-offset'] ?? '', /^\d+$/);
      }
      assert.equal(byKey.get('junk-2')?.headers['skein-dlq-reason'], 'truncated');
      assert.equal(byKey.get('junk-3')?.headers['skein-dlq-reason'], 'invalid_span');
      assert.equal(byKey.get('junk-4')?.headers['skein-dlq-reason'], 'bad_envelope');
      assert.match(
        byKey.get('junk-4')?.headers['skein-dlq-message'] ?? '',
        /unknown skein-encoding header "avro"/,
      );
      assert.deepEqual(byKey.get('junk-2')?.value, Buffer.from([0x1c, 0x18]));
    } finally {
      await ingester.stop();
      await es.indices.delete({ index: `${prefix}*` });
      await es.close();
    }
  });

  it('sends documents Elasticsearch refuses for good to the dead-letter topic and writes the rest', async () => {
    const topic = uniqueName('skein-refused');
    const dlq = uniqueName('skein-refused-dlq');
    const groupId = uniqueName('skein-refused-group');
    const prefix = `${uniqueName('r')}-`;
    await createTopic(kafkaBrokers, topic, 1);
    await createTopic(kafkaBrokers, dlq, 1);
    const traces = generateTraces(20, 2, 1);
    // A day index created beforehand with operationName as a number: spans named "42" fit, the others never will.
    for (const [i, t] of traces.entries())
      for (const s of t.spans) s.operationName = i % 2 === 0 ? '42' : 'GET /orders';
    const es = esClient(elasticsearchUrl);
    const day = new Date(Math.floor((traces[0]?.spans[0]?.startTime ?? 0) / 1000)).toISOString().slice(0, 10);
    const mappings = spanTemplate({ prefix, shards: 1, replicas: 0 }).template.mappings as {
      properties: Record<string, unknown>;
    };
    await es.indices.create({
      index: `${prefix}jaeger-span-${day}`,
      mappings: { ...mappings, properties: { ...mappings.properties, operationName: { type: 'long' } } },
    });
    const messages = toMessages(traces);
    await produce(kafkaBrokers, topic, messages);
    const ingester = await startTestIngester({
      'kafka.brokers': kafkaBrokers.join(','),
      'kafka.topic': topic,
      'kafka.dlq-topic': dlq,
      'kafka.group-id': groupId,
      'es.url': elasticsearchUrl,
      'es.index-prefix': prefix,
    });
    try {
      await eventually(
        'every offset committed',
        async () => ((await committed(kafkaBrokers, groupId, topic)) === messages.length ? true : undefined),
        60_000,
      );
      const letters = await readTopic(kafkaBrokers, dlq, 20);
      assert.equal(await countDocs(es, `${prefix}jaeger-span-*`), 20);
      assert.equal(letters.length, 20);
      for (const l of letters) {
        assert.equal(l.headers['skein-dlq-reason'], 'document_parsing_exception');
        assert.equal(l.headers['skein-dlq-source-topic'], topic);
        assert.equal(
          (JSON.parse(l.value.toString()) as { operationName: string }).operationName,
          'GET /orders',
        );
      }
    } finally {
      await ingester.stop();
      await es.indices.delete({ index: `${prefix}*` });
      await es.close();
    }
  });

  for (const encoding of ['jaeger-proto', 'jaeger-json'] as const) {
    it(`reads the topic Jaeger's collector writes with ${encoding} (one span per message, no headers)`, async () => {
      const topic = uniqueName(`skein-${encoding}`);
      const groupId = uniqueName(`skein-${encoding}-group`);
      const prefix = `${uniqueName('j')}-`;
      await createTopic(kafkaBrokers, topic, 2);
      const traces = generateTraces(50, 3, 2);
      const spans = traces.flatMap((t) => t.spans);
      await produce(
        kafkaBrokers,
        topic,
        spans.map((span) => ({
          key: span.traceId,
          value:
            encoding === 'jaeger-proto'
              ? Buffer.from(encodeProtoSpan(span))
              : Buffer.from(encodeJaegerJsonSpan(span)),
        })),
      );
      const ingester = await startTestIngester({
        'kafka.brokers': kafkaBrokers.join(','),
        'kafka.topic': topic,
        'kafka.group-id': groupId,
        'kafka.encoding': encoding,
        'es.url': elasticsearchUrl,
        'es.index-prefix': prefix,
      });
      const es = esClient(elasticsearchUrl);
      try {
        await eventually(
          '150 spans written',
          async () => ((await countDocs(es, `${prefix}jaeger-span-*`)) === 150 ? true : undefined),
          60_000,
        );
        const docs = await es.search<EsSpan>({ index: `${prefix}jaeger-span-*`, size: 200 });
        const bySpanId = new Map(docs.hits.hits.map((h) => [h._source?.spanID, h._source]));
        for (const span of spans) {
          const doc = bySpanId.get(span.spanId);
          assert.equal(doc?.traceID, span.traceId);
          assert.equal(doc?.process.serviceName, span.process.serviceName);
          assert.equal(doc?.operationName, span.operationName);
          assert.equal(doc?.startTime, span.startTime);
          assert.deepEqual(
            doc?.tags,
            span.tags.map((t) => ({
              key: t.key,
              type: t.type,
              value: t.type === 'int64' ? Number(t.value) : t.value,
            })),
          );
        }
      } finally {
        await ingester.stop();
        await es.indices.delete({ index: `${prefix}*` });
        await es.close();
      }
    });
  }
});
