// Names of Jaeger's daily indices: `<prefix>jaeger-span-YYYY-MM-DD`, `…-service-…`, `…-dependencies-…`, by UTC day.

export type IndexKind = 'span' | 'service' | 'dependencies';

const DAY_MS = 86_400_000;

/**
 * The prefix in the form Jaeger itself applies it: Jaeger joins a non-empty `--es.index-prefix` with `-` unless it
 * already ends with one, while skein uses its prefix verbatim. Pass a Jaeger-style prefix through this to share
 * indices with a Jaeger that was configured with it (`prod` → `prod-`).
 */
export function jaegerIndexPrefix(prefix: string): string {
  return prefix === '' || prefix.endsWith('-') ? prefix : `${prefix}-`;
}

/** `<prefix>jaeger-<kind>`, the base name that templates, aliases and daily indices share. */
export function indexBaseName(prefix: string, kind: IndexKind): string {
  return `${prefix}jaeger-${kind}`;
}

/** `<prefix>jaeger-<kind>-read`: in rollover mode, the alias over every index of the kind, which readers search. */
export function readAlias(prefix: string, kind: IndexKind): string {
  return `${indexBaseName(prefix, kind)}-read`;
}

/** `<prefix>jaeger-<kind>-write`: in rollover mode, the alias whose write index receives new documents. */
export function writeAlias(prefix: string, kind: IndexKind): string {
  return `${indexBaseName(prefix, kind)}-write`;
}

/** The UTC day of a millisecond timestamp as `YYYY-MM-DD`; throws RangeError outside the Date range. */
export function utcDay(timestampMs: number): string {
  const date = new Date(Math.floor(timestampMs / DAY_MS) * DAY_MS);
  if (Number.isNaN(date.getTime())) throw new RangeError(`no UTC day for timestamp ${timestampMs} ms`);
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) throw new RangeError(`timestamp ${timestampMs} ms is outside years 0000-9999`);
  return date.toISOString().slice(0, 10);
}

/** The daily span index that holds a span starting at `startTimeMicros` (µs since the epoch, UTC day). */
export function spanIndex(prefix: string, startTimeMicros: number): string {
  return `${indexBaseName(prefix, 'span')}-${utcDay(microsToMillis(startTimeMicros))}`;
}

/** The daily service index for a span starting at `startTimeMicros`: the same day as its span index. */
export function serviceIndex(prefix: string, startTimeMicros: number): string {
  return `${indexBaseName(prefix, 'service')}-${utcDay(microsToMillis(startTimeMicros))}`;
}

/** The daily dependencies index for links observed at `timestampMs` (milliseconds, unlike the span indices). */
export function dependenciesIndex(prefix: string, timestampMs: number): string {
  return `${indexBaseName(prefix, 'dependencies')}-${utcDay(timestampMs)}`;
}

/**
 * Every daily index of `kind` whose UTC day overlaps [startMs, endMs], oldest first, both ends included. An
 * inverted range (endMs < startMs) has no indices. The caller bounds the range (one name per day).
 */
export function indicesForRange(prefix: string, kind: IndexKind, startMs: number, endMs: number): string[] {
  if (endMs < startMs) return [];
  const base = indexBaseName(prefix, kind);
  const names: string[] = [];
  // Validate both ends before looping so a bad bound fails fast rather than after many iterations.
  utcDay(endMs);
  for (let day = Math.floor(startMs / DAY_MS) * DAY_MS; day <= endMs; day += DAY_MS) {
    names.push(`${base}-${utcDay(day)}`);
  }
  return names;
}

// Floor, not truncation towards zero, so the last microsecond before midnight stays in its own day.
function microsToMillis(micros: number): number {
  return Math.floor(micros / 1000);
}
