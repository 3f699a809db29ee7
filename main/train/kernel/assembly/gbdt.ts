// The histogram GBDT kernels (AssemblyScript, compiled to WebAssembly with SIMD and shared memory by
// ../build.mjs into ../gbdt-wasm.ts). Every thread of a training instantiates this module over the same
// shared memory (main/train/gbdt/wasm-engine.ts lays out the buffers above heapBase()).
//
// Layouts: bins row-major [rows, width] of u8 or u16; gpair [rows] of (gradient, hessian) float32 pairs;
// a histogram [width, stride] of (Σ gradient, Σ hessian) float64 pairs (16 bytes, one f64x2 per bin);
// row indexes u32.

/** The first byte the caller may use. */
export function heapBase(): usize {
  return (__heap_base + 15) & ~15;
}

/**
 * Fills the histograms of `nf` features (ids at `features`, i32) of `hist` from the rows
 * index[begin .. begin + count), in row order: every bin is summed by one thread, over rows in order, so
 * the sums do not depend on how features are shared among threads.
 */
export function buildHist(
  index: usize,
  begin: i32,
  count: i32,
  bins: usize,
  narrow: i32,
  width: i32,
  gpair: usize,
  hist: usize,
  stride: i32,
  features: usize,
  nf: i32,
): void {
  const fstride = (<usize>stride) << 4;
  for (let k = 0; k < nf; k++) {
    memory.fill(hist + <usize>load<i32>(features + ((<usize>k) << 2)) * fstride, 0, fstride);
  }
  const end = index + ((<usize>(begin + count)) << 2);
  let ip = index + ((<usize>begin) << 2);
  if (nf === 1) {
    const f = <usize>load<i32>(features);
    const h = hist + f * fstride;
    if (narrow) {
      const b = bins + f;
      for (; ip < end; ip += 4) {
        const r = <usize>load<u32>(ip);
        const gp = f64x2.promote_low_f32x4(v128.load64_zero(gpair + (r << 3)));
        const a = h + ((<usize>load<u8>(b + r * width)) << 4);
        v128.store(a, f64x2.add(v128.load(a), gp));
      }
    } else {
      const b = bins + (f << 1);
      const w2 = (<usize>width) << 1;
      for (; ip < end; ip += 4) {
        const r = <usize>load<u32>(ip);
        const gp = f64x2.promote_low_f32x4(v128.load64_zero(gpair + (r << 3)));
        const a = h + ((<usize>load<u16>(b + r * w2)) << 4);
        v128.store(a, f64x2.add(v128.load(a), gp));
      }
    }
    return;
  }
  // Consecutive features (how the engine shares them out when all are used): no feature ids to load.
  const f0 = <usize>load<i32>(features);
  let consecutive = true;
  for (let k = 1; k < nf; k++) {
    if (<usize>load<i32>(features + ((<usize>k) << 2)) !== f0 + <usize>k) consecutive = false;
  }
  if (narrow && consecutive) {
    const h0 = hist + f0 * fstride;
    const n = <usize>nf;
    for (; ip < end; ip += 4) {
      const r = <usize>load<u32>(ip);
      const gp = f64x2.promote_low_f32x4(v128.load64_zero(gpair + (r << 3)));
      const row = bins + r * width + f0;
      let h = h0;
      for (let k: usize = 0; k < n; k++) {
        const a = h + ((<usize>load<u8>(row + k)) << 4);
        v128.store(a, f64x2.add(v128.load(a), gp));
        h += fstride;
      }
    }
    return;
  }
  if (narrow) {
    for (; ip < end; ip += 4) {
      const r = <usize>load<u32>(ip);
      const gp = f64x2.promote_low_f32x4(v128.load64_zero(gpair + (r << 3)));
      const row = bins + r * width;
      for (let k = 0; k < nf; k++) {
        const f = <usize>load<i32>(features + ((<usize>k) << 2));
        const a = hist + f * fstride + ((<usize>load<u8>(row + f)) << 4);
        v128.store(a, f64x2.add(v128.load(a), gp));
      }
    }
  } else {
    const w2 = (<usize>width) << 1;
    for (; ip < end; ip += 4) {
      const r = <usize>load<u32>(ip);
      const gp = f64x2.promote_low_f32x4(v128.load64_zero(gpair + (r << 3)));
      const row = bins + r * w2;
      for (let k = 0; k < nf; k++) {
        const f = <usize>load<i32>(features + ((<usize>k) << 2));
        const a = hist + f * fstride + ((<usize>load<u16>(row + (f << 1))) << 4);
        v128.store(a, f64x2.add(v128.load(a), gp));
      }
    }
  }
}

