// The fused training engine for stacks of dense layers (linear, logistic and softmax regression, MLPs with
// any activation, dropout and batch normalization): a whole optimizer step — mini-batch gather, forward
// pass, loss, L1/L2 penalties, backpropagation and Adam — runs as a few dozen calls into one WebAssembly
// SIMD module (assembly/dense.ts), on buffers laid out once in its memory. tfjs spends most of a small model's step on
// per-kernel bookkeeping (~100 kernels a step, each a few microseconds whatever its size); here the
// arithmetic is the step.
//
// The tfjs model stays the model of record: weights come from it (its seeded initializers), go back into
// it after every epoch (validation, checkpoints, early stopping and saving all use it), and checkpoints keep
// Adam's state in the layout of tfjs's Adam, the same file format for both engines.
import { wasm, type WasmMemory } from '../../workspace/wasm';
import { DENSE_WASM_BASE64 } from './dense-wasm';
import type { Activation } from '../../../shared/config/train-config';

export type DenseLoss = 'binary' | 'softmax' | 'mse';

export interface DenseNetSpec {
  inputDim: number;
  /** Hidden layers then the output layer (whose activation is linear: its outputs are logits). */
  layers: {
    units: number;
    activation: Activation | 'linear';
    dropout: number;
    dropoutSeed: number;
    /** Batch normalization between the dense product and the activation (tfjs-layers' defaults). */
    batchNorm?: boolean;
  }[];
  loss: DenseLoss;
  l1: number;
  l2: number;
  /** Rows per step at most. */
  batchSize: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/** The training rows: x [rows, inputDim]; targets per row (class indices for softmax); optional weights. */
export interface DenseTrainingData {
  x: Float32Array;
  rows: number;
  y: Float32Array | Int32Array;
  weights: Float32Array | null;
}

/** Adam's state, per variable in model order (kernel then bias of each layer). */
export interface DenseAdamState {
  iterations: number;
  accBeta1: number;
  accBeta2: number;
  m: Float32Array[];
  v: Float32Array[];
}

const ACTIVATION_CODE: Record<Activation | 'linear', number> = {
  linear: 0,
  relu: 1,
  tanh: 2,
  elu: 3,
  selu: 4,
  gelu: 5,
};

interface Kernels {
  memory: WasmMemory;
  heapBase(): number;
  gemm(
    a: number,
    sr: number,
    sd: number,
    b: number,
    c: number,
    M: number,
    D: number,
    N: number,
    accumulate: number,
  ): void;
  transpose(src: number, dst: number, rows: number, cols: number): void;
  gather(src: number, idx: number, dst: number, count: number, width: number): void;
  biasAct(z: number, a: number, bias: number, M: number, N: number, act: number): void;
  actBackward(g: number, z: number, count: number, act: number): void;
  dropout(a: number, mask: number, count: number, rate: number, seed: number): void;
  activation(src: number, dst: number, count: number, act: number): void;
  bnForward(
    z: number,
    xhat: number,
    y: number,
    gamma: number,
    beta: number,
    mean: number,
    variance: number,
    invStd: number,
    M: number,
    N: number,
    eps: number,
  ): void;
  bnMoving(
    movingMean: number,
    movingVar: number,
    mean: number,
    variance: number,
    N: number,
    momentum: number,
  ): void;
  bnBackward(
    g: number,
    xhat: number,
    gamma: number,
    invStd: number,
    dgamma: number,
    dbeta: number,
    M: number,
    N: number,
  ): void;
  mulInPlace(g: number, mask: number, count: number): void;
  colSum(g: number, M: number, N: number, out: number): void;
  lossBinary(z: number, y: number, w: number, dz: number, M: number): number;
  lossSoftmax(z: number, labels: number, w: number, dz: number, M: number, K: number): number;
  lossMse(z: number, y: number, dz: number, M: number): number;
  penalty(w: number, g: number, count: number, l1: number, l2: number): number;
  adam(
    p: number,
    g: number,
    m: number,
    v: number,
    count: number,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    c1: number,
    c2: number,
  ): void;
}

let compiled: object | null = null;

/** A fresh instance of the kernels (each engine has its own memory). */
function instantiate(): Kernels {
  compiled ??= new wasm.Module(Buffer.from(DENSE_WASM_BASE64, 'base64'));
  const instance = new wasm.Instance(compiled, {
    env: {
      abort: () => {
        throw new Error('dense kernel aborted');
      },
    },
  });
  return instance.exports as Kernels;
}

/** Whether this JavaScript engine runs WebAssembly SIMD (Node 16.4+ and every Electron do). */
export function denseKernelsAvailable(): boolean {
  if (available === undefined) {
    try {
      instantiate();
      available = true;
    } catch {
      available = false;
    }
  }
  return available;
}
let available: boolean | undefined;

/** tfjs-layers' BatchNormalization defaults. */
const BN_MOMENTUM = 0.99;
const BN_EPSILON = 1e-3;

/** wasm32 addresses 4 GiB; leave headroom under it. */
const MAX_BYTES = 3.5 * 2 ** 30;

interface LayerBuffers {
  inDim: number;
  units: number;
  act: number;
  dropout: number;
  dropoutSeed: number;
  kernel: number;
  bias: number;
  gKernel: number;
  gBias: number;
  /** The kernel transposed, [units, inDim], for the backward product. */
  kernelT: number;
  z: number;
  a: number;
  mask: number;
  /** Gradient with respect to this layer's output (then its pre-activation, in place). */
  g: number;
  /** Batch normalization's buffers, or null: gamma, beta and their gradients in the flat vectors. */
  bn: {
    gamma: number;
    beta: number;
    gGamma: number;
    gBeta: number;
    movingMean: number;
    movingVar: number;
    mean: number;
    variance: number;
    invStd: number;
    xhat: number;
    /** The normalized output, the activation's input. */
    y: number;
  } | null;
}

export class DenseEngine {
  private readonly k: Kernels;
  private readonly layers: LayerBuffers[];
  private readonly params: number;
  private readonly grads: number;
  private readonly m: number;
  private readonly v: number;
  private readonly paramCount: number;
  private readonly x: number;
  private readonly y: number;
  private readonly w: number;
  private readonly perm: number;
  private readonly xb: number;
  private readonly yb: number;
  private readonly wb: number;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;
  private accBeta1: number;
  private accBeta2: number;
  private iterations = 0;

