// Proves the ingester's index templates give Jaeger's mapping on a real Elasticsearch, and that Jaeger-style queries
// (nested tag, traceID term, tags-as-fields, dependencies time range) find what skein writes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@elastic/elasticsearch';
import { esSpanDocumentId, stringifyUiJson, toEsSpan, type Span } from '@skein/model';
import { createElasticsearch } from '@skein/runtime';
import {
  DependencyAggregator,
  ServiceOperationCache,
  dependencyLinks,
  installTemplates,
  serviceIndex,
  spanIndex,
} from '@skein/ingester';
import { testStack, uniqueName } from '../support/stack.js';

const TRACE_ID = '00000000000000000123456789abcdef';
const START = Date.UTC(2024, 2, 10, 12, 0, 0) * 1000 + 123;
const BIG = 9_007_199_254_740_993n; // 2^53 + 1: loses its last digit through a plain JSON number

const root: Span = {
  traceId: TRACE_ID,
  spanId: '00000000000000a1',
  operationName: 'GET /orders',
  references: [],
  flags: 1,
  startTime: START,
  duration: 2_500,
  tags: [
    { key: 'http.method', type: 'string', value: 'GET' },
    { key: 'http.status_code', type: 'int64', value: 200n },
    { key: 'order.id', type: 'int64', value: BIG },
    { key: 'error', type: 'bool', value: false },
  ],
  logs: [{ timestamp: START + 10, fields: [{ key: 'event', type: 'string', value: 'cache miss' }] }],
  process: {
    serviceName: 'frontend',
    tags: [
      { key: 'hostname', type: 'string', value: 'web-1' },
      { key: 'ip', type: 'string', value: '10.0.0.1' },
    ],
  },
};
const child: Span = {
  ...root,
  spanId: '00000000000000b2',
  parentSpanId: root.spanId,
  operationName: 'SELECT orders',
  startTime: START + 100,
  duration: 1_000,
  tags: [],
  logs: [],
  process: { serviceName: 'orders-db', tags: [] },
};

const TAGS_AS_FIELDS = {
  tagsAsFields: {
    all: false,
    include: new Set(['http.method', 'http.status_code', 'hostname']),
    dotReplacement: '@',
  },
};

interface Mapping {
  type?: string;
  format?: string;
  ignore_above?: number;
  properties?: Record<string, Mapping>;
}

