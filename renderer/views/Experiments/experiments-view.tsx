import { getApi } from '../../api';
import { PageHeader, Panel } from '../../components/page';
import { EmptyState, ErrorBanner, Loading } from '../../components/states';
import { useAsync, useEvent } from '../../lib/hooks';
import { useProject } from '../../lib/project';
import { navigate } from '../../lib/routes';
import { NewRunForm } from './new-run-form';
import { RunsTable } from './runs-table';

export function ExperimentsView({ newRun }: { newRun: boolean }) {
  const { project } = useProject();
  const runs = useAsync(() => getApi().invoke('runs:list', { project }), [project]);
  useEvent('run:status', () => runs.reload());

  // Two places offer the form (header, empty state): distinct test ids keep each one addressable.
  const openForm = (testId: string) => (
    <button
      type="button"
      className="btn btn-primary"
      onClick={() => navigate({ view: 'experiments', newRun: true })}
      data-testid={testId}
    >
      New run
    </button>
  );

  return (
    <div className="page">
      <PageHeader
        title="Experiments"
        subtitle={`Training runs in ${project}, newest first.`}
        actions={!newRun && openForm('new-run-open')}
      />
      {newRun && (
        <Panel title="New run" testId="new-run-panel">
          <NewRunForm
            onStarted={(runId) => navigate({ view: 'run', runId })}
            onCancel={() => navigate({ view: 'experiments', newRun: false })}
          />
        </Panel>
      )}
      <Panel title="Runs" actions={runs.data && <span className="muted">{runs.data.length}</span>}>
        {runs.status === 'error' && (
          <ErrorBanner error={runs.error} title="Could not list runs" onRetry={runs.reload} />
        )}
        {runs.status === 'loading' && !runs.data && <Loading label="Loading runs…" />}
        {runs.data && runs.data.length === 0 && (
          <EmptyState
            title="No runs yet"
            testId="runs-empty"
            action={!newRun && openForm('new-run-open-empty')}
          >
            Train a model on one of your datasets; its curves, metrics and lineage are recorded
            here.
          </EmptyState>
        )}
        {runs.data && runs.data.length > 0 && <RunsTable runs={runs.data} />}
      </Panel>
    </div>
  );
}
