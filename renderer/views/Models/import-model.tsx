import { useRef, useState } from 'react';
import type { ModelVersion } from '../../../shared/contract';
import { errorMessage, getApi, resolveFile } from '../../api';
import { FormField, TextField } from '../../components/form-field';
import { Panel } from '../../components/page';
import { ErrorBanner } from '../../components/states';
import { routeHref } from '../../lib/routes';
import { useAction } from '../../lib/use-action';
import { BusyButton } from '../../components/busy-button';
import { handleSubmit } from '../../lib/forms';

/** A path field with a "Choose…" button (a path on disk in Electron, an upload to the host in the browser). */
function FileField({
  label,
  value,
  onChange,
  accept,
  placeholder,
  disabled,
  testId,
}: {
  label: string;
  value: string;
  onChange: (path: string) => void;
  accept: string;
  placeholder: string;
  disabled: boolean;
  testId: string;
}) {
  const ref = useRef<HTMLInputElement>(null);
  const [error, setError] = useState<string | null>(null);
  return (
    <FormField label={label} grow>
      <span className="form-inline">
        <input
          value={value}
          onChange={(e) => onChange(e.target.value)}
          placeholder={placeholder}
          spellCheck={false}
          disabled={disabled}
          data-testid={testId}
        />
        <button
          type="button"
          className="btn"
          disabled={disabled}
          onClick={() => ref.current?.click()}
        >
          Choose…
        </button>
      </span>
      <input
        ref={ref}
        type="file"
        className="visually-hidden"
        accept={accept}
        tabIndex={-1}
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = '';
          if (!file) return;
          setError(null);
          resolveFile(file).then(onChange, (err: unknown) => setError(errorMessage(err)));
        }}
      />
      {error && <span className="muted small">{error}</span>}
    </FormField>
  );
}

/**
 * "Import ONNX model" on the Models page: an ONNX file trained elsewhere and its signature file (YAML or
 * JSON) become the next version of a model, as `lathe models import` does. The main process checks the
 * file against the signature; its error names the file and the input or field at fault.
 */
export function ImportModel({ project, onImported }: { project: string; onImported: () => void }) {
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [onnx, setOnnx] = useState('');
  const [signature, setSignature] = useState('');
  const importing = useAction();
  const busy = importing.busy;
  const [done, setDone] = useState<ModelVersion | null>(null);

  if (!open)
    return (
      <button
        type="button"
        className="btn import-model-open"
        onClick={() => setOpen(true)}
        data-testid="import-model-open"
      >
        Import ONNX model…
      </button>
    );

  const submit = async () => {
    setDone(null);
    const input = { name: name.trim(), onnx: onnx.trim(), signature: signature.trim(), project };
    await importing.run(() => getApi().invoke('models:import', input), {
      done: (v) => {
        setDone(v);
        onImported();
      },
    });
  };

  return (
    <Panel title="Import an ONNX model" testId="import-model">
      <form className="form" onSubmit={handleSubmit(submit)} aria-busy={busy}>
        <div className="form-row">
          <TextField
            label="Model name"
            value={name}
            onChange={setName}
            placeholder="e.g. churn"
            disabled={busy}
            testId="import-model-name"
          />
          <FileField
            label="ONNX file"
            value={onnx}
            onChange={setOnnx}
            accept=".onnx"
            placeholder="/path/to/model.onnx"
            disabled={busy}
            testId="import-model-onnx"
          />
          <FileField
            label="Signature (YAML or JSON)"
            value={signature}
            onChange={setSignature}
            accept=".yaml,.yml,.json"
            placeholder="/path/to/signature.yaml"
            disabled={busy}
            testId="import-model-signature"
          />
        </div>
        <p className="muted small">
          The signature declares the task, the features (name, type number/string/boolean, values),
          which ONNX input takes which features, the output holding the prediction (probabilities,
          logits, labels or value) and the class labels.
        </p>
        <div className="form-inline">
          <BusyButton
            busy={busy}
            disabled={!name.trim() || !onnx.trim() || !signature.trim()}
            busyLabel="Checking and importing…"
            type="submit"
            className="btn btn-primary"
            testId="import-model-submit"
          >
            Import
          </BusyButton>
          <button type="button" className="btn btn-ghost" onClick={() => setOpen(false)}>
            Close
          </button>
          {done && (
            <a
              href={routeHref({ view: 'models', model: done.model })}
              data-testid="import-model-done"
            >
              Imported {done.model} v{done.version}
            </a>
          )}
        </div>
        {importing.message && <ErrorBanner error={importing.message} title="Import failed" />}
      </form>
    </Panel>
  );
}
