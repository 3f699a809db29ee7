import type { PipelineRun } from '../../../shared/contract';
import { TableHead, num } from '../../components/table';
import { EmptyState } from '../../components/states';
import { formatDuration, formatTime } from '../../lib/format';
import { PipelineBadge } from './pipeline-graph';

/** What a run was asked to do beyond a plain run: its overrides, `from`, forced steps and resume. */
function runAsk(run: PipelineRun): string {
  const parts = [
    ...run.set.map((s) => `--set ${s}`),
    run.from ? `--from ${run.from}` : null,
    ...run.force.map((f) => `--force ${f}`),
    run.resumeOf ? `resumes ${run.resumeOf.slice(0, 8)}` : null,
  ].filter((p): p is string => p !== null);
  return parts.length ? parts.join(' ') : '—';
}

/** The steps that ran, were cached and failed, in one cell. */
function stepCounts(run: PipelineRun): string {
  const ran = run.steps.filter((s) => s.status === 'succeeded').length;
  const cached = run.steps.filter((s) => s.status === 'cached').length;
  const failed = run.steps.filter((s) => s.status === 'failed').length;
  return [`${ran} ran`, `${cached} cached`, failed ? `${failed} failed` : null]
    .filter(Boolean)
    .join(', ');
}

/**
 * A pipeline's runs, newest first: status, trigger, parameters (`--set`s), duration. Selecting one
 * shows its statuses on the graph.
 */
export function PipelineRuns({
  runs,
  shown,
  onShow,
}: {
  runs: readonly PipelineRun[];
  shown: string | null;
  onShow: (id: string) => void;
}) {
  if (runs.length === 0)
    return (
      <EmptyState title="No runs yet" testId="pipeline-runs-empty">
        Press Run, or run <code>lathe pipeline run FILE</code>.
      </EmptyState>
    );
  return (
    <div className="table-scroll">
      <table className="table table-hover table-dense" data-testid="pipeline-runs">
        <TableHead
          columns={['', 'status', 'started', 'trigger', 'parameters', 'steps', num('duration')]}
        />
        <tbody>
          {runs.map((run) => (
            <tr
              key={run.id}
              className={run.id === shown ? 'selected' : undefined}
              onClick={() => onShow(run.id)}
              data-testid={`pipeline-run-${run.id}`}
              data-status={run.status}
              data-trigger={run.trigger}
              data-from={run.from ?? ''}
            >
              <td>
                <button
                  type="button"
                  className="btn btn-small"
                  aria-pressed={run.id === shown}
                  onClick={(e) => {
                    e.stopPropagation();
                    onShow(run.id);
                  }}
                  title={`Show run ${run.id} on the graph`}
                >
                  {run.id === shown ? 'Shown' : 'Show'}
                </button>
              </td>
              <td>
                <PipelineBadge status={run.status} testId="pipeline-run-status" />
              </td>
              <td className="muted">{formatTime(run.startedAt)}</td>
              <td>{run.trigger}</td>
              <td className="mono pl-run-ask" title={JSON.stringify(run.params)}>
                {runAsk(run)}
              </td>
              <td className="muted">{stepCounts(run)}</td>
              <td className="num">
                {run.durationMs !== null ? formatDuration(run.durationMs) : '—'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
