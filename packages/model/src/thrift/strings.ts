// Decoding strings is most of the cost of decoding spans, and span strings repeat endlessly: tag keys,
// service and operation names, enum-like values ("server", "GET", "200"). Strings of up to 64 bytes go through
// a direct-mapped cache keyed by their bytes, so a repeated string costs a hash and a compare instead of an
// allocation (and later garbage collection).
//
// The cache keeps each entry's bytes as 32-bit words in one shared Int32Array and reads the input a word at a
// time through a DataView: a hit costs about half as much as comparing byte by byte against a copy of the
// bytes, and a new entry allocates nothing but its string.

const SLOTS = 4096;
const MAX_CACHED = 64;
// A slot is [byte length (-1 when empty), last word, first word, the other whole words...]: the last four
// bytes (overlapping the whole words) or, under four bytes, all of them packed; then the words from the start.
// Length, last word and whole words together pin down every byte. Length and the first two words share a
// cache line, and they settle most comparisons.
const SLOT_WORDS = 2 + (MAX_CACHED >>> 2);
const slotWords = new Int32Array(SLOTS * SLOT_WORDS);
for (let slot = 0; slot < SLOTS; slot++) slotWords[slot * SLOT_WORDS] = -1;
const slotString: string[] = new Array<string>(SLOTS).fill('');

/**
 * Buffer's own slicers, which `toString(encoding, start, end)` calls after argument checks we have already
 * done; present on every Node.js Buffer although not in its type declarations.
 */
interface NativeSlicers {
  utf8Slice(start: number, end: number): string;
  latin1Slice(start: number, end: number): string;
}

/**
 * The UTF-8 string in `buf[start, end)` (invalid sequences become U+FFFD, as Node and the thrift package do).
 * `view` must be a DataView over the same bytes as `buf`, at the same offsets.
 */
export function decodeString(buf: Buffer, view: DataView, start: number, end: number): string {
  // Only the cache hit for 4 to 64 bytes is here, small enough to be inlined into the decoders; anything else
  // costs a call anyway.
  const len = end - start;
  if (len < 4 || len > MAX_CACHED) return decodeOther(buf, view, start, end);
  const first = view.getInt32(start, true);
  const last = view.getInt32(end - 4, true);
  const slot = slotOf(len, first, last);
  const base = slot * SLOT_WORDS;
  if (slotWords[base] === len && slotWords[base + 1] === last && slotWords[base + 2] === first) {
    // First and last word cover up to 8 bytes; one more covers 12, most keys and values.
    if (len <= 8) return slotString[slot] as string;
    if (view.getInt32(start + 4, true) === slotWords[base + 3]) {
      if (len <= 12 || sameWords(view, start, len, base)) return slotString[slot] as string;
    }
  }
  return decodeAndCache(buf, view, start, len, slot, first, last);
}

/** Whether the words from byte 8 on match the slot's. */
function sameWords(view: DataView, start: number, len: number, base: number): boolean {
  const whole = len >>> 2;
  for (let i = 2; i < whole; i++) {
    if (view.getInt32(start + (i << 2), true) !== slotWords[base + 2 + i]) return false;
  }
  return true;
}

function slotOf(len: number, first: number, last: number): number {
  const h = Math.imul(first, 0x85ebca6b) ^ Math.imul(last, 0xc2b2ae35) ^ Math.imul(len, 0x9e3779b1);
  return (h ^ (h >>> 13) ^ (h >>> 23)) & (SLOTS - 1);
}

/** Strings under 4 bytes (through the cache, packed into `last`) and over MAX_CACHED (not cached). */
function decodeOther(buf: Buffer, view: DataView, start: number, end: number): string {
  const len = end - start;
  if (len > MAX_CACHED) return (buf as unknown as NativeSlicers).utf8Slice(start, end);
  let last = 0;
  for (let i = 0; i < len; i++) last |= (buf[start + i] as number) << (i << 3);
  const slot = slotOf(len, 0, last);
  const base = slot * SLOT_WORDS;
  if (slotWords[base] === len && slotWords[base + 1] === last) return slotString[slot] as string;
  return decodeAndCache(buf, view, start, len, slot, 0, last);
}

function decodeAndCache(
  buf: Buffer,
  view: DataView,
  start: number,
  len: number,
  slot: number,
  first: number,
  last: number,
): string {
  const base = slot * SLOT_WORDS;
  const whole = len >>> 2;
  let high = first | last;
  slotWords[base + 2] = first;
  for (let i = 1; i < whole; i++) {
    const word = view.getInt32(start + (i << 2), true);
    slotWords[base + 2 + i] = word;
    high |= word;
  }
  slotWords[base] = len;
  slotWords[base + 1] = last;
  const s =
    (high & 0x80808080) === 0
      ? asciiString(buf, start, len)
      : (buf as unknown as NativeSlicers).utf8Slice(start, start + len);
  slotString[slot] = s;
  return s;
}

const fromCharCode = String.fromCharCode;

