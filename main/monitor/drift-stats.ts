// The p-values of the drift tests, from statistics computed in SQL (drift-sql.ts): the distribution
// functions scipy uses for ks_2samp (exact lattice-path counts for samples up to 10,000 rows, else the
// Kolmogorov distribution kstwo), chisquare (chi-square survival) and the proportions z-test (normal).
// Ported from scipy 1.17 (scipy/stats/_stats_py.py, _stats_pythran.py, _ksstats.py) and checked against it
// in tests/unit/main/monitor/drift-sql.test.ts.

const clip01 = (p: number) => Math.min(1, Math.max(0, p));

// ---------------------------------------------------------------------------------------------------
// Gamma family: log-gamma, the regularized incomplete gamma Q(a, x), chi-square and normal tails
// ---------------------------------------------------------------------------------------------------

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
  -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
  1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7: about 15 significant digits). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularized upper incomplete gamma Q(a, x) = Γ(a, x) / Γ(a): a series below a + 1, else a continued fraction. */
export function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  if (!Number.isFinite(x)) return 0;
  const lead = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 10_000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
    }
    return clip01(1 - sum * Math.exp(lead));
  }
  // Lentz's continued fraction for Γ(a, x).
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return clip01(Math.exp(lead) * h);
}

/** P(X > x) for X ~ chi-square with `df` degrees of freedom (scipy.stats.chi2.sf). */
export function chi2Sf(x: number, df: number): number {
  if (!(df > 0)) return Number.NaN;
  return gammaQ(df / 2, x / 2);
}

/** P(Z > z) for a standard normal Z (scipy.stats.norm.sf), from erfc(z/√2) = Q(1/2, z²/2). */
export function normSf(z: number): number {
  const tail = 0.5 * gammaQ(0.5, (z * z) / 2);
  return z >= 0 ? tail : 1 - tail;
}

// ---------------------------------------------------------------------------------------------------
// Two-sample Kolmogorov–Smirnov p-value (scipy.stats.ks_2samp, alternative two-sided, method auto)
// ---------------------------------------------------------------------------------------------------

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** Share of lattice paths of an n×n walk that leave the band |x − y| < h (scipy's _compute_prob_outside_square). */
function probOutsideSquare(n: number, h: number): number {
  let p = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    p = p1 * (1 - p);
  }
  return 2 * p;
}

/**
 * Share of lattice paths from (0,0) to (m,n) that leave the band |(n/g)·x − (m/g)·y| < h (scipy's
 * _compute_outer_prob_inside_method). B(x, y), the share of paths to (x, y) that stayed inside, obeys
 * B(x, y) = (x·B(x−1, y) + y·B(x, y−1)) / (x + y): counts divided by binom(x + y, y), so nothing overflows.
 */
function outerProbInside(m0: number, n0: number, g: number, h: number): number {
  const [m, n] = m0 < n0 ? [n0, m0] : [m0, n0];
  const mg = m / g;
  const ng = n / g;
  let prev = new Float64Array(n + 1);
  let cur = new Float64Array(n + 1);
  let lo = 0;
  let hi = Math.min(Math.ceil(h / mg), n + 1);
  prev.fill(1, lo, hi);
  for (let i = 1; i <= m; i++) {
    const nlo = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    const nhi = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (nhi <= nlo) return 1;
    cur.fill(0);
    for (let y = nlo; y < nhi; y++) {
      const left = y >= lo && y < hi ? prev[y]! : 0;
      const below = y > nlo ? cur[y - 1]! : 0;
      cur[y] = (i * left + y * below) / (i + y);
    }
    [prev, cur] = [cur, prev];
    [lo, hi] = [nlo, nhi];
  }
  return n >= lo && n < hi ? 1 - prev[n]! : 1;
}

