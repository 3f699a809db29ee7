import { describe, expect, it } from 'vitest';
import { accuracy, f1Macro, regressionMetrics, rocAuc } from '../../../../main/train/metrics';
import { createRng, permutation } from '../../../../main/train/random';
import { defaultBatchSize } from '../../../../main/train/trainer';

describe('classification metrics', () => {
  it('computes ROC-AUC by ranks, with ties at half credit', () => {
    // sklearn.metrics.roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75
    expect(
      rocAuc(Int32Array.from([0, 0, 1, 1]), Float32Array.from([0.1, 0.4, 0.35, 0.8])),
    ).toBeCloseTo(0.75, 10);
    expect(rocAuc(Int32Array.from([0, 1]), Float32Array.from([0.5, 0.5]))).toBe(0.5);
    expect(rocAuc(Int32Array.from([1, 1]), Float32Array.from([0.2, 0.3]))).toBeNaN();
  });

  it('computes accuracy and macro F1', () => {
    const y = Int32Array.from([0, 0, 1, 1, 2, 2]);
    const p = Int32Array.from([0, 1, 1, 1, 2, 0]);
    expect(accuracy(y, p)).toBeCloseTo(4 / 6, 12);
    // per class F1: 0 -> 2·1/(2·1+1+1) = 0.5, 1 -> 4/5, 2 -> 2/3
    expect(f1Macro(y, p, 3)).toBeCloseTo((0.5 + 0.8 + 2 / 3) / 3, 12);
  });
});

describe('regression metrics', () => {
  it('computes RMSE, MAE and R²', () => {
    const r = regressionMetrics(
      Float64Array.from([3, -0.5, 2, 7]),
      Float64Array.from([2.5, 0, 2, 8]),
    );
    // sklearn: mean_squared_error 0.375, mean_absolute_error 0.5, r2_score 0.9486081370449679
    expect(r.rmse).toBeCloseTo(Math.sqrt(0.375), 12);
    expect(r.mae).toBeCloseTo(0.5, 12);
    expect(r.r2).toBeCloseTo(0.9486081370449679, 12);
  });
});

describe('seeded randomness', () => {
  it('gives the same permutation for the same seed and a different one for another', () => {
    const a = permutation(1000, createRng(42));
    expect(Array.from(a)).toEqual(Array.from(permutation(1000, createRng(42))));
    expect(Array.from(a)).not.toEqual(Array.from(permutation(1000, createRng(43))));
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });
});

describe('defaultBatchSize', () => {
  it('is 256 on large data and shrinks so small data still gets about 50 steps an epoch', () => {
    expect(defaultBatchSize(1_000_000)).toBe(256);
    expect(defaultBatchSize(1169)).toBe(24);
    expect(defaultBatchSize(100)).toBe(16);
  });
});
