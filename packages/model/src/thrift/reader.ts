import { DecodeError } from '../errors.js';
import { idHex } from './hex.js';
import { decodeString } from './strings.js';
import {
  MAX_DEPTH,
  T_BOOL,
  T_BYTE,
  T_DOUBLE,
  T_I16,
  T_I32,
  T_I64,
  T_LIST,
  T_MAP,
  T_SET,
  T_STOP,
  T_STRING,
  T_STRUCT,
} from './types.js';

const TWO_32 = 4294967296;

/**
 * Reads thrift values from one buffer at a moving offset. Every read checks bounds and throws DecodeError,
 * so decoders built on it can never read past the input, loop forever or allocate more than it justifies.
 */
export abstract class ThriftReader {
  pos: number;
  readonly end: number;
  /** The input as a Buffer (a view of the caller's bytes, not a copy), for native string decoding. */
  readonly buf: Buffer;
  /** The same bytes again, for whole-word and floating-point reads. */
  readonly view: DataView;
  /** Field id of the field header just read. */
  fieldId = 0;
  /** Element type of the list or set header just read. */
  elemType = 0;

  constructor(buf: Uint8Array, offset = 0, end = buf.length) {
    // Always a Buffer, so element reads see one kind of object whatever the caller passed.
    this.buf = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = offset;
    // Past the buffer there is nothing to read: such an end only makes the input truncated.
    this.end = Math.min(end, this.buf.length);
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  abstract readStructBegin(): void;
  abstract readStructEnd(): void;
  /** Reads a field header and returns its type (T_STOP at the end of a struct); sets fieldId. */
  abstract readFieldBegin(): number;
  /** Reads a list or set header and returns its size; sets elemType. Size is checked against the bytes left. */
  abstract readListBegin(): number;
  abstract readMapBegin(): { keyType: number; valueType: number; size: number };
  abstract readBool(): boolean;
  abstract readByte(): number;
  abstract readI16(): number;
  abstract readI32(): number;
  /** Reads an i64 into hi/lo (two's complement halves). */
  abstract readI64(): void;
  abstract readDouble(): number;
  /** Length of the string/binary that follows; checked against the bytes left. */
  abstract readBinaryLength(): number;

  /** Halves of the last i64 read. */
  hi = 0;
  lo = 0;

  truncated(what: string): DecodeError {
    return new DecodeError('DECODE_TRUNCATED', `input ends inside ${what}`, this.pos);
  }

  protected need(n: number, what: string): void {
    if (this.pos + n > this.end) throw this.truncated(what);
  }

  protected checkLength(n: number, what: string, minBytesEach: number): number {
    if (n < 0) throw new DecodeError('DECODE_BAD_LENGTH', `negative ${what} length ${n}`, this.pos);
    if (n * minBytesEach > this.end - this.pos) {
      throw new DecodeError(
        'DECODE_BAD_LENGTH',
        `${what} length ${n} exceeds the ${this.end - this.pos} bytes left`,
        this.pos,
      );
    }
    return n;
  }

  readString(): string {
    const n = this.readBinaryLength();
    const start = this.pos;
    this.pos += n;
    return decodeString(this.buf, this.view, start, this.pos);
  }

  /** A copy, so a decoded value never pins the (possibly large) input buffer. */
  readBinary(): Uint8Array {
    const n = this.readBinaryLength();
    const start = this.pos;
    this.pos += n;
    const out = new Uint8Array(n);
    out.set(this.buf.subarray(start, this.pos));
    return out;
  }

  /** An i64 as 16 lowercase hex chars. */
  readI64Hex(): string {
    this.readI64();
    return idHex(this.hi, this.lo);
  }

  /** An i64 as a number; DECODE_BAD_VALUE if it does not fit exactly (timestamps and durations). */
  readI64Number(what: string): number {
    this.readI64();
    return i64Number(this.hi, this.lo, what, this.pos);
  }

  /** An i64 as a bigint, losslessly. */
  readI64BigInt(): bigint {
    this.readI64();
    return i64BigInt(this.hi, this.lo);
  }

  /** Skips one value of `type`, whatever it holds, within the nesting limit. */
  skipValue(type: number, depth = 0): void {
    if (depth > MAX_DEPTH)
      throw new DecodeError('DECODE_TOO_DEEP', `nesting deeper than ${MAX_DEPTH}`, this.pos);
    switch (type) {
      case T_BOOL:
        this.readBool();
        return;
      case T_BYTE:
        this.readByte();
        return;
      case T_I16:
        this.readI16();
        return;
      case T_I32:
        this.readI32();
        return;
      case T_I64:
        this.readI64();
        return;
      case T_DOUBLE:
        this.readDouble();
        return;
      case T_STRING: {
        // Not `pos += readBinaryLength()`: that would add to the position from before the length was read.
        const n = this.readBinaryLength();
        this.pos += n;
        return;
      }
      case T_STRUCT: {
        this.readStructBegin();
        for (let t = this.readFieldBegin(); t !== T_STOP; t = this.readFieldBegin())
          this.skipValue(t, depth + 1);
        this.readStructEnd();
        return;
      }
      case T_LIST:
      case T_SET: {
        const size = this.readListBegin();
        const elem = this.elemType;
        for (let i = 0; i < size; i++) this.skipValue(elem, depth + 1);
        return;
      }
      case T_MAP: {
        const { keyType, valueType, size } = this.readMapBegin();
        for (let i = 0; i < size; i++) {
          this.skipValue(keyType, depth + 1);
          this.skipValue(valueType, depth + 1);
        }
        return;
      }
      default:
        throw new DecodeError('DECODE_BAD_TYPE', `unknown thrift type ${type}`, this.pos);
    }
  }
}

/** The i64 with halves `hi` and `lo` as a number; DECODE_BAD_VALUE (naming `what`) if it does not fit exactly. */
export function i64Number(hi: number, lo: number, what: string, at: number): number {
  const n = (hi | 0) * TWO_32 + (lo >>> 0);
  if (!Number.isSafeInteger(n)) throw new DecodeError('DECODE_BAD_VALUE', `${what} ${n} is out of range`, at);
  return n;
}

// bigints are immutable, so small ones (status codes, counts, enum-like values) can be shared instead of
// allocated for every tag.
const SMALL_BIGINTS = 1024;
const smallBigInts: bigint[] = Array.from({ length: SMALL_BIGINTS }, (_, i) => BigInt(i));

/** The i64 with halves `hi` and `lo` as a bigint. */
export function i64BigInt(hi: number, lo: number): bigint {
  if (hi === 0 && lo >= 0 && lo < SMALL_BIGINTS) return smallBigInts[lo] as bigint;
  if (hi >= -2097152 && hi < 2097152) return BigInt(hi * TWO_32 + (lo >>> 0));
  return (BigInt(hi) << 32n) | BigInt(lo >>> 0);
}

/**
 * Thrift's binary protocol: big-endian fixed-width integers, i32 lengths. The Jaeger decoder for this protocol
 * (jaeger-binary.ts) calls only this class's own methods, so its call sites stay monomorphic and inline.
 */
export class BinaryReader extends ThriftReader {
  readStructBegin(): void {}
  readStructEnd(): void {}

