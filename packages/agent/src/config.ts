import { field, kafkaSecuritySchema, serverTlsSchema } from '@skein/runtime';

/** Every key of `skein agent`, with Jaeger agent's ports as defaults. A port of 0 switches that listener off. */
export const agentSchema = {
  'admin.port': field.port(14271, 'Admin HTTP port: /metrics, /health, /live'),
  'receivers.host': field.string(
    '0.0.0.0',
    'Address the span receivers and the sampling endpoint bind to, unless their own *.host says otherwise (127.0.0.1 for a sidecar)',
  ),
  ...serverTlsSchema('receivers', 'the HTTP, gRPC and OTLP receivers'),
  'udp.compact.port': field.port(
    6831,
    'UDP port for agent.thrift emitBatch in the compact protocol (0 = off)',
  ),
  'udp.binary.port': field.port(6832, 'UDP port for agent.thrift emitBatch in the binary protocol (0 = off)'),
  'udp.zipkin.port': field.port(5775, 'UDP port for emitZipkinBatch (zipkincore thrift, compact) (0 = off)'),
  'udp.receive-buffer': field.size(
    '4MiB',
    'Socket receive buffer of each UDP port (the kernel may cap it: net.core.rmem_max)',
  ),
  'udp.max-packet': field.size(
    '65000',
    'Largest UDP packet accepted; larger ones are dropped with reason too_large',
  ),
  'http.port': field.port(14268, 'HTTP port for POST /api/traces (thrift Batch) (0 = off)'),
  'http.host': field.optionalString('Address the HTTP receiver binds to; receivers.host when unset'),
  'http.max-body': field.size('10MiB', 'Largest HTTP request body; larger ones get 413'),
  'grpc.port': field.port(14250, 'gRPC port for jaeger.api_v2.CollectorService/PostSpans (0 = off)'),
  'grpc.host': field.optionalString('Address the gRPC receiver binds to; receivers.host when unset'),
  'grpc.max-message': field.size('16MiB', 'Largest gRPC request message'),
  'otlp.grpc.port': field.port(
    4317,
    'OTLP/gRPC port for opentelemetry.proto.collector.trace.v1.TraceService/Export (0 = off)',
  ),
  'otlp.grpc.host': field.optionalString(
    'Address the OTLP/gRPC receiver binds to; receivers.host when unset',
  ),
  'otlp.grpc.max-message': field.size(
    '4MiB',
    'Largest OTLP/gRPC request message (after decompression); larger ones get RESOURCE_EXHAUSTED',
  ),
  'otlp.http.port': field.port(4318, 'OTLP/HTTP port for POST /v1/traces, protobuf or JSON (0 = off)'),
  'otlp.http.host': field.optionalString(
    'Address the OTLP/HTTP receiver binds to; receivers.host when unset',
  ),
  'otlp.http.max-body': field.size(
    '10MiB',
    'Largest OTLP/HTTP request body, before and after gzip/deflate decompression; larger ones get 413',
  ),
  'sampling.port': field.port(5778, 'HTTP port serving sampling strategies to clients (0 = off)'),
  'sampling.host': field.optionalString('Address the sampling endpoint binds to; receivers.host when unset'),
  'sampling.strategies-file': field.optionalString(
    'Jaeger-format sampling strategies JSON file; without it every service gets probabilistic 0.001',
  ),
  'sampling.reload-interval': field.duration('10s', 'How often the strategies file is checked for changes'),
  'queue.max-spans': field.int(
    200_000,
    'Queue bound in spans (and the most spans one OTLP request may hold); when full, UDP spans are dropped, HTTP gets 503, gRPC RESOURCE_EXHAUSTED (OTLP/gRPC UNAVAILABLE)',
    { min: 1 },
  ),
  'queue.max-bytes': field.size('128MiB', 'Queue bound in encoded bytes'),
  'kafka.brokers': field.list(['127.0.0.1:9092'], 'Kafka bootstrap servers'),
  'kafka.topic': field.string(
    'skein-spans',
    'Topic the spans are published to, one message per trace keyed by trace ID',
  ),
  'kafka.client-id': field.string('skein-agent', 'Kafka client id'),
  'kafka.acks': field.oneOf(['all', '1', '0'], 'all', 'Acknowledgements the producer waits for'),
  'kafka.idempotent': field.boolean(
    true,
    'Idempotent producer (needs acks=all); no duplicates from producer retries',
  ),
  'kafka.compression': field.oneOf(
    ['none', 'gzip'],
    'none',
    'Message compression (kafkajs ships gzip; lz4/zstd need codec packages, not included)',
  ),
  'kafka.batch.max-messages': field.int(1000, 'Most messages in one produce request', { min: 1 }),
  'kafka.batch.max-bytes': field.size(
    '512KiB',
    'Most message bytes in one produce request (keep it under the broker and topic max.message.bytes, 1 MB by default)',
  ),
  'kafka.linger': field.duration('5ms', 'How long to wait for a produce request to fill before sending it'),
  'kafka.retry.initial-backoff': field.duration(
    '100ms',
    'First wait before a failed produce request is retried',
  ),
  'kafka.retry.max-backoff': field.duration(
    '5s',
    'Longest wait between retries; retries go on until the message is sent or shut down',
  ),
  'kafka.request-timeout': field.duration('10s', 'Kafka request timeout'),
  ...kafkaSecuritySchema,
  'shutdown.timeout': field.duration(
    '10s',
    'On SIGTERM: time to stop receiving and flush the queue to Kafka; what is left is dropped with reason shutdown',
  ),
  'shutdown.quiet-period': field.duration(
    '250ms',
    'On SIGTERM, UDP ports stay open until no packet arrived for this long, so packets already sent are not lost',
  ),
};
