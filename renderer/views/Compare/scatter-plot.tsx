import { memo } from 'react';
import { routeHref } from '../../lib/routes';
import { axisPosition, axisTicks, inset, metricAxis, type ScatterData } from './parallel';

const W = 1000;
const H = 320;
const PAD = { left: 70, right: 20, top: 14, bottom: 46 };

/** A param (x; numeric, log or categorical) against a metric (y), one dot per run, in SVG. */
export const ScatterPlot = memo(function ScatterPlot({
  data,
  metric,
  colors,
}: {
  data: ScatterData;
  metric: string;
  colors: ReadonlyMap<string, string>;
}) {
  const yAxis = metricAxis(
    metric,
    data.points.map((p) => p.y),
  );
  const xAxis = data.axis;
  const px = (x: number) => {
    const t =
      data.axis.kind === 'categorical'
        ? (x + 0.5) / Math.max(1, data.axis.categories.length)
        : inset(axisPosition(xAxis, x));
    return PAD.left + t * (W - PAD.left - PAD.right);
  };
  const yAt = (t: number) => PAD.top + (1 - inset(t)) * (H - PAD.top - PAD.bottom);
  const py = (v: number) => yAt(axisPosition(yAxis, v));
  const xTicks =
    data.axis.kind === 'categorical'
      ? data.axis.categories.map((c, i) => ({ x: px(i), label: c }))
      : axisTicks(xAxis).map((t) => ({
          x: PAD.left + inset(t.at) * (W - PAD.left - PAD.right),
          label: t.label,
        }));
  return (
    <div
      className="scatter-plot"
      data-testid="scatter-plot"
      data-points={data.points.length}
      data-skipped={data.skipped}
      data-x-kind={data.axis.kind}
    >
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${metric} by ${data.axis.key}`}>
        <line
          x1={PAD.left}
          x2={W - PAD.right}
          y1={H - PAD.bottom}
          y2={H - PAD.bottom}
          stroke="#5b6472"
        />
        <line x1={PAD.left} x2={PAD.left} y1={PAD.top} y2={H - PAD.bottom} stroke="#5b6472" />
        {xTicks.map((t) => (
          <text
            key={`${t.label}-${t.x}`}
            x={t.x}
            y={H - PAD.bottom + 16}
            textAnchor="middle"
            className="pc-tick"
          >
            {t.label}
          </text>
        ))}
        {axisTicks(yAxis).map((t) => (
          <text
            key={`${t.label}-${t.at}`}
            x={PAD.left - 6}
            y={yAt(t.at) + 3}
            textAnchor="end"
            className="pc-tick"
          >
            {t.label}
          </text>
        ))}
        <text x={(W + PAD.left) / 2} y={H - 6} textAnchor="middle">
          {data.axis.key}
          {xAxis.kind === 'log' ? ' (log)' : ''}
        </text>
        <text x={14} y={H / 2} textAnchor="middle" transform={`rotate(-90 14 ${H / 2})`}>
          {metric}
        </text>
        {data.points.map((p) => (
          <a key={p.runId} href={routeHref({ view: 'run', runId: p.runId })}>
            <circle
              data-testid="scatter-point"
              cx={px(p.x)}
              cy={py(p.y)}
              r={data.points.length > 100 ? 3 : 4.5}
              fill={colors.get(p.runId) ?? '#4e79a7'}
              fillOpacity={0.8}
            >
              <title>{`${p.name}: ${data.axis.key} = ${p.raw}, ${metric} = ${p.y}`}</title>
            </circle>
          </a>
        ))}
      </svg>
    </div>
  );
});
