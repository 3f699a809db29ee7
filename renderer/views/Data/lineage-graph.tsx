import type { LineageGraph, LineageNode } from '../../../shared/contract';
import { ArrowMarker } from '../../components/arrow-marker';
import { getApi } from '../../api';
import { ErrorBanner, Loading } from '../../components/states';
import { NODE_H, NODE_W, layoutDag } from '../../lib/dag-layout';
import { useAsync } from '../../lib/hooks';
import { navigate } from '../../lib/routes';
import { kindLine, nodeTitle, shortLabel } from './lineage-labels';

function open(n: LineageNode): void {
  if (n.kind === 'run') navigate({ view: 'run', runId: n.id });
  else if (n.kind === 'version' && n.dataset) navigate({ view: 'data', dataset: n.dataset });
}

/** The lineage of one version as a layered SVG DAG: files → versions → runs; nodes open what they name. */
export function LineageView({ graph }: { graph: LineageGraph }) {
  const layout = layoutDag(graph.nodes, graph.edges);
  return (
    <div className="lineage-scroll">
      <svg
        className="lineage-graph"
        data-testid="lineage-graph"
        width={layout.width}
        height={layout.height}
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        role="img"
        aria-label="Lineage graph"
      >
        <ArrowMarker id="lineage-arrow" className="lineage-arrowhead" />
        {layout.edges.map(({ edge, path }) => (
          <path
            key={`${edge.from}->${edge.to}`}
            d={path}
            className="lineage-edge"
            markerEnd="url(#lineage-arrow)"
          >
            {edge.label && <title>{edge.label}</title>}
          </path>
        ))}
        {layout.nodes.map(({ node, x, y }) => {
          const clickable = node.kind === 'run' || node.kind === 'version';
          return (
            <g
              key={node.id}
              transform={`translate(${x} ${y})`}
              className={`lineage-node lineage-${node.kind}${node.id === graph.focus ? ' focus' : ''}${clickable ? ' clickable' : ''}`}
              data-testid={`lineage-node-${node.kind}`}
              data-node-id={node.id}
              role={clickable ? 'link' : undefined}
              tabIndex={clickable ? 0 : undefined}
              onClick={clickable ? () => open(node) : undefined}
              onKeyDown={
                clickable
                  ? (e) => {
                      if (e.key === 'Enter') open(node);
                    }
                  : undefined
              }
            >
              <title>{nodeTitle(node)}</title>
              <rect width={NODE_W} height={NODE_H} rx={6} />
              <text x={10} y={17} className="lineage-kind">
                {kindLine(node)}
              </text>
              <text x={10} y={34} className="lineage-label">
                {shortLabel(node)}
              </text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}

export function LineagePanel({ datasetRef }: { datasetRef: string }) {
  const graph = useAsync(() => getApi().invoke('lineage:get', { id: datasetRef }), [datasetRef]);
  if (graph.status === 'error')
    return (
      <ErrorBanner
        error={graph.error}
        title={`Could not load the lineage of ${datasetRef}`}
        onRetry={graph.reload}
      />
    );
  if (!graph.data) return <Loading label="Loading lineage…" />;
  return (
    <>
      <div className="muted lineage-caption">
        Lineage of {datasetRef}: source files → versions → runs
      </div>
      <LineageView graph={graph.data} />
    </>
  );
}
