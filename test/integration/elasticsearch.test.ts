// Proves the devstack's Elasticsearch is real: mappings, bulk indexing, nested and term queries, aggregations.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@elastic/elasticsearch';
import { ELASTICSEARCH_VERSION } from '@skein/devstack';
import { createElasticsearch } from '@skein/runtime';
import { testStack, uniqueName } from '../support/stack.js';

describe(`Elasticsearch ${ELASTICSEARCH_VERSION} from the devstack`, () => {
  let es: Client;
  const index = uniqueName('skein-test-spans');

  before(() => {
    es = createElasticsearch({ url: testStack().elasticsearchUrl });
  });
  after(async () => {
    await es.indices.delete({ index, ignore_unavailable: true });
    await es.close();
  });

  it('reports its version and a healthy single-node cluster', async () => {
    const health = await es.cluster.health();
    assert.ok(health.status === 'green' || health.status === 'yellow');
    assert.equal(health.number_of_nodes, 1);
    const nodes = await es.nodes.info({ metric: 'jvm' });
    const node = Object.values(nodes.nodes)[0];
    assert.equal(node?.version, ELASTICSEARCH_VERSION);
  });

  it('creates an index, bulk-indexes documents and searches them back', async () => {
    await es.indices.create({
      index,
      settings: { number_of_shards: 1, number_of_replicas: 0 },
      mappings: {
        dynamic: false,
        properties: {
          traceID: { type: 'keyword' },
          operationName: { type: 'keyword' },
          duration: { type: 'long' },
          startTime: { type: 'long' },
          tags: { type: 'nested', properties: { key: { type: 'keyword' }, value: { type: 'keyword' } } },
        },
      },
    });
    const docs = Array.from({ length: 100 }, (_, i) => ({
      traceID: (i % 10).toString(16).padStart(32, '0'),
      operationName: i % 2 === 0 ? 'GET /orders' : 'POST /pay',
      duration: 1000 + i,
      startTime: 1_700_000_000_000_000 + i,
      tags: [
        { key: 'http.status_code', value: i % 25 === 0 ? '500' : '200' },
        { key: 'peer', value: `host-${i % 3}` },
      ],
    }));
    const bulk = await es.bulk({
      refresh: 'wait_for',
      operations: docs.flatMap((doc, i) => [{ index: { _index: index, _id: `${doc.traceID}-${i}` } }, doc]),
    });
    assert.equal(bulk.errors, false);
    assert.equal(bulk.items.length, 100);

    assert.equal((await es.count({ index })).count, 100);

    const byOperation = await es.search({
      index,
      size: 0,
      query: { term: { operationName: 'POST /pay' } },
      track_total_hits: true,
    });
    assert.deepEqual(byOperation.hits.total, { value: 50, relation: 'eq' });

    // Both tags must match on the same nested entry set of one document: what tag search relies on.
    const errors = await es.search<{ duration: number }>({
      index,
      size: 10,
      sort: [{ duration: 'asc' }],
      query: {
        bool: {
          must: [
            {
              nested: {
                path: 'tags',
                query: {
                  bool: {
                    must: [{ term: { 'tags.key': 'http.status_code' } }, { term: { 'tags.value': '500' } }],
                  },
                },
              },
            },
            { range: { duration: { gte: 1030 } } },
          ],
        },
      },
    });
    assert.deepEqual(
      errors.hits.hits.map((h) => h._source?.duration),
      [1050, 1075],
    );

    const traces = await es.search({
      index,
      size: 0,
      aggs: {
        traces: { terms: { field: 'traceID', size: 20 }, aggs: { longest: { max: { field: 'duration' } } } },
      },
    });
    const buckets = (
      traces.aggregations?.traces as {
        buckets: Array<{ key: string; doc_count: number; longest: { value: number } }>;
      }
    ).buckets;
    assert.equal(buckets.length, 10);
    assert.ok(buckets.every((b) => b.doc_count === 10));
    const nine = buckets.find((b) => b.key === '9'.padStart(32, '0'));
    assert.equal(nine?.longest.value, 1099);
  });
});
