/**
 * How an EvaluationReport is read, once for every face: which metrics are better lower, the metric vs
 * baseline rows, the PR chart's no-skill line, slices worst first, plain-language fairness readings and
 * the round ticks and padded domains of the charts. The Evaluation view, the offline HTML report and the
 * gates all use these. Pure: no DOM, no Node.
 */
import type { EvaluationReport } from './evaluate';

type Report = EvaluationReport;
type Slice = Report['slices'][number];
type Fairness = Report['fairness'][number];

/**
 * Metrics where a smaller value is the better model (errors and losses): any name ending in one of these
 * (`val_loss`, `logloss`, `neg_rmse`, `max_error`, `smape` …), and expected calibration error (`ece`).
 */
const LOWER_IS_BETTER = /(loss|brier|mse|mae|mape|error)$|(^|_)ece$/;

export function lowerIsBetter(metric: string): boolean {
  return LOWER_IS_BETTER.test(metric);
}

/** Which of two values of a metric is better: 'a', 'b', or null when equal or either is missing. */
export function betterOf(metric: string, a: number | null, b: number | null): 'a' | 'b' | null {
  if (a === null || b === null || a === b) return null;
  return lowerIsBetter(metric) === a < b ? 'a' : 'b';
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
 * Each metric beside the baseline's, with the signed difference (model − baseline), alphabetically;
 * `better` follows the metric's direction. Metrics neither side could compute (e.g. binary-only ones on a
 * multiclass task) are left out.
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

/**
 * Share of actual positives (the second class) among the rows, the no-skill precision of the PR chart:
 * from the confusion matrix rows, else the positive class's support. Null unless the task is binary.
 */
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

/** Slices with the worst (most negative delta) first; slices without a delta last, in their order. */
export function slicesWorstFirst(slices: readonly Slice[]): Slice[] {
  return [...slices].sort((a, b) => {
    if (a.delta === null || b.delta === null)
      return a.delta === b.delta ? 0 : a.delta === null ? 1 : -1;
    return a.delta - b.delta;
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

/** A fraction as a percentage to 3 significant digits: 0.25 → `25%`. */
function percent(fraction: number): string {
  return `${Number((fraction * 100).toPrecision(3))}%`;
}

/** 3 significant digits in plain notation, to match `percent` in the same sentence. */
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
 * the definitions. The 0.1 difference and the four-fifths (0.8) ratio are common rules of thumb, not
 * legal tests.
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

/** [min, max] of the finite values, widened by `pad` of the span; a single value first gets ±10% (±1 at 0). */
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
