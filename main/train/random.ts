/** A seeded generator whose state can be saved and restored (training checkpoints). */
export interface Rng {
  (): number;
  /** The generator's whole state: restoring it replays the same sequence from here. */
  getState(): number;
  setState(state: number): void;
}

/** mulberry32: a small, fast, seeded PRNG; the same seed gives the same sequence on every platform. */
export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  const next = (() => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }) as Rng;
  next.getState = () => a;
  next.setState = (state) => {
    a = state >>> 0;
  };
  return next;
}

/** A seeded Fisher–Yates permutation of 0..n-1. */
export function permutation(n: number, rng: () => number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}
