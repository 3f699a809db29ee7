import { useEffect, useMemo, useState } from 'react';
import type { Run, TrainProgress } from '../../../shared/contract';
import { getApi, errorMessage } from '../../api';
import { RunChart, type EpochPoint } from '../../charts/run-chart';
import { Facts, PageHeader, Panel } from '../../components/page';
import {
  EmptyState,
  ErrorBanner,
  Loading,
  NoticeBanner,
  ProgressBar,
} from '../../components/states';
import { StatusBadge } from '../../components/status-badge';
import {
  fromHistory,
  mergeTables,
  metricKeys,
  withProgress,
  type EpochTable,
} from '../../lib/epochs';
import { formatBytes, formatDuration, formatNumber, formatTime } from '../../lib/format';
import { useAsync, useEvent } from '../../lib/hooks';
import { chartMetric } from '../../lib/metrics';

const ACTIVE = new Set(['queued', 'running']);
const POLL_MS = 3000;
/**
 * About one point per horizontal pixel of the training-curves chart: a longer history is downsampled by
 * the store (shape-preserving, spikes kept); runs with fewer points per metric come back whole.
 */
const CHART_MAX_POINTS = 1000;

function Lineage({ run }: { run: Run }) {
  const l = run.lineage;
  return (
    <Facts
      items={[
        ['Dataset', `${l.dataset} v${l.datasetVersion}`],
        [
          'Dataset hash',
          <code key="dh" title={l.datasetHash}>
            {l.datasetHash.slice(0, 16)}
          </code>,
        ],
        [
          'Config hash',
          <code key="ch" title={l.configHash}>
            {l.configHash.slice(0, 16)}
          </code>,
        ],
        ['Seed', String(l.seed)],
        ['Backend', l.backend ?? '—'],
        ['Lathe version', l.latheVersion],
      ]}
    />
  );
}

