import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PipelineStepInfo } from '../../../shared/contract';
import { loadPipeline, stepInputs } from '../../../main/pipeline/graph';
import { NODE_H, NODE_W, layoutDag, spread } from '../../../renderer/lib/dag-layout';
import { CARD_H, CARD_W, layoutSteps } from '../../../renderer/views/Pipelines/pipeline-model';

interface Box {
  id: string;
  x: number;
  y: number;
  w: number;
  h: number;
}
type P = [number, number];

/** The points of an SVG path of M, L and C commands, each curve sampled finely. */
function sample(path: string): P[] {
  const tokens = path.match(/[MLC]|-?\d+(?:\.\d+)?(?:e-?\d+)?/g) ?? [];
  const points: P[] = [];
  let i = 0;
  const num = () => Number(tokens[i++]);
  while (i < tokens.length) {
    const cmd = tokens[i++];
    if (cmd === 'M' || cmd === 'L') points.push([num(), num()]);
    else if (cmd === 'C') {
      const [p0, c1, c2, p1] = [
        points[points.length - 1]!,
        [num(), num()],
        [num(), num()],
        [num(), num()],
      ];
      for (let k = 1; k <= 48; k++) {
        const t = k / 48;
        const u = 1 - t;
        const at = (j: 0 | 1) =>
          u * u * u * p0[j] + 3 * u * u * t * c1[j]! + 3 * u * t * t * c2[j]! + t * t * t * p1[j]!;
        points.push([at(0), at(1)]);
      }
    } else throw new Error(`unexpected path token ${cmd} in ${path}`);
  }
  return points;
}

/** Whether the segment a→b passes through the inside of `box` (Liang–Barsky clipping). */
function crossesBox(a: P, b: P, box: Box): boolean {
  const inset = 1;
  const [x0, x1, y0, y1] = [
    box.x + inset,
    box.x + box.w - inset,
    box.y + inset,
    box.y + box.h - inset,
  ];
  const [dx, dy] = [b[0] - a[0], b[1] - a[1]];
  let [lo, hi] = [0, 1];
  for (const [p, q] of [
    [-dx, a[0] - x0],
    [dx, x1 - a[0]],
    [-dy, a[1] - y0],
    [dy, y1 - a[1]],
  ] as const) {
    if (p === 0) {
      if (q < 0) return false;
    } else {
      const r = q / p;
      if (p < 0) lo = Math.max(lo, r);
      else hi = Math.min(hi, r);
      if (lo > hi) return false;
    }
  }
  return true;
}

/** `edge passes box` for every edge that runs through a box it neither starts nor ends at. */
function edgesThroughBoxes(
  boxes: readonly Box[],
  edges: readonly { from: string; to: string; path: string }[],
): string[] {
  const hits: string[] = [];
  for (const e of edges) {
    const points = sample(e.path);
    for (const box of boxes) {
      if (box.id === e.from || box.id === e.to) continue;
      if (points.some((p, i) => i > 0 && crossesBox(points[i - 1]!, p, box)))
        hits.push(`${e.from}->${e.to} passes ${box.id}`);
    }
  }
  return hits;
}

/** The pipeline's steps as `pipelines:check` gives them to the view. */
function stepsOf(file: string): PipelineStepInfo[] {
  const graph = loadPipeline(file);
  const level = new Map<string, number>();
  graph.levels.forEach((ids, i) => ids.forEach((id) => level.set(id, i)));
  return graph.order.map((id) => ({
    id,
    type: graph.steps.get(id)!.type,
    inputs: stepInputs(graph.steps.get(id)!).map(({ field, id: input }) => ({ field, id: input })),
    level: level.get(id)!,
    summary: id,
  }));
}

/** A seeded random DAG: each node reads a few earlier ones, some of them many layers back. */
function randomDag(
  seed: number,
  n: number,
): { nodes: { id: string }[]; edges: { from: string; to: string }[] } {
  let s = seed;
  const rand = () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const nodes = Array.from({ length: n }, (_, i) => ({ id: `n${i}` }));
  const edges: { from: string; to: string }[] = [];
  for (let j = 1; j < n; j++)
    for (let i = 0; i < j; i++) if (rand() < 2.2 / j) edges.push({ from: `n${i}`, to: `n${j}` });
  return { nodes, edges };
}

describe('edge routing of the layered layout', () => {
  const demo = stepsOf(join(__dirname, '../../../resources/pipelines/flights-demo.yaml'));

  it('routes no edge of the demo pipeline behind a step it does not connect', () => {
    const layout = layoutSteps(demo);
    const boxes = layout.steps.map((s) => ({
      id: s.step.id,
      x: s.x,
      y: s.y,
      w: CARD_W,
      h: CARD_H,
    }));
    expect(layout.edges.length).toBeGreaterThan(10);
    expect(edgesThroughBoxes(boxes, layout.edges)).toEqual([]);
    // The months feed the scoring and the monitoring steps, several columns on.
    expect(layout.edges.map((e) => `${e.from}->${e.to}`)).toContain('april->score');
    // Each edge starts on its source's right side and ends on its target's left side.
    const at = new Map(layout.steps.map((s) => [s.step.id, s]));
    for (const e of layout.edges) {
      const points = sample(e.path);
      expect(points[0]).toEqual([at.get(e.from)!.x + CARD_W, at.get(e.from)!.y + CARD_H / 2]);
      expect(points[points.length - 1]).toEqual([at.get(e.to)!.x, at.get(e.to)!.y + CARD_H / 2]);
    }
  });

  it('keeps the cards of a column apart and lays out the same steps the same way', () => {
    const layout = layoutSteps(demo);
    const byColumn = new Map<number, number[]>();
    for (const s of layout.steps) byColumn.set(s.x, [...(byColumn.get(s.x) ?? []), s.y]);
    for (const ys of byColumn.values()) {
      ys.sort((a, b) => a - b);
      ys.slice(1).forEach((y, i) => expect(y - ys[i]!).toBeGreaterThanOrEqual(CARD_H));
    }
    for (const s of layout.steps) {
      expect(s.y).toBeGreaterThanOrEqual(0);
      expect(s.y + CARD_H).toBeLessThanOrEqual(layout.height);
    }
    expect(layoutSteps(demo)).toEqual(layout);
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])(
    'routes generated DAG %i around the nodes between its ends',
    (seed) => {
      const { nodes, edges } = randomDag(seed, 10 + seed * 2);
      const layout = layoutDag(nodes, edges);
      const boxes = layout.nodes.map((n) => ({
        id: n.node.id,
        x: n.x,
        y: n.y,
        w: NODE_W,
        h: NODE_H,
      }));
      const routed = layout.edges.map((e) => ({ ...e.edge, path: e.path }));
      expect(edgesThroughBoxes(boxes, routed)).toEqual([]);
      expect(layoutDag(nodes, edges)).toEqual(layout);
    },
  );
});

describe('spread', () => {
  it('keeps wanted positions that are far enough apart, and pushes crowded ones apart evenly', () => {
    expect(spread([0, 100, 300], [50, 50])).toEqual([0, 100, 300]);
    expect(spread([10, 10, 10], [20, 20])).toEqual([-10, 10, 30]);
    expect(spread([], [])).toEqual([]);
  });
});
