// The whole pipeline on this machine: tracegen → agent (UDP) → Kafka → ingester → Elasticsearch. At rising loads,
// sends for a fixed time, then reports whether every span became searchable (zero loss), how long the pipeline
// needed to catch up, the latency from send to searchable (p50, p99, sampled traces), and each process's CPU.
// The highest load with zero loss and a short catch-up is the sustained rate.
// Usage: npm run bench:e2e [-- --quick] [-- --loads 2000,4000]
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@elastic/elasticsearch';
import { DEFAULT_SHAPE, TraceGenerator, runTracegen, udpSender } from '@skein/cli';
import { freePort, startDevstack } from '@skein/devstack';
import { createKafka } from '@skein/runtime';
import { report } from './support/measure.js';

const quick = process.argv.includes('--quick');
const loadsArg = process.argv.indexOf('--loads');
const LOADS =
  loadsArg > 0
    ? (process.argv[loadsArg + 1] ?? '').split(',').map(Number)
    : quick
      ? [1000, 3000]
      : [1000, 2000, 3000, 4000, 5000, 6000];
const SEND_SECONDS = quick ? 10 : 20;
// Caught up means every span searchable within this long after the last send: the backlog does not grow.
const CATCH_UP_LIMIT_S = 10;
const bin = fileURLToPath(new URL('../packages/cli/dist/bin.js', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Processes whose working directory is inside `dir` (the devstack runs Kafka and Elasticsearch there). */
function pidsIn(dir: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readlinkSync(`/proc/${p}/cwd`).startsWith(dir);
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function waitHealthy(port: number): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) return;
    } catch {
      // not yet
    }
    await sleep(100);
  }
  throw new Error(`component on admin port ${port} never became healthy`);
}

