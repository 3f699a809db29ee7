import { useCallback, useEffect, useMemo, useState } from 'react';
import {
  isTrainedRun,
  type RunDetails as Run,
  type TrainPhase,
  type TrainProgress,
} from '../../../shared/contract';
import { getApi, errorMessage } from '../../api';
import { DotList, PageHeader, Panel } from '../../components/page';
import {
  EmptyState,
  ErrorBanner,
  Loading,
  NoticeBanner,
  ProgressBar,
} from '../../components/states';
import { StatusBadge } from '../../components/status-badge';
import { RegisterModel } from '../Models/register-model';
import { EvaluateButton } from '../Evaluation/evaluate-button';
import { fromHistory, mergeTables, withProgress, type EpochTable } from '../../lib/epochs';
import { formatDuration, formatNumber, formatTime } from '../../lib/format';
import { useAsync, useEvent } from '../../lib/hooks';
import { routeHref } from '../../lib/routes';
import { useAction } from '../../lib/use-action';
import { colorFor, MetricPicker, MetricsChart } from './run/metrics-chart';
import { NotesEditor, RunName, TagsEditor } from './run/run-editors';
import { Artifacts, ChildRunsPanel, KeyValues, LineageFacts, SystemFacts } from './run/run-facts';
import {
  chartSeries,
  defaultSelection,
  hasChildren,
  metricKeysOf,
  toggleKey,
} from './run/run-model';
import { BusyButton } from '../../components/busy-button';
import { phaseLabel } from './run/family-model';
import { FamilyChart, FamilyProgress, RegisterBest, useFamily } from './run/family-panel';
import { CloneButton } from './run/clone-button';
import { ResumeButton } from './run/resume-button';
import { TreeImportancePanel } from './run/importance-panel';
import { hasTreeImportance } from './run/importance-model';
import { MlflowPushButton } from '../Mlflow/push-dialog';

const ACTIVE = new Set(['queued', 'running']);
const POLL_MS = 3000;
/**
 * About one point per horizontal pixel of the chart: a longer history is downsampled by the store
 * (shape-preserving, spikes kept); runs with fewer points per metric come back whole.
 */
const CHART_MAX_POINTS = 1000;

/** The stored metric history merged with live `train:progress` events, and the latest event. */
function useLiveMetrics(run: Run, reload: () => void) {
  const [history, setHistory] = useState<EpochTable>(new Map());
  const [totalPoints, setTotalPoints] = useState<number | null>(null);
  const [live, setLive] = useState<EpochTable>(new Map());
  const [last, setLast] = useState<TrainProgress | null>(null);
  const [phase, setPhase] = useState<TrainPhase | null>(null);
  const active = ACTIVE.has(run.status);

  useEvent('train:phase', (e) => {
    if (e.runId === run.id) setPhase(e.phase);
  });

  useEvent('train:progress', (p) => {
    if (p.runId !== run.id) return;
    setLive((t) => withProgress(t, p));
    setLast(p);
  });

  // The stored history covers epochs that finished before this page subscribed; refetch it when the
  // status changes and, as a fallback for missed events, while the run is active.
  useEffect(() => {
    let alive = true;
    const fetchHistory = () =>
      getApi()
        .invoke('runs:metrics', { id: run.id, maxPoints: CHART_MAX_POINTS })
        .then((out) => {
          if (!alive) return;
          setHistory(fromHistory(out.points));
          const sampled = Object.values(out.series).filter((s) => s.downsampled);
          setTotalPoints(sampled.length ? Math.max(...sampled.map((s) => s.totalPoints)) : null);
        })
        .catch(() => undefined);
    void fetchHistory();
    if (!active)
      return () => {
        alive = false;
      };
    const timer = setInterval(() => {
      void fetchHistory();
      reload();
    }, POLL_MS);
    return () => {
      alive = false;
      clearInterval(timer);
    };
  }, [run.id, run.status, active, reload]);

  const table = useMemo(() => mergeTables(history, live), [history, live]);
  return { table, totalPoints, last, phase, active };
}

/** What a run's metric step counts: a gbdt's boosting rounds, a network's epochs, an MLflow run's steps. */
const stepWord = (run: Run) =>
  !run.config ? 'step' : run.config.model.type === 'gbdt' ? 'round' : 'epoch';

