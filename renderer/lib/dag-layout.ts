/**
 * Layered (Sugiyama) layout of a small DAG for SVG: layers as columns left to right, nodes ordered in
 * each column to cut crossings, and an edge that skips columns routed through a free slot in each one
 * it passes, so no edge runs behind a node it does not start or end at.
 * See https://en.wikipedia.org/wiki/Layered_graph_drawing.
 */

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

/** The sizes of a layered drawing: boxes, the gaps between columns and between boxes, the margin. */
export interface LayeredSizes {
  nodeW: number;
  nodeH: number;
  gapX: number;
  gapY: number;
  pad: number;
}

/** A point an edge passes, in the drawing's coordinates. */
export interface Point {
  x: number;
  y: number;
}

/** Nodes placed at their layers, and each edge (by index) as the points it passes and its SVG path. */
export interface LayeredLayout {
  at: Map<string, { layer: number; x: number; y: number }>;
  routes: Point[][];
  paths: string[];
  width: number;
  height: number;
}

const LINEAGE_SIZES: LayeredSizes = { nodeW: NODE_W, nodeH: NODE_H, gapX: 64, gapY: 18, pad: 8 };

/** Room between edges passing side by side through a column. */
const LANE_GAP = 10;
/** Alternating sweeps of the crossing reduction, and of the vertical placement. */
const ORDER_SWEEPS = 12;
const PLACE_SWEEPS = 8;

/** A box or an edge's passing point in a column; `preds` and `succs` are the slots next to it. */
interface Slot {
  key: string;
  layer: number;
  dummy: boolean;
  preds: Slot[];
  succs: Slot[];
  /** The slot's index in its layer, then its centre's y. */
  rank: number;
  y: number;
}

/**
 * Assigns layers by longest path from a source (cycles, which lineage never has, are cut), then lays
 * the layers out with {@link layoutLayered}.
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

  const laid = layoutLayered(
    nodes.map((n) => n.id),
    layer,
    live,
    LINEAGE_SIZES,
  );
  return {
    nodes: nodes.map((node) => ({ node, ...laid.at.get(node.id)! })),
    edges: live.map((edge, i) => ({ edge, path: laid.paths[i]! })),
    width: laid.width,
    height: laid.height,
  };
}

/**
 * Lays out nodes in the given layers (an edge should go to a later layer; one that does not is drawn
 * straight). An edge that skips layers passes each one through a slot of its own, shared by the
 * source's other edges as far as they run together; slots are ordered by barycenter sweeps (the order
 * with the fewest crossings wins) and placed near the mean height of their neighbours, in order and
 * apart. Deterministic: ties keep the order of `ids`.
 */
export function layoutLayered(
  ids: readonly string[],
  layerOf: ReadonlyMap<string, number>,
  edges: readonly DagEdgeIn[],
  size: LayeredSizes,
): LayeredLayout {
  const slots = new Map<string, Slot>();
  const layers: Slot[][] = [];
  const add = (key: string, layer: number, dummy: boolean): Slot => {
    const slot: Slot = { key, layer, dummy, preds: [], succs: [], rank: 0, y: 0 };
    slots.set(key, slot);
    (layers[layer] ??= []).push(slot);
    return slot;
  };
  for (const id of ids) if (!slots.has(id)) add(id, layerOf.get(id) ?? 0, false);
  const link = (a: Slot, b: Slot) => {
    if (!a.succs.includes(b)) a.succs.push(b);
    if (!b.preds.includes(a)) b.preds.push(a);
  };

  // Each edge as the chain of slots it passes: its source, a passing slot per skipped layer, its target.
  const chains: Slot[][] = edges.map((e) => {
    const from = slots.get(e.from);
    const to = slots.get(e.to);
    if (!from || !to) return [];
    if (to.layer <= from.layer) return [from, to];
    const chain = [from];
    for (let l = from.layer + 1; l < to.layer; l++) {
      const key = `\u0000${e.from}\u0000${l}`;
      chain.push(slots.get(key) ?? add(key, l, true));
    }
    chain.push(to);
    for (let i = 1; i < chain.length; i++) link(chain[i - 1]!, chain[i]!);
    return chain;
  });
  for (let l = 0; l < layers.length; l++) layers[l] ??= [];

  orderLayers(layers);
  placeLayers(layers, size);

  const top = Math.min(Infinity, ...[...slots.values()].map((s) => s.y - half(s, size)));
  const bottom = Math.max(-Infinity, ...[...slots.values()].map((s) => s.y + half(s, size)));
  const shift = slots.size ? size.pad - top : 0;
  const colX = (layer: number) => size.pad + layer * (size.nodeW + size.gapX);
  const at = new Map<string, { layer: number; x: number; y: number }>();
  for (const id of ids) {
    const s = slots.get(id)!;
    at.set(id, { layer: s.layer, x: colX(s.layer), y: s.y + shift - size.nodeH / 2 });
  }

  const routes = chains.map((chain) => {
    if (chain.length < 2) return [];
    const [first, last] = [chain[0]!, chain[chain.length - 1]!];
    const points: Point[] = [{ x: colX(first.layer) + size.nodeW, y: first.y + shift }];
    for (const s of chain.slice(1, -1)) {
      points.push({ x: colX(s.layer), y: s.y + shift });
      points.push({ x: colX(s.layer) + size.nodeW, y: s.y + shift });
    }
    points.push({ x: colX(last.layer), y: last.y + shift });
    return points;
  });
  const columns = layers.length;
  return {
    at,
    routes,
    paths: routes.map(routePath),
    width: size.pad * 2 + columns * size.nodeW + Math.max(0, columns - 1) * size.gapX,
    height: slots.size ? bottom - top + size.pad * 2 : size.pad * 2,
  };
}

