// The fused dense-network training kernels (AssemblyScript, compiled to WebAssembly with SIMD by
// ../build.mjs into ../dense-wasm.ts). One training step of a stack of dense layers is a few dozen calls
// into this module from ../dense-engine.ts, each a plain loop over float32 buffers in linear memory: no
// tensor bookkeeping, no allocations, no copies between steps.
//
// Conventions: every pointer is a byte offset into linear memory; matrices are row-major float32; a
// layer's kernel is [in, out] and its bias [out], as in tfjs-layers. The memory above heapBase() belongs
// to the caller, which lays out its buffers there and grows memory as needed.

/** The first byte the caller may use. */
export function heapBase(): usize {
  return (__heap_base + 15) & ~15;
}

// --- Matrix products -----------------------------------------------------------------------------------

/**
 * C[r, n] = (accumulate ? C[r, n] : 0) + Σ_d A(r, d) · B[d, n], for r < M, d < D, n < N, where
 * A(r, d) = A[r·sr + d·sd] (so A or its transpose, by the strides) and B is [D, N] row-major.
 * Blocks of 4 rows × 8 columns keep eight f32x4 accumulators in registers.
 */
export function gemm(
  a: usize,
  sr: i32,
  sd: i32,
  b: usize,
  c: usize,
  M: i32,
  D: i32,
  N: i32,
  accumulate: i32,
): void {
  const srB = (<usize>sr) << 2;
  const sdB = (<usize>sd) << 2;
  const rowB = (<usize>N) << 2;
  let r = 0;
  for (; r + 4 <= M; r += 4) {
    const ar = a + <usize>r * srB;
    const cr = c + <usize>r * rowB;
    let n = 0;
    for (; n + 8 <= N; n += 8) {
      let c00 = f32x4.splat(0);
      let c01 = f32x4.splat(0);
      let c10 = f32x4.splat(0);
      let c11 = f32x4.splat(0);
      let c20 = f32x4.splat(0);
      let c21 = f32x4.splat(0);
      let c30 = f32x4.splat(0);
      let c31 = f32x4.splat(0);
      let ap = ar;
      let bp = b + ((<usize>n) << 2);
      for (let d = 0; d < D; d++) {
        const b0 = v128.load(bp);
        const b1 = v128.load(bp, 16);
        let s = v128.load32_splat(ap);
        c00 = f32x4.add(c00, f32x4.mul(s, b0));
        c01 = f32x4.add(c01, f32x4.mul(s, b1));
        s = v128.load32_splat(ap + srB);
        c10 = f32x4.add(c10, f32x4.mul(s, b0));
        c11 = f32x4.add(c11, f32x4.mul(s, b1));
        s = v128.load32_splat(ap + 2 * srB);
        c20 = f32x4.add(c20, f32x4.mul(s, b0));
        c21 = f32x4.add(c21, f32x4.mul(s, b1));
        s = v128.load32_splat(ap + 3 * srB);
        c30 = f32x4.add(c30, f32x4.mul(s, b0));
        c31 = f32x4.add(c31, f32x4.mul(s, b1));
        ap += sdB;
        bp += rowB;
      }
      const cp = cr + ((<usize>n) << 2);
      store4(cp, c00, accumulate);
      store4(cp + 16, c01, accumulate);
      store4(cp + rowB, c10, accumulate);
      store4(cp + rowB + 16, c11, accumulate);
      store4(cp + 2 * rowB, c20, accumulate);
      store4(cp + 2 * rowB + 16, c21, accumulate);
      store4(cp + 3 * rowB, c30, accumulate);
      store4(cp + 3 * rowB + 16, c31, accumulate);
    }
    for (; n + 4 <= N; n += 4) {
      let c0 = f32x4.splat(0);
      let c1 = f32x4.splat(0);
      let c2 = f32x4.splat(0);
      let c3 = f32x4.splat(0);
      let ap = ar;
      let bp = b + ((<usize>n) << 2);
      for (let d = 0; d < D; d++) {
        const b0 = v128.load(bp);
        c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(ap), b0));
        c1 = f32x4.add(c1, f32x4.mul(v128.load32_splat(ap + srB), b0));
        c2 = f32x4.add(c2, f32x4.mul(v128.load32_splat(ap + 2 * srB), b0));
        c3 = f32x4.add(c3, f32x4.mul(v128.load32_splat(ap + 3 * srB), b0));
        ap += sdB;
        bp += rowB;
      }
      const cp = cr + ((<usize>n) << 2);
      store4(cp, c0, accumulate);
      store4(cp + rowB, c1, accumulate);
      store4(cp + 2 * rowB, c2, accumulate);
      store4(cp + 3 * rowB, c3, accumulate);
    }
    for (; n < N; n++) {
      let s0: f32 = 0;
      let s1: f32 = 0;
      let s2: f32 = 0;
      let s3: f32 = 0;
      let ap = ar;
      let bp = b + ((<usize>n) << 2);
      for (let d = 0; d < D; d++) {
        const bv = load<f32>(bp);
        s0 += load<f32>(ap) * bv;
        s1 += load<f32>(ap + srB) * bv;
        s2 += load<f32>(ap + 2 * srB) * bv;
        s3 += load<f32>(ap + 3 * srB) * bv;
        ap += sdB;
        bp += rowB;
      }
      const cp = cr + ((<usize>n) << 2);
      store1(cp, s0, accumulate);
      store1(cp + rowB, s1, accumulate);
      store1(cp + 2 * rowB, s2, accumulate);
      store1(cp + 3 * rowB, s3, accumulate);
    }
  }
  for (; r < M; r++) {
    const ar = a + <usize>r * srB;
    const cr = c + <usize>r * rowB;
    let n = 0;
    for (; n + 8 <= N; n += 8) {
      let c0 = f32x4.splat(0);
      let c1 = f32x4.splat(0);
      let ap = ar;
      let bp = b + ((<usize>n) << 2);
      for (let d = 0; d < D; d++) {
        const s = v128.load32_splat(ap);
        c0 = f32x4.add(c0, f32x4.mul(s, v128.load(bp)));
        c1 = f32x4.add(c1, f32x4.mul(s, v128.load(bp, 16)));
        ap += sdB;
        bp += rowB;
      }
      const cp = cr + ((<usize>n) << 2);
      store4(cp, c0, accumulate);
      store4(cp + 16, c1, accumulate);
    }
    for (; n + 4 <= N; n += 4) {
      let c0 = f32x4.splat(0);
      let ap = ar;
      let bp = b + ((<usize>n) << 2);
      for (let d = 0; d < D; d++) {
        c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(ap), v128.load(bp)));
        ap += sdB;
        bp += rowB;
      }
      store4(cr + ((<usize>n) << 2), c0, accumulate);
    }
    for (; n < N; n++) {
      let s: f32 = 0;
      let ap = ar;
      let bp = b + ((<usize>n) << 2);
      for (let d = 0; d < D; d++) {
        s += load<f32>(ap) * load<f32>(bp);
        ap += sdB;
        bp += rowB;
      }
      store1(cr + ((<usize>n) << 2), s, accumulate);
    }
  }
}

