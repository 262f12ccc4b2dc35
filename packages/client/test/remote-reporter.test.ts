// The reporter through a real UDP socket: packets of at most 65,000 bytes decoded with the agent's decoder,
// oversized spans, the bounded queue, flushing, close(), and failed sends.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { decodeAgentMessage, type Batch, type Process, type Span } from '@skein/model';
import { ClientMetrics, RemoteReporter, UdpSender, type Sender } from '../src/index.js';
import { UdpCollector, memoryLogger, metric } from './helpers.js';

const PROCESS: Process = {
  serviceName: 'reporter-test',
  tags: [{ key: 'hostname', type: 'string', value: 'test-host' }],
};
const HOUR = 3_600_000;

let seq = 0;
/** A span whose only tag is a string of `blob` characters; each call gets new IDs unless `id` is given. */
function span(blob: number, id = ++seq): Span {
  return {
    traceId: `${'0'.repeat(16)}${id.toString(16).padStart(16, '0')}`,
    spanId: id.toString(16).padStart(16, '0'),
    operationName: `op-${id}`,
    references: [],
    flags: 1,
    startTime: 1_700_000_000_000_000 + id,
    duration: 1000,
    tags: [{ key: 'blob', type: 'string', value: 'x'.repeat(blob) }],
    logs: [],
    process: PROCESS,
  };
}

/** A span whose encoded size is exactly `bytes`. */
function spanOfSize(reporter: RemoteReporter, bytes: number): Span {
  const id = ++seq;
  for (let blob = bytes - 100; blob <= bytes; blob++) {
    const s = span(Math.max(0, blob), id);
    if (reporter.spanBytes(s) === bytes) return s;
  }
  throw new Error(`no span of exactly ${bytes} bytes`);
}

function decode(packet: Buffer): Batch {
  const message = decodeAgentMessage(packet, 'compact');
  assert.equal(message.method, 'emitBatch');
  return message.batch;
}

/** Spans as the agent decodes them: they share the batch's process. */
function asSent(spans: Span[], batch: Batch): Span[] {
  return spans.map((s) => ({ ...s, process: batch.process }));
}

