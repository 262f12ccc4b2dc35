import { parseHex32 } from './hex.js';
import {
  MESSAGE_ONEWAY,
  T_BOOL,
  T_BYTE,
  T_DOUBLE,
  T_I16,
  T_I32,
  T_I64,
  T_LIST,
  T_MAP,
  T_SET,
  T_STRING,
  T_STRUCT,
} from './types.js';

const TWO_32 = 4294967296;

/** Appends thrift values to a growing buffer. */
export abstract class ThriftWriter {
  buf: Buffer;
  pos = 0;

  constructor(initialSize = 1024) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  protected ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** The bytes written so far, in a buffer of their own. */
  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }

  abstract writeStructBegin(): void;
  abstract writeStructEnd(): void;
  abstract writeFieldBegin(type: number, id: number): void;
  abstract writeFieldStop(): void;
  abstract writeBoolField(id: number, value: boolean): void;
  abstract writeListBegin(elemType: number, size: number): void;
  abstract writeMapBegin(keyType: number, valueType: number, size: number): void;
  abstract writeBool(value: boolean): void;
  abstract writeByte(value: number): void;
  abstract writeI16(value: number): void;
  abstract writeI32(value: number): void;
  abstract writeI64(hi: number, lo: number): void;
  abstract writeDouble(value: number): void;
  protected abstract writeLength(n: number): void;
  abstract writeMessageBegin(name: string, type: number, seqId: number): void;

  /** Copies bytes that are already encoded in this writer's protocol. */
  writeRaw(bytes: Uint8Array, start = 0, end = bytes.length): void {
    this.ensure(end - start);
    this.buf.set(bytes.subarray(start, end), this.pos);
    this.pos += end - start;
  }

  writeString(s: string): void {
    // ASCII is the common case; count and write it without a second pass through the encoder.
    const len = s.length;
    let ascii = len <= 64;
    if (ascii) {
      for (let i = 0; i < len; i++) {
        if (s.charCodeAt(i) > 127) {
          ascii = false;
          break;
        }
      }
    }
    if (ascii) {
      this.writeLength(len);
      this.ensure(len);
      for (let i = 0; i < len; i++) this.buf[this.pos + i] = s.charCodeAt(i);
      this.pos += len;
      return;
    }
    const bytes = Buffer.byteLength(s, 'utf8');
    this.writeLength(bytes);
    this.ensure(bytes);
    this.buf.write(s, this.pos, bytes, 'utf8');
    this.pos += bytes;
  }

  writeBinary(bytes: Uint8Array): void {
    this.writeLength(bytes.length);
    this.writeRaw(bytes);
  }

  /** Writes a 16-hex-char 64-bit ID. */
  writeI64Hex(hex: string): void {
    this.writeI64(parseHex32(hex, 0) | 0, parseHex32(hex, 8) | 0);
  }

  writeI64Number(n: number): void {
    const hi = Math.floor(n / TWO_32);
    this.writeI64(hi | 0, (n - hi * TWO_32) | 0);
  }

  writeI64BigInt(v: bigint): void {
    const u = BigInt.asUintN(64, v);
    this.writeI64(Number(u >> 32n) | 0, Number(u & 0xffffffffn) | 0);
  }
}

export class BinaryWriter extends ThriftWriter {
  writeStructBegin(): void {}
  writeStructEnd(): void {}

  writeFieldBegin(type: number, id: number): void {
    this.ensure(3);
    this.buf[this.pos] = type;
    this.buf.writeInt16BE(id, this.pos + 1);
    this.pos += 3;
  }

  writeFieldStop(): void {
    this.writeByte(0);
  }

  writeBoolField(id: number, value: boolean): void {
    this.writeFieldBegin(T_BOOL, id);
    this.writeBool(value);
  }

  writeListBegin(elemType: number, size: number): void {
    this.ensure(5);
    this.buf[this.pos] = elemType;
    this.buf.writeInt32BE(size, this.pos + 1);
    this.pos += 5;
  }

  writeMapBegin(keyType: number, valueType: number, size: number): void {
    this.ensure(6);
    this.buf[this.pos] = keyType;
    this.buf[this.pos + 1] = valueType;
    this.buf.writeInt32BE(size, this.pos + 2);
    this.pos += 6;
  }

  writeBool(value: boolean): void {
    this.writeByte(value ? 1 : 0);
  }

  writeByte(value: number): void {
    this.ensure(1);
    this.buf[this.pos++] = value & 0xff;
  }

  writeI16(value: number): void {
    this.ensure(2);
    this.buf.writeInt16BE(value, this.pos);
    this.pos += 2;
  }

  writeI32(value: number): void {
    this.ensure(4);
    this.buf.writeInt32BE(value, this.pos);
    this.pos += 4;
  }

