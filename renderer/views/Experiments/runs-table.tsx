import type { RunSummary } from '../../../shared/contract';
import { StatusBadge } from '../../components/status-badge';
import { formatDuration, formatNumber, formatTime } from '../../lib/format';
import { keyParams, presentMetrics } from '../../lib/metrics';
import { navigate } from '../../lib/routes';

export function RunsTable({ runs }: { runs: RunSummary[] }) {
  const metrics = presentMetrics(runs);
  return (
    <div className="table-scroll">
      <table className="table table-hover" data-testid="runs-table">
        <thead>
          <tr>
            <th>Status</th>
            <th>Name</th>
            <th>Dataset</th>
            <th>Model</th>
            <th>Task</th>
            <th>Params</th>
            <th>Started</th>
            <th className="num">Duration</th>
            <th>Backend</th>
            {metrics.map((m) => (
              <th key={m} className="num">
                {m}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => (
            <tr
              key={r.id}
              data-testid={`run-row-${r.id}`}
              onClick={() => navigate({ view: 'run', runId: r.id })}
            >
              <td>
                <StatusBadge status={r.status} />
              </td>
              <td className="strong">
                <a href={`#/runs/${encodeURIComponent(r.id)}`} onClick={(e) => e.stopPropagation()}>
                  {r.name}
                </a>
              </td>
              <td>{r.dataset}</td>
              <td className="mono">{r.modelType}</td>
              <td className="muted">{r.task}</td>
              <td className="muted mono" data-testid="run-params">
                {keyParams(r.params)}
              </td>
              <td className="muted">{formatTime(r.startedAt)}</td>
              <td className="num">{formatDuration(r.durationMs)}</td>
              <td className="muted mono">{r.backend ?? '—'}</td>
              {metrics.map((m) => (
                <td key={m} className="num">
                  {formatNumber(r.metrics[m])}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
