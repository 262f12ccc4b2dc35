import { DecodeError, decodeBatch, decodeJaegerJsonSpan, decodeProtoSpan, type Span } from '@skein/model';

export type Encoding = 'thrift-compact' | 'jaeger-proto' | 'jaeger-json';

const HEADER_VALUES: Record<string, Encoding> = {
  'thrift-compact': 'thrift-compact',
  'jaeger-proto': 'jaeger-proto',
  protobuf: 'jaeger-proto',
  'jaeger-json': 'jaeger-json',
  json: 'jaeger-json',
};

/** The encoding a message declares in its skein-encoding header, else the configured default. */
export function encodingOf(header: string | undefined, fallback: Encoding): Encoding {
  if (header === undefined) return fallback;
  const encoding = HEADER_VALUES[header];
  if (!encoding)
    throw new DecodeError('DECODE_BAD_ENVELOPE', `unknown skein-encoding header ${JSON.stringify(header)}`);
  return encoding;
}

/** Decodes one Kafka message value into spans (one trace for skein's messages, one span for Jaeger's). */
export function decodeMessage(value: Buffer, encoding: Encoding): Span[] {
  switch (encoding) {
    case 'thrift-compact':
      return decodeBatch(value, 'compact').spans;
    case 'jaeger-proto':
      return [decodeProtoSpan(value)];
    case 'jaeger-json':
      return [decodeJaegerJsonSpan(value)];
  }
}
