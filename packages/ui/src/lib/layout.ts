// A layered left-to-right layout of the service dependency graph: callers to the left of what they call.
// Cycles (a calls b calls a) are broken by reversing back edges for layering only; the edges keep their
// direction. Nodes in a layer are ordered by the average position of their neighbours (barycentre), which
// untangles most crossings of the small graphs services make.

export interface DependencyLink {
  readonly parent: string;
  readonly child: string;
  readonly callCount: number;
}

export interface LaidOutNode {
  readonly id: string;
  readonly layer: number;
  /** Top-left corner and size, in SVG user units. */
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  /** Calls into and out of the service over the graph's links. */
  readonly callsIn: number;
  readonly callsOut: number;
}

export interface LaidOutEdge {
  readonly from: string;
  readonly to: string;
  readonly callCount: number;
  /** True when the edge goes right to left or stays in its layer (a cycle or a self-call). */
  readonly backwards: boolean;
}

export interface GraphLayout {
  readonly nodes: readonly LaidOutNode[];
  readonly edges: readonly LaidOutEdge[];
  readonly layers: readonly (readonly string[])[];
  readonly width: number;
  readonly height: number;
}

export interface LayoutOptions {
  nodeWidth: number;
  nodeHeight: number;
  columnGap: number;
  rowGap: number;
  margin: number;
}

const DEFAULTS: LayoutOptions = { nodeWidth: 180, nodeHeight: 44, columnGap: 120, rowGap: 28, margin: 24 };

/** Links with the same parent and child summed, self-links kept; sorted by parent then child. */
export function mergeLinks(links: readonly DependencyLink[]): DependencyLink[] {
  const merged = new Map<string, DependencyLink>();
  for (const l of links) {
    const key = JSON.stringify([l.parent, l.child]);
    const prev = merged.get(key);
    merged.set(key, { parent: l.parent, child: l.child, callCount: (prev?.callCount ?? 0) + l.callCount });
  }
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return [...merged.values()].sort((a, b) => cmp(a.parent, b.parent) || cmp(a.child, b.child));
}

/** Layers and in-layer order for one connected set of services. */
function orderComponent(ids: readonly string[], edges: readonly DependencyLink[]): string[][] {
  const out = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const e of edges) if (e.parent !== e.child) (out.get(e.parent) as string[]).push(e.child);

  // Back edges by depth-first search from every unvisited node in name order: deterministic.
  const state = new Map<string, 1 | 2>();
  const back = new Set<string>();
  for (const start of ids) {
    if (state.has(start)) continue;
    const stack: Array<{ id: string; next: number }> = [{ id: start, next: 0 }];
    state.set(start, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { id: string; next: number };
      const targets = out.get(top.id) as string[];
      if (top.next < targets.length) {
        const to = targets[top.next++] as string;
        const s = state.get(to);
        if (s === 1) back.add(JSON.stringify([top.id, to]));
        else if (s === undefined) {
          state.set(to, 1);
          stack.push({ id: to, next: 0 });
        }
      } else {
        state.set(top.id, 2);
        stack.pop();
      }
    }
  }
  const dagEdges = edges.filter(
    (e) => e.parent !== e.child && !back.has(JSON.stringify([e.parent, e.child])),
  );

  // Longest path from the sources: a service sits one column right of its rightmost caller.
  const indegree = new Map<string, number>(ids.map((id) => [id, 0]));
  const succ = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const e of dagEdges) {
    indegree.set(e.child, (indegree.get(e.child) as number) + 1);
    (succ.get(e.parent) as string[]).push(e.child);
  }
  const layerOf = new Map<string, number>(ids.map((id) => [id, 0]));
  const queue = ids.filter((id) => indegree.get(id) === 0);
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i] as string;
    for (const next of succ.get(id) as string[]) {
      layerOf.set(next, Math.max(layerOf.get(next) as number, (layerOf.get(id) as number) + 1));
      const left = (indegree.get(next) as number) - 1;
      indegree.set(next, left);
      if (left === 0) queue.push(next);
    }
  }
  const layerCount = Math.max(0, ...layerOf.values()) + 1;
  const layers: string[][] = Array.from({ length: layerCount }, () => []);
  for (const id of ids) (layers[layerOf.get(id) as number] as string[]).push(id);

  // Barycentre sweeps, left to right then right to left, a few times.
  const neighbours = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const e of dagEdges) {
    (neighbours.get(e.parent) as string[]).push(e.child);
    (neighbours.get(e.child) as string[]).push(e.parent);
  }
  const position = new Map<string, number>();
  layers.forEach((layer) => layer.forEach((id, i) => position.set(id, i)));
  const sweep = (layer: string[], towards: number): void => {
    const weight = new Map<string, number>();
    for (const id of layer) {
      const ns = (neighbours.get(id) as string[]).filter((n) => layerOf.get(n) === towards);
      weight.set(
        id,
        ns.length === 0
          ? (position.get(id) as number)
          : ns.reduce((sum, n) => sum + (position.get(n) as number), 0) / ns.length,
      );
    }
    layer.sort((a, b) => (weight.get(a) as number) - (weight.get(b) as number) || (a < b ? -1 : 1));
    layer.forEach((id, i) => position.set(id, i));
  };
  for (let round = 0; round < 4; round++) {
    for (let l = 1; l < layers.length; l++) sweep(layers[l] as string[], l - 1);
    for (let l = layers.length - 2; l >= 0; l--) sweep(layers[l] as string[], l + 1);
  }
  return layers;
}

