// Ingester throughput: spans/s of one `skein ingester` process from Kafka into real Elasticsearch, into a null
// sink (the pipeline's own cost, with CPU seconds per million spans), and two ingesters against one.
// Usage: npm run bench:ingester [-- --quick]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort, startDevstack } from '@skein/devstack';
import { encodeBatch } from '@skein/model';
import { createKafka } from '@skein/runtime';
import { Gen, realisticBatch, rng } from '../packages/model/test/support/random.js';
import { report } from './support/measure.js';

const quick = process.argv.includes('--quick');
const SPANS = quick ? 50_000 : 200_000;
const bin = fileURLToPath(new URL('../packages/cli/dist/bin.js', import.meta.url));

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function written(adminPort: number): Promise<number> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
    return Number(/^skein_ingester_spans_written_total\{[^}]*\} (\d+)/m.exec(text)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

const stack = await startDevstack({ provider: 'local', kafkaPort: 0, elasticsearchPort: 0 });
const topic = 'skein-bench-ingester';
const kafka = createKafka({ brokers: stack.kafkaBrokers, clientId: 'skein-bench' });
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic, numPartitions: 4 }], waitForLeaders: true });
await admin.disconnect();

// One message per trace of 10 realistic spans, as the agent writes them.
const g = new Gen(rng(11));
const producer = kafka.producer();
await producer.connect();
let bytes = 0;
for (let sent = 0; sent < SPANS;) {
  const messages = [];
  for (let i = 0; i < 500 && sent < SPANS; i++, sent += 10) {
    const batch = realisticBatch(g, 10);
    const value = encodeBatch(batch, 'compact');
    bytes += value.length;
    messages.push({
      key: batch.spans[0]?.traceId ?? '',
      value,
      headers: { 'skein-encoding': 'thrift-compact', 'skein-received-at': String(Date.now()) },
    });
  }
  await producer.send({ topic, acks: -1, messages });
}
await producer.disconnect();

/** Runs `members` ingesters of a new group until SPANS are written in all; returns spans/s and CPU s per million. */
async function run(
  label: string,
  members: number,
  sink: 'elasticsearch' | 'null',
): Promise<Record<string, string | number>> {
  const group = `bench-${label}-${Date.now()}`;
  const ports = await Promise.all(Array.from({ length: members }, () => freePort()));
  const children = ports.map((port) =>
    spawn(
      process.execPath,
      [
        bin,
        'ingester',
        `--admin.port=${port}`,
        '--admin.host=127.0.0.1',
        `--kafka.brokers=${stack.kafkaBrokers.join(',')}`,
        `--kafka.topic=${topic}`,
        `--kafka.group-id=${group}`,
        `--es.url=${stack.elasticsearchUrl}`,
        `--es.index-prefix=${label}-`,
        `--es.sink=${sink}`,
        '--es.shards=1',
        '--es.replicas=0',
        '--dependencies.enabled=false',
        '--log.level=error',
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    ),
  );
  const start = performance.now();
  let done = 0;
  while (done < SPANS) {
    await new Promise((r) => setTimeout(r, 200));
    done = (await Promise.all(ports.map(written))).reduce((a, b) => a + b, 0);
    if (performance.now() - start > 600_000)
      throw new Error(`${label}: only ${done} of ${SPANS} spans after 10 minutes`);
  }
  const seconds = (performance.now() - start) / 1000;
  const cpu = children.reduce((n, c) => n + cpuSeconds(c.pid as number), 0);
  for (const c of children) c.kill('SIGTERM');
  await Promise.all(children.map((c) => new Promise((r) => c.once('exit', r))));
  return {
    run: label,
    ingesters: members,
    sink,
    spans: SPANS,
    'seconds (incl. start-up)': Number(seconds.toFixed(1)),
    'spans/s': Math.round(SPANS / seconds),
    'ingester CPU s per million spans': Number(((cpu / SPANS) * 1_000_000).toFixed(1)),
  };
}

const rows: Array<Record<string, string | number>> = [];
try {
  rows.push(await run('null', 1, 'null'));
  rows.push(await run('es1', 1, 'elasticsearch'));
  rows.push(await run('es2', 2, 'elasticsearch'));
} finally {
  await stack.stop();
}
report('ingester', {
  spans: SPANS,
  bytesPerSpan: Math.round(bytes / SPANS),
  note: 'one 2-core machine shared by Kafka, Elasticsearch and the ingesters; time includes process start-up and group join',
  rows,
});