const base = mkdtempSync(join(tmpdir(), 'skein-bench-e2e-'));
chmodSync(base, 0o755);
const stack = await startDevstack({
  provider: 'local',
  kafkaPort: 0,
  elasticsearchPort: 0,
  dataDir: join(base, 'stack'),
});
const children: ChildProcess[] = [];
const senders: Array<{ close(): Promise<void> }> = [];
const es = new Client({ node: stack.elasticsearchUrl });
try {
  const admin = createKafka({ brokers: stack.kafkaBrokers, clientId: 'skein-bench' }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'skein-spans', numPartitions: 4 }], waitForLeaders: true });
  await admin.disconnect();
  const [udp, agentAdmin, ingesterAdmin, http, grpc, sampling] = await Promise.all(
    Array.from({ length: 6 }, () => freePort()),
  );
  const brokers = stack.kafkaBrokers.join(',');
  const start = (args: string[]) => {
    const child = spawn(process.execPath, [bin, ...args, '--log.level=error'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(child);
    return child;
  };
  const agent = start([
    'agent',
    `--kafka.brokers=${brokers}`,
    `--udp.compact.port=${udp}`,
    '--udp.binary.port=0',
    '--udp.zipkin.port=0',
    `--http.port=${http}`,
    `--grpc.port=${grpc}`,
    `--sampling.port=${sampling}`,
    '--otlp.grpc.port=0',
    '--otlp.http.port=0',
    `--admin.port=${agentAdmin}`,
  ]);
  const ingester = start([
    'ingester',
    `--kafka.brokers=${brokers}`,
    `--es.url=${stack.elasticsearchUrl}`,
    '--es.shards=1',
    '--es.replicas=0',
    `--admin.port=${ingesterAdmin}`,
  ]);
  await waitHealthy(agentAdmin as number);
  await waitHealthy(ingesterAdmin as number);

  // Spans per trace of the default shape, to turn a spans/s load into a trace rate.
  const probe = new TraceGenerator(DEFAULT_SHAPE, 99);
  let probeSpans = 0;
  for (let i = 0; i < 2000; i++) probeSpans += probe.trace(0).length;
  const spansPerTrace = probeSpans / 2000;

  const count = async (): Promise<number> => {
    await es.indices.refresh({ index: 'jaeger-span-*', allow_no_indices: true, ignore_unavailable: true });
    return (await es.count({ index: 'jaeger-span-*', allow_no_indices: true, ignore_unavailable: true }))
      .count;
  };
  const processes = () => ({
    agent: [agent.pid as number],
    ingester: [ingester.pid as number],
    kafka: pidsIn(join(base, 'stack', 'kafka')),
    elasticsearch: pidsIn(join(base, 'stack', 'elasticsearch')),
    tracegen: [process.pid],
  });

  const sender = udpSender('127.0.0.1', udp as number, 'compact');
  senders.push(sender);
  // Warm-up, not measured: the ingester joins its group, the daily index is created, the JIT warms.
  const warm = await runTracegen({
    sender,
    shape: DEFAULT_SHAPE,
    seed: 1,
    rate: 20,
    count: 100,
    durationMs: 0,
    concurrency: 8,
  });
  let sentTotal = warm.spans;
  for (let waited = 0; (await count()) < sentTotal; waited += 500) {
    if (waited > 120_000) throw new Error('the warm-up traces never became searchable');
    await sleep(500);
  }
  const rows: Array<Record<string, string | number>> = [];
  let sustained = 0;
  for (const load of LOADS) {
    const pids = processes();
    const cpuBefore = Object.fromEntries(
      Object.entries(pids).map(([name, list]) => [name, list.reduce((n, p) => n + cpuSeconds(p), 0)]),
    );
    // Every 20th trace is watched until all its spans are searchable.
    const watched = new Map<string, { sentAt: number; spans: number }>();
    const latencies: number[] = [];
    let watching = true;
    let sendEnd = Number.POSITIVE_INFINITY;
    const watcher = (async () => {
      while (watching || watched.size > 0) {
        await sleep(200);
        const ids = [...watched.keys()].slice(0, 500);
        if (ids.length === 0) continue;
        // A daily index just created may answer before its shard is ready: try again on the next round.
        const result = await es
          .search({
            index: 'jaeger-span-*',
            size: 0,
            query: { terms: { traceID: ids } },
            aggs: { t: { terms: { field: 'traceID', size: ids.length } } },
          })
          .catch(() => undefined);
        if (result === undefined) continue;
        const agg = result.aggregations?.t as
          { buckets: Array<{ key: string; doc_count: number }> } | undefined;
        const buckets = agg?.buckets ?? [];
        const now = Date.now();
        for (const b of buckets) {
          const w = watched.get(b.key);
          if (w && b.doc_count >= w.spans) {
            latencies.push(now - w.sentAt);
            watched.delete(b.key);
          }
        }
        if (!watching && now - sendEnd > 60_000) break;
      }
    })();
    let n = 0;
    const sendStart = Date.now();
    const summary = await runTracegen({
      sender,
      shape: DEFAULT_SHAPE,
      seed: load,
      rate: load / spansPerTrace,
      count: 0,
      durationMs: SEND_SECONDS * 1000,
      concurrency: 64,
      onTrace: (traceId, spans, sentAt) => {
        if (n++ % 20 === 0)
          watched.set(traceId.startsWith('0000000000000000') ? traceId.slice(16) : traceId, {
            sentAt,
            spans: spans.length,
          });
      },
    });
    sendEnd = Date.now();
    sentTotal += summary.spans;
    // Wait until every span is searchable, or nothing arrives for 10 s (then the rest is lost).
    let found = await count();
    let lastChange = Date.now();
    while (found < sentTotal && Date.now() - lastChange < 10_000) {
      await sleep(500);
      const now = await count();
      if (now !== found) lastChange = Date.now();
      found = now;
    }
    const catchUp = (Date.now() - sendEnd) / 1000 - (found < sentTotal ? 10 : 0);
    watching = false;
    await watcher;
    const seconds = (Date.now() - sendStart) / 1000;
    const cpu = Object.fromEntries(
      Object.entries(pids).map(([name, list]) => [
        name,
        (list.reduce((s, p) => s + cpuSeconds(p), 0) - (cpuBefore[name] ?? 0)) / seconds,
      ]),
    );
    latencies.sort((a, b) => a - b);
    const pct = (p: number) =>
      latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)] ?? NaN;
    const lost = sentTotal - found;
    const ok = lost === 0 && catchUp <= CATCH_UP_LIMIT_S;
    if (ok) sustained = Math.max(sustained, Math.round(summary.spansPerSecond));
    const busiest = Object.entries(cpu).sort((a, b) => b[1] - a[1])[0];
    rows.push({
      'target spans/s': load,
      'sent spans/s': Math.round(summary.spansPerSecond),
      'spans sent': summary.spans,
      lost,
      'catch-up s': Number(catchUp.toFixed(1)),
      'p50 send→searchable ms': Math.round(pct(50)),
      'p99 send→searchable ms': Math.round(pct(99)),
      'CPU agent': Number(cpu.agent?.toFixed(2)),
      'CPU ingester': Number(cpu.ingester?.toFixed(2)),
      'CPU kafka': Number(cpu.kafka?.toFixed(2)),
      'CPU elasticsearch': Number(cpu.elasticsearch?.toFixed(2)),
      'CPU tracegen': Number(cpu.tracegen?.toFixed(2)),
      busiest: busiest ? busiest[0] : '',
      sustained: ok ? 'yes' : 'no',
    });
    process.stderr.write(`${JSON.stringify(rows.at(-1))}\n`);
    if (!ok) break;
    await sleep(2000);
  }
  report('e2e', {
    sustainedSpansPerSecond: sustained,
    spansPerTrace: Number(spansPerTrace.toFixed(1)),
    sendSeconds: SEND_SECONDS,
    note: `one 2-core machine running Kafka, Elasticsearch (512 MiB heap, 1 shard), one agent, one ingester and tracegen; CPU in cores (1.0 = one core busy) over each step; latency from tracegen's send to all spans of a sampled trace being searchable (Elasticsearch refreshes every 1 s); sustained = zero loss and caught up within ${CATCH_UP_LIMIT_S} s`,
    rows,
  });
} finally {
  for (const s of senders) await s.close();
  for (const c of children) c.kill('SIGTERM');
  await Promise.all(
    children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))),
  );
  await es.close();
  await stack.stop();
}
