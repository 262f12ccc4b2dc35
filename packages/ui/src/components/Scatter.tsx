// Trace duration over start time, one dot per search result; errors in red and drawn as diamonds, so colour is
// not the only cue. A mouse aid: keyboard and screen-reader users have the result list below, which holds the
// same traces, so the dots are not tab stops.
import { useMemo, useRef } from 'react';
import { useElementSize } from '../hooks.js';
import { formatDuration, formatDateTime } from '../lib/format.js';
import type { TraceSummary } from '../lib/summary.js';
import { clockTicks, niceStep, niceTicks } from '../lib/ticks.js';

const HEIGHT = 180;
const PAD = { left: 64, right: 16, top: 12, bottom: 28 };

export function Scatter({
  summaries,
  onOpen,
}: {
  summaries: readonly TraceSummary[];
  onOpen: (id: string) => void;
}) {
  const box = useRef<HTMLDivElement>(null);
  const { width } = useElementSize(box);
  const plot = useMemo(() => {
    const starts = summaries.map((s) => s.start);
    let t0 = Math.min(...starts);
    let t1 = Math.max(...starts);
    // A single instant (or a single trace) gets a second either side so it sits mid-axis.
    if (t1 - t0 < 1_000_000) {
      t0 -= 1_000_000;
      t1 += 1_000_000;
    }
    const pad = (t1 - t0) * 0.04;
    t0 -= pad;
    t1 += pad;
    // The y axis ends on the first round value at or above the longest trace, so the top dot has a label above.
    const longestDuration = Math.max(1, ...summaries.map((s) => s.duration));
    const step = niceStep(longestDuration, 4);
    const yMax = Math.ceil(longestDuration / step) * step;
    const yTicks = niceTicks(0, yMax, 4);
    // Time labels are up to 12 characters ("13:05:09.250"): about one per 160 px.
    const xTicks = clockTicks(t0, t1, Math.max(2, Math.floor(width / 160)));
    return { t0, t1, yMax, yTicks, xTicks };
  }, [summaries, width]);
  const innerW = Math.max(10, width - PAD.left - PAD.right);
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const x = (t: number): number => PAD.left + ((t - plot.t0) / (plot.t1 - plot.t0)) * innerW;
  const y = (d: number): number => PAD.top + innerH - (d / plot.yMax) * innerH;
  const longest = summaries.reduce((a, b) => (b.duration > a.duration ? b : a));
  const label =
    `Scatter plot of ${summaries.length} traces: duration against start time, from ` +
    `${formatDateTime(Math.min(...summaries.map((s) => s.start)))}; the longest is ` +
    `${formatDuration(longest.duration)} (${longest.rootService}: ${longest.rootOperation}).`;

  return (
    <div className="scatter" ref={box}>
      {width > 0 && (
        <svg width={width} height={HEIGHT} role="img" aria-label={label}>
          {plot.yTicks.map((d) => (
            <g key={`y${d}`}>
              <line className="grid-line" x1={PAD.left} x2={PAD.left + innerW} y1={y(d)} y2={y(d)} />
              <text className="axis-label" x={PAD.left - 6} y={y(d)} dy="0.32em" textAnchor="end">
                {formatDuration(d)}
              </text>
            </g>
          ))}
          {plot.xTicks
            // A label centred on a tick near either end would be cut off.
            .filter((t) => x(t.time) > PAD.left + 36 && x(t.time) < width - 48)
            .map((t) => (
              <text
                key={`x${t.time}`}
                className="axis-label"
                x={x(t.time)}
                y={HEIGHT - 8}
                textAnchor="middle"
              >
                {t.label}
              </text>
            ))}
          {summaries.map((s) => {
            const r = Math.min(10, 3 + Math.sqrt(s.spanCount) / 2);
            const cx = x(s.start);
            const cy = y(s.duration);
            const title = `${s.rootService}: ${s.rootOperation} — ${formatDuration(s.duration)}, ${s.spanCount} spans${
              s.errorCount > 0 ? `, ${s.errorCount} errors` : ''
            }`;
            const open = (): void => onOpen(s.traceID);
            return s.errorCount > 0 ? (
              <path
                key={s.traceID}
                className="dot dot-error"
                d={`M${cx},${cy - r - 1}L${cx + r + 1},${cy}L${cx},${cy + r + 1}L${cx - r - 1},${cy}Z`}
                onClick={open}
              >
                <title>{title}</title>
              </path>
            ) : (
              <circle key={s.traceID} className="dot" cx={cx} cy={cy} r={r} onClick={open}>
                <title>{title}</title>
              </circle>
            );
          })}
        </svg>
      )}
    </div>
  );
}
