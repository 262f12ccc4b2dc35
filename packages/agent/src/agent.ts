import type { TraceBatch } from '@skein/model';
import {
  createKafka,
  kafkaSecurity,
  kafkaStartError,
  ServerTls,
  tlsReloadCounter,
  type ComponentDefinition,
  type ConfigOf,
  type Logger,
  type Service,
} from '@skein/runtime';
import type { Registry } from 'prom-client';
import { agentSchema } from './config.js';
import { KafkaPublisher } from './kafka/publisher.js';
import { AgentMetrics } from './metrics.js';
import { TraceQueue } from './queue/trace-queue.js';
import { GrpcReceiver } from './receivers/grpc.js';
import { HttpReceiver } from './receivers/http.js';
import { OtlpGrpcReceiver } from './receivers/otlp/grpc.js';
import { OtlpHttpReceiver } from './receivers/otlp/http.js';
import { UdpReceiver } from './receivers/udp.js';
import { SamplingServer } from './sampling/server.js';
import type { Accepted, SpanSink, Transport } from './sink.js';

export type AgentConfig = ConfigOf<typeof agentSchema>;

/** The agent's parts, wired: receivers → bounded queue → Kafka publisher, plus the sampling endpoint. */
export class Agent implements SpanSink {
  readonly queue: TraceQueue;
  readonly metrics: AgentMetrics;
  readonly publisher: KafkaPublisher;
  readonly udp: UdpReceiver[] = [];
  readonly http: HttpReceiver | undefined;
  readonly grpc: GrpcReceiver | undefined;
  readonly otlpGrpc: OtlpGrpcReceiver | undefined;
  readonly otlpHttp: OtlpHttpReceiver | undefined;
  readonly sampling: SamplingServer | undefined;
  #accepting = true;

