import { describe, expect, it } from 'vitest';
import { LatheError } from '../../../shared/contract/errors';
import { predictRaw, type GbdtModel } from '../../../main/train/gbdt/tree-model';
import {
  jsEngine,
  trainGbdt,
  type GbdtCheckpoint,
  type GbdtData,
  type GbdtParams,
} from '../../../main/train/gbdt/train-gbdt';
import { createWasmEngine } from '../../../main/train/gbdt/wasm-engine';
import type { HistEngine } from '../../../main/train/gbdt/hist-engine';
import { defaults, recorder, table } from './data';

const one = (x: number[], y: number[]): GbdtData => ({
  x: Float32Array.from(x),
  rows: x.length,
  width: 1,
  features: ['x'],
  categorical: [],
  y: Float32Array.from(y),
  weights: null,
});

const stump: GbdtParams = {
  ...defaults,
  objective: 'squared_error',
  trees: 1,
  maxDepth: 1,
  learningRate: 1,
  minChildWeight: 0,
};

async function fit(
  p: GbdtParams,
  d: GbdtData,
  valid = { x: d.x, rows: d.rows },
): Promise<{ model: GbdtModel; rounds: ReturnType<typeof recorder>['rounds'] }> {
  const rec = recorder();
  const model = await trainGbdt(p, d, valid, rec.hooks);
  return { model, rounds: rec.rounds };
}

describe('trainGbdt: one split by hand', () => {
  // y = 0 0 1 1 over x = 1 2 3 4; base score 0.5, so gradients 0.5 0.5 −0.5 −0.5 and hessians 1.
  it('splits at the largest training value of the left bins, with XGBoost gain and −G/(H+λ) leaves', async () => {
    const { model } = await fit(stump, one([1, 2, 3, 4], [0, 0, 1, 1]));
    expect(model.baseScore).toEqual([0.5]);
    const t = model.trees[0]!;
    expect(t.feature).toEqual([0, -1, -1]);
    expect(t.threshold[0]).toBe(2);
    // G_L = 1, H_L = 2; G_R = −1, H_R = 2; λ = 1: gain 1/3 + 1/3 − 0/5.
    expect(t.gain[0]).toBeCloseTo(2 / 3, 12);
    expect(t.value[1]).toBeCloseTo(-1 / 3, 12);
    expect(t.value[2]).toBeCloseTo(1 / 3, 12);
    expect(t.cover).toEqual([4, 2, 2]);
    expect(Array.from(predictRaw(model, [2, 2.5, 3], 3))).toEqual([
      0.5 + t.value[1]!,
      0.5 + t.value[2]!,
      0.5 + t.value[2]!,
    ]);
  });

  it('soft-thresholds gradients by L1 and scales leaves by the learning rate', async () => {
    const { model } = await fit(
      { ...stump, l1: 0.5, learningRate: 0.1 },
      one([1, 2, 3, 4], [0, 0, 1, 1]),
    );
    const t = model.trees[0]!;
    // T(1) = 0.5 on each side: gain 0.25/3 · 2; leaves ∓0.5/3 · 0.1.
    expect(t.gain[0]).toBeCloseTo(1 / 6, 12);
    expect(t.value[1]).toBeCloseTo(-0.05 / 3, 12);
    expect(t.value[2]).toBeCloseTo(0.05 / 3, 12);
  });

  it('does not split below minSplitGain or minChildWeight', async () => {
    const d = one([1, 2, 3, 4], [0, 0, 1, 1]);
    expect((await fit({ ...stump, minSplitGain: 0.7 }, d)).model.trees[0]!.feature).toEqual([-1]);
    expect((await fit({ ...stump, minChildWeight: 2.5 }, d)).model.trees[0]!.feature).toEqual([-1]);
  });

  it('learns where missing values go', async () => {
    const nan = NaN;
    const high = await fit(stump, one([1, 2, 3, 4, nan, nan], [0, 0, 1, 1, 1, 1]));
    const th = high.model.trees[0]!;
    expect(th.threshold[0]).toBe(2);
    expect(th.defaultLeft[0]).toBe(false);
    const low = await fit(stump, one([1, 2, 3, 4, nan, nan], [0, 0, 1, 1, 0, 0]));
    const tl = low.model.trees[0]!;
    expect(tl.threshold[0]).toBe(2);
    expect(tl.defaultLeft[0]).toBe(true);
    expect(predictRaw(low.model, [nan], 1)[0]).toBe(predictRaw(low.model, [1], 1)[0]);
  });

  it('finds a grouped categorical split one split deep, where one-hot would need three', async () => {
    const codes: number[] = [];
    const y: number[] = [];
    for (let i = 0; i < 800; i++) {
      codes.push(i % 8);
      y.push([1, 4, 6].includes(i % 8) ? 1 : 0);
    }
    const d = { ...one(codes, y), categorical: [0] };
    const { model } = await fit({ ...stump, l2: 0 }, d);
    const t = model.trees[0]!;
    expect(t.feature[0]).toBe(0);
    expect([
      [1, 4, 6],
      [0, 2, 3, 5, 7],
    ]).toContainEqual(t.categories[0]);
    const raw = predictRaw(model, [0, 1, 2, 3, 4, 5, 6, 7], 8);
    Array.from(raw).forEach((v, code) =>
      expect(v).toBeCloseTo([1, 4, 6].includes(code) ? 1 : 0, 10),
    );
    // A code never seen in training and a missing one go where predictRaw sends them, like training.
    expect(Number.isFinite(predictRaw(model, [99, -1], 2)[1])).toBe(true);
  });
});

