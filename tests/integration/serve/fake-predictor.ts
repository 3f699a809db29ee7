// A Predictor test double: a regression "model" whose prediction is w · (x + bias), so every answer
// is checkable. `gate` lets a test hold predictions in flight.
import type { PackageMeta, Prediction, Predictor } from '../../../main/serve/types';

export const SIGNATURE: PackageMeta['signature'] = {
  inputs: [
    { name: 'x1', type: 'DOUBLE', kind: 'numeric' },
    { name: 'x2', type: 'DOUBLE', kind: 'numeric' },
    { name: 'color', type: 'VARCHAR', kind: 'categorical' },
  ],
  output: { task: 'regression', target: 'y' },
};

export class LinearPredictor implements Predictor {
  readonly width = 2;
  readonly meta: PackageMeta;
  closed = false;
  calls = 0;
  gate: Promise<void> | null = null;
  constructor(
    readonly version: number,
    readonly bias = version,
    model = 'm',
  ) {
    this.meta = {
      format: 'lathe-model-package',
      formatVersion: 1,
      model,
      version,
      runId: `run${version}`,
      signature: SIGNATURE,
      lineage: {
        runId: `run${version}`,
        runName: 'r',
        experiment: 'e',
        dataset: 'd',
        datasetVersion: 1,
        datasetHash: 'h'.repeat(64),
        configHash: 'c'.repeat(64),
        featureSpecHash: null,
        gitCommit: null,
      },
      onnxSha256: 'o'.repeat(64),
      createdAt: new Date(0).toISOString(),
    };
  }
  async predictRecords(records: readonly Record<string, unknown>[]): Promise<Prediction[]> {
    if (this.closed) throw new Error(`predictor v${this.version} used after close`);
    this.calls++;
    if (this.gate) await this.gate;
    if (this.closed) throw new Error(`predictor v${this.version} closed mid-request`);
    return records.map((r) => ({
      prediction: Number(r.x1 ?? 0) + 2 * Number(r.x2 ?? 0) + this.bias,
    }));
  }
  predictMatrix(): Promise<{ predictions: number[]; probabilities: null }> {
    return Promise.reject(new Error('not used by the server'));
  }
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
