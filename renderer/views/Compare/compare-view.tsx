import { memo, useCallback, useDeferredValue, useMemo, useState } from 'react';
import type { RunsCompareOut } from '../../../shared/contract';
import { getApi } from '../../api';
import {
  Checkbox,
  FormField,
  SelectField,
  type SelectFieldProps,
} from '../../components/form-field';
import { plainOptions } from '../../components/options';
import { PageHeader, Panel } from '../../components/page';
import { EmptyState, ErrorBanner, Loading } from '../../components/states';
import { useAsync } from '../../lib/hooks';
import {
  decodeSeriesColumns,
  groupCurves,
  groupOf,
  MAX_SMOOTHING,
  maxPointsPerSeries,
  runColor,
  runCurves,
  stepLabel,
  type RunSeries,
  type XMode,
} from './curves';
import { DiffTable } from './diff-table';
import { type OverlaySeries } from './chart-data';
import { OverlayChart } from './overlay-chart';
import { parallelData, scatterData, type RunValues } from './parallel';
import { ParallelPlot } from './parallel-plot';
import { ScatterPlot } from './scatter-plot';

/** Most params drawn as parallel axes (those that differ first). */
const MAX_AXES = 16;

/** The metric a comparison opens on: validation loss, else loss, else the first one. */
function defaultMetric(keys: readonly string[]): string {
  return keys.find((k) => k === 'val_loss') ?? keys.find((k) => k === 'loss') ?? keys[0] ?? '';
}

/** The series of `runIds` × `keys` at `maxPoints` per series (runs:metricsManyColumns, decoded). */
function fetchSeries(runIds: string[], keys: string[], maxPoints: number): Promise<RunSeries[]> {
  return getApi()
    .invoke('runs:metricsManyColumns', { ids: runIds, keys, maxPoints })
    .then((out) => {
      performance.mark('compare:curves-loaded');
      return decodeSeriesColumns(out);
    });
}

const requestKey = (runIds: readonly string[], keys: readonly string[], maxPoints: number) =>
  JSON.stringify([runIds, keys, maxPoints]);

/** The curves asked for as soon as runs:compare answered, before the view is drawn; taken once. */
let prefetched: { key: string; series: Promise<RunSeries[]> } | null = null;

/**
 * Asks for the curves the view opens on (its default metric, by step) the moment runs:compare answers,
 * so the host reads and downsamples them while the page lays out the table, legend and plots.
 */
function prefetchCurves(compare: RunsCompareOut): void {
  const metric = defaultMetric(compare.metrics.map((m) => m.key));
  if (!metric) return;
  const runIds = compare.runs.map((r) => r.id);
  const maxPoints = maxPointsPerSeries(runIds.length);
  const series = fetchSeries(runIds, [metric], maxPoints);
  // Taken by the view, which reports a failure; unhandled until then.
  series.catch(() => undefined);
  prefetched = { key: requestKey(runIds, [metric], maxPoints), series };
}

/** The series asked for: the prefetched ones when they are these, else a new request. */
function loadSeries(runIds: string[], keys: string[], maxPoints: number): Promise<RunSeries[]> {
  const ready = prefetched;
  prefetched = null;
  if (ready && ready.key === requestKey(runIds, keys, maxPoints)) return ready.series;
  return fetchSeries(runIds, keys, maxPoints);
}

/** A control of the compare panels: a SelectField laid out in the controls row. */
function Select(props: Omit<SelectFieldProps, 'className'>) {
  return <SelectField {...props} className="compare-field" />;
}

/** The metric a panel plots. */
function MetricSelect({
  keys,
  ...props
}: { keys: readonly string[] } & Pick<SelectFieldProps, 'value' | 'onChange' | 'testId'>) {
  return <Select label="Metric" options={plainOptions(keys)} {...props} />;
}

