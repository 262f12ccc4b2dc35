// For the OTLP receivers' tests: a generic OTLP client built from the model's fixture .proto (as any OTLP
// exporter would be), a plain HTTP poster, request builders, and recording fakes of the agent's sink and metrics.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { Batch, Process, Span, TraceBatch } from '@skein/model';
import type { Accepted, ReceiverMetrics, SpanSink, Transport } from '../../src/sink.js';

const SERVICE = 'opentelemetry.proto.collector.trace.v1.TraceService';

export const otlpDefinition = protoLoader.loadSync(
  fileURLToPath(new URL('../../../model/test/fixtures/otlp-trace.proto', import.meta.url)),
  { keepCase: false, longs: String, enums: Number, defaults: false },
);
const exportMethod = (otlpDefinition[SERVICE] as protoLoader.ServiceDefinition)['Export']!;

/** ExportTraceServiceRequest in protobuf, from proto-loader's object form (camelCase, bytes as Buffers). */
export function encodeRequest(request: object): Buffer {
  return exportMethod.requestSerialize(request);
}

/** ExportTraceServiceResponse from protobuf to proto-loader's object form. */
export function decodeResponse(bytes: Buffer): object {
  return exportMethod.responseDeserialize(bytes) as object;
}

/** google.rpc.Status from protobuf: code, message and the type URLs of its details (read by hand, it is small). */
export function decodeRpcStatus(bytes: Uint8Array): { code: number; message: string; details: string[] } {
  const out = { code: 0, message: '', details: [] as string[] };
  let pos = 0;
  const varint = (): number => {
    let v = 0;
    for (let shift = 0; ; shift += 7) {
      const b = bytes[pos++]!;
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
    }
  };
  while (pos < bytes.length) {
    const tag = varint();
    if (tag === 0x08) out.code = varint();
    else {
      const len = varint();
      const content = bytes.subarray(pos, pos + len);
      pos += len;
      if (tag === 0x12) out.message = Buffer.from(content).toString('utf8');
      // Any.type_url is its field 1, the first field written.
      else if (tag === 0x1a)
        out.details.push(Buffer.from(content.subarray(2, 2 + content[1]!)).toString('utf8'));
    }
  }
  return out;
}

interface ExportClient extends grpc.Client {
  Export(
    request: object,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: (err: grpc.ServiceError | null, response?: object) => void,
  ): grpc.ClientUnaryCall;
}

const loaded = grpc.loadPackageDefinition(otlpDefinition) as unknown as {
  opentelemetry: { proto: { collector: { trace: { v1: { TraceService: grpc.ServiceClientConstructor } } } } };
};

/** A TraceService client; `options` are grpc-js channel options (compression, for one). */
export function exportClient(port: number, options: grpc.ChannelOptions = {}): ExportClient {
  const Client = loaded.opentelemetry.proto.collector.trace.v1.TraceService;
  return new Client(
    `127.0.0.1:${port}`,
    grpc.credentials.createInsecure(),
    options,
  ) as unknown as ExportClient;
}

export function callExport(client: ExportClient, request: object): Promise<object> {
  return new Promise((resolve, reject) => {
    client.Export(request, new grpc.Metadata(), {}, (err, response) =>
      err ? reject(err) : resolve(response ?? {}),
    );
  });
}

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** One HTTP request with exactly these headers and body (chunked when no content-length is given). */
export function post(
  port: number,
  body: Uint8Array | string | Array<Uint8Array | string>,
  headers: Record<string, string> = {},
  options: { path?: string; method?: string } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path: options.path ?? '/v1/traces',
        method: options.method ?? 'POST',
        headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    for (const piece of Array.isArray(body) ? body : [body]) req.write(piece);
    req.end();
  });
}

export class RecordingSink implements SpanSink {
  result: Accepted | 'throw' = 'accepted';
  readonly calls: { traces: TraceBatch[]; transport: Transport; receivedAt: number }[] = [];
  accept(traces: readonly TraceBatch[], transport: Transport, receivedAt: number): Accepted {
    this.calls.push({ traces: [...traces], transport, receivedAt });
    if (this.result === 'throw') throw new Error('sink exploded');
    return this.result;
  }
}

export class RecordingMetrics implements ReceiverMetrics {
  readonly calls: (string | number)[][] = [];
  received(transport: Transport, spans: number): void {
    this.calls.push(['received', transport, spans]);
  }
  droppedSpans(transport: Transport, reason: string, spans: number): void {
    this.calls.push(['droppedSpans', transport, reason, spans]);
  }
  rejected(transport: Transport, reason: string): void {
    this.calls.push(['rejected', transport, reason]);
  }
}

export const TRACE_1 = '4bf92f3577b34da6a3ce929d0e0e4736';
export const TRACE_2 = '0af7651916cd43dd8448eb211c80319c';
export const ROOT = '00f067aa0ba902b7';
export const CHILD = 'b7ad6b7169203331';
export const OTHER = 'a1b2c3d4e5f60718';
export const START = 1_700_000_000_123_456_789n;

