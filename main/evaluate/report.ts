// Builds an EvaluationReport from scored rows with the metric library: the suite, the baseline scored the
// same way, thresholds, curves, slices worst first, fairness per sensitive column, importance with spread.
import type { EvaluationReport, Explanations, Run } from '../../shared/contract';
import { formatDecimal } from '../../shared/format';
import {
  classificationSuite,
  fairnessReport,
  findSlices,
  majorityClassBaseline,
  meanRegressorBaseline,
  predictClasses,
  quantileBins,
  regressionSuite,
  type ClassificationSuite,
  type RegressionSuite,
  type SliceColumn,
} from './metrics';
import type { ScoredRows } from './predict';

type Metrics = Record<string, number | null>;

/** The scalar metrics of a suite, by name (curves, matrices and per-class details left out). */
function scalars(suite: ClassificationSuite | RegressionSuite): Metrics {
  const out: Metrics = {};
  for (const [k, v] of Object.entries(suite) as [string, unknown][]) {
    if (k === 'n' || k === 'k' || k === 'n_features') continue;
    if (typeof v === 'number' || v === null) out[k] = v;
  }
  return out;
}

/** Every scalar metric of scored rows (the suite of their task), e.g. to compare two models on them. */
export function scoredMetrics(scored: ScoredRows, seed = 0): Metrics {
  return scored.classes.length
    ? scalars(
        classificationSuite(scored.labels, scored.probs, scored.classes.length, scored.classes),
      )
    : scalars(regressionSuite(scored.actual, scored.predicted, scored.nFeatures, { seed }));
}

/** Rows of the slice columns as the metric library wants them: numeric columns in quantile bins. */
function sliceColumns(
  segments: ScoredRows['segments'],
  names: string[],
  numeric: Set<string>,
): SliceColumn[] {
  return names.map((name) => {
    const values = segments[name]!;
    if (numeric.has(name)) {
      const binned = quantileBins(
        Float64Array.from(values, (v) => (typeof v === 'number' ? v : Number.NaN)),
        5,
      );
      return { name, codes: binned.codes, labels: binned.labels };
    }
    return { name, keys: values };
  });
}

/**
 * What a report is built from besides the scored rows, known before they are scored: the evaluation worker
 * builds the report beside them (the slices, curves and metrics of 200,000 rows held the calling thread,
 * the app's main process, for about 0.6 s, and grow with the rows).
 */
export interface ReportContext {
  id: string;
  run: Run;
  model: { name: string; version: number } | null;
  sensitive: string[];
  /** The evaluated data's numeric columns (their slices are quantile bins). */
  numericColumns: string[];
  cv: EvaluationReport['cv'];
  /** The scored rows' dataset version (`name@v`) and split. */
  dataset: string;
  split: 'test' | 'validation' | 'all';
}

/** buildReport of a worker's scored rows in their context, made now. */
export function reportOf(
  context: ReportContext,
  scored: ScoredRows,
  learningCurve: EvaluationReport['learningCurve'],
): EvaluationReport {
  const report = buildReport({
    ...context,
    createdAt: new Date().toISOString(),
    numericColumns: new Set(context.numericColumns),
    scored: { ...scored, dataset: context.dataset, split: context.split },
    explanations: scored.explanations ?? null,
  });
  report.learningCurve = learningCurve;
  return report;
}

