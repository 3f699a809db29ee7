// The serving contract inside main/serve: a model package on disk and the predictor that runs it.
// One runtime for everything: onnxruntime-node runs the package's model.onnx for the REST server, batch
// prediction and the exported Docker context alike.
import type { ModelSignature, ModelVersion } from '../../shared/contract';
import type { PredictionExplanation } from '../../shared/contract/serve';

/**
 * A model package: a folder holding everything needed to predict without the workspace —
 *   model.onnx      the model (features in, raw outputs / probabilities out)
 *   fitted.json     the fitted feature spec (FittedFeatureSpec, with `selection` when features were selected)
 *   target.json     the target as training stored it (classes, or mean/std of a regression target)
 *   package.json    PackageMeta below
 *   gbdt.json       a gradient-boosted version's trees (model/gbdt.json of its run), for explanations
 */
export interface PackageMeta {
  format: 'lathe-model-package';
  formatVersion: 1;
  model: string;
  version: number;
  /** The run behind the version; null for an imported model. */
  runId: string | null;
  signature: ModelSignature;
  lineage: ModelVersion['lineage'];
  /** For an imported model: the file it came from and its declared signature (onnx-import.ts). */
  source?: ModelVersion['source'];
  /** sha256 of model.onnx. */
  onnxSha256: string;
  /** The run's model type (packages written before it was recorded have none). */
  modelType?: 'linear' | 'mlp' | 'gbdt';
  /** sha256 of gbdt.json, present when the package holds the trees of a gradient-boosted version. */
  gbdtSha256?: string;
  /** The Lathe version that wrote the package (a cached package of another is written again). */
  producer?: string;
  createdAt: string;
}

/** One prediction: the value (class name or number) and, for classifiers, the probability per class. */
export interface Prediction {
  prediction: string | number;
  probabilities?: Record<string, number>;
  /** With `"explain": true` (tree models): each feature's share of the score (shared/contract/serve.ts). */
  contributions?: PredictionExplanation['contributions'];
  base?: PredictionExplanation['base'];
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
    /**
     * Lend x's buffer instead of copying it, where the model runs on another thread: x is detached until
     * the promise settles, and its buffer comes back, whole, as `input`. A predictor scoring where it is
     * answers no `input`, and x stays the caller's.
     */
    lend?: boolean,
  ): Promise<{
    predictions: (string | number)[];
    probabilities: Float32Array | null;
    input?: Float32Array;
  }>;
  /**
   * Predictions with TreeSHAP contributions and base values: present only for a tree model (a package with
   * gbdt.json). Explaining costs nothing until first asked.
   */
  explainRecords?(records: readonly Record<string, unknown>[]): Promise<Prediction[]>;
  /** Features the model takes (after the fitted spec and any selection). */
  readonly width: number;
  close(): Promise<void>;
}
