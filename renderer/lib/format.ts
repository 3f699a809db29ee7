/** Pure formatting helpers shared by the views (unit-tested in tests/unit/renderer). */
import type { ColumnInfo } from '../../shared/contract';
import { formatCount, formatNumber } from '../../shared/format';

// Numbers, sizes and durations are formatted once for every face (the HTML report, the CLI) in shared/.
export {
  formatBytes,
  formatCount,
  formatDuration,
  formatNumber,
  formatPercent,
  formatRowRange,
} from '../../shared/format';

/** How formatTime shows a moment (en-US, 24-hour); the runs table builds its one formatter from it. */
export const TIME_FORMAT_OPTIONS: Intl.DateTimeFormatOptions = {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
};

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString('en-US', TIME_FORMAT_OPTIONS);
}

/** A cell of the data preview or a profile min/max. */
export function formatCell(value: string | number | boolean | null): string {
  if (value === null) return 'null';
  if (typeof value === 'number') return formatNumber(value);
  return String(value);
}

/**
 * A number of a data column at the precision the Rows tab keeps (integers whole, others to 8 significant
 * digits), grouped as formatNumber groups every number in the app: `3,000,000`, `1,234,567.5`, and an
 * INTEGER year too (`2,001`, as the profile's min and max show it). Exponent form only where JavaScript
 * writes one (from 1e21 up, below 1e-6), as grouping it would garble it.
 */
export function formatRowNumber(value: number): string {
  const text = Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(8)));
  if (text.includes('e')) return text;
  const [whole = '', fraction] = text.split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+$)/g, ',');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

/**
 * The text of a value of the Rows tab: a number of a numeric column by formatRowNumber; a DATE or
 * TIMESTAMP by formatTemporal; anything else as stored, so an id or a year kept as text reads as typed.
 */
export function formatRowValue(
  value: string | number | boolean,
  column: Pick<ColumnInfo, 'kind' | 'type'>,
): string {
  if (typeof value === 'number' && column.kind === 'numeric') return formatRowNumber(value);
  if (typeof value === 'number' && !Number.isInteger(value))
    return String(Number(value.toPrecision(8)));
  if (typeof value === 'string' && column.kind === 'datetime')
    return formatTemporal(value, column.type);
  return String(value);
}

/** Default dataset name for a picked file: its base name without extension, limited to [A-Za-z0-9_.-]. */
export function datasetNameFromFile(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? '';
  const stem = base.replace(/\.(csv|tsv|txt|parquet|json|ndjson|jsonl)(\.gz)?$/i, '');
  const cleaned = stem
    .replace(/[^A-Za-z0-9_.-]+/g, '_')
    .replace(/^[^A-Za-z0-9_]+/, '')
    .slice(0, 100);
  return cleaned || 'dataset';
}

/** A DATE or TIMESTAMP value sent as an ISO string, shown without redundant zeros. */
export function formatTemporal(iso: string, type: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.exec(iso);
  if (!m) return iso;
  const [, date, time, fraction, zone] = m;
  if (type.toUpperCase() === 'DATE' || (time === '00:00:00' && !fraction?.replace(/[.0]/g, '')))
    return date ?? iso;
  const frac = fraction && /[1-9]/.test(fraction) ? fraction.replace(/0+$/, '') : '';
  return `${date} ${time}${frac}${zone && zone !== 'Z' ? zone : ''}`;
}

/** A count with its noun, singular for one: "1 version", "2 versions", "1,200 rows". */
export function formatCountOf(n: number, noun: string, many = `${noun}s`): string {
  return `${formatCount(n)} ${n === 1 ? noun : many}`;
}
