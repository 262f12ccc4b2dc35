// The agent against real Kafka: every receiver publishes one message per trace, bad input is counted and
// dropped, a full queue pushes back, and an unreachable or restarted broker loses nothing it accepted.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { startKafka } from '@skein/devstack';
import { decodeBatch, encodeBatch, encodeEmitBatch, type Batch } from '@skein/model';
import { metricValue, sendUdp, startTestAgent, type TestAgent } from '../support/agent.js';
import { createTopic, readSpans, readTopic } from '../support/kafka.js';
import { makeBatch, randomTraceId } from '../support/spans.js';
import { eventually, testStack, uniqueName } from '../support/stack.js';

function expectTraces(messages: Awaited<ReturnType<typeof readTopic>>, batch: Batch): void {
  const traceIds = [...new Set(batch.spans.map((s) => s.traceId))];
  assert.deepEqual(messages.map((m) => m.key).sort(), [...traceIds].sort());
  for (const m of messages) {
    assert.equal(m.headers['skein-encoding'], 'thrift-compact');
    assert.ok(Math.abs(Number(m.headers['skein-received-at']) - Date.now()) < 120_000);
    const decoded = decodeBatch(m.value, 'compact');
    const expected = batch.spans.filter((s) => s.traceId === m.key);
    assert.deepStrictEqual(decoded, {
      process: batch.process,
      spans: expected.map((s) => ({ ...s, process: decoded.process })),
    });
  }
}

