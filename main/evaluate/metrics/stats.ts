/** Small numeric helpers: quantiles, mean/std, and the distributions behind the significance tests. */

/** Linear-interpolation quantile of a sorted array (numpy's default method), q in [0, 1]. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  const frac = pos - lo;
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  // numpy's _lerp: a + (b-a)*t, computed from the nearer end for t >= 0.5.
  return frac >= 0.5 ? b - (b - a) * (1 - frac) : a + (b - a) * frac;
}

export function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return s / values.length;
}

/** Population standard deviation (ddof = 0, like numpy.std and sklearn's importances_std). */
export function std(values: ArrayLike<number>): number {
  const m = mean(values);
  let s = 0;
  for (let i = 0; i < values.length; i++) s += (values[i]! - m) ** 2;
  return Math.sqrt(s / values.length);
}

/** erfc by its series (|x| < 2) or continued fraction (x >= 2); relative error ~1e-15. */
export function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  if (x < 2) {
    // erf(x) = 2/sqrt(pi) Σ (-1)^n x^(2n+1) / (n! (2n+1))
    let term = x;
    let sum = x;
    for (let n = 1; n < 100; n++) {
      term *= (-x * x) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  // Lentz's continued fraction: erfc(x) = exp(-x²)/sqrt(pi) · 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))).
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const a = n / 2;
    d = x + a * d;
    d = d === 0 ? tiny : d;
    c = x + a / c;
    c = c === 0 ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

/** Upper tail of chi-square with one degree of freedom. */
export function chi2Sf1(x: number): number {
  if (x <= 0) return 1;
  return erfc(Math.sqrt(x / 2));
}

/** P(X <= k) for X ~ Binomial(n, 1/2), summed in log space so large n does not underflow. */
export function binomHalfCdf(k: number, n: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  const logs: number[] = [];
  let logTerm = -n * Math.LN2;
  logs.push(logTerm);
  for (let i = 1; i <= k; i++) {
    logTerm += Math.log(n - i + 1) - Math.log(i);
    logs.push(logTerm);
  }
  let top = -Infinity;
  for (const l of logs) top = Math.max(top, l);
  let s = 0;
  for (const l of logs) s += Math.exp(l - top);
  return Math.min(1, s * Math.exp(top));
}
