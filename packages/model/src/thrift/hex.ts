// Byte-to-hex lookup: IDs are formatted millions of times a second, and a table beats toString(16) + padStart.
const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** 8 lowercase hex chars of a 32-bit value. */
export function hex32(n: number): string {
  return (HEX[(n >>> 24) & 255] as string) + HEX[(n >>> 16) & 255] + HEX[(n >>> 8) & 255] + HEX[n & 255];
}

const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  NIBBLE['0123456789abcdef'.charCodeAt(i)] = i;
  NIBBLE['0123456789ABCDEF'.charCodeAt(i)] = i;
}

/** The 32-bit value of 8 hex chars of `hex` starting at `at` (callers pass validated IDs). */
export function parseHex32(hex: string, at: number): number {
  let n = 0;
  for (let i = at; i < at + 8; i++) n = (n << 4) | (NIBBLE[hex.charCodeAt(i) & 127] as number);
  return n >>> 0;
}