/** Runs with their colors; clicking one hides or shows its curve. */
const RunLegend = memo(function RunLegend({
  runs,
  colors,
  hidden,
  toggle,
  setHidden,
}: {
  runs: RunsCompareOut['runs'];
  colors: readonly string[];
  hidden: ReadonlySet<string>;
  toggle: (id: string) => void;
  setHidden: (ids: ReadonlySet<string>) => void;
}) {
  return (
    <>
      <div className="legend-actions">
        <button
          type="button"
          className="btn btn-small"
          onClick={() => setHidden(new Set())}
          data-testid="legend-show-all"
        >
          Show all
        </button>
        <button
          type="button"
          className="btn btn-small"
          onClick={() => setHidden(new Set(runs.map((r) => r.id)))}
          data-testid="legend-hide-all"
        >
          Hide all
        </button>
      </div>
      {runs.map((r, i) => (
        <button
          type="button"
          key={r.id}
          className={hidden.has(r.id) ? 'legend-item legend-hidden' : 'legend-item'}
          onClick={() => toggle(r.id)}
          aria-pressed={!hidden.has(r.id)}
          data-testid="legend-item"
          data-run-id={r.id}
          title={hidden.has(r.id) ? 'Show this run' : 'Hide this run'}
        >
          <span className="run-swatch" style={{ background: colors[i] }} />
          {r.name}
        </button>
      ))}
    </>
  );
});

