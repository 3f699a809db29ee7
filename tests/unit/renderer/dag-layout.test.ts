import { describe, expect, it } from 'vitest';
import { NODE_W, layoutDag } from '../../../renderer/lib/dag-layout';

describe('layoutDag', () => {
  it('puts each node one layer right of its furthest parent and routes every edge left to right', () => {
    const nodes = ['file', 'v1', 'v2', 'other', 'run'].map((id) => ({ id }));
    const edges = [
      { from: 'file', to: 'v1' },
      { from: 'v1', to: 'v2' },
      { from: 'other', to: 'v2' },
      { from: 'v1', to: 'run' },
      { from: 'v2', to: 'run' },
      { from: 'v2', to: 'missing' },
    ];
    const layout = layoutDag(nodes, edges);
    const layer = Object.fromEntries(layout.nodes.map((n) => [n.node.id, n.layer]));
    expect(layer).toEqual({ file: 0, other: 0, v1: 1, v2: 2, run: 3 });
    expect(layout.edges).toHaveLength(5);
    const x = Object.fromEntries(layout.nodes.map((n) => [n.node.id, n.x]));
    for (const e of layout.edges) expect(x[e.edge.from]! + NODE_W).toBeLessThan(x[e.edge.to]!);
    expect(layout.width).toBeGreaterThan(4 * NODE_W);
    const ys = layout.nodes.filter((n) => n.layer === 0).map((n) => n.y);
    expect(new Set(ys).size).toBe(2);
  });

  it('survives a cycle and an empty graph', () => {
    expect(
      layoutDag(
        [{ id: 'a' }, { id: 'b' }],
        [
          { from: 'a', to: 'b' },
          { from: 'b', to: 'a' },
        ],
      ).nodes,
    ).toHaveLength(2);
    expect(layoutDag([], [])).toMatchObject({ nodes: [], edges: [], width: 16 });
  });
});
