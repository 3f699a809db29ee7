import { useState } from 'react';
import { notServable, type ModelVersion } from '../../../shared/contract';
import { getApi } from '../../api';
import { BusyButton } from '../../components/busy-button';
import { TextField } from '../../components/form-field';
import { Panel } from '../../components/page';
import { ErrorBanner } from '../../components/states';
import { formatBytes } from '../../lib/format';
import { handleSubmit } from '../../lib/forms';
import { useResult } from '../../lib/use-action';
import { MlflowPushButton } from './push-dialog';
import { fieldOfError } from './push-model';
import './mlflow.css';

/**
 * MLflow on a model version's page: push the version (its run, the ONNX package as an MLflow model,
 * the registered version and its aliases) to a team server, or write it as an MLflow model folder.
 */
export function ModelMlflowPanel({ version }: { version: ModelVersion }) {
  const ref = `${version.model}@${version.version}`;
  const [out, setOut] = useState('');
  const { busy, error, result, run } = useResult(() =>
    getApi().invoke('mlflow:export-model', { ref, out: out.trim() }),
  );
  // A refused folder shows beside it; anything else in a banner.
  const folderError = fieldOfError(error) === 'out' ? error?.message : undefined;
  const unservable = notServable(version);
  return (
    <Panel
      title={`MLflow · v${version.version}`}
      testId="model-mlflow"
      actions={
        <MlflowPushButton
          source={ref}
          disabledReason={
            version.runId === null
              ? `${ref} was imported from an ONNX file: it has no Lathe run to push`
              : unservable
          }
        />
      }
    >
      <form className="form-row" onSubmit={handleSubmit(run)}>
        <TextField
          label="Export as an MLflow model into (a new or empty folder)"
          grow
          value={out}
          onChange={setOut}
          placeholder="/path/to/mlflow-model"
          spellCheck={false}
          disabled={unservable !== null}
          error={folderError}
          testId="mlflow-export-out"
        />
        <BusyButton
          busy={busy}
          disabled={!out.trim() || unservable !== null}
          busyLabel="Exporting…"
          type="submit"
          title={unservable ?? 'MLmodel with the onnx flavor, model.onnx, signature, input example'}
          testId="mlflow-export"
        >
          Export as MLflow model
        </BusyButton>
      </form>
      {error && !folderError && (
        <ErrorBanner error={error} title="Could not export the MLflow model" />
      )}
      {result && (
        <div className="mlflow-export-result" data-testid="mlflow-export-result">
          {result.model}@{result.version} →{' '}
          <span className="mono" data-testid="mlflow-export-dir">
            {result.dir}
          </span>
          : {result.files.length} files, {formatBytes(result.bytes)}
          <div className="mono small">{result.files.join(' · ')}</div>
        </div>
      )}
    </Panel>
  );
}
