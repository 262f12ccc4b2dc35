// Tail sampling end to end: every error and every slow trace kept whole, ordinary traces at 10%, decided the
// same way the policy engine decides them, and never a partial trace.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PolicyEngine } from '@skein/ingester';
import { createTopic } from '../support/kafka.js';
import {
  committed,
  countDocs,
  esClient,
  exactTerms,
  generateTraces,
  produce,
  startTestIngester,
  toMessages,
  type GeneratedTrace,
} from '../support/ingester.js';
import { eventually, testStack, uniqueName } from '../support/stack.js';

describe('tail sampling', () => {
  it('keeps every error and slow trace and 10% of the rest, whole', async () => {
    const { kafkaBrokers, elasticsearchUrl } = testStack();
    const topic = uniqueName('skein-tail');
    const groupId = uniqueName('skein-tail-group');
    const prefix = `${uniqueName('s')}-`;
    await createTopic(kafkaBrokers, topic, 4);
    const dir = mkdtempSync(join(tmpdir(), 'skein-tail-'));
    const policies = join(dir, 'policies.yaml');
    writeFileSync(
      policies,
      'policies:\n  - type: error\n  - type: latency\n    thresholdMs: 1000\n  - type: probabilistic\n    probability: 0.1\n',
    );

    const errors = generateTraces(200, 4, 3);
    for (const t of errors) t.spans[2]?.tags.push({ key: 'error', type: 'bool', value: true });
    const slow = generateTraces(200, 4, 3);
    for (const t of slow) if (t.spans[1]) t.spans[1].duration = 2_500_000;
    const ordinary = generateTraces(2000, 4, 3);
    const all: GeneratedTrace[] = [...errors, ...slow, ...ordinary];
    // Each trace arrives as several messages (one per service), interleaved with other traces.
    const messages = toMessages(all).sort(() => Math.random() - 0.5);
    await produce(kafkaBrokers, topic, messages);

    const ingester = await startTestIngester({
      'kafka.brokers': kafkaBrokers.join(','),
      'kafka.topic': topic,
      'kafka.group-id': groupId,
      'es.url': elasticsearchUrl,
      'es.index-prefix': prefix,
      'sampling.tail.enabled': true,
      'sampling.tail.policies-file': policies,
      'sampling.tail.decision-wait': '1s',
    });
    const es = esClient(elasticsearchUrl);
    try {
      await eventually(
        'every message decided, written and committed',
        async () => ((await committed(kafkaBrokers, groupId, topic)) === messages.length ? true : undefined),
        120_000,
      );
      const kept = await exactTerms(es, `${prefix}jaeger-span-*`, 'traceID');
      // No partial traces: a kept trace has all 4 of its spans.
      assert.ok(
        [...kept.values()].every((n) => n === 4),
        'every kept trace is whole',
      );
      for (const t of [...errors, ...slow]) assert.ok(kept.has(t.traceId), `trace ${t.traceId} kept`);

      // Ordinary traces: exactly the ones the engine's trace-ID hash selects, which is 10% within ±3 points.
      const engine = new PolicyEngine([{ type: 'probabilistic', probability: 0.1 }]);
      const expected = ordinary.filter((t) => engine.decide(t.spans, Date.now()).keep).map((t) => t.traceId);
      const keptOrdinary = ordinary.filter((t) => kept.has(t.traceId)).map((t) => t.traceId);
      assert.deepEqual(keptOrdinary.sort(), expected.sort());
      assert.ok(
        keptOrdinary.length >= 140 && keptOrdinary.length <= 260,
        `${keptOrdinary.length} of 2000 ordinary traces kept`,
      );
      assert.equal(await countDocs(es, `${prefix}jaeger-span-*`), (400 + keptOrdinary.length) * 4);

      const text = await (await fetch(`http://127.0.0.1:${ingester.adminPort}/metrics`)).text();
      const dropped = Number(
        /^skein_ingester_spans_dropped_total\{reason="sampled_out"[^}]*\} (\d+)/m.exec(text)?.[1] ?? 0,
      );
      assert.equal(dropped, (2000 - keptOrdinary.length) * 4);
    } finally {
      await ingester.stop();
      await es.indices.delete({ index: `${prefix}*` });
      await es.close();
    }
  });
});
