// Decoding strings is most of the cost of decoding spans, and span strings repeat endlessly: tag keys,
// service and operation names, enum-like values ("server", "GET", "200"). Short strings go through a small
// direct-mapped cache keyed by their bytes, so a repeated string costs a hash and a compare instead of an
// allocation (and later garbage collection).

const SLOTS = 8192;
const MAX_CACHED = 40;
const slotBytes: Array<Uint8Array | undefined> = new Array<Uint8Array | undefined>(SLOTS).fill(undefined);
const slotStrings: string[] = new Array<string>(SLOTS).fill('');

/**
 * Buffer's own slicers, which `toString(encoding, start, end)` calls after argument checks we have already
 * done; present on every Node.js Buffer although not in its type declarations.
 */
interface NativeSlicers {
  utf8Slice(start: number, end: number): string;
  latin1Slice(start: number, end: number): string;
}

/** The UTF-8 string in `buf[start, end)` (invalid sequences become U+FFFD, as Node and the thrift package do). */
export function decodeString(buf: Buffer, start: number, end: number): string {
  const len = end - start;
  const native = buf as unknown as NativeSlicers;
  if (len > MAX_CACHED) return native.utf8Slice(start, end);
  // Hash the length and the first and last four bytes: cheap, and enough to spread real keys and values;
  // the full comparison below decides.
  let h = Math.imul(len, 0x9e3779b1);
  if (len >= 4) {
    const first =
      (buf[start] as number) |
      ((buf[start + 1] as number) << 8) |
      ((buf[start + 2] as number) << 16) |
      ((buf[start + 3] as number) << 24);
    const last =
      (buf[end - 4] as number) |
      ((buf[end - 3] as number) << 8) |
      ((buf[end - 2] as number) << 16) |
      ((buf[end - 1] as number) << 24);
    h ^= Math.imul(first, 0x85ebca6b) ^ Math.imul(last, 0xc2b2ae35);
  } else {
    for (let i = start; i < end; i++) h = Math.imul(h ^ (buf[i] as number), 0x01000193);
  }
  const slot = (h ^ (h >>> 13) ^ (h >>> 23)) & (SLOTS - 1);
  const cached = slotBytes[slot];
  if (cached !== undefined && cached.length === len) {
    let i = 0;
    while (i < len && cached[i] === buf[start + i]) i++;
    if (i === len) return slotStrings[slot] as string;
  }
  let high = 0;
  for (let i = start; i < end; i++) high |= buf[i] as number;
  const s = high < 0x80 ? native.latin1Slice(start, end) : native.utf8Slice(start, end);
  // A copy: the input buffer may be reused by its owner, and must not be pinned by the cache.
  const copy = new Uint8Array(len);
  for (let i = 0; i < len; i++) copy[i] = buf[start + i] as number;
  slotBytes[slot] = copy;
  slotStrings[slot] = s;
  return s;
}
