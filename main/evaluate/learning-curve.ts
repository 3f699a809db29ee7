// Learning curve: the run's config trained again on growing shares of its training rows (same seed, same
// split), each model scored on the same evaluation rows. Runs in the evaluation worker; records no runs.
import type { ColumnInfo, EvaluationReport, TrainConfig } from '../../shared/contract';
import type { FittedFeatureSpec } from '../../shared/contract/features';
import { train } from '../train/trainer';
import { classificationSuite, regressionSuite } from './metrics';
import {
  scoreRows,
  throwIfCancelled,
  type ScoreCancel,
  type ScoreJob,
  type ScoreProgress,
  type StoredTarget,
} from './predict';

export interface LearningCurveJob {
  fractions: number[];
  /** The run's training data (its own dataset version). */
  parquetPath: string;
  columns: ColumnInfo[];
  latheVersion: string;
}

/** The metric a learning curve follows: AUC (binary), accuracy (multiclass), RMSE (regression). */
export function curveMetric(task: TrainConfig['task']): string {
  return task === 'binary' ? 'roc_auc' : task === 'multiclass' ? 'accuracy' : 'rmse';
}

export async function learningCurve(
  job: ScoreJob,
  curve: LearningCurveJob,
  cancel?: ScoreCancel,
  progress: ScoreProgress = () => undefined,
): Promise<NonNullable<EvaluationReport['learningCurve']>> {
  const metric = curveMetric(job.config.task);
  const out: NonNullable<EvaluationReport['learningCurve']> = [];
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  const fractions = [...curve.fractions].sort((a, b) => a - b);
  const isCancelled = () => cancel?.isCancelled() ?? false;
  for (const [i, fraction] of fractions.entries()) {
    throwIfCancelled(cancel);
    progress(
      i / fractions.length,
      `learning curve: training on ${+(fraction * 100).toFixed(2)}% of the training rows (${i + 1} of ${fractions.length})`,
    );
    const trained = await train(
      {
        runId: `learning-curve-${fraction}`,
        config: job.config,
        parquetPath: curve.parquetPath,
        columns: curve.columns,
        latheVersion: curve.latheVersion,
        trainFraction: fraction,
      },
      { isCancelled },
    );
    const file = (path: string) => trained.artifacts.find((a) => a.path === path)!.bytes;
    const scored = await scoreRows(
      {
        ...job,
        fitted: JSON.parse(text(file('features/fitted.json'))) as FittedFeatureSpec,
        target: JSON.parse(text(file('target.json'))) as StoredTarget,
        model: trained.artifacts.some((a) => a.path === 'model/gbdt.json')
          ? { kind: 'gbdt', json: text(file('model/gbdt.json')) }
          : {
              kind: 'tfjs',
              modelJson: text(file('model/model.json')),
              weights: file('model/weights.bin'),
            },
        segmentColumns: [],
        importanceRepeats: 0,
        // The curve needs one metric per share: no TreeSHAP of each retrained model.
        explain: false,
      },
      undefined,
      cancel,
    );
    const value =
      scored.classes.length > 0
        ? (
            classificationSuite(
              scored.labels,
              scored.probs,
              scored.classes.length,
            ) as unknown as Record<string, number | null>
          )[metric]
        : (
            regressionSuite(scored.actual, scored.predicted, scored.nFeatures) as unknown as Record<
              string,
              number | null
            >
          )[metric];
    out.push({ fraction, rows: trained.rows.train, metric, value: value ?? null });
  }
  return out;
}
