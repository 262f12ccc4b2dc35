// `skein replay` against real Kafka and Elasticsearch: a day of traces replayed into new indices gives the same
// documents and the same query answers; a replay killed with SIGKILL halfway and run again ends the same; the
// live ingester keeps its offsets and keeps ingesting meanwhile.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Client } from '@elastic/elasticsearch';
import { main } from '@skein/cli';
import { createTopic, topicSize } from '../support/kafka.js';
import {
  committed,
  countDocs,
  esClient,
  generateTraces,
  produce,
  startTestIngester,
  toMessages,
  type GeneratedTrace,
} from '../support/ingester.js';
import { startTestQuery } from '../support/query.js';
import { eventually, testStack, uniqueName } from '../support/stack.js';

const bin = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));
const DAY_MS = 86_400_000;
const YESTERDAY_MS = Math.floor(Date.now() / DAY_MS) * DAY_MS - DAY_MS;
const TRACES = 2000;
const SPANS_PER_TRACE = 5;

/** Traces whose start times spread over all of yesterday (UTC), so they fill one daily index. */
function aDayOfTraces(count: number): GeneratedTrace[] {
  const traces = generateTraces(count, SPANS_PER_TRACE, 4);
  traces.forEach((trace, t) => {
    const start = (YESTERDAY_MS + Math.floor((t * DAY_MS) / count)) * 1000;
    trace.spans.forEach((span, i) => (span.startTime = start + i));
  });
  return traces;
}

/** Documents per span and service index, keyed by the name without the prefix. */
async function countsByIndex(es: Client, prefix: string): Promise<Record<string, number>> {
  await es.indices.refresh({ index: `${prefix}jaeger-*` });
  const names = Object.keys(
    await es.indices.get({ index: `${prefix}jaeger-span-*,${prefix}jaeger-service-*` }),
  );
  const out: Record<string, number> = {};
  for (const name of names.sort()) out[name.slice(prefix.length)] = (await es.count({ index: name })).count;
  return out;
}

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: {
      out: (l: string) => out.push(l),
      err: (l: string) => err.push(l),
      env: { SKEIN_LOG_LEVEL: 'error' },
    },
  };
}

