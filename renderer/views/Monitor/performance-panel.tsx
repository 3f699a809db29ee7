import { useMemo, useState } from 'react';
import type { ActualsOut } from '../../../shared/contract';
import { getApi, resolveFile } from '../../api';
import { BusyButton } from '../../components/busy-button';
import { FilePicker } from '../../components/file-picker';
import { FormField, SelectField, TextField } from '../../components/form-field';
import { plainOptions } from '../../components/options';
import { Panel } from '../../components/page';
import { AsyncStatus, EmptyState, ErrorBanner } from '../../components/states';
import { num, TableHead } from '../../components/table';
import { formatCount, formatNumber } from '../../lib/format';
import { handleSubmit } from '../../lib/forms';
import { useAsync } from '../../lib/hooks';
import { useAction } from '../../lib/use-action';
import { WindowField } from './health-panel';
import { SeriesChart, type Line } from './monitor-charts';
import { parseWindow, performanceSeries } from './monitor-model';
import { capturedVersion, NoCaptures, useReloadOn, type MonitorTarget } from './monitor-target';

/** Actual (labelled) and estimated performance per window, and the form that uploads labels. */
export function PerformancePanel({ target }: { target: MonitorTarget }) {
  const [window, setWindow] = useState('day');
  const [metric, setMetric] = useState<string | null>(null);
  const spec = parseWindow(window);
  const perf = useAsync(
    () => getApi().invoke('monitor:performance', { ref: target.ref, window: spec }),
    [target.ref, window],
  );
  useReloadOn(target.revision, perf.reload);
  const series = useMemo(
    () => (perf.data ? performanceSeries(perf.data, spec) : null),
    [perf.data, spec],
  );
  const chosen = metric && series?.metrics.includes(metric) ? metric : (series?.metrics[0] ?? null);
  const lines = useMemo<Line[]>(
    () =>
      series && chosen
        ? [
            { key: 'actual', label: `${chosen} (labels)`, values: series.actual(chosen) },
            {
              key: 'estimated',
              label: `${chosen} (estimated)`,
              values: series.estimated(chosen),
              dashed: true,
            },
          ]
        : [],
    [series, chosen],
  );
  const labelled = series ? series.labelled.reduce((a, b) => a + b, 0) : 0;
  const rows = series ? series.rows.reduce((a, b) => a + b, 0) : 0;
  const captured = capturedVersion(target);

  return (
    <>
      <Panel
        title="Performance"
        testId="monitor-performance"
        actions={
          <WindowField value={window} onChange={setWindow} testId="performance-window" inline />
        }
      >
        <AsyncStatus of={perf} error="Could not compute performance" testId="performance-loading" />
        {target.captures && !captured?.rows ? (
          <NoCaptures />
        ) : (
          series &&
          perf.data && (
            <>
              <div className="form-row">
                {series.metrics.length > 0 && (
                  <SelectField
                    label="Metric"
                    value={chosen ?? ''}
                    options={plainOptions(series.metrics)}
                    onChange={setMetric}
                    testId="performance-metric"
                  />
                )}
                <p className="muted" data-testid="performance-labelled">
                  {formatCount(labelled)} of {formatCount(rows)} captured rows have a label
                </p>
              </div>
              {perf.data.estimateAssumption && (
                <p className="monitor-assumption" data-testid="performance-assumption">
                  <strong>Estimated</strong> (dashed, {perf.data.task}):{' '}
                  {perf.data.estimateAssumption}
                </p>
              )}
              {labelled === 0 && (
                <EmptyState title="No labels yet" testId="performance-no-labels">
                  Upload ground truth below (or{' '}
                  <code>
                    lathe monitor actuals {target.model} --file F --id-column C --target-column T
                  </code>
                  ): labels join captured rows by their id.
                  {perf.data.estimateAssumption ? ' Until then only the estimate is shown.' : ''}
                </EmptyState>
              )}
              {series.labels.length > 0 && chosen && (
                <>
                  <SeriesChart
                    labels={series.labels}
                    lines={lines}
                    left={chosen}
                    testId="performance-chart"
                    label={`${chosen} per window, measured on labels and estimated`}
                  />
                  <PerformanceTable series={series} metric={chosen} />
                </>
              )}
            </>
          )
        )}
      </Panel>
      <LabelsPanel model={target.model} onUploaded={target.changed} />
    </>
  );
}

