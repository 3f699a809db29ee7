// The tfjs internals Lathe's training leans on, each checked as it is used, so that a tfjs upgrade which
// moves one fails here, by name, instead of as subtly different weights or a crash mid-training:
// - FlatAdamOptimizer (main/train/flat-adam.ts) subclasses tfjs's Adam and uses its private and protected
//   fields; the tfjs engine (main/train/engines/tfjs.ts) checkpoints Adam's accumulators through them.
// - backend.ts re-registers tfjs-backend-wasm's BatchMatMul and Identity kernels.
// - The tfjs engine moves each Dropout layer's private seed every step; the fused engine
//   (main/train/kernel/dense-engine.ts) copies tfjs-layers' BatchNormalization defaults.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../main/train/backend';
import { FlatAdamOptimizer } from '../../../../main/train/flat-adam';
import { REPO } from '../../../helpers/workspace';

const moved = (what: string, who: string) =>
  `tfjs internals moved: ${what}; ${who} must be updated`;
const FLAT_ADAM = 'FlatAdamOptimizer (main/train/flat-adam.ts)';
const TFJS_ENGINE = 'the tfjs engine (main/train/engines/tfjs.ts)';
const BACKEND = 'the kernel patches in main/train/backend.ts';
const FUSED = 'the fused engine (main/train/kernel/dense-engine.ts)';

type AdamInternals = {
  accBeta1?: unknown;
  accBeta2?: unknown;
  accumulatedFirstMoment?: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment?: { originalName: string; variable: tf.Variable }[];
  learningRate?: unknown;
  beta1?: unknown;
  beta2?: unknown;
  epsilon?: unknown;
};

beforeAll(async () => {
  expect(await initBackend('wasm')).toBe('wasm');
});

