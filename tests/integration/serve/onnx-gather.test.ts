import { describe, expect, it } from 'vitest';
import { exportOnnx } from '../../../main/serve/onnx-export';
import { gatherFirstLayer, type GatherPlan } from '../../../main/serve/onnx-gather';
import { loadOrt } from '../../../main/serve/ort';
import { readFields, fieldText } from '../../../main/serve/onnx-proto';
import type { StoredTarget } from '../../../main/evaluate/predict';

// A small network as training saves it (tfjs model.json + weights.bin), with seeded weights.
function network(width: number, layers: { units: number; activation: string }[], seed: number) {
  let s = seed;
  const random = () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31 - 0.5;
  };
  const manifest: { name: string; shape: number[] }[] = [];
  const values: number[] = [];
  let inDim = width;
  const config = layers.flatMap((l, i) => {
    const name = `dense_${i}`;
    manifest.push({ name: `${name}/kernel`, shape: [inDim, l.units] });
    for (let k = 0; k < inDim * l.units; k++) values.push(random());
    manifest.push({ name: `${name}/bias`, shape: [l.units] });
    for (let k = 0; k < l.units; k++) values.push(random() / 4);
    inDim = l.units;
    const dense = {
      class_name: 'Dense',
      config: { name, units: l.units, activation: l.activation, use_bias: true },
    };
    return i === 0
      ? [dense, { class_name: 'Dropout', config: { name: 'drop', rate: 0.2 } }]
      : [dense];
  });
  return {
    modelJson: JSON.stringify({
      modelTopology: { class_name: 'Sequential', config: { layers: config } },
      weightsManifest: [{ weights: manifest }],
    }),
    weights: new Uint8Array(Float32Array.from(values).buffer),
  };
}

/**
 * The model's wide rows and the compact rows of the same data: `plan` says where each compact column's
 * value goes; each row picks random codes (the last one: none of the categories).
 */
function rowsOf(plan: GatherPlan, width: number, offsets: number[], n: number) {
  const d = plan.dense.length;
  const compactWidth = d + plan.codes.length;
  const wide = new Float32Array(n * width);
  const compact = new Float32Array(n * compactWidth);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < d; j++) {
      const v = Math.sin(r * 7 + j * 13) * 3;
      wide[r * width + plan.dense[j]!] = v;
      compact[r * compactWidth + j] = v;
    }
    plan.codes.forEach((codes, i) => {
      const code = (r * 31 + i * 17) % codes.length;
      const column = codes[code]!;
      if (column >= 0) wide[r * width + column] = 1;
      compact[r * compactWidth + d + i] = offsets[i]! + code;
    });
  }
  return { wide, compact, compactWidth };
}

async function score(
  onnx: Uint8Array,
  x: Float32Array,
  rows: number,
  width: number,
  output: string,
) {
  const ort = await loadOrt();
  const session = await ort.InferenceSession.create(onnx);
  try {
    const result = await session.run({ features: new ort.Tensor('float32', x, [rows, width]) });
    return Float32Array.from(result[output]!.data as Float32Array);
  } finally {
    await session.release();
  }
}

// 12 model columns: dense features at 0, 5 and 11; a one-hot column of 4 codes (3 categories and
// "other") at 1-4, of which the model dropped one (-1); another of 6 codes at 6-10 and -1.
const PLAN: GatherPlan = {
  dense: [0, 5, 11],
  codes: [
    [1, 2, -1, 3],
    [6, 7, 8, 9, 10, -1],
  ],
};
const WIDTH = 12;
const ROWS = 500;

const targets: [string, StoredTarget, string, number][] = [
  [
    'regression',
    { kind: 'regression', task: 'regression', column: 'y', mean: 3, std: 2 },
    'value',
    1,
  ],
  [
    'binary',
    { kind: 'classes', task: 'binary', column: 'y', classes: ['no', 'yes'] },
    'probabilities',
    1,
  ],
  [
    'multiclass',
    { kind: 'classes', task: 'multiclass', column: 'y', classes: ['a', 'b', 'c'] },
    'probabilities',
    3,
  ],
];

/** A regression network: a first layer of `units` → 1. */
const regressionNet = (units: number, activation: string, seed: number) =>
  exportOnnx({
    ...network(
      WIDTH,
      [
        { units, activation },
        { units: 1, activation: 'linear' },
      ],
      seed,
    ),
    target: targets[0]![1],
    producerVersion: 'test',
  });