/** P(D⁺_n ≥ x), the one-sided Smirnov tail, by the Birnbaum–Tingey sum in logs (scipy.special.smirnov). */
export function smirnov(n: number, x: number): number {
  if (x <= 0) return 1;
  if (x >= 1) return 0;
  const logFactN = logGamma(n + 1);
  let sum = 0;
  const last = Math.floor(n * (1 - x));
  for (let j = 0; j <= last; j++) {
    const a = 1 - x - j / n;
    const b = x + j / n;
    if (a <= 0) continue;
    const logTerm =
      logFactN -
      logGamma(j + 1) -
      logGamma(n - j + 1) +
      (n - j) * Math.log(a) +
      (j - 1) * Math.log(b);
    sum += Math.exp(logTerm);
  }
  return clip01(x * sum);
}

/** Pr(D_n ≤ d) by the Durbin matrix (Marsaglia–Tsang–Wang), scipy's _kolmogn_DMTW. */
function kolmogorovDurbin(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;
  const H: Float64Array[] = Array.from({ length: m }, () => new Float64Array(m));
  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let fac = 1;
  for (let j = 1; j <= m; j++) {
    w[j - 1] = fac;
    fac /= j;
    v[j - 1] = (1 - h ** j) * fac;
  }
  const tt = Math.max(2 * h - 1, 0) ** m - 2 * h ** m;
  v[m - 1] = (1 + tt) * fac;
  for (let i = 1; i < m; i++) for (let r = i - 1; r < m; r++) H[r]![i] = w[r - i + 1]!;
  for (let r = 0; r < m; r++) H[r]![0] = v[r]!;
  for (let c = 0; c < m; c++) H[m - 1]![c] = v[m - 1 - c]!;
  const mul = (a: Float64Array[], b: Float64Array[]) => {
    const out = Array.from({ length: m }, () => new Float64Array(m));
    for (let i = 0; i < m; i++) {
      const oi = out[i]!;
      const ai = a[i]!;
      for (let l = 0; l < m; l++) {
        const x = ai[l]!;
        if (x === 0) continue;
        const bl = b[l]!;
        for (let j = 0; j < m; j++) oi[j]! += x * bl[j]!;
      }
    }
    return out;
  };
  let P: Float64Array[] = Array.from({ length: m }, (_, i) => {
    const row = new Float64Array(m);
    row[i] = 1;
    return row;
  });
  let M = H;
  let expnt = 0;
  let hExpnt = 0;
  for (let nn = n; nn > 0; nn = Math.floor(nn / 2)) {
    if (nn % 2) {
      P = mul(P, M);
      expnt += hExpnt;
    }
    M = mul(M, M);
    hExpnt *= 2;
    if (Math.abs(M[k - 1]![k - 1]!) > 2 ** 128) {
      for (const row of M) for (let j = 0; j < m; j++) row[j]! /= 2 ** 128;
      hExpnt += 128;
    }
  }
  let p = P[k - 1]![k - 1]!;
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < 2 ** -128) {
      p *= 2 ** 128;
      expnt -= 128;
    }
  }
  return clip01(p * 2 ** expnt);
}

