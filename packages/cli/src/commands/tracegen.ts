import { writeFileSync } from 'node:fs';
import {
  configHelp,
  createKafka,
  createLogger,
  field,
  kafkaSecurity,
  kafkaSecuritySchema,
  kafkaStartError,
  loadConfig,
  registeredSecrets,
  ConfigError,
} from '@skein/runtime';
import { DEFAULT_SHAPE } from '../tracegen/generate.js';
import { runTracegen } from '../tracegen/run.js';
import {
  DEFAULT_PORTS,
  TRANSPORTS,
  grpcSender,
  httpSender,
  kafkaSender,
  udpSender,
  type Sender,
  type Transport,
} from '../tracegen/senders.js';
import type { CommandIO } from './io.js';

export const tracegenSchema = {
  transport: field.oneOf(
    TRANSPORTS,
    'udp-compact',
    'How to send: to the agent over UDP, HTTP or gRPC, or straight to Kafka',
  ),
  host: field.string('127.0.0.1', "The agent's host"),
  port: field.port(0, "The agent's port (0: the transport's default: 6831, 6832, 14268 or 14250)"),
  rate: field.number(10, 'Traces per second (0: as fast as the transport takes them)', { min: 0 }),
  count: field.int(0, 'Traces to send (0: no limit)', { min: 0 }),
  duration: field.duration(
    '0',
    'How long to send (0: no limit; with neither count nor duration, until Ctrl-C)',
  ),
  concurrency: field.int(8, 'Traces being sent at once', { min: 1 }),
  seed: field.int(
    0,
    'Random seed: 0 picks a new one each run; any other value sends the same traces, IDs included',
    {
      min: 0,
    },
  ),
  services: field.int(DEFAULT_SHAPE.services, 'Services in the graph (the first is the entry point)', {
    min: 2,
  }),
  depth: field.int(DEFAULT_SHAPE.depth, 'Call levels below the entry span', { min: 0, max: 20 }),
  fanout: field.int(DEFAULT_SHAPE.fanout, 'Downstream calls per server span, at most', { min: 0, max: 50 }),
  'max-spans': field.int(DEFAULT_SHAPE.maxSpans, 'Spans per trace at most', { min: 1 }),
  'error-rate': field.number(DEFAULT_SHAPE.errorRate, 'Fraction of traces with an error', { min: 0, max: 1 }),
  'log-rate': field.number(DEFAULT_SHAPE.logRate, 'Fraction of spans with a log event', { min: 0, max: 1 }),
  'latency.median': field.duration('2ms', 'Median duration of a leaf span'),
  'latency.p99': field.duration('50ms', '99th-percentile duration of a leaf span'),
  'extra-tags': field.int(DEFAULT_SHAPE.extraTags, 'Extra string tags per span', { min: 0, max: 200 }),
  'kafka.brokers': field.list(['127.0.0.1:9092'], 'Kafka bootstrap servers (transport kafka)'),
  'kafka.topic': field.string('skein-spans', 'Topic (transport kafka)'),
  ...kafkaSecuritySchema,
  'trace-ids-file': field.optionalString('Write the ID of every trace sent to this file, one per line'),
};

export const tracegenHelp = `skein tracegen: sends realistic traces (a service graph with client/server calls, database leaves,
errors, logs and log-normal latencies) at a target rate, to the agent or straight to Kafka, then prints what it
sent as JSON: traces, spans, rate, and (with --trace-ids-file) every trace ID, so a test can check arrival.

Example: skein tracegen --count 10000 --rate 500

Options:
${configHelp(tracegenSchema)}
`;

type TracegenConfig = ReturnType<typeof loadConfig<typeof tracegenSchema>>['config'];

/**
 * The Kafka sender, once a first connection succeeded: refused credentials or a TLS problem stop tracegen with
 * one clear error rather than every trace failing alike.
 */
async function kafkaTransport(config: TracegenConfig, io: CommandIO): Promise<Sender> {
  const brokers = config['kafka.brokers'];
  const logger = createLogger({ level: 'warn', format: 'pretty', write: io.err, redact: registeredSecrets });
  const security = kafkaSecurity(config, { logger });
  const kafka = createKafka({ brokers, clientId: 'skein-tracegen', security });
  const admin = kafka.admin();
  try {
    await admin.connect();
  } catch (err) {
    throw (
      (await kafkaStartError(err, { brokers, security, role: 'producer', topic: config['kafka.topic'] })) ??
      err
    );
  } finally {
    await admin.disconnect();
  }
  return kafkaSender(kafka, config['kafka.topic']);
}

function agentSender(config: TracegenConfig, transport: Exclude<Transport, 'kafka'>): Sender {
  const port = config.port === 0 ? DEFAULT_PORTS[transport] : config.port;
  switch (transport) {
    case 'udp-compact':
      return udpSender(config.host, port, 'compact');
    case 'udp-binary':
      return udpSender(config.host, port, 'binary');
    case 'http':
      return httpSender(config.host, port);
    case 'grpc':
      return grpcSender(config.host, port);
  }
}

/** Runs tracegen until its count or duration (or Ctrl-C); prints the summary as one JSON line. */
export async function tracegenCommand(
  argv: readonly string[],
  io: CommandIO,
  until?: Promise<void>,
): Promise<number> {
  const { config } = loadConfig(tracegenSchema, { argv, env: io.env });
  if (config['latency.p99'] < config['latency.median']) {
    throw new ConfigError('latency.p99', 'must not be less than latency.median');
  }
  const abort = new AbortController();
  const stop = (): void => abort.abort();
  if (until) void until.then(stop);
  else {
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }
  const ids: string[] = [];
  const idsFile = config['trace-ids-file'];
  const send =
    config.transport === 'kafka' ? await kafkaTransport(config, io) : agentSender(config, config.transport);
  try {
    const summary = await runTracegen({
      sender: send,
      shape: {
        services: config.services,
        depth: config.depth,
        fanout: config.fanout,
        maxSpans: config['max-spans'],
        errorRate: config['error-rate'],
        logRate: config['log-rate'],
        latencyMedianUs: config['latency.median'] * 1000,
        latencyP99Us: config['latency.p99'] * 1000,
        extraTags: config['extra-tags'],
      },
      seed: config.seed === 0 ? Math.floor(Math.random() * 2 ** 31) : config.seed,
      rate: config.rate,
      count: config.count,
      durationMs: config.duration,
      concurrency: config.concurrency,
      signal: abort.signal,
      ...(idsFile === undefined ? {} : { onTrace: (id: string) => ids.push(id) }),
    });
    if (idsFile !== undefined) writeFileSync(idsFile, ids.length > 0 ? `${ids.join('\n')}\n` : '');
    io.out(
      JSON.stringify({
        transport: config.transport,
        traces: summary.traces,
        spans: summary.spans,
        failedTraces: summary.failedTraces,
        seconds: Math.round(summary.seconds * 100) / 100,
        tracesPerSecond: Math.round(summary.tracesPerSecond),
        spansPerSecond: Math.round(summary.spansPerSecond),
        services: summary.services,
        ...(idsFile === undefined ? {} : { traceIdsFile: idsFile }),
      }),
    );
    return summary.failedTraces > 0 ? 1 : 0;
  } finally {
    await send.close();
    if (!until) {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  }
}