  constructor(
    private readonly spec: DenseNetSpec,
    data: DenseTrainingData,
  ) {
    const { inputDim, batchSize } = spec;
    if (data.x.length !== data.rows * inputDim)
      throw new Error(`x has ${data.x.length} values for ${data.rows} rows of ${inputDim}`);
    this.beta1 = spec.beta1 ?? 0.9;
    this.beta2 = spec.beta2 ?? 0.999;
    this.epsilon = spec.epsilon ?? 1e-7;
    this.accBeta1 = Math.fround(this.beta1);
    this.accBeta2 = Math.fround(this.beta2);
    this.k = instantiate();
    // Lay out every buffer once: parameters, gradients and Adam moments as flat vectors in model order
    // (kernel, bias per layer), then activations for a full batch, then the training data.
    let top = this.k.heapBase();
    const take = (floats: number) => {
      const at = top;
      top += Math.ceil((floats * 4) / 16) * 16;
      return at;
    };
    const dims = [inputDim, ...spec.layers.map((l) => l.units)];
    this.paramCount = spec.layers.reduce(
      (s, l, i) => s + dims[i]! * l.units + l.units + (l.batchNorm ? 2 * l.units : 0),
      0,
    );
    this.params = take(this.paramCount);
    this.grads = take(this.paramCount);
    this.m = take(this.paramCount);
    this.v = take(this.paramCount);
    let offset = 0;
    this.layers = spec.layers.map((l, i) => {
      const inDim = dims[i]!;
      const kernel = this.params + offset * 4;
      const gKernel = this.grads + offset * 4;
      offset += inDim * l.units;
      const bias = this.params + offset * 4;
      const gBias = this.grads + offset * 4;
      offset += l.units;
      const act = ACTIVATION_CODE[l.activation];
      let bn: LayerBuffers['bn'] = null;
      if (l.batchNorm) {
        const at = offset;
        offset += 2 * l.units;
        bn = {
          gamma: this.params + at * 4,
          beta: this.params + (at + l.units) * 4,
          gGamma: this.grads + at * 4,
          gBeta: this.grads + (at + l.units) * 4,
          movingMean: take(l.units),
          movingVar: take(l.units),
          mean: take(l.units),
          variance: take(l.units),
          invStd: take(l.units),
          xhat: take(batchSize * l.units),
          y: take(batchSize * l.units),
        };
      }
      return {
        bn,
        inDim,
        units: l.units,
        act,
        dropout: l.dropout,
        dropoutSeed: l.dropoutSeed,
        kernel,
        bias,
        gKernel,
        gBias,
        kernelT: take(inDim * l.units),
        z: take(batchSize * l.units),
        a: act === 0 && !l.dropout && !bn ? 0 : take(batchSize * l.units),
        mask: l.dropout ? take(batchSize * l.units) : 0,
        g: take(batchSize * l.units),
      };
    });
    this.layers.forEach((l) => (l.a ||= l.z));
    this.xb = take(batchSize * inputDim);
    this.yb = take(batchSize);
    this.wb = data.weights ? take(batchSize) : 0;
    this.perm = take(data.rows);
    this.x = take(data.x.length);
    this.y = take(data.rows);
    this.w = data.weights ? take(data.rows) : 0;
    if (top > MAX_BYTES)
      throw new Error(
        `the fused engine needs ${(top / 2 ** 30).toFixed(1)} GiB of WebAssembly memory (at most 3.5)`,
      );
    const pages = Math.ceil(top / 65536) - this.k.memory.buffer.byteLength / 65536;
    if (pages > 0) this.k.memory.grow(pages);
    this.f32().set(data.x, this.x / 4);
    if (data.y instanceof Int32Array) this.i32().set(data.y, this.y / 4);
    else this.f32().set(data.y, this.y / 4);
    if (data.weights) this.f32().set(data.weights, this.w / 4);
  }

