import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findInTrace, indexTrace, queryWords } from '../src/lib/find.js';
import { buildTree } from '../src/lib/tree.js';
import { trace } from './spans.js';

describe('findInTrace', () => {
  const t = trace(
    [
      { id: 'aaaa000000000001', start: 0, duration: 100, op: 'GET /cart' },
      {
        id: 'aaaa000000000002',
        parent: 'aaaa000000000001',
        start: 10,
        duration: 50,
        op: 'SELECT',
        process: 'p2',
        tags: [{ key: 'db.statement', type: 'string', value: 'SELECT * FROM carts' }],
      },
      {
        id: 'aaaa000000000003',
        parent: 'aaaa000000000001',
        start: 70,
        duration: 10,
        op: 'cache get',
        process: 'p2',
        tags: [{ key: 'http.status_code', type: 'int64', value: 503 }],
      },
    ],
    { p1: 'frontend', p2: 'carts-db' },
  );
  t.spans[0]?.logs.push({ timestamp: 5, fields: [{ key: 'event', type: 'string', value: 'Cache Miss' }] });
  const tree = buildTree(t.spans);
  const texts = indexTrace(t);
  const find = (q: string) => findInTrace(tree, texts, q).map((i) => t.spans[i]?.operationName);

  it('matches service, operation, span ID, tags and log fields, ignoring case', () => {
    assert.deepEqual(find('carts-db'), ['SELECT', 'cache get']);
    assert.deepEqual(find('select'), ['SELECT']);
    assert.deepEqual(find('000000000003'), ['cache get']);
    assert.deepEqual(find('http.status_code=503'), ['cache get']);
    assert.deepEqual(find('cache miss'), ['GET /cart']);
    assert.deepEqual(find('cache'), ['GET /cart', 'cache get']);
    assert.deepEqual(find('event=cache'), ['GET /cart']);
  });

  it('needs every word to match, and nothing for an empty query', () => {
    assert.deepEqual(find('carts-db 503'), ['cache get']);
    assert.deepEqual(find('   '), []);
    assert.deepEqual(queryWords(' A  b '), ['a', 'b']);
  });
});
