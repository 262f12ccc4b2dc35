// SIGTERM right after the last span was sent: the agent keeps its ports open until they go quiet, flushes
// its queue to Kafka and exits 0 — every span sent is on the topic.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '@skein/devstack';
import { decodeBatch, encodeEmitBatch } from '@skein/model';
import { createTopic, readTopic, topicSize } from '../support/kafka.js';
import { makeBatch, randomTraceId } from '../support/spans.js';
import { eventually, testStack, uniqueName } from '../support/stack.js';

const bin = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));

describe('agent shutdown', () => {
  it('delivers all spans sent just before SIGTERM', async () => {
    const { kafkaBrokers } = testStack();
    const topic = uniqueName('skein-agent-sigterm');
    await createTopic(kafkaBrokers, topic, 3);
    const [udp, admin] = [await freePort(), await freePort()];
    const child = spawn(
      process.execPath,
      [
        bin,
        'agent',
        `--udp.compact.port=${udp}`,
        '--udp.binary.port=0',
        '--udp.zipkin.port=0',
        '--http.port=0',
        '--grpc.port=0',
        '--sampling.port=0',
        '--otlp.grpc.port=0',
        '--otlp.http.port=0',
        `--admin.port=${admin}`,
        '--receivers.host=127.0.0.1',
        `--kafka.brokers=${kafkaBrokers.join(',')}`,
        `--kafka.topic=${topic}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await eventually('agent healthy', async () =>
      (await fetch(`http://127.0.0.1:${admin}/health`)).status === 200 ? true : undefined,
    );

    // 300 packets of 2 traces × 10 spans: 6,000 spans in 600 traces.
    const packets = Array.from({ length: 300 }, (_, i) =>
      encodeEmitBatch(makeBatch('svc-sigterm', [randomTraceId(), randomTraceId()], 10), 'compact', i),
    );
    const socket = createSocket('udp4');
    for (let i = 0; i < packets.length; i++) {
      await new Promise<void>((resolve, reject) =>
        socket.send(packets[i] as Buffer, udp, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
      );
      // Pace the burst a little so the kernel's socket buffer, not the agent, is never the bottleneck.
      if (i % 20 === 19) await new Promise((r) => setTimeout(r, 1));
    }
    socket.close();
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);

    assert.equal(await topicSize(kafkaBrokers, topic), 600);
    const messages = await readTopic(kafkaBrokers, topic, 600);
    const spans = messages.reduce((n, m) => n + decodeBatch(m.value, 'compact').spans.length, 0);
    assert.equal(spans, 6000);
  });
});
