// Durations and times as people read them. Spans carry microseconds since the epoch, so everything here
// takes microseconds (µs) unless its name says otherwise.

/** Drops trailing zeros: 1.50 → "1.5", 2.00 → "2". */
function trim(value: number, decimals: number): string {
  return String(Number(value.toFixed(decimals)));
}

/** A duration in µs, in the largest unit that keeps it readable: "450µs", "1.23ms", "2.5s", "1m 3.2s", "2h 5m". */
export function formatDuration(us: number): string {
  if (!Number.isFinite(us)) return '–';
  const sign = us < 0 ? '-' : '';
  const abs = Math.abs(us);
  if (abs === 0) return '0';
  if (abs < 1_000) return `${sign}${trim(abs, 2)}µs`;
  if (abs < 1_000_000) return `${sign}${trim(abs / 1_000, 2)}ms`;
  if (abs < 60_000_000) return `${sign}${trim(abs / 1_000_000, 2)}s`;
  const totalSeconds = abs / 1_000_000;
  if (totalSeconds < 3_600) {
    const minutes = Math.floor(totalSeconds / 60);
    const seconds = totalSeconds - minutes * 60;
    return `${sign}${minutes}m ${trim(seconds, 1)}s`;
  }
  const hours = Math.floor(totalSeconds / 3_600);
  const minutes = Math.round((totalSeconds - hours * 3_600) / 60);
  return `${sign}${hours}h ${minutes}m`;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** Local date and time to the millisecond: "2025-03-04 13:05:09.123". */
export function formatDateTime(us: number): string {
  const d = new Date(Math.floor(us / 1_000));
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
  );
}

/** Local time of day, to the second: "13:05:09". */
export function formatClock(us: number): string {
  const d = new Date(Math.floor(us / 1_000));
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** How long before `nowMs` the instant `us` was: "just now", "5 minutes ago", "3 hours ago", "2 days ago". */
export function timeAgo(us: number, nowMs: number): string {
  const seconds = (nowMs - us / 1_000) / 1_000;
  if (seconds < -1) return 'in the future';
  if (seconds < 45) return 'just now';
  const [n, unit] =
    seconds >= 86_400
      ? [Math.floor(seconds / 86_400), 'day']
      : seconds >= 3_600
        ? [Math.floor(seconds / 3_600), 'hour']
        : [Math.max(1, Math.round(seconds / 60)), 'minute'];
  return `${n} ${unit}${n === 1 ? '' : 's'} ago`;
}

/** The first `length` characters of a trace or span ID, as lists show them. */
export function shortId(id: string, length = 8): string {
  return id.length <= length ? id : id.slice(0, length);
}