/** a[i] −= b[i] over `pairs` float64 pairs. */
export function subtractHist(a: usize, b: usize, pairs: i32): void {
  const end = a + ((<usize>pairs) << 4);
  for (; a < end; a += 16, b += 16) v128.store(a, f64x2.sub(v128.load(a), v128.load(b)));
}

/**
 * Stable partition of index[begin, end) by table[bin of feature f] (u8, 1 = left): left rows first.
 * scratch[begin, end) is overwritten. Returns how many rows go left.
 */
export function partition(
  index: usize,
  begin: i32,
  end: i32,
  bins: usize,
  narrow: i32,
  width: i32,
  f: i32,
  table: usize,
  scratch: usize,
): i32 {
  let l = index + ((<usize>begin) << 2);
  const start = l;
  let r = scratch + ((<usize>begin) << 2);
  const rstart = r;
  const stop = index + ((<usize>end) << 2);
  let ip = l;
  if (narrow) {
    const b = bins + <usize>f;
    for (; ip < stop; ip += 4) {
      const row = load<u32>(ip);
      const go = <usize>load<u8>(table + <usize>load<u8>(b + <usize>row * width));
      store<u32>(l, row);
      store<u32>(r, row);
      l += go << 2;
      r += (go ^ 1) << 2;
    }
  } else {
    const b = bins + ((<usize>f) << 1);
    const w2 = (<usize>width) << 1;
    for (; ip < stop; ip += 4) {
      const row = load<u32>(ip);
      const go = <usize>load<u8>(table + <usize>load<u16>(b + <usize>row * w2));
      store<u32>(l, row);
      store<u32>(r, row);
      l += go << 2;
      r += (go ^ 1) << 2;
    }
  }
  memory.copy(l, rstart, r - rstart);
  return <i32>((l - start) >> 2);
}

// --- Logistic loss --------------------------------------------------------------------------------------

/**
 * exp(x) for x ≤ 0 in both lanes (below −700 as exp(−700)): 2^n · e^r, |r| ≤ ln2/2, Taylor to r^8
 * (relative error under 1e-9: the gradients are stored as float32, the loss is reported).
 */
// @ts-ignore: decorator
@inline
function expNonPositive(x: v128): v128 {
  x = f64x2.max(x, f64x2.splat(-700));
  const n = f64x2.nearest(f64x2.mul(x, f64x2.splat(1.4426950408889634)));
  let r = f64x2.sub(x, f64x2.mul(n, f64x2.splat(6.9314718036912382e-1)));
  r = f64x2.sub(r, f64x2.mul(n, f64x2.splat(1.9082149292705877e-10)));
  let p = f64x2.splat(1.0 / 40320.0);
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 5040.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 720.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 120.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 24.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 6.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(0.5));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0));
  const k = i64x2.extend_low_i32x4_s(i32x4.trunc_sat_f64x2_s_zero(n));
  return f64x2.mul(p, i64x2.shl(i64x2.add(k, i64x2.splat(1023)), 52));
}

/** log(1 + e) for e in [0, 1] in both lanes: 2·atanh(e / (2 + e)) by its series to s^19 (error < 1e-10). */
// @ts-ignore: decorator
@inline
function log1pUnit(e: v128): v128 {
  const s = f64x2.div(e, f64x2.add(e, f64x2.splat(2)));
  const s2 = f64x2.mul(s, s);
  let p = f64x2.splat(1.0 / 19.0);
  p = f64x2.add(f64x2.mul(p, s2), f64x2.splat(1.0 / 17.0));
  p = f64x2.add(f64x2.mul(p, s2), f64x2.splat(1.0 / 15.0));
  p = f64x2.add(f64x2.mul(p, s2), f64x2.splat(1.0 / 13.0));
  p = f64x2.add(f64x2.mul(p, s2), f64x2.splat(1.0 / 11.0));
  p = f64x2.add(f64x2.mul(p, s2), f64x2.splat(1.0 / 9.0));
  p = f64x2.add(f64x2.mul(p, s2), f64x2.splat(1.0 / 7.0));
  p = f64x2.add(f64x2.mul(p, s2), f64x2.splat(1.0 / 5.0));
  p = f64x2.add(f64x2.mul(p, s2), f64x2.splat(1.0 / 3.0));
  p = f64x2.add(f64x2.mul(p, s2), f64x2.splat(1.0));
  return f64x2.mul(f64x2.mul(p, s), f64x2.splat(2));
}

/**
 * Logistic loss of raw scores z [n] (f64) against targets t (f32, 0/1) with weights w (f32): writes the
 * gradient (p − t)·w and hessian max(p(1 − p), 1e-16)·w of each row as a float32 pair into gpair and
 * returns Σ w·(softplus(z) − t·z). n must be even (pad with a row of weight 0).
 */
