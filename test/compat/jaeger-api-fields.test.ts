// docs/jaeger-compat.md lists every JSON field Jaeger UI and Grafana read from each route, with its type. This test
// reads those tables and checks them against real responses of the query service over real Elasticsearch: every
// documented field appears with a documented type, and every field the service writes is documented.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { installTemplates } from '@skein/ingester';
import { stringifyUiJson, toEsSpan, type Process, type Span } from '@skein/model';
import { bulkLines, esClient } from '../support/ingester.js';
import { startTestQuery, type TestQuery } from '../support/query.js';
import { testStack, uniqueName } from '../support/stack.js';

type JsonType = 'string' | 'number' | 'boolean' | 'array' | 'object' | 'null';

/** Route heading → (JSON path → allowed types), parsed from the document's tables. */
function documentedFields(): Map<string, Map<string, Set<JsonType>>> {
  const text = readFileSync(new URL('../../docs/jaeger-compat.md', import.meta.url), 'utf8');
  const routes = new Map<string, Map<string, Set<JsonType>>>();
  let current: Map<string, Set<JsonType>> | undefined;
  for (const line of text.split('\n')) {
    const heading = /^### `GET (\/api\/[^`]+)`$/.exec(line);
    if (heading) {
      current = new Map();
      routes.set(heading[1] as string, current);
      continue;
    }
    if (line.startsWith('## ')) current = undefined;
    const row = /^\| `([^`]+)` +\| ([a-z ]+?) +\|/.exec(line);
    if (row && current) {
      current.set(row[1] as string, new Set((row[2] as string).split(' or ') as JsonType[]));
    }
  }
  return routes;
}

function typeOf(value: unknown): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value as JsonType;
}

/** Every (path, value) in a JSON document, paths written as the document writes them (`a[].b`, `m.*.c`). */
function walk(
  value: unknown,
  path: string,
  out: Array<[string, unknown]>,
  mapKeys: ReadonlySet<string>,
): void {
  if (path !== '') out.push([path, value]);
  if (Array.isArray(value)) {
    for (const item of value) walk(item, `${path}[]`, out, mapKeys);
  } else if (typeof value === 'object' && value !== null) {
    const isMap = mapKeys.has(path);
    for (const [key, item] of Object.entries(value)) {
      const name = isMap ? '*' : key;
      walk(item, path === '' ? name : `${path}.${name}`, out, mapKeys);
    }
  }
}

const TOKEN = 'compat-test-token';
const DAY = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const NOW = Date.now() * 1000;

describe('docs/jaeger-compat.md against real responses', () => {
  const { elasticsearchUrl } = testStack();
  const prefix = `${uniqueName('qc')}-`;
  const traceId = randomBytes(16).toString('hex');
  const rootId = randomBytes(8).toString('hex');
  const web: Process = { serviceName: 'web', tags: [{ key: 'hostname', type: 'string', value: 'w1' }] };
  const store: Process = { serviceName: 'store', tags: [{ key: 'replicas', type: 'int64', value: 3n }] };
  const spans: Span[] = [
    {
      traceId,
      spanId: rootId,
      operationName: 'GET /cart',
      references: [],
      flags: 1,
      startTime: NOW - 30_000_000,
      duration: 5000,
      tags: [
        { key: 'span.kind', type: 'string', value: 'server' },
        { key: 'error', type: 'bool', value: false },
        { key: 'http.status_code', type: 'int64', value: 200n },
      ],
      logs: [
        { timestamp: NOW - 29_999_000, fields: [{ key: 'event', type: 'string', value: 'cart loaded' }] },
      ],
      process: web,
    },
    {
      traceId,
      spanId: randomBytes(8).toString('hex'),
      parentSpanId: rootId,
      operationName: 'get',
      references: [],
      flags: 1,
      startTime: NOW - 29_999_500,
      duration: 900,
      tags: [
        { key: 'span.kind', type: 'string', value: 'client' },
        { key: 'ratio', type: 'float64', value: 0.5 },
      ],
      logs: [],
      process: store,
    },
    {
      // Its parent never arrived: the response carries a span warning.
      traceId,
      spanId: randomBytes(8).toString('hex'),
      parentSpanId: randomBytes(8).toString('hex'),
      operationName: 'async flush',
      references: [],
      flags: 1,
      startTime: NOW - 29_000_000,
      duration: 100,
      tags: [],
      logs: [],
      process: store,
    },
  ];
  let query: TestQuery;
  /** Route → the responses collected for it, successes and failures. */
  const responses = new Map<string, unknown[]>();

  before(async () => {
    const es = esClient(elasticsearchUrl);
    await installTemplates(es, { prefix, shards: 1, replicas: 0 });
    const day = DAY(Math.floor(NOW / 1000) - 30_000);
    const lines: string[] = [];
    for (const span of spans) {
      lines.push(
        JSON.stringify({ index: { _index: `${prefix}jaeger-span-${day}` } }),
        stringifyUiJson(toEsSpan(span)),
      );
    }
    for (const [serviceName, operationName, spanKind] of [
      ['web', 'GET /cart', 'server'],
      ['store', 'get', 'client'],
    ]) {
      lines.push(
        JSON.stringify({ index: { _index: `${prefix}jaeger-service-${day}` } }),
        JSON.stringify({ serviceName, operationName, spanKind }),
      );
    }
    lines.push(
      JSON.stringify({ index: { _index: `${prefix}jaeger-dependencies-${day}` } }),
      JSON.stringify({
        timestamp: new Date(Math.floor(NOW / 1000) - 30_000).toISOString(),
        dependencies: [{ parent: 'web', child: 'store', callCount: 1 }],
      }),
    );
    // A document no reader can use (its span ID is not hex): the trace carries a warning about it.
    lines.push(
      JSON.stringify({ index: { _index: `${prefix}jaeger-span-${day}` } }),
      stringifyUiJson({ ...toEsSpan(spans[2] as Span), spanID: 'not-hex', tags: [] }),
    );
    await bulkLines(es, lines, true);
    await es.close();
    query = await startTestQuery({
      'es.url': elasticsearchUrl,
      'es.index-prefix': prefix,
      'auth.bearer-token': TOKEN,
    });

    const range = `start=${NOW - 3_600_000_000}&end=${NOW}`;
    const unknown = randomBytes(16).toString('hex');
    const calls: Record<string, string[]> = {
      // Without the token: the error envelope.
      '/api/services': ['/api/services', 'unauthenticated:/api/services'],
      '/api/services/{service}/operations': ['/api/services/web/operations', '/api/services/%ZZ/operations'],
      '/api/operations': ['/api/operations?service=store', '/api/operations'],
      '/api/traces': [
        `/api/traces?service=web&${range}`,
        `/api/traces?traceID=${traceId}&traceID=${unknown}`,
        '/api/traces?service=web&limit=-1',
      ],
      '/api/traces/{traceID}': [`/api/traces/${traceId}`, `/api/traces/${unknown}`],
      '/api/dependencies': [`/api/dependencies?endTs=${Math.floor(NOW / 1000)}`, '/api/dependencies?endTs=x'],
    };
    for (const [route, paths] of Object.entries(calls)) {
      const bodies: unknown[] = [];
      for (const path of paths) {
        const anonymous = path.startsWith('unauthenticated:');
        const headers: Record<string, string> = anonymous ? {} : { authorization: `Bearer ${TOKEN}` };
        bodies.push(
          (await query.get(anonymous ? path.slice('unauthenticated:'.length) : path, headers)).body,
        );
      }
      responses.set(route, bodies);
    }
  });

  after(async () => {
    await query.stop();
  });

  it('documents the six routes', () => {
    assert.deepEqual([...documentedFields().keys()].sort(), [...responses.keys()].sort());
  });

  for (const route of [
    '/api/services',
    '/api/services/{service}/operations',
    '/api/operations',
    '/api/traces',
    '/api/traces/{traceID}',
    '/api/dependencies',
  ]) {
    it(`${route}: every documented field is written with a documented type, and nothing else is written`, () => {
      const documented = documentedFields().get(route);
      assert.ok(documented, `docs/jaeger-compat.md has no table for ${route}`);
      const seen = new Map<string, Set<JsonType>>();
      for (const body of responses.get(route) ?? []) {
        const values: Array<[string, unknown]> = [];
        walk(body, '', values, new Set(['data[].processes']));
        for (const [path, value] of values) {
          const types = seen.get(path) ?? new Set<JsonType>();
          types.add(typeOf(value));
          seen.set(path, types);
        }
      }
      for (const [path, allowed] of documented) {
        const types = seen.get(path);
        assert.ok(types, `${route}: documented field ${path} is in no response`);
        for (const t of types)
          assert.ok(allowed.has(t), `${route}: ${path} is ${t}, documented as ${[...allowed].join(' or ')}`);
      }
      // An element path such as errors[] needs no row of its own when its fields have rows.
      const parentOfDocumented = (path: string) =>
        [...documented.keys()].some((d) => d.startsWith(`${path}.`));
      const undocumented = [...seen.keys()].filter(
        (path) => !documented.has(path) && !parentOfDocumented(path),
      );
      assert.deepEqual(undocumented, [], `${route}: fields written but not documented`);
    });
  }
});
