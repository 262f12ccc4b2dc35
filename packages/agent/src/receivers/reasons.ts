import { DecodeError } from '@skein/model';

/** The `reason` label for a rejected packet or request: the decode error's code (bounded set) or `internal`. */
export function rejectReason(err: unknown): string {
  if (err instanceof DecodeError) return err.code.replace(/^DECODE_/, '').toLowerCase();
  return 'internal';
}