describe('agent → Kafka', () => {
  const { kafkaBrokers } = testStack();
  let agent: TestAgent;
  const topic = uniqueName('skein-agent-spans');

  before(async () => {
    await createTopic(kafkaBrokers, topic, 4);
    agent = await startTestAgent({
      'kafka.brokers': kafkaBrokers.join(','),
      'kafka.topic': topic,
      'kafka.linger': '1ms',
    });
  });
  after(async () => agent.stop());

  it('publishes batches from every receiver as one message per trace, keyed by trace ID', async () => {
    const compact = makeBatch('svc-udp-compact', [randomTraceId(), randomTraceId()], 3);
    const binary = makeBatch('svc-udp-binary', [randomTraceId()], 2);
    const http = makeBatch('svc-http', [randomTraceId(), randomTraceId(), randomTraceId()], 2);
    await sendUdp(agent.ports.compact, [encodeEmitBatch(compact, 'compact', 1)]);
    await sendUdp(agent.ports.binary, [encodeEmitBatch(binary, 'binary', 2)]);
    const response = await fetch(`http://127.0.0.1:${agent.ports.http}/api/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-thrift' },
      body: encodeBatch(http, 'binary'),
    });
    assert.equal(response.status, 202);

    const messages = await readTopic(kafkaBrokers, topic, 6);
    assert.equal(messages.length, 6);
    for (const batch of [compact, binary, http]) {
      expectTraces(
        messages.filter((m) => batch.spans.some((s) => s.traceId === m.key)),
        batch,
      );
    }
    // All spans of a trace share a partition: the key decides it.
    const text = await agent.metrics();
    assert.equal(metricValue(text, 'skein_agent_spans_received_total', 'transport="udp-compact"'), 6);
    assert.equal(metricValue(text, 'skein_agent_spans_received_total', 'transport="udp-binary"'), 2);
    assert.equal(metricValue(text, 'skein_agent_spans_received_total', 'transport="http"'), 6);
    await eventually('14 spans published', async () =>
      metricValue(await agent.metrics(), 'skein_agent_spans_published_total') === 14 ? true : undefined,
    );
  });

  it('takes gRPC PostSpans from a generic grpc-js client built from the api_v2 protos', async () => {
    const definition = protoLoader.loadSync(
      fileURLToPath(new URL('../../packages/model/test/fixtures/jaeger-model.proto', import.meta.url)),
      { keepCase: true, longs: String, enums: String },
    );
    const Collector = (
      grpc.loadPackageDefinition(definition) as unknown as {
        jaeger: { api_v2: { CollectorService: grpc.ServiceClientConstructor } };
      }
    ).jaeger.api_v2.CollectorService;
    const client = new Collector(
      `127.0.0.1:${agent.ports.grpc}`,
      grpc.credentials.createInsecure(),
    ) as unknown as grpc.Client & {
      PostSpans(request: unknown, callback: (err: grpc.ServiceError | null) => void): void;
    };
    const traceId = randomTraceId();
    const ts = (micros: number) => ({
      seconds: String(Math.floor(micros / 1e6)),
      nanos: (micros % 1e6) * 1000,
    });
    const kv = { key: 'peer.service', v_type: 'STRING', v_str: 'billing' };
    const request = {
      batch: {
        process: {
          service_name: 'svc-grpc',
          tags: [{ key: 'hostname', v_type: 'STRING', v_str: 'grpc-host' }],
        },
        spans: [0, 1].map((i) => ({
          trace_id: Buffer.from(traceId, 'hex'),
          span_id: Buffer.from(`000000000000000${i + 1}`, 'hex'),
          operation_name: `rpc-${i}`,
          references:
            i === 0
              ? []
              : [
                  {
                    trace_id: Buffer.from(traceId, 'hex'),
                    span_id: Buffer.from('0000000000000001', 'hex'),
                    ref_type: 'CHILD_OF',
                  },
                ],
          flags: 1,
          start_time: ts(1_732_000_000_000_000 + i),
          duration: ts(250 + i),
          tags: [kv, { key: 'retries', v_type: 'INT64', v_int64: '9007199254740993' }],
          logs: [],
        })),
      },
    };
    await new Promise<void>((resolve, reject) =>
      client.PostSpans(request, (err) => (err ? reject(err) : resolve())),
    );
    client.close();

    const all = await readSpans(kafkaBrokers, topic, 16);
    const mine = all.filter((m) => m.key === traceId);
    assert.equal(mine.length, 1);
    const batch = decodeBatch((mine[0] as (typeof mine)[0]).value, 'compact');
    assert.deepStrictEqual(batch.process, {
      serviceName: 'svc-grpc',
      tags: [{ key: 'hostname', type: 'string', value: 'grpc-host' }],
    });
    assert.deepStrictEqual(
      batch.spans.map((sp) => [
        sp.spanId,
        sp.operationName,
        sp.startTime,
        sp.duration,
        sp.references,
        sp.tags,
      ]),
      [0, 1].map((i) => [
        `000000000000000${i + 1}`,
        `rpc-${i}`,
        1_732_000_000_000_000 + i,
        250 + i,
        i === 0 ? [] : [{ refType: 'CHILD_OF', traceId, spanId: '0000000000000001' }],
        [
          { key: 'peer.service', type: 'string', value: 'billing' },
          { key: 'retries', type: 'int64', value: 9007199254740993n },
        ],
      ]),
    );
  });

  it('answers HTTP mistakes with the right status and counts them', async () => {
    const base = `http://127.0.0.1:${agent.ports.http}`;
    const wrongType = await fetch(`${base}/api/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(wrongType.status, 400);
    assert.match(await wrongType.text(), /Unsupported content type: "application\/json"/);
    const garbage = await fetch(`${base}/api/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-thrift' },
      body: Buffer.from([0x0c, 0x00, 0x01, 0x0b]),
    });
    assert.equal(garbage.status, 400);
    assert.match(await garbage.text(), /^Unable to process request body: input ends inside/);
    assert.equal((await fetch(`${base}/api/traces`)).status, 405);
    assert.equal((await fetch(`${base}/elsewhere`)).status, 404);
    const text = await agent.metrics();
    assert.equal(
      metricValue(text, 'skein_agent_batches_rejected_total', 'transport="http",reason="bad_content_type"'),
      1,
    );
    assert.equal(
      metricValue(text, 'skein_agent_batches_rejected_total', 'transport="http",reason="truncated"'),
      1,
    );
  });

  it('counts and drops garbage on every port, and delivers good traffic right after', async () => {
    const junk: Buffer[] = [];
    for (let i = 0; i < 200; i++) junk.push(randomBytes(1 + (i % 300)));
    const valid = encodeEmitBatch(makeBatch('svc-garbage', [randomTraceId()], 3), 'compact', 9);
    for (let cut = 1; cut < valid.length; cut += 7) junk.push(valid.subarray(0, cut));
    junk.push(Buffer.alloc(65_001, 1)); // over udp.max-packet
    for (const port of [agent.ports.compact, agent.ports.binary, agent.ports.zipkin])
      await sendUdp(port, junk);
    for (const body of junk.slice(0, 50)) {
      const r = await fetch(`http://127.0.0.1:${agent.ports.http}/api/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-thrift' },
        body,
      });
      assert.ok(r.status === 400 || r.status === 202, `status ${r.status}`);
    }
    const raw = new grpc.Client(`127.0.0.1:${agent.ports.grpc}`, grpc.credentials.createInsecure());
    const identity = (b: Buffer): Buffer => b;
    for (const body of junk.slice(0, 50)) {
      const code = await new Promise<number>((resolve) =>
        raw.makeUnaryRequest('/jaeger.api_v2.CollectorService/PostSpans', identity, identity, body, (err) =>
          resolve(err ? err.code : 0),
        ),
      );
      assert.ok(
        code === grpc.status.INVALID_ARGUMENT ||
          code === grpc.status.OK ||
          code === grpc.status.RESOURCE_EXHAUSTED,
        `gRPC status ${code}`,
      );
    }
    raw.close();
    const text = await eventually('every UDP packet handled', async () => {
      const t = await agent.metrics();
      let handled = 0;
      for (const transport of ['udp-compact', 'udp-binary', 'udp-zipkin']) {
        for (const line of t.split('\n')) {
          if (
            line.startsWith(`skein_agent_batches_rejected_total{transport="${transport}"`) ||
            line.startsWith(`skein_agent_batches_received_total{transport="${transport}"`)
          ) {
            handled += Number(line.split(' ').pop());
          }
        }
      }
      return handled >= 3 * junk.length - 20 ? t : undefined; // the kernel may drop a few datagrams under the burst
    });
    assert.ok(
      metricValue(
        text,
        'skein_agent_batches_rejected_total',
        'transport="udp-compact",reason="too_large"',
      ) === 1,
    );

    const good = makeBatch('svc-after-garbage', [randomTraceId(), randomTraceId()], 2);
    await sendUdp(agent.ports.compact, [encodeEmitBatch(good, 'compact', 10)]);
    // 7 messages from the tests before (6 + 1 over gRPC), then these 2.
    const all = await readTopic(kafkaBrokers, topic, 9);
    const messages = all.filter((m) => good.spans.some((s) => s.traceId === m.key));
    expectTraces(messages, good);
    assert.equal((await fetch(`http://127.0.0.1:${agent.ports.admin}/health`)).status, 200);
  });
});

describe('agent and messages the broker refuses', () => {
  it('splits a produce request the topic refuses as too large, drops only the trace that is itself too large, and counts it', async () => {
    const { kafkaBrokers } = testStack();
    const topic = uniqueName('skein-agent-too-large');
    // A topic that takes messages of at most 20 kB.
    await createTopic(kafkaBrokers, topic, 1, { 'max.message.bytes': '20000' });
    const agent = await startTestAgent({
      'kafka.brokers': kafkaBrokers.join(','),
      'kafka.topic': topic,
      'kafka.linger': '50ms',
    });
    try {
      const small = [0, 1, 2, 3, 4, 5].map(() => makeBatch('svc-small', [randomTraceId()], 10)); // ~5 kB per trace
      const huge = makeBatch('svc-huge', [randomTraceId()], 100); // ~50 kB in one trace
      // One HTTP request with everything: the publisher takes it as one produce request of ~80 kB.
      const all = {
        process: huge.process,
        spans: [
          ...small.flatMap((b) => b.spans.map((sp) => ({ ...sp, process: huge.process }))),
          ...huge.spans,
        ],
      };
      const response = await fetch(`http://127.0.0.1:${agent.ports.http}/api/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-thrift' },
        body: encodeBatch(all, 'binary'),
      });
      assert.equal(response.status, 202);
      const messages = await readTopic(kafkaBrokers, topic, 6);
      assert.deepEqual(messages.map((m) => m.key).sort(), small.map((b) => b.spans[0]?.traceId).sort());
      const text = await eventually('the huge trace counted as dropped', async () => {
        const t = await agent.metrics();
        return metricValue(t, 'skein_agent_spans_dropped_total', 'transport="http",reason="too_large"') ===
          100
          ? t
          : undefined;
      });
      assert.equal(metricValue(text, 'skein_agent_spans_published_total'), 60);
    } finally {
      await agent.stop();
    }
  });
});

describe('agent when Kafka is away', () => {
  it('fills its bounded queue, pushes back (HTTP 503, UDP drops counted), and delivers everything it accepted once the broker is back', async () => {
    const kafka = await startKafka();
    const topic = uniqueName('skein-agent-outage');
    await createTopic(kafka.brokers, topic, 2);
    const agent = await startTestAgent({
      'kafka.brokers': kafka.brokers.join(','),
      'kafka.topic': topic,
      'queue.max-spans': 10,
      // One message per produce request: at most one batch is held outside the queue while retrying.
      'kafka.batch.max-messages': 1,
      'kafka.linger': '1ms',
      'kafka.retry.max-backoff': '500ms',
    });
    try {
      const before = makeBatch('svc-outage', [randomTraceId()], 2);
      await sendUdp(agent.ports.compact, [encodeEmitBatch(before, 'compact', 1)]);
      expectTraces(await readTopic(kafka.brokers, topic, 1), before);

      await kafka.stop();
      // Six batches of 3 spans each: three fit the 10-span queue, one more may be held by the retrying publisher.
      const during = [0, 1, 2, 3, 4, 5].map(() => makeBatch('svc-outage', [randomTraceId()], 3));
      const statuses: number[] = [];
      for (const batch of during) {
        const r = await fetch(`http://127.0.0.1:${agent.ports.http}/api/traces`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-thrift' },
          body: encodeBatch(batch, 'binary'),
        });
        statuses.push(r.status);
        if (r.status === 503) assert.equal(r.headers.get('retry-after'), '1');
      }
      const accepted202 = statuses.filter((s) => s === 202).length;
      assert.ok(accepted202 === 3 || accepted202 === 4, `statuses ${statuses.join(',')}`);
      assert.deepEqual(statuses.slice(accepted202), Array(6 - accepted202).fill(503));
      const dropped = makeBatch('svc-outage', [randomTraceId()], 8);
      await sendUdp(agent.ports.compact, [encodeEmitBatch(dropped, 'compact', 2)]);
      const text = await eventually('UDP spans dropped as queue_full', async () => {
        const t = await agent.metrics();
        return metricValue(
          t,
          'skein_agent_spans_dropped_total',
          'transport="udp-compact",reason="queue_full"',
        ) === 8
          ? t
          : undefined;
      });
      assert.equal(
        metricValue(text, 'skein_agent_spans_dropped_total', 'transport="http",reason="queue_full"'),
        3 * (6 - accepted202),
      );
      assert.equal((await fetch(`http://127.0.0.1:${agent.ports.admin}/health`)).status, 200);

      const restarted = await startKafka({ port: kafka.port, dataDir: kafka.dataDir });
      try {
        const accepted = during.filter((_, i) => statuses[i] === 202);
        const afterwards = makeBatch('svc-outage', [randomTraceId()], 1);
        await eventually(
          'queue drained after the broker came back',
          async () =>
            metricValue(await agent.metrics(), 'skein_agent_queue_spans') === 0 ? true : undefined,
          60_000,
        );
        await sendUdp(agent.ports.compact, [encodeEmitBatch(afterwards, 'compact', 3)]);
        const expectedKeys = [before, ...accepted, afterwards].flatMap((b) => [
          ...new Set(b.spans.map((s) => s.traceId)),
        ]);
        const messages = await readTopic(restarted.brokers, topic, expectedKeys.length, 60_000);
        assert.deepEqual(messages.map((m) => m.key).sort(), expectedKeys.sort());
      } finally {
        await agent.stop();
        await restarted.stop();
      }
    } catch (err) {
      await agent.stop();
      await kafka.stop();
      throw err;
    }
  });
});