  readFieldBegin(): number {
    const p = this.pos;
    if (p >= this.end) throw this.truncated('a field header');
    const b = this.buf;
    const type = b[p] as number;
    if (type === T_STOP) {
      this.pos = p + 1;
      return T_STOP;
    }
    if (p + 3 > this.end) throw this.truncated('a field header');
    this.fieldId = this.view.getInt16(p + 1);
    this.pos = p + 3;
    return type;
  }

  /**
   * Reads a field header as one number, `type << 16 | (id & 0xffff)`, or 0 at the end of the struct, so a
   * decoder picks the field and checks its type with one switch.
   */
  readFieldKey(): number {
    const p = this.pos;
    if (p >= this.end) throw this.truncated('a field header');
    const type = this.buf[p] as number;
    if (type === T_STOP) {
      this.pos = p + 1;
      return 0;
    }
    if (p + 3 > this.end) throw this.truncated('a field header');
    this.pos = p + 3;
    return (type << 16) | this.view.getUint16(p + 1);
  }

  readListBegin(): number {
    const p = this.pos;
    if (p + 5 > this.end) throw this.truncated('a list header');
    this.elemType = this.buf[p] as number;
    const size = this.view.getInt32(p + 1);
    this.pos = p + 5;
    if (size < 0 || size > this.end - p - 5) return this.checkLength(size, 'list', 1);
    return size;
  }

