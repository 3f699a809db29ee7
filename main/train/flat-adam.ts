import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensor } from './engines/step-engine';

/**
 * tfjs's Adam with its moments kept as one flat vector over all variables: one step runs ~20 kernels
 * instead of ~16 per variable, which on small models is most of a step's cost (each kernel costs
 * microseconds of bookkeeping whatever its size). Every element goes through the same float32 operations
 * in the same order as `tf.train.adam`, so the weights are bit-identical to it, and `getWeights` /
 * `setWeights` use its per-variable layout (`iter`, then `<variable>/m` for each, then `<variable>/v`), so
 * checkpoints written with either load in the other. It leans on Adam's private fields (accBeta1/2) and
 * protected helpers; tests/unit/main/train/tfjs-internals.test.ts fails by name if a tfjs release moves them.
 */
export class FlatAdamOptimizer extends tf.AdamOptimizer {
  private m: tf.Variable | null = null;
  private v: tf.Variable | null = null;
  /** Variable names and shapes, in the order of the flat vectors. */
  private layout: { name: string; shape: number[]; size: number }[] = [];
  private constants: Record<'b1' | 'c1' | 'b2' | 'c2' | 'eps', tf.Scalar> | null = null;

  constructor(learningRate: number, beta1 = 0.9, beta2 = 0.999) {
    super(learningRate, beta1, beta2);
  }

  private consts() {
    this.constants ??= tf.tidy(() => ({
      b1: tf.keep(tf.scalar(this.beta1)),
      c1: tf.keep(tf.scalar(1 - this.beta1)),
      b2: tf.keep(tf.scalar(this.beta2)),
      c2: tf.keep(tf.scalar(1 - this.beta2)),
      eps: tf.keep(tf.scalar(this.epsilon)),
    }));
    return this.constants;
  }

  private flatten(parts: tf.Tensor[]): tf.Tensor1D {
    return tf.concat(parts.map((p) => tf.reshape(p, [-1])));
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const named: NamedTensor[] = Array.isArray(variableGradients)
      ? variableGradients
      : Object.keys(variableGradients).map((name) => ({
          name,
          tensor: variableGradients[name]!,
        }));
    if (!this.layout.length) {
      this.layout = named.map(({ name, tensor }) => ({
        name,
        shape: tensor.shape,
        size: tensor.size,
      }));
    }
    const c = this.consts();
    // tfjs declares them private; they are the same accumulators the checkpoint saves.
    const acc = this as unknown as { accBeta1: tf.Variable; accBeta2: tf.Variable };
    const variables = this.layout.map((l) => tf.engine().registeredVariables[l.name]!);
    tf.tidy(() => {
      const total = this.layout.reduce((s, l) => s + l.size, 0);
      this.m ??= tf.keep(tf.zeros([total]).variable(false));
      this.v ??= tf.keep(tf.zeros([total]).variable(false));
      const byName = new Map(named.map((n) => [n.name, n.tensor]));
      const g = this.flatten(this.layout.map((l) => byName.get(l.name)!));
      const value = this.flatten(variables);
      const oneMinusAccBeta1 = tf.sub(1, acc.accBeta1);
      const oneMinusAccBeta2 = tf.sub(1, acc.accBeta2);
      const newM = tf.add(tf.mul(this.m, c.b1), tf.mul(g, c.c1));
      const newV = tf.add(tf.mul(this.v, c.b2), tf.mul(tf.square(g), c.c2));
      const mHat = tf.div(newM, oneMinusAccBeta1);
      const vHat = tf.div(newV, oneMinusAccBeta2);
      this.m.assign(newM);
      this.v.assign(newV);
      const newValue = tf.add(
        tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), c.eps)), -this.learningRate),
        value,
      );
      const parts = tf.split(
        newValue,
        this.layout.map((l) => l.size),
      );
      variables.forEach((variable, i) =>
        variable.assign(tf.reshape(parts[i]!, this.layout[i]!.shape)),
      );
      acc.accBeta1.assign(tf.mul(acc.accBeta1, this.beta1));
      acc.accBeta2.assign(tf.mul(acc.accBeta2, this.beta2));
    });
    this.incrementIterations();
  }

  override async getWeights(): Promise<NamedTensor[]> {
    const iter = await this.saveIterations();
    if (!this.m || !this.v) return [iter];
    // In a tidy: the split parts go, the reshaped tensors (the caller's to dispose) stay.
    const split = (flat: tf.Tensor, suffix: string) => {
      const parts = tf.tidy(() =>
        tf
          .split(
            flat,
            this.layout.map((l) => l.size),
          )
          .map((t, i) => tf.reshape(t, this.layout[i]!.shape)),
      );
      return parts.map((tensor, i) => ({ name: `${this.layout[i]!.name}/${suffix}`, tensor }));
    };
    return [iter, ...split(this.m, 'm'), ...split(this.v, 'v')];
  }

  /**
   * Restores `getWeights`' list. The moments pair with `variables` by position (the names saved may be
   * another process's); the bias-correction accumulators are set by the caller, bit-exact.
   */
  override async setWeights(weightValues: NamedTensor[], variables?: tf.Variable[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    const count = rest.length / 2;
    if (!count) return;
    const vars = variables ?? [];
    if (vars.length !== count)
      throw new Error(`optimizer state has ${count} variables, the model ${vars.length}`);
    this.layout = vars.map((v) => ({ name: v.name, shape: v.shape, size: v.size }));
    this.m?.dispose();
    this.v?.dispose();
    this.m = tf.tidy(() => this.flatten(rest.slice(0, count).map((w) => w.tensor)).variable(false));
    this.v = tf.tidy(() => this.flatten(rest.slice(count).map((w) => w.tensor)).variable(false));
  }

  override dispose(): void {
    super.dispose();
    this.m?.dispose();
    this.v?.dispose();
    if (this.constants) Object.values(this.constants).forEach((t) => t.dispose());
  }
}