export function logistic(raw: usize, y: usize, w: usize, gpair: usize, n: i32): f64 {
  let loss = f64x2.splat(0);
  const zero = f64x2.splat(0);
  const one = f64x2.splat(1);
  const minHess = f64x2.splat(1e-16);
  for (let i: usize = 0; i < <usize>n; i += 2) {
    const z = v128.load(raw + (i << 3));
    const t = f64x2.promote_low_f32x4(v128.load64_zero(y + (i << 2)));
    const wt = f64x2.promote_low_f32x4(v128.load64_zero(w + (i << 2)));
    const e = expNonPositive(f64x2.neg(f64x2.abs(z)));
    const l = f64x2.sub(f64x2.add(f64x2.max(z, zero), log1pUnit(e)), f64x2.mul(t, z));
    loss = f64x2.add(loss, f64x2.mul(wt, l));
    const inv = f64x2.div(one, f64x2.add(one, e));
    const p = v128.bitselect(inv, f64x2.mul(e, inv), f64x2.ge(z, zero));
    const g = f64x2.mul(f64x2.sub(p, t), wt);
    const h = f64x2.mul(f64x2.max(f64x2.mul(p, f64x2.sub(one, p)), minHess), wt);
    const gh = v128.shuffle<i32>(f32x4.demote_f64x2_zero(g), f32x4.demote_f64x2_zero(h), 0, 4, 1, 5);
    v128.store(gpair + (i << 3), gh);
  }
  return f64x2.extract_lane(loss, 0) + f64x2.extract_lane(loss, 1);
}

// --- Adding a tree's values to raw scores ---------------------------------------------------------------

/**
 * raw[r·k + c] += value[leaf of row r] for rows begin..end: each row walks the tree from node 0, going to
 * left[n] when the byte tables[n·tableBytes + bin of feature[n]] is 1 (feature −1 at a leaf).
 */
export function routeAdd(
  bins: usize,
  narrow: i32,
  width: i32,
  begin: i32,
  end: i32,
  feature: usize,
  left: usize,
  right: usize,
  value: usize,
  tables: usize,
  tableBytes: i32,
  raw: usize,
  k: i32,
  c: i32,
): void {
  const f0 = load<i32>(feature);
  const tb = <usize>tableBytes;
  for (let r = begin; r < end; r++) {
    let n: usize = 0;
    let f = f0;
    while (f >= 0) {
      const bin: usize = narrow
        ? <usize>load<u8>(bins + <usize>r * <usize>width + <usize>f)
        : <usize>load<u16>(bins + ((<usize>r * <usize>width + <usize>f) << 1));
      n = <usize>(load<u8>(tables + n * tb + bin) ? load<i32>(left + (n << 2)) : load<i32>(right + (n << 2)));
      f = load<i32>(feature + (n << 2));
    }
    const at = raw + ((<usize>r * <usize>k + <usize>c) << 3);
    store<f64>(at, load<f64>(at) + load<f64>(value + (n << 3)));
  }
}

/** raw[index[i]·k + c] += v for i in begin..end (the rows of one leaf). */
export function addLeaf(index: usize, begin: i32, end: i32, raw: usize, k: i32, c: i32, v: f64): void {
  for (let i = begin; i < end; i++) {
    const at = raw + ((<usize>load<u32>(index + ((<usize>i) << 2)) * <usize>k + <usize>c) << 3);
    store<f64>(at, load<f64>(at) + v);
  }
}

// --- Scoring a stored ensemble (main/train/gbdt/tree-scorer.ts lays out its tables) -----------------------

// A node is 32 bytes: its threshold @0 (f32; at a leaf, its value as f64); the byte offsets of the left and
// right children in the node table @8, @12 (a leaf: its own offset, both); the feature's byte offset in a
// row @16; flags @20 (1 default left, 2 a negative value is missing, 8 a bitset split); a bitset split's
// first word in `bits` @24 and its number of codes (words · 32, as f32) @28. Thresholds are float32
// values, so comparing in float32 decides as comparing in float64 would.

/** The offset in the node table of the child a row with value v at node `a` goes to. */
@inline
function childOffset(a: usize, v: f32, bits: usize): i32 {
  const flags = load<i32>(a, 20);
  const nonNegative = v >= 0;
  // A bitset split tests word (code >>> 5) of its set; other nodes read bits[0], which they ignore.
  const inSet = nonNegative & (v < load<f32>(a, 28));
  // Below 2^23, v + 2^23 holds the integer nearest v in its low mantissa bits (a fraction then fails the
  // equality below).
  const code = i32.reinterpret_f32(v + 8388608.0) - 0x4b000000;
  const word = load<u32>(bits + ((<usize>select<i32>(load<i32>(a, 24) + (code >>> 5), 0, inSet)) << 2));
  const hit = inSet & (<f32>code == v) & (((word >>> (code & 31)) & 1) != 0);
  const goes = select<bool>(hit, v <= load<f32>(a), (flags & 8) != 0);
  const missing = select<bool>(!nonNegative, v != v, (flags & 2) != 0);
  return select<i32>(load<i32>(a, 8), load<i32>(a, 12), select<bool>((flags & 1) != 0, goes, missing));
}

