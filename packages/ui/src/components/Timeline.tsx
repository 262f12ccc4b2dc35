// The trace timeline: one row per visible span (service, operation, and a bar on the trace's time axis), rows
// virtualised (only those in view, plus the focused one, are in the DOM), and an ARIA tree for the keyboard:
// ↑/↓/Home/End/PageUp/PageDown move, → expands or goes to the first child, ← collapses or goes to the parent,
// Enter or Space expands/collapses and shows the span's details, Escape closes them.
import {
  memo,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type CSSProperties,
  type KeyboardEvent,
} from 'react';
import type { UiTrace } from '@skein/model';
import { useElementSize } from '../hooks.js';
import type { Segment } from '../lib/critical-path.js';
import { formatDuration } from '../lib/format.js';
import { isErrorSpan, serviceOf } from '../lib/summary.js';
import { durationTicks } from '../lib/ticks.js';
import type { SpanNode, SpanTree } from '../lib/tree.js';
import { revealRow, visibleWindow } from '../lib/virtual.js';

export const ROW_HEIGHT = 28;
/** Indentation per level, and the deepest level indented further (a 10,000-deep chain must stay readable). */
const INDENT = 14;
const MAX_INDENT_LEVELS = 20;

export interface RevealRequest {
  readonly index: number;
  readonly focus: boolean;
  /** Changes with every request, so the same span can be revealed twice. */
  readonly seq: number;
}

export interface TimelineProps {
  trace: UiTrace;
  tree: SpanTree;
  rows: readonly SpanNode[];
  collapsed: ReadonlySet<number>;
  focused: number;
  selected: number | undefined;
  matches: ReadonlySet<number>;
  currentMatch: number | undefined;
  critical: ReadonlyMap<number, readonly Segment[]> | undefined;
  colors: ReadonlyMap<string, string>;
  reveal: RevealRequest | undefined;
  onFocusRow: (index: number) => void;
  onToggle: (index: number) => void;
  onSetCollapsed: (index: number, collapsed: boolean) => void;
  onSelect: (index: number | undefined) => void;
}

interface RowProps {
  node: SpanNode;
  position: number;
  service: string;
  color: string;
  t0: number;
  total: number;
  collapsed: boolean;
  focused: boolean;
  selected: boolean;
  match: boolean;
  currentMatch: boolean;
  segments: readonly Segment[] | undefined;
  onClickRow: (index: number) => void;
  onToggle: (index: number) => void;
}

const pct = (v: number): string => `${Math.max(0, Math.min(100, v * 100))}%`;

const Row = memo(function Row(p: RowProps) {
  const { span } = p.node;
  const hasChildren = p.node.children.length > 0;
  const error = isErrorSpan(span);
  const left = p.total > 0 ? (span.startTime - p.t0) / p.total : 0;
  const width = p.total > 0 ? span.duration / p.total : 1;
  // The duration goes after the bar, or before it, or (for a bar spanning nearly the whole axis) inside it.
  const place = left + width < 0.8 ? 'after' : left > 0.12 ? 'before' : 'inside';
  const className = [
    'tl-row',
    p.selected ? 'is-selected' : '',
    p.match ? 'is-match' : '',
    p.currentMatch ? 'is-current-match' : '',
  ].join(' ');
  const style: CSSProperties = { transform: `translateY(${p.position * ROW_HEIGHT}px)` };
  const indent = Math.min(p.node.depth, MAX_INDENT_LEVELS) * INDENT;
  return (
    <div
      role="treeitem"
      aria-level={p.node.depth + 1}
      aria-expanded={hasChildren ? !p.collapsed : undefined}
      aria-selected={p.selected}
      tabIndex={p.focused ? 0 : -1}
      data-node={p.node.index}
      className={className}
      style={style}
      onClick={() => p.onClickRow(p.node.index)}
    >
      <div className="tl-label" style={{ paddingLeft: indent + 4 }}>
        {hasChildren ? (
          <span
            className="tl-toggle"
            aria-hidden="true"
            onClick={(e) => {
              e.stopPropagation();
              p.onToggle(p.node.index);
            }}
          >
            {p.collapsed ? '▸' : '▾'}
          </span>
        ) : (
          <span className="tl-toggle" aria-hidden="true" />
        )}
        <span className="tl-swatch" style={{ background: p.color }} aria-hidden="true" />
        <span className="tl-service">{p.service}</span>
        <span className="tl-operation">{span.operationName}</span>
        {p.node.depth > MAX_INDENT_LEVELS && <span className="tl-depth muted">depth {p.node.depth}</span>}
        {hasChildren && p.collapsed && <span className="tl-hidden-count muted">+{p.node.descendants}</span>}
        {error && (
          <span className="tl-error" title="error">
            <span aria-hidden="true">!</span>
            <span className="visually-hidden">error</span>
          </span>
        )}
        {p.segments !== undefined && <span className="visually-hidden">on the critical path</span>}
      </div>
      <div className="tl-track">
        <div className="tl-bar" style={{ left: pct(left), width: pct(width), background: p.color }}>
          {place === 'inside' && <span className="tl-duration-inside">{formatDuration(span.duration)}</span>}
        </div>
        {p.segments?.map((s) => (
          <div
            key={s.start}
            className="tl-critical"
            style={{ left: pct((s.start - p.t0) / p.total), width: pct((s.end - s.start) / p.total) }}
          />
        ))}
        {place !== 'inside' && (
          <span
            className="tl-duration"
            style={
              place === 'after'
                ? { left: `calc(${pct(left + width)} + 4px)` }
                : { right: `calc(${pct(1 - left)} + 4px)` }
            }
          >
            {formatDuration(span.duration)}
          </span>
        )}
      </div>
    </div>
  );
});

