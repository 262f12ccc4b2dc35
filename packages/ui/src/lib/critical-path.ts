// The critical path: the chain of work that decided when the trace finished. Walking back from a span's end,
// the span itself was the bottleneck until its last-finishing child ended; that child then was, until its
// start (recursively inside it); then the span again, or the child before. Children are clipped to their
// parent's time, so async children that outlive the parent or clocks that disagree only shorten segments.
import type { SpanNode, SpanTree } from './tree.js';

export interface Segment {
  /** The node's index (its position in the trace's spans). */
  readonly node: number;
  /** µs since the epoch; start < end. */
  readonly start: number;
  readonly end: number;
}

interface Frame {
  node: SpanNode;
  /** Children by end time, latest first. */
  children: SpanNode[];
  next: number;
  /** The time walked back to so far, and the earliest time this span may cover. */
  cursor: number;
  floor: number;
}

const endOf = (n: SpanNode): number => n.span.startTime + n.span.duration;

/** The critical path below `root` (default: the trace's first root), as segments in time order. */
export function criticalPath(tree: SpanTree, root: SpanNode | undefined = tree.roots[0]): Segment[] {
  if (root === undefined) return [];
  const out: Segment[] = [];
  const frame = (node: SpanNode, floor: number, cursor: number): Frame => ({
    node,
    // Latest end first; among equal ends the longer child covers more, then the lower index for determinism.
    children: node.children
      .slice()
      .sort((a, b) => endOf(b) - endOf(a) || a.span.startTime - b.span.startTime || a.index - b.index),
    next: 0,
    cursor,
    floor,
  });
  // An explicit stack: a trace can be a chain thousands of spans deep.
  const stack: Frame[] = [frame(root, root.span.startTime, endOf(root))];
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as Frame;
    let descended = false;
    while (top.next < top.children.length) {
      const child = top.children[top.next++] as SpanNode;
      const start = Math.max(child.span.startTime, top.floor);
      const end = Math.min(endOf(child), top.cursor);
      if (start >= top.cursor || end <= start) continue;
      if (end < top.cursor) out.push({ node: top.node.index, start: end, end: top.cursor });
      top.cursor = start;
      stack.push(frame(child, start, end));
      descended = true;
      break;
    }
    if (descended) continue;
    if (top.cursor > top.floor) out.push({ node: top.node.index, start: top.floor, end: top.cursor });
    stack.pop();
  }
  return out.sort((a, b) => a.start - b.start);
}

/** The segments of each node on the path. */
export function segmentsByNode(segments: readonly Segment[]): Map<number, Segment[]> {
  const out = new Map<number, Segment[]>();
  for (const s of segments) {
    const list = out.get(s.node);
    if (list === undefined) out.set(s.node, [s]);
    else list.push(s);
  }
  return out;
}
