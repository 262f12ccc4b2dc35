import type { Batch, Process, ThriftProtocol } from '@skein/model';
import type { SenderTransport } from '../metrics.js';

/** Turns batches into packets and sends them: UDP datagrams to the agent or HTTP requests to a collector. */
export interface Sender {
  readonly transport: SenderTransport;
  /** Thrift protocol of the packets, which decides each span's encoded size. */
  readonly protocol: ThriftProtocol;
  /** Largest packet this sender may send. */
  readonly maxPacketBytes: number;
  /** An upper bound of a packet's size without spans, whatever its sequence number and statistics. */
  envelopeBytes(process: Process): number;
  encode(batch: Batch): Buffer;
  /** Rejects when the packet could not be sent. */
  send(packet: Buffer): Promise<void>;
  close(): Promise<void>;
}

export const MAX_I64 = 2n ** 63n - 1n;

/** A batch carrying the widest sequence number and statistics, for envelope size bounds. */
export function widestEmptyBatch(process: Process): Batch {
  return {
    process,
    spans: [],
    seqNo: MAX_I64,
    stats: { fullQueueDroppedSpans: MAX_I64, tooLargeDroppedSpans: MAX_I64, failedToEmitSpans: MAX_I64 },
  };
}

/** Slack for the span list header, which grows from 1 to at most 6 bytes in the compact protocol. */
export const LIST_HEADER_SLACK = 5;
