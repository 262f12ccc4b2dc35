import { LATENCY_BUCKETS } from '@skein/runtime';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The ingester's metrics (skein_ingester_<what>_<unit>), one set per process. */
export class IngesterMetrics {
  readonly messagesConsumed: Counter<'topic'>;
  readonly spansReceived: Counter;
  readonly spansWritten: Counter;
  readonly documentsWritten: Counter<'kind'>;
  readonly spansDropped: Counter<'reason'>;
  readonly deadLettered: Counter<'reason'>;
  readonly bulkFailures: Counter<'kind'>;
  readonly stageLatency: Histogram<'stage'>;
  readonly endToEnd: Histogram;
  readonly bulkLatency: Histogram;
  readonly lag: Gauge<'topic' | 'partition'>;
  readonly paused: Gauge;

  constructor(registry: Registry, pending: () => { spans: number; held: number }) {
    const registers = [registry];
    this.messagesConsumed = new Counter({
      name: 'skein_ingester_messages_consumed_total',
      help: 'Kafka messages consumed',
      labelNames: ['topic'],
      registers,
    });
    this.spansReceived = new Counter({
      name: 'skein_ingester_spans_received_total',
      help: 'Spans decoded from consumed messages',
      registers,
    });
    this.spansWritten = new Counter({
      name: 'skein_ingester_spans_written_total',
      help: 'Span documents Elasticsearch acknowledged',
      registers,
    });
    this.documentsWritten = new Counter({
      name: 'skein_ingester_documents_written_total',
      help: 'Documents Elasticsearch acknowledged, by kind (span, service, dependencies)',
      labelNames: ['kind'],
      registers,
    });
    this.spansDropped = new Counter({
      name: 'skein_ingester_spans_dropped_total',
      help: 'Spans deliberately not written, by reason (head_sampled_out, sampled_out, dead_letter)',
      labelNames: ['reason'],
      registers,
    });
    this.deadLettered = new Counter({
      name: 'skein_ingester_dead_letters_total',
      help: 'Messages and documents sent to the dead-letter topic, by reason',
      labelNames: ['reason'],
      registers,
    });
    this.bulkFailures = new Counter({
      name: 'skein_ingester_bulk_failures_total',
      help: 'Bulk failures by kind: request (retried), item_retryable (retried), item_permanent (dead-lettered)',
      labelNames: ['kind'],
      registers,
    });
    this.stageLatency = new Histogram({
      name: 'skein_ingester_stage_latency_seconds',
      help: 'Time spent waiting for and in each stage: consume (Kafka append to fetch), decode, sample (tail hold), index, bulk (queued until written)',
      labelNames: ['stage'],
      buckets: [...LATENCY_BUCKETS],
      registers,
    });
    this.endToEnd = new Histogram({
      name: 'skein_ingester_end_to_end_latency_seconds',
      help: 'From the agent receiving a span to Elasticsearch acknowledging its document',
      buckets: [...LATENCY_BUCKETS],
      registers,
    });
    this.bulkLatency = new Histogram({
      name: 'skein_ingester_bulk_request_latency_seconds',
      help: 'Duration of successful _bulk requests',
      buckets: [...LATENCY_BUCKETS],
      registers,
    });
    this.lag = new Gauge({
      name: 'skein_ingester_consumer_lag',
      help: 'Messages between the last consumed offset and the partition end, as of the last fetch',
      labelNames: ['topic', 'partition'],
      registers,
    });
    this.paused = new Gauge({
      name: 'skein_ingester_consumer_paused',
      help: '1 while consumption is paused for backpressure',
      registers,
    });
    new Gauge({
      name: 'skein_ingester_pending_spans',
      help: 'Spans consumed and not yet written or dropped',
      registers,
      collect() {
        this.set(pending().spans);
      },
    });
    new Gauge({
      name: 'skein_ingester_tail_held_spans',
      help: 'Spans held by tail sampling awaiting a decision',
      registers,
      collect() {
        this.set(pending().held);
      },
    });
  }
}
