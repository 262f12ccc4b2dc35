import { DecodeError } from '../errors.js';
import { BinaryReader, CompactReader, type ThriftReader } from './reader.js';
import { MESSAGE_CALL, MESSAGE_ONEWAY } from './types.js';

export interface MessageHeader {
  name: string;
  type: number;
  seqId: number;
}

const MAX_METHOD_NAME = 64;

function checkType(type: number, at: number): number {
  if (type !== MESSAGE_CALL && type !== MESSAGE_ONEWAY) {
    throw new DecodeError('DECODE_BAD_ENVELOPE', `message type ${type} is neither call nor oneway`, at);
  }
  return type;
}

/** Reads a thrift message envelope (strict or old-style binary, or compact) and leaves the reader at the args struct. */
export function readMessageHeader(r: ThriftReader): MessageHeader {
  const at = r.pos;
  if (r instanceof CompactReader) {
    const protocolId = r.readByte() & 0xff;
    if (protocolId !== 0x82)
      throw new DecodeError(
        'DECODE_BAD_ENVELOPE',
        `compact protocol id is 0x${protocolId.toString(16)}, expected 0x82`,
        at,
      );
    const versionAndType = r.readByte() & 0xff;
    if ((versionAndType & 0x1f) !== 1)
      throw new DecodeError(
        'DECODE_BAD_ENVELOPE',
        `compact protocol version ${versionAndType & 0x1f}, expected 1`,
        at,
      );
    const type = checkType(versionAndType >>> 5, at);
    // The sequence id is a plain (not zigzag) varint32 in the compact envelope.
    let seqId = 0;
    for (let shift = 0; ; shift += 7) {
      if (shift > 28) throw new DecodeError('DECODE_BAD_VALUE', 'sequence id varint too long', r.pos);
      const b = r.readByte() & 0xff;
      seqId |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
    }
    const name = readName(r);
    return { name, type, seqId };
  }
  const first = r.readI32();
  if (first < 0) {
    if ((first & 0xffff0000) !== (0x80010000 | 0)) {
      throw new DecodeError(
        'DECODE_BAD_ENVELOPE',
        `binary protocol version 0x${(first >>> 0).toString(16)}, expected 0x8001`,
        at,
      );
    }
    const type = checkType(first & 0xff, at);
    const name = readName(r);
    return { name, type, seqId: r.readI32() };
  }
  // Old non-strict binary form: the first i32 is the method name's length.
  r.pos = at;
  const name = readName(r);
  const type = checkType(r.readByte(), at);
  return { name, type, seqId: r.readI32() };
}

function readName(r: ThriftReader): string {
  const at = r.pos;
  const name = r.readString();
  if (name.length > MAX_METHOD_NAME) throw new DecodeError('DECODE_BAD_ENVELOPE', 'method name too long', at);
  return name;
}

export { BinaryReader };
