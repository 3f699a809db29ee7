// Tree ensembles exported to ONNX (main/serve/onnx-trees.ts) against the trainer's own predictions
// (predictRaw, then the head evaluation applies): onnxruntime-node must agree within 1e-6 on 10,000 rows
// with NaNs, infinities, values on the thresholds and category codes in, out of and below the split sets.
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import type { StoredTarget } from '../../../main/evaluate/predict';
import { exportTreesOnnx } from '../../../main/serve/onnx-trees';
import type { GbdtModel } from '../../../main/train/gbdt/tree-model';
import { headOutputs } from '../../helpers/gbdt';
import { tempDir } from '../../helpers/workspace';
import { randomModel, randomRows, type RandomModelOptions } from './random-model';

const ROWS = 10_000;
const t = tempDir('lathe-onnx-trees-');
afterAll(() => t.remove());

interface Case {
  name: string;
  seed: number;
  options: RandomModelOptions;
  target: StoredTarget;
}

const common = { features: 7, categorical: [1, 4], categories: 12, maxDepth: 6, leafScale: 0.3 };
const cases: Case[] = [
  {
    name: 'binary',
    seed: 11,
    options: { ...common, task: 'binary', outputs: 1, rounds: 120 },
    target: { task: 'binary', column: 'y', kind: 'classes', classes: ['no', 'yes'] },
  },
  {
    // Leaf values all positive: the case onnxruntime's one-class binary encoding gets wrong.
    name: 'binary-positive-leaves',
    seed: 12,
    options: { ...common, task: 'binary', outputs: 1, rounds: 30, leafScale: 0.05 },
    target: { task: 'binary', column: 'y', kind: 'classes', classes: ['a', 'b'] },
  },
  {
    name: 'multiclass',
    seed: 13,
    options: { ...common, task: 'multiclass', outputs: 4, rounds: 60 },
    target: { task: 'multiclass', column: 'y', kind: 'classes', classes: ['a', 'b', 'c', 'd'] },
  },
  {
    // Airport-sized categoricals: each split's set is ~120 of 300 codes in ~70 runs.
    name: 'binary-300-categories',
    seed: 17,
    options: { ...common, categories: 300, task: 'binary', outputs: 1, rounds: 40 },
    target: { task: 'binary', column: 'y', kind: 'classes', classes: ['on time', 'late'] },
  },
  {
    name: 'regression',
    seed: 14,
    options: { ...common, task: 'regression', outputs: 1, rounds: 150 },
    target: { task: 'regression', column: 'y', kind: 'regression', mean: 23.45, std: 7.81 },
  },
  {
    name: 'regression-large-units',
    seed: 15,
    options: { ...common, task: 'regression', outputs: 1, rounds: 80, maxDepth: 9 },
    target: { task: 'regression', column: 'y', kind: 'regression', mean: -51234.5, std: 20480.3 },
  },
  {
    name: 'deep-leafwise',
    seed: 16,
    options: {
      ...common,
      task: 'binary',
      outputs: 1,
      rounds: 5,
      maxDepth: 60,
      maxNodes: 400,
      stop: 0.45,
    },
    target: { task: 'binary', column: 'y', kind: 'classes', classes: ['0', '1'] },
  },
];

/** Distance in float32 steps between a float32 value and the float32 rounding of a double. */
function ulps(got: number, want: number): number {
  const a = new Float32Array([got, Math.fround(want)]);
  const i = new Int32Array(a.buffer);
  return Math.abs(i[0]! - i[1]!);
}

async function run(bytes: Uint8Array, x: Float32Array, rows: number, width: number) {
  const session = await InferenceSession.create(bytes);
  try {
    const out = await session.run({ features: new Tensor('float32', x, [rows, width]) });
    return Object.fromEntries(
      Object.entries(out).map(([name, tensor]) => [
        name,
        { dims: tensor.dims, data: tensor.data as Float32Array | BigInt64Array },
      ]),
    );
  } finally {
    await session.release();
  }
}