  private f32() {
    return new Float32Array(this.k.memory.buffer);
  }

  private i32() {
    return new Int32Array(this.k.memory.buffer);
  }

  /**
   * The trainable variables in model order (kernel [in, out], bias [out], then gamma and beta with batch
   * normalization, per layer), as offsets into the flat vectors; with `all`, then the moving mean and
   * variance of each normalization: the order of tfjs-layers' getWeights (trainable, then non-trainable).
   */
  private variables(all = false): { at: number; size: number; flat: boolean }[] {
    const trainable = this.layers.flatMap((l) => [
      { at: l.kernel - this.params, size: l.inDim * l.units, flat: true },
      { at: l.bias - this.params, size: l.units, flat: true },
      ...(l.bn
        ? [
            { at: l.bn.gamma - this.params, size: l.units, flat: true },
            { at: l.bn.beta - this.params, size: l.units, flat: true },
          ]
        : []),
    ]);
    if (!all) return trainable;
    return trainable.concat(
      this.layers.flatMap((l) =>
        l.bn
          ? [
              { at: l.bn.movingMean, size: l.units, flat: false },
              { at: l.bn.movingVar, size: l.units, flat: false },
            ]
          : [],
      ),
    );
  }

  /** Each variable's values, from the flat vector at `base` (moving statistics from their buffers). */
  private readVectors(base: number, all = false): Float32Array[] {
    const f = this.f32();
    return this.variables(all).map(({ at, size, flat }) => {
      const start = (flat ? base + at : at) / 4;
      return f.slice(start, start + size);
    });
  }

  private writeVectors(base: number, values: ArrayLike<number>[], what: string, all = false): void {
    const vars = this.variables(all);
    if (values.length !== vars.length)
      throw new Error(`${what}: ${values.length} arrays for ${vars.length} variables`);
    const f = this.f32();
    vars.forEach(({ at, size, flat }, i) => {
      const v = values[i]!;
      if (v.length !== size)
        throw new Error(`${what}: variable ${i} has ${v.length} values, not ${size}`);
      f.set(v, (flat ? base + at : at) / 4);
    });
  }

  /** The weights in tfjs-layers' getWeights order (batch normalization's moving statistics included). */
  getWeights(): Float32Array[] {
    return this.readVectors(this.params, true);
  }

  setWeights(values: ArrayLike<number>[]): void {
    this.writeVectors(this.params, values, 'weights', true);
  }

  /** Adam's state over the trainable variables (tfjs-layers' trainableWeights order). */
  adamState(): DenseAdamState {
    return {
      iterations: this.iterations,
      accBeta1: this.accBeta1,
      accBeta2: this.accBeta2,
      m: this.readVectors(this.m),
      v: this.readVectors(this.v),
    };
  }

  /** Adam's bias-correction accumulators β1^t and β2^t, as float32 values. */
  accBeta(): [number, number] {
    return [this.accBeta1, this.accBeta2];
  }