  readMapBegin(): { keyType: number; valueType: number; size: number } {
    this.need(6, 'a map header');
    const keyType = this.buf[this.pos] as number;
    const valueType = this.buf[this.pos + 1] as number;
    const size = this.view.getInt32(this.pos + 2);
    this.pos += 6;
    return { keyType, valueType, size: this.checkLength(size, 'map', 2) };
  }

  readBool(): boolean {
    const p = this.pos;
    if (p >= this.end) throw this.truncated('a byte');
    this.pos = p + 1;
    return this.buf[p] !== 0;
  }

  readByte(): number {
    this.need(1, 'a byte');
    return this.view.getInt8(this.pos++);
  }

  readI16(): number {
    this.need(2, 'an i16');
    const v = this.view.getInt16(this.pos);
    this.pos += 2;
    return v;
  }

  readI32(): number {
    const p = this.pos;
    if (p + 4 > this.end) throw this.truncated('an i32');
    this.pos = p + 4;
    return this.view.getInt32(p);
  }

  readI64(): void {
    const p = this.pos;
    if (p + 8 > this.end) throw this.truncated('an i64');
    this.hi = this.view.getInt32(p);
    this.lo = this.view.getInt32(p + 4);
    this.pos = p + 8;
  }

  readDouble(): number {
    const p = this.pos;
    if (p + 8 > this.end) throw this.truncated('a double');
    this.pos = p + 8;
    return this.view.getFloat64(p);
  }

  readBinaryLength(): number {
    const n = this.readI32();
    if (n < 0 || n > this.end - this.pos) return this.checkLength(n, 'string', 1);
    return n;
  }

  // Own copies of the shared methods below, so that their calls to the protocol methods above see only
  // this class.

  override readString(): string {
    const n = this.readBinaryLength();
    const start = this.pos;
    this.pos = start + n;
    return decodeString(this.buf, this.view, start, start + n);
  }

  override readBinary(): Uint8Array {
    const n = this.readBinaryLength();
    const start = this.pos;
    this.pos = start + n;
    const out = new Uint8Array(n);
    out.set(this.buf.subarray(start, start + n));
    return out;
  }

  override readI64Hex(): string {
    this.readI64();
    return idHex(this.hi, this.lo);
  }

  override readI64Number(what: string): number {
    this.readI64();
    return i64Number(this.hi, this.lo, what, this.pos);
  }

  override readI64BigInt(): bigint {
    this.readI64();
    return i64BigInt(this.hi, this.lo);
  }
}

// Compact protocol type codes.
// Compact bool code for true; 2 is false (anything but 1 reads as false, as in Apache's implementations).
const C_TRUE = 1;
const COMPACT_TO_TTYPE: readonly number[] = [
  T_STOP,
  T_BOOL,
  T_BOOL,
  T_BYTE,
  T_I16,
  T_I32,
  T_I64,
  T_DOUBLE,
  T_STRING,
  T_LIST,
  T_SET,
  T_MAP,
  T_STRUCT,
];

/** Thrift's compact protocol: zigzag varints, field-id deltas, bools folded into field headers. */
export class CompactReader extends ThriftReader {
  #lastFieldId = 0;
  #stack: number[] = [];
  /** A bool field's value travels in its header; -1 when none is pending. */
  #pendingBool = -1;

  readStructBegin(): void {
    this.#stack.push(this.#lastFieldId);
    this.#lastFieldId = 0;
  }

  readStructEnd(): void {
    this.#lastFieldId = this.#stack.pop() ?? 0;
  }

  #type(code: number): number {
    const t = COMPACT_TO_TTYPE[code];
    if (t === undefined) {
      throw new DecodeError('DECODE_BAD_TYPE', `unknown compact type ${code}`, this.pos);
    }
    return t;
  }

