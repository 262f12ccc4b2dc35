// Go's time.ParseDuration, which Jaeger's API uses for minDuration/maxDuration ("1.2ms", "2s", "1h30m").

const UNIT_NANOS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n, // U+00B5 micro sign
  μs: 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

const MAX_NANOS = 2n ** 63n - 1n;
const PART = /(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/y;

/**
 * Nanoseconds of a Go duration string: optional sign, then one or more decimal numbers each with a unit
 * (ns, us, µs, ms, s, m, h); "0" alone needs no unit. Undefined when Go would reject it (including overflow).
 */
export function parseGoDuration(text: string): bigint | undefined {
  let rest = text;
  let negative = false;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    negative = rest.startsWith('-');
    rest = rest.slice(1);
  }
  if (rest === '0') return 0n;
  if (rest === '') return undefined;
  let total = 0n;
  let at = 0;
  while (at < rest.length) {
    PART.lastIndex = at;
    const match = PART.exec(rest);
    if (match === null) return undefined;
    const whole = match[1] ?? '';
    const fraction = match[2] ?? '';
    if (whole === '' && fraction === '') return undefined;
    const unit = UNIT_NANOS[match[3] as string] as bigint;
    let nanos = BigInt(whole === '' ? '0' : whole) * unit;
    if (fraction !== '') nanos += (BigInt(fraction) * unit) / 10n ** BigInt(fraction.length);
    total += nanos;
    if (total > MAX_NANOS) return undefined;
    at = PART.lastIndex;
  }
  return negative ? -total : total;
}

/** Microseconds of a Go duration (truncated, as Jaeger converts), or undefined when it is not one. */
export function goDurationMicros(text: string): number | undefined {
  const nanos = parseGoDuration(text);
  return nanos === undefined ? undefined : Number(nanos / 1000n);
}