  setAdamState(state: DenseAdamState): void {
    this.writeVectors(this.m, state.m, 'Adam first moments');
    this.writeVectors(this.v, state.v, 'Adam second moments');
    this.iterations = state.iterations;
    this.accBeta1 = Math.fround(state.accBeta1);
    this.accBeta2 = Math.fround(state.accBeta2);
  }

  /** The row order of an epoch; steps take consecutive slices of it. */
  setOrder(perm: Int32Array): void {
    this.i32().set(perm, this.perm / 4);
  }

  /**
   * One Adam step on rows order[start, start + count): returns the batch loss (with penalties). `step`
   * seeds the dropout masks, so a resumed run draws the same ones.
   */
  step(start: number, count: number, lr: number, step: number): number {
    const { k, layers, spec } = this;
    if (count > spec.batchSize)
      throw new Error(`a step of ${count} rows exceeds ${spec.batchSize}`);
    const idx = this.perm + start * 4;
    k.gather(this.x, idx, this.xb, count, spec.inputDim);
    k.gather(this.y, idx, this.yb, count, 1);
    if (this.w) k.gather(this.w, idx, this.wb, count, 1);
    // Forward.
    let input = this.xb;
    for (const l of layers) {
      k.gemm(input, l.inDim, 1, l.kernel, l.z, count, l.inDim, l.units, 0);
      if (l.bn) {
        const b = l.bn;
        k.biasAct(l.z, l.z, l.bias, count, l.units, 0);
        k.bnForward(
          l.z,
          b.xhat,
          b.y,
          b.gamma,
          b.beta,
          b.mean,
          b.variance,
          b.invStd,
          count,
          l.units,
          BN_EPSILON,
        );
        k.bnMoving(b.movingMean, b.movingVar, b.mean, b.variance, l.units, BN_MOMENTUM);
        k.activation(b.y, l.a, count * l.units, l.act);
      } else k.biasAct(l.z, l.a, l.bias, count, l.units, l.act);
      if (l.dropout)
        k.dropout(l.a, l.mask, count * l.units, l.dropout, (l.dropoutSeed + step * 7919) >>> 0);
      input = l.a;
    }
    // Loss and its gradient with respect to the logits.
    const out = layers[layers.length - 1]!;
    let loss =
      spec.loss === 'binary'
        ? k.lossBinary(out.z, this.yb, this.wb, out.g, count)
        : spec.loss === 'softmax'
          ? k.lossSoftmax(out.z, this.yb, this.wb, out.g, count, out.units)
          : k.lossMse(out.z, this.yb, out.g, count);
    // Backward: out.g holds dL/dz of the output layer.
    for (let i = layers.length - 1; i >= 0; i--) {
      const l = layers[i]!;
      const prev = i > 0 ? layers[i - 1]! : null;
      const input = prev ? prev.a : this.xb;
      // dW = inputᵀ · g, db = Σ rows g.
      k.gemm(input, 1, l.inDim, l.g, l.gKernel, l.inDim, count, l.units, 0);
      k.colSum(l.g, count, l.units, l.gBias);
      if (prev) {
        // d input = g · Wᵀ, then through the previous layer's dropout and activation.
        k.transpose(l.kernel, l.kernelT, l.inDim, l.units);
        k.gemm(l.g, l.units, 1, l.kernelT, prev.g, count, l.units, l.inDim, 0);
        if (prev.dropout) k.mulInPlace(prev.g, prev.mask, count * prev.units);
        const b = prev.bn;
        k.actBackward(prev.g, b ? b.y : prev.z, count * prev.units, prev.act);
        if (b)
          k.bnBackward(prev.g, b.xhat, b.gamma, b.invStd, b.gGamma, b.gBeta, count, prev.units);
      }
    }
    if (spec.l1 || spec.l2) {
      for (const l of layers)
        loss += k.penalty(l.kernel, l.gKernel, l.inDim * l.units, spec.l1, spec.l2);
    }
    k.adam(
      this.params,
      this.grads,
      this.m,
      this.v,
      this.paramCount,
      lr,
      this.beta1,
      this.beta2,
      this.epsilon,
      Math.fround(1 - this.accBeta1),
      Math.fround(1 - this.accBeta2),
    );
    this.accBeta1 = Math.fround(this.accBeta1 * Math.fround(this.beta1));
    this.accBeta2 = Math.fround(this.accBeta2 * Math.fround(this.beta2));
    this.iterations++;
    return loss;
  }
}