function Curves({ compare, colors }: { compare: RunsCompareOut; colors: string[] }) {
  const runIds = useMemo(() => compare.runs.map((r) => r.id), [compare]);
  const names = useMemo(() => compare.runs.map((r) => r.name), [compare]);
  const metricKeys = useMemo(() => compare.metrics.map((m) => m.key), [compare]);
  const paramKeys = useMemo(() => compare.params.map((p) => p.key), [compare]);
  const [metric, setMetric] = useState(() => defaultMetric(metricKeys));
  const [x, setX] = useState<XMode>('step');
  const [xMetric, setXMetric] = useState(() => metricKeys.find((k) => k !== metric) ?? metric);
  const [smoothing, setSmoothing] = useState(0);
  // The slider follows the pointer at once; the curves catch up without blocking it.
  const drawnSmoothing = useDeferredValue(smoothing);
  const [logY, setLogY] = useState(false);
  const [groupBy, setGroupBy] = useState('');
  const [hidden, setHidden] = useState<ReadonlySet<string>>(() => new Set());

  const keys = useMemo(
    () => (x === 'metric' && xMetric !== metric ? [metric, xMetric] : [metric]),
    [x, metric, xMetric],
  );
  const maxPoints = maxPointsPerSeries(runIds.length * keys.length);
  const series = useAsync(() => loadSeries(runIds, keys, maxPoints), [runIds, keys, maxPoints]);

  // No curves until the series are here: a chart of hundreds of empty datasets costs as much to set up.
  const curves = useMemo(
    () =>
      series.data
        ? runCurves(series.data, runIds, { metric, x, xMetric, smoothing: drawnSmoothing })
        : [],
    [series.data, runIds, metric, x, xMetric, drawnSmoothing],
  );
  const runs = useMemo<OverlaySeries>(
    () => ({ curves, names, colors, hidden }),
    [curves, names, colors, hidden],
  );
  const groups = useMemo(() => {
    if (!groupBy) return null;
    const params = new Map(compare.runs.map((r) => [r.id, r.params]));
    const g = groupCurves(
      curves.filter((c) => !hidden.has(c.runId)),
      (id) => groupOf(params.get(id) ?? {}, groupBy),
    );
    return { curves: g, colors: g.map((_, i) => runColor(i)) };
  }, [groupBy, compare, curves, hidden]);

  const toggle = useCallback(
    (id: string) =>
      setHidden((prev) => {
        const next = new Set(prev);
        if (next.has(id)) next.delete(id);
        else next.add(id);
        return next;
      }),
    [],
  );

  const steps = stepLabel(compare.runs.map((r) => r.modelType));
  const xLabel = x === 'step' ? steps : x === 'time' ? 'wall time (s)' : xMetric;
  const downsampled = series.data?.filter((s) => s.downsampled).length ?? 0;
  return (
    <Panel
      title="Metric curves"
      testId="compare-curves"
      actions={
        <span className="muted small" data-testid="curves-status" data-status={series.status}>
          {series.status === 'loading'
            ? 'Loading curves…'
            : downsampled > 0
              ? `${downsampled} series downsampled to ≤ ${maxPoints} points`
              : 'all points'}
        </span>
      }
    >
      <div className="compare-controls">
        <MetricSelect keys={metricKeys} value={metric} onChange={setMetric} testId="curve-metric" />
        <Select
          label="X axis"
          value={x}
          options={[
            { value: 'step', label: steps },
            { value: 'time', label: 'relative wall time' },
            { value: 'metric', label: 'another metric' },
          ]}
          onChange={(v) => setX(v as XMode)}
          testId="curve-x"
        />
        {x === 'metric' && (
          <Select
            label="X metric"
            value={xMetric}
            options={plainOptions(metricKeys)}
            onChange={setXMetric}
            testId="curve-x-metric"
          />
        )}
        <FormField
          className="compare-field"
          label={
            <>
              Smoothing <span className="mono">{smoothing.toFixed(2)}</span>
            </>
          }
        >
          <input
            type="range"
            min={0}
            max={MAX_SMOOTHING}
            step={0.01}
            value={smoothing}
            onChange={(e) => setSmoothing(Number(e.target.value))}
            data-testid="curve-smoothing"
          />
        </FormField>
        <Select
          label="Group by"
          value={groupBy}
          options={[{ value: '', label: 'none (one curve per run)' }, ...plainOptions(paramKeys)]}
          onChange={setGroupBy}
          testId="curve-group"
        />
        <Checkbox className="compare-check" checked={logY} onChange={setLogY} testId="curve-log-y">
          log y
        </Checkbox>
      </div>
      {series.status === 'error' && (
        <ErrorBanner
          error={series.error}
          title="Could not load the curves"
          onRetry={series.reload}
        />
      )}
      <div className="compare-chart-row">
        <OverlayChart
          runs={runs}
          groups={groups}
          x={x}
          xLabel={xLabel}
          yLabel={metric}
          logY={logY}
          smoothing={drawnSmoothing}
        />
        <div className="compare-legend" data-testid="compare-legend">
          {groups ? (
            groups.curves.map((g, i) => (
              <div key={g.group} className="legend-item" data-testid="legend-group">
                <span className="run-swatch" style={{ background: groups.colors[i] }} />
                {groupBy} = {g.group} <span className="muted">({g.runIds.length})</span>
              </div>
            ))
          ) : (
            <RunLegend
              runs={compare.runs}
              colors={colors}
              hidden={hidden}
              toggle={toggle}
              setHidden={setHidden}
            />
          )}
        </div>
      </div>
    </Panel>
  );
}