// @ts-ignore: decorator
@inline
function store4(p: usize, v: v128, accumulate: i32): void {
  v128.store(p, accumulate ? f32x4.add(v128.load(p), v) : v);
}

// @ts-ignore: decorator
@inline
function store1(p: usize, v: f32, accumulate: i32): void {
  store<f32>(p, accumulate ? load<f32>(p) + v : v);
}

/** dst[c, r] = src[r, c] for a [rows, cols] matrix. */
export function transpose(src: usize, dst: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      store<f32>(dst + ((<usize>(c * rows + r)) << 2), load<f32>(src + ((<usize>(r * cols + c)) << 2)));
    }
  }
}

/** dst row i = src row idx[i] (4-byte elements, `width` per row), for i < count: a mini-batch. */
export function gather(src: usize, idx: usize, dst: usize, count: i32, width: i32): void {
  const rowB = (<usize>width) << 2;
  let out = dst;
  for (let i = 0; i < count; i++) {
    memory.copy(out, src + <usize>load<i32>(idx + ((<usize>i) << 2)) * rowB, rowB);
    out += rowB;
  }
}

// --- Activations ---------------------------------------------------------------------------------------

const LINEAR = 0;
const RELU = 1;
const TANH = 2;
const ELU = 3;
const SELU = 4;
const GELU = 5;

const SELU_SCALE: f32 = 1.0507009873554804934193349852946;
const SELU_ALPHA: f32 = 1.6732632423543772848170429916717;

