// Axis ticks at round values: steps of 1, 2 or 5 times a power of ten.
import { formatClock, formatDuration } from './format.js';

/** The round step (1, 2 or 5 × 10^k) that cuts `range` into about `target` intervals. */
export function niceStep(range: number, target: number): number {
  if (!(range > 0) || !(target > 0)) return 1;
  const raw = range / target;
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  const nice = fraction < 1.5 ? 1 : fraction < 3.5 ? 2 : fraction < 7.5 ? 5 : 10;
  return nice * power;
}

/** Multiples of a round step within [min, max], about `target` + 1 of them. */
export function niceTicks(min: number, max: number, target = 5): number[] {
  if (!(max > min)) return [min];
  const step = niceStep(max - min, target);
  const out: number[] = [];
  // The epsilon keeps 0.3 / 0.1 = 2.9999999999999996 from dropping the last tick.
  const first = Math.ceil(min / step - 1e-9);
  const last = Math.floor(max / step + 1e-9);
  // Multiplying (not adding) keeps 0.1 + 0.2 style drift out of the labels.
  for (let i = first; i <= last; i++) out.push(Number((i * step).toPrecision(12)));
  return out;
}

export interface TimeTick {
  /** µs from the start of the axis. */
  readonly offset: number;
  /** Where it sits along the axis, 0 to 1. */
  readonly fraction: number;
  readonly label: string;
}

/** Ticks for a timeline of `total` µs, labelled as durations from its start ("0", "250µs", "1.5ms"). */
export function durationTicks(total: number, target = 5): TimeTick[] {
  if (!(total > 0)) return [{ offset: 0, fraction: 0, label: '0' }];
  return niceTicks(0, total, target).map((offset) => ({
    offset,
    fraction: offset / total,
    label: formatDuration(offset),
  }));
}

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Steps a clock reader expects, in ms. */
const CLOCK_STEPS = [
  SECOND,
  2 * SECOND,
  5 * SECOND,
  10 * SECOND,
  15 * SECOND,
  30 * SECOND,
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  7 * DAY,
];

export interface ClockTick {
  /** µs since the epoch. */
  readonly time: number;
  readonly label: string;
}

/**
 * Ticks for a wall-clock axis from `start` to `end` (µs since the epoch): whole seconds, minutes, hours or
 * days, about `target` intervals (a step up to 30% shorter than asked for when that is the rounder choice), labelled with the local time of day ("13:05:00"), or the date and time
 * ("03-04 13:00") when the axis covers more than a day. Below a second, round fractions of a second.
 */
export function clockTicks(start: number, end: number, target = 5): ClockTick[] {
  if (!(end > start)) return [{ time: start, label: formatClock(start) }];
  const startMs = start / 1_000;
  const endMs = end / 1_000;
  const rangeMs = endMs - startMs;
  const wanted = rangeMs / target;
  const times =
    wanted < SECOND
      ? niceTicks(startMs, endMs, target)
      : multiples(
          startMs,
          endMs,
          CLOCK_STEPS.find((s) => s >= wanted * 0.7) ?? niceStep(rangeMs / DAY, target) * DAY,
        );
  const pad = (n: number): string => String(n).padStart(2, '0');
  return times.map((ms) => {
    const d = new Date(ms);
    let label = formatClock(ms * 1_000);
    if (rangeMs > DAY)
      label = `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
    else if (wanted < SECOND) label += `.${String(d.getMilliseconds()).padStart(3, '0')}`;
    return { time: ms * 1_000, label };
  });
}

/** Multiples of `step` within [min, max]. */
function multiples(min: number, max: number, step: number): number[] {
  const out: number[] = [];
  for (let i = Math.ceil(min / step); i * step <= max; i++) out.push(i * step);
  return out;
}