function PerformanceTable({
  series,
  metric,
}: {
  series: ReturnType<typeof performanceSeries>;
  metric: string;
}) {
  const actual = series.actual(metric);
  const estimated = series.estimated(metric);
  return (
    <div className="table-scroll">
      <table className="table table-dense" data-testid="performance-table">
        <TableHead
          columns={[
            'window',
            num('rows'),
            num('labelled'),
            num(`${metric} (labels)`),
            num(`${metric} (estimated)`),
          ]}
        />
        <tbody>
          {series.labels.map((label, i) => (
            <tr key={`${label}-${i}`} data-testid="performance-row">
              <td>{label}</td>
              <td className="num">{formatCount(series.rows[i] ?? 0)}</td>
              <td className="num">{formatCount(series.labelled[i] ?? 0)}</td>
              <td className="num" data-testid="performance-actual">
                {formatNumber(actual[i])}
              </td>
              <td className="num" data-testid="performance-estimated">
                {formatNumber(estimated[i])}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Uploads late labels (a file picked in the browser goes to the host first, as the Data view's import). */
function LabelsPanel({ model, onUploaded }: { model: string; onUploaded: () => void }) {
  const [file, setFile] = useState('');
  const [idColumn, setIdColumn] = useState('');
  const [targetColumn, setTargetColumn] = useState('');
  const [done, setDone] = useState<ActualsOut | null>(null);
  const upload = useAction<'pick' | 'join'>();
  const problem = !file.trim()
    ? 'choose a labels file'
    : !idColumn.trim()
      ? 'name the id column'
      : !targetColumn.trim()
        ? 'name the label column'
        : null;

  const join = () =>
    upload.run(
      async () => {
        setDone(null);
        return getApi().invoke('monitor:actuals', {
          model,
          file: file.trim(),
          idColumn: idColumn.trim(),
          targetColumn: targetColumn.trim(),
        });
      },
      {
        as: 'join',
        done: (out) => {
          setDone(out);
          onUploaded();
        },
      },
    );

  return (
    <Panel title="Labels" testId="monitor-labels">
      <p className="muted">
        Ground truth that arrives later: a file with each prediction's id (the request id, or the
        batch job's id column) and its label. A label given again replaces the earlier one.
      </p>
      <form className="form-row" onSubmit={handleSubmit(join)}>
        <TextField
          label="Labels file"
          grow
          value={file}
          onChange={setFile}
          placeholder="/path/to/labels.csv — CSV, Parquet or JSON"
          spellCheck={false}
          testId="labels-file"
        />
        <FilePicker
          disabled={upload.busy}
          onPick={(picked) =>
            void upload.run(() => resolveFile(picked), { as: 'pick', done: setFile })
          }
          testId="labels-file-input"
        >
          {upload.doing === 'pick' ? 'Uploading…' : 'Choose file…'}
        </FilePicker>
        <TextField
          label="Id column"
          value={idColumn}
          onChange={setIdColumn}
          spellCheck={false}
          testId="labels-id-column"
        />
        <TextField
          label="Label column"
          value={targetColumn}
          onChange={setTargetColumn}
          spellCheck={false}
          testId="labels-target-column"
        />
        <FormField as="div">
          <BusyButton
            busy={upload.doing === 'join'}
            busyLabel="Joining…"
            disabled={problem !== null || upload.busy}
            type="submit"
            className="btn btn-primary"
            title={problem ?? undefined}
            testId="labels-submit"
          >
            Upload labels
          </BusyButton>
        </FormField>
      </form>
      {upload.error && <ErrorBanner error={upload.error} title="Labels were not joined" />}
      {done && (
        <div className="banner banner-ok" role="status" data-testid="labels-done">
          {formatCount(done.rows)} labels read: {formatCount(done.matched)} matched a captured
          prediction, {formatCount(done.replaced)} replaced an earlier label,{' '}
          {formatCount(done.unmatched)} matched none.
        </div>
      )}
    </Panel>
  );
}
