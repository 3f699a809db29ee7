import { useRef, useState, type ChangeEvent, type FormEvent } from 'react';
import type { DataProgress, ImportOut } from '../../../shared/contract';
import { getApi, errorMessage, resolveFile } from '../../api';
import { FormField, TextField } from '../../components/form-field';
import { ErrorBanner, ProgressBar } from '../../components/states';
import { datasetNameFromFile, formatCount, formatDuration } from '../../lib/format';
import { useEvent } from '../../lib/hooks';
import { useProject } from '../../lib/project';

type Phase =
  { kind: 'idle' } | { kind: 'uploading'; file: string } | { kind: 'importing'; name: string };

/**
 * Import a file by path, or pick one (uploaded to the host in the browser, by path in Electron).
 * `prefillPath` (from `#/data?import=<path>`, Electron's File → Import dataset…) fills the path and the
 * dataset name whenever it changes to a new path; the user still presses Import.
 */
export function ImportForm({
  onImported,
  prefillPath,
}: {
  onImported: (out: ImportOut) => void;
  prefillPath?: string;
}) {
  const { project } = useProject();
  const [path, setPath] = useState(prefillPath ?? '');
  const [name, setName] = useState(prefillPath ? datasetNameFromFile(prefillPath) : '');
  const [phase, setPhase] = useState<Phase>({ kind: 'idle' });
  const [progress, setProgress] = useState<DataProgress | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<ImportOut | null>(null);
  const [prefilled, setPrefilled] = useState(prefillPath);
  const fileRef = useRef<HTMLInputElement>(null);

  if (prefillPath !== prefilled) {
    // Adjusting state to a changed prop during render (no effect, no extra paint). Leaving the route
    // (e.g. for the imported dataset) clears `prefillPath` and keeps what the fields show.
    setPrefilled(prefillPath);
    if (prefillPath) {
      setPath(prefillPath);
      setName(datasetNameFromFile(prefillPath));
      setError(null);
      setDone(null);
    }
  }

  useEvent('data:progress', (p) => {
    if (phase.kind === 'importing' && p.name === phase.name) setProgress(p);
  });

  async function runImport(importPath: string, importName: string) {
    setPhase({ kind: 'importing', name: importName });
    setProgress(null);
    try {
      const out = await getApi().invoke('data:import', {
        path: importPath,
        name: importName,
        project,
      });
      setDone(out);
      onImported(out);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setPhase({ kind: 'idle' });
      setProgress(null);
    }
  }

  async function onChoose(e: ChangeEvent<HTMLInputElement>) {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (!file) return;
    const importName = name.trim() || datasetNameFromFile(file.name);
    setName(importName);
    setError(null);
    setDone(null);
    setPhase({ kind: 'uploading', file: file.name });
    let resolved: string;
    try {
      resolved = await resolveFile(file);
    } catch (err) {
      setError(errorMessage(err));
      setPhase({ kind: 'idle' });
      return;
    }
    setPath(resolved);
    await runImport(resolved, importName);
  }

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setDone(null);
    const importName = name.trim() || datasetNameFromFile(path.trim());
    setName(importName);
    void runImport(path.trim(), importName);
  }

  const busy = phase.kind !== 'idle';
  return (
    <form className="form" onSubmit={onSubmit} data-testid="import-form" aria-busy={busy}>
      <div className="form-row">
        <TextField
          label="File path"
          grow
          value={path}
          onChange={setPath}
          placeholder="/path/to/data.csv — CSV, TSV, Parquet, JSON or NDJSON"
          spellCheck={false}
          disabled={busy}
          testId="import-path"
        />
        <FormField as="div">
          <button
            type="button"
            className="btn"
            disabled={busy}
            onClick={() => fileRef.current?.click()}
          >
            Choose file…
          </button>
          <input
            ref={fileRef}
            type="file"
            className="visually-hidden"
            accept=".csv,.tsv,.txt,.parquet,.json,.ndjson,.jsonl"
            onChange={(e) => void onChoose(e)}
            disabled={busy}
            data-testid="import-file"
            tabIndex={-1}
          />
        </FormField>
        <TextField
          label="Dataset name"
          value={name}
          onChange={setName}
          placeholder="from the file name"
          spellCheck={false}
          disabled={busy}
          testId="import-name"
        />
        <FormField as="div">
          <button
            type="submit"
            className="btn btn-primary"
            disabled={busy || !path.trim()}
            data-testid="import-submit"
          >
            {phase.kind === 'importing' ? 'Importing…' : 'Import'}
          </button>
        </FormField>
      </div>
      {busy && (
        <div className="import-status" data-testid="import-busy">
          <ProgressBar
            fraction={progress ? progress.fraction : null}
            label={
              phase.kind === 'uploading'
                ? `Uploading ${phase.file}…`
                : progress
                  ? `${progress.message}${progress.etaMs !== undefined ? ` · ${formatDuration(progress.etaMs)} left` : ''}`
                  : `Importing ${phase.name}…`
            }
          />
          {phase.kind === 'importing' && (
            <button
              type="button"
              className="btn"
              onClick={() => void getApi().invoke('data:cancelImport', { name: phase.name })}
              data-testid="import-cancel"
            >
              Cancel
            </button>
          )}
        </div>
      )}
      {error && <ErrorBanner error={error} title="Import failed" />}
      {done && !busy && !error && (
        <div className="banner banner-ok" data-testid="import-done">
          {done.reused ? 'Already imported: reused' : 'Imported'} <strong>{done.dataset}</strong> v
          {done.version.version} · {formatCount(done.version.rows)} rows ·{' '}
          {formatDuration(done.durationMs)}
        </div>
      )}
    </form>
  );
}
