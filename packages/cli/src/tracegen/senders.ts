// Ways tracegen delivers spans: to the agent (UDP compact or binary thrift, HTTP thrift, gRPC protobuf), or
// straight to the Kafka topic in the agent's message format.
import { createSocket, type Socket } from 'node:dgram';
import * as grpc from '@grpc/grpc-js';
import {
  encodeBatch,
  encodeEmitBatch,
  encodeProtoPostSpansRequest,
  type Batch,
  type Process,
  type Span,
} from '@skein/model';
import type { Kafka, Producer } from 'kafkajs';

export type Transport = 'udp-compact' | 'udp-binary' | 'http' | 'grpc' | 'kafka';
export const TRANSPORTS: readonly Transport[] = ['udp-compact', 'udp-binary', 'http', 'grpc', 'kafka'];

/** The agent's port for each transport (Kafka has none). */
export const DEFAULT_PORTS: Record<Exclude<Transport, 'kafka'>, number> = {
  'udp-compact': 6831,
  'udp-binary': 6832,
  http: 14268,
  grpc: 14250,
};

export interface Sender {
  /** Sends one trace's spans; rejects if the transport refused them. */
  send(spans: readonly Span[]): Promise<void>;
  close(): Promise<void>;
}

/** A trace's spans grouped by process: one Batch per process, as a client library reports them. */
export function batchesOf(spans: readonly Span[]): Batch[] {
  const byProcess = new Map<Process, Span[]>();
  for (const span of spans) {
    const list = byProcess.get(span.process);
    if (list) list.push(span);
    else byProcess.set(span.process, [span]);
  }
  return [...byProcess].map(([process, list]) => ({ process, spans: list }));
}

const MAX_PACKET = 65_000;

/** emitBatch packets of at most 65,000 bytes: a batch that does not fit is split in halves until it does. */
export function packets(batch: Batch, protocol: 'compact' | 'binary', seq: () => number): Buffer[] {
  const packet = encodeEmitBatch(batch, protocol, seq());
  if (packet.length <= MAX_PACKET || batch.spans.length <= 1)
    return packet.length <= MAX_PACKET ? [packet] : [];
  const half = Math.ceil(batch.spans.length / 2);
  return [
    ...packets({ process: batch.process, spans: batch.spans.slice(0, half) }, protocol, seq),
    ...packets({ process: batch.process, spans: batch.spans.slice(half) }, protocol, seq),
  ];
}

export function udpSender(host: string, port: number, protocol: 'compact' | 'binary'): Sender {
  const socket: Socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  let seq = 0;
  const next = () => ++seq;
  return {
    send: async (spans) => {
      for (const batch of batchesOf(spans)) {
        for (const packet of packets(batch, protocol, next)) {
          await new Promise<void>((resolve, reject) =>
            socket.send(packet, port, host, (err) => (err ? reject(err) : resolve())),
          );
        }
      }
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

export function httpSender(host: string, port: number): Sender {
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/api/traces`;
  return {
    send: async (spans) => {
      for (const batch of batchesOf(spans)) {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/x-thrift' },
          body: encodeBatch(batch, 'binary'),
        });
        await response.arrayBuffer();
        if (response.status >= 300) throw new Error(`agent answered HTTP ${response.status}`);
      }
    },
    close: async () => undefined,
  };
}

const identity = (b: Buffer): Buffer => b;

export function grpcSender(host: string, port: number): Sender {
  const client = new grpc.Client(`${host}:${port}`, grpc.credentials.createInsecure());
  return {
    send: async (spans) => {
      for (const batch of batchesOf(spans)) {
        await new Promise<void>((resolve, reject) => {
          client.makeUnaryRequest(
            '/jaeger.api_v2.CollectorService/PostSpans',
            identity,
            identity,
            Buffer.from(encodeProtoPostSpansRequest(batch)),
            (err) => (err ? reject(err) : resolve()),
          );
        });
      }
    },
    close: async () => client.close(),
  };
}

/** Straight to the topic: one message per (trace, process), keyed by trace ID, with the agent's headers. */
export function kafkaSender(kafka: Kafka, topic: string): Sender {
  // Connected once, by the first send; concurrent sends wait for the same connection.
  let ready: Promise<Producer> | undefined;
  const producer = (): Promise<Producer> => {
    ready ??= (async () => {
      const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await p.connect();
      return p;
    })();
    return ready;
  };
  return {
    send: async (spans) => {
      const p = await producer();
      const now = String(Date.now());
      await p.send({
        topic,
        acks: -1,
        messages: batchesOf(spans).map((batch) => ({
          key: batch.spans[0]?.traceId ?? null,
          value: encodeBatch(batch, 'compact'),
          headers: { 'skein-encoding': 'thrift-compact', 'skein-received-at': now },
        })),
      });
    },
    close: async () => {
      if (ready) await (await ready).disconnect();
    },
  };
}
