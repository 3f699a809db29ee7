// The validation scorer a training calls every epoch (a GBDT every round): its loss and metrics equal
// their definitions, computed here the plain way; on its worker thread it answers the same.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rocAuc } from '../../../../main/train/metrics';
import {
  createScorer,
  scorerThread,
  validationWorkerPath,
  type ScorerSpec,
} from '../../../../main/train/validation-score';

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

describe('scorerThread', () => {
  const rows = 5000;
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const cases: [string, ScorerSpec][] = [
    [
      'binary',
      {
        task: 'binary',
        target: { kind: 'classes', classes: ['no', 'yes'] },
        valid: valid(Array.from({ length: rows }, () => (rnd() < 0.3 ? 1 : 0))),
        outputDim: 1,
      },
    ],
    [
      'multiclass',
      {
        task: 'multiclass',
        target: { kind: 'classes', classes: ['a', 'b', 'c'] },
        valid: valid(Array.from({ length: rows }, () => Math.floor(rnd() * 3))),
        outputDim: 3,
      },
    ],
    [
      'regression',
      {
        task: 'regression',
        target: { kind: 'regression', mean: 3, std: 2 },
        valid: valid(
          new Array<number>(rows).fill(0),
          Array.from({ length: rows }, () => rnd() * 10),
        ),
        outputDim: 1,
      },
    ],
  ];

  it.each(cases)('%s: the worker answers, in order, what createScorer says', async (_, spec) => {
    const thread = scorerThread(spec);
    expect(thread, `${validationWorkerPath()} is built`).not.toBeNull();
    const local = createScorer(spec.task, spec.target, spec.valid, spec.outputDim);
    const outs = [0, 1, 2].map(() =>
      Float32Array.from({ length: rows * spec.outputDim }, () => rnd() * 6 - 3),
    );
    try {
      const answers = await Promise.all(outs.map((o) => thread!.score(o)));
      expect(answers).toEqual(outs.map((o) => local(o)));
    } finally {
      await thread!.close();
    }
    await expect(thread!.score(outs[0]!)).rejects.toThrow(/closed/);
  });

  it('a worker given arguments its schema refuses fails what is asked of it, naming the field', async () => {
    const thread = scorerThread({ ...cases[0]![1], outputDim: 0 })!;
    try {
      await expect(thread.score(new Float32Array(rows))).rejects.toThrow(/outputDim/);
    } finally {
      await thread.close();
    }
  });

  it('is null when the worker is not built, and a worker that fails fails what was asked', async () => {
    const spec = cases[0]![1];
    expect(scorerThread(spec, join(tmpdir(), 'lathe-no-such-worker.cjs'))).toBeNull();
    const dir = mkdtempSync(join(tmpdir(), 'lathe-scorer-'));
    const broken = join(dir, 'worker.cjs');
    writeFileSync(
      broken,
      "require('node:worker_threads').parentPort.on('message', () => process.exit(3));",
    );
    const thread = scorerThread(spec, broken)!;
    try {
      await expect(thread.score(new Float32Array(rows))).rejects.toThrow(/exited \(3\)/);
      await expect(thread.score(new Float32Array(rows))).rejects.toThrow(/exited \(3\)/);
    } finally {
      await thread.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