/** tfjs's erf: Abramowitz and Stegun 7.1.26, the same constants and order of operations. */
// @ts-ignore: decorator
@inline
function erf(x: f32): f32 {
  const sign: f32 = x < 0 ? -1 : 1;
  const v = Mathf.abs(x);
  const t: f32 = 1 / (1 + 0.3275911 * v);
  return (
    sign *
    (1 -
      ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
        t *
        Mathf.exp(-v * v))
  );
}

/** z[r, n] += bias[n]; a[r, n] = act(z[r, n]). `a` may be `z` (linear). */
export function biasAct(z: usize, a: usize, bias: usize, M: i32, N: i32, act: i32): void {
  const rowB = (<usize>N) << 2;
  for (let r = 0; r < M; r++) {
    const zr = z + <usize>r * rowB;
    const ar = a + <usize>r * rowB;
    let n = 0;
    if (act == LINEAR || act == RELU) {
      for (; n + 4 <= N; n += 4) {
        const o = (<usize>n) << 2;
        const v = f32x4.add(v128.load(zr + o), v128.load(bias + o));
        v128.store(zr + o, v);
        v128.store(ar + o, act == RELU ? f32x4.max(v, f32x4.splat(0)) : v);
      }
    }
    for (; n < N; n++) {
      const o = (<usize>n) << 2;
      const v = load<f32>(zr + o) + load<f32>(bias + o);
      store<f32>(zr + o, v);
      store<f32>(ar + o, activate(v, act));
    }
  }
}

// @ts-ignore: decorator
@inline
function activate(x: f32, act: i32): f32 {
  if (act == RELU) return x > 0 ? x : 0;
  if (act == TANH) return Mathf.tanh(x);
  if (act == ELU) return x > 0 ? x : Mathf.exp(x) - 1;
  if (act == SELU) return x > 0 ? SELU_SCALE * x : SELU_SCALE * SELU_ALPHA * (Mathf.exp(x) - 1);
  if (act == GELU) return x * (0.5 * (1 + erf(x / Mathf.SQRT2)));
  return x;
}

/** g[i] *= act'(z[i]) over `count` elements (from z alone: the activations may be dropped out). */
export function actBackward(g: usize, z: usize, count: i32, act: i32): void {
  if (act == LINEAR) return;
  let i = 0;
  if (act == RELU) {
    for (; i + 4 <= count; i += 4) {
      const o = (<usize>i) << 2;
      const keep = f32x4.gt(v128.load(z + o), f32x4.splat(0));
      v128.store(g + o, v128.and(v128.load(g + o), keep));
    }
  }
  for (; i < count; i++) {
    const o = (<usize>i) << 2;
    const x = load<f32>(z + o);
    let d: f32 = 1;
    if (act == RELU) d = x > 0 ? 1 : 0;
    else if (act == TANH) {
      const y = Mathf.tanh(x);
      d = 1 - y * y;
    } else if (act == ELU) d = x > 0 ? 1 : Mathf.exp(x);
    else if (act == SELU) d = x > 0 ? SELU_SCALE : SELU_SCALE * SELU_ALPHA * Mathf.exp(x);
    else if (act == GELU)
      d =
        0.5 * (1 + erf(x / Mathf.SQRT2)) +
        (x * 0.5 * (<f32>1.1283791670955126 * Mathf.exp(-(x * x) / 2))) / Mathf.SQRT2;
    store<f32>(g + o, load<f32>(g + o) * d);
  }
}

/**
 * Inverted dropout: mask[i] = 1 / (1 − rate) when a counter-based hash of (seed, i) gives u ≥ rate, else
 * 0; a[i] *= mask[i]. The same (seed, i) always gives the same mask, so a resumed run repeats it.
 */
export function dropout(a: usize, mask: usize, count: i32, rate: f32, seed: u32): void {
  const scale: f32 = 1 / (1 - rate);
  for (let i = 0; i < count; i++) {
    const o = (<usize>i) << 2;
    const u = <f32>(hash(seed, <u32>i) >>> 8) * (<f32>1 / 16777216);
    const m: f32 = u >= rate ? scale : 0;
    store<f32>(mask + o, m);
    store<f32>(a + o, load<f32>(a + o) * m);
  }
}

