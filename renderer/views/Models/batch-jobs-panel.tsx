import { getApi } from '../../api';
import { Panel } from '../../components/page';
import { AsyncStatus } from '../../components/states';
import { TableHead } from '../../components/table';
import { formatDuration, formatNumber, formatTime } from '../../lib/format';
import { useAsync } from '../../lib/hooks';

/** The batch predictions made with one version (predict:batches), newest first. */
export function BatchJobsPanel({ model, version }: { model: string; version: number }) {
  const ref = `${model}@${version}`;
  const batches = useAsync(() => getApi().invoke('predict:batches', { ref }), [ref]);
  return (
    <Panel
      title={`Batch jobs of v${version}`}
      testId="model-batches"
      busy={batches.status === 'loading'}
    >
      <AsyncStatus of={batches} error="Could not list batch jobs" testId="model-batches-loading" />
      {batches.data && batches.data.length === 0 && (
        <p className="muted" data-testid="model-batches-empty">
          No batch prediction with v{version} yet (Deploy view, or{' '}
          <code>lathe predict {ref} --input FILE --output FILE</code>).
        </p>
      )}
      {batches.data && batches.data.length > 0 && (
        <div className="table-scroll">
          <table className="table" data-testid="model-batches-table">
            <TableHead columns={['when', 'input', 'output', 'rows', 'duration', 'captured']} />
            <tbody>
              {batches.data.map((b) => (
                <tr key={b.id} data-testid="model-batch">
                  <td>{formatTime(b.at)}</td>
                  <td className="mono cell-wrap" title={`sha256 ${b.inputSha256}`}>
                    {b.input}
                  </td>
                  <td className="mono cell-wrap" data-testid="model-batch-output">
                    {b.output}
                  </td>
                  <td data-testid="model-batch-rows">{formatNumber(b.rows)}</td>
                  <td>{formatDuration(b.durationMs)}</td>
                  <td>{b.captureRate === null ? '' : `${Math.round(b.captureRate * 100)}%`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}
