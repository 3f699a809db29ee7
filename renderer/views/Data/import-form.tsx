import { useState, type FormEvent } from 'react';
import { SchemaChange, type DataProgress, type ImportOut } from '../../../shared/contract';
import { ApiError, getApi, errorMessage, resolveFile } from '../../api';
import { FilePicker } from '../../components/file-picker';
import { FormField, TextField } from '../../components/form-field';
import { ErrorBanner, ProgressBar } from '../../components/states';
import { datasetNameFromFile, formatCount, formatDuration } from '../../lib/format';
import { useEvent } from '../../lib/hooks';
import { useProject } from '../../lib/project';

type Phase =
  { kind: 'idle' } | { kind: 'uploading'; file: string } | { kind: 'importing'; name: string };

/** An import refused because its columns differ, waiting for the user to confirm or cancel. */
interface PendingChange {
  change: SchemaChange;
  name: string;
  /** A typed path, or the chosen file (uploaded again on confirm: the host drops a refused upload). */
  source: { path: string } | { file: File };
}

/** The schema change an import was refused for, if that is why it failed. */
export function refusedSchemaChange(err: unknown): SchemaChange | null {
  if (!(err instanceof ApiError)) return null;
  const parsed = SchemaChange.safeParse(err.details?.schemaChange);
  return parsed.success ? parsed.data : null;
}

function ColumnList({ columns }: { columns: { name: string; type: string }[] }) {
  return (
    <>
      {columns.map((c, i) => (
        <span key={c.name}>
          {i > 0 && ', '}
          <span className="mono">{c.name}</span> <span className="muted">{c.type}</span>
        </span>
      ))}
    </>
  );
}

/** What differs between the dataset's latest version and the file, with Import anyway / Cancel. */
function SchemaChangeConfirm({
  pending,
  onConfirm,
  onCancel,
}: {
  pending: PendingChange;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const { change } = pending;
  return (
    <div
      className="banner banner-warn"
      role="alertdialog"
      aria-label="Columns differ"
      data-testid="schema-change-confirm"
    >
      <div className="banner-body">
        <strong>
          The columns differ from {change.dataset} v{change.fromVersion}.
        </strong>{' '}
        Add this file as a new version of {change.dataset} anyway, or cancel and choose another
        name.
        <ul className="schema-change" data-testid="schema-change-diff">
          {change.added.length > 0 && (
            <li data-testid="schema-change-added">
              Added: <ColumnList columns={change.added} />
            </li>
          )}
          {change.removed.length > 0 && (
            <li data-testid="schema-change-removed">
              Removed: <ColumnList columns={change.removed} />
            </li>
          )}
          {change.retyped.length > 0 && (
            <li data-testid="schema-change-retyped">
              Type changed:{' '}
              {change.retyped.map((r, i) => (
                <span key={r.name}>
                  {i > 0 && ', '}
                  <span className="mono">{r.name}</span> {r.from} → {r.to}
                </span>
              ))}
            </li>
          )}
        </ul>
        <div className="form-row">
          <button
            type="button"
            className="btn btn-primary"
            onClick={onConfirm}
            data-testid="schema-change-accept"
          >
            Import as a new version of {change.dataset}
          </button>
          <button
            type="button"
            className="btn"
            onClick={onCancel}
            data-testid="schema-change-cancel"
          >
            Cancel
          </button>
        </div>
      </div>
    </div>
  );
}

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
  const [name, setNameState] = useState(prefillPath ? datasetNameFromFile(prefillPath) : '');
  // Whether the user typed the name since the last import attempt: otherwise it follows the file.
  const [nameTyped, setNameTyped] = useState(false);
  const [pending, setPending] = useState<PendingChange | null>(null);
  const [phase, setPhase] = useState<Phase>({ kind: 'idle' });
  const [progress, setProgress] = useState<DataProgress | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<ImportOut | null>(null);
  const [prefilled, setPrefilled] = useState(prefillPath);

  if (prefillPath !== prefilled) {
    // Adjusting state to a changed prop during render (no effect, no extra paint). Leaving the route
    // (e.g. for the imported dataset) clears `prefillPath` and keeps what the fields show.
    setPrefilled(prefillPath);
    if (prefillPath) {
      setPath(prefillPath);
      setNameState(datasetNameFromFile(prefillPath));
      setNameTyped(false);
      setError(null);
      setDone(null);
    }
  }

  function typeName(value: string) {
    setNameState(value);
    setNameTyped(value.trim() !== '');
  }

  function typePath(value: string) {
    setPath(value);
    if (!nameTyped) setNameState(value.trim() ? datasetNameFromFile(value.trim()) : '');
  }

  useEvent('data:progress', (p) => {
    if (phase.kind === 'importing' && p.name === phase.name) setProgress(p);
  });

  async function runImport(
    importPath: string,
    importName: string,
    source: PendingChange['source'],
    allowSchemaChange = false,
  ) {
    setPhase({ kind: 'importing', name: importName });
    setProgress(null);
    // A name typed for this attempt is used up by it: the next file chosen names its own dataset.
    setNameTyped(false);
    try {
      const out = await getApi().invoke('data:import', {
        path: importPath,
        name: importName,
        project,
        // The dataset page opens on its profile next: computed while the import writes and checks the
        // file, it is stored with the version and shown without a second scan.
        profile: true,
        ...(allowSchemaChange ? { allowSchemaChange } : {}),
      });
      setDone(out);
      onImported(out);
    } catch (err) {
      const change = refusedSchemaChange(err);
      if (change) setPending({ change, name: importName, source });
      else setError(errorMessage(err));
    } finally {
      setPhase({ kind: 'idle' });
      setProgress(null);
    }
  }

  async function importChosen(file: File, importName: string, allowSchemaChange = false) {
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
    await runImport(resolved, importName, { file }, allowSchemaChange);
  }

  async function onChoose(file: File) {
    const importName = nameTyped && name.trim() ? name.trim() : datasetNameFromFile(file.name);
    setNameState(importName);
    setError(null);
    setDone(null);
    setPending(null);
    await importChosen(file, importName);
  }

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setDone(null);
    setPending(null);
    const importPath = path.trim();
    const importName = name.trim() || datasetNameFromFile(importPath);
    setNameState(importName);
    void runImport(importPath, importName, { path: importPath });
  }

  function confirmChange() {
    if (!pending) return;
    setPending(null);
    if ('file' in pending.source) void importChosen(pending.source.file, pending.name, true);
    else void runImport(pending.source.path, pending.name, pending.source, true);
  }

  const busy = phase.kind !== 'idle';
  return (
    <form className="form" onSubmit={onSubmit} data-testid="import-form" aria-busy={busy}>
      <div className="form-row">
        <TextField
          label="File path"
          grow
          value={path}
          onChange={typePath}
          placeholder="/path/to/data.csv — CSV, TSV, Parquet, JSON or NDJSON"
          spellCheck={false}
          disabled={busy}
          testId="import-path"
        />
        <FilePicker disabled={busy} onPick={(file) => void onChoose(file)} testId="import-file" />
        <TextField
          label="Dataset name"
          value={name}
          onChange={typeName}
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
      {pending && !busy && (
        <SchemaChangeConfirm
          pending={pending}
          onConfirm={confirmChange}
          onCancel={() => setPending(null)}
        />
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