describe('RemoteReporter over UDP', () => {
  let agent: UdpCollector;
  before(async () => {
    agent = await UdpCollector.start();
  });
  after(() => agent.close());

  function reporter(options: { maxQueueSize?: number; flushIntervalMs?: number; sender?: Sender } = {}): {
    reporter: RemoteReporter;
    registry: Registry;
    logger: ReturnType<typeof memoryLogger>;
  } {
    const registry = new Registry();
    const logger = memoryLogger();
    return {
      reporter: new RemoteReporter({
        sender: options.sender ?? new UdpSender({ host: '127.0.0.1', port: agent.port }),
        process: PROCESS,
        maxQueueSize: options.maxQueueSize ?? 100,
        flushIntervalMs: options.flushIntervalMs ?? HOUR,
        metrics: new ClientMetrics(registry),
        logger,
      }),
      registry,
      logger,
    };
  }

  it('leaves 64,884 bytes for spans in a 65,000-byte packet for this process', async () => {
    const { reporter: r } = reporter();
    assert.equal(r.maxSpanBytes, 64_884);
    await r.close();
  });

  it('splits what is queued into packets of at most 65,000 bytes, in order, numbered', async () => {
    const { reporter: r, registry } = reporter();
    const half = Math.floor(r.maxSpanBytes / 2);
    const spans = Array.from({ length: 5 }, () => spanOfSize(r, half));
    const start = agent.packets.length;
    for (const s of spans) r.report(s);
    await r.close();
    const packets = (await agent.waitFor(start + 3)).slice(start);
    assert.deepEqual(
      packets.map((p) => p.length <= 65_000),
      [true, true, true],
    );
    const batches = packets.map(decode);
    assert.deepEqual(
      batches.map((b) => b.spans.length),
      [2, 2, 1],
    );
    assert.deepEqual(
      batches.map((b) => b.seqNo),
      [1n, 2n, 3n],
    );
    assert.deepEqual(
      batches.flatMap((b) => asSent(b.spans, b)),
      asSent(spans, batches[0] as Batch),
    );
    for (const b of batches) assert.deepEqual(b.process, PROCESS);
    assert.equal(await metric(registry, 'skein_client_packets_sent_total', { transport: 'udp' }), 3);
    assert.equal(await metric(registry, 'skein_client_spans_reported_total', { transport: 'udp' }), 5);
    assert.equal(
      await metric(registry, 'skein_client_sent_bytes_total', { transport: 'udp' }),
      packets.reduce((n, p) => n + p.length, 0),
    );
  });

  it('sends a span of exactly the limit alone; drops a larger one as too_large and tells the agent', async () => {
    const { reporter: r, registry, logger } = reporter();
    const fits = spanOfSize(r, r.maxSpanBytes);
    const tooLarge = spanOfSize(r, r.maxSpanBytes + 1);
    const start = agent.packets.length;
    r.report(tooLarge);
    r.report(fits);
    await r.close();
    const [packet] = (await agent.waitFor(start + 1)).slice(start);
    assert.ok((packet as Buffer).length <= 65_000, `${(packet as Buffer).length} bytes`);
    assert.ok((packet as Buffer).length > 64_900, `${(packet as Buffer).length} bytes`);
    const batch = decode(packet as Buffer);
    assert.deepEqual(batch.spans, asSent([fits], batch));
    assert.deepEqual(batch.stats, {
      fullQueueDroppedSpans: 0n,
      tooLargeDroppedSpans: 1n,
      failedToEmitSpans: 0n,
    });
    assert.equal(await metric(registry, 'skein_client_spans_dropped_total', { reason: 'too_large' }), 1);
    assert.deepEqual(logger.lines, [
      `error span ${tooLarge.traceId}:${tooLarge.spanId} "${tooLarge.operationName}" is 64885 bytes encoded, ` +
        'more than the 64884 a 65000-byte packet holds: dropped',
    ]);
  });

  it('bounds the queue: spans beyond it are dropped as queue_full and counted in the next batch', async () => {
    const { reporter: r, registry } = reporter({ maxQueueSize: 3 });
    const spans = Array.from({ length: 5 }, () => span(10));
    const start = agent.packets.length;
    for (const s of spans) r.report(s);
    assert.equal(r.queueLength, 3);
    assert.equal(await metric(registry, 'skein_client_reporter_queue_spans'), 3);
    assert.equal(await metric(registry, 'skein_client_spans_dropped_total', { reason: 'queue_full' }), 2);
    await r.close();
    const batch = decode((await agent.waitFor(start + 1))[start] as Buffer);
    assert.deepEqual(batch.spans, asSent(spans.slice(0, 3), batch));
    assert.equal(batch.stats?.fullQueueDroppedSpans, 2n);
    assert.equal(await metric(registry, 'skein_client_reporter_queue_spans'), 0);
  });

  it('sends as soon as a packet is full, without waiting for the interval', async () => {
    const { reporter: r } = reporter();
    const start = agent.packets.length;
    const half = Math.floor(r.maxSpanBytes / 2);
    const spans = [spanOfSize(r, half), spanOfSize(r, r.maxSpanBytes - half)];
    for (const s of spans) {
      r.report(s);
      await Promise.resolve();
    }
    const [packet] = (await agent.waitFor(start + 1)).slice(start);
    const batch = decode(packet as Buffer);
    assert.deepEqual(
      batch.spans.map((s) => s.operationName),
      spans.map((s) => s.operationName),
    );
    assert.equal(r.queueLength, 0);
    await r.close();
  });

  it('sends on the flush interval', async () => {
    const { reporter: r } = reporter({ flushIntervalMs: 10 });
    const start = agent.packets.length;
    const s = span(5);
    r.report(s);
    const batch = decode((await agent.waitFor(start + 1))[start] as Buffer);
    assert.deepEqual(batch.spans, asSent([s], batch));
    await r.close();
  });

  it('close() resolves after the last send; later spans are dropped as closed', async () => {
    const { reporter: r, registry } = reporter();
    const start = agent.packets.length;
    r.report(span(1));
    r.report(span(2));
    const closing = r.close();
    assert.equal(r.close(), closing);
    await closing;
    assert.equal(r.queueLength, 0);
    assert.equal(await metric(registry, 'skein_client_packets_sent_total', { transport: 'udp' }), 1);
    assert.equal(await metric(registry, 'skein_client_spans_reported_total', { transport: 'udp' }), 2);
    r.report(span(3));
    assert.equal(await metric(registry, 'skein_client_spans_dropped_total', { reason: 'closed' }), 1);
    assert.equal(decode((await agent.waitFor(start + 1))[start] as Buffer).spans.length, 2);
  });

  it('counts the spans of a failed send as send_error and reports the count to the agent', async () => {
    const udp = new UdpSender({ host: '127.0.0.1', port: agent.port });
    let failures = 1;
    const flaky: Sender = {
      transport: 'udp',
      protocol: 'compact',
      maxPacketBytes: udp.maxPacketBytes,
      envelopeBytes: (p) => udp.envelopeBytes(p),
      encode: (b) => udp.encode(b),
      send: (packet) => (failures-- > 0 ? Promise.reject(new Error('network down')) : udp.send(packet)),
      close: () => udp.close(),
    };
    const { reporter: r, registry, logger } = reporter({ sender: flaky });
    r.report(span(1));
    r.report(span(1));
    r.report(span(1));
    await r.flush();
    assert.equal(await metric(registry, 'skein_client_spans_dropped_total', { reason: 'send_error' }), 3);
    assert.deepEqual(logger.lines, ['error cannot send 3 spans over udp (network down)']);
    const start = agent.packets.length;
    r.report(span(1));
    await r.close();
    const batch = decode((await agent.waitFor(start + 1))[start] as Buffer);
    assert.equal(batch.seqNo, 2n);
    assert.deepEqual(batch.stats, {
      fullQueueDroppedSpans: 0n,
      tooLargeDroppedSpans: 0n,
      failedToEmitSpans: 3n,
    });
    assert.equal(await metric(registry, 'skein_client_spans_reported_total', { transport: 'udp' }), 1);
  });

  it('a datagram the operating system refuses is a send_error, not a crash', async () => {
    const {
      reporter: r,
      registry,
      logger,
    } = reporter({
      sender: new UdpSender({ host: '127.0.0.1', port: agent.port, maxPacketBytes: 80_000 }),
    });
    r.report(span(70_000));
    await r.close();
    assert.equal(await metric(registry, 'skein_client_spans_dropped_total', { reason: 'send_error' }), 1);
    assert.match(logger.lines[0] ?? '', /^error cannot send 1 spans over udp \(send EMSGSIZE/);
  });
});