/** g[i] *= mask[i]. */
export function mulInPlace(g: usize, mask: usize, count: i32): void {
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(g + o, f32x4.mul(v128.load(g + o), v128.load(mask + o)));
  }
  for (; i < count; i++) {
    const o = (<usize>i) << 2;
    store<f32>(g + o, load<f32>(g + o) * load<f32>(mask + o));
  }
}

/** A murmur3-style finalizer over (seed, i): uniform 32-bit output, no state. */
// @ts-ignore: decorator
@inline
function hash(seed: u32, i: u32): u32 {
  let h = seed ^ (i * 0x9e3779b9);
  h ^= h >>> 16;
  h *= 0x85ebca6b;
  h ^= h >>> 13;
  h *= 0xc2b2ae35;
  h ^= h >>> 16;
  return h;
}

/** out[n] = Σ_r g[r, n]: a bias gradient. */
export function colSum(g: usize, M: i32, N: i32, out: usize): void {
  memory.fill(out, 0, (<usize>N) << 2);
  const rowB = (<usize>N) << 2;
  for (let r = 0; r < M; r++) {
    const gr = g + <usize>r * rowB;
    let n = 0;
    for (; n + 4 <= N; n += 4) {
      const o = (<usize>n) << 2;
      v128.store(out + o, f32x4.add(v128.load(out + o), v128.load(gr + o)));
    }
    for (; n < N; n++) {
      const o = (<usize>n) << 2;
      store<f32>(out + o, load<f32>(out + o) + load<f32>(gr + o));
    }
  }
}

// --- Losses: each returns the batch loss and writes its gradient with respect to the logits -------------

/** The count of non-zero weights (tfjs's SUM_BY_NONZERO_WEIGHTS), or M without weights (w = 0). */
// @ts-ignore: decorator
@inline
function denominator(w: usize, M: i32): f32 {
  if (!w) return <f32>M;
  let n = 0;
  for (let i = 0; i < M; i++) if (load<f32>(w + ((<usize>i) << 2)) != 0) n++;
  return <f32>n;
}

/**
 * Sigmoid cross-entropy of logits z [M] against labels y [M] in {0, 1}, weighted by w [M] when w ≠ 0:
 * Σ w·(max(z, 0) − z·y + log1p(exp(−|z|))) / n; dz = (σ(z) − y)·w / n.
 */
export function lossBinary(z: usize, y: usize, w: usize, dz: usize, M: i32): f32 {
  const n = denominator(w, M);
  let sum: f32 = 0;
  for (let i = 0; i < M; i++) {
    const o = (<usize>i) << 2;
    const x = load<f32>(z + o);
    const t = load<f32>(y + o);
    const wi: f32 = w ? load<f32>(w + o) : 1;
    const l = (x > 0 ? x : 0) - x * t + Mathf.log1p(Mathf.exp(-Mathf.abs(x)));
    sum += l * wi;
    store<f32>(dz + o, ((<f32>1 / (1 + Mathf.exp(-x)) - t) * wi) / n);
  }
  return sum / n;
}

/**
 * Softmax cross-entropy of logits z [M, K] against class indices labels [M] (i32), weighted by w [M]
 * when w ≠ 0: Σ −w·log softmax(z)[label] / n; dz = (softmax(z) − onehot)·w / n.
 */
export function lossSoftmax(z: usize, labels: usize, w: usize, dz: usize, M: i32, K: i32): f32 {
  const n = denominator(w, M);
  let sum: f32 = 0;
  const rowB = (<usize>K) << 2;
  for (let i = 0; i < M; i++) {
    const zr = z + <usize>i * rowB;
    const dr = dz + <usize>i * rowB;
    let max = load<f32>(zr);
    for (let k = 1; k < K; k++) max = Mathf.max(max, load<f32>(zr + ((<usize>k) << 2)));
    let total: f32 = 0;
    for (let k = 0; k < K; k++) {
      const e = Mathf.exp(load<f32>(zr + ((<usize>k) << 2)) - max);
      store<f32>(dr + ((<usize>k) << 2), e);
      total += e;
    }
    const label = load<i32>(labels + ((<usize>i) << 2));
    const wi: f32 = w ? load<f32>(w + ((<usize>i) << 2)) : 1;
    sum += -(load<f32>(zr + ((<usize>label) << 2)) - max - Mathf.log(total)) * wi;
    const scale = wi / n;
    for (let k = 0; k < K; k++) {
      const o = (<usize>k) << 2;
      const p = load<f32>(dr + o) / total;
      store<f32>(dr + o, (p - (k == label ? <f32>1 : <f32>0)) * scale);
    }
  }
  return sum / n;
}

