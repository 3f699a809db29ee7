import { z } from 'zod';
import { IsoTime } from './common';
import { ProjectName } from './projects';
import { Task } from '../config/train-config';
import { HistogramBin } from './data';
import { GatePolicy } from '../config/gate-policy';

/** A point of a curve: ROC (x = FPR, y = TPR), PR (x = recall, y = precision), with its threshold. */
export const CurvePoint = z.object({
  x: z.number(),
  y: z.number(),
  threshold: z.number().nullable().optional(),
});
export const Curve = z.array(CurvePoint);

export const CalibrationBin = z.object({
  meanPredicted: z.number(),
  fractionPositive: z.number(),
  count: z.number().int().nonnegative(),
});

/** A metric of one class (one-vs-rest). */
export const ClassMetrics = z.object({
  class: z.string(),
  precision: z.number(),
  recall: z.number(),
  f1: z.number(),
  support: z.number().int().nonnegative(),
  rocAuc: z.number().nullable().optional(),
  prAuc: z.number().nullable().optional(),
});

/** A decision threshold for a binary model and what it gives. */
export const Threshold = z.object({
  threshold: z.number(),
  precision: z.number(),
  recall: z.number(),
  f1: z.number(),
});

/** A segment of the evaluation rows and how the model does on it, worst first. */
export const Slice = z.object({
  column: z.string(),
  /** The value, or a numeric bin such as `[1.2, 3.4)`. */
  segment: z.string(),
  count: z.number().int().nonnegative(),
  metric: z.string(),
  value: z.number().nullable(),
  /** value − the overall value, signed so that negative is worse. */
  delta: z.number().nullable(),
});

export const FairnessGroup = z.object({
  group: z.string(),
  count: z.number().int().nonnegative(),
  selectionRate: z.number().nullable(),
  truePositiveRate: z.number().nullable(),
  falsePositiveRate: z.number().nullable(),
  accuracy: z.number().nullable(),
});

/** Fairness of the model's decisions across the groups of one sensitive column (fairlearn's definitions). */
export const FairnessReport = z.object({
  column: z.string(),
  /** The class counted as the favourable decision (binary: the second class). */
  positiveClass: z.string().nullable(),
  groups: z.array(FairnessGroup),
  demographicParityDifference: z.number().nullable(),
  disparateImpactRatio: z.number().nullable(),
  equalOpportunityDifference: z.number().nullable(),
  equalizedOddsDifference: z.number().nullable(),
});

/** One gate of a policy with what was observed. */
export const GateResult = z.object({
  gate: z.string(),
  description: z.string(),
  observed: z.number().nullable(),
  threshold: z.number().nullable(),
  passed: z.boolean(),
  detail: z.string().optional(),
  /** The gate does not apply to this evaluation (e.g. a project's roc_auc floor on a regression): it passes. */
  skipped: z.boolean().optional(),
});
export type GateResult = z.infer<typeof GateResult>;

/**
 * One model input in a TreeSHAP summary: how much it moves the model's output on average, and its SHAP
 * value and feature value on each stored row (the beeswarm's points).
 */
export const ShapFeature = z.object({
  /** The model's input (a fitted feature, e.g. `origin` or `date_month`). */
  feature: z.string(),
  /** Mean |SHAP| over the explained rows, per output (one; k for multiclass, in `outputs` order). */
  meanAbs: z.array(z.number().nonnegative()),
  /** The feature's value on each stored row, in `storedRows` order; null where it is missing. */
  values: z.array(z.number().nullable()),
  /** SHAP value on each stored row, per output: `shap[output][i]` for `storedRows[i]`. */
  shap: z.array(z.array(z.number())),
  /**
   * The colour scale of its values, low to high: their 5th and 95th percentiles on the explained rows
   * (values beyond are drawn at the ends); null when every value is missing.
   */
  range: z.tuple([z.number(), z.number()]).nullable(),
  /** Split as categories: its values are category codes, whose order means nothing. */
  categorical: z.boolean(),
});
export type ShapFeature = z.infer<typeof ShapFeature>;

/**
 * Exact TreeSHAP contributions of a tree model on the evaluated rows: each row's prediction split into
 * a base value plus one contribution per input, summarised as mean |SHAP| per input (ranked) and a
 * bounded sample of rows for a beeswarm.
 */
export const Explanations = z.object({
  method: z.literal('treeshap'),
  /** What a SHAP value measures, e.g. `log-odds of “yes”` or `price` (regression, the target's units). */
  units: z.string(),
  /** The explained outputs: the class names of a multiclass model, else the one output's name. */
  outputs: z.array(z.string()).min(1),
  /** Rows whose contributions were computed: all evaluated rows, or a seeded sample of them. */
  explainedRows: z.number().int().nonnegative(),
  /** Rows evaluated. */
  evaluatedRows: z.number().int().nonnegative(),
  /** Seed of the samples. */
  seed: z.number().int(),
  /** Positions (0-based, in evaluation order, ascending) of the rows whose values are stored. */
  storedRows: z.array(z.number().int().nonnegative()),
  /** The expected output per output: every row's contributions sum from it to the row's output. */
  base: z.array(z.number()),
  /** Every input, largest mean |SHAP| (summed over outputs) first. */
  features: z.array(ShapFeature),
});
export type Explanations = z.infer<typeof Explanations>;