export function Timeline(props: TimelineProps) {
  const { tree, rows, trace } = props;
  const viewport = useRef<HTMLDivElement>(null);
  const axis = useRef<HTMLDivElement>(null);
  const { height } = useElementSize(viewport);
  const { width: axisWidth } = useElementSize(axis);
  const [scrollTop, setScrollTop] = useState(0);
  const pending = useRef<{ index: number; focus: boolean } | undefined>(undefined);
  const lastReveal = useRef<number | undefined>(undefined);

  const t0 = tree.start;
  const total = tree.end - tree.start;
  const position = useMemo(() => {
    const map = new Map<number, number>();
    rows.forEach((node, i) => map.set(node.index, i));
    return map;
  }, [rows]);
  // The row that takes the keyboard: the focused span, or, when a collapse hid it, its nearest shown ancestor.
  let focused = props.focused;
  for (let n = tree.nodes[focused]; n !== undefined && !position.has(n.index); n = n.parent) {
    focused = n.parent?.index ?? rows[0]?.index ?? focused;
  }
  const ticks = useMemo(
    () => durationTicks(total, Math.max(2, Math.floor(axisWidth / 110))),
    [total, axisWidth],
  );
  const gridStyle = useMemo<CSSProperties>(
    () => ({
      backgroundImage: ticks.map(() => 'linear-gradient(var(--grid), var(--grid))').join(','),
      backgroundSize: ticks.map(() => '1px 100%').join(','),
      backgroundPosition: ticks.map((t) => `${t.fraction * 100}% 0`).join(','),
      backgroundRepeat: 'no-repeat',
    }),
    [ticks],
  );

  // Scroll to and focus what a key press or the page asked for, once it is among the rows: after the render in
  // which the focus moved, the rows changed (a subtree opened) or a reveal was requested.
  useLayoutEffect(() => {
    if (props.reveal !== undefined && props.reveal.seq !== lastReveal.current) {
      lastReveal.current = props.reveal.seq;
      pending.current = { index: props.reveal.index, focus: props.reveal.focus };
    }
    const request = pending.current;
    const vp = viewport.current;
    if (request === undefined || vp === null) return;
    const pos = position.get(request.index);
    if (pos === undefined) return;
    pending.current = undefined;
    // The scroll event that follows renders the rows around it; the row itself is already there (see below).
    vp.scrollTop = revealRow(pos, vp.scrollTop, vp.clientHeight, ROW_HEIGHT);
    if (request.focus) {
      vp.querySelector<HTMLElement>(`[data-node="${request.index}"]`)?.focus({ preventScroll: true });
    }
  }, [props.reveal, position, focused]);

  const range = visibleWindow(scrollTop, height || 600, ROW_HEIGHT, rows.length, 10);
  const shown: SpanNode[] = rows.slice(range.start, range.end);
  const focusedPos = position.get(focused);
  // The focused row stays in the DOM when scrolled away, so keyboard focus is never dropped.
  if (focusedPos !== undefined && (focusedPos < range.start || focusedPos >= range.end)) {
    shown.push(rows[focusedPos] as SpanNode);
  }

  const moveTo = (pos: number): void => {
    const node = rows[Math.max(0, Math.min(rows.length - 1, pos))];
    if (node === undefined || node.index === focused) return;
    pending.current = { index: node.index, focus: true };
    props.onFocusRow(node.index);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    const pos = focusedPos ?? 0;
    const node = rows[pos];
    if (node === undefined) return;
    const page = Math.max(1, Math.floor((height || 600) / ROW_HEIGHT) - 1);
    const hasChildren = node.children.length > 0;
    const isCollapsed = props.collapsed.has(node.index);
    let handled = true;
    switch (event.key) {
      case 'ArrowDown':
        moveTo(pos + 1);
        break;
      case 'ArrowUp':
        moveTo(pos - 1);
        break;
      case 'Home':
        moveTo(0);
        break;
      case 'End':
        moveTo(rows.length - 1);
        break;
      case 'PageDown':
        moveTo(pos + page);
        break;
      case 'PageUp':
        moveTo(pos - page);
        break;
      case 'ArrowRight':
        if (hasChildren && isCollapsed) props.onSetCollapsed(node.index, false);
        else if (hasChildren) moveTo(pos + 1);
        break;
      case 'ArrowLeft':
        if (hasChildren && !isCollapsed) props.onSetCollapsed(node.index, true);
        else if (node.parent !== undefined) {
          const parentPos = position.get(node.parent.index);
          if (parentPos !== undefined) moveTo(parentPos);
        }
        break;
      case 'Enter':
      case ' ':
        if (hasChildren) props.onToggle(node.index);
        props.onSelect(node.index);
        break;
      case 'Escape':
        if (props.selected === undefined) handled = false;
        else props.onSelect(undefined);
        break;
      default:
        handled = false;
    }
    if (handled) event.preventDefault();
  };

  const onClickRow = useMemo(
    () =>
      (index: number): void => {
        props.onFocusRow(index);
        props.onSelect(index);
      },
    // The parent's callbacks are stable (useCallback); rows re-render only when their own props change.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [props.onFocusRow, props.onSelect],
  );

  return (
    <div className="timeline">
      <div className="tl-header" aria-hidden="true">
        <div className="tl-label">Service and operation</div>
        <div className="tl-axis" ref={axis}>
          {ticks.map((t) => (
            <span
              key={t.offset}
              className="tl-tick"
              style={
                t.fraction > 0.95 ? { right: `${(1 - t.fraction) * 100}%` } : { left: `${t.fraction * 100}%` }
              }
            >
              {t.label}
            </span>
          ))}
        </div>
      </div>
      <div
        className="tl-viewport"
        ref={viewport}
        role="tree"
        aria-label={`Spans of trace ${trace.traceID}, ${rows.length} shown of ${tree.nodes.length}`}
        onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
        onKeyDown={onKeyDown}
      >
        <div className="tl-spacer" style={{ height: rows.length * ROW_HEIGHT }}>
          <div className="tl-grid" style={gridStyle} aria-hidden="true" />
          {shown.map((node) => {
            const pos = position.get(node.index) as number;
            const service = serviceOf(trace, node.span);
            return (
              <Row
                key={node.index}
                node={node}
                position={pos}
                service={service}
                color={props.colors.get(service) ?? 'var(--text-muted)'}
                t0={t0}
                total={total}
                collapsed={props.collapsed.has(node.index)}
                focused={node.index === focused}
                selected={node.index === props.selected}
                match={props.matches.has(node.index)}
                currentMatch={node.index === props.currentMatch}
                segments={props.critical?.get(node.index)}
                onClickRow={onClickRow}
                onToggle={props.onToggle}
              />
            );
          })}
        </div>
      </div>
    </div>
  );
}
