import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { decodeAgentMessage, splitEmitBatch, type TraceBatch } from '@skein/model';
import type { Logger, Service } from '@skein/runtime';
import type { ReceiverMetrics, SpanSink, Transport } from '../sink.js';
import { toTraceBatches } from './batches.js';
import { rejectReason } from './reasons.js';

export interface UdpReceiverOptions {
  port: number;
  host: string;
  /** compact and binary carry agent.thrift emitBatch; zipkin carries emitZipkinBatch in compact. */
  format: 'compact' | 'binary' | 'zipkin';
  receiveBufferBytes: number;
  maxPacketBytes: number;
  /** On stop, keep the socket open until no packet arrived for this long (bounded by the deadline). */
  quietPeriodMs: number;
  sink: SpanSink;
  metrics: ReceiverMetrics;
  logger: Logger;
}

const TRANSPORT: Record<UdpReceiverOptions['format'], Transport> = {
  compact: 'udp-compact',
  binary: 'udp-binary',
  zipkin: 'udp-zipkin',
};

/** One UDP port of the agent: every datagram is one client batch, decoded, split by trace and queued. */
export class UdpReceiver implements Service {
  readonly name: string;
  readonly transport: Transport;
  #socket: Socket | undefined;
  #lastPacket = 0;

  constructor(private readonly options: UdpReceiverOptions) {
    this.transport = TRANSPORT[options.format];
    this.name = `udp-${options.format}`;
  }

  get port(): number {
    return (this.#socket?.address() as AddressInfo | undefined)?.port ?? 0;
  }

  async start(): Promise<void> {
    const socket = createSocket({
      type: this.options.host.includes(':') ? 'udp6' : 'udp4',
      recvBufferSize: this.options.receiveBufferBytes,
    });
    socket.on('message', (packet) => this.#onPacket(packet));
    socket.on('error', (err) =>
      this.options.logger.error('UDP socket error', { port: this.options.port, error: err }),
    );
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(this.options.port, this.options.host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    this.#socket = socket;
    this.options.logger.info('UDP receiver listening', { format: this.options.format, port: this.port });
  }

  #onPacket(packet: Buffer): void {
    const { metrics, sink } = this.options;
    this.#lastPacket = performance.now();
    if (packet.length > this.options.maxPacketBytes) {
      metrics.rejected(this.transport, 'too_large');
      return;
    }
    let traces: TraceBatch[];
    let spans: number;
    try {
      if (this.options.format === 'zipkin') {
        const message = decodeAgentMessage(packet, 'compact');
        if (message.method !== 'emitZipkinBatch') throw new TypeError('not a zipkin batch');
        traces = toTraceBatches(message.spans);
        spans = message.spans.length;
      } else {
        const split = splitEmitBatch(packet, this.options.format);
        traces = split.traces;
        spans = split.spanCount;
      }
    } catch (err) {
      const reason = err instanceof TypeError ? 'bad_envelope' : rejectReason(err);
      metrics.rejected(this.transport, reason);
      this.options.logger.debug('dropped malformed packet', {
        transport: this.transport,
        reason,
        bytes: packet.length,
      });
      return;
    }
    metrics.received(this.transport, spans);
    const result = sink.accept(traces, this.transport, Date.now());
    if (result !== 'accepted')
      metrics.droppedSpans(this.transport, result === 'stopped' ? 'shutdown' : 'queue_full', spans);
  }

  /** Closes the port once it has been quiet for the quiet period, so datagrams already sent still get in. */
  async stop(deadline: number): Promise<void> {
    const socket = this.#socket;
    if (!socket) return;
    const quiet = this.options.quietPeriodMs;
    while (performance.now() - this.#lastPacket < quiet && Date.now() + 10 < deadline) {
      await new Promise((r) => setTimeout(r, Math.min(quiet, 50)));
    }
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    this.#socket = undefined;
  }
}