/**
 * An ASCII string of `len` bytes. Up to 16 bytes, one String.fromCharCode call with the bytes as arguments is
 * about twice as fast as the native slicer, whose cost is mostly the call into C++.
 */
function asciiString(b: Buffer, a: number, len: number): string {
  switch (len) {
    case 0:
      return '';
    case 1:
      return fromCharCode(b[a] as number);
    case 2:
      return fromCharCode(b[a] as number, b[a + 1] as number);
    case 3:
      return fromCharCode(b[a] as number, b[a + 1] as number, b[a + 2] as number);
    case 4:
      return fromCharCode(b[a] as number, b[a + 1] as number, b[a + 2] as number, b[a + 3] as number);
    case 5:
      return fromCharCode(
        b[a] as number,
        b[a + 1] as number,
        b[a + 2] as number,
        b[a + 3] as number,
        b[a + 4] as number,
      );
    case 6:
      return fromCharCode(
        b[a] as number,
        b[a + 1] as number,
        b[a + 2] as number,
        b[a + 3] as number,
        b[a + 4] as number,
        b[a + 5] as number,
      );
    case 7:
      return fromCharCode(
        b[a] as number,
        b[a + 1] as number,
        b[a + 2] as number,
        b[a + 3] as number,
        b[a + 4] as number,
        b[a + 5] as number,
        b[a + 6] as number,
      );
    case 8:
      return fromCharCode(
        b[a] as number,
        b[a + 1] as number,
        b[a + 2] as number,
        b[a + 3] as number,
        b[a + 4] as number,
        b[a + 5] as number,
        b[a + 6] as number,
        b[a + 7] as number,
      );
    case 9:
      return fromCharCode(
        b[a] as number,
        b[a + 1] as number,
        b[a + 2] as number,
        b[a + 3] as number,
        b[a + 4] as number,
        b[a + 5] as number,
        b[a + 6] as number,
        b[a + 7] as number,
        b[a + 8] as number,
      );
    case 10:
      return fromCharCode(
        b[a] as number,
        b[a + 1] as number,
        b[a + 2] as number,
        b[a + 3] as number,
        b[a + 4] as number,
        b[a + 5] as number,
        b[a + 6] as number,
        b[a + 7] as number,
        b[a + 8] as number,
        b[a + 9] as number,
      );
    case 11:
      return fromCharCode(
        b[a] as number,
        b[a + 1] as number,
        b[a + 2] as number,
        b[a + 3] as number,
        b[a + 4] as number,
        b[a + 5] as number,
        b[a + 6] as number,
        b[a + 7] as number,
        b[a + 8] as number,
        b[a + 9] as number,
        b[a + 10] as number,
      );
    case 12:
      return fromCharCode(
        b[a] as number,
        b[a + 1] as number,
        b[a + 2] as number,
        b[a + 3] as number,
        b[a + 4] as number,
        b[a + 5] as number,
        b[a + 6] as number,
        b[a + 7] as number,
        b[a + 8] as number,
        b[a + 9] as number,
        b[a + 10] as number,
        b[a + 11] as number,
      );
    case 13:
      return fromCharCode(
        b[a] as number,
        b[a + 1] as number,
        b[a + 2] as number,
        b[a + 3] as number,
        b[a + 4] as number,
        b[a + 5] as number,
        b[a + 6] as number,
        b[a + 7] as number,
        b[a + 8] as number,
        b[a + 9] as number,
        b[a + 10] as number,
        b[a + 11] as number,
        b[a + 12] as number,
      );
    case 14:
      return fromCharCode(
        b[a] as number,
        b[a + 1] as number,
        b[a + 2] as number,
        b[a + 3] as number,
        b[a + 4] as number,
        b[a + 5] as number,
        b[a + 6] as number,
        b[a + 7] as number,
        b[a + 8] as number,
        b[a + 9] as number,
        b[a + 10] as number,
        b[a + 11] as number,
        b[a + 12] as number,
        b[a + 13] as number,
      );
    case 15:
      return fromCharCode(
        b[a] as number,
        b[a + 1] as number,
        b[a + 2] as number,
        b[a + 3] as number,
        b[a + 4] as number,
        b[a + 5] as number,
        b[a + 6] as number,
        b[a + 7] as number,
        b[a + 8] as number,
        b[a + 9] as number,
        b[a + 10] as number,
        b[a + 11] as number,
        b[a + 12] as number,
        b[a + 13] as number,
        b[a + 14] as number,
      );
    case 16:
      return fromCharCode(
        b[a] as number,
        b[a + 1] as number,
        b[a + 2] as number,
        b[a + 3] as number,
        b[a + 4] as number,
        b[a + 5] as number,
        b[a + 6] as number,
        b[a + 7] as number,
        b[a + 8] as number,
        b[a + 9] as number,
        b[a + 10] as number,
        b[a + 11] as number,
        b[a + 12] as number,
        b[a + 13] as number,
        b[a + 14] as number,
        b[a + 15] as number,
      );
    default:
      return (b as unknown as NativeSlicers).latin1Slice(a, a + len);
  }
}