const half = (s: Slot, size: LayeredSizes) => (s.dummy ? 0 : size.nodeH / 2);

/** Reorders each layer in place by barycenter sweeps, keeping the order with the fewest crossings. */
function orderLayers(layers: Slot[][]): void {
  const rerank = () => layers.forEach((l) => l.forEach((s, i) => (s.rank = i)));
  rerank();
  let best = layers.map((l) => [...l]);
  let fewest = crossings(layers);
  for (let sweep = 0; sweep < ORDER_SWEEPS && fewest > 0; sweep++) {
    const down = sweep % 2 === 0;
    const range = down
      ? layers.map((_, i) => i).slice(1)
      : layers
          .map((_, i) => i)
          .reverse()
          .slice(1);
    for (const li of range) {
      const layer = layers[li]!;
      const score = new Map(
        layer.map((s) => {
          const next = down ? s.preds : s.succs;
          return [s, next.length ? mean(next.map((n) => n.rank)) : s.rank];
        }),
      );
      layer.sort((a, b) => score.get(a)! - score.get(b)! || a.rank - b.rank);
      layer.forEach((s, i) => (s.rank = i));
    }
    const now = crossings(layers);
    if (now < fewest) {
      fewest = now;
      best = layers.map((l) => [...l]);
    }
  }
  best.forEach((l, i) => (layers[i] = l));
  rerank();
}

/** Edge crossings between each pair of adjacent layers (edges whose ends swap order). */
function crossings(layers: Slot[][]): number {
  let count = 0;
  for (const layer of layers) {
    const pairs = layer.flatMap((s) =>
      s.succs.filter((t) => t.layer === s.layer + 1).map((t) => [s.rank, t.rank] as const),
    );
    for (let i = 0; i < pairs.length; i++)
      for (let j = i + 1; j < pairs.length; j++) {
        const [a, b] = [pairs[i]!, pairs[j]!];
        if ((a[0] - b[0]) * (a[1] - b[1]) < 0) count++;
      }
  }
  return count;
}

/**
 * Sets each slot's centre `y`: stacked at first, then sweeps pull each slot to the mean of its
 * neighbours in the layer before (then after), as near as keeping the order and the gaps allows.
 */
function placeLayers(layers: Slot[][], size: LayeredSizes): void {
  const gap = (a: Slot, b: Slot) =>
    half(a, size) + half(b, size) + (a.dummy && b.dummy ? LANE_GAP : size.gapY);
  for (const layer of layers) {
    let y = 0;
    layer.forEach((s, i) => {
      if (i > 0) y += gap(layer[i - 1]!, s);
      s.y = y;
    });
  }
  for (let sweep = 0; sweep < PLACE_SWEEPS; sweep++) {
    const down = sweep % 2 === 0;
    const order = layers.map((_, i) => i);
    for (const li of down ? order : order.reverse()) {
      const layer = layers[li]!;
      const wanted = layer.map((s) => {
        const next = down ? s.preds : s.succs;
        return next.length ? mean(next.map((n) => n.y)) : s.y;
      });
      const gaps = layer.slice(1).map((s, i) => gap(layer[i]!, s));
      spread(wanted, gaps).forEach((y, i) => (layer[i]!.y = y));
    }
  }
}

/**
 * The positions nearest `wanted` (least squares) that keep their order at least `gaps` apart: with each
 * position less the gaps before it, that is isotonic regression, solved by pooling adjacent violators.
 */
export function spread(wanted: readonly number[], gaps: readonly number[]): number[] {
  const offset: number[] = [];
  wanted.forEach((_, i) => offset.push(i === 0 ? 0 : offset[i - 1]! + gaps[i - 1]!));
  const blocks: { sum: number; n: number }[] = [];
  wanted.forEach((w, i) => {
    blocks.push({ sum: w - offset[i]!, n: 1 });
    while (blocks.length > 1) {
      const b = blocks[blocks.length - 1]!;
      const a = blocks[blocks.length - 2]!;
      if (a.sum / a.n <= b.sum / b.n) break;
      blocks.splice(-2, 2, { sum: a.sum + b.sum, n: a.n + b.n });
    }
  });
  const out: number[] = [];
  for (const b of blocks) for (let k = 0; k < b.n; k++) out.push(b.sum / b.n + offset[out.length]!);
  return out;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * An edge's points as an SVG path: an S-curve across each gap between columns, a straight line through
 * each column it passes.
 */
export function routePath(points: readonly Point[]): string {
  if (!points.length) return '';
  let d = `M ${points[0]!.x} ${points[0]!.y}`;
  for (let i = 1; i < points.length; i++) {
    const [a, b] = [points[i - 1]!, points[i]!];
    if (i % 2 === 1) {
      const mid = (a.x + b.x) / 2;
      d += ` C ${mid} ${a.y}, ${mid} ${b.y}, ${b.x} ${b.y}`;
    } else d += ` L ${b.x} ${b.y}`;
  }
  return d;
}

/** A horizontal S-curve from (x1, y1) on the right side of one node to (x2, y2) on the left of the next. */
export function edgePath(x1: number, y1: number, x2: number, y2: number): string {
  return routePath([
    { x: x1, y: y1 },
    { x: x2, y: y2 },
  ]);
}
