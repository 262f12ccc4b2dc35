// A skein agent running in this process on free ports, against the test run's Kafka.
import { createSocket } from 'node:dgram';
import { agentComponent } from '@skein/agent';
import { freePort } from '@skein/devstack';
import { runComponent, type RunningComponent } from '@skein/runtime';

export interface TestAgent {
  running: RunningComponent;
  ports: {
    compact: number;
    binary: number;
    zipkin: number;
    http: number;
    grpc: number;
    otlpGrpc: number;
    otlpHttp: number;
    sampling: number;
    admin: number;
  };
  /** Prometheus text of the agent's /metrics. */
  metrics(): Promise<string>;
  stop(): Promise<void>;
}

export async function startTestAgent(options: Record<string, string | number>): Promise<TestAgent> {
  const ports = {
    compact: await freePort(),
    binary: await freePort(),
    zipkin: await freePort(),
    http: await freePort(),
    grpc: await freePort(),
    otlpGrpc: await freePort(),
    otlpHttp: await freePort(),
    sampling: await freePort(),
    admin: await freePort(),
  };
  const argv = [
    `--udp.compact.port=${ports.compact}`,
    `--udp.binary.port=${ports.binary}`,
    `--udp.zipkin.port=${ports.zipkin}`,
    `--http.port=${ports.http}`,
    `--grpc.port=${ports.grpc}`,
    `--otlp.grpc.port=${ports.otlpGrpc}`,
    `--otlp.http.port=${ports.otlpHttp}`,
    `--sampling.port=${ports.sampling}`,
    `--admin.port=${ports.admin}`,
    '--receivers.host=127.0.0.1',
    '--admin.host=127.0.0.1',
    '--log.level=error',
    ...Object.entries(options).map(([k, v]) => `--${k}=${v}`),
  ];
  const running = await runComponent(agentComponent, { argv, handleSignals: false });
  return {
    running,
    ports,
    metrics: async () => (await fetch(`http://127.0.0.1:${ports.admin}/metrics`)).text(),
    stop: () => running.stop('test done'),
  };
}

/** The value of one sample in Prometheus text, 0 when absent. `labels` as they appear: a="x",b="y" (any order). */
export function metricValue(text: string, name: string, labels = ''): number {
  const want = labels ? [...labels.matchAll(/\w+="(?:[^"\\]|\\.)*"/g)].map((m) => m[0]) : [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^(?:\{(.*)\})? (\S+)$/.exec(line.slice(name.length));
    if (!match) continue;
    const have = [...(match[1] ?? '').matchAll(/\w+="(?:[^"\\]|\\.)*"/g)]
      .map((m) => m[0])
      .filter((l) => !l.startsWith('component='));
    if (want.every((w) => have.includes(w)) && have.length === want.length) return Number(match[2]);
  }
  return 0;
}

export function sendUdp(port: number, packets: readonly Buffer[]): Promise<void> {
  const socket = createSocket('udp4');
  return new Promise((resolve, reject) => {
    let left = packets.length;
    if (left === 0) return resolve();
    for (const packet of packets) {
      socket.send(packet, port, '127.0.0.1', (err) => {
        if (err) reject(err);
        if (--left === 0) socket.close(() => resolve());
      });
    }
  });
}