describe('ingester index templates on Elasticsearch', () => {
  let es: Client;
  const prefix = `${uniqueName('skein-tpl')}-`;
  const options = { prefix, shards: 1, replicas: 0 };
  const indices: string[] = [];

  before(() => {
    es = createElasticsearch({ url: testStack().elasticsearchUrl });
  });
  after(async () => {
    if (indices.length > 0) await es.indices.delete({ index: indices, ignore_unavailable: true });
    for (const kind of ['span', 'service', 'dependencies']) {
      await es.indices.deleteIndexTemplate({ name: `${prefix}jaeger-${kind}` }, { ignore: [404] });
    }
    await es.close();
  });

  async function put(index: string, id: string, doc: unknown): Promise<void> {
    indices.push(index);
    // Serialised by hand: the client's JSON.stringify would throw on bigint tag values.
    await es.transport.request(
      {
        method: 'PUT',
        path: `/${encodeURIComponent(index)}/_doc/${encodeURIComponent(id)}`,
        querystring: { refresh: 'true' },
        body: stringifyUiJson(doc),
      },
      { headers: { 'content-type': 'application/json' } },
    );
  }

  async function mappingOf(index: string): Promise<Record<string, Mapping>> {
    const response = await es.indices.getMapping({ index });
    const properties = response[index]?.mappings.properties;
    assert.ok(properties, `no mapping for ${index}`);
    return properties as Record<string, Mapping>;
  }

  it('installs the three templates, twice without error, with Jaeger priorities and patterns', async () => {
    const names = [`${prefix}jaeger-span`, `${prefix}jaeger-service`, `${prefix}jaeger-dependencies`];
    assert.deepEqual(await installTemplates(es, options), names);
    assert.deepEqual(await installTemplates(es, options), names);
    const { index_templates: found } = await es.indices.getIndexTemplate({ name: `${prefix}jaeger-*` });
    assert.deepEqual(
      found
        .map((t) => [t.name, t.index_template.index_patterns, t.index_template.priority])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      [
        [`${prefix}jaeger-dependencies`, [`${prefix}jaeger-dependencies-*`], 502],
        [`${prefix}jaeger-service`, [`${prefix}jaeger-service-*`], 501],
        [`${prefix}jaeger-span`, [`${prefix}jaeger-span-*`], 500],
      ],
    );
  });

  it("gives a span index Jaeger's mapping, tags-as-fields as keywords", async () => {
    const index = spanIndex(prefix, START);
    assert.equal(index, `${prefix}jaeger-span-2024-03-10`);
    await put(index, esSpanDocumentId(root), toEsSpan(root, TAGS_AS_FIELDS));
    await put(index, esSpanDocumentId(child), toEsSpan(child, TAGS_AS_FIELDS));

    const settings = await es.indices.getSettings({ index });
    assert.equal(settings[index]?.settings?.index?.number_of_shards, '1');
    assert.equal(settings[index]?.settings?.index?.number_of_replicas, '0');

    const m = await mappingOf(index);
    const keyword = { type: 'keyword', ignore_above: 256 };
    assert.deepEqual(m.traceID, keyword);
    assert.deepEqual(m.spanID, keyword);
    assert.deepEqual(m.parentSpanID, keyword);
    assert.deepEqual(m.operationName, keyword);
    assert.deepEqual(m.startTime, { type: 'long' });
    assert.deepEqual(m.startTimeMillis, { type: 'date', format: 'epoch_millis' });
    assert.deepEqual(m.duration, { type: 'long' });
    assert.equal(m.tags?.type, 'nested');
    assert.deepEqual(m.tags?.properties?.value, keyword);
    assert.equal(m.references?.type, 'nested');
    assert.equal(m.logs?.type, 'nested');
    assert.equal(m.logs?.properties?.fields?.type, 'nested');
    assert.equal(m.process?.properties?.tags?.type, 'nested');
    assert.deepEqual(m.process?.properties?.serviceName, keyword);
    // The dynamic templates make every tag field a keyword, even the integer one.
    assert.deepEqual(m.tag?.properties, { 'http@method': keyword, 'http@status_code': keyword });
    assert.deepEqual(m.process?.properties?.tag?.properties, { hostname: keyword });
  });

  it('finds the span by a nested tag query, a traceID term and a tag field', async () => {
    const index = spanIndex(prefix, START);
    const nested = await es.search<{ spanID: string }>({
      index,
      query: {
        nested: {
          path: 'tags',
          query: {
            bool: {
              must: [{ term: { 'tags.key': 'order.id' } }, { term: { 'tags.value': BIG.toString() } }],
            },
          },
        },
      },
    });
    assert.deepEqual(
      nested.hits.hits.map((h) => h._source?.spanID),
      [root.spanId],
    );

    const byTrace = await es.search<{ spanID: string }>({
      index,
      query: { term: { traceID: '0123456789abcdef' } }, // Jaeger drops a zero high half
      sort: [{ startTime: 'asc' }],
    });
    assert.deepEqual(
      byTrace.hits.hits.map((h) => h._source?.spanID),
      [root.spanId, child.spanId],
    );

    const byField = await es.search<{ spanID: string }>({
      index,
      query: {
        bool: {
          filter: [
            { term: { 'tag.http@status_code': '200' } },
            { term: { 'process.tag.hostname': 'web-1' } },
            { range: { startTimeMillis: { gte: Math.floor(START / 1000), lte: Math.floor(START / 1000) } } },
          ],
        },
      },
    });
    assert.deepEqual(
      byField.hits.hits.map((h) => h._source?.spanID),
      [root.spanId],
    );
  });

  it('writes one service document per pair and day, under its Jaeger _id', async () => {
    const cache = new ServiceOperationCache(100);
    const docs = [root, child, root].flatMap((span) => cache.admitDocument(span, prefix) ?? []);
    assert.equal(docs.length, 2);
    for (const { index, id, doc } of docs) await put(index, id, doc);
    const index = serviceIndex(prefix, START);
    const m = await mappingOf(index);
    assert.deepEqual(m.serviceName, { type: 'keyword', ignore_above: 256 });
    const found = await es.search<{ serviceName: string; operationName: string }>({
      index,
      query: { term: { serviceName: 'frontend' } },
    });
    assert.deepEqual(
      found.hits.hits.map((h) => [h._id, h._source]),
      [[docs[0]?.id, { serviceName: 'frontend', operationName: 'GET /orders' }]],
    );
  });

  it('writes dependencies documents that a Jaeger time-range query reads', async () => {
    const aggregator = new DependencyAggregator({ prefix, instanceId: 'itest' });
    aggregator.add(dependencyLinks([root, child]), START / 1000);
    const [taken] = aggregator.takeDocuments();
    assert.ok(taken);
    assert.equal(taken.index, `${prefix}jaeger-dependencies-2024-03-10`);
    await put(taken.index, taken.id, taken.doc);
    const m = await mappingOf(taken.index);
    assert.deepEqual(m.timestamp, { type: 'date' });
    const found = await es.search<{ dependencies: unknown[] }>({
      index: `${prefix}jaeger-dependencies-*`,
      query: { range: { timestamp: { gte: '2024-03-10T11:00:00Z', lte: '2024-03-10T13:00:00Z' } } },
    });
    assert.deepEqual(
      found.hits.hits.map((h) => h._source?.dependencies),
      [[{ parent: 'frontend', child: 'orders-db', callCount: 1, source: 'skein' }]],
    );
  });
});
