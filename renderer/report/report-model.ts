/**
 * Pure data shaping for the evaluation report, drawn by the Evaluation view and by the offline HTML
 * report alike: what the tables list, in what order, and where the SVG charts put things. The rules the
 * report's readers share (metric direction, baseline rows, slices, fairness readings, ticks, extent) live
 * in shared/contract/evaluation-reading.ts.
 */
import type { EvaluationReport } from '../../shared/contract';

type Report = EvaluationReport;
export type Fairness = Report['fairness'][number];
export interface Pt {
  x: number;
  y: number;
}

export interface ThresholdRow {
  key: string;
  label: string;
  threshold: number;
  precision: number;
  recall: number;
  f1: number;
}

/**
 * What permutation importance measures in a report: how much the evaluation's loss rises when a column
 * is shuffled, named with its loss (log loss for classifiers, squared error for regression) and rows.
 */
export function importanceMetric(report: Pick<Report, 'task' | 'split'>): string {
  const loss = report.task === 'regression' ? 'mean squared error' : 'log loss';
  return report.split === 'all' ? `rise in ${loss}` : `rise in ${report.split} ${loss}`;
}

/** Default first, best F1 next, then any other named threshold in the report's order. */
export function thresholdRows(report: Report): ThresholdRow[] {
  const t = report.thresholds;
  if (!t) return [];
  const labels: Record<string, string> = { default: 'default (0.5)', maxF1: 'best F1' };
  const order = ['default', 'maxF1', ...Object.keys(t).filter((k) => !(k in labels))];
  return order.flatMap((key) => {
    const v = t[key];
    return v ? [{ key, label: labels[key] ?? key, ...v }] : [];
  });
}

export interface ConfusionCell {
  actual: number;
  predicted: number;
  count: number;
  /** Share of the actual class's rows (the row), 0 when the row is empty. */
  share: number;
}

export function confusionCells(matrix: readonly (readonly number[])[]): ConfusionCell[] {
  return matrix.flatMap((row, actual) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((count, predicted) => ({
      actual,
      predicted,
      count,
      share: total > 0 ? count / total : 0,
    }));
  });
}

/** Learning-curve points with a value, one sorted series per metric. */
export function learningSeries(report: Report): { metric: string; points: Pt[] }[] {
  const lc = report.learningCurve ?? [];
  const metrics = [...new Set(lc.map((p) => p.metric))];
  return metrics
    .map((metric) => ({
      metric,
      points: lc
        .filter((p) => p.metric === metric && p.value !== null)
        .sort((a, b) => a.rows - b.rows)
        .map((p) => ({ x: p.rows, y: p.value! })),
    }))
    .filter((s) => s.points.length > 0);
}

// ---------- chart geometry ----------

/** A linear map from a data domain to a pixel range (either may run backwards). */
export function linearScale(
  [d0, d1]: readonly [number, number],
  [r0, r1]: readonly [number, number],
): (v: number) => number {
  const span = d1 - d0 || 1;
  return (v) => r0 + ((v - d0) / span) * (r1 - r0);
}

/** An SVG `points` attribute, rounded to a tenth of a pixel. */
export function svgPoints(
  pts: readonly Pt[],
  px: (x: number) => number,
  py: (y: number) => number,
) {
  return pts.map((p) => `${round1(px(p.x))},${round1(py(p.y))}`).join(' ');
}

export function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
