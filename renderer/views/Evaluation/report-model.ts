/**
 * Pure data shaping for the Evaluation view: what the tables list, in what order, and where the SVG
 * charts put things. The offline HTML report (main/evaluate/report-html.ts) reads the same report the
 * same way; renderer/ may not import main/, so the few rules both need are kept here too.
 */
import type { EvaluationReport } from '../../../shared/contract';

type Report = EvaluationReport;
export type Slice = Report['slices'][number];
export type Fairness = Report['fairness'][number];
export interface Pt {
  x: number;
  y: number;
}

/** Metrics where a smaller value is the better model (errors and losses). */
const LOWER_IS_BETTER =
  /(^|_)(rmse|mse|mae|mape|smape|log_loss|loss|brier|error|ece|max_error|median_absolute_error)$/;

export function lowerIsBetter(metric: string): boolean {
  return LOWER_IS_BETTER.test(metric);
}

export interface MetricRow {
  name: string;
  value: number | null;
  baseline: number | null;
  diff: number | null;
  /** Whether the model beats the baseline on this metric; null when equal or unknown. */
  better: boolean | null;
}

/**
 * Each metric beside the baseline's, with the signed difference, alphabetically. Metrics neither side
 * could compute (e.g. binary-only ones on a multiclass task) are left out.
 */
export function metricComparison(report: Report): MetricRow[] {
  return Object.keys(report.metrics)
    .sort()
    .map((name) => {
      const value = report.metrics[name] ?? null;
      const baseline = report.baseline.metrics[name] ?? null;
      const diff = value !== null && baseline !== null ? value - baseline : null;
      const better = diff === null || diff === 0 ? null : lowerIsBetter(name) ? diff < 0 : diff > 0;
      return { name, value, baseline, diff, better };
    })
    .filter((m) => m.value !== null || m.baseline !== null);
}

/** The metric a list of evaluations shows first, by task, among those the report has. */
export function headlineMetric(report: Report): string | null {
  const preferred: Record<Report['task'], string[]> = {
    binary: ['roc_auc', 'pr_auc', 'f1', 'accuracy'],
    multiclass: ['f1_macro', 'accuracy', 'balanced_accuracy'],
    regression: ['rmse', 'r2', 'mae'],
  };
  for (const name of preferred[report.task]) if (report.metrics[name] !== undefined) return name;
  return Object.keys(report.metrics).sort()[0] ?? null;
}

/** Share of actual positives (the second class), the no-skill precision of the PR chart. */
export function positivePrevalence(report: Report): number | null {
  const positive = report.classes[1];
  if (report.task !== 'binary' || positive === undefined) return null;
  const cm = report.confusionMatrix;
  if (cm && cm.length === 2) {
    const rows = cm.map((r) => r.reduce((a, b) => a + b, 0));
    const total = (rows[0] ?? 0) + (rows[1] ?? 0);
    if (total > 0) return (rows[1] ?? 0) / total;
  }
  const support = report.perClass.find((c) => c.class === positive)?.support;
  const total = report.perClass.reduce((a, c) => a + c.support, 0);
  return support !== undefined && total > 0 ? support / total : null;
}

/** Slices with the worst (most negative delta) first; slices without a delta last. */
export function slicesWorstFirst(slices: readonly Slice[]): Slice[] {
  return [...slices].sort((a, b) => {
    if (a.delta === null || b.delta === null)
      return a.delta === b.delta ? 0 : a.delta === null ? 1 : -1;
    return a.delta - b.delta;
  });
}

