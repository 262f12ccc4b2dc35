// IDs are formatted millions of times a second. One String.fromCharCode call with the 16 character codes
// makes a flat string in one allocation; a 64 Ki-entry table of 4-digit strings (and a concatenation per
// pair) costs twice as much on random IDs, which miss the CPU caches.

const fromCharCode = String.fromCharCode;
/** Character codes of the 16 lowercase hex digits (a plain array of small integers: the fastest lookup). */
const DIGITS: number[] = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

/** Character code of the hex digit for the low 4 bits of `n`. */
function digit(n: number): number {
  return DIGITS[n & 15] as number;
}

/** 16 lowercase hex chars of the 64-bit value with 32-bit halves `hi` and `lo`. */
export function hex64(hi: number, lo: number): string {
  return fromCharCode(
    digit(hi >>> 28),
    digit(hi >>> 24),
    digit(hi >>> 20),
    digit(hi >>> 16),
    digit(hi >>> 12),
    digit(hi >>> 8),
    digit(hi >>> 4),
    digit(hi),
    digit(lo >>> 28),
    digit(lo >>> 24),
    digit(lo >>> 20),
    digit(lo >>> 16),
    digit(lo >>> 12),
    digit(lo >>> 8),
    digit(lo >>> 4),
    digit(lo),
  );
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

// IDs repeat: every span of a trace carries the same trace ID, a span's parent ID comes back in its reference,
// and the high half of a 64-bit trace ID is zero. Small direct-mapped caches turn those repeats into a few
// integer compares, and give every span of a trace the same string.
const ID_SLOTS = 256;
const idWords = new Int32Array(ID_SLOTS * 2);
const idStrings: string[] = new Array<string>(ID_SLOTS).fill('');

/** hex64(hi, lo), through the cache. */
export function idHex(hi: number, lo: number): string {
  const slot = (hi ^ lo ^ (lo >>> 8) ^ (lo >>> 16)) & (ID_SLOTS - 1);
  const at = slot << 1;
  const cached = idStrings[slot] as string;
  if (cached !== '' && idWords[at] === hi && idWords[at + 1] === lo) return cached;
  const s = hex64(hi, lo);
  idWords[at] = hi;
  idWords[at + 1] = lo;
  idStrings[slot] = s;
  return s;
}

const traceWords = new Int32Array(ID_SLOTS * 4);
const traceStrings: string[] = new Array<string>(ID_SLOTS).fill('');

/** The 32 hex chars of the 128-bit trace ID with high half `hh:hl` and low half `lh:ll`, through the cache. */
export function traceIdHex(hh: number, hl: number, lh: number, ll: number): string {
  const slot = (hh ^ hl ^ lh ^ ll ^ (ll >>> 8) ^ (ll >>> 16)) & (ID_SLOTS - 1);
  const at = slot << 2;
  const cached = traceStrings[slot] as string;
  if (
    cached !== '' &&
    traceWords[at + 3] === ll &&
    traceWords[at + 2] === lh &&
    traceWords[at + 1] === hl &&
    traceWords[at] === hh
  )
    return cached;
  const s = hex64(hh, hl) + hex64(lh, ll);
  traceWords[at] = hh;
  traceWords[at + 1] = hl;
  traceWords[at + 2] = lh;
  traceWords[at + 3] = ll;
  traceStrings[slot] = s;
  return s;
}
