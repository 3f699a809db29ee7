import { useState } from 'react';
import type { DataProgress, MlrunsImportOut } from '../../../shared/contract';
import { getApi } from '../../api';
import { BusyButton } from '../../components/busy-button';
import { TextField } from '../../components/form-field';
import { Panel } from '../../components/page';
import { ErrorBanner, ProgressBar } from '../../components/states';
import { handleSubmit } from '../../lib/forms';
import { useAsync, useEvent } from '../../lib/hooks';
import { useAction } from '../../lib/use-action';
import { importSummary, isImportProgress, notebookLines, trackingUri } from './mlruns-import-model';
import './mlruns-import.css';

/**
 * "Import mlruns folder": an MLflow file-store folder on the owner's disk becomes experiments, runs and
 * registered models (mlflow:import-mlruns), with its progress, what it added, and what it left out.
 */
export function MlrunsImportPanel({
  onImported,
  onClose,
}: {
  onImported: (out: MlrunsImportOut) => void;
  onClose: () => void;
}) {
  const [dir, setDir] = useState('');
  const [progress, setProgress] = useState<DataProgress | null>(null);
  const [result, setResult] = useState<MlrunsImportOut | null>(null);
  const action = useAction();

  useEvent('data:progress', (p) => {
    if (action.busy && isImportProgress(p, dir)) setProgress(p);
  });

  const submit = () => {
    setResult(null);
    setProgress(null);
    void action.run(() => getApi().invoke('mlflow:import-mlruns', { dir: dir.trim() }), {
      done: (out) => {
        setResult(out);
        onImported(out);
      },
    });
  };

  return (
    <Panel
      title="Import an mlruns folder"
      testId="mlruns-import-panel"
      actions={
        <button type="button" className="btn btn-small" onClick={onClose}>
          Close
        </button>
      }
    >
      <p className="muted">
        An MLflow file-store folder (what <span className="mono">mlflow</span> writes to{' '}
        <span className="mono">./mlruns</span>): its experiments, runs with params, metric
        histories, tags and artifacts, and its registered models. Importing it again adds only what
        is new.
      </p>
      <form className="form-row" onSubmit={handleSubmit(submit)}>
        <TextField
          label="mlruns folder"
          grow
          value={dir}
          onChange={setDir}
          placeholder="/path/to/mlruns"
          spellCheck={false}
          testId="mlruns-dir"
        />
        <BusyButton
          busy={action.busy}
          busyLabel="Importing…"
          disabled={!dir.trim()}
          type="submit"
          testId="mlruns-import"
        >
          Import
        </BusyButton>
      </form>
      {action.busy && (
        <div className="import-status" data-testid="mlruns-busy">
          <ProgressBar
            fraction={progress ? progress.fraction : null}
            label={progress?.message ?? 'Reading the folder…'}
          />
        </div>
      )}
      {action.error && (
        <ErrorBanner error={action.error} title="Could not import the mlruns folder" />
      )}
      {result && <ImportResult out={result} />}
    </Panel>
  );
}

function ImportResult({ out }: { out: MlrunsImportOut }) {
  const renamed = Object.entries(out.renamed);
  return (
    <div className="mlruns-result" data-testid="mlruns-result" role="status">
      <div>
        Imported <span className="mono">{out.dir}</span>
      </div>
      <ul>
        {importSummary(out).map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
      {renamed.length > 0 && (
        <div data-testid="mlruns-renamed">
          Runs whose MLflow id another run already had:
          <ul>
            {renamed.map(([from, to]) => (
              <li key={from} className="mono">
                {from} → {to}
              </li>
            ))}
          </ul>
        </div>
      )}
      {out.warnings.length > 0 && (
        <div className="mlruns-warnings" data-testid="mlruns-warnings">
          Left out or kept as it was:
          <ul>
            {out.warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

/** "Log from an MLflow notebook": the two lines that point the mlflow client at this host. */
export function MlflowNotebookHint({ experiment }: { experiment: string | null }) {
  const info = useAsync(() => getApi().invoke('app:info', {}), []);
  const uri = trackingUri(window.location, info.data?.hostUrl);
  const [shell, python] = notebookLines(uri ?? 'http://127.0.0.1:5000', experiment);
  return (
    <details className="mlflow-hint" data-testid="mlflow-hint">
      <summary>Log from an MLflow notebook</summary>
      {uri === null && info.status !== 'loading' && (
        <p className="muted" data-testid="mlflow-hint-no-host">
          No local host answers for this workspace yet. Run{' '}
          <span className="mono">lathe server</span> in a terminal (on this workspace) and use the
          address it prints; by default:
        </p>
      )}
      <pre className="mono" data-testid="mlflow-hint-lines">
        {shell}
        {'\n'}
        {python}
      </pre>
      <p className="muted">
        Runs logged with <span className="mono">mlflow.start_run()</span> then appear here beside
        the runs Lathe trained.
      </p>
    </details>
  );
}
