import { useEffect, useRef, useState, type ReactNode } from 'react';
import type {
  PipelineCheckOut,
  PipelineIssue,
  PipelineRun,
  PipelineStepInfo,
  PipelineSummary,
} from '../../../shared/contract';
import { getApi } from '../../api';
import { BusyButton } from '../../components/busy-button';
import { TextField } from '../../components/form-field';
import { Facts, Panel } from '../../components/page';
import { AsyncStatus, ErrorBanner, NoticeBanner } from '../../components/states';
import { formatDuration } from '../../lib/format';
import { useAsync, useEvent } from '../../lib/hooks';
import { toError, useAction } from '../../lib/use-action';
import { useDebounced } from '../Features/use-debounced';
import { PipelineEditor } from './pipeline-editor';
import { PipelineBadge, PipelineGraph } from './pipeline-graph';
import { canResume, mergeRuns, outputLinks, parseSets, stepRuns } from './pipeline-model';
import { PipelineRuns } from './pipeline-runs';

type Doing = 'start' | 'rerun' | 'cancel';

/**
 * One pipeline: its graph with the shown run's statuses (live from `pipeline:status`), the actions
 * (run, rerun from a step, cancel, resume), its run history and its YAML beside the graph.
 */
export function PipelineDetail({
  summary,
  onChanged,
}: {
  summary: PipelineSummary;
  onChanged: () => void;
}) {
  const { file, name } = summary;
  const api = getApi();
  const check = useAsync(() => api.invoke('pipeline:check', { file }), [file]);
  const [saved, setSaved] = useState<PipelineCheckOut | null>(null);
  const graph = saved ?? check.data;
  const history = useAsync(() => api.invoke('pipeline:runs', { pipeline: name }), [name]);
  const [live, setLive] = useState<ReadonlyMap<string, PipelineRun>>(new Map());
  const [shownId, setShownId] = useState<string | null>(null);
  const [step, setStep] = useState<string | null>(null);
  const [sets, setSets] = useState('');
  // The Parameters box starts with the newest run's --set, so Run repeats it (and finds it cached)
  // until the user edits them.
  const setsEdited = useRef(false);
  const lastSets = history.data?.[0]?.set.join(' ');
  useEffect(() => {
    if (!setsEdited.current && lastSets !== undefined) setSets(lastSets);
  }, [lastSets]);
  const action = useAction<Doing>();
  const [tried, setTried] = useState<'start' | 'cancel'>('start');
  const [resuming, setResuming] = useState<string | null>(null);
  const [resumeError, setResumeError] = useState<Error | null>(null);
  // The run a resume is making is only known from its first event (resume resolves at its end).
  const resumeOf = useRef<string | null>(null);

  useEvent('pipeline:status', (run) => {
    if (run.pipeline !== name && run.file !== file) return;
    setLive((prev) => new Map(prev).set(run.id, run));
    if (resumeOf.current && run.resumeOf === resumeOf.current) {
      resumeOf.current = null;
      setShownId(run.id);
    }
    if (run.status !== 'running') history.reload();
  });

  const runs = mergeRuns(history.data ?? [], live);
  const shown = runs.find((r) => r.id === shownId) ?? runs[0] ?? null;
  const running = runs.find((r) => r.status === 'running') ?? null;
  const steps = graph?.steps ?? [];
  const selectedStep = steps.find((s) => s.id === step) ?? null;

  const start = (from?: string) => {
    setTried('start');
    void action.run(
      () => api.invoke('pipeline:start', { file, set: parseSets(sets), ...(from ? { from } : {}) }),
      {
        as: from ? 'rerun' : 'start',
        done: ({ id }) => {
          setShownId(id);
          history.reload();
          onChanged();
        },
      },
    );
  };
  const cancel = (id: string) => {
    setTried('cancel');
    void action.run(() => api.invoke('pipeline:cancel', { id }), {
      as: 'cancel',
      done: () => history.reload(),
    });
  };
  // Resume runs to the run's end: the view follows it by events meanwhile, nothing waits on it.
  const resume = (id: string) => {
    setResuming(id);
    setResumeError(null);
    resumeOf.current = id;
    api.invoke('pipeline:resume', { id }).then(
      (run) => {
        setLive((prev) => new Map(prev).set(run.id, run));
        setShownId((now) => (now === null || now === id ? run.id : now));
        setResuming(null);
        history.reload();
        onChanged();
      },
      (err: unknown) => {
        resumeOf.current = null;
        setResuming(null);
        setResumeError(toError(err));
      },
    );
  };

  return (
    <div className="pl-detail" data-testid="pipeline-detail" data-pipeline={name}>
      <Panel
        className="pl-graph-panel"
        title={
          <>
            {name} {shown && <PipelineBadge status={shown.status} testId="pipeline-shown-status" />}
          </>
        }
        actions={
          <div className="pl-actions">
            <TextField
              label="Parameters"
              hint="(NAME=VALUE …, as --set)"
              value={sets}
              onChange={(value) => {
                setsEdited.current = true;
                setSets(value);
              }}
              placeholder={paramHint(graph)}
              spellCheck={false}
              testId="pipeline-sets"
            />
            <BusyButton
              className="btn btn-primary"
              busy={action.doing === 'start'}
              busyLabel="Starting…"
              disabled={action.busy || running !== null || steps.length === 0}
              title={running ? `Run ${running.id.slice(0, 8)} is running` : undefined}
              onClick={() => start()}
              testId="pipeline-run"
            >
              Run
            </BusyButton>
            {running && (
              <BusyButton
                className="btn btn-danger"
                busy={action.doing === 'cancel'}
                busyLabel="Cancelling…"
                disabled={action.busy}
                onClick={() => cancel(running.id)}
                testId="pipeline-cancel"
              >
                Cancel run
              </BusyButton>
            )}
            {!running && canResume(shown) && shown && (
              <BusyButton
                busy={resuming === shown.id}
                busyLabel="Resuming…"
                disabled={resuming !== null || action.busy}
                onClick={() => resume(shown.id)}
                title={`Run ${shown.id.slice(0, 8)} again: its finished steps are cached`}
                testId="pipeline-resume"
              >
                Resume
              </BusyButton>
            )}
          </div>
        }
        testId="pipeline-graph-panel"
      >
        <div className="muted small pl-file-line">
          <bdi dir="ltr" className="mono">
            {file}
          </bdi>
          {graph?.schedule && (
            <>
              {' · schedule '}
              <code>{graph.schedule}</code>
            </>
          )}
          {shown && (
            <>
              {' · showing run '}
              <span className="mono" data-testid="pipeline-shown-run">
                {shown.id.slice(0, 8)}
              </span>
              {shown.trigger !== 'manual' && ` (${shown.trigger})`}
            </>
          )}
        </div>
        {action.error && (
          <ErrorBanner
            error={action.error}
            title={
              tried === 'cancel' ? `Could not cancel the run of ${name}` : `Could not start ${name}`
            }
          />
        )}
        {resumeError && (
          <ErrorBanner error={resumeError} title={`Could not resume the run of ${name}`} />
        )}
        {shown?.error && shown.status !== 'running' && shown.error !== shown.status && (
          <NoticeBanner
            title={`Run ${shown.id.slice(0, 8)} ${shown.status}${shown.failedStep ? ` at ${shown.failedStep}` : ''}`}
            message={shown.error}
          />
        )}
        <AsyncStatus of={check} error={`Could not check ${file}`} loading="Checking the file…" />
        {graph && steps.length === 0 && (
          <NoticeBanner
            title="No graph: the file does not check"
            message={`${graph.issues.length} problem${graph.issues.length === 1 ? '' : 's'}, listed under the YAML.`}
          />
        )}
        {steps.length > 0 && (
          <PipelineGraph steps={steps} run={shown} selected={step} onSelect={setStep} />
        )}
        {selectedStep && (
          <StepDetail
            step={selectedStep}
            run={shown}
            busy={action.busy}
            rerunning={action.doing === 'rerun'}
            blocked={running !== null}
            onRerun={() => start(selectedStep.id)}
            onClose={() => setStep(null)}
          />
        )}
      </Panel>
      <Panel title="Runs" testId="pipeline-history">
        <AsyncStatus of={history} error={`Could not list the runs of ${name}`} />
        {history.data && <PipelineRuns runs={runs} shown={shown?.id ?? null} onShow={setShownId} />}
      </Panel>
      <YamlPanel
        file={file}
        initialIssues={check.data?.issues ?? []}
        onSaved={(result) => {
          setSaved(result);
          onChanged();
        }}
      />
    </div>
  );
}