describe('GBDT → ONNX tree ensembles', () => {
  it.each(cases)(
    '$name: onnxruntime equals the trainer within 1e-6 on 10,000 rows',
    async ({ seed, options, target }) => {
      const model = randomModel(seed, options);
      const bytes = exportTreesOnnx({ model, target, producerVersion: 'test' });
      const x = randomRows(seed + 1000, options, ROWS);
      const want = headOutputs(model, target, x, ROWS);
      const got = await run(bytes, x, ROWS, options.features);
      if (target.kind === 'classes') {
        const k = target.classes.length;
        const p = got.probabilities!;
        expect(p.dims).toEqual([ROWS, k]);
        let max = 0;
        for (let i = 0; i < want.length; i++)
          max = Math.max(max, Math.abs(Number(p.data[i]) - want[i]!));
        expect(max).toBeLessThanOrEqual(1e-6);
        // The label is the index of the most probable class.
        const label = got.label!;
        expect(label.dims).toEqual([ROWS]);
        for (let r = 0; r < ROWS; r++) {
          const row = Array.from(want.subarray(r * k, r * k + k));
          const top = Math.max(...row);
          // Ties at float32 precision may break either way.
          expect(row[Number(label.data[r])]!).toBeGreaterThanOrEqual(top - 1e-6);
        }
      } else {
        const v = got.value!;
        expect(v.dims).toEqual([ROWS, 1]);
        let max = 0;
        let worstUlps = 0;
        for (let i = 0; i < ROWS; i++) {
          const g = Number(v.data[i]);
          max = Math.max(max, Math.abs(g - want[i]!) / Math.max(1, Math.abs(want[i]!)));
          worstUlps = Math.max(worstUlps, ulps(g, want[i]!));
        }
        // A float32 output holds ~7 digits: relative 1e-6, and at most one float32 step from the double.
        expect(max).toBeLessThanOrEqual(1e-6);
        expect(worstUlps).toBeLessThanOrEqual(1);
      }
    },
  );

  it('a model without trees predicts its base score', async () => {
    const model: GbdtModel = {
      ...randomModel(1, { ...common, task: 'binary', outputs: 1, rounds: 0 }),
      baseScore: [0.4],
    };
    const target: StoredTarget = {
      task: 'binary',
      column: 'y',
      kind: 'classes',
      classes: ['n', 'y'],
    };
    const got = await run(
      exportTreesOnnx({ model, target, producerVersion: 'test' }),
      new Float32Array(14),
      2,
      7,
    );
    const p = 1 / (1 + Math.exp(-0.4));
    expect(Array.from(got.probabilities!.data, Number)).toEqual(
      [1 - p, p, 1 - p, p].map((v) => expect.closeTo(v, 7) as unknown as number),
    );
  });

  it('refuses a model that does not fit its target or is malformed, naming what', () => {
    const model = randomModel(2, { ...common, task: 'multiclass', outputs: 3, rounds: 2 });
    const classes3: StoredTarget = {
      task: 'multiclass',
      column: 'y',
      kind: 'classes',
      classes: ['a', 'b', 'c'],
    };
    expect(() =>
      exportTreesOnnx({
        model,
        target: { ...classes3, classes: ['a', 'b', 'c', 'd'] },
        producerVersion: 't',
      }),
    ).toThrow(/target with 4 classes needs 4 outputs per row, the model gives 3/);
    expect(() =>
      exportTreesOnnx({
        model: { ...model, trees: model.trees.slice(1) },
        target: classes3,
        producerVersion: 't',
      }),
    ).toThrow(/5 trees is not a whole number of rounds of 3/);
    const broken = structuredClone(model);
    broken.trees[2]!.left[0] = 0;
    expect(() =>
      exportTreesOnnx({ model: broken, target: classes3, producerVersion: 't' }),
    ).toThrow(/tree 2 node 0: child 0 is not a node of the tree/);
    const nan = structuredClone(model);
    const leaf = nan.trees[1]!.feature.indexOf(-1);
    nan.trees[1]!.value[leaf] = NaN;
    expect(() => exportTreesOnnx({ model: nan, target: classes3, producerVersion: 't' })).toThrow(
      new RegExp(`tree 1 node ${leaf}: leaf value NaN is not finite`),
    );
  });

  it('the onnx checker accepts every exported model (full_check)', (ctx) => {
    const probe = spawnSync('/usr/bin/python3', ['-c', 'import onnx'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      ctx.skip(
        `python3-onnx is not importable by /usr/bin/python3 (apt-get install python3-onnx): ${probe.stderr.trim().split('\n').pop() ?? ''}`,
      );
      return;
    }
    const files = cases.map(({ name, seed, options, target }) => {
      const file = join(t.dir, `${name}.onnx`);
      const model = randomModel(seed, options);
      writeFileSync(file, exportTreesOnnx({ model, target, producerVersion: 'test' }));
      return file;
    });
    execFileSync('/usr/bin/python3', [
      '-c',
      'import onnx,sys\nfor f in sys.argv[1:]: onnx.checker.check_model(onnx.load(f), full_check=True)',
      ...files,
    ]);
  });
});