/** Mean squared error of z [M] against y [M]: Σ (z − y)² / M; dz = 2 (z − y) / M. */
export function lossMse(z: usize, y: usize, dz: usize, M: i32): f32 {
  let sum: f32 = 0;
  const scale: f32 = <f32>2 / <f32>M;
  for (let i = 0; i < M; i++) {
    const o = (<usize>i) << 2;
    const e = load<f32>(z + o) - load<f32>(y + o);
    sum += e * e;
    store<f32>(dz + o, e * scale);
  }
  return sum / <f32>M;
}

/**
 * A kernel's L1/L2 penalty, l1·Σ|W| + l2·ΣW² (tfjs-layers' l1l2 regularizer), added to its gradient g
 * as l1·sign(W) + 2·l2·W; returns the penalty.
 */
export function penalty(wp: usize, g: usize, count: i32, l1: f32, l2: f32): f32 {
  let abs: f32 = 0;
  let sq: f32 = 0;
  for (let i = 0; i < count; i++) {
    const o = (<usize>i) << 2;
    const x = load<f32>(wp + o);
    abs += Mathf.abs(x);
    sq += x * x;
    const sign: f32 = x > 0 ? 1 : x < 0 ? -1 : 0;
    store<f32>(g + o, load<f32>(g + o) + l1 * sign + 2 * l2 * x);
  }
  return l1 * abs + l2 * sq;
}

// --- Adam ----------------------------------------------------------------------------------------------

/**
 * One Adam update of `count` parameters, in tfjs's float32 order of operations:
 * m = m·β1 + g·(1 − β1); v = v·β2 + g²·(1 − β2); p += −lr · (m / c1) / (√(v / c2) + ε),
 * with c1 = 1 − β1^t and c2 = 1 − β2^t computed by the caller.
 */
export function adam(
  p: usize,
  g: usize,
  m: usize,
  v: usize,
  count: i32,
  lr: f32,
  beta1: f32,
  beta2: f32,
  eps: f32,
  c1: f32,
  c2: f32,
): void {
  const b1 = f32x4.splat(beta1);
  const b2 = f32x4.splat(beta2);
  const o1 = f32x4.splat(1 - beta1);
  const o2 = f32x4.splat(1 - beta2);
  const vc1 = f32x4.splat(c1);
  const vc2 = f32x4.splat(c2);
  const ve = f32x4.splat(eps);
  const vlr = f32x4.splat(-lr);
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const o = (<usize>i) << 2;
    const gv = v128.load(g + o);
    const mv = f32x4.add(f32x4.mul(v128.load(m + o), b1), f32x4.mul(gv, o1));
    const vv = f32x4.add(f32x4.mul(v128.load(v + o), b2), f32x4.mul(f32x4.mul(gv, gv), o2));
    v128.store(m + o, mv);
    v128.store(v + o, vv);
    const step = f32x4.div(f32x4.div(mv, vc1), f32x4.add(f32x4.sqrt(f32x4.div(vv, vc2)), ve));
    v128.store(p + o, f32x4.add(f32x4.mul(step, vlr), v128.load(p + o)));
  }
  for (; i < count; i++) {
    const o = (<usize>i) << 2;
    const gv = load<f32>(g + o);
    const mv = load<f32>(m + o) * beta1 + gv * (1 - beta1);
    const vv = load<f32>(v + o) * beta2 + gv * gv * (1 - beta2);
    store<f32>(m + o, mv);
    store<f32>(v + o, vv);
    store<f32>(p + o, (mv / c1 / (Mathf.sqrt(vv / c2) + eps)) * -lr + load<f32>(p + o));
  }
}

// --- Batch normalization (tfjs-layers' BatchNormalization in training: batch statistics) ---------------

/** dst[i] = act(src[i]) over `count` elements. */
export function activation(src: usize, dst: usize, count: i32, act: i32): void {
  for (let i = 0; i < count; i++) {
    const o = (<usize>i) << 2;
    store<f32>(dst + o, activate(load<f32>(src + o), act));
  }
}