describe('trainGbdt: objectives', () => {
  const cases: [GbdtParams['objective'], 'logistic' | 'softmax' | 'regression', number][] = [
    ['logistic', 'logistic', 1],
    ['softmax', 'softmax', 3],
    ['squared_error', 'regression', 1],
    ['absolute_error', 'regression', 1],
    ['huber', 'regression', 1],
  ];
  it.each(cases)('%s reduces its training loss round after round', async (objective, task, k) => {
    const d = table(3000, 11, task);
    const valid = table(500, 12, task);
    const p = { ...defaults, objective, outputs: k, trees: 12 };
    const { model, rounds } = await fit(p, d, { x: valid.x, rows: valid.rows });
    expect(rounds.map((r) => r.round)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    const losses = rounds.map((r) => r.trainLoss);
    for (let i = 1; i < losses.length; i++) expect(losses[i]!).toBeLessThanOrEqual(losses[i - 1]!);
    expect(losses.at(-1)!).toBeLessThan(losses[0]! * 0.9);
    expect(model.trees).toHaveLength(12 * k);
    expect(model.outputs).toBe(k);
    // The validation scores reported are the stored model's raw predictions.
    const expected = Float32Array.from(predictRaw(model, valid.x, valid.rows));
    expect(rounds.at(-1)!.validRaw).toEqual(expected);
  });

  it('absolute error: leaves are the learning rate times the median residual; cover counts rows', async () => {
    const d = one([1, 2, 3, 4, 5, 6], [0, 1, 10, 20, 21, 100]);
    const { model } = await fit({ ...stump, objective: 'absolute_error', learningRate: 0.5 }, d);
    expect(model.baseScore).toEqual([15]);
    const t = model.trees[0]!;
    expect(t.cover[0]).toBe(6);
    const leaves = t.feature.flatMap((f, n) => (f < 0 ? [n] : []));
    for (const n of leaves) {
      const rows = [1, 2, 3, 4, 5, 6].filter((x) =>
        n === t.left[0] ? x <= t.threshold[0]! : x > t.threshold[0]!,
      );
      const res = rows.map((x) => [0, 1, 10, 20, 21, 100][x - 1]! - 15).sort((a, b) => a - b);
      const m = res.length;
      const median = m % 2 ? res[(m - 1) / 2]! : (res[m / 2 - 1]! + res[m / 2]!) / 2;
      expect(t.value[n]).toBeCloseTo(0.5 * median, 12);
      expect(t.cover[n]).toBe(m);
    }
  });
});

describe('trainGbdt: the same trees whatever the engine and threads', () => {
  const variants: [string, Partial<GbdtParams>][] = [
    ['depth-wise', {}],
    [
      'leaf-wise with sampling',
      { growth: 'leafwise', maxLeaves: 12, maxDepth: 0, subsample: 0.8, colsample: 0.6 },
    ],
  ];
  it.each(variants)(
    '%s: TypeScript engine = WebAssembly on 1 thread = on 3 threads',
    async (_, extra) => {
      const d = table(4000, 21, 'softmax');
      const valid = table(300, 22, 'softmax');
      const p: GbdtParams = { ...defaults, objective: 'softmax', outputs: 3, trees: 6, ...extra };
      const v = { x: valid.x, rows: valid.rows };
      const ref = await trainGbdt(p, d, v, recorder().hooks, undefined, jsEngine);
      const one = await trainGbdt({ ...p, threads: 1 }, d, v, recorder().hooks);
      const three = await trainGbdt({ ...p, threads: 3 }, d, v, recorder().hooks);
      expect(ref.trees.some((t) => t.feature.length > 7)).toBe(true);
      expect(JSON.stringify(one)).toBe(JSON.stringify(ref));
      expect(JSON.stringify(three)).toBe(JSON.stringify(ref));
    },
  );
});

describe('trainGbdt: logistic in WebAssembly', () => {
  it('weighted, with categories and missing values: 1, 2 and 3 threads give the same trees', async () => {
    // More rows than one chunk of the logistic pass, and an odd count (the padded last pair).
    const d = table(40_001, 91, 'logistic');
    d.weights = Float32Array.from({ length: d.rows }, (_, i) => (d.y[i] ? 2.5 : 1));
    const p: GbdtParams = { ...defaults, trees: 4, maxDepth: 5 };
    const models = [];
    const losses = [];
    for (const threads of [1, 2, 3]) {
      const rec = recorder();
      models.push(JSON.stringify(await trainGbdt({ ...p, threads }, d, d, rec.hooks)));
      losses.push(rec.rounds.map((r) => r.trainLoss));
    }
    expect(models[1]).toBe(models[0]);
    expect(models[2]).toBe(models[0]);
    expect(losses[1]).toEqual(losses[0]);
    expect(losses[2]).toEqual(losses[0]);
  });
});

describe('trainGbdt: checkpoints, resume, early stop, cancel', () => {
  const p: GbdtParams = {
    ...defaults,
    trees: 12,
    subsample: 0.7,
    colsample: 0.6,
    threads: 2,
  };

  it('resuming from a mid-run checkpoint ends with the uninterrupted run’s trees and rounds', async () => {
    const d = table(3000, 31, 'logistic');
    const valid = table(400, 32, 'logistic');
    const v = { x: valid.x, rows: valid.rows };
    const checkpoints: GbdtCheckpoint[] = [];
    const full = recorder();
    const whole = await trainGbdt(p, d, v, {
      ...full.hooks,
      checkpointEvery: 4,
      onCheckpoint: (c) => checkpoints.push(JSON.parse(JSON.stringify(c)) as GbdtCheckpoint),
    });
    expect(checkpoints.map((c) => c.round)).toEqual([4, 8]);
    const resumed = recorder();
    const again = await trainGbdt(p, d, v, resumed.hooks, checkpoints[0]);
    expect(JSON.stringify(again)).toBe(JSON.stringify(whole));
    expect(resumed.rounds.map((r) => r.round)).toEqual([5, 6, 7, 8, 9, 10, 11, 12]);
    expect(resumed.rounds).toEqual(full.rounds.slice(4));
  });

  // A killed run resumes from whichever checkpoint was stored last, so every round's must do. Resuming routes
  // the training rows through the stored trees; trained on every row, an uninterrupted run adds each leaf's
  // value to its rows instead (the absolute-error case), and sampled rows draw per round.
  const anyRound: [string, Partial<GbdtParams>, 'logistic' | 'softmax' | 'regression'][] = [
    [
      'softmax with row sampling',
      { objective: 'softmax', outputs: 3, subsample: 0.8, colsample: 1 },
      'softmax',
    ],
    [
      'logistic, leaf-wise, rows and features sampled',
      { growth: 'leafwise', maxLeaves: 6, maxDepth: 0 },
      'logistic',
    ],
    [
      'absolute error on every row',
      { objective: 'absolute_error', subsample: 1, colsample: 1 },
      'regression',
    ],
  ];
  it.each(anyRound)(
    '%s (2 threads): resumed from the checkpoint of any round, ends with the uninterrupted model',
    async (_, extra, task) => {
      const q: GbdtParams = { ...p, trees: 16, ...extra };
      const d = table(800, 71, task);
      const valid = table(200, 72, task);
      const v = { x: valid.x, rows: valid.rows };
      // Stored as the checkpoint file stores them: JSON.
      const checkpoints: GbdtCheckpoint[] = [];
      const full = recorder();
      const whole = JSON.stringify(
        await trainGbdt(q, d, v, {
          ...full.hooks,
          checkpointEvery: 1,
          onCheckpoint: (c) => checkpoints.push(JSON.parse(JSON.stringify(c)) as GbdtCheckpoint),
        }),
      );
      expect(checkpoints.map((c) => c.round)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
      const differing: number[] = [];
      for (const c of checkpoints) {
        const resumed = recorder();
        const model = JSON.stringify(await trainGbdt(q, d, v, resumed.hooks, c));
        const same =
          model === whole &&
          JSON.stringify(resumed.rounds) === JSON.stringify(full.rounds.slice(c.round));
        if (!same) differing.push(c.round);
      }
      expect(differing, 'checkpoint rounds whose resume differs').toEqual([]);
    },
  );

  // With `measure`, a round is reported once the next has grown: a stop then drops that round's trees.
  it.each([
    ['never stopped', 0],
    ['stopped at round 1', 1],
    ['stopped at round 5', 5],
    ['stopped at round 11 (the one before the last)', 11],
    ['stopped at the last round', 12],
  ])(
    'rounds measured elsewhere (%s): the same rounds, trees, checkpoints and stop as in place',
    async (_, stopAt) => {
      const q: GbdtParams = { ...p, objective: 'softmax', outputs: 3 };
      const d = table(900, 81, 'softmax');
      const valid = table(300, 82, 'softmax');
      const v = { x: valid.x, rows: valid.rows };
      const sum = (raw: Float32Array) => raw.reduce((a, b) => a + b, 0);
      const run = async (measured: boolean) => {
        const rounds: { round: number; trainLoss: number; validRaw: Float32Array }[] = [];
        const checkpoints: string[] = [];
        const model = await trainGbdt<number>(q, d, v, {
          ...(measured
            ? {
                // Answers after the training thread has moved on (a worker's message would too).
                measure: (raw: Float32Array) =>
                  new Promise<number>((resolve) => setTimeout(() => resolve(sum(raw)), 1)),
              }
            : {}),
          onRound: (r) => {
            if (measured) expect(r.measured).toBe(sum(r.validRaw));
            else expect(r.measured).toBeUndefined();
            rounds.push({ round: r.round, trainLoss: r.trainLoss, validRaw: r.validRaw });
            return r.round === stopAt ? 'stop' : 'continue';
          },
          checkpointEvery: 2,
          onCheckpoint: (c) => checkpoints.push(JSON.stringify(c)),
        });
        return { model: JSON.stringify(model), rounds, checkpoints, trained: model.roundsTrained };
      };
      const inPlace = await run(false);
      const elsewhere = await run(true);
      expect(inPlace.trained).toBe(stopAt || 12);
      expect(elsewhere.trained).toBe(inPlace.trained);
      expect(elsewhere.rounds).toEqual(inPlace.rounds);
      expect(elsewhere.rounds.map((r) => r.round)).toEqual(
        Array.from({ length: stopAt || 12 }, (_, i) => i + 1),
      );
      // Every second round that went on, never the last.
      const last = stopAt ? stopAt - 1 : 11;
      expect(inPlace.checkpoints.map((c) => (JSON.parse(c) as GbdtCheckpoint).round)).toEqual(
        [2, 4, 6, 8, 10].filter((r) => r <= last),
      );
      expect(elsewhere.checkpoints).toEqual(inPlace.checkpoints);
      expect(elsewhere.model).toBe(inPlace.model);
    },
  );

  it('stops when onRound says so, with every trained round’s trees', async () => {
    const d = table(1000, 41, 'softmax');
    const model = await trainGbdt({ ...p, objective: 'softmax', outputs: 3 }, d, d, {
      onRound: (r) => (r.round === 3 ? 'stop' : 'continue'),
    });
    expect(model.trees).toHaveLength(9);
    expect(model.roundsTrained).toBe(3);
  });

  it('a cancel throws CANCELLED and leaves no worker running', async () => {
    const d = table(2000, 51, 'logistic');
    const engines: HistEngine[] = [];
    const seen: number[] = [];
    let rounds = 0;
    const run = trainGbdt(
      p,
      d,
      d,
      {
        onRound: () => {
          rounds++;
          seen.push(engines[0]!.liveWorkers());
          return 'continue';
        },
        isCancelled: () => rounds >= 2,
      },
      undefined,
      async (...a) => {
        const e = await createWasmEngine(...a);
        engines.push(e);
        return e;
      },
    );
    await expect(run).rejects.toSatisfy((e) => e instanceof LatheError && e.code === 'CANCELLED');
    expect(seen).toEqual([1, 1]);
    expect(engines[0]!.liveWorkers()).toBe(0);
  });

  it('rejects data that does not fit its shape, naming the field', async () => {
    const d = table(100, 61, 'logistic');
    await expect(
      trainGbdt(defaults, { ...d, y: new Float32Array(99) }, d, recorder().hooks),
    ).rejects.toThrow(/y has 99 values, expected 100/);
    await expect(
      trainGbdt(
        { ...defaults, objective: 'softmax', outputs: 3 },
        { ...d, y: Int32Array.from(d.y, () => 3) },
        d,
        recorder().hooks,
      ),
    ).rejects.toThrow(/class index 3 of row 0/);
    for (const [field, value] of [
      ['trees', 0],
      ['subsample', 1.5],
      ['threads', NaN],
      ['maxBins', 1],
    ] as const) {
      await expect(
        trainGbdt({ ...defaults, [field]: value }, d, d, recorder().hooks),
      ).rejects.toThrow(new RegExp(`model\\.${field} is ${String(value)}`));
    }
  });
});

describe('trainGbdt: validation rows the training never saw', () => {
  it('routes NaN where training had none, unseen codes and out-of-range values as predictRaw does', async () => {
    const d = table(3000, 71, 'regression');
    const vrows = 8;
    const vx = new Float32Array(vrows * 5);
    const rows = [
      [NaN, 0.5, 0.5, 3, 2],
      [5, 0.5, 0.5, 3, 2],
      [-3, 0.5, 0.5, 3, 2],
      [0.5, 7, 0.5, 99, 2],
      [0.5, NaN, 0.5, -1, 9],
      [0.5, 0.5, NaN, NaN, NaN],
      [1, 1, 1, 11, 4],
      [0, 0, 0, 0, 0],
    ];
    rows.forEach((r, i) => vx.set(r, i * 5));
    const { model, rounds } = await fit({ ...defaults, objective: 'squared_error' }, d, {
      x: vx,
      rows: vrows,
    });
    expect(rounds.at(-1)!.validRaw).toEqual(Float32Array.from(predictRaw(model, vx, vrows)));
  });
});