/** Services connected by links (in either direction), largest set first, then by first name. */
function components(ids: readonly string[], edges: readonly DependencyLink[]): string[][] {
  const root = new Map<string, string>(ids.map((id) => [id, id]));
  const find = (id: string): string => {
    let r = id;
    while (root.get(r) !== r) r = root.get(r) as string;
    root.set(id, r);
    return r;
  };
  for (const e of edges) root.set(find(e.parent), find(e.child));
  const groups = new Map<string, string[]>();
  for (const id of ids) {
    const r = find(id);
    groups.set(r, [...(groups.get(r) ?? []), id]);
  }
  return [...groups.values()].sort(
    (a, b) => b.length - a.length || ((a[0] as string) < (b[0] as string) ? -1 : 1),
  );
}

/** Lays out the graph of `links`: each connected set of services in its own band, the largest on top. */
export function layoutGraph(
  links: readonly DependencyLink[],
  options: Partial<LayoutOptions> = {},
): GraphLayout {
  const o = { ...DEFAULTS, ...options };
  const edges = mergeLinks(links);
  const ids = [...new Set(edges.flatMap((e) => [e.parent, e.child]))].sort();
  const columnHeight = (n: number): number => n * o.nodeHeight + Math.max(0, n - 1) * o.rowGap;
  const callsIn = new Map<string, number>();
  const callsOut = new Map<string, number>();
  for (const e of edges) {
    callsIn.set(e.child, (callsIn.get(e.child) ?? 0) + e.callCount);
    callsOut.set(e.parent, (callsOut.get(e.parent) ?? 0) + e.callCount);
  }

  const nodes: LaidOutNode[] = [];
  const layers: string[][] = [];
  const layerOf = new Map<string, number>();
  let top = o.margin;
  for (const group of components(ids, edges)) {
    const members = new Set(group);
    const bands = orderComponent(
      group,
      edges.filter((e) => members.has(e.parent)),
    );
    const tallest = Math.max(...bands.map((l) => l.length));
    bands.forEach((layer, l) => {
      (layers[l] ??= []).push(...layer);
      const offset = (columnHeight(tallest) - columnHeight(layer.length)) / 2;
      layer.forEach((id, i) => {
        layerOf.set(id, l);
        nodes.push({
          id,
          layer: l,
          x: o.margin + l * (o.nodeWidth + o.columnGap),
          y: top + offset + i * (o.nodeHeight + o.rowGap),
          width: o.nodeWidth,
          height: o.nodeHeight,
          callsIn: callsIn.get(id) ?? 0,
          callsOut: callsOut.get(id) ?? 0,
        });
      });
    });
    // Room below each band for the arcs of backward edges.
    top += columnHeight(tallest) + 3 * o.rowGap;
  }
  const layerCount = layers.length;
  return {
    nodes,
    edges: edges.map((e) => ({
      from: e.parent,
      to: e.child,
      callCount: e.callCount,
      backwards: (layerOf.get(e.child) as number) <= (layerOf.get(e.parent) as number),
    })),
    layers,
    width: layerCount === 0 ? 0 : 2 * o.margin + layerCount * o.nodeWidth + (layerCount - 1) * o.columnGap,
    height: nodes.length === 0 ? 0 : top - 3 * o.rowGap + o.margin,
  };
}

/** How many pairs of edges between adjacent layers cross: what the ordering tries to keep low. */
export function crossings(layout: GraphLayout): number {
  const pos = new Map<string, { layer: number; index: number }>();
  layout.layers.forEach((layer, l) => layer.forEach((id, i) => pos.set(id, { layer: l, index: i })));
  const spans = layout.edges
    .map((e) => ({ a: pos.get(e.from), b: pos.get(e.to) }))
    .filter(
      (s): s is { a: { layer: number; index: number }; b: { layer: number; index: number } } =>
        s.a !== undefined && s.b !== undefined && s.b.layer === s.a.layer + 1,
    );
  let count = 0;
  for (let i = 0; i < spans.length; i++) {
    for (let j = i + 1; j < spans.length; j++) {
      const p = spans[i] as (typeof spans)[number];
      const q = spans[j] as (typeof spans)[number];
      if (p.a.layer !== q.a.layer) continue;
      if ((p.a.index - q.a.index) * (p.b.index - q.b.index) < 0) count++;
    }
  }
  return count;
}
