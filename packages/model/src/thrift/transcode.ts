import { DecodeError } from '../errors.js';
import type { ThriftReader } from './reader.js';
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
import type { ThriftWriter } from './writer.js';

/** Copies one value of `type` from a reader in one protocol to a writer in another, without knowing its schema. */
export function transcode(r: ThriftReader, w: ThriftWriter, type: number, depth = 0): void {
  if (depth > MAX_DEPTH) throw new DecodeError('DECODE_TOO_DEEP', `nesting deeper than ${MAX_DEPTH}`, r.pos);
  switch (type) {
    case T_BOOL:
      w.writeBool(r.readBool());
      return;
    case T_BYTE:
      w.writeByte(r.readByte());
      return;
    case T_I16:
      w.writeI16(r.readI16());
      return;
    case T_I32:
      w.writeI32(r.readI32());
      return;
    case T_I64:
      r.readI64();
      w.writeI64(r.hi, r.lo);
      return;
    case T_DOUBLE:
      w.writeDouble(r.readDouble());
      return;
    case T_STRING: {
      const n = r.readBinaryLength();
      w.writeBinary(r.buf.subarray(r.pos, r.pos + n));
      r.pos += n;
      return;
    }
    case T_STRUCT: {
      r.readStructBegin();
      w.writeStructBegin();
      for (let t = r.readFieldBegin(); t !== T_STOP; t = r.readFieldBegin()) {
        if (t === T_BOOL) w.writeBoolField(r.fieldId, r.readBool());
        else {
          w.writeFieldBegin(t, r.fieldId);
          transcode(r, w, t, depth + 1);
        }
      }
      w.writeFieldStop();
      w.writeStructEnd();
      r.readStructEnd();
      return;
    }
    case T_LIST:
    case T_SET: {
      const size = r.readListBegin();
      const elem = r.elemType;
      w.writeListBegin(elem, size);
      for (let i = 0; i < size; i++) transcode(r, w, elem, depth + 1);
      return;
    }
    case T_MAP: {
      const { keyType, valueType, size } = r.readMapBegin();
      w.writeMapBegin(keyType, valueType, size);
      for (let i = 0; i < size; i++) {
        transcode(r, w, keyType, depth + 1);
        transcode(r, w, valueType, depth + 1);
      }
      return;
    }
    default:
      throw new DecodeError('DECODE_BAD_TYPE', `unknown thrift type ${type}`, r.pos);
  }
}