/** What a step made, when its result line does not already say it. */
const made = (label: string | null, message: string | null): [string, ReactNode][] =>
  label && label !== message ? [['made', label]] : [];

/** An example override for the Parameters box: the file's first parameter at its default. */
function paramHint(check: PipelineCheckOut | null): string {
  const first = Object.entries(check?.params ?? {})[0];
  return first ? `${first[0]}=${String(first[1])}` : 'NAME=VALUE';
}

const cachedFrom = (run: string | null): [string, ReactNode][] =>
  run ? [['cached from run', <span className="mono">{run.slice(0, 8)}</span>]] : [];

/** The selected step: why it ran or was cached, what it made, and "Rerun from here". */
function StepDetail({
  step,
  run,
  busy,
  rerunning,
  blocked,
  onRerun,
  onClose,
}: {
  step: PipelineStepInfo;
  run: PipelineRun | null;
  busy: boolean;
  rerunning: boolean;
  blocked: boolean;
  onRerun: () => void;
  onClose: () => void;
}) {
  const sr = stepRuns(run).get(step.id) ?? null;
  const links = outputLinks(sr?.outputs ?? null);
  return (
    <section className="pl-step" aria-label={`Step ${step.id}`} data-testid="pipeline-step-detail">
      <header className="pl-step-head">
        <h3>
          <span className="pl-node-type">{step.type}</span> {step.id}{' '}
          {sr && <PipelineBadge status={sr.status} />}
        </h3>
        <div className="pl-step-actions">
          <BusyButton
            busy={rerunning}
            busyLabel="Starting…"
            disabled={busy || blocked}
            title={
              blocked
                ? 'A run of this pipeline is going'
                : `Run ${step.id} and every step after it, cached or not`
            }
            onClick={onRerun}
            testId="pipeline-rerun-from"
          >
            Rerun from here
          </BusyButton>
          <button type="button" className="btn btn-small" onClick={onClose}>
            Close
          </button>
        </div>
      </header>
      <div className="muted">{step.description ?? step.summary}</div>
      <Facts
        items={[
          [
            'reads',
            step.inputs.length ? step.inputs.map((i) => `${i.id} (${i.field})`).join(', ') : '—',
          ],
          ['duration', sr?.durationMs != null ? formatDuration(sr.durationMs) : '—'],
          [
            sr?.status === 'cached' ? 'why cached' : 'why it ran',
            sr?.reasons.length ? sr.reasons.join('; ') : '—',
          ],
          ['result', sr?.message ?? '—'],
          ...made(sr?.outputs?.label ?? null, sr?.message ?? null),
          ['key', sr?.key ? <span className="mono">{sr.key.slice(0, 16)}</span> : '—'],
          ...cachedFrom(sr?.cachedFrom ?? null),
        ]}
      />
      {sr?.error && <ErrorBanner error={sr.error} title={`Step ${step.id} failed`} />}
      {links.length > 0 && (
        <div className="pl-step-links">
          Open:{' '}
          {links.map((l, k) => (
            <span key={l.kind}>
              {k > 0 && ' · '}
              <a href={l.href}>{l.label}</a>
            </span>
          ))}
        </div>
      )}
    </section>
  );
}

