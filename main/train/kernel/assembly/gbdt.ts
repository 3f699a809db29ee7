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
