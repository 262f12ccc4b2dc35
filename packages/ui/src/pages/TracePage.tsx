// One trace: a summary, the timeline (collapsible, critical path marked, searchable) and the selected span.
import {
  useCallback,
  useDeferredValue,
  useEffect,
  useId,
  useMemo,
  useRef,
  useState,
  type KeyboardEvent,
} from 'react';
import type { UiTrace } from '@skein/model';
import { fetchTrace } from '../api.js';
import { SpanDetail } from '../components/SpanDetail.js';
import { Timeline, type RevealRequest } from '../components/Timeline.js';
import { useLoad, useTitle } from '../hooks.js';
import { criticalPath, segmentsByNode } from '../lib/critical-path.js';
import { findInTrace, indexTrace } from '../lib/find.js';
import { formatDateTime, formatDuration, shortId } from '../lib/format.js';
import { summarize } from '../lib/summary.js';
import { ancestors, buildTree, parentsOf, visibleRows, type SpanNode } from '../lib/tree.js';
import { Link } from '../router.js';
import { serviceColors } from '../theme.js';

export function TracePage({ traceId }: { traceId: string }) {
  const trace = useLoad(traceId, (signal) => fetchTrace(traceId, signal));
  useTitle(`Trace ${shortId(traceId)}`);
  if (trace.status === 'done') return <TraceView trace={trace.value} />;
  return (
    <div className="page narrow">
      <h1>
        Trace <span className="mono">{traceId}</span>
      </h1>
      {trace.status === 'error' ? (
        <div className="error-box" role="alert">
          {trace.httpStatus === 404 ? (
            <p>
              No trace with this ID was found. It may be older than the index retention, still being written,
              or in another index prefix. <Link href="/">Search traces</Link>.
            </p>
          ) : (
            <p>The trace could not be loaded: {trace.error}</p>
          )}
        </div>
      ) : (
        <p role="status">Loading trace…</p>
      )}
    </div>
  );
}