describe('the batch form of a network (onnx-gather)', () => {
  for (const [label, target, output, units] of targets)
    it(`scores compact rows as the model scores its one-hot rows: ${label}`, async () => {
      const onnx = exportOnnx({
        ...network(
          WIDTH,
          [
            { units: 8, activation: 'relu' },
            { units, activation: 'linear' },
          ],
          units * 7 + 1,
        ),
        target,
        producerVersion: 'test',
      });
      const gathered = gatherFirstLayer(onnx, PLAN)!;
      expect(gathered.width).toBe(5);
      expect(gathered.offsets).toEqual([0, 4]);
      const { wide, compact, compactWidth } = rowsOf(PLAN, WIDTH, gathered.offsets, ROWS);
      const want = await score(onnx, wide, ROWS, WIDTH, output);
      const got = await score(gathered.onnx, compact, ROWS, compactWidth, output);
      expect(got.length).toBe(want.length);
      let worst = 0;
      for (let i = 0; i < want.length; i++)
        worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / Math.max(1, Math.abs(want[i]!)));
      expect(worst).toBeLessThan(1e-5);
      // The rows differ: the comparison is not between constant outputs.
      expect(new Set(Array.from(want, (v) => v.toFixed(4))).size).toBeGreaterThan(ROWS / 10);
    });

  /** A model's initializers' names and its nodes' operators, in order. */
  const parts = (bytes: Uint8Array) => {
    const graph = readFields(readFields(bytes).find((f) => f.field === 7)!.payload!);
    const field = (f: (typeof graph)[number], k: number) =>
      fieldText(readFields(f.payload!).find((x) => x.field === k)!);
    return {
      inits: graph.filter((f) => f.field === 5).map((f) => field(f, 8)),
      ops: graph.filter((f) => f.field === 1).map((f) => field(f, 4)),
    };
  };

  it("keeps the rest of the graph, drops the first layer's wide kernel, and folds a regression's scaling into its last Gemm", () => {
    const onnx = regressionNet(4, 'tanh', 3);
    const before = parts(onnx);
    const after = parts(gatherFirstLayer(onnx, PLAN)!.onnx);
    expect(before.inits).toContain('dense_0/kernel');
    expect(before.ops.slice(-2)).toEqual(['Mul', 'Add']);
    // The first layer's kernel and bias are in the compact kernel and the table.
    expect(after.inits).not.toContain('dense_0/kernel');
    expect(after.inits).not.toContain('dense_0/bias');
    // target · std + mean is in the last Gemm's kernel and bias.
    expect(after.inits).not.toEqual(
      expect.arrayContaining([expect.stringMatching(/^(target_|dense_1\/)/)]),
    );
    expect(after.inits).toEqual(
      expect.arrayContaining(['lathe_gather/tail_kernel', 'lathe_gather/tail_bias']),
    );
    // Per one-hot column its codes' rows, summed into the first Gemm's C; then the activation, and the
    // last Gemm.
    expect(after.ops).toEqual([
      ...['Gather', 'Cast', 'Gather', 'Gather', 'Cast', 'Gather', 'Add'],
      ...['Gemm', 'Tanh', 'Gemm'],
    ]);
    // Classifiers keep their tails as they are.
    const binary = exportOnnx({
      ...network(
        WIDTH,
        [
          { units: 4, activation: 'relu' },
          { units: 1, activation: 'linear' },
        ],
        4,
      ),
      target: targets[1]![1],
      producerVersion: 'test',
    });
    expect(parts(gatherFirstLayer(binary, PLAN)!.onnx).ops.slice(-3)).toEqual(
      parts(binary).ops.slice(-3),
    );
  });

  it("folds a regression's scaling when a hidden layer has Adds of its own (GELU), and scores as the model", async () => {
    const onnx = regressionNet(4, 'gelu', 7);
    expect(parts(onnx).ops).toContain('Erf');
    const gathered = gatherFirstLayer(onnx, PLAN)!;
    expect(parts(gathered.onnx).ops.slice(-3)).toEqual(['Mul', 'Mul', 'Gemm']);
    const { wide, compact, compactWidth } = rowsOf(PLAN, WIDTH, gathered.offsets, ROWS);
    const want = await score(onnx, wide, ROWS, WIDTH, 'value');
    const got = await score(gathered.onnx, compact, ROWS, compactWidth, 'value');
    for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i]!, 4);
  });

  it('a regression of one layer (its first Gemm is its last) keeps its scaling, and scores as the model', async () => {
    const onnx = exportOnnx({
      ...network(WIDTH, [{ units: 1, activation: 'linear' }], 11),
      target: targets[0]![1],
      producerVersion: 'test',
    });
    const gathered = gatherFirstLayer(onnx, PLAN)!;
    expect(parts(gathered.onnx).ops.slice(-2)).toEqual(['Mul', 'Add']);
    const { wide, compact, compactWidth } = rowsOf(PLAN, WIDTH, gathered.offsets, ROWS);
    const want = await score(onnx, wide, ROWS, WIDTH, 'value');
    const got = await score(gathered.onnx, compact, ROWS, compactWidth, 'value');
    for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i]!, 4);
  });

  it('leaves alone what it does not rewrite: no one-hot column, a plan past the model, a first node other than Gemm, bytes that are no model', () => {
    const onnx = regressionNet(4, 'relu', 5);
    expect(gatherFirstLayer(onnx, { dense: PLAN.dense, codes: [] })).toBeNull();
    expect(gatherFirstLayer(onnx, { dense: [0], codes: [[1, 12]] })).toBeNull();
    const activationFirst = JSON.parse(
      network(WIDTH, [{ units: 1, activation: 'linear' }], 9).modelJson,
    ) as {
      modelTopology: { config: { layers: unknown[] } };
    };
    activationFirst.modelTopology.config.layers.unshift({
      class_name: 'Activation',
      config: { name: 'act', activation: 'tanh' },
    });
    const reluFirst = exportOnnx({
      modelJson: JSON.stringify(activationFirst),
      weights: network(WIDTH, [{ units: 1, activation: 'linear' }], 9).weights,
      target: targets[0]![1],
      producerVersion: 'test',
    });
    expect(gatherFirstLayer(reluFirst, PLAN)).toBeNull();
    expect(gatherFirstLayer(new TextEncoder().encode('not an onnx model'), PLAN)).toBeNull();
  });
});
