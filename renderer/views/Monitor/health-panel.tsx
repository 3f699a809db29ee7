import { useMemo, useState } from 'react';
import { getApi } from '../../api';
import { SelectField } from '../../components/form-field';
import { Panel } from '../../components/page';
import { AsyncStatus, EmptyState } from '../../components/states';
import { formatCount, formatPercent } from '../../lib/format';
import { useAsync } from '../../lib/hooks';
import { SeriesChart, type Line } from './monitor-charts';
import { healthSeries, parseWindow, WINDOW_CHOICES } from './monitor-model';
import { useReloadOn, type MonitorTarget } from './monitor-target';

/** The window picker of a section (hour/day/week or every N rows); `inline` for a panel's header. */
export function WindowField({
  value,
  onChange,
  testId,
  timeOnly = false,
  inline = false,
}: {
  value: string;
  onChange: (value: string) => void;
  testId: string;
  timeOnly?: boolean;
  inline?: boolean;
}) {
  const options = timeOnly
    ? WINDOW_CHOICES.filter((c) => Number.isNaN(Number(c.value)))
    : WINDOW_CHOICES;
  return (
    <SelectField
      label="Window"
      value={value}
      options={options}
      onChange={onChange}
      testId={testId}
      className={inline ? 'field-inline' : undefined}
    />
  );
}

/** `1 request`, `2,100 requests`. */
const plural = (n: number, noun: string) => `${formatCount(n)} ${noun}${n === 1 ? '' : 's'}`;

/** Volume, latency p50/p95/p99 and error rates of the version's served requests, per window. */
export function HealthPanel({ target }: { target: MonitorTarget }) {
  const [window, setWindow] = useState('hour');
  const spec = parseWindow(window);
  const health = useAsync(
    () => getApi().invoke('monitor:health', { ref: target.ref, window: spec }),
    [target.ref, window],
  );
  useReloadOn(target.revision, health.reload);
  const series = useMemo(
    () => (health.data ? healthSeries(health.data, spec) : null),
    [health.data, spec],
  );
  const volume = useMemo<Line[]>(
    () =>
      series
        ? [
            { key: 'requests', label: 'requests', values: series.requests },
            { key: 'rows', label: 'rows', values: series.rows },
            {
              key: 'errors',
              label: 'error rate',
              values: series.errorRate,
              axis: 'right',
              dashed: true,
            },
          ]
        : [],
    [series],
  );
  const latency = useMemo<Line[]>(
    () =>
      series
        ? [
            { key: 'p50', label: 'p50', values: series.p50 },
            { key: 'p95', label: 'p95', values: series.p95 },
            { key: 'p99', label: 'p99', values: series.p99 },
          ]
        : [],
    [series],
  );
  const total = series ? series.requests.reduce((a, b) => a + b, 0) : 0;
  const errors = series
    ? series.errors4xx.reduce((a, b) => a + b, 0) + series.errors5xx.reduce((a, b) => a + b, 0)
    : 0;
  return (
    <Panel
      title="Service health"
      testId="monitor-health"
      actions={
        <WindowField value={window} onChange={setWindow} testId="health-window" timeOnly inline />
      }
    >
      <AsyncStatus of={health} error="Could not read service health" testId="health-loading" />
      {series && series.labels.length === 0 && (
        <EmptyState title="No served requests yet" testId="health-empty">
          Start a server for {target.ref} (Deploy view or <code>lathe serve {target.ref}</code>):
          its volume, latency and errors appear here. Batch predictions are not requests; their rows
          show under Drift and Performance.
        </EmptyState>
      )}
      {series && series.labels.length > 0 && (
        <>
          <p className="muted" data-testid="health-summary">
            {plural(total, 'request')} in {plural(series.labels.length, 'window')} ·{' '}
            {plural(errors, 'error')} ({formatPercent(total ? errors / total : 0)})
          </p>
          <div className="grid-2">
            <SeriesChart
              labels={series.labels}
              lines={volume}
              left="requests / rows"
              right="error rate"
              testId="health-volume-chart"
              label="Requests, rows and error rate per window"
            />
            <SeriesChart
              labels={series.labels}
              lines={latency}
              left="latency (ms)"
              testId="health-latency-chart"
              label="Latency p50, p95 and p99 per window"
            />
          </div>
        </>
      )}
    </Panel>
  );
}