/**
 * Normalizes z [M, N] by its batch statistics, as tf.moments and tf.batchNorm do: mean[n] and the biased
 * variance var[n] over the rows, invStd[n] = 1 / √(var + ε), xhat = (z − mean)·invStd and
 * y = xhat·gamma + beta.
 */
export function bnForward(
  z: usize,
  xhat: usize,
  y: usize,
  gamma: usize,
  beta: usize,
  mean: usize,
  variance: usize,
  invStd: usize,
  M: i32,
  N: i32,
  eps: f32,
): void {
  const rowB = (<usize>N) << 2;
  colSum(z, M, N, mean);
  for (let n = 0; n < N; n++) {
    const o = (<usize>n) << 2;
    store<f32>(mean + o, load<f32>(mean + o) / <f32>M);
  }
  memory.fill(variance, 0, rowB);
  for (let r = 0; r < M; r++) {
    const zr = z + <usize>r * rowB;
    for (let n = 0; n < N; n++) {
      const o = (<usize>n) << 2;
      const d = load<f32>(zr + o) - load<f32>(mean + o);
      store<f32>(variance + o, load<f32>(variance + o) + d * d);
    }
  }
  for (let n = 0; n < N; n++) {
    const o = (<usize>n) << 2;
    const v = load<f32>(variance + o) / <f32>M;
    store<f32>(variance + o, v);
    store<f32>(invStd + o, <f32>1 / Mathf.sqrt(v + eps));
  }
  for (let r = 0; r < M; r++) {
    const at = <usize>r * rowB;
    for (let n = 0; n < N; n++) {
      const o = (<usize>n) << 2;
      const h = (load<f32>(z + at + o) - load<f32>(mean + o)) * load<f32>(invStd + o);
      store<f32>(xhat + at + o, h);
      store<f32>(y + at + o, h * load<f32>(gamma + o) + load<f32>(beta + o));
    }
  }
}

/** Moving statistics: moving −= (moving − batch)·(1 − momentum), for the mean and the variance. */
export function bnMoving(
  movingMean: usize,
  movingVar: usize,
  mean: usize,
  variance: usize,
  N: i32,
  momentum: f32,
): void {
  const decay: f32 = 1 - momentum;
  for (let n = 0; n < N; n++) {
    const o = (<usize>n) << 2;
    const mm = load<f32>(movingMean + o);
    store<f32>(movingMean + o, mm - (mm - load<f32>(mean + o)) * decay);
    const mv = load<f32>(movingVar + o);
    store<f32>(movingVar + o, mv - (mv - load<f32>(variance + o)) * decay);
  }
}

/**
 * Backpropagation through bnForward: from g = dL/dy [M, N] (overwritten with dL/dz), dgamma = Σ g·xhat,
 * dbeta = Σ g, and dz = invStd / M · (M·dxhat − Σ dxhat − xhat·Σ dxhat·xhat) with dxhat = g·gamma.
 */
export function bnBackward(
  g: usize,
  xhat: usize,
  gamma: usize,
  invStd: usize,
  dgamma: usize,
  dbeta: usize,
  M: i32,
  N: i32,
): void {
  const rowB = (<usize>N) << 2;
  memory.fill(dgamma, 0, rowB);
  memory.fill(dbeta, 0, rowB);
  for (let r = 0; r < M; r++) {
    const at = <usize>r * rowB;
    for (let n = 0; n < N; n++) {
      const o = (<usize>n) << 2;
      const gv = load<f32>(g + at + o);
      store<f32>(dbeta + o, load<f32>(dbeta + o) + gv);
      store<f32>(dgamma + o, load<f32>(dgamma + o) + gv * load<f32>(xhat + at + o));
    }
  }
  const m = <f32>M;
  for (let r = 0; r < M; r++) {
    const at = <usize>r * rowB;
    for (let n = 0; n < N; n++) {
      const o = (<usize>n) << 2;
      const gm = load<f32>(gamma + o);
      // Σ dxhat = gamma·dbeta and Σ dxhat·xhat = gamma·dgamma.
      const dxhat = load<f32>(g + at + o) * gm;
      store<f32>(
        g + at + o,
        (load<f32>(invStd + o) / m) *
          (m * dxhat - gm * load<f32>(dbeta + o) - load<f32>(xhat + at + o) * gm * load<f32>(dgamma + o)),
      );
    }
  }
}
