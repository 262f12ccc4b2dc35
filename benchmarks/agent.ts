// The agent under UDP load, publishing to a real Kafka broker: the highest span rate it delivers with under
// 0.1% loss (sent by a load generator in this process, counted as acknowledged by Kafka), and the agent's CPU
// seconds per 100,000 spans. The agent runs as its own process (`skein agent`) so its CPU can be read from /proc.
// Usage: npm run bench:agent [-- --quick]
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort, startKafka } from '@skein/devstack';
import { encodeEmitBatch } from '@skein/model';
import { Gen, realisticBatch, rng } from '../packages/model/test/support/random.js';
import { report } from './support/measure.js';

const quick = process.argv.includes('--quick');
const SPANS_PER_PACKET = 10;
const SECONDS = quick ? 3 : 6;
const bin = fileURLToPath(new URL('../packages/cli/dist/bin.js', import.meta.url));
const TICKS = 100; // USER_HZ on Linux

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

async function published(adminPort: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('skein_agent_spans_published_total'));
  return Number(line?.split(' ').pop() ?? 0);
}

const kafka = await startKafka();
const [udpPort, adminPort] = [await freePort(), await freePort()];
const agent = spawn(
  process.execPath,
  [
    bin,
    'agent',
    `--udp.compact.port=${udpPort}`,
    '--udp.binary.port=0',
    '--udp.zipkin.port=0',
    '--http.port=0',
    '--grpc.port=0',
    '--sampling.port=0',
    '--otlp.grpc.port=0',
    '--otlp.http.port=0',
    `--admin.port=${adminPort}`,
    '--receivers.host=127.0.0.1',
    `--kafka.brokers=${kafka.brokers.join(',')}`,
    '--kafka.topic=skein-bench-agent',
    process.env.BENCH_LOG ?? '--log.level=error',
  ],
  { stdio: 'inherit' },
);
const pid = agent.pid as number;
for (let i = 0; i < 100; i++) {
  try {
    if ((await fetch(`http://127.0.0.1:${adminPort}/health`)).ok) break;
  } catch {
    // starting
  }
  await new Promise((r) => setTimeout(r, 100));
}

const g = new Gen(rng(7));
const packets = Array.from({ length: 200 }, (_, i) =>
  encodeEmitBatch(realisticBatch(g, SPANS_PER_PACKET), 'compact', i),
);
const bytesPerPacket = Math.round(packets.reduce((n, p) => n + p.length, 0) / packets.length);
const socket = createSocket('udp4');

/** Sends at `rate` spans/s for SECONDS, paced every 5 ms; returns spans sent. */
async function load(rate: number): Promise<number> {
  const perTick = (rate / SPANS_PER_PACKET) * 0.005;
  let owed = 0;
  let sent = 0;
  let k = 0;
  const start = performance.now();
  for (let tick = 0; performance.now() - start < SECONDS * 1000; tick++) {
    owed += perTick;
    while (owed >= 1) {
      socket.send(packets[k++ % packets.length] as Buffer, udpPort, '127.0.0.1');
      sent += SPANS_PER_PACKET;
      owed -= 1;
    }
    const next = start + (tick + 1) * 5;
    const wait = next - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  return sent;
}

const rows: Array<Record<string, string | number>> = [];
let best: Record<string, string | number> | undefined;
let rate = 10_000;
try {
  for (let step = 0; step < 12; step++) {
    const before = await published(adminPort);
    const cpuBefore = cpuSeconds(pid);
    const t0 = performance.now();
    const sent = await load(rate);
    const sendSeconds = (performance.now() - t0) / 1000;
    // Wait until the agent has flushed what it got (no progress for 1 s).
    let last = -1;
    let now = await published(adminPort);
    while (now !== last) {
      last = now;
      await new Promise((r) => setTimeout(r, 1000));
      now = await published(adminPort);
    }
    const delivered = now - before;
    const cpu = cpuSeconds(pid) - cpuBefore;
    const loss = 1 - delivered / sent;
    const row = {
      'target spans/s': rate,
      'sent spans/s': Math.round(sent / sendSeconds),
      delivered,
      'loss %': Number((loss * 100).toFixed(3)),
      'agent CPU s per 100k spans': Number(((cpu / delivered) * 100_000).toFixed(2)),
    };
    rows.push(row);
    if (loss < 0.001) best = row;
    else break;
    rate = Math.round(rate * (quick ? 2 : 1.5));
  }
} finally {
  socket.close();
  agent.kill('SIGTERM');
  await new Promise((r) => agent.once('exit', r));
  await kafka.stop();
}

report('agent', {
  spansPerPacket: SPANS_PER_PACKET,
  bytesPerPacket,
  secondsPerStep: SECONDS,
  highestRateUnderPointOnePercentLoss: best?.['sent spans/s'] ?? 0,
  cpuSecondsPer100kSpansAtThatRate: best?.['agent CPU s per 100k spans'] ?? null,
  rows,
});