/**
 * Scores rows begin..end of x (f32, row-major, rowBytes per row) into out (f64 [rows, k]): each row's k
 * sums start at base (f64 [k]) and add, tree by tree in order, the value of the leaf the row reaches in
 * tree t (to output t % k). Tree t starts at node offset roots[t] and takes depths[t] steps (leaves step to
 * themselves), so no branch depends on the data; eight rows walk side by side.
 */
export function scoreTrees(
  nodes: usize,
  roots: usize,
  depths: usize,
  trees: i32,
  k: i32,
  base: usize,
  bits: usize,
  x: usize,
  rowBytes: i32,
  begin: i32,
  end: i32,
  out: usize,
): void {
  const rb = <usize>rowBytes;
  const ks = (<usize>k) << 3;
  for (let r = begin; r < end; r++) {
    memory.copy(out + <usize>r * ks, base, ks);
  }
  for (let t = 0; t < trees; t++) {
    const root = load<i32>(roots + ((<usize>t) << 2));
    const depth = load<i32>(depths + ((<usize>t) << 2));
    const to = <usize>(t % k) << 3;
    let r = begin;
    for (; r + 8 <= end; r += 8) {
      const x0 = x + <usize>r * rb;
      let a0 = root;
      let a1 = root;
      let a2 = root;
      let a3 = root;
      let a4 = root;
      let a5 = root;
      let a6 = root;
      let a7 = root;
      for (let d = 0; d < depth; d++) {
        const n0 = nodes + <usize>a0;
        a0 = childOffset(n0, load<f32>(x0 + <usize>load<i32>(n0, 16)), bits);
        const n1 = nodes + <usize>a1;
        a1 = childOffset(n1, load<f32>(x0 + rb + <usize>load<i32>(n1, 16)), bits);
        const n2 = nodes + <usize>a2;
        a2 = childOffset(n2, load<f32>(x0 + 2 * rb + <usize>load<i32>(n2, 16)), bits);
        const n3 = nodes + <usize>a3;
        a3 = childOffset(n3, load<f32>(x0 + 3 * rb + <usize>load<i32>(n3, 16)), bits);
        const n4 = nodes + <usize>a4;
        a4 = childOffset(n4, load<f32>(x0 + 4 * rb + <usize>load<i32>(n4, 16)), bits);
        const n5 = nodes + <usize>a5;
        a5 = childOffset(n5, load<f32>(x0 + 5 * rb + <usize>load<i32>(n5, 16)), bits);
        const n6 = nodes + <usize>a6;
        a6 = childOffset(n6, load<f32>(x0 + 6 * rb + <usize>load<i32>(n6, 16)), bits);
        const n7 = nodes + <usize>a7;
        a7 = childOffset(n7, load<f32>(x0 + 7 * rb + <usize>load<i32>(n7, 16)), bits);
      }
      const o = out + <usize>r * ks + to;
      store<f64>(o, load<f64>(o) + load<f64>(nodes + <usize>a0));
      store<f64>(o + ks, load<f64>(o + ks) + load<f64>(nodes + <usize>a1));
      store<f64>(o + 2 * ks, load<f64>(o + 2 * ks) + load<f64>(nodes + <usize>a2));
      store<f64>(o + 3 * ks, load<f64>(o + 3 * ks) + load<f64>(nodes + <usize>a3));
      store<f64>(o + 4 * ks, load<f64>(o + 4 * ks) + load<f64>(nodes + <usize>a4));
      store<f64>(o + 5 * ks, load<f64>(o + 5 * ks) + load<f64>(nodes + <usize>a5));
      store<f64>(o + 6 * ks, load<f64>(o + 6 * ks) + load<f64>(nodes + <usize>a6));
      store<f64>(o + 7 * ks, load<f64>(o + 7 * ks) + load<f64>(nodes + <usize>a7));
    }
    for (; r < end; r++) {
      const row = x + <usize>r * rb;
      let a = root;
      for (let d = 0; d < depth; d++) {
        const n = nodes + <usize>a;
        a = childOffset(n, load<f32>(row + <usize>load<i32>(n, 16)), bits);
      }
      const o = out + <usize>r * ks + to;
      store<f64>(o, load<f64>(o) + load<f64>(nodes + <usize>a));
    }
  }
}
