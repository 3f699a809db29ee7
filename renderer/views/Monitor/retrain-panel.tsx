import { useMemo, useState } from 'react';
import type { Retraining, RetrainJudgeOut, RetrainProgress } from '../../../shared/contract';
import { getApi, resolveFile } from '../../api';
import { BusyButton } from '../../components/busy-button';
import { FilePicker } from '../../components/file-picker';
import { Checkbox, FormField, TextField } from '../../components/form-field';
import { Panel } from '../../components/page';
import { AsyncStatus, EmptyState, ErrorBanner } from '../../components/states';
import { StoppableProgress } from '../../components/stoppable-progress';
import { num, TableHead } from '../../components/table';
import { formatTime } from '../../lib/format';
import { handleSubmit } from '../../lib/forms';
import { useAsync, useEvent } from '../../lib/hooks';
import { routeHref } from '../../lib/routes';
import { useAction } from '../../lib/use-action';
import {
  championTimeline,
  judgeInput,
  judgeMeasures,
  VERDICT_TEXT,
  type ChampionChange,
} from './monitor-model';
import { useReloadOn, type MonitorTarget } from './monitor-target';

/** A retraining's status badge; a status this view does not know yet shows plain. */
const STATUS_BADGE: Partial<Record<string, string>> = {
  running: 'badge badge-running',
  canary: 'badge badge-running',
  registered: 'badge badge-queued',
  promoted: 'badge badge-finished',
  abandoned: 'badge badge-pruned',
  failed: 'badge badge-failed',
};
const statusBadge = (status: Retraining['status']) => STATUS_BADGE[status] ?? 'badge badge-queued';

