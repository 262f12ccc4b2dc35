// The query service's HTTP API over traces written by the real ingester (Kafka → Elasticsearch), checked route by
// route with exact JSON: tag searches (span tags, process tags, log fields; string, bool, numeric; nested and
// tags-as-fields layouts), durations, limit, a trace across midnight, unknown services and traces, and errors.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Process, Span } from '@skein/model';
import { metricValue } from '../support/agent.js';
import { createTopic } from '../support/kafka.js';
import {
  countDocs,
  esClient,
  produce,
  startTestIngester,
  toMessages,
  type GeneratedTrace,
} from '../support/ingester.js';
import { startTestQuery, type TestQuery } from '../support/query.js';
import { eventually, testStack, uniqueName } from '../support/stack.js';

const DAY_MS = 86_400_000;
const MIDNIGHT_MS = Math.floor(Date.now() / DAY_MS) * DAY_MS;
const M = MIDNIGHT_MS * 1000; // µs
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

const frontendA: Process = {
  serviceName: 'frontend',
  tags: [{ key: 'hostname', type: 'string', value: 'host-a' }],
};
const frontendC: Process = {
  serviceName: 'frontend',
  tags: [{ key: 'hostname', type: 'string', value: 'host-c' }],
};
const backend: Process = {
  serviceName: 'backend',
  tags: [{ key: 'hostname', type: 'string', value: 'host-b' }],
};

function span(
  traceId: string,
  fields: Partial<Span> & Pick<Span, 'operationName' | 'startTime' | 'duration' | 'process'>,
): Span {
  return { traceId, spanId: hex(8), references: [], flags: 1, tags: [], logs: [], ...fields };
}

// T1 crosses midnight: its root starts yesterday (UTC), its child today, so its spans live in two daily indices.
const t1Id = `${hex(8)}${hex(8)}`;
const t1Root = span(t1Id, {
  operationName: 'GET /dispatch',
  startTime: M - 10_000,
  duration: 20_000,
  process: frontendA,
  tags: [
    { key: 'span.kind', type: 'string', value: 'server' },
    { key: 'http.method', type: 'string', value: 'GET' },
    { key: 'http.status_code', type: 'int64', value: 200n },
  ],
});
const t1Child = span(t1Id, {
  operationName: 'SELECT customers',
  startTime: M + 5_000,
  duration: 4_000,
  process: backend,
  parentSpanId: t1Root.spanId,
  tags: [
    { key: 'span.kind', type: 'string', value: 'client' },
    { key: 'db.type', type: 'string', value: 'sql' },
  ],
});

// T2: a log with fields, a float, the largest int64, a literal "a*b", and a span whose parent never arrived.
const t2Id = hex(16);
const t2Root = span(t2Id, {
  operationName: 'GET /customer',
  startTime: M + 1_000_000,
  duration: 3_000,
  process: frontendA,
  tags: [
    { key: 'span.kind', type: 'string', value: 'server' },
    { key: 'http.method', type: 'string', value: 'GET' },
    { key: 'pattern', type: 'string', value: 'a*b' },
    { key: 'ratio', type: 'float64', value: 0.25 },
    { key: 'big', type: 'int64', value: 9223372036854775807n },
  ],
  logs: [
    {
      timestamp: M + 1_000_100,
      fields: [
        { key: 'event', type: 'string', value: 'cache miss' },
        { key: 'size', type: 'int64', value: 42n },
      ],
    },
  ],
});
const missingParent = hex(8);
const t2Orphan = span(t2Id, {
  operationName: 'load profile',
  startTime: M + 1_000_500,
  duration: 800,
  process: backend,
  parentSpanId: missingParent,
  tags: [{ key: 'span.kind', type: 'string', value: 'internal' }],
});

// T3: the newest and shortest; an error, a 503 and "aab"; a different frontend host.
const t3Id = hex(16);
const t3Root = span(t3Id, {
  operationName: 'GET /dispatch',
  startTime: M + 2_000_000,
  duration: 1_200,
  process: frontendC,
  tags: [
    { key: 'span.kind', type: 'string', value: 'server' },
    { key: 'http.method', type: 'string', value: 'POST' },
    { key: 'error', type: 'bool', value: true },
    { key: 'http.status_code', type: 'int64', value: 503n },
    { key: 'pattern', type: 'string', value: 'aab' },
  ],
});
const t3Child = span(t3Id, {
  operationName: 'cache get',
  startTime: M + 2_000_100,
  duration: 300,
  process: backend,
  parentSpanId: t3Root.spanId,
  tags: [{ key: 'span.kind', type: 'string', value: 'client' }],
});