/**
 * An evaluation of a run's model on rows it did not train on. `metrics` holds every scalar metric by its
 * snake_case name (roc_auc, pr_auc, log_loss, brier, f1_macro, balanced_accuracy, rmse, r2, ...).
 */
export const EvaluationReport = z.object({
  id: z.string(),
  createdAt: IsoTime,
  runId: z.string(),
  runName: z.string(),
  /** The registered version evaluated, when it was named as `NAME@version` or `NAME@alias`. */
  model: z.object({ name: z.string(), version: z.number().int() }).nullable(),
  task: Task,
  /** The evaluated rows: `name@version`. */
  dataset: z.string(),
  /** test: the run's held-out rows; validation: its validation rows (no test rows held out); all: another version. */
  split: z.enum(['test', 'validation', 'all']),
  rows: z.number().int().nonnegative(),
  classes: z.array(z.string()),
  metrics: z.record(z.string(), z.number().nullable()),
  perClass: z.array(ClassMetrics),
  /** Rows: actual class; columns: predicted class. */
  confusionMatrix: z.array(z.array(z.number().int())).nullable(),
  curves: z.object({
    roc: Curve.optional(),
    pr: Curve.optional(),
    calibration: z.array(CalibrationBin).optional(),
    residuals: z.array(HistogramBin).optional(),
    /** A sample of (predicted, actual) pairs for regression plots. */
    predictedVsActual: z.array(z.object({ predicted: z.number(), actual: z.number() })).optional(),
  }),
  thresholds: z.object({ default: Threshold, maxF1: Threshold }).catchall(Threshold).nullable(),
  /** The majority class (or the mean) scored the same way. */
  baseline: z.object({
    kind: z.string(),
    metrics: z.record(z.string(), z.number().nullable()),
  }),
  /** Permutation importance per input column, with its spread over repeats; largest first. */
  importance: z.array(z.object({ column: z.string(), mean: z.number(), std: z.number() })),
  slices: z.array(Slice),
  fairness: z.array(FairnessReport),
  /** The cross-validation the run belongs to (a fold), when there is one. */
  cv: z
    .object({
      runId: z.string(),
      folds: z.number().int(),
      summary: z.record(z.string(), z.object({ mean: z.number(), std: z.number() })),
    })
    .nullable(),
  /** Metric vs training-set size, when it was asked for. */
  learningCurve: z
    .array(
      z.object({
        fraction: z.number(),
        rows: z.number().int(),
        metric: z.string(),
        value: z.number().nullable(),
      }),
    )
    .nullable(),
  gates: z.array(GateResult),
  /** The model whose own gates were checked; null: the project default (absent: no policy, or older). */
  gateSection: z.string().nullable().optional(),
  /** Whether every gate passed; null when no gate policy applies. */
  passed: z.boolean().nullable(),
  /** Things a reader should know, e.g. that no test rows were held out. */
  notes: z.array(z.string()),
  /** TreeSHAP contributions: tree models (gbdt) only; absent for others and in older reports. */
  explanations: Explanations.optional(),
});
export type EvaluationReport = z.infer<typeof EvaluationReport>;

export const EvaluateIn = z.object({
  /** A run id (prefix), or a registered model as `NAME@version` or `NAME@alias`. */
  target: z.string().min(1, 'name a run or a model version'),
  /** Evaluate on every row of this dataset version instead of the run's own held-out rows. */
  data: z.string().min(1).optional(),
  /** Sensitive columns for the fairness report. */
  sensitive: z.array(z.string().min(1)).max(20).default([]),
  /** Columns to slice the errors by (default: the run's input columns, up to 12). */
  slices: z.array(z.string().min(1)).max(50).optional(),
  /** Permutation importance repeats per column (0: skip). */
  importanceRepeats: z.number().int().min(0).max(50).default(5),
  /** Train at these fractions of the training rows for a learning curve (slow: one training each). */
  learningCurve: z.array(z.number().gt(0).lte(1)).max(10).optional(),
});
export type EvaluateIn = z.input<typeof EvaluateIn>;

/** Names the evaluations to stop: those of a run (id or prefix), or of a registered `NAME@version|alias`. */
export const EvalCancelIn = z.object({
  target: z.string().min(1, 'name the run or model version being evaluated'),
});
/** The run whose evaluations were asked to stop, and whether any was running. */
export const EvalCancelOut = z.object({ runId: z.string(), cancelled: z.boolean() });

/** How far a running evaluation of a run has come (pushed while `eval:run` works). */
export const EvalProgress = z.object({
  /** The run whose model is evaluated. */
  runId: z.string(),
  fraction: z.number().min(0).max(1),
  /** What it is doing, e.g. "importance: dep_hour (3 of 12)". */
  message: z.string(),
});
export type EvalProgress = z.infer<typeof EvalProgress>;

export const EvaluationsListIn = z.object({ target: z.string().min(1).optional() });

export const EvalIdIn = z.object({ id: z.string().min(1, 'an evaluation id is required') });

export const GatesGetIn = z.object({ project: z.string().min(1).default('Default') });
export const GatesSetIn = z.object({
  project: ProjectName.default('Default'),
  /** The new policy; null removes it. */
  policy: GatePolicy.nullable(),
  reason: z.string().max(2000).optional(),
});
export const GatesOut = z.object({ project: z.string(), policy: GatePolicy.nullable() });
