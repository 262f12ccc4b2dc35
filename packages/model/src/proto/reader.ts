// Protobuf wire reading for the api_v2 and OTLP decoders: one buffer, one offset, no copies except for what is
// returned.

import { DecodeError } from '../errors.js';

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_FIXED32 = 5;

const TWO_32 = 4294967296;

const HEX_BYTE: string[] = [];
for (let i = 0; i < 256; i++) HEX_BYTE.push(i.toString(16).padStart(2, '0'));

const utf8 = new TextDecoder('utf-8');

export function truncated(at: number): DecodeError {
  return new DecodeError('DECODE_TRUNCATED', 'input ends inside a field', at);
}

export function wrongWireType(tag: number, at: number): DecodeError {
  return new DecodeError('DECODE_BAD_TYPE', `field ${tag >>> 3} has wire type ${tag & 7}`, at);
}

export class ProtoReader {
  readonly buf: Uint8Array;
  pos = 0;
  // A varint too wide for one JS number is left in these two halves, saving an allocation per read.
  lo = 0;
  hi = 0;
  private view: DataView | undefined;

  constructor(buf: Uint8Array) {
    this.buf = buf;
  }

  /** Reads a varint of up to 10 bytes into lo/hi. */
  varint64(): void {
    const buf = this.buf;
    const len = buf.length;
    let pos = this.pos;
    let lo = 0;
    let hi = 0;
    let b = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= len) throw truncated(pos);
      b = buf[pos++]!;
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        this.lo = lo >>> 0;
        this.hi = 0;
        return;
      }
    }
    // The fifth byte straddles the two halves.
    if (pos >= len) throw truncated(pos);
    b = buf[pos++]!;
    lo |= (b & 0x0f) << 28;
    hi = (b & 0x7f) >> 4;
    if (b >= 0x80) {
      for (let shift = 3; ; shift += 7) {
        if (shift > 31) throw new DecodeError('DECODE_BAD_VALUE', 'varint longer than 10 bytes', pos);
        if (pos >= len) throw truncated(pos);
        b = buf[pos++]!;
        hi |= (b & 0x7f) << shift;
        if (b < 0x80) break;
      }
    }
    this.pos = pos;
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  /** A varint's low 32 bits, unsigned: what protobuf prescribes for uint32 fields. */
  uint32(): number {
    const buf = this.buf;
    const pos = this.pos;
    if (pos < buf.length) {
      const b = buf[pos]!;
      if (b < 0x80) {
        this.pos = pos + 1;
        return b;
      }
    }
    this.varint64();
    return this.lo;
  }

  /** A varint as a signed 64-bit integer in a JS number (exact up to 2^53). */
  int64Number(): number {
    this.varint64();
    return this.hi >= 0x80000000 ? (this.hi | 0) * TWO_32 + this.lo : this.hi * TWO_32 + this.lo;
  }

  /** An int32 or enum field: the low 32 bits, signed (negative values are sent as 10-byte varints). */
  int32(): number {
    return this.uint32() | 0;
  }

  int64(): bigint {
    this.varint64();
    const hi = this.hi;
    const lo = this.lo;
    if (hi === 0) return BigInt(lo);
    if (hi === 0xffffffff && lo >= 0x80000000) return BigInt(lo | 0);
    if (hi < 0x200000) return BigInt(hi * TWO_32 + lo);
    return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
  }

  bool(): boolean {
    this.varint64();
    return this.lo !== 0 || this.hi !== 0;
  }

  fixed32(): number {
    const buf = this.buf;
    const pos = this.pos;
    if (pos + 4 > buf.length) throw truncated(buf.length);
    this.pos = pos + 4;
    return (buf[pos]! | (buf[pos + 1]! << 8) | (buf[pos + 2]! << 16) | (buf[pos + 3]! << 24)) >>> 0;
  }

  /** A fixed64 as an unsigned bigint (OTLP's nanosecond timestamps). */
  fixed64(): bigint {
    const lo = this.fixed32();
    const hi = this.fixed32();
    if (hi < 0x200000) return BigInt(hi * TWO_32 + lo);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  double(): number {
    const pos = this.pos;
    if (pos + 8 > this.buf.length) throw truncated(this.buf.length);
    this.view ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.pos = pos + 8;
    return this.view.getFloat64(pos, true);
  }

  /** Reads a length prefix and returns where the delimited bytes end, never past `end`. */
  delimitedEnd(end: number): number {
    const at = this.pos;
    this.varint64();
    if (this.hi !== 0 || this.lo > end - this.pos) {
      throw new DecodeError(
        'DECODE_BAD_LENGTH',
        'length-delimited field runs past the end of its message',
        at,
      );
    }
    return this.pos + this.lo;
  }

  string(end: number): string {
    const stop = this.delimitedEnd(end);
    const start = this.pos;
    this.pos = stop;
    const buf = this.buf;
    // TextDecoder has a fixed cost that dominates for the short keys and names spans are made of.
    if (stop - start < 24) {
      let s = '';
      for (let i = start; i < stop; i++) {
        const c = buf[i]!;
        if (c >= 0x80) return utf8.decode(buf.subarray(start, stop));
        s += String.fromCharCode(c);
      }
      return s;
    }
    return utf8.decode(buf.subarray(start, stop));
  }

  /** A bytes field as lowercase hex, whatever its length. */
  hex(end: number): string {
    const stop = this.delimitedEnd(end);
    const buf = this.buf;
    let s = '';
    for (let i = this.pos; i < stop; i++) s += HEX_BYTE[buf[i]!]!;
    this.pos = stop;
    return s;
  }

  /** A bytes field copied out, so the result does not pin the request buffer. */
  bytes(end: number): Uint8Array {
    const stop = this.delimitedEnd(end);
    // Not slice(): on a Buffer that returns a view.
    const out = new Uint8Array(this.buf.subarray(this.pos, stop));
    this.pos = stop;
    return out;
  }

  /** Field number and wire type packed as protobuf does; rejects field numbers protobuf does not allow. */
  tag(): number {
    const buf = this.buf;
    const pos = this.pos;
    let tag: number;
    if (pos < buf.length && buf[pos]! < 0x80) {
      tag = buf[pos]!;
      this.pos = pos + 1;
    } else {
      this.varint64();
      if (this.hi !== 0) throw new DecodeError('DECODE_BAD_VALUE', 'field tag wider than 32 bits', pos);
      tag = this.lo;
    }
    if (tag < 8) throw new DecodeError('DECODE_BAD_VALUE', 'field number 0', pos);
    return tag;
  }

  skipValue(wireType: number, end: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varint64();
        return;
      case WIRE_FIXED64:
        this.pos += 8;
        break;
      case WIRE_LEN:
        this.pos = this.delimitedEnd(end);
        return;
      case WIRE_FIXED32:
        this.pos += 4;
        break;
      default:
        // Groups (3, 4) are long deprecated and absent from model.proto and OTLP; 6 and 7 are not wire types.
        throw new DecodeError('DECODE_BAD_TYPE', `unsupported wire type ${wireType}`, this.pos);
    }
    if (this.pos > end) throw truncated(end);
  }

  /** Every message loop ends here; a field that overran its message means the lengths were inconsistent. */
  checkEnd(end: number): void {
    if (this.pos !== end) throw truncated(end);
  }
}
