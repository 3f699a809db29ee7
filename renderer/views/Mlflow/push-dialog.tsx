import { useEffect, useState } from 'react';
import { MLFLOW_PUSH_OP, type DataProgress, type MlflowPushOut } from '../../../shared/contract';
import { errorMessage, getApi } from '../../api';
import { isCancelled } from '../../api/errors';
import { BusyButton } from '../../components/busy-button';
import { Checkbox, SelectField, TextField } from '../../components/form-field';
import { ModalActions, ModalDialog } from '../../components/modal-dialog';
import { ErrorBanner, NoticeBanner } from '../../components/states';
import { StoppableProgress } from '../../components/stoppable-progress';
import { useAsync, useEvent } from '../../lib/hooks';
import { toError, useAction } from '../../lib/use-action';
import {
  EMPTY_PUSH_FORM,
  LAST_URL_PREF,
  authOptions,
  buildPush,
  credentialFields,
  effectiveAuth,
  fieldOfError,
  pushSummary,
  savedFor,
  type AuthChoice,
  type PushFieldErrors,
  type PushForm,
} from './push-model';
import './mlflow.css';

/**
 * "Push to MLflow" on the run and model version pages: opens the push dialog for `source` (a run id or
 * `NAME@VERSION`). `disabledReason` disables it and says why (e.g. a run still training).
 */
export function MlflowPushButton({
  source,
  disabledReason,
}: {
  source: string;
  disabledReason?: string | null;
}) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button
        type="button"
        className="btn"
        disabled={Boolean(disabledReason)}
        title={disabledReason ?? `Copy ${source} to a team MLflow server`}
        onClick={() => setOpen(true)}
        data-testid="mlflow-push"
      >
        Push to MLflow
      </button>
      {open && <MlflowPushDialog source={source} onClose={() => setOpen(false)} />}
    </>
  );
}

interface Pushed {
  out: MlflowPushOut;
  /** Why the credentials could not be kept, when asked to keep them. */
  rememberError: string | null;
}

/**
 * The push dialog: the server's URL, how to authenticate (none, a token, user and password, or what the
 * desktop app keeps for that URL, encrypted with the OS keychain), progress while pushing, then what was
 * created and what was already there. Credentials go to the service with the push, or to the app's
 * safeStorage when "remember" is ticked; never to localStorage or ui prefs (only the URL goes there).
 */
