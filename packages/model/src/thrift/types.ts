// Thrift wire types as the binary protocol numbers them; the compact reader maps its own codes onto these.
export const T_STOP = 0;
export const T_BOOL = 2;
export const T_BYTE = 3;
export const T_DOUBLE = 4;
export const T_I16 = 6;
export const T_I32 = 8;
export const T_I64 = 10;
export const T_STRING = 11;
export const T_STRUCT = 12;
export const T_MAP = 13;
export const T_SET = 14;
export const T_LIST = 15;

export type ThriftProtocol = 'compact' | 'binary';

export const MESSAGE_CALL = 1;
export const MESSAGE_ONEWAY = 4;

/** Nesting deeper than this is rejected: no Jaeger or Zipkin structure comes close, and it bounds the stack. */
export const MAX_DEPTH = 32;
