// kill -9 an ingester in the middle of a stream and start it again: nothing lost, nothing written twice.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '@skein/devstack';
import { createTopic } from '../support/kafka.js';
import {
  committed,
  countDocs,
  esClient,
  exactTerms,
  generateTraces,
  produce,
  toMessages,
} from '../support/ingester.js';
import { eventually, testStack, uniqueName } from '../support/stack.js';

const bin = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));

describe('ingester crash', () => {
  it('loses nothing and duplicates nothing when a member is killed with SIGKILL and restarted', async () => {
    const { kafkaBrokers, elasticsearchUrl } = testStack();
    const topic = uniqueName('skein-crash');
    const groupId = uniqueName('skein-crash-group');
    const prefix = `${uniqueName('c')}-`;
    await createTopic(kafkaBrokers, topic, 4);
    const traces = generateTraces(5000, 10, 4);
    const messages = toMessages(traces);

    const start = async (): Promise<ChildProcess> => {
      const child = spawn(
        process.execPath,
        [
          bin,
          'ingester',
          `--admin.port=${await freePort()}`,
          '--admin.host=127.0.0.1',
          `--kafka.brokers=${kafkaBrokers.join(',')}`,
          `--kafka.topic=${topic}`,
          `--kafka.group-id=${groupId}`,
          '--kafka.session-timeout=6s',
          '--kafka.commit-interval=200ms',
          `--es.url=${elasticsearchUrl}`,
          `--es.index-prefix=${prefix}`,
          '--es.shards=1',
          '--es.replicas=0',
          // Small requests and a small pipeline: the stream takes long enough to be killed in the middle of it.
          '--bulk.max-docs=200',
          '--pipeline.max-pending-spans=2000',
          '--log.level=error',
        ],
        { stdio: ['ignore', 'ignore', 'inherit'] },
      );
      return child;
    };
    const a = await start();
    const b = await start();
    const es = esClient(elasticsearchUrl);
    let restarted: ChildProcess | undefined;
    try {
      await produce(kafkaBrokers, topic, messages);
      await eventually(
        'the stream under way',
        async () => {
          const n = await countDocs(es, `${prefix}jaeger-span-*`);
          return n >= 5000 && n < 40_000 ? n : undefined;
        },
        120_000,
      );
      a.kill('SIGKILL');
      await new Promise((r) => a.once('exit', r));
      restarted = await start();

      await eventually(
        'all 50,000 spans written',
        async () => ((await countDocs(es, `${prefix}jaeger-span-*`)) === 50_000 ? true : undefined),
        180_000,
      );
      await eventually(
        'every offset committed',
        async () => ((await committed(kafkaBrokers, groupId, topic)) === messages.length ? true : undefined),
        60_000,
      );
      const spanIds = await exactTerms(es, `${prefix}jaeger-span-*`, 'spanID');
      assert.equal(spanIds.size, 50_000);
      assert.ok(
        [...spanIds.values()].every((n) => n === 1),
        'no span written twice',
      );
      assert.equal(await countDocs(es, `${prefix}jaeger-span-*`), 50_000);
    } finally {
      for (const child of [a, b, restarted])
        if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await Promise.all(
        [b, restarted].map((c) =>
          c && c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined,
        ),
      );
      await es.indices.delete({ index: `${prefix}*` });
      await es.close();
    }
  });
});