function KeyValues({
  record,
  testId,
  numeric,
}: {
  record: Record<string, string | number>;
  testId: string;
  numeric?: boolean;
}) {
  const entries = Object.entries(record).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return <div className="muted small">None recorded.</div>;
  return (
    <table className="table table-dense kv" data-testid={testId}>
      <tbody>
        {entries.map(([k, v]) => (
          <tr key={k}>
            <td className="mono">{k}</td>
            <td className={numeric ? 'num strong' : 'mono'}>
              {typeof v === 'number' ? formatNumber(v) : v}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function RunBody({ run, reload }: { run: Run; reload: () => void }) {
  const [history, setHistory] = useState<EpochTable>(new Map());
  const [totalPoints, setTotalPoints] = useState<number | null>(null);
  const [live, setLive] = useState<EpochTable>(new Map());
  const [last, setLast] = useState<TrainProgress | null>(null);
  const [cancelling, setCancelling] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const active = ACTIVE.has(run.status);

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
  const metricKey = useMemo(
    () => chartMetric(run.task, [...metricKeys(table), ...Object.keys(run.metrics)]),
    [table, run.task, run.metrics],
  );
  const points = useMemo<EpochPoint[]>(
    () =>
      [...table.entries()]
        .sort(([a], [b]) => a - b)
        .filter(([, row]) => row.loss !== undefined || row.val_loss !== undefined)
        .map(([epoch, row]) => ({
          epoch,
          loss: row.loss ?? null,
          valLoss: row.val_loss ?? null,
          metric: metricKey ? (row[metricKey] ?? null) : null,
        })),
    [table, metricKey],
  );

  async function cancel() {
    setCancelling(true);
    setActionError(null);
    try {
      await getApi().invoke('train:cancel', { id: run.id });
      reload();
    } catch (err) {
      setActionError(errorMessage(err));
      setCancelling(false);
    }
  }

  const lastRow = [...table.entries()].sort(([a], [b]) => b - a)[0]?.[1];
  const shownMetrics = active && lastRow ? { ...run.metrics, ...lastRow } : run.metrics;
  const epochs = run.config.training.epochs;
  const latestEpoch = last?.epoch ?? (points.length ? points[points.length - 1]?.epoch : undefined);

  return (
    <>
      <PageHeader
        title={
          <>
            {run.name} <StatusBadge status={run.status} />
          </>
        }
        subtitle={
          <>
            {run.task} {run.modelType} on {run.dataset} · experiment {run.experiment} · started{' '}
            {formatTime(run.startedAt)}
            {run.durationMs !== null && <> · {formatDuration(run.durationMs)}</>}
          </>
        }
        actions={
          active && (
            <button
              type="button"
              className="btn btn-danger"
              onClick={() => void cancel()}
              disabled={cancelling}
              data-testid="cancel-run"
            >
              {cancelling ? 'Cancelling…' : 'Cancel run'}
            </button>
          )
        }
      />
      {actionError && <ErrorBanner error={actionError} title="Could not cancel" />}
      {run.error &&
        (run.status === 'failed' ? (
          <ErrorBanner error={run.error} title="Run failed" />
        ) : (
          <NoticeBanner title={`Run ${run.status}`} message={run.error} />
        ))}
      {run.warnings.map((w) => (
        <NoticeBanner key={w} title="Check this feature" message={w} />
      ))}
      {active && (
        <div className="run-progress">
          <ProgressBar
            fraction={last ? last.fraction : null}
            label={
              last
                ? `epoch ${last.epoch} of ${last.epochs} · ${formatDuration(last.elapsedMs)} elapsed · ETA ${formatDuration(last.etaMs)}`
                : run.status === 'queued'
                  ? 'Queued…'
                  : 'Preparing data…'
            }
          />
        </div>
      )}
      <div className="run-grid">
        <Panel
          title="Training curves"
          className="span-2"
          actions={
            <span className="muted">
              {latestEpoch !== undefined ? `epoch ${latestEpoch} / ${epochs}` : `${epochs} epochs`}
              {totalPoints !== null && (
                <span data-testid="run-chart-downsampled">
                  {' '}
                  · downsampled from {formatNumber(totalPoints)} points
                </span>
              )}
            </span>
          }
        >
          <RunChart points={points} metricKey={metricKey} />
        </Panel>
        <Panel title={active ? 'Latest metrics' : 'Final metrics'}>
          {Object.keys(shownMetrics).length === 0 ? (
            <div className="muted small">
              {active ? 'Metrics appear as epochs finish.' : 'No metrics recorded.'}
            </div>
          ) : (
            <KeyValues record={shownMetrics} testId="run-metrics" numeric />
          )}
        </Panel>
        <Panel title="Parameters">
          <KeyValues record={run.params} testId="run-params" />
        </Panel>
        <Panel title="Lineage">
          <Lineage run={run} />
        </Panel>
        <Panel title="Artifacts">
          {run.artifacts.length === 0 ? (
            <div className="muted small">
              {active ? 'Written when the run finishes.' : 'No artifacts.'}
            </div>
          ) : (
            <table className="table table-dense" data-testid="run-artifacts">
              <tbody>
                {run.artifacts.map((a) => (
                  <tr key={a.path}>
                    <td className="mono">{a.path}</td>
                    <td className="num">{formatBytes(a.sizeBytes)}</td>
                    <td className="mono muted" title={a.sha256}>
                      {a.sha256.slice(0, 10)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Panel>
      </div>
    </>
  );
}

export function RunView({ runId }: { runId: string }) {
  const run = useAsync(() => getApi().invoke('runs:get', { id: runId }), [runId]);
  useEvent('run:status', (e) => {
    if (e.runId === runId) run.reload();
  });

  return (
    <div className="page">
      <div className="breadcrumbs">
        <a href="#/experiments">Experiments</a> <span aria-hidden="true">/</span>{' '}
        <span className="mono">{runId}</span>
      </div>
      {run.status === 'loading' && !run.data && <Loading label="Loading run…" />}
      {run.status === 'error' && !run.data && (
        <>
          <ErrorBanner error={run.error} title="Could not load the run" onRetry={run.reload} />
          <EmptyState title="Run not available">
            <a href="#/experiments">Back to all runs</a>
          </EmptyState>
        </>
      )}
      {run.data && <RunBody run={run.data} reload={run.reload} />}
    </div>
  );
}