function CurvesPanel({
  run,
  table,
  totalPoints,
  latestEpoch,
}: {
  run: Run;
  table: EpochTable;
  totalPoints: number | null;
  latestEpoch: number | undefined;
}) {
  const keys = useMemo(() => metricKeysOf(table), [table]);
  // null until the user picks: the default follows the keys as they appear during training.
  const [picked, setPicked] = useState<string[] | null>(null);
  const selected = picked ?? defaultSelection(run.task, keys);
  const data = useMemo(() => chartSeries(table, selected), [table, selected]);
  const colorOf = useMemo(() => colorFor(keys), [keys]);
  // A gbdt trains model.trees rounds (its training.epochs is an ignored default); an MLflow run has no
  // planned number of steps.
  const epochs = !run.config
    ? null
    : run.config.model.type === 'gbdt'
      ? (run.config.model.trees ?? 100)
      : run.config.training.epochs;
  const step = stepWord(run);
  return (
    <Panel
      title="Metrics"
      className="span-2"
      actions={
        <span className="muted">
          {latestEpoch !== undefined
            ? `${step} ${latestEpoch}${epochs === null ? '' : ` / ${epochs}`}`
            : epochs === null
              ? ''
              : `${epochs} ${step}s`}
          {totalPoints !== null && (
            <span data-testid="run-chart-downsampled">
              {' '}
              · downsampled from {formatNumber(totalPoints)} points
            </span>
          )}
        </span>
      }
    >
      <MetricPicker
        keys={keys}
        selected={selected}
        onToggle={(k) => setPicked(toggleKey(selected, k, keys))}
        colorOf={colorOf}
      />
      <MetricsChart data={data} colorOf={colorOf} />
    </Panel>
  );
}

function RunBody({
  run,
  reload,
  onSaved,
}: {
  run: Run;
  reload: () => void;
  onSaved: (r: Run) => void;
}) {
  const { table, totalPoints, last, phase, active } = useLiveMetrics(run, reload);
  const family = hasChildren(run.kind);
  const fam = useFamily(run, family);
  const action = useAction<'cancel' | 'delete' | 'restore'>();
  const busy = action.doing;

  const act = (kind: 'cancel' | 'delete' | 'restore') =>
    action.run(
      async () => {
        if (kind === 'cancel') await getApi().invoke('train:cancel', { id: run.id });
        else if (kind === 'delete') await getApi().invoke('runs:delete', { ids: [run.id] });
        else await getApi().invoke('runs:restore', { ids: [run.id] });
      },
      {
        as: kind,
        done: reload,
        describe: (err) => `Could not ${kind} the run: ${errorMessage(err)}`,
      },
    );

  const steps = [...table.keys()].sort((a, b) => a - b);
  const lastRow = steps.length ? table.get(steps[steps.length - 1]!) : undefined;
  const shownMetrics = active && lastRow ? { ...run.metrics, ...lastRow } : run.metrics;
  const latestEpoch = last?.epoch ?? steps[steps.length - 1];
  const deleted = Boolean(run.deletedAt);
  // Evaluate, clone, resume and register need a run Lathe trained; an MLflow run has none of that.
  const trained = isTrainedRun(run) ? run : null;

  return (
    <>
      <PageHeader
        title={
          <>
            <RunName run={run} onSaved={onSaved} /> <StatusBadge status={run.status} />
          </>
        }
        subtitle={
          <DotList
            items={[
              run.kind === 'mlflow' ? (
                <span data-testid="run-logged-by-mlflow">Logged through MLflow</span>
              ) : (
                <>
                  {run.task} {run.modelType} on {run.dataset}
                </>
              ),
              `experiment ${run.experiment}`,
              `started ${formatTime(run.startedAt)}`,
              run.durationMs !== null && formatDuration(run.durationMs),
              run.parentId && (
                <>
                  {run.kind === 'fold' ? 'fold of' : run.kind === 'trial' ? 'trial of' : 'part of'}{' '}
                  <a
                    href={routeHref({ view: 'run', runId: run.parentId })}
                    data-testid="run-parent-link"
                  >
                    {run.parentId.slice(0, 8)}
                  </a>
                </>
              ),
            ]}
          />
        }
        actions={
          <>
            {!deleted && trained && <EvaluateButton key={`eval-${run.id}`} run={trained} />}
            {!deleted && trained && <CloneButton run={trained} />}
            {!deleted && trained && (
              <ResumeButton key={`resume-${run.id}`} run={trained} reload={reload} />
            )}
            {!deleted && trained && <RegisterModel key={run.id} run={trained} />}
            {family && !deleted && trained && <RegisterBest run={trained} state={fam.state} />}
            {!deleted && (
              <MlflowPushButton
                key={`mlflow-${run.id}`}
                source={run.id}
                disabledReason={
                  active ? `run ${run.id} is ${run.status}: push it once it has ended` : null
                }
              />
            )}
            {active && (
              <BusyButton
                busy={busy === 'cancel'}
                disabled={busy !== null}
                busyLabel="Cancelling…"
                className="btn btn-danger"
                onClick={() => void act('cancel')}
                testId="cancel-run"
              >
                Cancel run
              </BusyButton>
            )}
            {!active &&
              (deleted ? (
                <BusyButton
                  busy={busy === 'restore'}
                  disabled={busy !== null}
                  busyLabel="Restoring…"
                  onClick={() => void act('restore')}
                  testId="run-restore"
                >
                  Restore
                </BusyButton>
              ) : (
                <BusyButton
                  busy={busy === 'delete'}
                  disabled={busy !== null}
                  busyLabel="Deleting…"
                  className="btn btn-danger"
                  onClick={() => void act('delete')}
                  testId="run-delete"
                >
                  Delete
                </BusyButton>
              ))}
          </>
        }
      />
      {action.message && <ErrorBanner error={action.message} title="Action failed" />}
      {deleted && (
        <div data-testid="run-deleted-banner">
          <NoticeBanner
            title="Deleted"
            message={`This run was deleted ${formatTime(run.deletedAt)}: it is hidden from lists until restored, and lathe gc purges it for good.`}
          />
        </div>
      )}
      {run.error &&
        (run.status === 'failed' ? (
          <ErrorBanner error={run.error} title="Run failed" />
        ) : (
          <NoticeBanner title={`Run ${run.status}`} message={run.error} />
        ))}
      {run.warnings.map((w) => (
        <NoticeBanner key={w} title="Check this feature" message={w} />
      ))}
      {active && family && <FamilyProgress state={fam.state} />}
      {active && !family && (
        <div className="run-progress" data-testid="run-progress" data-phase={phase ?? undefined}>
          <ProgressBar
            fraction={phase && phase !== 'training' ? null : last ? last.fraction : null}
            label={
              run.status === 'queued'
                ? 'Queued…'
                : phase && phase !== 'training'
                  ? phaseLabel(phase)
                  : last
                    ? `${stepWord(run)} ${last.epoch} of ${last.epochs} · ${formatDuration(last.elapsedMs)} elapsed · ETA ${formatDuration(last.etaMs)}`
                    : phaseLabel(phase ?? 'preparing')
            }
          />
        </div>
      )}
      <div className="run-grid">
        {family ? (
          <FamilyChart state={fam.state} children={fam.children} />
        ) : (
          <CurvesPanel
            run={run}
            table={table}
            totalPoints={totalPoints}
            latestEpoch={latestEpoch}
          />
        )}
        {hasChildren(run.kind) && <ChildRunsPanel run={run} />}
        {trained && hasTreeImportance(trained) && (
          <TreeImportancePanel key={run.id} run={trained} />
        )}
        <Panel title={active ? 'Latest metrics' : 'Final metrics'}>
          {Object.keys(shownMetrics).length === 0 ? (
            <div className="muted small">
              {active ? `Metrics appear as ${stepWord(run)}s finish.` : 'No metrics recorded.'}
            </div>
          ) : (
            <KeyValues record={shownMetrics} testId="run-metrics" numeric />
          )}
        </Panel>
        <Panel title="Parameters">
          <KeyValues record={run.params} testId="run-params" />
        </Panel>
        <Panel title="Notes">
          <NotesEditor run={run} onSaved={onSaved} />
        </Panel>
        <Panel title="Tags">
          <TagsEditor run={run} onSaved={onSaved} />
        </Panel>
        <Panel title="Lineage">
          <LineageFacts run={run} />
        </Panel>
        <Panel title="System">
          <SystemFacts run={run} />
        </Panel>
        <Panel title="Artifacts" className="span-2">
          <Artifacts run={run} active={active} />
        </Panel>
      </div>
    </>
  );
}