export interface ThresholdRow {
  key: string;
  label: string;
  threshold: number;
  precision: number;
  recall: number;
  f1: number;
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

export interface FairnessReading {
  key: string;
  label: string;
  value: number | null;
  reading: string;
  /** Past the rule of thumb (difference above 0.1, ratio below 0.8); null when undefined. */
  concern: boolean | null;
}

function percent(fraction: number): string {
  return `${Number((fraction * 100).toPrecision(3))}%`;
}

function short(value: number): string {
  return Number(value.toPrecision(3)).toString();
}

function extremes(
  groups: Fairness['groups'],
  pick: (g: Fairness['groups'][number]) => number | null,
) {
  const values = groups.flatMap((g) => {
    const v = pick(g);
    return v === null ? [] : [{ group: g.group, v }];
  });
  if (values.length === 0) return null;
  values.sort((a, b) => a.v - b.v);
  return { low: values[0]!, high: values[values.length - 1]! };
}

/**
 * The four fairlearn measures of one sensitive column, each with a sentence a reader can act on without
 * the definitions. The 0.1 and four-fifths (0.8) thresholds are common rules of thumb, not legal tests.
 */
export function fairnessReadings(f: Fairness): FairnessReading[] {
  const sel = extremes(f.groups, (g) => g.selectionRate);
  const tpr = extremes(f.groups, (g) => g.truePositiveRate);
  const fpr = extremes(f.groups, (g) => g.falsePositiveRate);
  const positive = f.positiveClass === null ? 'the favourable decision' : `“${f.positiveClass}”`;
  const dpd = f.demographicParityDifference;
  const dir = f.disparateImpactRatio;
  const eod = f.equalOpportunityDifference;
  const eqo = f.equalizedOddsDifference;
  return [
    {
      key: 'demographic_parity_difference',
      label: 'Demographic parity difference',
      value: dpd,
      concern: dpd === null ? null : dpd > 0.1,
      reading:
        dpd === null || !sel
          ? 'Not defined: no group has a selection rate.'
          : `The model predicts ${positive} for ${percent(sel.high.v)} of group “${sel.high.group}” but ${percent(sel.low.v)} of group “${sel.low.group}”: a gap of ${short(dpd * 100)} percentage points${dpd > 0.1 ? ', above the 0.1 rule of thumb' : ''}.`,
    },
    {
      key: 'disparate_impact_ratio',
      label: 'Disparate impact ratio',
      value: dir,
      concern: dir === null ? null : dir < 0.8,
      reading:
        dir === null || !sel
          ? 'Not defined: every group has a selection rate of 0.'
          : `The least selected group gets ${positive} at ${percent(dir)} of the rate of the most selected; ${dir < 0.8 ? 'below 80%, so it fails the four-fifths rule' : 'at least 80%, so it meets the four-fifths rule'}.`,
    },
    {
      key: 'equal_opportunity_difference',
      label: 'Equal opportunity difference',
      value: eod,
      concern: eod === null ? null : eod > 0.1,
      reading:
        eod === null || !tpr
          ? 'Not defined: fewer than two groups have actual positives.'
          : `Of the rows that really are ${positive}, the model finds ${percent(tpr.high.v)} in group “${tpr.high.group}” but ${percent(tpr.low.v)} in group “${tpr.low.group}” (true-positive rates ${short(eod * 100)} points apart).`,
    },
    {
      key: 'equalized_odds_difference',
      label: 'Equalized odds difference',
      value: eqo,
      concern: eqo === null ? null : eqo > 0.1,
      reading:
        eqo === null
          ? 'Not defined: the groups lack actual positives or negatives.'
          : `The larger of the true-positive-rate gap and the false-positive-rate gap${fpr ? ` (false positives: ${percent(fpr.high.v)} in “${fpr.high.group}” vs ${percent(fpr.low.v)} in “${fpr.low.group}”)` : ''} is ${short(eqo)}; 0 means errors fall equally on every group.`,
    },
  ];
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

/** About `count` round tick values covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min === max) return [min];
  const raw = (max - min) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step)
    ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

/** [min, max] of the finite values, widened by `pad` of the span (a single value gets a unit span). */
export function extent(values: readonly number[], pad = 0.04): [number, number] {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return [0, 1];
  let lo = Math.min(...finite);
  let hi = Math.max(...finite);
  if (lo === hi) {
    lo -= Math.abs(lo) * 0.1 || 1;
    hi += Math.abs(hi) * 0.1 || 1;
  }
  const span = hi - lo;
  return [lo - span * pad, hi + span * pad];
}

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

// ---------- list and download ----------

/** Evaluations newest first (ISO times compare as text). */
export function newestFirst(reports: readonly Report[]): Report[] {
  return [...reports].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

/** A file name for the downloaded HTML: run name and report id, limited to safe characters. */
export function reportFileName(report: Pick<Report, 'id' | 'runName'>): string {
  const clean = (s: string) =>
    s
      .replace(/[^A-Za-z0-9_.-]+/g, '_')
      .replace(/^[_.]+|_+$/g, '')
      .slice(0, 60);
  const run = clean(report.runName) || 'run';
  return `evaluation-${run}-${clean(report.id) || 'report'}.html`;
}
