import type { ChartOptions } from 'chart.js';

/**
 * One line of a line chart: colour, 2px stroke, dashed when asked, dots only while there are few points
 * (a larger one when there is one point, which draws no line to see).
 */
export function lineDataset<T>(line: {
  label: string;
  data: T[];
  yAxisID: string;
  color: string;
  dashed?: boolean;
  /** How many points the x axis has: over 40, no dots. */
  points: number;
}) {
  return {
    label: line.label,
    data: line.data,
    yAxisID: line.yAxisID,
    borderColor: line.color,
    backgroundColor: line.color,
    borderWidth: 2,
    borderDash: line.dashed ? [5, 4] : [],
    pointRadius: line.points > 40 ? 0 : line.points === 1 ? 4 : 2.5,
    spanGaps: true,
  };
}

/** Options of the app's line charts: fills its box, one tooltip per x, a compact legend top right. */
export function lineChartOptions(scales: ChartOptions<'line'>['scales']): ChartOptions<'line'> {
  return {
    responsive: true,
    maintainAspectRatio: false,
    interaction: { mode: 'index', intersect: false },
    plugins: {
      legend: { position: 'top', align: 'end', labels: { boxWidth: 12, boxHeight: 2 } },
    },
    scales,
  };
}
