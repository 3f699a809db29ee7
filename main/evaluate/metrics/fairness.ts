/**
 * Group fairness for binary predictions, as fairlearn defines it (MetricFrame over a sensitive
 * feature, method 'between_groups'). Positive class is 1.
 */
import { requireBinary, requireSameLength } from './validate';

export interface GroupRates {
  group: string;
  count: number;
  /** Share of rows predicted 1. */
  selection_rate: number;
  /** TP / (TP + FN); null when the group has no positive rows. */
  tpr: number | null;
  /** FP / (FP + TN); null when the group has no negative rows. */
  fpr: number | null;
  accuracy: number;
}

export interface FairnessReport {
  groups: GroupRates[];
  /** max − min selection rate (fairlearn demographic_parity_difference). */
  demographic_parity_difference: number;
  /** min / max selection rate (fairlearn demographic_parity_ratio); null when every rate is 0. */
  disparate_impact_ratio: number | null;
  /** max − min TPR over groups with positives (fairlearn equal_opportunity_difference). */
  equal_opportunity_difference: number | null;
  /** max(TPR difference, FPR difference) (fairlearn equalized_odds_difference). */
  equalized_odds_difference: number | null;
  /** Why a value is null, when one is. */
  notes: string[];
}

function spread(values: (number | null)[]): number | null {
  const defined = values.filter((v): v is number => v !== null);
  if (defined.length === 0) return null;
  return Math.max(...defined) - Math.min(...defined);
}

/**
 * Per-group rates and the between-group gaps. `groups` gives each row's sensitive value (any
 * string or number; groups are listed in sorted order of their string form).
 */
export function fairnessReport(
  labels: Int32Array,
  predicted: Int32Array,
  groups: ArrayLike<string | number>,
): FairnessReport {
  requireBinary('labels', labels);
  requireSameLength('labels', labels, 'predicted', predicted);
  requireBinary('predicted', predicted);
  requireSameLength('labels', labels, 'groups', groups);
  const counts = new Map<string, { tp: number; fp: number; tn: number; fn: number }>();
  for (let i = 0; i < labels.length; i++) {
    const key = String(groups[i]);
    let c = counts.get(key);
    if (!c) {
      c = { tp: 0, fp: 0, tn: 0, fn: 0 };
      counts.set(key, c);
    }
    const y = labels[i]!;
    const p = predicted[i]!;
    if (y === 1 && p === 1) c.tp++;
    else if (y === 0 && p === 1) c.fp++;
    else if (y === 0) c.tn++;
    else c.fn++;
  }
  const notes: string[] = [];
  const rows: GroupRates[] = [...counts.keys()].sort().map((group) => {
    const { tp, fp, tn, fn } = counts.get(group)!;
    const count = tp + fp + tn + fn;
    if (tp + fn === 0) notes.push(`group ${group}: no positive rows, TPR undefined`);
    if (fp + tn === 0) notes.push(`group ${group}: no negative rows, FPR undefined`);
    return {
      group,
      count,
      selection_rate: (tp + fp) / count,
      tpr: tp + fn ? tp / (tp + fn) : null,
      fpr: fp + tn ? fp / (fp + tn) : null,
      accuracy: (tp + tn) / count,
    };
  });
  const rates = rows.map((r) => r.selection_rate);
  const maxRate = Math.max(...rates);
  const tprDiff = spread(rows.map((r) => r.tpr));
  const fprDiff = spread(rows.map((r) => r.fpr));
  if (maxRate === 0) notes.push('no row is predicted positive: disparate impact ratio undefined');
  return {
    groups: rows,
    demographic_parity_difference: maxRate - Math.min(...rates),
    disparate_impact_ratio: maxRate > 0 ? Math.min(...rates) / maxRate : null,
    equal_opportunity_difference: tprDiff,
    equalized_odds_difference:
      tprDiff === null || fprDiff === null ? null : Math.max(tprDiff, fprDiff),
    notes,
  };
}