function HyperparamPlots({ compare, colors }: { compare: RunsCompareOut; colors: string[] }) {
  const metricKeys = useMemo(() => compare.metrics.map((m) => m.key), [compare]);
  const axisKeys = useMemo(() => {
    const differ = compare.params.filter((p) => p.differs).map((p) => p.key);
    return (differ.length > 0 ? differ : compare.params.map((p) => p.key)).slice(0, MAX_AXES);
  }, [compare]);
  const runValues = useMemo<RunValues[]>(
    () =>
      compare.runs.map((r) => ({ id: r.id, name: r.name, params: r.params, metrics: r.metrics })),
    [compare],
  );
  const colorOf = useMemo(
    () => new Map(compare.runs.map((r, i) => [r.id, colors[i]!])),
    [compare, colors],
  );
  const [metric, setMetric] = useState(() => defaultMetric(metricKeys));
  const [param, setParam] = useState(() => axisKeys[0] ?? '');
  const pc = useMemo(
    () => parallelData(runValues, axisKeys, metric),
    [runValues, axisKeys, metric],
  );
  const scatter = useMemo(
    () => (param ? scatterData(runValues, param, metric) : null),
    [runValues, param, metric],
  );
  return (
    <Panel title="Hyperparameters vs metric" testId="compare-hyperparams">
      <div className="compare-controls">
        <MetricSelect keys={metricKeys} value={metric} onChange={setMetric} testId="hp-metric" />
        <Select
          label="Scatter param"
          value={param}
          options={plainOptions(compare.params.map((p) => p.key))}
          onChange={setParam}
          testId="hp-param"
        />
      </div>
      {axisKeys.length === 0 || !metric ? (
        <EmptyState title="Nothing to plot">
          These runs need params and a metric for parallel coordinates.
        </EmptyState>
      ) : (
        <ParallelPlot key={`${metric}|${axisKeys.join('|')}`} data={pc} />
      )}
      {scatter && <ScatterPlot data={scatter} metric={metric} colors={colorOf} />}
    </Panel>
  );
}

function CompareBody({ compare }: { compare: RunsCompareOut }) {
  const [onlyDiffs, setOnlyDiffs] = useState(false);
  const colors = useMemo(() => compare.runs.map((_, i) => runColor(i)), [compare]);
  const differing = compare.params.filter((p) => p.differs).length;
  const experiments = new Set(compare.runs.map((r) => r.experiment)).size;
  return (
    <>
      <PageHeader
        title="Compare runs"
        subtitle={`${compare.runs.length} runs${experiments > 1 ? ` from ${experiments} experiments` : ''} · ${differing} of ${compare.params.length} params differ`}
      />
      <Panel
        title="Params and metrics"
        testId="compare-params"
        actions={
          <Checkbox
            className="compare-check"
            checked={onlyDiffs}
            onChange={setOnlyDiffs}
            testId="only-diffs"
          >
            only differences
          </Checkbox>
        }
      >
        <DiffTable compare={compare} onlyDiffs={onlyDiffs} colors={colors} />
      </Panel>
      {compare.metrics.length === 0 ? (
        <EmptyState title="No metrics logged" testId="compare-no-metrics">
          None of these runs has logged a metric yet.
        </EmptyState>
      ) : (
        <>
          <Curves compare={compare} colors={colors} />
          <HyperparamPlots compare={compare} colors={colors} />
        </>
      )}
    </>
  );
}

/** `#/compare?ids=…`: 2 to 500 runs, from any experiments, side by side. */
export function CompareView({ ids }: { ids: string[] }) {
  const enough = ids.length >= 2 && ids.length <= 500;
  const state = useAsync(
    () =>
      enough
        ? getApi()
            .invoke('runs:compare', { ids })
            .then((out) => {
              performance.mark('compare:runs-loaded');
              prefetchCurves(out);
              return out;
            })
        : Promise.resolve<RunsCompareOut | null>(null),
    [ids],
  );
  return (
    <div className="page compare-view" data-testid="compare-view">
      <div className="breadcrumbs">
        <a href="#/experiments">Experiments</a> / <span>Compare</span>
      </div>
      {!enough ? (
        <EmptyState title="Pick 2 to 500 runs to compare" testId="compare-empty">
          Select runs in the Experiments table, or open{' '}
          <code>#/compare?ids=&lt;id1&gt;,&lt;id2&gt;</code>. This link has {ids.length}.
        </EmptyState>
      ) : state.status === 'error' ? (
        <ErrorBanner
          error={state.error}
          title="Could not compare these runs"
          onRetry={state.reload}
        />
      ) : state.data ? (
        <CompareBody key={state.data.runs.map((r) => r.id).join(',')} compare={state.data} />
      ) : (
        <Loading label={`Loading ${ids.length} runs…`} />
      )}
    </div>
  );
}
