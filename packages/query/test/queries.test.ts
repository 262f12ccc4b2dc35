import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findTraceIdsBody, storedTraceIdForms, tagCondition, traceSpansBody } from '../src/store/queries.js';

describe('Elasticsearch queries', () => {
  it('matches a tag in every place Jaeger stores one, user values only as term and regexp values', () => {
    const regexp = (field: string) => ({ regexp: { [field]: { value: 'a"b.*', flags: 'NONE' } } });
    const nested = (path: string) => ({
      nested: {
        path,
        query: { bool: { filter: [{ term: { [`${path}.key`]: 'http.url' } }, regexp(`${path}.value`)] } },
      },
    });
    assert.deepEqual(tagCondition('http.url', 'a"b.*', '@'), {
      bool: {
        should: [
          nested('tags'),
          nested('process.tags'),
          nested('logs.fields'),
          regexp('tag.http@url'),
          regexp('process.tag.http@url'),
        ],
        minimum_should_match: 1,
      },
    });
  });

  it('finds trace IDs newest first under every condition at once', () => {
    const body = findTraceIdsBody(
      {
        service: 's',
        operation: 'op',
        tags: [['k', 'v']],
        startMin: 1,
        startMax: 2,
        durationMin: 3,
        durationMax: 4,
        limit: 7,
      },
      '@',
    );
    assert.deepEqual(body, {
      size: 0,
      track_total_hits: false,
      query: {
        bool: {
          filter: [
            { range: { startTime: { gte: 1, lte: 2 } } },
            { term: { 'process.serviceName': 's' } },
            { term: { operationName: 'op' } },
            { range: { duration: { gte: 3, lte: 4 } } },
            tagCondition('k', 'v', '@'),
          ],
        },
      },
      aggs: {
        traceIDs: {
          terms: { field: 'traceID', size: 7, order: { latestStart: 'desc' } },
          aggs: { latestStart: { max: { field: 'startTime' } } },
        },
      },
    });
  });

  it('looks a trace up in every stored form of its ID', () => {
    assert.deepEqual(storedTraceIdForms('00000000000000000000000000000abc'), [
      '0000000000000abc',
      '00000000000000000000000000000abc',
      'abc',
    ]);
    assert.deepEqual(storedTraceIdForms('0000000000000001ffffffffffffffff'), [
      '0000000000000001ffffffffffffffff',
      '1ffffffffffffffff',
    ]);
    assert.deepEqual(storedTraceIdForms('a0000000000000000000000000000001'), [
      'a0000000000000000000000000000001',
    ]);
    assert.deepEqual(traceSpansBody('a0000000000000000000000000000001', 10, [5, 'x']), {
      size: 10,
      track_total_hits: false,
      query: { bool: { filter: [{ terms: { traceID: ['a0000000000000000000000000000001'] } }] } },
      sort: [{ startTime: 'asc' }, { spanID: 'asc' }],
      search_after: [5, 'x'],
    });
  });
});