  readFieldBegin(): number {
    this.need(1, 'a field header');
    const byte = this.buf[this.pos++] as number;
    const code = byte & 0x0f;
    if (code === 0) {
      if (byte !== 0)
        throw new DecodeError('DECODE_BAD_TYPE', `field header ${byte} has no type`, this.pos - 1);
      return T_STOP;
    }
    const delta = byte >>> 4;
    this.fieldId = delta !== 0 ? this.#lastFieldId + delta : zigzag32(this.#varint32());
    this.#lastFieldId = this.fieldId;
    const type = this.#type(code);
    if (type === T_BOOL) this.#pendingBool = code === C_TRUE ? 1 : 0;
    return type;
  }

  readListBegin(): number {
    this.need(1, 'a list header');
    const byte = this.buf[this.pos++] as number;
    let size = byte >>> 4;
    this.elemType = this.#type(byte & 0x0f);
    if (this.elemType === T_STOP) throw new DecodeError('DECODE_BAD_TYPE', 'list of type stop', this.pos - 1);
    if (size === 15) size = this.#varint32();
    return this.checkLength(size, 'list', 1);
  }

  readMapBegin(): { keyType: number; valueType: number; size: number } {
    const size = this.#varint32();
    if (size === 0) return { keyType: T_STOP, valueType: T_STOP, size: 0 };
    this.need(1, 'a map header');
    const types = this.buf[this.pos++] as number;
    const keyType = this.#type(types >>> 4);
    const valueType = this.#type(types & 0x0f);
    return { keyType, valueType, size: this.checkLength(size, 'map', 2) };
  }

  readBool(): boolean {
    if (this.#pendingBool !== -1) {
      const v = this.#pendingBool === 1;
      this.#pendingBool = -1;
      return v;
    }
    this.need(1, 'a bool');
    return this.buf[this.pos++] === C_TRUE;
  }

  readByte(): number {
    this.need(1, 'a byte');
    return this.view.getInt8(this.pos++);
  }

  readI16(): number {
    return zigzag32(this.#varint32());
  }

  readI32(): number {
    return zigzag32(this.#varint32());
  }

  readI64(): void {
    // Up to 10 varint bytes into two 32-bit halves, then undo the zigzag, without BigInt.
    const b = this.buf;
    let lo = 0;
    let hi = 0;
    let p = this.pos;
    let shift = 0;
    let byte: number;
    for (;;) {
      if (p >= this.end) {
        this.pos = p;
        throw this.truncated('an i64');
      }
      byte = b[p++] as number;
      if (shift < 28) {
        lo |= (byte & 0x7f) << shift;
      } else if (shift === 28) {
        lo |= (byte & 0x0f) << 28;
        hi = (byte & 0x7f) >>> 4;
      } else if (shift < 64) {
        hi |= (byte & 0x7f) << (shift - 32);
      }
      if ((byte & 0x80) === 0) break;
      shift += 7;
      if (shift >= 70) {
        this.pos = p;
        throw new DecodeError('DECODE_BAD_VALUE', 'varint longer than 10 bytes', p);
      }
    }
    this.pos = p;
    const neg = lo & 1;
    let l = (lo >>> 1) | (hi << 31);
    let h = hi >>> 1;
    if (neg) {
      l = ~l;
      h = ~h;
    }
    this.lo = l | 0;
    this.hi = h | 0;
  }

  readDouble(): number {
    // Compact doubles are little-endian, unlike everything in the binary protocol.
    this.need(8, 'a double');
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  readBinaryLength(): number {
    return this.checkLength(this.#varint32(), 'string', 1);
  }

  #varint32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.end) throw this.truncated('a varint');
      const byte = this.buf[this.pos++] as number;
      result |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result >>> 0;
      shift += 7;
      if (shift > 28) throw new DecodeError('DECODE_BAD_VALUE', 'varint32 longer than 5 bytes', this.pos);
    }
  }
}

function zigzag32(n: number): number {
  return (n >>> 1) ^ -(n & 1);
}

/** A reader for `protocol` over `buf[offset, end)`. */
export function readerFor(
  protocol: 'compact' | 'binary',
  buf: Uint8Array,
  offset = 0,
  end = buf.length,
): ThriftReader {
  return protocol === 'compact' ? new CompactReader(buf, offset, end) : new BinaryReader(buf, offset, end);
}
