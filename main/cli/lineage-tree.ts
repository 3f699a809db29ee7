import type { LineageGraph, LineageNode } from '../../shared/contract';

const KIND_ORDER: Record<LineageNode['kind'], number> = { file: 0, query: 1, version: 2, run: 3 };

function nodeText(n: LineageNode): string {
  return `${kindText(n)}${n.pipeline ? `  ← pipeline ${n.pipeline.name} run ${n.pipeline.run.slice(0, 8)}, step ${n.pipeline.step}` : ''}`;
}

function kindText(n: LineageNode): string {
  const hash = n.hash ? `  ${n.kind === 'run' ? 'config ' : ''}${n.hash.slice(0, 12)}` : '';
  switch (n.kind) {
    case 'file':
      return `file ${n.label}${n.hash ? `  sha256:${n.hash.slice(0, 12)}` : ''}`;
    case 'query':
      return `query ${n.label.replace(/\s+/g, ' ')}`;
    case 'version':
      return `${n.label}${hash}`;
    case 'run':
      return `run ${n.id.slice(0, 8)} ${n.label}${n.status ? ` [${n.status}]` : ''}${hash}`;
  }
}

/**
 * The lineage graph as an indented tree, sources first: each node's children are what was made from it,
 * with the edge label (import, the transform's steps, train). A node reached twice is expanded once.
 */
export function lineageTree(graph: LineageGraph): string {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const incoming = new Set(graph.edges.map((e) => e.to));
  const sortNodes = (a: LineageNode, b: LineageNode) =>
    KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.label.localeCompare(b.label);
  const roots = graph.nodes.filter((n) => !incoming.has(n.id)).sort(sortNodes);
  const lines: string[] = [];
  const expanded = new Set<string>();
  const mark = (n: LineageNode) => (n.id === graph.focus ? '  ◀' : '');

  const walk = (id: string, prefix: string) => {
    const children = graph.edges
      .filter((e) => e.from === id && byId.has(e.to))
      .sort((a, b) => sortNodes(byId.get(a.to)!, byId.get(b.to)!));
    children.forEach((e, i) => {
      const last = i === children.length - 1;
      const child = byId.get(e.to)!;
      const seen = expanded.has(child.id);
      lines.push(
        `${prefix}${last ? '└─' : '├─'} ${e.label ? `[${e.label}] ` : ''}${nodeText(child)}${seen ? ' (see above)' : ''}${mark(child)}`,
      );
      if (seen) return;
      expanded.add(child.id);
      walk(child.id, `${prefix}${last ? '   ' : '│  '}`);
    });
  };

  for (const root of roots) {
    lines.push(`${nodeText(root)}${mark(root)}`);
    expanded.add(root.id);
    walk(root.id, '');
  }
  return lines.length ? lines.join('\n') : '(no lineage)';
}
