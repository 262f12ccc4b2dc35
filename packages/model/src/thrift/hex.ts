// Byte-to-hex lookup: IDs are formatted millions of times a second, and a table beats toString(16) + padStart.
const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

// 16-bit table (64 Ki strings, built once): half the lookups and concatenations of a byte table.
const HEX4: string[] = Array.from({ length: 65536 }, (_, i) => (HEX[i >>> 8] as string) + HEX[i & 255]);

/** 8 lowercase hex chars of a 32-bit value. */
export function hex32(n: number): string {
  return (HEX4[(n >>> 16) & 0xffff] as string) + HEX4[n & 0xffff];
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
