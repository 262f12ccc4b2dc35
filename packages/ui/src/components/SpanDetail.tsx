// One span in full: timing, IDs, tags, its process, logs, references and warnings. Sections are <details>
// elements, so they open and close with the keyboard like any disclosure.
import { useId, type KeyboardEvent } from 'react';
import type { UiKeyValue, UiTrace } from '@skein/model';
import type { Segment } from '../lib/critical-path.js';
import { formatDateTime, formatDuration } from '../lib/format.js';
import { isErrorSpan, serviceOf } from '../lib/summary.js';
import type { SpanNode, SpanTree } from '../lib/tree.js';
import { Link } from '../router.js';

function KeyValueTable({ items, label }: { items: readonly UiKeyValue[]; label: string }) {
  if (items.length === 0) return <p className="muted">None.</p>;
  return (
    <table className="kv" aria-label={label}>
      <tbody>
        {items.map((kv, i) => (
          <tr key={`${kv.key}-${i}`}>
            <th scope="row">{kv.key}</th>
            <td>
              <span className="kv-value">{String(kv.value)}</span>
              {kv.type !== 'string' && <span className="kv-type">{kv.type}</span>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export interface SpanDetailProps {
  trace: UiTrace;
  tree: SpanTree;
  node: SpanNode;
  segments: readonly Segment[] | undefined;
  color: string;
  onClose: () => void;
  onGoTo: (index: number) => void;
}

export function SpanDetail({ trace, tree, node, segments, color, onClose, onGoTo }: SpanDetailProps) {
  const id = useId();
  const { span } = node;
  const process = trace.processes[span.processID];
  const service = serviceOf(trace, span);
  const kind = span.tags.find((t) => t.key === 'span.kind')?.value;
  const onCritical = segments?.reduce((sum, s) => sum + (s.end - s.start), 0);
  const onKeyDown = (event: KeyboardEvent): void => {
    if (event.key === 'Escape') {
      event.preventDefault();
      onClose();
    }
  };
  return (
    <aside className="span-detail" aria-labelledby={`${id}-title`} onKeyDown={onKeyDown}>
      <div className="detail-head">
        <h2 id={`${id}-title`}>
          <span className="tl-swatch" style={{ background: color }} aria-hidden="true" />
          {span.operationName}
        </h2>
        <button type="button" onClick={onClose} aria-label="Close span details">
          Close
        </button>
      </div>
      {isErrorSpan(span) && <p className="error-box">This span reports an error.</p>}
      <dl className="facts">
        <dt>Service</dt>
        <dd>{service}</dd>
        <dt>Duration</dt>
        <dd>{formatDuration(span.duration)}</dd>
        <dt>Start</dt>
        <dd>
          +{formatDuration(span.startTime - tree.start)}{' '}
          <span className="muted">({formatDateTime(span.startTime)})</span>
        </dd>
        {kind !== undefined && (
          <>
            <dt>Kind</dt>
            <dd>{String(kind)}</dd>
          </>
        )}
        <dt>Span ID</dt>
        <dd className="mono">{span.spanID}</dd>
        <dt>Parent</dt>
        <dd>
          {node.parent === undefined ? (
            <span className="muted">none (a root)</span>
          ) : (
            <button
              type="button"
              className="link-button"
              onClick={() => onGoTo((node.parent as SpanNode).index)}
            >
              {serviceOf(trace, node.parent.span)}: {node.parent.span.operationName}
            </button>
          )}
        </dd>
        <dt>Children</dt>
        <dd>
          {node.children.length} direct, {node.descendants} in all
        </dd>
        {onCritical !== undefined && (
          <>
            <dt>Critical path</dt>
            <dd>{formatDuration(onCritical)} of this span's time</dd>
          </>
        )}
      </dl>
      {span.warnings !== null && span.warnings.length > 0 && (
        <div className="warning-box">
          <h3>Warnings</h3>
          <ul>
            {span.warnings.map((w, i) => (
              <li key={i}>{w}</li>
            ))}
          </ul>
        </div>
      )}
      <details open>
        <summary>
          Tags <span className="muted">({span.tags.length})</span>
        </summary>
        <KeyValueTable items={span.tags} label="Span tags" />
      </details>
      <details open>
        <summary>
          Process: {process?.serviceName ?? span.processID}{' '}
          <span className="muted">({process?.tags.length ?? 0} tags)</span>
        </summary>
        <KeyValueTable items={process?.tags ?? []} label="Process tags" />
      </details>
      <details open={span.logs.length > 0 && span.logs.length <= 20}>
        <summary>
          Logs <span className="muted">({span.logs.length})</span>
        </summary>
        {span.logs.length === 0 ? (
          <p className="muted">None.</p>
        ) : (
          <ol className="logs">
            {span.logs.map((log, i) => (
              <li key={i}>
                <h3>
                  +{formatDuration(log.timestamp - tree.start)}{' '}
                  <span className="muted">({formatDateTime(log.timestamp)})</span>
                </h3>
                <KeyValueTable items={log.fields} label={`Log ${i + 1} fields`} />
              </li>
            ))}
          </ol>
        )}
      </details>
      <details open>
        <summary>
          References <span className="muted">({span.references.length})</span>
        </summary>
        {span.references.length === 0 ? (
          <p className="muted">None.</p>
        ) : (
          <table className="kv" aria-label="References">
            <thead>
              <tr>
                <th scope="col">Type</th>
                <th scope="col">Span</th>
              </tr>
            </thead>
            <tbody>
              {span.references.map((ref, i) => {
                const target = ref.traceID === span.traceID ? tree.byId.get(ref.spanID) : undefined;
                return (
                  <tr key={i}>
                    <td>{ref.refType}</td>
                    <td>
                      {target !== undefined ? (
                        <button type="button" className="link-button" onClick={() => onGoTo(target.index)}>
                          {serviceOf(trace, target.span)}: {target.span.operationName}{' '}
                          <span className="mono">{ref.spanID}</span>
                        </button>
                      ) : ref.traceID !== span.traceID ? (
                        <Link href={`/trace/${ref.traceID}`}>
                          trace <span className="mono">{ref.traceID}</span>, span{' '}
                          <span className="mono">{ref.spanID}</span>
                        </Link>
                      ) : (
                        <span>
                          <span className="mono">{ref.spanID}</span>{' '}
                          <span className="muted">(not in this trace)</span>
                        </span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </details>
    </aside>
  );
}
