// The agent's path: split a client batch into one batch per trace, copying the encoded span bytes instead of
// decoding tags and logs into objects and encoding them again.
import { DecodeError } from '../errors.js';
import type { TraceId } from '../types.js';
import { CompactReader, readerFor, type ThriftReader } from './reader.js';
import { T_I64, T_LIST, T_STOP, T_STRING, T_STRUCT, type ThriftProtocol } from './types.js';
import { CompactWriter, type ThriftWriter } from './writer.js';
import { transcode } from './transcode.js';

/** One trace's spans as a compact-protocol jaeger.thrift Batch, ready to be a Kafka message value. */
export interface TraceBatch {
  traceId: TraceId;
  spanCount: number;
  /** Compact thrift Batch: the process and this trace's spans, in the order received. */
  value: Buffer;
}

export interface SplitResult {
  serviceName: string;
  spanCount: number;
  traces: TraceBatch[];
}

interface Range {
  start: number;
  end: number;
}

/**
 * Walks a Batch struct at the reader's position, validating its structure, and returns the byte ranges of
 * the process and of each span with its trace ID. Only the trace IDs and the service name are decoded.
 */
function scanBatch(r: ThriftReader): {
  process: Range;
  serviceName: string;
  spans: Array<Range & { traceId: string }>;
} {
  let process: Range | undefined;
  let serviceName = '';
  let spans: Array<Range & { traceId: string }> | undefined;
  r.readStructBegin();
  for (let t = r.readFieldBegin(); t !== T_STOP; t = r.readFieldBegin()) {
    if (r.fieldId === 1 && t === T_STRUCT) {
      const start = r.pos;
      serviceName = scanProcess(r);
      process = { start, end: r.pos };
    } else if (r.fieldId === 2 && t === T_LIST) {
      const size = r.readListBegin();
      if (size > 0 && r.elemType !== T_STRUCT)
        throw new DecodeError('DECODE_BAD_TYPE', 'the span list does not hold structs', r.pos);
      spans = [];
      for (let i = 0; i < size; i++) {
        const start = r.pos;
        const traceId = scanSpan(r);
        spans.push({ start, end: r.pos, traceId });
      }
    } else r.skipValue(t, 1);
  }
  r.readStructEnd();
  if (!process)
    throw new DecodeError('DECODE_MISSING_FIELD', 'required field Batch.process is missing', r.pos);
  if (!spans) throw new DecodeError('DECODE_MISSING_FIELD', 'required field Batch.spans is missing', r.pos);
  return { process, serviceName, spans };
}

function scanProcess(r: ThriftReader): string {
  let serviceName: string | undefined;
  r.readStructBegin();
  for (let t = r.readFieldBegin(); t !== T_STOP; t = r.readFieldBegin()) {
    if (r.fieldId === 1 && t === T_STRING) serviceName = r.readString();
    else r.skipValue(t, 2);
  }
  r.readStructEnd();
  if (serviceName === undefined)
    throw new DecodeError('DECODE_MISSING_FIELD', 'required field Process.serviceName is missing', r.pos);
  return serviceName;
}

function scanSpan(r: ThriftReader): string {
  let low: string | undefined;
  let high: string | undefined;
  r.readStructBegin();
  for (let t = r.readFieldBegin(); t !== T_STOP; t = r.readFieldBegin()) {
    if (r.fieldId === 1 && t === T_I64) low = r.readI64Hex();
    else if (r.fieldId === 2 && t === T_I64) high = r.readI64Hex();
    else r.skipValue(t, 2);
  }
  r.readStructEnd();
  if (low === undefined)
    throw new DecodeError('DECODE_MISSING_FIELD', 'required field Span.traceIdLow is missing', r.pos);
  if (high === undefined)
    throw new DecodeError('DECODE_MISSING_FIELD', 'required field Span.traceIdHigh is missing', r.pos);
  return high + low;
}

function copyStruct(w: ThriftWriter, src: Uint8Array, range: Range, protocol: ThriftProtocol): void {
  if (protocol === 'compact') {
    // Compact field-id deltas restart in every struct, so a struct's bytes mean the same anywhere.
    w.writeRaw(src, range.start, range.end);
  } else {
    transcode(readerFor('binary', src, range.start, range.end), w, T_STRUCT);
  }
}

/** Splits a Batch (at `offset` of `buf`, in `protocol`) into compact per-trace batches, in first-seen trace order. */
export function splitBatchByTrace(
  buf: Uint8Array,
  protocol: ThriftProtocol,
  offset = 0,
  end = buf.length,
): SplitResult {
  const r = readerFor(protocol, buf, offset, end);
  const scan = scanBatch(r);
  return assemble(buf, protocol, scan);
}

/** Like splitBatchByTrace, for a reader already positioned at the Batch (inside an agent message). */
export function splitBatchAt(r: ThriftReader, protocol: ThriftProtocol): SplitResult {
  return assemble(r.buf, protocol, scanBatch(r));
}

function assemble(
  buf: Uint8Array,
  protocol: ThriftProtocol,
  scan: { process: Range; serviceName: string; spans: Array<Range & { traceId: string }> },
): SplitResult {
  const groups = new Map<string, Range[]>();
  for (const span of scan.spans) {
    const group = groups.get(span.traceId);
    if (group) group.push(span);
    else groups.set(span.traceId, [span]);
  }
  const traces: TraceBatch[] = [];
  for (const [traceId, ranges] of groups) {
    let bytes = scan.process.end - scan.process.start + 16;
    for (const range of ranges) bytes += range.end - range.start;
    const w = new CompactWriter(protocol === 'compact' ? bytes : bytes * 2);
    w.writeStructBegin();
    w.writeFieldBegin(T_STRUCT, 1);
    copyStruct(w, buf, scan.process, protocol);
    w.writeFieldBegin(T_LIST, 2);
    w.writeListBegin(T_STRUCT, ranges.length);
    for (const range of ranges) copyStruct(w, buf, range, protocol);
    w.writeFieldStop();
    w.writeStructEnd();
    traces.push({ traceId, spanCount: ranges.length, value: w.finish() });
  }
  return { serviceName: scan.serviceName, spanCount: scan.spans.length, traces };
}

export { CompactReader };
