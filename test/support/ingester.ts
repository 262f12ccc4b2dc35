// An ingester in this process, and helpers to feed Kafka and read Elasticsearch.
import { randomBytes } from 'node:crypto';
import { Client } from '@elastic/elasticsearch';
import { freePort } from '@skein/devstack';
import { ingesterComponent } from '@skein/ingester';
import { encodeBatch, type Batch, type Process, type Span } from '@skein/model';
import { createKafka, runComponent, type RunningComponent } from '@skein/runtime';

export async function startTestIngester(
  options: Record<string, string | number | boolean>,
): Promise<RunningComponent & { adminPort: number }> {
  const adminPort = await freePort();
  const argv = [
    `--admin.port=${adminPort}`,
    '--admin.host=127.0.0.1',
    `--log.level=${process.env.SKEIN_TEST_LOG_LEVEL ?? 'error'}`,
    '--es.shards=1',
    '--es.replicas=0',
    '--bulk.flush-interval=50ms',
    '--kafka.commit-interval=200ms',
    ...Object.entries(options).map(([k, v]) => `--${k}=${v}`),
  ];
  const running = await runComponent(ingesterComponent, { argv, handleSignals: false });
  return Object.assign(running, { adminPort });
}

export interface GeneratedTrace {
  traceId: string;
  spans: Span[];
}

/** `traces` traces of `spansPerTrace` spans over `services` services (root in the first, children spread). */
export function generateTraces(
  traces: number,
  spansPerTrace: number,
  services: number,
  startTime = Date.now() * 1000,
): GeneratedTrace[] {
  const processes: Process[] = Array.from({ length: services }, (_, i) => ({
    serviceName: `svc-${i}`,
    tags: [{ key: 'hostname', type: 'string', value: `host-${i}` }],
  }));
  const out: GeneratedTrace[] = [];
  for (let t = 0; t < traces; t++) {
    const traceId = randomBytes(16).toString('hex');
    const rootId = randomBytes(8).toString('hex');
    const spans: Span[] = [];
    for (let i = 0; i < spansPerTrace; i++) {
      const process = processes[i === 0 || services === 1 ? 0 : 1 + ((t + i) % (services - 1))] as Process;
      const span: Span = {
        traceId,
        spanId: i === 0 ? rootId : randomBytes(8).toString('hex'),
        operationName: `op-${i % 4}`,
        references: i === 0 ? [] : [{ refType: 'CHILD_OF', traceId, spanId: rootId }],
        flags: 1,
        startTime: startTime + t * 10 + i,
        duration: 100 + i,
        tags: [
          { key: 'span.kind', type: 'string', value: i === 0 ? 'server' : 'client' },
          { key: 'http.status_code', type: 'int64', value: 200n },
        ],
        logs: [],
        process,
      };
      if (i > 0) span.parentSpanId = rootId;
      spans.push(span);
    }
    out.push({ traceId, spans });
  }
  return out;
}

/** One Kafka message per (trace, process), as the agent writes them. */
export function toMessages(
  traces: readonly GeneratedTrace[],
): Array<{ key: string; value: Buffer; headers: Record<string, string> }> {
  const out: Array<{ key: string; value: Buffer; headers: Record<string, string> }> = [];
  for (const trace of traces) {
    const byProcess = new Map<Process, Span[]>();
    for (const s of trace.spans) byProcess.set(s.process, [...(byProcess.get(s.process) ?? []), s]);
    for (const [process, spans] of byProcess) {
      const batch: Batch = { process, spans };
      out.push({
        key: trace.traceId,
        value: encodeBatch(batch, 'compact'),
        headers: { 'skein-encoding': 'thrift-compact', 'skein-received-at': String(Date.now()) },
      });
    }
  }
  return out;
}

export async function produce(
  brokers: string[],
  topic: string,
  messages: ReadonlyArray<{ key: string | null; value: Buffer; headers?: Record<string, string> }>,
): Promise<void> {
  const producer = createKafka({ brokers, clientId: 'skein-test-producer' }).producer();
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += 2000) {
      await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 2000).map((m) => ({ ...m })) });
    }
  } finally {
    await producer.disconnect();
  }
}

export function esClient(url: string): Client {
  return new Client({ node: url });
}

/** Documents in the indices matching `pattern`, after a refresh. */
export async function countDocs(es: Client, pattern: string): Promise<number> {
  await es.indices.refresh({ index: pattern, ignore_unavailable: true, allow_no_indices: true });
  const r = await es.count({ index: pattern, ignore_unavailable: true, allow_no_indices: true });
  return r.count;
}

/** Every value of `field` with how many documents hold it, exactly (composite aggregation, paged). */
export async function exactTerms(es: Client, pattern: string, field: string): Promise<Map<string, number>> {
  await es.indices.refresh({ index: pattern, ignore_unavailable: true, allow_no_indices: true });
  const out = new Map<string, number>();
  let after: Record<string, string> | undefined;
  for (;;) {
    const r = await es.search({
      index: pattern,
      size: 0,
      aggs: {
        all: {
          composite: { size: 10_000, sources: [{ v: { terms: { field } } }], ...(after ? { after } : {}) },
        },
      },
    });
    const agg = r.aggregations?.all as {
      buckets: Array<{ key: { v: string }; doc_count: number }>;
      after_key?: Record<string, string>;
    };
    for (const b of agg.buckets) out.set(b.key.v, b.doc_count);
    if (!agg.after_key || agg.buckets.length === 0) return out;
    after = agg.after_key;
  }
}

/** Sum over partitions of the group's committed offsets (what it will never read again). */
export async function committed(brokers: string[], groupId: string, topic: string): Promise<number> {
  const admin = createKafka({ brokers, clientId: 'skein-test-admin' }).admin();
  await admin.connect();
  try {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return (entry?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

/** POSTs ready-made NDJSON lines (action, document, …) to _bulk; throws if any item failed. */
export async function bulkLines(es: Client, lines: readonly string[], refresh = false): Promise<void> {
  const response = (await es.transport.request({
    method: 'POST',
    path: '/_bulk',
    querystring: refresh ? { refresh: 'true' } : {},
    bulkBody: `${lines.join('\n')}\n`,
  })) as { errors: boolean; items: unknown[] };
  if (response.errors) {
    throw new Error(
      `bulk write failed: ${JSON.stringify(response.items.find((i) => JSON.stringify(i).includes('"error"')))}`,
    );
  }
}
