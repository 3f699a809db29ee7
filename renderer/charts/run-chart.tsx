import { useMemo } from 'react';
import type { ChartConfiguration } from 'chart.js';
import { palette } from './chart-setup';
import { useChart } from './use-chart';

export interface EpochPoint {
  epoch: number;
  loss: number | null;
  valLoss: number | null;
  metric: number | null;
}

/** Loss, validation loss (left axis) and one validation metric (right axis) per epoch. */
export function RunChart({
  points,
  metricKey,
}: {
  points: EpochPoint[];
  metricKey: string | null;
}) {
  const config = useMemo<ChartConfiguration<'line', (number | null)[], number>>(() => {
    const line = (color: string, dashed = false) => ({
      borderColor: color,
      backgroundColor: color,
      borderWidth: 2,
      pointRadius: points.length > 40 ? 0 : 2.5,
      cubicInterpolationMode: 'monotone' as const,
      spanGaps: true,
      borderDash: dashed ? [5, 4] : [],
    });
    return {
      type: 'line',
      data: {
        labels: points.map((p) => p.epoch),
        datasets: [
          { label: 'loss', data: points.map((p) => p.loss), yAxisID: 'y', ...line(palette.accent) },
          {
            label: 'val_loss',
            data: points.map((p) => p.valLoss),
            yAxisID: 'y',
            ...line(palette.orange, true),
          },
          ...(metricKey
            ? [
                {
                  label: metricKey,
                  data: points.map((p) => p.metric),
                  yAxisID: 'y1',
                  ...line(palette.green),
                },
              ]
            : []),
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: 'index', intersect: false },
        plugins: {
          legend: { position: 'top', align: 'end', labels: { boxWidth: 12, boxHeight: 2 } },
        },
        scales: {
          x: { title: { display: true, text: 'epoch' }, grid: { display: false } },
          y: { title: { display: true, text: 'loss' }, grid: { color: palette.grid } },
          y1: {
            display: metricKey !== null,
            position: 'right',
            title: { display: true, text: metricKey ?? '' },
            grid: { display: false },
          },
        },
      },
    };
  }, [points, metricKey]);
  const canvasRef = useChart(config);

  return (
    <div className="run-chart" data-testid="run-chart" data-points={points.length}>
      <canvas ref={canvasRef} aria-label="Training curves" role="img" />
      {points.length === 0 && <div className="run-chart-empty">Waiting for the first epoch…</div>}
    </div>
  );
}
