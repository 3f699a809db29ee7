// The validation scorer a training calls every epoch (a GBDT every round): its loss and metrics equal
// their definitions, computed here the plain way.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rocAuc } from '../../../../main/train/metrics';
import { createScorer } from '../../../../main/train/validation';

const valid = (labels: number[], values: number[] = []) => ({
  rows: labels.length,
  x: new Float32Array(0),
  labels: Int32Array.from(labels),
  values: Float64Array.from(values),
});

describe('createScorer', () => {
  it('binary: mean clipped log loss of float32 probabilities, accuracy at 0.5, AUC', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.float({ min: -20, max: 20, noNaN: true })), {
          minLength: 2,
          maxLength: 60,
        }),
        (rows) => {
          const labels = rows.map(([y]) => (y ? 1 : 0));
          const out = Float32Array.from(rows.map(([, z]) => z));
          const score = createScorer(
            'binary',
            { kind: 'classes', classes: ['a', 'b'] },
            valid(labels),
            1,
          );
          const p = Float32Array.from(out, (z) => 1 / (1 + Math.exp(-z)));
          let ll = 0;
          let ok = 0;
          labels.forEach((y, i) => {
            const pi = Math.min(1 - 1e-7, Math.max(1e-7, p[i]!));
            ll -= y ? Math.log(pi) : Math.log(1 - pi);
            if ((p[i]! >= 0.5 ? 1 : 0) === y) ok++;
          });
          const got = score(out);
          expect(got.valLoss).toBe(ll / labels.length);
          expect(got.metrics.val_accuracy).toBe(ok / labels.length);
          const auc = rocAuc(Int32Array.from(labels), p);
          expect(got.metrics.val_auc).toBe(Number.isNaN(auc) ? undefined : auc);
        },
      ),
      { seed: 1414, numRuns: 100 },
    );
  });

  it('multiclass: softmax cross-entropy, accuracy and macro F1 of the arg max', () => {
    const k = 3;
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: k - 1 }),
            fc.array(fc.float({ min: -10, max: 10, noNaN: true }), { minLength: k, maxLength: k }),
          ),
          { minLength: 1, maxLength: 40 },
        ),
        (rows) => {
          const labels = rows.map(([y]) => y);
          const out = Float32Array.from(rows.flatMap(([, z]) => z));
          const score = createScorer(
            'multiclass',
            { kind: 'classes', classes: ['a', 'b', 'c'] },
            valid(labels),
            k,
          );
          let ll = 0;
          let ok = 0;
          rows.forEach(([y, z]) => {
            const zs = Array.from(Float32Array.from(z));
            const max = Math.max(...zs);
            const arg = zs.indexOf(max);
            const sum = zs.reduce((s, v) => s + Math.exp(v - max), 0);
            ll -= zs[y]! - max - Math.log(sum);
            if (arg === y) ok++;
          });
          const got = score(out);
          expect(got.valLoss).toBeCloseTo(ll / labels.length, 12);
          expect(got.metrics.val_accuracy).toBe(ok / labels.length);
        },
      ),
      { seed: 1415, numRuns: 100 },
    );
  });

  it('regression: the loss in standardized units, metrics in original units', () => {
    const actual = [10, 12, 9, 15];
    const score = createScorer(
      'regression',
      { kind: 'regression', mean: 11, std: 2 },
      valid([0, 0, 0, 0], actual),
      1,
    );
    const z = Float32Array.from([-0.5, 0.5, -1, 2]);
    const got = score(z);
    expect(got.valLoss).toBe(0);
    expect(got.metrics.val_rmse).toBe(0);
    const off = score(Float32Array.from([0, 0, 0, 0]));
    const se = actual.reduce((s, a) => s + (a - 11) ** 2, 0) / 4;
    expect(off.valLoss).toBeCloseTo(se / 4, 12);
    expect(off.metrics.val_rmse).toBeCloseTo(Math.sqrt(se), 12);
  });
});
