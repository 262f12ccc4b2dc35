// Where a replay starts and stops in each partition, from the user's --from/--to and the topic's offsets.
import { SkeinError } from '@skein/runtime';

export type Position =
  { kind: 'earliest' } | { kind: 'now' } | { kind: 'offset'; offset: bigint } | { kind: 'time'; ms: number };

/** Reads --from/--to: "earliest", "now", a non-negative offset, or an ISO 8601 time with a date. */
export function parsePosition(text: string, key: 'from' | 'to'): Position {
  const t = text.trim();
  if (t === 'earliest') return { kind: 'earliest' };
  if (t === 'now') return { kind: 'now' };
  if (/^\d+$/.test(t)) return { kind: 'offset', offset: BigInt(t) };
  if (/^\d{4}-\d{2}-\d{2}/.test(t)) {
    const ms = Date.parse(t);
    if (Number.isFinite(ms)) return { kind: 'time', ms };
  }
  throw new SkeinError(
    'REPLAY_BAD_POSITION',
    `--${key} must be an ISO time (2026-11-24T00:00:00Z), an offset (12345), "earliest" or "now"; got ${JSON.stringify(text)}`,
  );
}

export interface PartitionRange {
  partition: number;
  /** First offset to replay. */
  start: bigint;
  /** Offset to stop before. */
  end: bigint;
}

export interface PartitionOffsetsInfo {
  partition: number;
  low: bigint;
  high: bigint;
  /** For a time position: the first offset whose timestamp is at or after it (high when none). */
  atFrom?: bigint;
  atTo?: bigint;
}

function clamp(v: bigint, low: bigint, high: bigint): bigint {
  return v < low ? low : v > high ? high : v;
}

function resolve(position: Position, info: PartitionOffsetsInfo, which: 'from' | 'to'): bigint {
  switch (position.kind) {
    case 'earliest':
      return info.low;
    case 'now':
      return info.high;
    case 'offset':
      return clamp(position.offset, info.low, info.high);
    case 'time': {
      const at = which === 'from' ? info.atFrom : info.atTo;
      return clamp(at ?? info.high, info.low, info.high);
    }
  }
}

/** Each partition's [start, end) for the positions; an end before its start means nothing to replay (start = end). */
export function planRanges(
  from: Position,
  to: Position,
  partitions: readonly PartitionOffsetsInfo[],
): PartitionRange[] {
  return partitions.map((info) => {
    const start = resolve(from, info, 'from');
    const end = resolve(to, info, 'to');
    return { partition: info.partition, start, end: end < start ? start : end };
  });
}
