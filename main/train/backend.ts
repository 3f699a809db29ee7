import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

import { BACKEND_PREFERENCE, type BackendName } from './backend-names';

let chosen: Promise<string> | null = null;

/**
 * tfjs-backend-wasm runs a matMul with a transposed operand in a plain loop, about 6x slower than the
 * XNNPACK path it takes for untransposed ones; backpropagation through dense layers multiplies by
 * transposes three times per layer and step. This routes them through an explicit Transpose kernel and the
 * fast path: the same products (one rounding per sum either way, in XNNPACK's order).
 */
function fastTransposedMatMul(): void {
  const matMul = tf.getKernel(tf.BatchMatMul, 'wasm');
  const transpose = tf.getKernel(tf.Transpose, 'wasm');
  if (!matMul || !transpose) return;
  type Info = tf.TensorInfo;
  const swapLast = (x: Info, backend: tf.KernelBackend): Info => {
    const perm = x.shape.map((_, i) => i);
    const r = perm.length;
    [perm[r - 2], perm[r - 1]] = [r - 1, r - 2];
    return transpose.kernelFunc({ inputs: { x }, backend, attrs: { perm } }) as Info;
  };
  tf.unregisterKernel(tf.BatchMatMul, 'wasm');
  tf.registerKernel({
    ...matMul,
    kernelFunc: (args) => {
      const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
      if (!transposeA && !transposeB) return matMul.kernelFunc(args);
      const { inputs, attrs } = args;
      const backend = args.backend as tf.KernelBackend;
      const { a, b } = inputs as { a: Info; b: Info };
      const ta = transposeA ? swapLast(a, backend) : a;
      const tb = transposeB ? swapLast(b, backend) : b;
      const out = matMul.kernelFunc({
        inputs: { a: ta, b: tb },
        backend,
        attrs: { ...attrs, transposeA: false, transposeB: false },
      });
      if (transposeA) backend.disposeData(ta.dataId);
      if (transposeB) backend.disposeData(tb.dataId);
      return out;
    },
  });
}

/**
 * tfjs-backend-wasm's Identity (what `tf.clone` and the gradient tape's saved inputs run) copies the
 * tensor; ~30 copies per training step. Tensors are immutable (a variable's assign swaps its data, never
 * writes it), so like the cpu backend's Identity and wasm's own Reshape it can share the data and count a
 * reference.
 */
function sharedIdentity(): void {
  const identity = tf.getKernel(tf.Identity, 'wasm');
  if (!identity) return;
  tf.unregisterKernel(tf.Identity, 'wasm');
  tf.registerKernel({
    ...identity,
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      if (x.dtype === 'string') return identity.kernelFunc(args);
      (args.backend as tf.KernelBackend & { incRef(id: tf.DataId): void }).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  });
}

async function tryBackend(name: BackendName): Promise<boolean> {
  try {
    if (name === 'tensorflow') {
      // Optional dependency: present only where libtensorflow could be installed.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require('@tensorflow/tfjs-node');
    } else if (name === 'wasm') {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require('@tensorflow/tfjs-backend-wasm');
    }
    if (!tf.findBackendFactory(name)) return false;
    const ok = await tf.setBackend(name);
    if (ok) await tf.ready();
    if (ok && name === 'wasm' && tf.getBackend() === name) {
      // Both lean on tfjs-backend-wasm internals (its kernels, incRef, disposeData) at the pinned version:
      // tests/unit/main/train/tfjs-internals.test.ts fails by name if a release moves them.
      fastTransposedMatMul();
      sharedIdentity();
    }
    return ok && tf.getBackend() === name;
  } catch {
    return false;
  }
}

/** Picks tfjs-node when it loads, else wasm, else cpu; the result is recorded in every run. */
export function initBackend(forced = process.env.LATHE_BACKEND): Promise<string> {
  chosen ??= (async () => {
    const order =
      forced && BACKEND_PREFERENCE.includes(forced as BackendName)
        ? [forced as BackendName]
        : BACKEND_PREFERENCE;
    for (const name of order) {
      if (await tryBackend(name)) return name;
    }
    await tf.setBackend('cpu');
    return 'cpu';
  })();
  return chosen;
}