describe('skein replay', () => {
  const { kafkaBrokers, elasticsearchUrl } = testStack();
  const topic = uniqueName('skein-replay');
  const group = uniqueName('skein-replay-live');
  const livePrefix = `${uniqueName('live')}-`;
  const dir = mkdtempSync(join(tmpdir(), 'skein-replay-'));
  const es = esClient(elasticsearchUrl);
  const traces = aDayOfTraces(TRACES);
  let live: Awaited<ReturnType<typeof startTestIngester>>;
  let liveCounts: Record<string, number>;
  let rebuiltPrefix = '';

  const replayArgs = (prefix: string, extra: string[] = []) => [
    'replay',
    `--kafka.brokers=${kafkaBrokers.join(',')}`,
    `--es.url=${elasticsearchUrl}`,
    `--topic=${topic}`,
    '--from=earliest',
    '--to=now',
    `--index-prefix=${prefix}`,
    '--es.shards=1',
    '--es.replicas=0',
    `--checkpoint=${join(dir, `${prefix}checkpoint.json`)}`,
    '--progress-interval=200ms',
    ...extra,
  ];

  before(async () => {
    await createTopic(kafkaBrokers, topic, 4);
    await produce(kafkaBrokers, topic, toMessages(traces));
    live = await startTestIngester({
      'kafka.brokers': kafkaBrokers.join(','),
      'kafka.topic': topic,
      'kafka.group-id': group,
      'es.url': elasticsearchUrl,
      'es.index-prefix': livePrefix,
    });
    await eventually(
      'the live ingester wrote the day',
      async () =>
        (await countDocs(es, `${livePrefix}jaeger-span-*`)) === TRACES * SPANS_PER_TRACE ? true : undefined,
      120_000,
    );
    // Service documents finish no message, so committed offsets do not cover them: wait until nothing changes.
    let previous = '';
    liveCounts = await eventually('the live indices settled', async () => {
      const counts = await countsByIndex(es, livePrefix);
      const same = JSON.stringify(counts) === previous;
      previous = JSON.stringify(counts);
      if (!same) await new Promise((r) => setTimeout(r, 500));
      return same ? counts : undefined;
    });
  });

  after(async () => {
    await live.stop();
    await es.close();
  });

  it('rebuilds the same indices under a new prefix, and the query service answers the same', async () => {
    const prefix = `${uniqueName('v2')}-`;
    rebuiltPrefix = prefix;
    const run = io();
    const code = await main(replayArgs(prefix), run.io);
    assert.equal(code, 0, run.err.join('\n'));
    assert.deepEqual(await countsByIndex(es, prefix), liveCounts);
    assert.deepEqual(Object.keys(liveCounts).sort(), [
      `jaeger-service-${new Date(YESTERDAY_MS).toISOString().slice(0, 10)}`,
      `jaeger-span-${new Date(YESTERDAY_MS).toISOString().slice(0, 10)}`,
    ]);
    // Progress as JSON lines (not a terminal), ending with the complete one.
    const last = JSON.parse(run.out.at(-1) ?? '{}') as Record<string, unknown>;
    assert.equal(last.event, 'replay_complete');
    assert.equal(last.messagesDone, last.messagesTotal);
    assert.equal(last.spans, TRACES * SPANS_PER_TRACE);
    assert.match(
      run.err.join('\n'),
      new RegExp(`replay complete: \\d+ messages, ${TRACES * SPANS_PER_TRACE} spans`),
    );

    const a = await startTestQuery({ 'es.url': elasticsearchUrl, 'es.index-prefix': livePrefix });
    const b = await startTestQuery({ 'es.url': elasticsearchUrl, 'es.index-prefix': prefix });
    try {
      const range = `start=${YESTERDAY_MS * 1000}&end=${(YESTERDAY_MS + DAY_MS) * 1000}`;
      const paths = [
        '/api/services',
        '/api/operations?service=svc-1',
        `/api/traces?service=svc-0&${range}&limit=50`,
        `/api/traces?service=svc-2&${range}&limit=20&tag=span.kind:client&minDuration=101us`,
        ...traces.slice(0, 5).map((t) => `/api/traces/${t.traceId}`),
      ];
      for (const path of paths) {
        const [x, y] = [await a.get(path), await b.get(path)];
        assert.equal(x.status, 200, path);
        assert.deepEqual(y.body, x.body, path);
      }
      assert.equal(((await b.get(paths[2] as string)).body as { data: unknown[] }).data.length, 50);
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it('resumes after being killed halfway and ends with the same counts, while the live ingester goes on', async () => {
    const prefix = `${uniqueName('v3')}-`;
    const checkpoint = join(dir, `${prefix}checkpoint.json`);
    const before = await committed(kafkaBrokers, group, topic);
    assert.equal(before, await topicSize(kafkaBrokers, topic));

    // A slow replay in its own process, killed with SIGKILL once its checkpoint shows it partly done.
    const child = spawn(process.execPath, [bin, ...replayArgs(prefix, ['--rate=2000'])], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SKEIN_LOG_LEVEL: 'error' },
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // Meanwhile new traces arrive: the live ingester takes them; the replay's end was fixed at its start.
    const more = aDayOfTraces(200);
    await eventually(
      'the replay has begun',
      () => (output.includes('replay_progress') ? true : undefined),
      60_000,
    );
    await produce(kafkaBrokers, topic, toMessages(more));
    const halfway = await eventually(
      'the checkpoint a third done',
      () => {
        if (!existsSync(checkpoint)) return undefined;
        const saved = JSON.parse(readFileSync(checkpoint, 'utf8')) as {
          partitions: Array<{ start: string; end: string; next: string }>;
        };
        const done = saved.partitions.reduce((n, p) => n + Number(p.next) - Number(p.start), 0);
        const total = saved.partitions.reduce((n, p) => n + Number(p.end) - Number(p.start), 0);
        return done > total / 3 && done < total ? { done, total } : undefined;
      },
      60_000,
    );
    child.kill('SIGKILL');
    await exited;
    assert.ok(halfway.done < halfway.total);
    assert.equal(halfway.total, before, 'the replay stops at the offsets the topic had when it started');

    const run = io();
    assert.equal(await main(replayArgs(prefix), run.io), 0, run.err.join('\n'));
    assert.deepEqual(await countsByIndex(es, prefix), liveCounts);

    // The live group was never moved by the replays, and took the new traces.
    await eventually(
      'the live ingester wrote the new traces',
      async () =>
        (await countDocs(es, `${livePrefix}jaeger-span-*`)) === (TRACES + 200) * SPANS_PER_TRACE
          ? true
          : undefined,
      60_000,
    );
    await eventually('the live group committed the new messages', async () =>
      (await committed(kafkaBrokers, group, topic)) === (await topicSize(kafkaBrokers, topic))
        ? true
        : undefined,
    );

    // Run again: the checkpoint says complete; nothing is read or written.
    const again = io();
    assert.equal(await main(replayArgs(prefix), again.io), 0);
    assert.equal(JSON.parse(again.out.at(-1) ?? '{}').messagesDone, halfway.total);
  });

  it('refuses an empty prefix, a bad position and another replay’s checkpoint, with clear errors', async () => {
    const bad = io();
    assert.equal(await main([...replayArgs('x-'), '--index-prefix='], bad.io), 2);
    assert.match(bad.err.join('\n'), /index-prefix: is required and must not be empty/);
    const position = io();
    assert.equal(await main([...replayArgs('x-'), '--from=yesterday'], position.io), 1);
    assert.match(position.err.join('\n'), /REPLAY_BAD_POSITION: --from must be an ISO time/);
    const prefix = `${uniqueName('v4')}-`;
    const first = io();
    assert.equal(await main(replayArgs(prefix, ['--to=0']), first.io), 0);
    const other = io();
    const args = replayArgs(prefix, ['--to=1']);
    assert.equal(await main(args, other.io), 1);
    assert.match(other.err.join('\n'), /REPLAY_CHECKPOINT: checkpoint .* belongs to another replay/);
  });

  it('swaps a rebuilt day in under the live name with one alias request (docs/howto/reindex.md step 4)', async () => {
    const day = new Date(YESTERDAY_MS).toISOString().slice(0, 10);
    const actions = ['span', 'service'].flatMap((kind) => [
      { remove_index: { index: `${livePrefix}jaeger-${kind}-${day}` } },
      {
        add: { index: `${rebuiltPrefix}jaeger-${kind}-${day}`, alias: `${livePrefix}jaeger-${kind}-${day}` },
      },
    ]);
    await es.indices.updateAliases({ actions });
    const a = await startTestQuery({ 'es.url': elasticsearchUrl, 'es.index-prefix': livePrefix });
    const b = await startTestQuery({ 'es.url': elasticsearchUrl, 'es.index-prefix': rebuiltPrefix });
    try {
      const range = `start=${YESTERDAY_MS * 1000}&end=${(YESTERDAY_MS + DAY_MS) * 1000}`;
      for (const path of [
        `/api/traces?service=svc-3&${range}&limit=30`,
        `/api/traces/${traces[7]?.traceId}`,
      ]) {
        const [x, y] = [await a.get(path), await b.get(path)];
        assert.equal(x.status, 200, path);
        assert.deepEqual(x.body, y.body, path);
      }
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