/**
 * The file's YAML: loaded with pipeline:file:get, checked as it is typed (debounced pipeline:check with
 * the text), problems in place, Save writes it (pipeline:file:save).
 */
function YamlPanel({
  file,
  initialIssues,
  onSaved,
}: {
  file: string;
  initialIssues: readonly PipelineIssue[];
  onSaved: (check: PipelineCheckOut) => void;
}) {
  const api = getApi();
  const loaded = useAsync(() => api.invoke('pipeline:file:get', { file }), [file]);
  const [text, setText] = useState<string | null>(null);
  const [savedText, setSavedText] = useState<string | null>(null);
  const [issues, setIssues] = useState<readonly PipelineIssue[] | null>(null);
  const [checkError, setCheckError] = useState<Error | null>(null);
  const save = useAction();
  const shownText = text ?? loaded.data?.text ?? null;
  const baseline = savedText ?? loaded.data?.text ?? null;
  const dirty = shownText !== null && shownText !== baseline;
  const draft = useDebounced(text, 350);

  useEffect(() => {
    if (draft === null) return;
    let alive = true;
    api.invoke('pipeline:check', { file, text: draft }).then(
      (r) => {
        if (!alive) return;
        setIssues(r.issues);
        setCheckError(null);
      },
      (err: unknown) => {
        if (alive) setCheckError(toError(err));
      },
    );
    return () => {
      alive = false;
    };
  }, [api, file, draft]);

  const onSave = () => {
    if (shownText === null || save.busy) return;
    const writing = shownText;
    void save.run(() => api.invoke('pipeline:file:save', { file, text: writing }), {
      done: (result) => {
        setSavedText(writing);
        setIssues(result.issues);
        onSaved(result);
      },
    });
  };
  const shownIssues = issues ?? initialIssues;

  return (
    <Panel
      title="Pipeline file"
      className="pl-yaml"
      testId="pipeline-yaml-panel"
      actions={
        <>
          {dirty && (
            <span className="muted small" data-testid="pipeline-yaml-dirty">
              unsaved changes
            </span>
          )}
          <BusyButton
            className="btn btn-primary btn-small"
            busy={save.busy}
            busyLabel="Saving…"
            disabled={!dirty}
            onClick={onSave}
            title="Save (Ctrl+S)"
            testId="pipeline-yaml-save"
          >
            Save
          </BusyButton>
        </>
      }
    >
      <AsyncStatus of={loaded} error={`Could not read ${file}`} loading="Reading the file…" />
      {save.error && <ErrorBanner error={save.error} title={`Could not save ${file}`} />}
      {checkError && <ErrorBanner error={checkError} title="Could not check the text" />}
      {shownText !== null && (
        <PipelineEditor
          text={shownText}
          onChange={setText}
          issues={shownIssues}
          onSave={onSave}
          label={`YAML of ${file}`}
        />
      )}
    </Panel>
  );
}
