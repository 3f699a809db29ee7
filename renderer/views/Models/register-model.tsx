import { useState } from 'react';
import type { ModelVersion, Run } from '../../../shared/contract';
import { getApi } from '../../api';
import { routeHref } from '../../lib/routes';
import { useAction } from '../../lib/use-action';
import { BusyButton } from '../../components/busy-button';
import { handleSubmit } from '../../lib/forms';
import './models.css';

/** A suggested model name from the run: its dataset and target, in the characters names allow. */
export const suggestName = (run: Pick<Run, 'dataset' | 'config'>) =>
  `${run.dataset}-${run.config.target}`.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^[.-]+/, '');

/** What a Register button becomes once it registered: a link to the model. */
export function RegisteredLink({ version, testId }: { version: ModelVersion; testId: string }) {
  return (
    <a
      className="btn"
      href={routeHref({ view: 'models', model: version.model })}
      data-testid={testId}
    >
      Registered {version.model} v{version.version}
    </a>
  );
}

/**
 * "Register model" on a finished run's page: names the model (a new one, or the next version of an
 * existing one) in a popover under the button, so the page header keeps its layout, and links to it
 * once registered.
 */
export function RegisterModel({ run }: { run: Run }) {
  const [open, setOpen] = useState(false);
  const [name, setName] = useState(() => suggestName(run));
  const register = useAction();
  const [done, setDone] = useState<ModelVersion | null>(null);
  // A network stores model/model.json, a gradient-boosted run model/gbdt.json.
  if (
    run.status !== 'finished' ||
    !run.artifacts.some((a) => a.path === 'model/model.json' || a.path === 'model/gbdt.json')
  )
    return null;
  if (done) return <RegisteredLink version={done} testId="register-model-done" />;
  const toggle = (
    <button
      type="button"
      className="btn"
      onClick={() => setOpen((o) => !o)}
      aria-expanded={open}
      data-testid="register-model"
    >
      Register model
    </button>
  );
  if (!open) return toggle;
  const submit = () =>
    register.run(() => getApi().invoke('models:register', { runId: run.id, name: name.trim() }), {
      done: setDone,
    });
  return (
    <span className="popover-anchor">
      {toggle}
      <form
        className="form-inline popover"
        role="dialog"
        aria-label="Register model"
        onSubmit={handleSubmit(submit)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') setOpen(false);
        }}
        data-testid="register-model-form"
      >
        <input
          className="register-model-name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          aria-label="Model name"
          placeholder="model name"
          data-testid="register-model-name"
          autoFocus
        />
        <BusyButton
          busy={register.busy}
          disabled={!name.trim()}
          busyLabel="Registering…"
          type="submit"
          className="btn btn-primary"
          testId="register-model-submit"
        >
          Register
        </BusyButton>
        <button type="button" className="btn btn-ghost" onClick={() => setOpen(false)}>
          Cancel
        </button>
        {register.message && (
          <span className="form-error" role="alert" data-testid="register-model-error">
            {register.message}
          </span>
        )}
      </form>
    </span>
  );
}