describe('tfjs packages', () => {
  it('are pinned to exact versions, and the installed ones are those', () => {
    const manifest = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    const pins = Object.entries({
      ...manifest.dependencies,
      ...manifest.optionalDependencies,
    }).filter(([name]) => name.startsWith('@tensorflow/'));
    expect(pins.length).toBeGreaterThanOrEqual(4);
    for (const [name, pin] of pins) {
      expect(pin, `${name} must be pinned to an exact version (the internals below move)`).toMatch(
        /^\d+\.\d+\.\d+$/,
      );
      let installed: string;
      try {
        const file = join(REPO, 'node_modules', name, 'package.json');
        installed = (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
      } catch {
        // tfjs-node is optional: it installs only where libtensorflow can.
        if (manifest.optionalDependencies?.[name]) continue;
        throw new Error(`${name} is not installed`);
      }
      expect(installed, `${name} ${installed} is installed, package.json pins ${pin}`).toBe(pin);
    }
  });
});

describe("tfjs's Adam, as FlatAdamOptimizer and the tfjs engine use it", () => {
  it('keeps its bias-correction accumulators in the private variables accBeta1 and accBeta2', () => {
    const adam = new tf.AdamOptimizer(0.01, 0.9, 0.999) as unknown as AdamInternals;
    for (const field of ['accBeta1', 'accBeta2'] as const) {
      const v = adam[field];
      expect(
        v instanceof tf.Variable,
        moved(`Adam no longer has the variable ${field}`, FLAT_ADAM),
      ).toBe(true);
    }
    const values = [adam.accBeta1, adam.accBeta2].map((v) => (v as tf.Variable).dataSync()[0]);
    expect(
      values,
      moved('Adam starts accBeta1/accBeta2 at other values than β1/β2', FLAT_ADAM),
    ).toEqual([Math.fround(0.9), Math.fround(0.999)]);
    tf.dispose([adam.accBeta1, adam.accBeta2] as tf.Variable[]);
  });

  it('reads learningRate, beta1, beta2 and epsilon from fields, epsilon being the fused engine’s 1e-7', () => {
    const adam = new tf.AdamOptimizer(0.01, 0.9, 0.999) as unknown as AdamInternals;
    expect(
      [adam.learningRate, adam.beta1, adam.beta2],
      moved(
        'Adam no longer keeps learningRate/beta1/beta2 in fields',
        `${FLAT_ADAM} and ${TFJS_ENGINE}`,
      ),
    ).toEqual([0.01, 0.9, 0.999]);
    expect(adam.epsilon, moved('Adam’s default epsilon changed', `${FLAT_ADAM} and ${FUSED}`)).toBe(
      1e-7,
    );
    tf.dispose([adam.accBeta1, adam.accBeta2] as tf.Variable[]);
  });

  it('reads learningRate at every step, so a schedule can set it between epochs', () => {
    const adam = tf.train.adam(0.01);
    (adam as unknown as AdamInternals).learningRate = 0.5;
    const w = tf.variable(tf.zeros([1]), true, 'lr-probe');
    adam.applyGradients([{ name: w.name, tensor: tf.ones([1]) }]);
    // Adam's first step moves a weight by the learning rate (m̂ / √v̂ = 1).
    expect(
      w.dataSync()[0],
      moved('Adam no longer reads its learningRate field at each step', TFJS_ENGINE),
    ).toBeCloseTo(-0.5, 5);
    adam.dispose();
    w.dispose();
  });

  it('has the protected iteration helpers FlatAdamOptimizer calls', () => {
    const proto = tf.Optimizer.prototype as unknown as Record<string, unknown>;
    for (const method of ['incrementIterations', 'saveIterations', 'extractIterations']) {
      expect(typeof proto[method], moved(`Optimizer no longer has ${method}()`, FLAT_ADAM)).toBe(
        'function',
      );
    }
    expect(
      typeof tf.engine().registeredVariables,
      moved('the engine no longer exposes registeredVariables', FLAT_ADAM),
    ).toBe('object');
  });

  it('saves per-variable moments (accumulatedFirstMoment, ...) in the layout FlatAdamOptimizer writes, with the same steps', async () => {
    const init = [Float32Array.from([0.5, -1, 2, 0.25]), Float32Array.from([0.1, -0.2])];
    const grads = (k: number) => [
      Float32Array.from([0.3, -0.1, 0.7, -2].map((g) => g * (k + 1))),
      Float32Array.from([1.5, -0.5].map((g) => g / (k + 1))),
    ];
    const shapes = [[2, 2], [2]];
    const run = async (optimizer: tf.Optimizer, prefix: string) => {
      const vars = init.map((v, i) =>
        tf.variable(tf.tensor(v, shapes[i]), true, `${prefix}/w${i}`),
      );
      for (let k = 0; k < 3; k++) {
        const g = grads(k);
        optimizer.applyGradients(
          vars.map((v, i) => ({ name: v.name, tensor: tf.tensor(g[i]!, shapes[i]) })),
        );
      }
      const saved = await optimizer.getWeights();
      const out = {
        weights: vars.map((v) => Array.from(v.dataSync())),
        names: saved.map((w) => w.name.replace(`${prefix}/`, '')),
        moments: saved.slice(1).map((w) => Array.from(w.tensor.dataSync())),
        accBeta: ['accBeta1', 'accBeta2'].map(
          (f) => (optimizer as unknown as Record<string, tf.Variable>)[f]!.dataSync()[0],
        ),
      };
      return { out, optimizer };
    };
    const adam = await run(tf.train.adam(0.05), 'adam');
    const internals = adam.optimizer as unknown as AdamInternals;
    expect(
      internals.accumulatedFirstMoment?.map((m) => m.originalName),
      moved(
        'Adam no longer keeps accumulatedFirstMoment as {originalName: `<variable>/m`, variable}',
        `${FLAT_ADAM} (checkpoint layout)`,
      ),
    ).toEqual(['adam/w0/m', 'adam/w1/m']);
    expect(
      internals.accumulatedSecondMoment?.map((m) => m.originalName),
      moved('Adam no longer keeps accumulatedSecondMoment as `<variable>/v`', FLAT_ADAM),
    ).toEqual(['adam/w0/v', 'adam/w1/v']);
    expect(
      adam.out.names,
      moved("Adam's getWeights is no longer [iter, <variable>/m…, <variable>/v…]", FLAT_ADAM),
    ).toEqual(['iter', 'w0/m', 'w1/m', 'w0/v', 'w1/v']);
    const flat = await run(new FlatAdamOptimizer(0.05), 'flat');
    expect(
      flat.out,
      moved(
        "Adam's update arithmetic changed (FlatAdamOptimizer no longer matches it bit for bit)",
        FLAT_ADAM,
      ),
    ).toEqual(adam.out);
    adam.optimizer.dispose();
    flat.optimizer.dispose();
  });
});

describe('tfjs-backend-wasm kernels that backend.ts re-registers', () => {
  it('are registered, and the patched ones compute the products and copies they replace', () => {
    for (const kernel of [tf.BatchMatMul, tf.Transpose, tf.Identity]) {
      expect(
        typeof tf.getKernel(kernel, 'wasm')?.kernelFunc,
        moved(`tfjs-backend-wasm registers no ${kernel} kernel`, BACKEND),
      ).toBe('function');
    }
    const backend = tf.backend() as unknown as Record<string, unknown>;
    for (const method of ['incRef', 'disposeData']) {
      expect(typeof backend[method], moved(`the wasm backend has no ${method}()`, BACKEND)).toBe(
        'function',
      );
    }
    const a = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]);
    const b = tf.tensor2d([1, 0, -1, 2, 3, 1], [3, 2]);
    // aᵀ·b and a·bᵀ through the patched BatchMatMul (attrs transposeA/transposeB, inputs a and b),
    // against the same products of explicitly transposed operands.
    for (const [ta, tb] of [
      [true, false],
      [false, true],
    ] as const) {
      const expected = tf.matMul(ta ? tf.transpose(a) : a, tb ? tf.transpose(b) : b);
      expect(
        Array.from(tf.matMul(a, b, ta, tb).dataSync()),
        moved("wasm BatchMatMul's inputs or transpose attrs changed", BACKEND),
      ).toEqual(Array.from(expected.dataSync()));
    }
    expect(Array.from(tf.matMul(a, b, true, false).dataSync())).toEqual([13, 11, 16, 14]);
    const copy = tf.clone(a);
    expect(
      copy.dataId,
      moved("the patched wasm Identity no longer shares its input's data", BACKEND),
    ).toBe(a.dataId);
    copy.dispose();
    expect(
      Array.from(a.dataSync()),
      moved('a shared Identity frees its input early', BACKEND),
    ).toEqual([1, 2, 3, 4, 5, 6]);
    tf.dispose([a, b]);
  });
});

describe('tfjs-layers internals', () => {
  it('Dropout draws its mask from the private seed field, read at each call', () => {
    const layer = tfl.layers.dropout({ rate: 0.5, seed: 11 });
    const seeded = layer as unknown as { seed?: number };
    expect(
      seeded.seed,
      moved('Dropout no longer keeps its seed in the field seed', TFJS_ENGINE),
    ).toBe(11);
    const mask = () =>
      tf.tidy(() =>
        Array.from((layer.apply(tf.ones([4, 16]), { training: true }) as tf.Tensor).dataSync()),
      );
    const first = mask();
    expect(mask(), moved('Dropout with a fixed seed draws different masks', TFJS_ENGINE)).toEqual(
      first,
    );
    seeded.seed = 12;
    expect(mask(), moved('Dropout ignores a seed set after construction', TFJS_ENGINE)).not.toEqual(
      first,
    );
  });

  it('BatchNormalization defaults are the momentum and epsilon the fused engine copies', () => {
    const config = tfl.layers.batchNormalization().getConfig();
    expect(
      [config.momentum, config.epsilon],
      moved('BatchNormalization defaults changed from momentum 0.99, epsilon 1e-3', FUSED),
    ).toEqual([0.99, 1e-3]);
  });
});
