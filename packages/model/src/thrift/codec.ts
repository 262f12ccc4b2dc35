// The public face of the thrift codecs: whole Batches and agent.thrift UDP messages, in either protocol.
import { DecodeError } from '../errors.js';
import type { Batch, Span } from '../types.js';
import { readBatch } from './jaeger.js';
import { writeBatch } from './jaeger.js';
import { readBinaryBatch } from './jaeger-binary.js';
import { readMessageHeader } from './message.js';
import { BinaryReader, readerFor, type ThriftReader } from './reader.js';
import { splitBatchAt, type SplitResult } from './split.js';
import { MESSAGE_ONEWAY, T_LIST, T_STOP, T_STRUCT, type ThriftProtocol } from './types.js';
import { writerFor } from './writer.js';
import { readZipkinSpans } from './zipkin.js';

function noTrailing(r: ThriftReader, what: string): void {
  if (r.pos !== r.end) {
    throw new DecodeError('DECODE_BAD_LENGTH', `${r.end - r.pos} unexpected bytes after the ${what}`, r.pos);
  }
}

/** Decodes a jaeger.thrift Batch occupying exactly `buf[offset, end)`; throws only DecodeError. */
export function decodeBatch(
  buf: Uint8Array,
  protocol: ThriftProtocol = 'compact',
  offset = 0,
  end = buf.length,
): Batch {
  const r = readerFor(protocol, buf, offset, end);
  const batch = readAnyBatch(r);
  noTrailing(r, 'Batch');
  return batch;
}

/** Each protocol has its own Batch reader, so that each stays specialised to its reader class. */
function readAnyBatch(r: ThriftReader): Batch {
  return r instanceof BinaryReader ? readBinaryBatch(r) : readBatch(r);
}

/** Encodes a Batch; `decodeBatch(encodeBatch(b))` gives back an equal Batch. */
export function encodeBatch(batch: Batch, protocol: ThriftProtocol = 'compact'): Buffer {
  const w = writerFor(protocol, 256 + batch.spans.length * 256);
  writeBatch(w, batch);
  return w.finish();
}

export type AgentMessage =
  | { method: 'emitBatch'; seqId: number; batch: Batch }
  | { method: 'emitZipkinBatch'; seqId: number; spans: Span[] };

/** Positions a reader at field 1 of the call's args struct and returns the method and sequence id. */
function openCall(
  buf: Uint8Array,
  protocol: ThriftProtocol,
): { r: ThriftReader; method: string; seqId: number; argType: number } {
  const r = readerFor(protocol, buf);
  const header = readMessageHeader(r);
  if (header.name !== 'emitBatch' && header.name !== 'emitZipkinBatch') {
    throw new DecodeError('DECODE_BAD_ENVELOPE', `unknown agent method ${JSON.stringify(header.name)}`);
  }
  r.readStructBegin();
  for (let t = r.readFieldBegin(); t !== T_STOP; t = r.readFieldBegin()) {
    if (r.fieldId === 1) return { r, method: header.name, seqId: header.seqId, argType: t };
    r.skipValue(t, 1);
  }
  throw new DecodeError('DECODE_MISSING_FIELD', `${header.name} call has no argument 1`, r.pos);
}

function closeCall(r: ThriftReader): void {
  for (let t = r.readFieldBegin(); t !== T_STOP; t = r.readFieldBegin()) r.skipValue(t, 1);
  r.readStructEnd();
  noTrailing(r, 'agent message');
}

/** Decodes an agent.thrift UDP packet: an emitBatch (jaeger) or emitZipkinBatch (zipkincore) oneway call. */
export function decodeAgentMessage(buf: Uint8Array, protocol: ThriftProtocol): AgentMessage {
  const { r, method, seqId, argType } = openCall(buf, protocol);
  if (method === 'emitBatch') {
    if (argType !== T_STRUCT)
      throw new DecodeError('DECODE_BAD_TYPE', 'emitBatch argument is not a struct', r.pos);
    const batch = readAnyBatch(r);
    closeCall(r);
    return { method, seqId, batch };
  }
  if (argType !== T_LIST)
    throw new DecodeError('DECODE_BAD_TYPE', 'emitZipkinBatch argument is not a list', r.pos);
  const spans = readZipkinSpans(r);
  closeCall(r);
  return { method: 'emitZipkinBatch', seqId, spans };
}

/** Splits an emitBatch UDP packet into compact per-trace Batches without decoding tags or logs. */
export function splitEmitBatch(buf: Uint8Array, protocol: ThriftProtocol): SplitResult {
  const { r, method, argType } = openCall(buf, protocol);
  if (method !== 'emitBatch' || argType !== T_STRUCT) {
    throw new DecodeError('DECODE_BAD_ENVELOPE', `${method} is not an emitBatch call with a Batch`);
  }
  const result = splitBatchAt(r, protocol);
  closeCall(r);
  return result;
}

/** Encodes the oneway call `Agent.emitBatch(batch)` as a client sends it over UDP. */
export function encodeEmitBatch(batch: Batch, protocol: ThriftProtocol, seqId = 0): Buffer {
  const w = writerFor(protocol, 512 + batch.spans.length * 256);
  w.writeMessageBegin('emitBatch', MESSAGE_ONEWAY, seqId);
  w.writeStructBegin();
  w.writeFieldBegin(T_STRUCT, 1);
  writeBatch(w, batch);
  w.writeFieldStop();
  w.writeStructEnd();
  return w.finish();
}
