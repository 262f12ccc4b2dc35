// Query latency over a realistic index: FindTraces (by service; with a tag; with operation and duration) with
// 1,000,000 spans indexed, and GetTrace for 10-span and 1,000-span traces, through `skein query`'s HTTP API.
// The seeded Elasticsearch data stays in the cache, so later runs skip the seeding.
// Usage: npm run bench:query [-- --quick] [-- --reseed]
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@elastic/elasticsearch';
import { cacheDir, freePort, startElasticsearch } from '@skein/devstack';
import { installTemplates } from '@skein/ingester';
import { spanIndex, stringifyUiJson, toEsSpan, type KeyValue, type Process, type Span } from '@skein/model';
import { Gen, rng } from '../packages/model/test/support/random.js';
import { bulkLines } from '../test/support/ingester.js';
import { median, report } from './support/measure.js';

const quick = process.argv.includes('--quick');
const reseed = process.argv.includes('--reseed');
const bin = fileURLToPath(new URL('../packages/cli/dist/bin.js', import.meta.url));
const PREFIX = 'bench-q-';
const SMALL_TRACES = 99_000; // of 10 spans
const LARGE_TRACES = 10; // of 1,000 spans
const TOTAL_SPANS = SMALL_TRACES * 10 + LARGE_TRACES * 1000;
const SERVICES = Array.from({ length: 20 }, (_, i) => `service-${String(i).padStart(2, '0')}`);
const OPERATIONS = ['GET /api/items', 'POST /api/orders', 'SELECT', 'cache get', 'publish event'];
const REQUESTS = quick ? 40 : 200;

interface Meta {
  baseMs: number;
  spans: number;
  smallTraceIds: string[];
  largeTraceIds: string[];
}

function processFor(g: Gen, service: string): Process {
  return {
    serviceName: service,
    tags: [
      { key: 'hostname', type: 'string', value: `${service}-${g.hex(6)}` },
      { key: 'ip', type: 'string', value: `10.0.${g.int(0, 255)}.${g.int(0, 255)}` },
      { key: 'client-uuid', type: 'string', value: g.hex(16) },
    ],
  };
}

/** One trace: a root in one service, children spread over others, each with Jaeger-client-like tags. */
function trace(g: Gen, spans: number, baseMs: number): Span[] {
  const traceId = g.hex(32);
  const start = (baseMs - g.int(0, 36 * 3_600_000)) * 1000;
  const rootService = g.pick(SERVICES);
  const processes = new Map<string, Process>();
  const out: Span[] = [];
  const rootId = g.hex(16);
  for (let i = 0; i < spans; i++) {
    const service = i === 0 ? rootService : g.pick(SERVICES);
    let process = processes.get(service);
    if (!process) {
      process = processFor(g, service);
      processes.set(service, process);
    }
    const status = g.pick([200, 200, 200, 200, 200, 200, 200, 404, 500, 503]);
    const tags: KeyValue[] = [
      {
        key: 'span.kind',
        type: 'string',
        value: i === 0 ? 'server' : g.pick(['client', 'server', 'internal']),
      },
      { key: 'http.method', type: 'string', value: g.pick(['GET', 'POST']) },
      { key: 'http.status_code', type: 'int64', value: BigInt(status) },
      { key: 'http.url', type: 'string', value: `https://shop.example.com/api/items/${g.int(1, 1e6)}` },
      { key: 'customer.id', type: 'string', value: `c-${g.int(1, 50_000)}` },
      { key: 'db.rows', type: 'int64', value: BigInt(g.int(0, 500)) },
      { key: 'cache.hit', type: 'bool', value: g.bool() },
    ];
    if (status >= 500) tags.push({ key: 'error', type: 'bool', value: true });
    const span: Span = {
      traceId,
      spanId: i === 0 ? rootId : g.hex(16),
      operationName: g.pick(OPERATIONS),
      references: i === 0 ? [] : [{ refType: 'CHILD_OF', traceId, spanId: rootId }],
      flags: 1,
      startTime: start + i * 50,
      duration: g.int(100, 2_000_000),
      tags,
      logs: g.bool(0.2)
        ? [{ timestamp: start + i * 50 + 10, fields: [{ key: 'event', type: 'string', value: 'retry' }] }]
        : [],
      process,
    };
    if (i > 0) span.parentSpanId = rootId;
    out.push(span);
  }
  return out;
}