const id = (hex: string) => Buffer.from(hex, 'hex');

/**
 * Three spans over two traces from one resource, in proto-loader's object form: a server root with an event,
 * its client child with an error status and a link, and a span of another trace. `extraSpans` are appended.
 */
export function sampleRequest(extraSpans: object[] = []): object {
  return {
    resourceSpans: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: 'checkout' } },
            { key: 'host.name', value: { stringValue: 'web-7' } },
          ],
        },
        scopeSpans: [
          {
            scope: { name: 'shop', version: '1.2.3' },
            spans: [
              {
                traceId: id(TRACE_1),
                spanId: id(ROOT),
                name: 'GET /cart',
                kind: 2,
                flags: 0x101,
                startTimeUnixNano: String(START),
                endTimeUnixNano: String(START + 2_000_000n),
                attributes: [{ key: 'http.status_code', value: { intValue: '200' } }],
                events: [
                  {
                    timeUnixNano: String(START + 1_000n),
                    name: 'cache.miss',
                    attributes: [{ key: 'cache.key', value: { stringValue: 'cart-1' } }],
                  },
                ],
                status: { code: 1 },
              },
              {
                traceId: id(TRACE_1),
                spanId: id(CHILD),
                parentSpanId: id(ROOT),
                name: 'charge',
                kind: 3,
                startTimeUnixNano: String(START + 500_000n),
                endTimeUnixNano: String(START + 1_500_000n),
                links: [{ traceId: id(TRACE_2), spanId: id(OTHER) }],
                status: { code: 2, message: 'card declined' },
              },
              {
                traceId: id(TRACE_2),
                spanId: id(OTHER),
                name: 'batch',
                startTimeUnixNano: String(START),
                endTimeUnixNano: String(START + 10_000n),
              },
              ...extraSpans,
            ],
          },
        ],
      },
    ],
  };
}

// The sample request mapped to the domain model.
const process: Process = {
  serviceName: 'checkout',
  tags: [{ key: 'host.name', type: 'string', value: 'web-7' }],
};
const scope = [
  { key: 'otel.scope.name', type: 'string', value: 'shop' },
  { key: 'otel.scope.version', type: 'string', value: '1.2.3' },
] as const;
const root: Span = {
  traceId: TRACE_1,
  spanId: ROOT,
  operationName: 'GET /cart',
  references: [],
  flags: 1,
  startTime: 1_700_000_000_123_456,
  duration: 2_000,
  tags: [
    { key: 'http.status_code', type: 'int64', value: 200n },
    { key: 'span.kind', type: 'string', value: 'server' },
    { key: 'otel.status_code', type: 'string', value: 'OK' },
    ...scope,
  ],
  logs: [
    {
      timestamp: 1_700_000_000_123_457,
      fields: [
        { key: 'event', type: 'string', value: 'cache.miss' },
        { key: 'cache.key', type: 'string', value: 'cart-1' },
      ],
    },
  ],
  process,
};
const child: Span = {
  traceId: TRACE_1,
  spanId: CHILD,
  parentSpanId: ROOT,
  operationName: 'charge',
  references: [{ refType: 'FOLLOWS_FROM', traceId: TRACE_2, spanId: OTHER }],
  flags: 1,
  startTime: 1_700_000_000_123_956,
  duration: 1_000,
  tags: [
    { key: 'span.kind', type: 'string', value: 'client' },
    { key: 'otel.status_code', type: 'string', value: 'ERROR' },
    { key: 'otel.status_description', type: 'string', value: 'card declined' },
    { key: 'error', type: 'bool', value: true },
    ...scope,
  ],
  logs: [],
  process,
};
const other: Span = {
  traceId: TRACE_2,
  spanId: OTHER,
  operationName: 'batch',
  references: [],
  flags: 1,
  startTime: 1_700_000_000_123_456,
  duration: 10,
  tags: [...scope],
  logs: [],
  process,
};
/** The sample request as the sink must see it: one compact Batch per trace. */
export const expectedBatches: Batch[] = [
  { process, spans: [root, child] },
  { process, spans: [other] },
];

/** The same request in OTLP/JSON. */
export function sampleRequestJson(extraSpans: object[] = []): string {
  const hexIds = (v: unknown): unknown => {
    if (Buffer.isBuffer(v)) return v.toString('hex');
    if (Array.isArray(v)) return v.map(hexIds);
    if (typeof v === 'object' && v !== null) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, hexIds(x)]));
    }
    return v;
  };
  return JSON.stringify(hexIds(sampleRequest(extraSpans)));
}

/** Deterministic bytes for garbage tests (xorshift32). */
export function randomBytes(seed: number, length: number): Uint8Array {
  let x = seed >>> 0 || 1;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
