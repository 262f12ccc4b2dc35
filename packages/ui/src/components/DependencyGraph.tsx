// The service graph as SVG: a box per service (a link to search its traces), an arrow per caller → called
// link labelled with its call count. Arrows going backwards (cycles) arc below the boxes.
import { useId } from 'react';
import type { GraphLayout, LaidOutNode } from '../lib/layout.js';
import { navigate } from '../router.js';

function edgePath(
  from: LaidOutNode,
  to: LaidOutNode,
  backwards: boolean,
): { d: string; lx: number; ly: number } {
  if (from.id === to.id) {
    const x = from.x + from.width;
    const y = from.y + from.height / 2;
    return { d: `M${x},${y - 8} C${x + 40},${y - 30} ${x + 40},${y + 30} ${x},${y + 8}`, lx: x + 34, ly: y };
  }
  if (backwards) {
    const sx = from.x + from.width / 2;
    const sy = from.y + from.height;
    const tx = to.x + to.width / 2;
    const ty = to.y + to.height;
    const dip = Math.max(sy, ty) + 40;
    return { d: `M${sx},${sy} C${sx},${dip} ${tx},${dip} ${tx},${ty}`, lx: (sx + tx) / 2, ly: dip - 8 };
  }
  const sx = from.x + from.width;
  const sy = from.y + from.height / 2;
  const tx = to.x;
  const ty = to.y + to.height / 2;
  const mid = (sx + tx) / 2;
  return { d: `M${sx},${sy} C${mid},${sy} ${mid},${ty} ${tx},${ty}`, lx: mid, ly: (sy + ty) / 2 };
}

export function DependencyGraph({ layout }: { layout: GraphLayout }) {
  const marker = `${useId().replace(/:/g, '')}-arrow`;
  const byId = new Map(layout.nodes.map((n) => [n.id, n]));
  const extra = layout.edges.some((e) => e.backwards) ? 60 : 0;
  return (
    <svg
      className="dep-graph"
      width={layout.width + 40}
      height={layout.height + extra}
      role="group"
      aria-label={`Service dependency graph: ${layout.nodes.length} services, ${layout.edges.length} links`}
    >
      <defs>
        <marker
          id={marker}
          viewBox="0 0 10 10"
          refX="9"
          refY="5"
          markerWidth="8"
          markerHeight="8"
          orient="auto"
        >
          <path d="M0,0 L10,5 L0,10 Z" className="dep-arrowhead" />
        </marker>
      </defs>
      <g aria-hidden="true">
        {layout.edges.map((e) => {
          const from = byId.get(e.from);
          const to = byId.get(e.to);
          if (from === undefined || to === undefined) return null;
          const { d, lx, ly } = edgePath(from, to, e.backwards);
          return (
            <g key={`${e.from}\u0000${e.to}`} className="dep-edge">
              <path d={d} markerEnd={`url(#${marker})`} />
              <text x={lx} y={ly} dy="-0.4em" textAnchor="middle" className="dep-count">
                {e.callCount}
              </text>
            </g>
          );
        })}
      </g>
      {layout.nodes.map((n) => {
        const href = `/search?service=${encodeURIComponent(n.id)}`;
        return (
          <a
            key={n.id}
            href={href}
            className="dep-node"
            aria-label={`${n.id}: ${n.callsIn} calls in, ${n.callsOut} calls out. Search its traces`}
            onClick={(event) => {
              if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
              event.preventDefault();
              navigate(href);
            }}
          >
            <rect x={n.x} y={n.y} width={n.width} height={n.height} rx={6} />
            <text x={n.x + 10} y={n.y + 18} className="dep-name">
              {n.id.length > 22 ? `${n.id.slice(0, 21)}…` : n.id}
            </text>
            <text x={n.x + 10} y={n.y + 34} className="dep-calls">
              {n.callsIn} in · {n.callsOut} out
            </text>
            <title>{n.id}</title>
          </a>
        );
      })}
    </svg>
  );
}
