import { EvaluateIn } from '../../../shared/contract';

/** The Evaluate options form's fields, as typed. */
export interface EvaluateOptionValues {
  /** '' for the run's own held-out rows, or a dataset version `NAME@version` scored whole. */
  data: string;
  /** Columns whose groups the fairness report compares. */
  sensitive: string[];
  /** Columns to slice the errors by; empty: the run's input columns. */
  slices: string[];
  /** Permutation importance repeats per column; empty: 5 (0 skips it). */
  importanceRepeats: string;
  /** Training-set fractions for a learning curve, e.g. `0.25, 0.5, 1`; empty: none. */
  learningCurve: string;
}

export const DEFAULT_EVALUATE_OPTIONS: EvaluateOptionValues = {
  data: '',
  sensitive: [],
  slices: [],
  importanceRepeats: '',
  learningCurve: '',
};

export type EvaluateFieldErrors = Partial<Record<keyof EvaluateOptionValues, string>>;

/**
 * The eval:run input the options state for `target` (as `lathe eval` takes it), or a message per field
 * the contract or a box rejects.
 */
export function buildEvaluateInput(
  target: string,
  v: EvaluateOptionValues,
): { input: EvaluateIn } | { errors: EvaluateFieldErrors } {
  const errors: EvaluateFieldErrors = {};
  const repeatsText = v.importanceRepeats.trim();
  const repeats = repeatsText === '' ? undefined : Number(repeatsText);
  if (repeats !== undefined && !Number.isFinite(repeats))
    errors.importanceRepeats = `'${repeatsText}' is not a number`;
  const parts = v.learningCurve.split(/[\s,]+/).filter(Boolean);
  const fractions = parts.map(Number);
  const bad = parts.find((p) => !Number.isFinite(Number(p)));
  if (bad !== undefined)
    errors.learningCurve = `'${bad}' is not a number; write fractions like 0.25, 0.5, 1`;
  const input: EvaluateIn = {
    target,
    ...(v.data ? { data: v.data } : {}),
    sensitive: v.sensitive,
    ...(v.slices.length ? { slices: v.slices } : {}),
    ...(repeats !== undefined ? { importanceRepeats: repeats } : {}),
    ...(fractions.length ? { learningCurve: fractions } : {}),
  };
  const parsed = EvaluateIn.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = issue.path[0] as keyof EvaluateOptionValues | 'target';
      if (key === 'target' || !(key in DEFAULT_EVALUATE_OPTIONS)) continue;
      const message =
        key === 'learningCurve' && issue.code === 'too_big'
          ? issue.path.length > 1
            ? 'each fraction is at most 1'
            : 'at most 10 fractions'
          : key === 'learningCurve' && issue.code === 'too_small'
            ? 'each fraction is above 0'
            : issue.message;
      errors[key] ??= message;
    }
  }
  return Object.keys(errors).length ? { errors } : { input };
}
