import { useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { CaptureSource, DriftIn, DriftOut, FeatureDrift } from '../../../shared/contract';
import { getApi } from '../../api';
import { BusyButton } from '../../components/busy-button';
import { FormField, SelectField, TextField } from '../../components/form-field';
import { Facts, Panel } from '../../components/page';
import { AsyncStatus, EmptyState, ErrorBanner } from '../../components/states';
import {
  formatCount,
  formatDuration,
  formatNumber,
  formatPercent,
  formatTime,
} from '../../lib/format';
import { useAsync } from '../../lib/hooks';
import { saveFile } from '../../lib/save-file';
import { useAction } from '../../lib/use-action';
import { WindowField } from './health-panel';
import { DistributionChart, StackedChart } from './monitor-charts';
import {
  BATCH_WINDOW_CHOICES,
  compareDistributions,
  driftInput,
  heatmapModel,
  moveInHeatmap,
  parseWindow,
  predictionSeries,
  type CellAt,
  type CurrentData,
  type Heatmap,
  type HeatmapCell,
} from './monitor-model';
import { capturedVersion, NoCaptures, useReloadOn, type MonitorTarget } from './monitor-target';

const KINDS = [
  { value: 'captured', label: 'Captured rows' },
  { value: 'batch', label: 'One batch job' },
  { value: 'dataset', label: 'A dataset version' },
];

/** Drift of the version's current data against its stored reference: heatmap, distributions, report. */
export function DriftPanel({ target }: { target: MonitorTarget }) {
  const [current, setCurrent] = useState<CurrentData>({
    kind: 'captured',
    from: '',
    to: '',
    window: 'day',
  });
  const input = driftInput(target.ref, current);
  const ready = !('problem' in input);
  const drift = useAsync(
    () => (ready ? getApi().invoke('monitor:drift', input) : Promise.resolve(null)),
    [input],
  );
  useReloadOn(target.revision, drift.reload);
  const [open, setOpen] = useState<{ feature: string; window: number } | null>(null);
  const captured = capturedVersion(target);
  const noRows = current.kind === 'captured' && target.captures !== null && !captured?.rows;
  const window = 'problem' in input ? undefined : input.window;
  const heatmap = useMemo(
    () => (drift.data ? heatmapModel(drift.data, window) : null),
    [drift.data, window],
  );

  return (
    <>
      <Panel
        title="Drift"
        testId="monitor-drift"
        actions={ready && drift.data ? <DownloadReport input={input} result={drift.data} /> : null}
      >
        <CurrentDataPicker
          target={target}
          value={current}
          onChange={(next) => {
            setOpen(null);
            setCurrent(next);
          }}
        />
        {'problem' in input && <p className="form-error">{input.problem}</p>}
        {captured && !captured.hasReference && (
          <EmptyState title={`No reference stored for ${target.ref}`} testId="drift-no-reference">
            Drift compares with the reference stored when the version was registered. Set one from a
            dataset version with <strong>Set reference from dataset</strong> in the Reference panel
            below.
          </EmptyState>
        )}
        {noRows ? (
          <NoCaptures />
        ) : (
          <>
            <AsyncStatus of={drift} error="Could not compute drift" testId="drift-loading" />
            {drift.data && heatmap && (
              <>
                <DriftSummary drift={drift.data} />
                <HeatmapTable heatmap={heatmap} open={open} onOpen={setOpen} />
              </>
            )}
          </>
        )}
      </Panel>
      {drift.data && heatmap && open && (
        <CellDetail
          key={`${open.feature}:${open.window}`}
          base={input as DriftIn}
          drift={drift.data}
          heatmap={heatmap}
          open={open}
          onClose={() => setOpen(null)}
        />
      )}
      {drift.data && <PredictionPanel drift={drift.data} window={window} />}
    </>
  );
}

function CurrentDataPicker({
  target,
  value,
  onChange,
}: {
  target: MonitorTarget;
  value: CurrentData;
  onChange: (value: CurrentData) => void;
}) {
  const batches: CaptureSource[] =
    target.captures?.sources.filter((s) => s.kind === 'batch' && s.version === target.version) ??
    [];
  const datasets = useAsync(() => getApi().invoke('data:list', {}), []);
  const kindField = (
    <SelectField
      label="Current data"
      value={value.kind}
      options={KINDS}
      onChange={(kind) =>
        onChange(
          kind === 'batch'
            ? { kind, batch: batches[0]?.id ?? '', window: '' }
            : kind === 'dataset'
              ? { kind, dataset: datasets.data?.[0]?.name ?? '', version: '' }
              : { kind: 'captured', from: '', to: '', window: 'day' },
        )
      }
      testId="drift-current-kind"
    />
  );
  return (
    <div className="form-row" data-testid="drift-current">
      {kindField}
      {value.kind === 'captured' && (
        <>
          {(['from', 'to'] as const).map((end) => (
            <FormField key={end} label={end === 'from' ? 'From (UTC)' : 'To (UTC)'} hint="optional">
              <input
                type="datetime-local"
                value={value[end]}
                onChange={(e) => onChange({ ...value, [end]: e.target.value })}
                data-testid={`drift-${end}`}
              />
            </FormField>
          ))}
          <WindowField
            value={value.window}
            onChange={(w) => onChange({ ...value, window: w })}
            testId="drift-window"
          />
        </>
      )}
      {value.kind === 'batch' &&
        (batches.length ? (
          <>
            <SelectField
              label="Batch job"
              value={value.batch}
              options={batches.map((b) => ({
                value: b.id,
                label: `${b.detail.split(/[\\/]/).pop() ?? b.id} · ${formatCount(b.rows)} rows · ${formatTime(b.from)}`,
              }))}
              onChange={(batch) => onChange({ ...value, batch })}
              testId="drift-batch"
            />
            <SelectField
              label="Window"
              value={value.window}
              options={BATCH_WINDOW_CHOICES}
              onChange={(window) => onChange({ ...value, window })}
              testId="drift-batch-window"
            />
          </>
        ) : (
          <p className="muted" data-testid="drift-no-batches">
            No batch job of {target.ref} captured rows yet: run{' '}
            <code>lathe predict {target.ref}</code>.
          </p>
        ))}
      {value.kind === 'dataset' && (
        <>
          <SelectField
            label="Dataset"
            value={value.dataset}
            options={(datasets.data ?? []).map((d) => ({
              value: d.name,
              label: `${d.name} (latest v${d.latest.version})`,
            }))}
            onChange={(dataset) => onChange({ kind: 'dataset', dataset, version: '' })}
            disabled={!datasets.data?.length}
            testId="drift-dataset"
          />
          <TextField
            label="Version"
            hint="empty: the latest"
            numeric="numeric"
            value={value.version}
            onChange={(version) => onChange({ ...value, version })}
            testId="drift-dataset-version"
          />
        </>
      )}
    </div>
  );
}

function DriftSummary({ drift }: { drift: DriftOut }) {
  const drifted = drift.features.filter((f) => f.drifted).length;
  return (
    <div
      className={drift.datasetDrift ? 'banner banner-error' : 'banner banner-ok'}
      role="status"
      data-testid="drift-summary"
      data-drift={String(drift.datasetDrift)}
    >
      <div className="banner-body">
        <strong>{drift.datasetDrift ? 'Dataset drift' : 'No dataset drift'}</strong> {drifted} of{' '}
        {drift.features.length} features drifted ({formatPercent(drift.driftShare)}; dataset drift
        from {formatPercent(drift.shareThreshold)}) · {formatCount(drift.current.rows)}{' '}
        {drift.current.kind} rows ({drift.current.source}) against a reference of{' '}
        {formatCount(drift.reference.rows)} rows
        {drift.reference.exact ? ' (exact tests)' : ' (sketches)'} ·{' '}
        {formatDuration(drift.durationMs)}
      </div>
    </div>
  );
}

/**
 * Features (rows) × windows (columns), each cell a button that opens the feature's distributions in that
 * window. Tab reaches every cell; its label says the statistic and whether it drifted.
 */
function HeatmapTable({
  heatmap,
  open,
  onOpen,
}: {
  heatmap: Heatmap;
  open: { feature: string; window: number } | null;
  onOpen: (cell: { feature: string; window: number }) => void;
}) {
  const tableRef = useRef<HTMLTableElement>(null);
  // One cell is in the Tab order (a roving tabindex); the arrow keys move it (moveInHeatmap).
  const [active, setActive] = useState<CellAt | null>(null);
  const first = moveInHeatmap(heatmap, { row: 0, col: -1 }, 'Home', true);
  const current = active && heatmap.rows[active.row]?.cells[active.col] ? active : first;
  const onKeyDown = (e: KeyboardEvent<HTMLTableElement>) => {
    const at = (e.target as HTMLElement).dataset.cell?.split(':').map(Number);
    if (!at || at.length !== 2) return;
    const next = moveInHeatmap(heatmap, { row: at[0]!, col: at[1]! }, e.key, e.ctrlKey);
    if (!next) return;
    e.preventDefault();
    setActive(next);
    tableRef.current
      ?.querySelector<HTMLButtonElement>(`[data-cell="${next.row}:${next.col}"]`)
      ?.focus();
  };
  if (heatmap.rows.length === 0)
    return <p className="muted">The reference has no input features to compare.</p>;
  return (
    <div className="table-scroll">
      <table
        ref={tableRef}
        className="drift-heatmap"
        data-testid="drift-heatmap"
        data-windows={heatmap.columns.length}
        onKeyDown={onKeyDown}
      >
        <caption className="visually-hidden">
          Drift per feature and window; the arrow keys move between cells, Enter compares a
          cell&apos;s distributions
        </caption>
        <thead>
          <tr>
            <th scope="col">feature</th>
            <th scope="col">method</th>
            {heatmap.columns.map((c) => (
              <th
                key={c.index}
                scope="col"
                className={c.datasetDrift ? 'heat-col-drift' : undefined}
                title={`${formatCount(c.rows)} rows · ${formatPercent(c.driftShare)} of features drifted`}
              >
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {heatmap.rows.map((r, row) => (
            <tr key={r.feature} data-testid={`heat-row-${r.feature}`}>
              <th scope="row" className="mono">
                {r.feature}
              </th>
              <td className="muted small">{r.method ?? '—'}</td>
              {r.cells.map((cell, col) => (
                <td key={heatmap.columns[col]!.index}>
                  {cell ? (
                    <HeatCell
                      cell={cell}
                      at={`${row}:${col}`}
                      tabbable={current?.row === row && current.col === col}
                      selected={open?.feature === cell.feature && open.window === cell.window}
                      onOpen={(c) => {
                        setActive({ row, col });
                        onOpen(c);
                      }}
                    />
                  ) : (
                    <span className="heat-cell heat-none" aria-label="no result">
                      ·
                    </span>
                  )}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function HeatCell({
  cell,
  at,
  tabbable,
  selected,
  onOpen,
}: {
  cell: HeatmapCell;
  /** `row:col`, for the arrow keys. */
  at: string;
  tabbable: boolean;
  selected: boolean;
  onOpen: (cell: { feature: string; window: number }) => void;
}) {
  return (
    <button
      type="button"
      className={`heat-cell heat-${cell.level}`}
      aria-label={cell.label}
      aria-pressed={selected}
      tabIndex={tabbable ? 0 : -1}
      data-cell={at}
      title={cell.label}
      onClick={() => onOpen({ feature: cell.feature, window: cell.window })}
      data-testid={`heat-cell-${cell.feature}-${cell.window}`}
      data-drifted={String(cell.drifted)}
      data-level={cell.level}
    >
      {formatNumber(cell.statistic)}
    </button>
  );
}

/** One cell opened: the feature's reference and current distributions side by side, and its test. */
function CellDetail({
  base,
  drift,
  heatmap,
  open,
  onClose,
}: {
  base: DriftIn;
  drift: DriftOut;
  heatmap: Heatmap;
  open: { feature: string; window: number };
  onClose: () => void;
}) {
  const column = heatmap.columns.find((c) => c.index === open.window);
  // A window's distributions come from drift over that window's rows alone (windows keep statistics
  // only): a window of N rows by their positions (its rows may share one time, as a batch job's do), a
  // window of time by its span.
  const first = column?.firstRow;
  const windowed = open.window >= 0 && (first !== undefined || (column?.start && column.end));
  const detail = useAsync(async (): Promise<FeatureDrift | null> => {
    const result = windowed
      ? await getApi().invoke('monitor:drift', {
          ...base,
          window: undefined,
          ...(first !== undefined
            ? { rows: { from: first, to: first + column!.rows } }
            : { range: { from: column!.start!, to: column!.end! } }),
        })
      : drift;
    return result.features.find((f) => f.feature === open.feature) ?? null;
  }, [open, windowed ? (column?.start ?? null) : null, first]);
  const f = detail.data;
  const bars = useMemo(() => (f ? compareDistributions(f.reference, f.current) : null), [f]);
  return (
    <Panel
      title={
        <>
          <span className="mono">{open.feature}</span>
          <span className="muted"> · {column?.label ?? ''}</span>
        </>
      }
      testId="drift-detail"
      actions={
        <button type="button" className="btn btn-small btn-ghost" onClick={onClose}>
          Close
        </button>
      }
    >
      <AsyncStatus of={detail} error="Could not read the feature's distributions" />
      {detail.status === 'ready' && !f && (
        <p className="muted">No result for {open.feature} in this window.</p>
      )}
      {f && bars && (
        <div className="drift-detail">
          <div data-testid="drift-detail-facts" data-drifted={String(f.drifted)}>
            <Facts
              items={[
                [
                  'Method',
                  <span key="m" className="mono" data-testid="drift-detail-method">
                    {f.method}
                  </span>,
                ],
                [
                  'Statistic',
                  <span key="s" data-testid="drift-detail-statistic">
                    {formatNumber(f.statistic)}
                  </span>,
                ],
                ['p-value', f.pValue === undefined ? '—' : formatNumber(f.pValue)],
                ['Threshold', formatNumber(f.threshold)],
                [
                  'Drift',
                  <span
                    key="d"
                    className={f.drifted ? 'badge badge-failed' : 'badge badge-finished'}
                  >
                    {f.drifted ? 'drifted' : f.warn ? 'warning' : 'no drift'}
                  </span>,
                ],
                ['Current rows', formatCount(f.currentRows)],
                ['Current nulls', formatPercent(f.currentNullRate)],
              ]}
            />
          </div>
          <DistributionChart bars={bars} feature={f.feature} />
        </div>
      )}
    </Panel>
  );
}

/** The prediction's distribution per window (when the windows carry it), else reference vs current. */
function PredictionPanel({
  drift,
  window,
}: {
  drift: DriftOut;
  window: ReturnType<typeof parseWindow> | undefined;
}) {
  const series = useMemo(() => predictionSeries(drift.windows, window), [drift.windows, window]);
  const whole = drift.prediction;
  const bars = useMemo(
    () => (whole ? compareDistributions(whole.reference, whole.current) : null),
    [whole],
  );
  return (
    <Panel title="Predictions over time" testId="monitor-predictions">
      {series.labels.length > 0 ? (
        <StackedChart data={series} testId="prediction-chart" />
      ) : whole && bars ? (
        <>
          <p className="muted">
            The prediction against the validation rows ({whole.method}{' '}
            {formatNumber(whole.statistic)}, {whole.drifted ? 'drifted' : 'no drift'}); cut the
            captured rows into windows to see it over time.
          </p>
          <DistributionChart bars={bars} feature="the prediction" />
        </>
      ) : (
        <p className="muted" data-testid="prediction-empty">
          No prediction distribution for this data: the reference keeps none (an imported model) or
          no window has predictions.
        </p>
      )}
    </Panel>
  );
}

/** "Download HTML report": the same drift as a standalone page (no raw rows). */
function DownloadReport({ input, result }: { input: DriftIn; result: DriftOut }) {
  const download = useAction();
  return (
    <>
      <BusyButton
        busy={download.busy}
        busyLabel="Preparing…"
        className="btn btn-small"
        testId="drift-download-html"
        onClick={() =>
          void download.run(async () => {
            const { html } = await getApi().invoke('monitor:driftHtml', input);
            saveFile(
              `drift-${result.model}-v${result.version}.html`.replace(/[^A-Za-z0-9_.-]+/g, '_'),
              html,
              'text/html;charset=utf-8',
            );
          })
        }
      >
        Download HTML report
      </BusyButton>
      {download.error && <ErrorBanner error={download.error} title="Could not write the report" />}
    </>
  );
}