  /** `fail` stops the agent with an error no retry cures (Kafka refusing its credentials at the first connect). */
  constructor(
    config: AgentConfig,
    logger: Logger,
    registry: Registry,
    fail: (service: string, error: unknown) => void = () => undefined,
  ) {
    this.queue = new TraceQueue(config['queue.max-spans'], config['queue.max-bytes']);
    this.metrics = new AgentMetrics(registry, this.queue);
    const kafkaLogger = logger.child({ module: 'kafka' });
    const security = kafkaSecurity(config, { logger: kafkaLogger });
    this.publisher = new KafkaPublisher({
      kafka: createKafka({
        brokers: config['kafka.brokers'],
        clientId: config['kafka.client-id'],
        logger: kafkaLogger,
        requestTimeoutMs: config['kafka.request-timeout'],
        security,
      }),
      startError: (err) =>
        kafkaStartError(err, {
          brokers: config['kafka.brokers'],
          security,
          role: 'producer',
          topic: config['kafka.topic'],
        }),
      onFatal: (err) => fail('kafka-publisher', err),
      topic: config['kafka.topic'],
      acks: config['kafka.acks'],
      idempotent: config['kafka.idempotent'] && config['kafka.acks'] === 'all',
      compression: config['kafka.compression'],
      maxMessages: config['kafka.batch.max-messages'],
      maxBytes: config['kafka.batch.max-bytes'],
      lingerMs: config['kafka.linger'],
      initialBackoffMs: config['kafka.retry.initial-backoff'],
      maxBackoffMs: config['kafka.retry.max-backoff'],
      queue: this.queue,
      metrics: this.metrics,
      logger: logger.child({ module: 'publisher' }),
    });
    const host = config['receivers.host'];
    const receiver = { sink: this, metrics: this.metrics, host };
    // One certificate for the HTTP, gRPC and OTLP receivers: one watch on its files, one reload count.
    const tls = ServerTls.fromConfig(config, 'receivers', {
      logger: logger.child({ module: 'tls' }),
      listener: 'receivers',
      reloads: tlsReloadCounter(registry, 'agent'),
    });
    const secure = tls === undefined ? {} : { tls };
    for (const format of ['compact', 'binary', 'zipkin'] as const) {
      const port = config[`udp.${format}.port`];
      if (port === 0) continue;
      this.udp.push(
        new UdpReceiver({
          ...receiver,
          port,
          format,
          receiveBufferBytes: config['udp.receive-buffer'],
          maxPacketBytes: config['udp.max-packet'],
          quietPeriodMs: config['shutdown.quiet-period'],
          logger: logger.child({ module: `udp-${format}` }),
        }),
      );
    }
    if (config['http.port'] !== 0) {
      this.http = new HttpReceiver({
        ...receiver,
        ...secure,
        host: config['http.host'] ?? host,
        port: config['http.port'],
        maxBodyBytes: config['http.max-body'],
        logger: logger.child({ module: 'http' }),
      });
    }
    if (config['grpc.port'] !== 0) {
      this.grpc = new GrpcReceiver({
        ...receiver,
        ...secure,
        host: config['grpc.host'] ?? host,
        port: config['grpc.port'],
        maxMessageBytes: config['grpc.max-message'],
        logger: logger.child({ module: 'grpc' }),
      });
    }
    // One OTLP request may hold at most what the queue can take at all: more could never be accepted.
    const maxSpans = config['queue.max-spans'];
    if (config['otlp.grpc.port'] !== 0) {
      this.otlpGrpc = new OtlpGrpcReceiver({
        ...receiver,
        ...secure,
        host: config['otlp.grpc.host'] ?? host,
        port: config['otlp.grpc.port'],
        maxMessageBytes: config['otlp.grpc.max-message'],
        maxSpans,
        logger: logger.child({ module: 'otlp-grpc' }),
      });
    }
    if (config['otlp.http.port'] !== 0) {
      this.otlpHttp = new OtlpHttpReceiver({
        ...receiver,
        ...secure,
        host: config['otlp.http.host'] ?? host,
        port: config['otlp.http.port'],
        maxBodyBytes: config['otlp.http.max-body'],
        maxSpans,
        logger: logger.child({ module: 'otlp-http' }),
      });
    }
    if (config['sampling.port'] !== 0) {
      this.sampling = new SamplingServer({
        port: config['sampling.port'],
        host: config['sampling.host'] ?? host,
        ...(config['sampling.strategies-file'] ? { strategiesFile: config['sampling.strategies-file'] } : {}),
        reloadIntervalMs: config['sampling.reload-interval'],
        logger: logger.child({ module: 'sampling' }),
        registry,
      });
    }
  }

  /** Start order: publisher first (so the queue drains from the start), then receivers, then sampling. */
  get services(): Service[] {
    const receivers: Service[] = [
      ...this.udp,
      ...(this.http ? [this.http] : []),
      ...(this.grpc ? [this.grpc] : []),
      ...(this.otlpGrpc ? [this.otlpGrpc] : []),
      ...(this.otlpHttp ? [this.otlpHttp] : []),
    ];
    const stopIntake: Service = {
      name: 'intake',
      start: async () => undefined,
      // Runs after every receiver has stopped (services stop in reverse order): nothing more is queued.
      stop: async () => void (this.#accepting = false),
    };
    return [this.publisher, stopIntake, ...receivers, ...(this.sampling ? [this.sampling] : [])];
  }

  accept(traces: readonly TraceBatch[], transport: Transport, receivedAt: number): Accepted {
    if (!this.#accepting) return 'stopped';
    return this.queue.offer(traces, transport, receivedAt) ? 'accepted' : 'queue_full';
  }
}

export const agentComponent: ComponentDefinition<typeof agentSchema> = {
  name: 'agent',
  description:
    'receives Jaeger spans (UDP 6831 compact, 6832 binary, 5775 zipkin; HTTP 14268; gRPC 14250) and OpenTelemetry OTLP spans (gRPC 4317, HTTP 4318), serves sampling strategies (5778) and publishes one Kafka message per trace.',
  schema: agentSchema,
  build: ({ config, logger, registry, fail }) => new Agent(config, logger, registry, fail).services,
};
