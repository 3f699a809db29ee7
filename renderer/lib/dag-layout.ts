/** Layered layout of a small DAG for SVG: sources on the left, each node one layer right of its furthest parent. */

export interface DagNodeIn {
  id: string;
}
export interface DagEdgeIn {
  from: string;
  to: string;
}
export interface PlacedNode<N> {
  node: N;
  layer: number;
  x: number;
  y: number;
}
export interface PlacedEdge<E> {
  edge: E;
  /** SVG path from the right side of `from` to the left side of `to`. */
  path: string;
}
export interface DagLayout<N, E> {
  nodes: PlacedNode<N>[];
  edges: PlacedEdge<E>[];
  width: number;
  height: number;
}

export const NODE_W = 190;
export const NODE_H = 44;
const GAP_X = 64;
const GAP_Y = 18;
const PAD = 8;

/**
 * Assigns layers by longest path from a source (cycles, which lineage never has, are cut), orders each
 * layer by the mean position of its parents, and routes edges as horizontal S-curves.
 */
export function layoutDag<N extends DagNodeIn, E extends DagEdgeIn>(
  nodes: N[],
  edges: E[],
): DagLayout<N, E> {
  const ids = new Set(nodes.map((n) => n.id));
  const live = edges.filter((e) => ids.has(e.from) && ids.has(e.to) && e.from !== e.to);
  const parents = new Map<string, string[]>(nodes.map((n) => [n.id, []]));
  for (const e of live) parents.get(e.to)!.push(e.from);

  const layer = new Map<string, number>();
  const visiting = new Set<string>();
  const depth = (id: string): number => {
    const known = layer.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return 0;
    visiting.add(id);
    const d = Math.max(-1, ...parents.get(id)!.map(depth)) + 1;
    visiting.delete(id);
    layer.set(id, d);
    return d;
  };
  for (const n of nodes) depth(n.id);

  const layers: N[][] = [];
  for (const n of nodes) (layers[layer.get(n.id)!] ??= []).push(n);
  const row = new Map<string, number>();
  layers.forEach((members, li) => {
    if (li > 0) {
      const score = (n: N) => {
        const ps = parents.get(n.id)!.map((p) => row.get(p) ?? 0);
        return ps.length ? ps.reduce((a, b) => a + b, 0) / ps.length : 0;
      };
      members.sort((a, b) => score(a) - score(b));
    }
    members.forEach((n, i) => row.set(n.id, i));
  });

  const tallest = Math.max(0, ...layers.map((l) => l.length));
  const height = PAD * 2 + tallest * NODE_H + Math.max(0, tallest - 1) * GAP_Y;
  const placed = new Map<string, PlacedNode<N>>();
  layers.forEach((members, li) => {
    const columnHeight = members.length * NODE_H + (members.length - 1) * GAP_Y;
    const top = PAD + (height - PAD * 2 - columnHeight) / 2;
    members.forEach((n, i) => {
      placed.set(n.id, {
        node: n,
        layer: li,
        x: PAD + li * (NODE_W + GAP_X),
        y: top + i * (NODE_H + GAP_Y),
      });
    });
  });
  const width = PAD * 2 + layers.length * NODE_W + Math.max(0, layers.length - 1) * GAP_X;
  return {
    nodes: nodes.map((n) => placed.get(n.id)!),
    edges: live.map((edge) => {
      const a = placed.get(edge.from)!;
      const b = placed.get(edge.to)!;
      return { edge, path: edgePath(a.x + NODE_W, a.y + NODE_H / 2, b.x, b.y + NODE_H / 2) };
    }),
    width: Math.max(width, 0),
    height,
  };
}

/** A horizontal S-curve from (x1, y1) on the right side of one node to (x2, y2) on the left of the next. */
export function edgePath(x1: number, y1: number, x2: number, y2: number): string {
  const mid = (x1 + x2) / 2;
  return `M ${x1} ${y1} C ${mid} ${y1}, ${mid} ${y2}, ${x2} ${y2}`;
}