async function seed(es: Client): Promise<Meta> {
  await es.indices.delete({ index: `${PREFIX}*`, ignore_unavailable: true, allow_no_indices: true });
  await installTemplates(es, { prefix: PREFIX, shards: 1, replicas: 0 });
  const g = new Gen(rng(2026));
  const baseMs = Date.now();
  const meta: Meta = { baseMs, spans: TOTAL_SPANS, smallTraceIds: [], largeTraceIds: [] };
  const started = performance.now();
  let pending: string[] = [];
  const inFlight = new Set<Promise<void>>();
  const flush = async () => {
    const p = bulkLines(es, pending);
    pending = [];
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    if (inFlight.size >= 2) await Promise.race(inFlight);
  };
  const add = async (spans: Span[]) => {
    for (const span of spans) {
      pending.push(
        JSON.stringify({ index: { _index: spanIndex(PREFIX, span.startTime) } }),
        stringifyUiJson(toEsSpan(span)),
      );
    }
    if (pending.length >= 4000) await flush();
  };
  for (let t = 0; t < LARGE_TRACES; t++) {
    const spans = trace(g, 1000, baseMs);
    meta.largeTraceIds.push(spans[0]?.traceId ?? '');
    await add(spans);
  }
  for (let t = 0; t < SMALL_TRACES; t++) {
    const spans = trace(g, 10, baseMs);
    if (t % 100 === 0) meta.smallTraceIds.push(spans[0]?.traceId ?? '');
    await add(spans);
    if (t % 10_000 === 0) process.stderr.write(`seeding: ${t * 10} spans\n`);
  }
  if (pending.length > 0) await flush();
  await Promise.all(inFlight);
  await es.indices.refresh({ index: `${PREFIX}*` });
  await es.indices.create({ index: `${PREFIX}meta`, settings: { number_of_replicas: 0 } });
  await es.index({ index: `${PREFIX}meta`, id: 'meta', document: meta, refresh: true });
  process.stderr.write(
    `seeded ${TOTAL_SPANS} spans in ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
  );
  return meta;
}

async function loadMeta(es: Client): Promise<Meta | undefined> {
  try {
    const doc = await es.get<Meta>({ index: `${PREFIX}meta`, id: 'meta' });
    const count = await es.count({ index: `${PREFIX}jaeger-span-*` });
    return doc._source && count.count === doc._source.spans ? doc._source : undefined;
  } catch {
    return undefined;
  }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

const dataDir = join(cacheDir(), 'bench-query-es');
if (reseed) await rm(dataDir, { recursive: true, force: true });
const es = await startElasticsearch({ dataDir, heap: '1g' });
const client = new Client({ node: es.url, requestTimeout: 120_000 });
const [httpPort, grpcPort, adminPort] = [await freePort(), await freePort(), await freePort()];
let child: ReturnType<typeof spawn> | undefined;
try {
  await client.cluster.health({ wait_for_status: 'yellow', timeout: '60s' });
  const meta = (await loadMeta(client)) ?? (await seed(client));
  child = spawn(
    process.execPath,
    [
      bin,
      'query',
      `--es.url=${es.url}`,
      `--es.index-prefix=${PREFIX}`,
      `--http.port=${httpPort}`,
      `--grpc.port=${grpcPort}`,
      `--admin.port=${adminPort}`,
      '--log.level=error',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${adminPort}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  const endUs = meta.baseMs * 1000;
  const range = `start=${endUs - 48 * 3_600_000_000}&end=${endUs}`;
  const g = new Gen(rng(7));
  const time = async (path: string, expect: (body: { data: Array<{ spans: unknown[] }> }) => void) => {
    const started = performance.now();
    const response = await fetch(`http://127.0.0.1:${httpPort}${path}`);
    const body = (await response.json()) as { data: Array<{ spans: unknown[] }> };
    const ms = performance.now() - started;
    if (response.status !== 200) throw new Error(`${path}: HTTP ${response.status} ${JSON.stringify(body)}`);
    expect(body);
    return ms;
  };
  const cases: Array<{
    name: string;
    path: () => string;
    check: (body: { data: Array<{ spans: unknown[] }> }) => void;
  }> = [
    {
      name: 'FindTraces: service, 48h, limit 20',
      path: () => `/api/traces?service=${g.pick(SERVICES)}&${range}&limit=20`,
      check: (b) => {
        if (b.data.length !== 20) throw new Error(`expected 20 traces, got ${b.data.length}`);
      },
    },
    {
      name: 'FindTraces: service + tag error=true, limit 20',
      path: () => `/api/traces?service=${g.pick(SERVICES)}&${range}&limit=20&tag=error:true`,
      check: (b) => {
        if (b.data.length !== 20) throw new Error(`expected 20 traces, got ${b.data.length}`);
      },
    },
    {
      name: 'FindTraces: service + operation + minDuration 1s + regex tag, limit 20',
      path: () =>
        `/api/traces?service=${g.pick(SERVICES)}&operation=SELECT&minDuration=1s&tag=http.url:.*/items/1.*&${range}&limit=20`,
      check: () => undefined,
    },
    {
      name: 'GetTrace: 10 spans',
      path: () => `/api/traces/${g.pick(meta.smallTraceIds)}`,
      check: (b) => {
        if (b.data[0]?.spans.length !== 10) throw new Error('expected 10 spans');
      },
    },
    {
      name: 'GetTrace: 1,000 spans',
      path: () => `/api/traces/${g.pick(meta.largeTraceIds)}`,
      check: (b) => {
        if (b.data[0]?.spans.length !== 1000) throw new Error('expected 1000 spans');
      },
    },
  ];
  // Seconds spent in Elasticsearch requests so far, from the query service's own histogram.
  const esSeconds = async (): Promise<number> => {
    const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
    let sum = 0;
    for (const m of text.matchAll(/^skein_query_es_request_latency_seconds_sum\{[^\n]*\} (\S+)$/gm))
      sum += Number(m[1]);
    return sum;
  };
  const rows: Array<Record<string, string | number>> = [];
  for (const c of cases) {
    for (let i = 0; i < 5; i++) await time(c.path(), c.check); // warm-up
    const samples: number[] = [];
    const esBefore = await esSeconds();
    for (let i = 0; i < REQUESTS; i++) samples.push(await time(c.path(), c.check));
    const esMean = ((await esSeconds()) - esBefore) / REQUESTS;
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    samples.sort((a, b) => a - b);
    rows.push({
      query: c.name,
      requests: REQUESTS,
      'p50 ms': Number(percentile(samples, 50).toFixed(1)),
      'p99 ms': Number(percentile(samples, 99).toFixed(1)),
      'mean ms': Number(mean.toFixed(1)),
      'of which Elasticsearch ms': Number((esMean * 1000).toFixed(1)),
    });
  }
  report('query', {
    spansIndexed: meta.spans,
    note: `one 2-core machine shared by Elasticsearch (1 GiB heap, 1 shard per daily index) and skein query; sequential requests over HTTP; ${REQUESTS} requests per row; 'of which Elasticsearch' is the mean time of the Elasticsearch requests the query service made for one request`,
    medianOfP50: median(rows.map((r) => Number(r['p50 ms']))),
    rows,
  });
} finally {
  child?.kill('SIGTERM');
  await client.close();
  await es.stop();
}