export function buildReport(args: {
  id: string;
  createdAt: string;
  run: Run;
  model: { name: string; version: number } | null;
  scored: ScoredRows & { dataset: string; split: 'test' | 'validation' | 'all' };
  sensitive: string[];
  numericColumns: Set<string>;
  cv: EvaluationReport['cv'];
  /** TreeSHAP of a tree model on the scored rows (shap-summary.ts); absent for other models. */
  explanations?: Explanations | null;
}): EvaluationReport {
  const { run, scored } = args;
  const task = run.config.task;
  const notes: string[] = [];
  const shap = args.explanations;
  if (shap && shap.explainedRows < shap.evaluatedRows)
    notes.push(
      `TreeSHAP explains a seeded sample of ${shap.explainedRows.toLocaleString('en-US')} of the ${shap.evaluatedRows.toLocaleString('en-US')} rows (seed ${shap.seed}); the beeswarm shows ${shap.storedRows.length.toLocaleString('en-US')} of them.`,
    );
  if (scored.split === 'validation')
    notes.push(
      'The run held out no test rows (split.testFraction is 0): these are its validation rows, which early stopping and selection may have seen.',
    );
  const sliceNames = Object.keys(scored.segments).filter((c) => !args.sensitive.includes(c));
  const minCount = Math.max(5, Math.ceil(scored.rows * 0.01));
  // The slices worst on a per-row value: absolute error for regression, correctness otherwise.
  const slicesOf = (values: Float64Array, higherIsWorse: boolean) =>
    sliceNames.length
      ? findSlices(values, sliceColumns(scored.segments, sliceNames, args.numericColumns), {
          higherIsWorse,
          minCount,
          limit: 30,
        })
      : null;

  if (task === 'regression') {
    const suite = regressionSuite(scored.actual, scored.predicted, scored.nFeatures, {
      seed: run.config.seed,
    });
    const baseline = meanRegressorBaseline(scored.actual, scored.nFeatures);
    const absErr = Float64Array.from(scored.actual, (y, i) => Math.abs(y - scored.predicted[i]!));
    const slices = slicesOf(absErr, true);
    for (const n of Object.values(suite.notes)) notes.push(n);
    if (args.sensitive.length)
      notes.push('Fairness metrics compare decisions: they need a binary classification model.');
    const h = suite.residuals.histogram;
    return {
      ...common(args, notes),
      classes: [],
      metrics: scalars(suite),
      perClass: [],
      confusionMatrix: null,
      curves: {
        residuals: h.counts.map((count, i) => ({ lo: h.edges[i]!, hi: h.edges[i + 1]!, count })),
        predictedVsActual: suite.points.actual.map((actual, i) => ({
          actual,
          predicted: suite.points.predicted[i]!,
        })),
      },
      thresholds: null,
      baseline: {
        kind: `mean (${formatDecimal(baseline.prediction, 1e4)})`,
        metrics: scalars(baseline),
      },
      slices: (slices?.slices ?? []).map((s) => ({
        column: s.column,
        segment: s.value,
        count: s.count,
        metric: 'mae',
        value: s.metric,
        // A larger error is worse: negative means worse than overall.
        delta: -s.diff,
      })),
      fairness: [],
    };
  }

  const k = scored.classes.length;
  const suite = classificationSuite(scored.labels, scored.probs, k, scored.classes);
  const baseline = majorityClassBaseline(scored.labels, k, scored.labels, scored.classes);
  const predicted = predictClasses(scored.probs, scored.rows, k);
  const correct = Float64Array.from(predicted, (p, i) => (p === scored.labels[i] ? 1 : 0));
  const slices = slicesOf(correct, false);
  for (const [key, reason] of Object.entries(suite.notes)) notes.push(`${key}: ${reason}`);

  const fairness: EvaluationReport['fairness'] = [];
  for (const column of args.sensitive) {
    if (k !== 2) {
      notes.push(`Fairness by '${column}' needs a binary model (this one has ${k} classes).`);
      continue;
    }
    const groups = scored.segments[column]!.map((v) => (v === null ? 'missing' : String(v)));
    const f = fairnessReport(scored.labels, predicted, groups);
    for (const n of f.notes) notes.push(`fairness by '${column}': ${n}`);
    fairness.push({
      column,
      positiveClass: scored.classes[1] ?? null,
      groups: f.groups.map((g) => ({
        group: g.group,
        count: g.count,
        selectionRate: g.selection_rate,
        truePositiveRate: g.tpr,
        falsePositiveRate: g.fpr,
        accuracy: g.accuracy,
      })),
      demographicParityDifference: f.demographic_parity_difference,
      disparateImpactRatio: f.disparate_impact_ratio,
      equalOpportunityDifference: f.equal_opportunity_difference,
      equalizedOddsDifference: f.equalized_odds_difference,
    });
  }

  const positive = scored.classes[1]!;
  const roc = k === 2 ? suite.curves.roc[positive] : null;
  const pr = k === 2 ? suite.curves.pr[positive] : null;
  const calibration = k === 2 ? suite.curves.calibration[positive] : undefined;
  const t = suite.thresholds;
  const point = (p: { threshold: number; precision: number; recall: number; f1: number }) => ({
    threshold: p.threshold,
    precision: p.precision,
    recall: p.recall,
    f1: p.f1,
  });
  return {
    ...common(args, notes),
    classes: scored.classes,
    metrics: scalars(suite),
    perClass: scored.classes.map((name) => {
      const c = suite.per_class[name]!;
      return {
        class: name,
        precision: c.precision,
        recall: c.recall,
        f1: c.f1,
        support: c.support,
        rocAuc: c.roc_auc,
        prAuc: c.pr_auc,
      };
    }),
    confusionMatrix: suite.confusion_matrix,
    curves: {
      ...(roc
        ? {
            roc: roc.fpr.map((x, i) => ({
              x,
              y: roc.tpr[i]!,
              threshold: roc.thresholds[i] ?? null,
            })),
          }
        : {}),
      ...(pr
        ? {
            pr: pr.recall.map((x, i) => ({
              x,
              y: pr.precision[i]!,
              threshold: pr.thresholds[i] ?? null,
            })),
          }
        : {}),
      ...(calibration
        ? {
            calibration: calibration.mean_predicted.map((m, i) => ({
              meanPredicted: m,
              fractionPositive: calibration.fraction_positive[i]!,
              count: calibration.count[i]!,
            })),
          }
        : {}),
    },
    thresholds:
      k === 2 && t?.max_f1
        ? {
            default: {
              threshold: 0.5,
              precision: suite.precision ?? 0,
              recall: suite.recall ?? 0,
              f1: suite.f1 ?? 0,
            },
            maxF1: point(t.max_f1),
            ...(t.target_precision ? { targetPrecision: point(t.target_precision) } : {}),
            ...(t.target_recall ? { targetRecall: point(t.target_recall) } : {}),
          }
        : null,
    baseline: {
      kind: `majority class (${scored.classes[baseline.priors.indexOf(Math.max(...baseline.priors))]})`,
      metrics: scalars(baseline),
    },
    slices: (slices?.slices ?? []).map((s) => ({
      column: s.column,
      segment: s.value,
      count: s.count,
      metric: 'accuracy',
      value: s.metric,
      delta: s.diff,
    })),
    fairness,
  };
}

function common(
  args: Parameters<typeof buildReport>[0],
  notes: string[],
): Pick<
  EvaluationReport,
  | 'id'
  | 'createdAt'
  | 'runId'
  | 'runName'
  | 'model'
  | 'task'
  | 'dataset'
  | 'split'
  | 'rows'
  | 'importance'
  | 'cv'
  | 'learningCurve'
  | 'gates'
  | 'passed'
  | 'notes'
  | 'explanations'
> {
  const { run, scored } = args;
  return {
    id: args.id,
    createdAt: args.createdAt,
    runId: run.id,
    runName: run.name,
    model: args.model,
    task: run.config.task,
    dataset: scored.dataset,
    split: scored.split,
    rows: scored.rows,
    importance: Object.entries(scored.importance)
      .map(([column, s]) => ({ column, mean: s.mean, std: s.std }))
      .sort((a, b) => b.mean - a.mean),
    cv: args.cv,
    learningCurve: null,
    gates: [],
    passed: null,
    notes,
    ...(args.explanations ? { explanations: args.explanations } : {}),
  };
}
