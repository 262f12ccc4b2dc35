/** Why bytes could not be decoded; stable across releases so metrics can use it as the `reason` label. */
export type DecodeErrorCode =
  | 'DECODE_TRUNCATED'
  | 'DECODE_BAD_TYPE'
  | 'DECODE_BAD_LENGTH'
  | 'DECODE_TOO_DEEP'
  | 'DECODE_MISSING_FIELD'
  | 'DECODE_BAD_VALUE'
  | 'DECODE_BAD_ENVELOPE';

/** The only error a decoder throws, whatever the input. */
export class DecodeError extends Error {
  readonly code: DecodeErrorCode;
  /** Byte offset at which the problem was found, when known. */
  readonly offset: number;

  constructor(code: DecodeErrorCode, message: string, offset = -1) {
    super(offset >= 0 ? `${message} (at byte ${offset})` : message);
    this.name = 'DecodeError';
    this.code = code;
    this.offset = offset;
  }
}
