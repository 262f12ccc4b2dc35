// A trace's spans as a tree by parent reference, and the rows a timeline shows when some subtrees are collapsed.
import type { UiSpan } from '@skein/model';
import { parentSpanId } from './summary.js';

export interface SpanNode {
  /** Position in the trace's `spans` array: the node's identity (span IDs can repeat in a trace). */
  readonly index: number;
  readonly span: UiSpan;
  parent: SpanNode | undefined;
  readonly children: SpanNode[];
  depth: number;
  /** How many nodes are below this one. */
  descendants: number;
}

export interface SpanTree {
  readonly nodes: readonly SpanNode[];
  /** Top-level spans: the root, and spans whose parent is not in the trace, by start time. */
  readonly roots: readonly SpanNode[];
  /** Every node, depth first, children by start time: the timeline's order when nothing is collapsed. */
  readonly order: readonly SpanNode[];
  /** The first node of each span ID. */
  readonly byId: ReadonlyMap<string, SpanNode>;
  /** Earliest span start and latest span end, µs. */
  readonly start: number;
  readonly end: number;
  readonly maxDepth: number;
}

const byStart = (a: SpanNode, b: SpanNode): number =>
  a.span.startTime - b.span.startTime || a.index - b.index;

/**
 * Builds the tree. Never fails on bad data: a span whose parent is missing is a root, and a reference cycle is
 * broken at its earliest span, which becomes a root.
 */
export function buildTree(spans: readonly UiSpan[]): SpanTree {
  const nodes: SpanNode[] = spans.map((span, index) => ({
    index,
    span,
    parent: undefined,
    children: [],
    depth: 0,
    descendants: 0,
  }));
  const byId = new Map<string, SpanNode>();
  for (const node of nodes) if (!byId.has(node.span.spanID)) byId.set(node.span.spanID, node);
  for (const node of nodes) {
    const id = parentSpanId(node.span, (spanId) => byId.has(spanId));
    const parent = id === undefined ? undefined : byId.get(id);
    if (parent !== undefined && parent !== node) {
      node.parent = parent;
      parent.children.push(node);
    }
  }
  for (const node of nodes) node.children.sort(byStart);

  const roots = nodes.filter((n) => n.parent === undefined).sort(byStart);
  const order: SpanNode[] = [];
  const visited = new Uint8Array(nodes.length);
  const walk = (root: SpanNode): void => {
    const stack: SpanNode[] = [root];
    root.depth = 0;
    while (stack.length > 0) {
      const node = stack.pop() as SpanNode;
      visited[node.index] = 1;
      order.push(node);
      for (let i = node.children.length - 1; i >= 0; i--) {
        const child = node.children[i] as SpanNode;
        child.depth = node.depth + 1;
        stack.push(child);
      }
    }
  };
  for (const root of roots) walk(root);
  // What is left is only reachable through a cycle: cut each cycle at its earliest span.
  if (order.length < nodes.length) {
    const rest = nodes.filter((n) => visited[n.index] === 0).sort(byStart);
    for (const node of rest) {
      if (visited[node.index] === 1) continue;
      // Climb until a node repeats: that node is on the cycle; cut the cycle at its earliest member.
      const seen = new Set<SpanNode>();
      let onCycle = node;
      while (!seen.has(onCycle)) {
        seen.add(onCycle);
        onCycle = onCycle.parent as SpanNode;
      }
      let cut = onCycle;
      for (let n = onCycle.parent as SpanNode; n !== onCycle; n = n.parent as SpanNode) {
        if (byStart(n, cut) < 0) cut = n;
      }
      const parent = cut.parent as SpanNode;
      parent.children.splice(parent.children.indexOf(cut), 1);
      cut.parent = undefined;
      roots.push(cut);
      walk(cut);
    }
  }
  // Pre-order reversed visits every child before its parent.
  let maxDepth = 0;
  for (let i = order.length - 1; i >= 0; i--) {
    const node = order[i] as SpanNode;
    if (node.depth > maxDepth) maxDepth = node.depth;
    if (node.parent !== undefined) node.parent.descendants += node.descendants + 1;
  }
  let start = Infinity;
  let end = -Infinity;
  for (const { startTime, duration } of spans) {
    if (startTime < start) start = startTime;
    if (startTime + duration > end) end = startTime + duration;
  }
  if (spans.length === 0) start = end = 0;
  return { nodes, roots, order, byId, start, end, maxDepth };
}

/** The rows to show, in order, when the subtrees below the nodes in `collapsed` are hidden. */
export function visibleRows(tree: SpanTree, collapsed: ReadonlySet<number>): SpanNode[] {
  if (collapsed.size === 0) return tree.order.slice();
  const rows: SpanNode[] = [];
  const order = tree.order;
  for (let i = 0; i < order.length; i++) {
    const node = order[i] as SpanNode;
    rows.push(node);
    // In pre-order a node's subtree is the `descendants` entries right after it.
    if (collapsed.has(node.index)) i += node.descendants;
  }
  return rows;
}

/** The node's ancestors, nearest first. */
export function ancestors(node: SpanNode): SpanNode[] {
  const out: SpanNode[] = [];
  for (let p = node.parent; p !== undefined; p = p.parent) out.push(p);
  return out;
}

/** Every node with children: collapsing all of them leaves the roots. */
export function parentsOf(tree: SpanTree): Set<number> {
  return new Set(tree.nodes.filter((n) => n.children.length > 0).map((n) => n.index));
}