function download(trace: UiTrace): void {
  // The API's own envelope, so the file opens in tools that read Jaeger's JSON (Jaeger UI's "upload JSON").
  const body = JSON.stringify({ data: [trace], total: 0, limit: 0, offset: 0, errors: null }, null, 2);
  const url = URL.createObjectURL(new Blob([body], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `trace-${trace.traceID}.json`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function TraceView({ trace }: { trace: UiTrace }) {
  const id = useId();
  const tree = useMemo(() => buildTree(trace.spans), [trace]);
  const summary = useMemo(() => summarize(trace), [trace]);
  const critical = useMemo(() => segmentsByNode(criticalPath(tree)), [tree]);
  const texts = useMemo(() => indexTrace(trace), [trace]);
  const colors = useMemo(
    () => serviceColors(Object.values(trace.processes).map((p) => p.serviceName)),
    [trace],
  );
  const [collapsed, setCollapsed] = useState<ReadonlySet<number>>(() => new Set());
  const rows = useMemo(() => visibleRows(tree, collapsed), [tree, collapsed]);
  const [focused, setFocused] = useState<number>(() => tree.order[0]?.index ?? 0);
  const [selected, setSelected] = useState<number | undefined>(undefined);
  const [showCritical, setShowCritical] = useState(true);
  const [query, setQuery] = useState('');
  const deferredQuery = useDeferredValue(query);
  const matches = useMemo(() => findInTrace(tree, texts, deferredQuery), [tree, texts, deferredQuery]);
  const matchSet = useMemo(() => new Set(matches), [matches]);
  // The position among the matches belongs to the query it was stepped through: a new query starts at its first.
  const [stepped, setStepped] = useState({ query: '', pos: 0 });
  const matchPos = stepped.query === deferredQuery && stepped.pos < matches.length ? stepped.pos : 0;
  const [reveal, setReveal] = useState<RevealRequest | undefined>(undefined);
  const findInput = useRef<HTMLInputElement>(null);
  useTitle(`${summary.rootService}: ${summary.rootOperation}`);

  // "/" jumps to "Find in trace", unless the user is typing somewhere.
  useEffect(() => {
    const onKey = (event: globalThis.KeyboardEvent): void => {
      if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey) return;
      const target = event.target as HTMLElement | null;
      if (target !== null && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) return;
      event.preventDefault();
      findInput.current?.focus();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  /** Shows a span: expands its ancestors, moves the timeline's focus to it and scrolls it into view. */
  const goTo = useCallback(
    (index: number, options: { focus: boolean; select: boolean }) => {
      const node = tree.nodes[index];
      if (node === undefined) return;
      const hidden = ancestors(node).filter((a) => collapsed.has(a.index));
      if (hidden.length > 0) {
        setCollapsed((prev) => {
          const next = new Set(prev);
          for (const a of hidden) next.delete(a.index);
          return next;
        });
      }
      setFocused(index);
      if (options.select) setSelected(index);
      setReveal((r) => ({ index, focus: options.focus, seq: (r?.seq ?? 0) + 1 }));
    },
    [tree, collapsed],
  );

  const onFocusRow = useCallback((index: number) => {
    setFocused(index);
    // With the details open they follow the keyboard, so arrowing through rows reads span after span.
    setSelected((s) => (s === undefined ? s : index));
  }, []);
  const onToggle = useCallback((index: number) => {
    setCollapsed((prev) => {
      const next = new Set(prev);
      if (!next.delete(index)) next.add(index);
      return next;
    });
  }, []);
  const onSetCollapsed = useCallback((index: number, value: boolean) => {
    setCollapsed((prev) => {
      if (prev.has(index) === value) return prev;
      const next = new Set(prev);
      if (value) next.add(index);
      else next.delete(index);
      return next;
    });
  }, []);
  const onSelect = useCallback((index: number | undefined) => setSelected(index), []);
  const closeDetail = useCallback(() => {
    setSelected(undefined);
    setReveal((r) => ({ index: focused, focus: true, seq: (r?.seq ?? 0) + 1 }));
  }, [focused]);

  const stepMatch = (delta: number): void => {
    if (matches.length === 0) return;
    const next = (matchPos + delta + matches.length) % matches.length;
    setStepped({ query: deferredQuery, pos: next });
    goTo(matches[next] as number, { focus: false, select: false });
  };
  const onFindKey = (event: KeyboardEvent<HTMLInputElement>): void => {
    if (event.key === 'Enter') {
      event.preventDefault();
      // The first Enter shows the first match; later ones step on (Shift+Enter steps back).
      stepMatch(reveal !== undefined && matches[matchPos] === reveal.index ? (event.shiftKey ? -1 : 1) : 0);
    } else if (event.key === 'Escape' && query !== '') {
      event.preventDefault();
      setQuery('');
    }
  };

  const selectedNode: SpanNode | undefined = selected === undefined ? undefined : tree.nodes[selected];
  const currentMatch = matches.length > 0 ? matches[matchPos] : undefined;
  const depth = tree.maxDepth + 1;
  const services = summary.services.length;

  return (
    <div className="trace-page">
      <header className="trace-head">
        <h1>
          {summary.rootService}: {summary.rootOperation}{' '}
          <span className="mono muted trace-id">{trace.traceID}</span>
        </h1>
        <dl className="trace-facts">
          <div>
            <dt>Start</dt>
            <dd>{formatDateTime(summary.start)}</dd>
          </div>
          <div>
            <dt>Duration</dt>
            <dd>{formatDuration(summary.duration)}</dd>
          </div>
          <div>
            <dt>Services</dt>
            <dd>{services}</dd>
          </div>
          <div>
            <dt>Depth</dt>
            <dd>{depth}</dd>
          </div>
          <div>
            <dt>Spans</dt>
            <dd>{summary.spanCount}</dd>
          </div>
          <div>
            <dt>Errors</dt>
            <dd className={summary.errorCount > 0 ? 'error-text' : undefined}>{summary.errorCount}</dd>
          </div>
        </dl>
        {trace.warnings !== null && trace.warnings.length > 0 && (
          <div className="warning-box">
            {trace.warnings.map((w, i) => (
              <p key={i}>{w}</p>
            ))}
          </div>
        )}
      </header>
      <div className="trace-toolbar" role="toolbar" aria-label="Trace view">
        <div className="find">
          <label htmlFor={`${id}-find`}>Find in trace</label>
          <input
            id={`${id}-find`}
            ref={findInput}
            type="search"
            placeholder="service, operation, tag=value…"
            value={query}
            spellCheck={false}
            autoComplete="off"
            aria-describedby={`${id}-find-count`}
            aria-keyshortcuts="/"
            onChange={(e) => setQuery(e.target.value)}
            onKeyDown={onFindKey}
          />
          <span id={`${id}-find-count`} className="find-count" role="status">
            {query === '' ? '' : matches.length === 0 ? 'no match' : `${matchPos + 1} of ${matches.length}`}
          </span>
          <button
            type="button"
            disabled={matches.length === 0}
            onClick={() => stepMatch(-1)}
            aria-label="Previous match"
          >
            ↑
          </button>
          <button
            type="button"
            disabled={matches.length === 0}
            onClick={() => stepMatch(1)}
            aria-label="Next match"
          >
            ↓
          </button>
        </div>
        <button type="button" onClick={() => setCollapsed(new Set())} disabled={collapsed.size === 0}>
          Expand all
        </button>
        <button type="button" onClick={() => setCollapsed(parentsOf(tree))}>
          Collapse all
        </button>
        <label className="checkbox">
          <input type="checkbox" checked={showCritical} onChange={(e) => setShowCritical(e.target.checked)} />
          Critical path
        </label>
        <button type="button" onClick={() => download(trace)}>
          Download JSON
        </button>
      </div>
      <div className="trace-body">
        <Timeline
          trace={trace}
          tree={tree}
          rows={rows}
          collapsed={collapsed}
          focused={focused}
          selected={selected}
          matches={matchSet}
          currentMatch={currentMatch}
          critical={showCritical ? critical : undefined}
          colors={colors}
          reveal={reveal}
          onFocusRow={onFocusRow}
          onToggle={onToggle}
          onSetCollapsed={onSetCollapsed}
          onSelect={onSelect}
        />
        {selectedNode !== undefined && (
          <SpanDetail
            key={selectedNode.index}
            trace={trace}
            tree={tree}
            node={selectedNode}
            segments={showCritical ? critical.get(selectedNode.index) : undefined}
            color={
              colors.get(trace.processes[selectedNode.span.processID]?.serviceName ?? '') ??
              'var(--text-muted)'
            }
            onClose={closeDetail}
            onGoTo={(index) => goTo(index, { focus: true, select: true })}
          />
        )}
      </div>
    </div>
  );
}
