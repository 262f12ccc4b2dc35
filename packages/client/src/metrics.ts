import { Counter, Gauge, register as defaultRegistry, type Registry } from 'prom-client';

/** Why a finished, sampled span never reached the agent. */
export type DropReason = 'queue_full' | 'too_large' | 'send_error' | 'closed';

/** How spans leave the process: UDP datagrams to the agent, or HTTP requests to JAEGER_ENDPOINT. */
export type SenderTransport = 'udp' | 'http';

/**
 * The client's metrics (skein_client_<what>_<unit>). Tracers given the same registry share them, so an
 * application with several tracers exposes one set of series.
 */
export class ClientMetrics {
  readonly spansStarted: Counter<'sampled'>;
  readonly spansFinished: Counter<'sampled'>;
  readonly spansReported: Counter<'transport'>;
  readonly spansDropped: Counter<'reason'>;
  readonly packetsSent: Counter<'transport'>;
  readonly bytesSent: Counter<'transport'>;
  readonly samplerQueries: Counter<'result'>;
  readonly samplerUpdates: Counter;
  readonly queueSpans: Gauge;

  constructor(registry: Registry = defaultRegistry) {
    this.spansStarted = counter(
      registry,
      'skein_client_spans_started_total',
      'Spans started, by sampling decision',
      ['sampled'],
    );
    this.spansFinished = counter(
      registry,
      'skein_client_spans_finished_total',
      'Spans finished, by sampling decision (only sampled spans are reported)',
      ['sampled'],
    );
    this.spansReported = counter(
      registry,
      'skein_client_spans_reported_total',
      'Spans sent to the agent or collector without a send error',
      ['transport'],
    );
    this.spansDropped = counter(
      registry,
      'skein_client_spans_dropped_total',
      'Sampled spans that were not sent, by reason (queue_full, too_large, send_error, closed)',
      ['reason'],
    );
    this.packetsSent = counter(
      registry,
      'skein_client_packets_sent_total',
      'UDP datagrams (or HTTP requests with JAEGER_ENDPOINT) sent without error',
      ['transport'],
    );
    this.bytesSent = counter(
      registry,
      'skein_client_sent_bytes_total',
      'Bytes of the packets counted in skein_client_packets_sent_total',
      ['transport'],
    );
    this.samplerQueries = counter(
      registry,
      'skein_client_sampler_queries_total',
      'Remote sampler polls of the sampling endpoint, by result (ok, error)',
      ['result'],
    );
    this.samplerUpdates = counter(
      registry,
      'skein_client_sampler_updates_total',
      'Times the remote sampler switched to a different strategy',
      [],
    );
    const existing = registry.getSingleMetric('skein_client_reporter_queue_spans');
    this.queueSpans =
      existing instanceof Gauge
        ? (existing as Gauge)
        : new Gauge({
            name: 'skein_client_reporter_queue_spans',
            help: 'Finished spans waiting in the reporter queue',
            registers: [registry],
          });
  }
}

function counter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: L[],
): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Counter) return existing as Counter<L>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}
