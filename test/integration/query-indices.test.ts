// The query service over indices it did not write: Jaeger 1.x documents (values as strings, trace IDs without
// leading zeros, no span kinds, duplicates under random _ids), read aliases (rollover), and which daily indices a
// time-bounded search touches. Also its access controls: bearer token, CORS, methods.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { installTemplates } from '@skein/ingester';
import { esClient } from '../support/ingester.js';
import { startTestQuery, type TestQuery } from '../support/query.js';
import { testStack, uniqueName } from '../support/stack.js';

const DAY_MS = 86_400_000;
const NOW_MS = Date.now();
const day = (ms: number) => new Date(Math.floor(ms / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
const T = (NOW_MS - 60_000) * 1000; // µs, a minute ago

/** A span document as Jaeger 1.x wrote it: every value a string, the trace ID's leading zeros dropped. */
function jaegerDoc(
  spanID: string,
  operationName: string,
  startTime: number,
  extra: Record<string, unknown> = {},
) {
  return {
    traceID: 'abc123def',
    spanID,
    flags: 1,
    operationName,
    references: [],
    startTime,
    startTimeMillis: Math.floor(startTime / 1000),
    duration: 1500,
    tags: [
      { key: 'span.kind', type: 'string', value: 'server' },
      { key: 'http.status_code', type: 'int64', value: '500' },
      { key: 'error', type: 'bool', value: 'true' },
      { key: 'sampler.param', type: 'float64', value: '0.5' },
    ],
    logs: [],
    process: { serviceName: 'legacy', tags: [{ key: 'ip', type: 'string', value: '10.0.0.1' }] },
    ...extra,
  };
}

describe('query service over indices Jaeger wrote', () => {
  const { elasticsearchUrl } = testStack();
  const prefix = `${uniqueName('qj')}-`;
  const aliasPrefix = `${uniqueName('qa')}-`;
  let query: TestQuery;
  let aliased: TestQuery;

  before(async () => {
    const es = esClient(elasticsearchUrl);
    for (const p of [prefix, aliasPrefix]) await installTemplates(es, { prefix: p, shards: 1, replicas: 0 });
    const today = `${prefix}jaeger-span-${day(NOW_MS)}`;
    const root = jaegerDoc('1', 'GET /legacy', T);
    const child = jaegerDoc('2', 'SELECT', T + 100, {
      references: [{ refType: 'CHILD_OF', traceID: 'abc123def', spanID: '1' }],
      tags: [{ key: 'db.statement', type: 'string', value: 'SELECT 1' }],
    });
    // The decoy starts inside every search range below, but lives in an index three days old: a search bounded
    // by time must not read it; a lookup by ID (no range) reads every index and finds it.
    const decoy = { ...jaegerDoc('d', 'GET /legacy', T + 200), traceID: 'dec0' };
    await es.bulk({
      refresh: true,
      operations: [
        // Jaeger indexes spans under random _ids, so a retried write leaves an exact duplicate.
        { index: { _index: today } },
        root,
        { index: { _index: today } },
        root,
        { index: { _index: today } },
        child,
        { index: { _index: `${prefix}jaeger-span-${day(NOW_MS - 3 * DAY_MS)}` } },
        decoy,
        { index: { _index: `${prefix}jaeger-service-${day(NOW_MS)}` } },
        { serviceName: 'legacy', operationName: 'GET /legacy' },
        { index: { _index: `${prefix}jaeger-service-${day(NOW_MS)}` } },
        { serviceName: 'legacy', operationName: 'SELECT' },
        // Rollover layout: indices of any name behind the read aliases.
        { index: { _index: `${aliasPrefix}jaeger-span-000001` } },
        root,
        { index: { _index: `${aliasPrefix}jaeger-service-000001` } },
        { serviceName: 'legacy', operationName: 'GET /legacy' },
      ],
    });
    await es.indices.updateAliases({
      actions: [
        { add: { index: `${aliasPrefix}jaeger-span-000001`, alias: `${aliasPrefix}jaeger-span-read` } },
        { add: { index: `${aliasPrefix}jaeger-service-000001`, alias: `${aliasPrefix}jaeger-service-read` } },
      ],
    });
    await es.close();
    query = await startTestQuery({ 'es.url': elasticsearchUrl, 'es.index-prefix': prefix });
    aliased = await startTestQuery({
      'es.url': elasticsearchUrl,
      'es.index-prefix': aliasPrefix,
      'es.use-aliases': true,
    });
  });

  after(async () => {
    await query.stop();
    await aliased.stop();
  });

  it('reads Jaeger 1.x documents: string values, short trace IDs, no span kinds, duplicates removed', async () => {
    const { status, body } = await query.get('/api/traces/0000000abc123def');
    assert.equal(status, 200);
    assert.deepEqual(body, {
      data: [
        {
          traceID: '0000000abc123def',
          spans: [
            {
              traceID: '0000000abc123def',
              spanID: '0000000000000001',
              flags: 1,
              operationName: 'GET /legacy',
              references: [],
              startTime: T,
              duration: 1500,
              tags: [
                { key: 'span.kind', type: 'string', value: 'server' },
                { key: 'http.status_code', type: 'int64', value: 500 },
                { key: 'error', type: 'bool', value: true },
                { key: 'sampler.param', type: 'float64', value: 0.5 },
              ],
              logs: [],
              processID: 'p1',
              warnings: null,
            },
            {
              traceID: '0000000abc123def',
              spanID: '0000000000000002',
              flags: 1,
              operationName: 'SELECT',
              references: [{ refType: 'CHILD_OF', traceID: '0000000abc123def', spanID: '0000000000000001' }],
              startTime: T + 100,
              duration: 1500,
              tags: [{ key: 'db.statement', type: 'string', value: 'SELECT 1' }],
              logs: [],
              processID: 'p1',
              warnings: null,
            },
          ],
          processes: {
            p1: { serviceName: 'legacy', tags: [{ key: 'ip', type: 'string', value: '10.0.0.1' }] },
          },
          warnings: null,
        },
      ],
      total: 0,
      limit: 0,
      offset: 0,
      errors: null,
    });
    assert.deepEqual((await query.get('/api/operations?service=legacy')).body, {
      data: [
        { name: 'GET /legacy', spanKind: '' },
        { name: 'SELECT', spanKind: '' },
      ],
      total: 2,
      limit: 0,
      offset: 0,
      errors: null,
    });
    const tagged = await query.get(
      `/api/traces?service=legacy&start=${T - 1_000_000}&end=${T + 1_000_000}&tag=http.status_code:5.*&tag=error:true`,
    );
    assert.deepEqual(
      (tagged.body as { data: Array<{ traceID: string }> }).data.map((t) => t.traceID),
      ['0000000abc123def'],
    );
  });

  it('reads only the daily indices of a search range, and every index for a lookup by ID', async () => {
    const found = await query.get(
      `/api/traces?service=legacy&start=${T - 3_600_000_000}&end=${T + 3_600_000_000}`,
    );
    assert.deepEqual(
      (found.body as { data: Array<{ traceID: string }> }).data.map((t) => t.traceID),
      ['0000000abc123def'],
    );
    const decoy = await query.get('/api/traces/dec0');
    assert.equal(decoy.status, 200);
    const ranged = await query.get(`/api/traces/dec0?start=${T - 3_600_000_000}&end=${T + 3_600_000_000}`);
    assert.equal(ranged.status, 404);
  });

  it('reads through read aliases in rollover mode', async () => {
    assert.deepEqual((await aliased.get('/api/services')).body, {
      data: ['legacy'],
      total: 1,
      limit: 0,
      offset: 0,
      errors: null,
    });
    const found = await aliased.get(`/api/traces?service=legacy&start=${T - 1000}&end=${T + 1000}`);
    assert.deepEqual(
      (found.body as { data: Array<{ spans: unknown[] }> }).data.map((t) => t.spans.length),
      [1],
    );
    assert.equal((await aliased.get('/api/traces/abc123def')).status, 200);
  });
});

describe('query service access', () => {
  const { elasticsearchUrl } = testStack();
  let query: TestQuery;

  before(async () => {
    query = await startTestQuery({
      'es.url': elasticsearchUrl,
      'es.index-prefix': `${uniqueName('qs')}-`,
      'auth.bearer-token': 's3cret-token',
      'http.cors.allowed-origins': 'https://grafana.example.com',
    });
  });

  after(async () => {
    await query.stop();
  });

  it('requires the bearer token on the API when one is configured', async () => {
    const denied = await query.get('/api/services');
    assert.equal(denied.status, 401);
    assert.equal(denied.headers.get('www-authenticate'), 'Bearer realm="skein"');
    assert.deepEqual(denied.body, {
      data: null,
      total: 0,
      limit: 0,
      offset: 0,
      errors: [{ code: 401, msg: 'missing or invalid bearer token: send "Authorization: Bearer <token>"' }],
    });
    assert.equal((await query.get('/api/services', { authorization: 'Bearer wrong' })).status, 401);
    const allowed = await query.get('/api/services', { authorization: 'Bearer s3cret-token' });
    assert.equal(allowed.status, 200);
    assert.deepEqual(allowed.body, { data: [], total: 0, limit: 0, offset: 0, errors: null });
  });

  it('answers CORS for the allowed origin only, preflight without a token', async () => {
    const preflight = await fetch(`http://127.0.0.1:${query.httpPort}/api/traces`, {
      method: 'OPTIONS',
      headers: { origin: 'https://grafana.example.com', 'access-control-request-headers': 'authorization' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://grafana.example.com');
    assert.equal(preflight.headers.get('access-control-allow-headers'), 'authorization, content-type');
    const other = await query.get('/api/services', {
      origin: 'https://evil.example.com',
      authorization: 'Bearer s3cret-token',
    });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  });

  it('is read-only and pretty-prints on request', async () => {
    const post = await fetch(`http://127.0.0.1:${query.httpPort}/api/services`, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD, OPTIONS');
    const pretty = await fetch(`http://127.0.0.1:${query.httpPort}/api/services?prettyPrint=true`, {
      headers: { authorization: 'Bearer s3cret-token' },
    });
    assert.equal(
      await pretty.text(),
      '{\n    "data": [],\n    "total": 0,\n    "limit": 0,\n    "offset": 0,\n    "errors": null\n}',
    );
  });
});