/** The Pelz–Good approximation of Pr(D_n ≤ x), scipy's _kolmogn_PelzGood. */
function kolmogorovPelzGood(n: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const z = Math.sqrt(n) * x;
  const [z2, z3, z4, z6] = [z ** 2, z ** 3, z ** 4, z ** 6];
  const PI2 = Math.PI ** 2;
  const PI4 = PI2 ** 2;
  const PI6 = PI4 * PI2;
  const qlog = -PI2 / 8 / z2;
  if (qlog < -745) return 0;
  let q = Math.exp(qlog);
  const k1a = -z2;
  const k1b = PI2 / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * PI2) / 4;
  const k2c = (PI4 * (1 - 2 * z2)) / 16;
  const k3d = (PI6 * (5 - 30 * z2)) / 64;
  const k3c = (PI4 * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (PI2 * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z ** 8;
  const K = [0, 0, 0, 0];
  const maxk = Math.ceil((16 * z) / Math.PI);
  for (let k = maxk; k > 0; k--) {
    const m = 2 * k - 1;
    const [m2, m4, m6] = [m ** 2, m ** 4, m ** 6];
    const qp = q ** (8 * k);
    const coeffs = [
      1,
      k1a + k1b * m2,
      k2a + k2b * m2 + k2c * m4,
      k3a + k3b * m2 + k3c * m4 + k3d * m6,
    ];
    for (let i = 0; i < 4; i++) K[i] = K[i]! * qp + coeffs[i]!;
  }
  const SQRT2PI = Math.sqrt(2 * Math.PI);
  const div = [z, 6 * z4, 72 * z ** 7, 6480 * z ** 10];
  for (let i = 0; i < 4; i++) K[i] = (K[i]! * q * SQRT2PI) / div[i]!;
  q = Math.exp(-PI2 / 2 / z2);
  let k2extra = 0;
  let k3extra = 0;
  const sqrt3z = Math.sqrt(3) * z;
  for (let k = maxk; k > 0; k--) {
    const k2 = k * k;
    const qp = q ** k2;
    k2extra += k2 * qp;
    const kpi = Math.PI * k;
    k3extra += (sqrt3z + kpi) * (sqrt3z - kpi) * k2 * qp;
  }
  K[2] = K[2]! + (k2extra * PI2 * SQRT2PI) / (-36 * z3);
  K[3] = K[3]! + (k3extra * PI2 * SQRT2PI) / (216 * z6);
  let sum = 0;
  for (let i = 0; i < 4; i++) sum += K[i]! / n ** (i / 2);
  return sum;
}

/** P(D_n > x) for the two-sided one-sample Kolmogorov statistic (scipy.stats.kstwo.sf, after _kolmogn). */
export function kolmogorovSf(n: number, x: number): number {
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  const t = n * x;
  if (t <= 1) {
    if (t <= 0.5) return 1;
    let prob = 1;
    if (n <= 140) for (let i = 1; i <= n; i++) prob *= (i / n) * (2 * t - 1);
    else prob = Math.exp(logGamma(n + 1) - n * Math.log(n) + n * Math.log(2 * t - 1));
    return clip01(1 - prob);
  }
  if (t >= n - 1) return clip01(2 * (1 - x) ** n);
  if (x >= 0.5) return clip01(2 * smirnov(n, x));
  const nx2 = t * x;
  if (n <= 140) {
    // scipy uses Pomeranz's recursion for 0.754693 < n·x² ≤ 4; Durbin's matrix is exact there too.
    if (nx2 <= 4) return clip01(1 - kolmogorovDurbin(n, x));
    return clip01(2 * smirnov(n, x));
  }
  if (nx2 >= 370) return 0;
  if (nx2 >= 2.2) return clip01(2 * smirnov(n, x));
  const cdf =
    nx2 >= 18
      ? 1
      : n <= 100_000 && n * x ** 1.5 <= 1.4
        ? kolmogorovDurbin(n, x)
        : kolmogorovPelzGood(n, x);
  return clip01(1 - cdf);
}

/**
 * The p-value of a two-sample KS statistic `d` (samples of n1 and n2 values) as scipy's ks_2samp gives it
 * with method 'auto': exact when both samples have at most 10,000 values, else kstwo.sf(d, round(n1·n2/(n1+n2))).
 */
export function ksPValue(d: number, n1: number, n2: number): number {
  if (n1 <= 0 || n2 <= 0) return Number.NaN;
  if (Math.max(n1, n2) <= 10_000) {
    const g = gcd(n1, n2);
    const lcm = (n1 / g) * n2;
    const h = Math.round(d * lcm);
    if (h === 0) return 1;
    const p = n1 === n2 ? probOutsideSquare(n1, h) : outerProbInside(n1, n2, g, h);
    if (Number.isFinite(p) && p >= 0 && p <= 1) return p;
  }
  const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1];
  return clip01(kolmogorovSf(Math.round((m * n) / (m + n)), d));
}
