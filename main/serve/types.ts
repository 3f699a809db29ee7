// The serving contract inside main/serve: a model package on disk and the predictor that runs it.
// One runtime for everything: onnxruntime-node runs the package's model.onnx for the REST server, batch
// prediction and the exported Docker context alike.
import type { ModelVersion } from '../../shared/contract';

/**
 * A model package: a folder holding everything needed to predict without the workspace —
 *   model.onnx      the model (features in, raw outputs / probabilities out)
 *   fitted.json     the fitted feature spec (FittedFeatureSpec, with `selection` when features were selected)
 *   target.json     the target as training stored it (classes, or mean/std of a regression target)
 *   package.json    PackageMeta below
 */
export interface PackageMeta {
  format: 'lathe-model-package';
  formatVersion: 1;
  model: string;
  version: number;
  /** The run behind the version; null for an imported model. */
  runId: string | null;
  signature: ModelVersion['signature'];
  lineage: ModelVersion['lineage'];
  /** For an imported model: the file it came from and its declared signature (onnx-import.ts). */
  source?: ModelVersion['source'];
  /** sha256 of model.onnx. */
  onnxSha256: string;
  createdAt: string;
}

/** One prediction: the value (class name or number) and, for classifiers, the probability per class. */
export interface Prediction {
  prediction: string | number;
  probabilities?: Record<string, number>;
}

export interface Predictor {
  readonly meta: PackageMeta;
  /** Raw records (input column → value, as JSON gives them): transformed by the fitted spec, then scored. */
  predictRecords(records: readonly Record<string, unknown>[]): Promise<Prediction[]>;
  /**
   * Rows already transformed by the fitted spec (row-major, `width` features each — e.g. from the DuckDB
   * SQL executor in batch jobs): predictions and, for classifiers, an n × k probability matrix.
   */
  predictMatrix(
    x: Float32Array,
    rows: number,
  ): Promise<{ predictions: (string | number)[]; probabilities: Float32Array | null }>;
  /** Features the model takes (after the fitted spec and any selection). */
  readonly width: number;
  close(): Promise<void>;
}