export function MlflowPushDialog({ source, onClose }: { source: string; onClose: () => void }) {
  const credentials = useAsync(() => getApi().invoke('mlflow:credentials:list', {}), []);
  const [form, setForm] = useState<PushForm>(EMPTY_PUSH_FORM);
  const [errors, setErrors] = useState<PushFieldErrors>({});
  const [progress, setProgress] = useState<DataProgress | null>(null);
  const [result, setResult] = useState<Pushed | null>(null);
  /** The push running now (what Stop names), and what a stopped one left on the server. */
  const [pushing, setPushing] = useState<{ source: string; to: string } | null>(null);
  const [stopped, setStopped] = useState<string | null>(null);
  const push = useAction();
  const forget = useAction();
  const busy = push.busy;

  // The last server pushed to. The URL field is read-only until it has come: text typed or pasted into
  // the empty field just before it came was joined to it (the field's new value, the caret at its end,
  // then the text), and the push was refused as no URL.
  const [lastUrlRead, setLastUrlRead] = useState(false);
  useEffect(() => {
    let alive = true;
    getApi()
      .invoke('ui:prefs:get', { key: LAST_URL_PREF })
      .then(({ value }) => {
        if (alive && typeof value === 'string')
          setForm((f) => (f.url === '' ? { ...f, url: value } : f));
      })
      .catch(() => undefined)
      .finally(() => {
        if (alive) setLastUrlRead(true);
      });
    return () => {
      alive = false;
    };
  }, []);

  useEvent('data:progress', (p) => {
    if (busy && p.op === MLFLOW_PUSH_OP && p.name === source.trim()) setProgress(p);
  });

  const creds = credentials.data;
  const saved = savedFor(form.url, creds ?? null);
  const choice = effectiveAuth(form.auth, saved);
  const canRemember = creds?.store === 'safeStorage';

  function set<K extends keyof PushForm>(key: K, value: PushForm[K]) {
    setForm((f) => ({ ...f, [key]: value }));
    setErrors((e) => ({ ...e, [key]: undefined, ...(key === 'auth' ? {} : { auth: undefined }) }));
  }

  function submit() {
    const built = buildPush(source, form, creds ?? null);
    if ('errors' in built) {
      setErrors(built.errors);
      return;
    }
    setErrors({});
    setResult(null);
    setProgress(null);
    setStopped(null);
    setPushing({ source: built.input.source, to: built.input.to });
    void push.run(
      async (): Promise<Pushed> => {
        const out = await getApi().invoke('mlflow:push', built.input);
        void getApi()
          .invoke('ui:prefs:set', { key: LAST_URL_PREF, value: out.to })
          .catch(() => undefined);
        if (!built.remember) return { out, rememberError: null };
        try {
          await getApi().invoke('mlflow:credentials:set', { url: out.to, auth: built.remember });
          credentials.reload();
          return { out, rememberError: null };
        } catch (err) {
          return { out, rememberError: errorMessage(err) };
        }
      },
      {
        done: setResult,
        // A refused URL or credentials show under their field; a stop as a note of what it left; anything
        // else in the banner.
        describe: (err) => {
          if (isCancelled(err)) {
            setStopped(errorMessage(err));
            return null;
          }
          const field = fieldOfError(err);
          if (field === 'url' || field === 'auth') {
            setErrors({ [field]: errorMessage(err) });
            return null;
          }
          return toError(err);
        },
      },
    );
  }

  const forgetSaved = () =>
    saved &&
    forget.run(() => getApi().invoke('mlflow:credentials:delete', { url: saved.url }), {
      done: () => {
        credentials.reload();
        set('auth', 'none');
      },
    });

  const summary = result ? pushSummary(result.out) : null;

  return (
    <ModalDialog
      label="Push to MLflow"
      busy={busy}
      onClose={onClose}
      onSubmit={submit}
      testId="mlflow-push-dialog"
    >
      <h3>
        Push <span className="mono">{source}</span> to MLflow
      </h3>
      <fieldset className="form-section" disabled={busy}>
        <div className="form-row">
          <TextField
            label="Tracking server URL"
            grow
            value={form.url}
            onChange={(v) => set('url', v)}
            readOnly={!lastUrlRead}
            placeholder="http://mlflow.example.com:5000"
            spellCheck={false}
            error={errors.url}
            testId="mlflow-push-url"
          />
        </div>
        <div className="form-row">
          <SelectField
            label="Authentication"
            value={choice}
            options={authOptions(saved)}
            onChange={(v) => set('auth', v as AuthChoice)}
            testId="mlflow-push-auth"
          />
          {credentialFields(choice).map((f) => (
            <TextField
              key={f.key}
              label={f.label}
              grow={f.secret}
              type={f.secret ? 'password' : undefined}
              value={form[f.key]}
              onChange={(v) => set(f.key, v)}
              spellCheck={false}
              error={errors[f.key]}
              testId={`mlflow-push-${f.key}`}
            />
          ))}
          {choice === 'saved' && (
            <BusyButton
              busy={forget.busy}
              busyLabel="Forgetting…"
              onClick={() => void forgetSaved()}
              testId="mlflow-push-forget"
              title="Remove the credentials this computer keeps for this server"
            >
              Forget
            </BusyButton>
          )}
        </div>
        {errors.auth && (
          // Under the whole row: the server's answer is too long to sit beside the credentials.
          <p className="form-error" role="alert" data-testid="mlflow-push-auth-error">
            {errors.auth}
          </p>
        )}
        {(choice === 'token' || choice === 'basic') &&
          (canRemember ? (
            <Checkbox
              className="check"
              checked={form.remember}
              onChange={(v) => set('remember', v)}
              testId="mlflow-push-remember"
            >
              <span>Remember on this computer (encrypted with the OS keychain)</span>
            </Checkbox>
          ) : (
            <p className="hint" data-testid="mlflow-push-no-store">
              {creds?.unavailable
                ? `Not kept: ${creds.unavailable}.`
                : 'Sent with this push only: the desktop app can keep credentials, this window does not.'}
            </p>
          ))}
      </fieldset>
      {credentials.error && (
        <ErrorBanner error={credentials.error} title="Could not read the kept credentials" />
      )}
      {forget.message && (
        <ErrorBanner error={forget.message} title="Could not forget the credentials" />
      )}
      {busy && pushing && (
        <StoppableProgress
          fraction={progress?.fraction ?? null}
          label={progress?.message ?? 'Connecting…'}
          onStop={() => getApi().invoke('mlflow:push:cancel', pushing)}
          stopTitle="Stop the push: what reached the server stays there, and pushing again sends the rest"
          className="import-status"
          testId="mlflow-push-progress"
          stopTestId="mlflow-push-stop"
        />
      )}
      {stopped && (
        <div data-testid="mlflow-push-stopped">
          <NoticeBanner title="Push stopped" message={stopped} />
        </div>
      )}
      {push.message && (
        <div data-testid="mlflow-push-error">
          <ErrorBanner error={push.error ?? push.message} title="Push failed" />
        </div>
      )}
      {result && summary && (
        <div
          className={`mlflow-result${result.out.changed ? '' : ' mlflow-result-same'}`}
          role="status"
          data-testid="mlflow-push-result"
          data-changed={String(result.out.changed)}
        >
          <strong data-testid="mlflow-push-headline">{summary.headline}</strong>
          <ul>
            {summary.lines.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
          <a
            href={result.out.run.url}
            target="_blank"
            rel="noreferrer"
            className="mono small"
            data-testid="mlflow-push-run-link"
            data-run-id={result.out.run.id}
          >
            {result.out.run.url}
          </a>
        </div>
      )}
      {result?.rememberError && (
        <NoticeBanner
          title="Pushed, but the credentials were not kept"
          message={result.rememberError}
        />
      )}
      <ModalActions
        busy={busy}
        onClose={onClose}
        closeLabel="Close"
        busyLabel="Pushing…"
        submitTestId="mlflow-push-submit"
      >
        {result ? 'Push again' : 'Push'}
      </ModalActions>
    </ModalDialog>
  );
}
