// The search results: each trace's root service and operation (a link to the trace), span and error counts,
// the services it touched, its duration and when it started.
import { formatDateTime, formatDuration, shortId, timeAgo } from '../lib/format.js';
import type { TraceSummary } from '../lib/summary.js';
import { Link } from '../router.js';

export function ResultList({ summaries, now }: { summaries: readonly TraceSummary[]; now: number }) {
  const longest = Math.max(1, ...summaries.map((s) => s.duration));
  return (
    <ol className="result-list" aria-label="Traces found">
      {summaries.map((s) => (
        <li key={s.traceID} className="result">
          <div className="result-head">
            <Link href={`/trace/${s.traceID}`} className="result-title">
              <span className="result-name">
                {s.rootService}: {s.rootOperation}
              </span>{' '}
              <span className="mono muted">{shortId(s.traceID)}</span>
            </Link>
            <span className="result-duration">{formatDuration(s.duration)}</span>
          </div>
          <div className="result-bar" aria-hidden="true">
            <span style={{ width: `${(s.duration / longest) * 100}%` }} />
          </div>
          <div className="result-meta">
            <span>
              {s.spanCount} span{s.spanCount === 1 ? '' : 's'}
            </span>
            {s.errorCount > 0 && (
              <span className="error-text">
                {s.errorCount} error{s.errorCount === 1 ? '' : 's'}
              </span>
            )}
            {!s.hasRoot && <span className="muted">no root span</span>}
            <span className="result-time">
              <time dateTime={new Date(s.start / 1000).toISOString()}>{formatDateTime(s.start)}</time>{' '}
              <span className="muted">({timeAgo(s.start, now)})</span>
            </span>
          </div>
          <ul className="service-chips" aria-label="Services">
            {s.services.map((svc) => (
              <li key={svc.name}>
                {svc.name} <span className="muted">{svc.spans}</span>
                {svc.errors > 0 && <span className="error-text"> ({svc.errors} err)</span>}
              </li>
            ))}
          </ul>
        </li>
      ))}
    </ol>
  );
}
