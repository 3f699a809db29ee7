/**
 * Number formatting for every face: the renderer, the offline HTML report, the CLI and the labels an
 * evaluation stores. Pure TypeScript (no DOM, no Node). The faces print numbers in two styles on purpose:
 * `ui` (the window and the HTML report: grouped integers, 4 significant digits, spaced units) and `cli`
 * (terminal tables and logs: ungrouped, up to 4 decimals, compact units, so columns stay narrow).
 */

export type FormatStyle = 'ui' | 'cli';

/**
 * Integers whole and grouped; others from 1,000 up rounded to a whole number and grouped (a mean of
 * 735,612.3 reads as the counts beside it, `735,612`), below that to 4 significant digits. Exponent form
 * only from 1e15 up and below 1e-3.
 */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '−∞';
  const abs = Math.abs(value);
  if (abs >= 1e15 || (abs !== 0 && abs < 1e-3)) return value.toExponential(2);
  if (Number.isInteger(value) || abs >= 999.95) return groupDigits(value);
  return Number(value.toPrecision(4)).toString();
}

/**
 * Up to 4 decimals without trailing zeros; exponent form (3 decimals) below 1e-3 or from `plainBelow` up.
 * The CLI prints integers before calling this and keeps plain form up to 1e7; an evaluation's baseline
 * label switches to exponent form at 1e4.
 */
export function formatDecimal(value: number, plainBelow: number): string {
  const abs = Math.abs(value);
  return abs !== 0 && (abs < 1e-3 || abs >= plainBelow)
    ? value.toExponential(3)
    : String(Number(value.toFixed(4)));
}

/** A difference with its sign: `+0.41`, `−0.19` (a minus sign, not a hyphen), `0`. */
export function formatSigned(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  return value > 0 ? `+${formatNumber(value)}` : value < 0 ? `−${formatNumber(-value)}` : '0';
}

/**
 * 1234567 as '1,234,567' (rounded), as toLocaleString('en-US') writes it, without loading ICU's locale
 * data (a first call costs a process or worker thread 10 ms or more): for progress messages.
 */
export function groupDigits(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function formatCount(n: number): string {
  return Number.isFinite(n) ? n.toLocaleString('en-US') : '—';
}

/** The positions of `rows` rows from `first` (0-based): `1,000–1,999`. */
export function formatRowRange(first: number, rows: number): string {
  return `${formatCount(first)}–${formatCount(first + rows - 1)}`;
}

export function formatPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return '—';
  if (fraction === 0) return '0%';
  if (fraction < 0.001) return '<0.1%';
  return `${(fraction * 100).toFixed(fraction < 0.1 ? 1 : 0)}%`;
}

const BYTE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/**
 * `ui`: `52 KB`, `5.0 MB`, `—` for a negative or non-finite size. `cli`: always one decimal above bytes
 * (`52.0 KB`) and no check, as the CLI has always printed.
 */
export function formatBytes(bytes: number, style: FormatStyle = 'ui'): string {
  if (style === 'ui' && (!Number.isFinite(bytes) || bytes < 0)) return '—';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = style === 'cli' || value < 10 ? 1 : 0;
  return `${unit === 0 ? value : value.toFixed(digits)} ${BYTE_UNITS[unit]}`;
}

/** `ui`: `850 ms`, `2.5 s`, `2m 5s`, `1h 3m`, `—` when unknown. `cli`: `850ms`, `2.5s`, `2m5s`, `1h3m`. */
export function formatDuration(ms: number | null | undefined, style: FormatStyle = 'ui'): string {
  if (ms === null || ms === undefined || (style === 'ui' && !Number.isFinite(ms))) return '—';
  const gap = style === 'ui' ? ' ' : '';
  if (ms < 1000) return `${Math.round(ms)}${gap}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(style === 'cli' || s < 10 ? 1 : 0)}${gap}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${gap}${Math.round(s % 60)}s`;
  return `${Math.floor(m / 60)}h${gap}${m % 60}m`;
}

const ISO_MOMENT = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * A category value as a reader wants it: an ISO timestamp (how dates reach a slice or group label) as
 * `2012-01-01` at midnight, else `2012-01-01 13:45`; any other value as it is.
 */
export function formatCategory(value: string): string {
  const m = ISO_MOMENT.exec(value.trim());
  if (!m) return value;
  const midnight = m[2] === '00:00' && (!m[3] || /^:00(\.0+)?$/.test(m[3]));
  return midnight ? m[1]! : `${m[1]} ${m[2]}`;
}