const TRACES: GeneratedTrace[] = [
  { traceId: t1Id, spans: [t1Root, t1Child] },
  { traceId: t2Id, spans: [t2Root, t2Orphan] },
  { traceId: t3Id, spans: [t3Root, t3Child] },
];
const SPAN_COUNT = 6;
const RANGE = `start=${M - 3_600_000_000}&end=${M + 3_600_000_000}`;

/** The trace IDs a search returns, in order. */
function ids(body: unknown): string[] {
  return (body as { data: Array<{ traceID: string }> }).data.map((t) => t.traceID);
}

function search(query: string): string {
  return `/api/traces?service=frontend&${RANGE}&${query}`;
}

describe('query service HTTP API', () => {
  const { kafkaBrokers, elasticsearchUrl } = testStack();
  const nestedPrefix = `${uniqueName('q')}-`;
  const fieldsPrefix = `${uniqueName('qf')}-`;
  let query: TestQuery;
  let fieldsQuery: TestQuery;
  const stops: Array<() => Promise<void>> = [];

  before(async () => {
    const topic = uniqueName('skein-query');
    await createTopic(kafkaBrokers, topic, 2);
    await produce(kafkaBrokers, topic, toMessages(TRACES));
    const es = esClient(elasticsearchUrl);
    const common = {
      'kafka.brokers': kafkaBrokers.join(','),
      'kafka.topic': topic,
      'es.url': elasticsearchUrl,
      'dependencies.window': '200ms',
      'dependencies.flush-interval': '200ms',
    };
    for (const [prefix, extra] of [
      [nestedPrefix, {}],
      [fieldsPrefix, { 'es.tags-as-fields.all': true }],
    ] as const) {
      const ingester = await startTestIngester({
        ...common,
        ...extra,
        'kafka.group-id': uniqueName('skein-query-group'),
        'es.index-prefix': prefix,
      });
      stops.push(() => ingester.stop());
      await eventually(
        `${SPAN_COUNT} spans, 6 service documents and the dependencies in ${prefix}*`,
        async () => {
          const spans = await countDocs(es, `${prefix}jaeger-span-*`);
          const deps = await countDocs(es, `${prefix}jaeger-dependencies-*`);
          // One per (service, operation, kind, day): GET /dispatch is in yesterday's index (T1) and today's (T3).
          const services = await countDocs(es, `${prefix}jaeger-service-*`);
          return spans === SPAN_COUNT && deps >= 1 && services === 6 ? true : undefined;
        },
      );
    }
    await es.close();
    query = await startTestQuery({ 'es.url': elasticsearchUrl, 'es.index-prefix': nestedPrefix });
    fieldsQuery = await startTestQuery({ 'es.url': elasticsearchUrl, 'es.index-prefix': fieldsPrefix });
    stops.push(
      () => query.stop(),
      () => fieldsQuery.stop(),
    );
  });

  after(async () => {
    for (const stop of stops.reverse()) await stop();
  });

  it('lists services and operations, with span kinds', async () => {
    assert.deepEqual((await query.get('/api/services')).body, {
      data: ['backend', 'frontend'],
      total: 2,
      limit: 0,
      offset: 0,
      errors: null,
    });
    assert.deepEqual((await query.get('/api/services/frontend/operations')).body, {
      data: ['GET /customer', 'GET /dispatch'],
      total: 2,
      limit: 0,
      offset: 0,
      errors: null,
    });
    assert.deepEqual((await query.get('/api/operations?service=backend')).body, {
      data: [
        { name: 'SELECT customers', spanKind: 'client' },
        { name: 'cache get', spanKind: 'client' },
        { name: 'load profile', spanKind: 'internal' },
      ],
      total: 3,
      limit: 0,
      offset: 0,
      errors: null,
    });
    assert.deepEqual((await query.get('/api/operations?service=backend&spanKind=internal')).body, {
      data: [{ name: 'load profile', spanKind: 'internal' }],
      total: 1,
      limit: 0,
      offset: 0,
      errors: null,
    });
    assert.deepEqual((await query.get('/api/operations?service=nobody')).body, {
      data: [],
      total: 0,
      limit: 0,
      offset: 0,
      errors: null,
    });
  });

  it('returns a trace by ID as Jaeger UI reads it, across two daily indices', async () => {
    const expected = {
      data: [
        {
          traceID: t1Id,
          spans: [
            {
              traceID: t1Id,
              spanID: t1Root.spanId,
              flags: 1,
              operationName: 'GET /dispatch',
              references: [],
              startTime: M - 10_000,
              duration: 20_000,
              tags: [
                { key: 'span.kind', type: 'string', value: 'server' },
                { key: 'http.method', type: 'string', value: 'GET' },
                { key: 'http.status_code', type: 'int64', value: 200 },
              ],
              logs: [],
              processID: 'p1',
              warnings: null,
            },
            {
              traceID: t1Id,
              spanID: t1Child.spanId,
              flags: 1,
              operationName: 'SELECT customers',
              references: [{ refType: 'CHILD_OF', traceID: t1Id, spanID: t1Root.spanId }],
              startTime: M + 5_000,
              duration: 4_000,
              tags: [
                { key: 'span.kind', type: 'string', value: 'client' },
                { key: 'db.type', type: 'string', value: 'sql' },
              ],
              logs: [],
              processID: 'p2',
              warnings: null,
            },
          ],
          processes: {
            p1: { serviceName: 'frontend', tags: [{ key: 'hostname', type: 'string', value: 'host-a' }] },
            p2: { serviceName: 'backend', tags: [{ key: 'hostname', type: 'string', value: 'host-b' }] },
          },
          warnings: null,
        },
      ],
      total: 0,
      limit: 0,
      offset: 0,
      errors: null,
    };
    assert.deepEqual((await query.get(`/api/traces/${t1Id}`)).body, expected);
    assert.deepEqual((await query.get(`/api/traces/${t1Id.toUpperCase()}?${RANGE}`)).body, expected);
    // Only today's index in the range: found by its child, and the root comes from yesterday's index.
    const today = await query.get(`/api/traces?service=backend&start=${M}&end=${M + 3_600_000_000}`);
    assert.deepEqual(ids(today.body), [t3Id, t2Id, t1Id]);
    const t1 = (today.body as { data: Array<{ traceID: string; spans: unknown[] }> }).data[2];
    assert.equal(t1?.spans.length, 2);
    // Only yesterday's index: the root alone matches, and the whole trace comes back.
    const yesterday = await query.get(
      `/api/traces?service=frontend&start=${M - 3_600_000_000}&end=${M - 1}&operation=${encodeURIComponent('GET /dispatch')}`,
    );
    assert.deepEqual(ids(yesterday.body), [t1Id]);
  });

  it('keeps int64, float, bool and log values exact, and warns about a missing parent', async () => {
    const { status, body } = await query.get(`/api/traces/${t2Id}`);
    assert.equal(status, 200);
    const trace = (body as { data: Array<{ spans: Array<Record<string, unknown>>; processes: unknown }> })
      .data[0];
    assert.ok(trace);
    assert.deepEqual(trace.spans[0]?.tags, [
      { key: 'span.kind', type: 'string', value: 'server' },
      { key: 'http.method', type: 'string', value: 'GET' },
      { key: 'pattern', type: 'string', value: 'a*b' },
      { key: 'ratio', type: 'float64', value: 0.25 },
      { key: 'big', type: 'int64', value: '9223372036854775807' },
    ]);
    assert.deepEqual(trace.spans[0]?.logs, [
      {
        timestamp: M + 1_000_100,
        fields: [
          { key: 'event', type: 'string', value: 'cache miss' },
          { key: 'size', type: 'int64', value: 42 },
        ],
      },
    ]);
    assert.deepEqual(trace.spans[1]?.references, [
      { refType: 'CHILD_OF', traceID: t2Id, spanID: missingParent },
    ]);
    assert.deepEqual(trace.spans[1]?.warnings, [
      `parent span ID=${missingParent} is not in the trace; skipping clock skew adjustment`,
    ]);
  });

  it('finds traces newest first, bounded by limit and durations', async () => {
    assert.deepEqual(ids((await query.get(search(''))).body), [t3Id, t2Id, t1Id]);
    assert.deepEqual(ids((await query.get(search('limit=2'))).body), [t3Id, t2Id]);
    assert.deepEqual(ids((await query.get(search('minDuration=2ms'))).body), [t2Id, t1Id]);
    assert.deepEqual(ids((await query.get(search('maxDuration=2ms'))).body), [t3Id]);
    assert.deepEqual(ids((await query.get(search('minDuration=2ms&maxDuration=10ms'))).body), [t2Id]);
    assert.deepEqual(ids((await query.get(search('minDuration=1.2ms&maxDuration=1200us'))).body), [t3Id]);
    assert.deepEqual(
      ids((await query.get(search(`operation=${encodeURIComponent('GET /dispatch')}`))).body),
      [t3Id, t1Id],
    );
    const body = (await query.get(search('limit=1'))).body as Record<string, unknown>;
    assert.deepEqual(
      { ...body, data: undefined },
      { data: undefined, total: 0, limit: 0, offset: 0, errors: null },
    );
  });

  const tagCases: Array<[string, string[]]> = [
    ['tag=http.method:GET', [t2Id, t1Id]],
    ['tag=http.method:G.*', [t2Id, t1Id]],
    ['tag=http.method:G', []],
    [`tag=${encodeURIComponent('pattern:a\\*b')}`, [t2Id]],
    [`tag=${encodeURIComponent('pattern:a*b')}`, [t3Id]],
    ['tag=error:true', [t3Id]],
    ['tag=http.status_code:5..', [t3Id]],
    ['tag=http.status_code:200', [t1Id]],
    [`tag=${encodeURIComponent('ratio:0\\.25')}`, [t2Id]],
    ['tag=big:9223372036854775807', [t2Id]],
    ['tag=hostname:host-c', [t3Id]],
    ['tag=hostname:host-.', [t3Id, t2Id, t1Id]],
    [`tag=${encodeURIComponent('event:cache.*')}`, [t2Id]],
    ['tag=size:42', [t2Id]],
    [`tags=${encodeURIComponent('{"http.method":"GET","hostname":"host-a"}')}`, [t2Id, t1Id]],
    [`tags=${encodeURIComponent('{"http.method":"GET"}')}&tag=error:true`, []],
    ['tag=nosuchtag:.*', []],
  ];

  for (const [layout, client] of [
    ['nested tags', () => query],
    ['tags-as-fields', () => fieldsQuery],
  ] as const) {
    it(`matches tag values as regular expressions in span tags, process tags and log fields (${layout})`, async () => {
      for (const [q, expected] of tagCases) {
        const { status, body } = await client().get(search(q));
        assert.equal(status, 200, q);
        assert.deepEqual(ids(body), expected, q);
      }
      // Tags on two different spans of one trace never match together.
      const split = encodeURIComponent('{"http.method":"GET","db.type":"sql"}');
      for (const service of ['frontend', 'backend']) {
        const { body } = await client().get(`/api/traces?service=${service}&${RANGE}&tags=${split}`);
        assert.deepEqual(ids(body), [], service);
      }
    });
  }

  it('reads tags-as-fields documents back into the same tags', async () => {
    const nested = (await query.get(`/api/traces/${t2Id}`)).body as {
      data: Array<{ spans: Array<{ tags: unknown[] }> }>;
    };
    const fields = (await fieldsQuery.get(`/api/traces/${t2Id}`)).body as typeof nested;
    const sorted = (tags: unknown[] | undefined) => [...(tags ?? [])].map((t) => JSON.stringify(t)).sort();
    assert.deepEqual(sorted(fields.data[0]?.spans[0]?.tags), sorted(nested.data[0]?.spans[0]?.tags));
  });

  it('answers unknown services and traces as Jaeger does', async () => {
    assert.deepEqual((await query.get(`/api/traces?service=nobody&${RANGE}`)).body, {
      data: [],
      total: 0,
      limit: 0,
      offset: 0,
      errors: null,
    });
    const unknown = hex(16);
    const missing = await query.get(`/api/traces/${unknown}`);
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body, {
      data: null,
      total: 0,
      limit: 0,
      offset: 0,
      errors: [{ code: 404, msg: 'trace not found' }],
    });
    const several = await query.get(`/api/traces?traceID=${t3Id}&traceID=${unknown}`);
    assert.equal(several.status, 200);
    const body = several.body as { data: Array<{ traceID: string }>; errors: unknown };
    assert.deepEqual(
      body.data.map((t) => t.traceID),
      [t3Id],
    );
    assert.deepEqual(body.errors, [{ msg: 'trace not found', traceID: unknown }]);
  });

  it('answers every invalid parameter with 400 and a message', async () => {
    const cases: Array<[string, string]> = [
      ['/api/traces', "parameter 'service' is required"],
      ['/api/traces?service=a&limit=x', `parameter 'limit' must be an integer from 0 to 1500, got "x"`],
      [
        '/api/traces?service=a&minDuration=5',
        `parameter 'minDuration' must be a non-negative duration such as 500us, 1.2ms, 2s or 1m30s, got "5"`,
      ],
      ['/api/traces/not-hex', 'traceID must be 1 to 32 hexadecimal characters, got "not-hex"'],
      ['/api/operations', "parameter 'service' is required"],
      [
        '/api/operations?service=a&spanKind=sideways',
        `parameter 'spanKind' must be one of server, client, producer, consumer, internal, got "sideways"`,
      ],
      [
        '/api/dependencies?endTs=x',
        `parameter 'endTs' must be an integer number of milliseconds since the epoch, got "x"`,
      ],
    ];
    for (const [path, msg] of cases) {
      const { status, body } = await query.get(path);
      assert.equal(status, 400, path);
      assert.deepEqual(
        body,
        { data: null, total: 0, limit: 0, offset: 0, errors: [{ code: 400, msg }] },
        path,
      );
    }
    const regex = await query.get(search(`tag=${encodeURIComponent('http.method:[')}`));
    assert.equal(regex.status, 400);
    assert.match(
      (regex.body as { errors: Array<{ msg: string }> }).errors[0]?.msg ?? '',
      /^a tag value is not a valid regular expression \(Lucene syntax; .*\): .*end-of-string/,
    );
    const route = await query.get('/api/nothing');
    assert.equal(route.status, 404);
    assert.deepEqual(route.body, {
      data: null,
      total: 0,
      limit: 0,
      offset: 0,
      errors: [{ code: 404, msg: 'no API route /api/nothing' }],
    });
  });

  it('returns dependency links summed per parent and child', async () => {
    const endTs = MIDNIGHT_MS + 3_600_000;
    const all = await query.get(`/api/dependencies?endTs=${endTs}&lookback=${2 * 3_600_000}`);
    assert.deepEqual(all.body, {
      data: [{ parent: 'frontend', child: 'backend', callCount: 2 }],
      total: 0,
      limit: 0,
      offset: 0,
      errors: null,
    });
    const filtered = await query.get(
      `/api/dependencies?endTs=${endTs}&lookback=${2 * 3_600_000}&service=nobody`,
    );
    assert.deepEqual((filtered.body as { data: unknown }).data, []);
    const before = await query.get(`/api/dependencies?endTs=${MIDNIGHT_MS - 2 * 3_600_000}&lookback=3600000`);
    assert.deepEqual((before.body as { data: unknown }).data, []);
  });

  it('measures each route', async () => {
    const text = await (await fetch(`http://127.0.0.1:${query.adminPort}/metrics`)).text();
    assert.ok(metricValue(text, 'skein_query_request_latency_seconds_count', 'route="/api/traces"') >= 15);
    assert.ok(
      metricValue(text, 'skein_query_requests_total', 'route="/api/traces/{traceID}",status="404"') >= 1,
    );
    assert.ok(metricValue(text, 'skein_query_requests_total', 'route="/api/traces",status="400"') >= 1);
    assert.ok(
      metricValue(text, 'skein_query_es_request_latency_seconds_count', 'operation="find_trace_ids"') >= 15,
    );
  });
});
