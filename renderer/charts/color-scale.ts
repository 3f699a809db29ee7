/**
 * A sequential color scale for ordered values (a metric, probability bins): dark purple (t = 0) through
 * blue, teal and green to amber (t = 1), like viridis, whose yellow end is cut for an amber that keeps a
 * 3:1 contrast on the white background (a pale yellow line or band all but vanishes on it).
 */
const STOPS = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [55, 150, 65],
  [205, 125, 0],
] as const;

export function sequentialColor(t: number): string {
  const c = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(c));
  const f = c - i;
  const mix = (k: number) => Math.round(STOPS[i]![k]! + (STOPS[i + 1]![k]! - STOPS[i]![k]!) * f);
  return `rgb(${mix(0)}, ${mix(1)}, ${mix(2)})`;
}

/** `n` colors along the scale, first to last, for `n` ordered bins. */
export function sequentialColors(n: number): string[] {
  return Array.from({ length: n }, (_, i) => sequentialColor(n <= 1 ? 0.5 : i / (n - 1)));
}