export function RunView({ runId }: { runId: string }) {
  const run = useAsync(() => getApi().invoke('runs:get', { id: runId }), [runId]);
  // An edit returns the updated run: it is shown at once, until a reload brings newer data.
  const [edited, setEdited] = useState<{ run: Run; over: Run | null } | null>(null);
  const { reload, data } = run;
  const onSaved = useCallback(
    (r: Run) => {
      setEdited({ run: r, over: data });
      reload();
    },
    [reload, data],
  );
  useEvent('run:status', (e) => {
    if (e.runId === runId) run.reload();
  });
  const shown = edited && edited.over === data ? edited.run : data;

  return (
    <div className="page">
      <div className="breadcrumbs">
        <a href="#/experiments">Experiments</a> <span aria-hidden="true">/</span>{' '}
        <span className="mono">{runId}</span>
      </div>
      {run.status === 'loading' && !shown && <Loading label="Loading run…" />}
      {run.status === 'error' && !shown && (
        <>
          <ErrorBanner error={run.error} title="Could not load the run" onRetry={run.reload} />
          <EmptyState title="Run not available">
            <a href="#/experiments">Back to all runs</a>
          </EmptyState>
        </>
      )}
      {shown && <RunBody run={shown} reload={reload} onSaved={onSaved} />}
    </div>
  );
}