  writeI64(hi: number, lo: number): void {
    this.ensure(8);
    this.buf.writeInt32BE(hi | 0, this.pos);
    this.buf.writeInt32BE(lo | 0, this.pos + 4);
    this.pos += 8;
  }

  writeDouble(value: number): void {
    this.ensure(8);
    this.buf.writeDoubleBE(value, this.pos);
    this.pos += 8;
  }

  protected writeLength(n: number): void {
    this.writeI32(n);
  }

  writeMessageBegin(name: string, type: number, seqId: number): void {
    // Strict form: version 1 in the high half of the first i32.
    this.writeI32(0x80010000 | type | 0);
    this.writeString(name);
    this.writeI32(seqId);
  }
}

const COMPACT_CODE: Record<number, number> = {
  [T_BOOL]: 1,
  [T_BYTE]: 3,
  [T_I16]: 4,
  [T_I32]: 5,
  [T_I64]: 6,
  [T_DOUBLE]: 7,
  [T_STRING]: 8,
  [T_LIST]: 9,
  [T_SET]: 10,
  [T_MAP]: 11,
  [T_STRUCT]: 12,
};

function code(type: number): number {
  return COMPACT_CODE[type] ?? 0;
}

export class CompactWriter extends ThriftWriter {
  #lastFieldId = 0;
  #stack: number[] = [];

  writeStructBegin(): void {
    this.#stack.push(this.#lastFieldId);
    this.#lastFieldId = 0;
  }

  writeStructEnd(): void {
    this.#lastFieldId = this.#stack.pop() ?? 0;
  }

  #fieldHeader(typeCode: number, id: number): void {
    const delta = id - this.#lastFieldId;
    if (delta > 0 && delta <= 15) {
      this.writeByte((delta << 4) | typeCode);
    } else {
      this.writeByte(typeCode);
      this.#varint32(((id << 1) ^ (id >> 31)) >>> 0);
    }
    this.#lastFieldId = id;
  }

  writeFieldBegin(type: number, id: number): void {
    this.#fieldHeader(code(type), id);
  }

  writeFieldStop(): void {
    this.writeByte(0);
  }

  writeBoolField(id: number, value: boolean): void {
    this.#fieldHeader(value ? 1 : 2, id);
  }

  writeListBegin(elemType: number, size: number): void {
    if (size < 15) this.writeByte((size << 4) | code(elemType));
    else {
      this.writeByte(0xf0 | code(elemType));
      this.#varint32(size);
    }
  }

  writeMapBegin(keyType: number, valueType: number, size: number): void {
    this.#varint32(size);
    if (size > 0) this.writeByte((code(keyType) << 4) | code(valueType));
  }

  writeBool(value: boolean): void {
    this.writeByte(value ? 1 : 2);
  }

  writeByte(value: number): void {
    this.ensure(1);
    this.buf[this.pos++] = value & 0xff;
  }

  writeI16(value: number): void {
    this.#varint32(((value << 1) ^ (value >> 31)) >>> 0);
  }

  writeI32(value: number): void {
    this.#varint32(((value << 1) ^ (value >> 31)) >>> 0);
  }

  writeI64(hi: number, lo: number): void {
    // Zigzag over 64 bits in two halves, then a varint of up to 10 bytes.
    let zh = (hi << 1) | (lo >>> 31);
    let zl = lo << 1;
    if (hi < 0) {
      zh = ~zh;
      zl = ~zl;
    }
    zh >>>= 0;
    zl >>>= 0;
    this.ensure(10);
    const b = this.buf;
    let p = this.pos;
    while (zh !== 0 || zl > 0x7f) {
      b[p++] = (zl & 0x7f) | 0x80;
      zl = ((zl >>> 7) | (zh << 25)) >>> 0;
      zh >>>= 7;
    }
    b[p++] = zl;
    this.pos = p;
  }

  writeDouble(value: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(value, this.pos);
    this.pos += 8;
  }

  protected writeLength(n: number): void {
    this.#varint32(n);
  }

  #varint32(n: number): void {
    this.ensure(5);
    while (n > 0x7f) {
      this.buf[this.pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.buf[this.pos++] = n;
  }

  writeMessageBegin(name: string, type: number, seqId: number): void {
    this.writeByte(0x82);
    this.writeByte((type << 5) | 1);
    this.#varint32(seqId >>> 0);
    this.writeString(name);
  }
}

export function writerFor(protocol: 'compact' | 'binary', initialSize?: number): ThriftWriter {
  return protocol === 'compact' ? new CompactWriter(initialSize) : new BinaryWriter(initialSize);
}

export { MESSAGE_ONEWAY };