/** Retraining history with a Retrain form, and the champion timeline with Roll back. */
export function RetrainPanel({ target }: { target: MonitorTarget }) {
  const list = useAsync(
    () => getApi().invoke('retrain:list', { model: target.model }),
    [target.model],
  );
  useReloadOn(target.revision, list.reload);
  const [judging, setJudging] = useState<Retraining | null>(null);
  return (
    <>
      <Panel title="Retraining" testId="monitor-retraining">
        <RetrainForm model={target.model} onDone={target.changed} />
        <AsyncStatus of={list} error="Could not list retrainings" testId="retrain-loading" />
        {list.data && list.data.length === 0 && (
          <EmptyState title="No retrainings yet" testId="retrain-empty">
            Retrain above, run <code>lathe retrain {target.model} --data DATASET</code>, or give an
            alert rule <code>action: retrain</code>.
          </EmptyState>
        )}
        {list.data && list.data.length > 0 && (
          <div className="table-scroll">
            <table className="table table-dense" data-testid="retrain-table">
              <TableHead
                columns={[
                  'started',
                  'trigger',
                  'status',
                  'champion → challenger',
                  'data',
                  'steps',
                  '',
                ]}
              />
              <tbody>
                {list.data.map((r) => (
                  <tr key={r.id} data-testid="retrain-row" data-id={r.id} data-status={r.status}>
                    <td className="muted">{formatTime(r.startedAt)}</td>
                    <td>
                      {r.trigger}
                      {r.reason && <span className="muted"> — {r.reason}</span>}
                    </td>
                    <td>
                      <span className={statusBadge(r.status)}>{r.status}</span>
                    </td>
                    <td>
                      {r.championVersion === null ? '—' : `v${r.championVersion}`} →{' '}
                      {r.challengerVersion === null ? '—' : `v${r.challengerVersion}`}
                      {r.runId && (
                        <>
                          {' '}
                          <a className="small" href={routeHref({ view: 'run', runId: r.runId })}>
                            run
                          </a>
                        </>
                      )}
                    </td>
                    <td className="mono">{r.dataset ?? '—'}</td>
                    <td className="retrain-steps">
                      {r.steps.map((s) => (
                        <span
                          key={s.step}
                          className={`retrain-step retrain-step-${s.status}`}
                          title={s.message}
                          aria-label={`${s.step} ${s.status}: ${s.message}`}
                        >
                          {s.step}
                        </span>
                      ))}
                      {r.error && <div className="form-error">{r.error}</div>}
                    </td>
                    <td>
                      {r.status === 'canary' && (
                        <button
                          type="button"
                          className="btn btn-small"
                          onClick={() => setJudging(r)}
                          disabled={judging?.id === r.id}
                          data-testid="retrain-judge-open"
                        >
                          Judge canary…
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {judging && (
          <JudgeCanary
            key={judging.id}
            retraining={judging}
            onClose={() => setJudging(null)}
            onJudged={(verdict) =>
              verdict === 'promoted' || verdict === 'abandoned' ? target.changed() : list.reload()
            }
          />
        )}
      </Panel>
      <ChampionPanel
        model={target.model}
        revision={target.revision}
        onRolledBack={target.changed}
      />
    </>
  );
}

/**
 * New data from a file: a typed path, or a chosen file. A chosen file is uploaded to the host when the
 * retraining starts (in the browser; Electron passes its path): the host removes an upload once imported
 * or refused, so a retry uploads it again.
 */
type NewFile = { path: string } | { picked: File };

function RetrainForm({ model, onDone }: { model: string; onDone: () => void }) {
  const [data, setData] = useState('');
  const [file, setFile] = useState<NewFile>({ path: '' });
  const [allowSchemaChange, setAllowSchemaChange] = useState(false);
  const [promote, setPromote] = useState(false);
  const run = useAction();
  const hasFile = 'picked' in file || file.path.trim() !== '';
  const problem = hasFile && data.trim() ? 'give a dataset or a file, not both' : null;
  const [last, setLast] = useState<Retraining | null>(null);
  const [progress, setProgress] = useState<RetrainProgress | null>(null);
  // The job's steps: the training's epochs, then the evaluation's stages.
  useEvent('retrain:progress', (p) => {
    if (run.busy && p.model === model) setProgress(p);
  });
  const submit = () => {
    setProgress(null);
    setLast(null);
    return run.run(
      async () => {
        const path = 'picked' in file ? await resolveFile(file.picked) : file.path.trim();
        return getApi().invoke('retrain:run', {
          model,
          trigger: 'manual',
          ...(data.trim() ? { data: data.trim() } : {}),
          // Only a file is imported: the option goes with it, never with a dataset.
          ...(path
            ? { file: path, ...(allowSchemaChange ? { allowSchemaChange: true } : {}) }
            : {}),
          ...(promote ? { promote: true } : {}),
        });
      },
      {
        done: (r) => {
          setLast(r);
          onDone();
        },
      },
    );
  };
  return (
    <>
      <form className="form-row" onSubmit={handleSubmit(submit)} data-testid="retrain-form">
        <TextField
          label="New data"
          hint="NAME or NAME@v; empty: the latest version of the champion's dataset"
          grow
          value={data}
          onChange={setData}
          spellCheck={false}
          testId="retrain-data"
        />
        <TextField
          label="or a file"
          hint="imported as a new version of the champion's dataset"
          grow
          value={'picked' in file ? file.picked.name : file.path}
          onChange={(path) => setFile({ path })}
          placeholder="/path/to/new.csv"
          spellCheck={false}
          error={problem}
          testId="retrain-file"
        />
        <FilePicker
          disabled={run.busy}
          onPick={(picked) => setFile({ picked })}
          testId="retrain-file-input"
        />
        {hasFile && (
          <FormField as="div" hint="if its columns differ">
            <Checkbox
              className="check"
              checked={allowSchemaChange}
              onChange={setAllowSchemaChange}
              testId="retrain-allow-schema-change"
            >
              accept a schema change
            </Checkbox>
          </FormField>
        )}
        <FormField as="div">
          <Checkbox
            className="check"
            checked={promote}
            onChange={setPromote}
            testId="retrain-promote"
          >
            promote when the gates hold
          </Checkbox>
        </FormField>
        <FormField as="div">
          <BusyButton
            busy={run.busy}
            busyLabel="Retraining…"
            disabled={problem !== null}
            type="submit"
            className="btn btn-primary"
            title={problem ?? undefined}
            testId="retrain-run"
          >
            Retrain
          </BusyButton>
        </FormField>
      </form>
      {run.busy && (
        <StoppableProgress
          fraction={progress?.fraction ?? null}
          label={progress?.message ?? 'Starting the retraining…'}
          onStop={() => getApi().invoke('retrain:cancel', { model })}
          stopTitle="Stop the retraining: nothing is served or promoted"
          className="import-status"
          testId="retrain-progress"
          stopTestId="retrain-stop"
        />
      )}
      {run.error && <ErrorBanner error={run.error} title="Retraining failed" />}
      {last && (
        <div
          className={last.status === 'failed' ? 'banner banner-error' : 'banner banner-ok'}
          role="status"
          data-testid="retrain-done"
        >
          Retraining {last.status}
          {last.challengerVersion !== null && `: challenger v${last.challengerVersion}`}
          {last.error && ` — ${last.error}`}
        </div>
      )}
    </>
  );
}

/**
 * Judge a retraining in `canary`: its challenger against the champion over the same period (5xx rate,
 * p99, the metric). Shows the verdict with what was compared; the history reloads after it.
 */
function JudgeCanary({
  retraining,
  onClose,
  onJudged,
}: {
  retraining: Retraining;
  onClose: () => void;
  onJudged: (verdict: RetrainJudgeOut['verdict']) => void;
}) {
  const [minRequests, setMinRequests] = useState('');
  const judge = useAction();
  const [result, setResult] = useState<RetrainJudgeOut | null>(null);
  const input = judgeInput(retraining.id, minRequests);
  const problem = 'problem' in input ? input.problem : null;
  const submit = () => {
    if ('problem' in input) return;
    void judge.run(() => getApi().invoke('retrain:judge', input), {
      done: (out) => {
        setResult(out);
        onJudged(out.verdict);
      },
    });
  };
  const verdict = result && VERDICT_TEXT[result.verdict];
  return (
    <div className="retrain-judge" data-testid="retrain-judge">
      <form className="form-row" onSubmit={handleSubmit(submit)} data-testid="retrain-judge-form">
        <TextField
          label={`Judge the canary of ${retraining.challengerVersion === null ? 'the challenger' : `v${retraining.challengerVersion}`}: min canary requests`}
          hint="empty: 200"
          numeric="numeric"
          value={minRequests}
          onChange={setMinRequests}
          error={problem ?? undefined}
          testId="retrain-judge-min"
        />
        <FormField as="div">
          <BusyButton
            busy={judge.busy}
            busyLabel="Judging…"
            disabled={problem !== null}
            type="submit"
            className="btn btn-primary"
            testId="retrain-judge-run"
          >
            Judge canary
          </BusyButton>
        </FormField>
        <FormField as="div">
          <button type="button" className="btn btn-ghost" onClick={onClose}>
            Close
          </button>
        </FormField>
      </form>
      {judge.error && <ErrorBanner error={judge.error} title="Could not judge the canary" />}
      {result && verdict && (
        <div
          className={`banner ${verdict.banner}`}
          role="status"
          data-testid="retrain-verdict"
          data-verdict={result.verdict}
        >
          <div className="banner-body">
            <strong>{verdict.title}</strong>
            <div className="banner-message">{result.message}</div>
            <table className="table table-dense" data-testid="retrain-verdict-measures">
              <TableHead columns={['', num('canary'), num('champion')]} />
              <tbody>
                {judgeMeasures(result.measured).map((m) => (
                  <tr key={m.key} data-measure={m.key}>
                    <td>{m.label}</td>
                    <td className="num">{m.canary}</td>
                    <td className="num">{m.champion}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </div>
  );
}

const CHANGE_TEXT: Record<ChampionChange['kind'], string> = {
  promote: 'promoted',
  rollback: 'rolled back',
  override: 'promoted over failed gates',
  remove: 'champion removed',
};

/** Where `champion` pointed over time (from the audit log), and Roll back with a reason. */
function ChampionPanel({
  model,
  revision,
  onRolledBack,
}: {
  model: string;
  revision: number;
  onRolledBack: () => void;
}) {
  const history = useAsync(() => getApi().invoke('models:history', { name: model }), [model]);
  useReloadOn(revision, history.reload);
  const timeline = useMemo(
    () => (history.data ? championTimeline(history.data.entries) : []),
    [history.data],
  );
  const [asking, setAsking] = useState(false);
  const [reason, setReason] = useState('');
  const rollback = useAction();
  const [done, setDone] = useState<{ from: number; to: number } | null>(null);
  const submit = () =>
    rollback.run(
      () =>
        getApi().invoke('models:rollback', {
          name: model,
          ...(reason.trim() ? { reason: reason.trim() } : {}),
        }),
      {
        done: (out) => {
          setDone(out);
          setAsking(false);
          setReason('');
          onRolledBack();
        },
      },
    );
  const champion = timeline.find((c) => c.kind !== 'override');

  return (
    <Panel
      title="Champion timeline"
      testId="monitor-champion"
      actions={
        !asking && (
          <button
            type="button"
            className="btn btn-small btn-danger"
            onClick={() => setAsking(true)}
            disabled={timeline.length === 0}
            data-testid="rollback-open"
          >
            Roll back…
          </button>
        )
      }
    >
      {asking && (
        <form className="form-row" onSubmit={handleSubmit(submit)} data-testid="rollback-form">
          <TextField
            label="Why roll back? (for the audit log)"
            grow
            value={reason}
            onChange={setReason}
            required
            testId="rollback-reason"
          />
          <FormField as="div">
            <BusyButton
              busy={rollback.busy}
              busyLabel="Rolling back…"
              disabled={!reason.trim()}
              type="submit"
              className="btn btn-danger"
              testId="rollback-confirm"
            >
              {`Point champion back${champion?.from ? ` at v${champion.from}` : ''}`}
            </BusyButton>
          </FormField>
          <FormField as="div">
            <button type="button" className="btn btn-ghost" onClick={() => setAsking(false)}>
              Cancel
            </button>
          </FormField>
        </form>
      )}
      {rollback.error && <ErrorBanner error={rollback.error} title="Could not roll back" />}
      {done && (
        <div className="banner banner-ok" role="status" data-testid="rollback-done">
          Champion rolled back from v{done.from} to v{done.to}.
        </div>
      )}
      <AsyncStatus
        of={history}
        error="Could not read the model's history"
        testId="champion-loading"
      />
      {history.data && timeline.length === 0 && (
        <EmptyState title="No champion yet" testId="champion-empty">
          Promote a version on the Models page (alias <code>champion</code>) or retrain with
          promote.
        </EmptyState>
      )}
      {timeline.length > 0 && (
        <ol className="audit-timeline" data-testid="champion-timeline">
          {timeline.map((c) => (
            <li
              key={c.id}
              className={`champion-${c.kind}`}
              data-testid="champion-change"
              data-kind={c.kind}
            >
              <span className="muted small">{formatTime(c.at)}</span>{' '}
              <span className="strong">{c.to === null ? '—' : `v${c.to}`}</span>{' '}
              {CHANGE_TEXT[c.kind]}
              {c.from !== null && <span className="muted"> (was v{c.from})</span>} by {c.actor}
              {c.reason && <span className="muted"> — {c.reason}</span>}
            </li>
          ))}
        </ol>
      )}
    </Panel>
  );
}
