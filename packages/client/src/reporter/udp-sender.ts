import { createSocket, type Socket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIPv6 } from 'node:net';
import { encodeEmitBatch, type Batch, type Process } from '@skein/model';
import { LIST_HEADER_SLACK, widestEmptyBatch, type Sender } from './sender.js';

/** Jaeger's limit, and the agent's `udp.max-packet`: larger datagrams are dropped by the agent. */
export const UDP_MAX_PACKET_BYTES = 65_000;

export interface UdpSenderOptions {
  host: string;
  port: number;
  maxPacketBytes?: number;
}

/** Sends `Agent.emitBatch` calls in the compact protocol to the agent's UDP port (6831). */
export class UdpSender implements Sender {
  readonly transport = 'udp';
  readonly protocol = 'compact';
  readonly maxPacketBytes: number;
  readonly host: string;
  readonly port: number;
  #socket: Socket | undefined;
  #socketType: 'udp4' | 'udp6' | undefined;
  #address: Promise<{ address: string; family: number }> | undefined;

  constructor(options: UdpSenderOptions) {
    this.host = options.host;
    this.port = options.port;
    this.maxPacketBytes = options.maxPacketBytes ?? UDP_MAX_PACKET_BYTES;
  }

  envelopeBytes(process: Process): number {
    return encodeEmitBatch(widestEmptyBatch(process), 'compact', 0x7fff_ffff).length + LIST_HEADER_SLACK;
  }

  encode(batch: Batch): Buffer {
    return encodeEmitBatch(batch, 'compact', Number((batch.seqNo ?? 0n) & 0x7fff_ffffn));
  }

  async send(packet: Buffer): Promise<void> {
    // Resolved once, not per datagram; a failure resolves again next time (the agent may have moved).
    this.#address ??= resolveAgent(this.host);
    let target: { address: string; family: number };
    try {
      target = await this.#address;
    } catch (err) {
      this.#address = undefined;
      throw err;
    }
    const socket = this.#socketFor(target.family);
    await new Promise<void>((resolve, reject) => {
      socket.send(packet, this.port, target.address, (err) => (err ? reject(err) : resolve()));
    }).catch((err: unknown) => {
      this.#address = undefined;
      throw err;
    });
  }

  async close(): Promise<void> {
    const socket = this.#socket;
    this.#socket = undefined;
    this.#socketType = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  #socketFor(family: number): Socket {
    const type = family === 6 ? 'udp6' : 'udp4';
    if (this.#socket === undefined || this.#socketType !== type) {
      this.#socket?.close();
      this.#socketType = type;
      const socket = createSocket(type);
      // Errors also reach the send callback; this only keeps an 'error' event from being unhandled.
      socket.on('error', () => {});
      socket.unref();
      this.#socket = socket;
    }
    return this.#socket;
  }
}

/** IPv4 first for names (agents usually listen on 0.0.0.0, and `localhost` may resolve to ::1 first). */
async function resolveAgent(host: string): Promise<{ address: string; family: number }> {
  if (isIPv6(host)) return { address: host, family: 6 };
  try {
    return await lookup(host, { family: 4 });
  } catch {
    return lookup(host);
  }
}
