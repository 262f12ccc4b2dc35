import { LATENCY_BUCKETS } from '@skein/runtime';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { TraceQueue } from './queue/trace-queue.js';
import type { ReceiverMetrics, Transport } from './sink.js';

/** The agent's metrics, named as the design brief says (skein_agent_<what>_<unit>). */
export class AgentMetrics implements ReceiverMetrics {
  readonly spansReceived: Counter<'transport'>;
  readonly batchesReceived: Counter<'transport'>;
  readonly spansDropped: Counter<'transport' | 'reason'>;
  readonly batchesRejected: Counter<'transport' | 'reason'>;
  readonly spansPublished: Counter;
  readonly messagesPublished: Counter;
  readonly produceErrors: Counter;
  readonly queueLatency: Histogram;
  readonly produceLatency: Histogram;

  constructor(registry: Registry, queue: TraceQueue) {
    const registers = [registry];
    this.spansReceived = new Counter({
      name: 'skein_agent_spans_received_total',
      help: 'Spans received and decoded, by transport',
      labelNames: ['transport'],
      registers,
    });
    this.batchesReceived = new Counter({
      name: 'skein_agent_batches_received_total',
      help: 'Client batches (UDP packets, HTTP and gRPC requests, OTLP exports) received and decoded, by transport',
      labelNames: ['transport'],
      registers,
    });
    this.spansDropped = new Counter({
      name: 'skein_agent_spans_dropped_total',
      help: 'Decoded spans that will never reach Kafka, by transport and reason (queue_full, shutdown, invalid)',
      labelNames: ['transport', 'reason'],
      registers,
    });
    this.batchesRejected = new Counter({
      name: 'skein_agent_batches_rejected_total',
      help: 'Packets and requests rejected whole before their spans could be counted, by transport and reason',
      labelNames: ['transport', 'reason'],
      registers,
    });
    this.spansPublished = new Counter({
      name: 'skein_agent_spans_published_total',
      help: 'Spans acknowledged by Kafka',
      registers,
    });
    this.messagesPublished = new Counter({
      name: 'skein_agent_messages_published_total',
      help: 'Per-trace messages acknowledged by Kafka',
      registers,
    });
    this.produceErrors = new Counter({
      name: 'skein_agent_kafka_produce_errors_total',
      help: 'Failed produce requests (each is retried until sent or shut down)',
      registers,
    });
    this.queueLatency = new Histogram({
      name: 'skein_agent_queue_latency_seconds',
      help: 'Time a message waited in the agent queue before its produce request started',
      buckets: [...LATENCY_BUCKETS],
      registers,
    });
    this.produceLatency = new Histogram({
      name: 'skein_agent_kafka_produce_latency_seconds',
      help: 'Duration of successful produce requests, until Kafka acknowledged',
      buckets: [...LATENCY_BUCKETS],
      registers,
    });
    new Gauge({
      name: 'skein_agent_queue_spans',
      help: 'Spans waiting in the queue',
      registers,
      collect() {
        this.set(queue.spans);
      },
    });
    new Gauge({
      name: 'skein_agent_queue_bytes',
      help: 'Encoded bytes waiting in the queue',
      registers,
      collect() {
        this.set(queue.bytes);
      },
    });
    new Gauge({ name: 'skein_agent_queue_capacity_spans', help: 'Queue bound in spans', registers }).set(
      queue.maxSpans,
    );
  }

  received(transport: Transport, spans: number): void {
    this.batchesReceived.inc({ transport });
    if (spans > 0) this.spansReceived.inc({ transport }, spans);
  }

  droppedSpans(transport: Transport, reason: string, spans: number): void {
    if (spans > 0) this.spansDropped.inc({ transport, reason }, spans);
  }

  rejected(transport: Transport, reason: string): void {
    this.batchesRejected.inc({ transport, reason });
  }
}
