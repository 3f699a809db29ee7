import { memo } from 'react';
import { routeHref } from '../../lib/routes';
import { axisPosition, axisTicks, metricColor, type Axis, type ParallelData } from './parallel';

const W = 1000;
const H = 340;
const PAD = { left: 40, right: 60, top: 34, bottom: 34 };

function axisX(i: number, n: number): number {
  return n <= 1 ? W / 2 : PAD.left + ((W - PAD.left - PAD.right) * i) / (n - 1);
}

function y(t: number): number {
  return PAD.top + (1 - t) * (H - PAD.top - PAD.bottom);
}

function AxisView({ axis, at, isMetric }: { axis: Axis; at: number; isMetric: boolean }) {
  return (
    <g className="pc-axis" data-testid="pc-axis" data-kind={axis.kind}>
      <line x1={at} x2={at} y1={y(0)} y2={y(1)} stroke="#5b6472" />
      <text x={at} y={PAD.top - 14} textAnchor="middle" className={isMetric ? 'pc-metric' : ''}>
        {axis.key}
        {axis.kind === 'log' ? ' (log)' : ''}
      </text>
      {axisTicks(axis).map((t) => (
        <g key={`${t.label}-${t.at}`}>
          <line x1={at - 3} x2={at} y1={y(t.at)} y2={y(t.at)} stroke="#5b6472" />
          <text x={at - 5} y={y(t.at) + 3} textAnchor="end" className="pc-tick">
            {t.label}
          </text>
        </g>
      ))}
    </g>
  );
}

/**
 * Parallel coordinates drawn in SVG: one axis per param (numeric, log or categorical) and the metric
 * last; one polyline per run, colored by the metric (dark low, yellow high). Hovering a line names the
 * run; clicking opens it.
 */
export const ParallelPlot = memo(function ParallelPlot({ data }: { data: ParallelData }) {
  const n = data.axes.length;
  const metricAxis = data.axes[n - 1]!;
  return (
    <div
      className="pc-plot"
      data-testid="parallel-coords"
      data-lines={data.lines.length}
      data-axes={n}
    >
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label="Parallel coordinates">
        <g fill="none" strokeWidth={data.lines.length > 100 ? 1 : 1.6} strokeOpacity={0.75}>
          {data.lines.map((l) => (
            <a key={l.runId} href={routeHref({ view: 'run', runId: l.runId })}>
              <path
                data-testid="pc-line"
                className="pc-line"
                stroke={metricColor(axisPosition(metricAxis, l.metric))}
                d={l.positions
                  .map(
                    (p, i) => `${i === 0 ? 'M' : 'L'}${axisX(i, n).toFixed(1)},${y(p).toFixed(1)}`,
                  )
                  .join('')}
              >
                <title>{`${l.name}: ${metricAxis.key} = ${l.metric}`}</title>
              </path>
            </a>
          ))}
        </g>
        {data.axes.map((a, i) => (
          <AxisView key={a.key} axis={a} at={axisX(i, n)} isMetric={i === n - 1} />
        ))}
      </svg>
    </div>
  );
});
