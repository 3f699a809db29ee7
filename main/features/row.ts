import { createHash } from 'node:crypto';
import type {
  FittedEncoding,
  FittedFeatureSpec,
  FittedNumeric,
} from '../../shared/contract/features';
import { DATE_PARTS, cyclicalTable } from './names';

/** A value as a number (numbers, bigints, booleans, numeric strings), else null. */
export function toNumber(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
}

/** A value as a category label, formatted as DuckDB's VARCHAR cast formats integers and booleans. */
export function toCategory(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** Dates and timestamps as UTC wall-clock time, the way DuckDB reads a TIMESTAMP without zone. */
export function toDate(v: unknown): Date | null {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v;
  if (typeof v === 'number') return new Date(v);
  if (typeof v === 'string' && v.trim()) {
    let s = v.trim().replace(' ', 'T');
    if (!s.includes('T')) s += 'T00:00:00';
    if (!/([zZ]|[+-]\d\d:?\d\d)$/.test(s)) s += 'Z';
    const d = new Date(s);
    return Number.isNaN(d.getTime()) ? null : d;
  }
  return null;
}

function datePart(d: Date, part: string): number {
  switch (part) {
    case 'year':
      return d.getUTCFullYear();
    case 'month':
      return d.getUTCMonth() + 1;
    case 'day':
      return d.getUTCDate();
    case 'dayofweek':
      return d.getUTCDay();
    case 'dayofyear':
      return (
        Math.floor(
          (Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) -
            Date.UTC(d.getUTCFullYear(), 0, 1)) /
            86_400_000,
        ) + 1
      );
    case 'hour':
      return d.getUTCHours();
    case 'minute':
      return d.getUTCMinutes();
    case 'weekend':
      return d.getUTCDay() === 0 || d.getUTCDay() === 6 ? 1 : 0;
  }
  const [base, fn] = part.split('_') as [string, 'sin' | 'cos'];
  return cyclicalTable(base, fn)[datePart(d, base) - DATE_PARTS[base]!.offset]!;
}

function postNumeric(x: number | null, n: FittedNumeric): number | null {
  if (x === null) return null;
  let v = x;
  if (n.clip) v = Math.min(Math.max(v, n.clip.lo), n.clip.hi);
  if (n.scale) v = (v - n.scale.center) / n.scale.scale;
  if (n.bucketize) v = n.bucketize.cuts.reduce((k, c) => (v >= c ? k + 1 : k), 0);
  return v;
}

function encode(e: FittedEncoding, cat: string | null, out: (number | null)[]): void {
  switch (e.op) {
    case 'onehot': {
      const i = cat === null ? -1 : e.categories.indexOf(cat);
      for (let k = 0; k <= e.categories.length; k++)
        out.push(k === (i < 0 ? e.categories.length : i) ? 1 : 0);
      return;
    }
    case 'ordinal':
      out.push(cat === null ? -1 : e.categories.indexOf(cat));
      return;
    // Own keys only: a category named 'toString' or 'constructor' is not in the table because Object has it.
    case 'frequency':
      out.push(cat !== null && Object.hasOwn(e.shares, cat) ? e.shares[cat]! : 0);
      return;
    case 'target':
      out.push(...(cat !== null && Object.hasOwn(e.values, cat) ? e.values[cat]! : e.prior));
  }
}

/** md5 of the token, low 64 bits read little-endian, modulo the bucket count: DuckDB's md5_number_lower. */
export function tokenBucket(token: string, buckets: number): number {
  const digest = createHash('md5').update(token, 'utf8').digest();
  return Number(digest.readBigUInt64LE(8) % BigInt(buckets));
}

/**
 * Lower-cased ASCII-alphanumeric tokens, as DuckDB's lower() and string_split_regex make them. DuckDB
 * lower-cases code point by code point; JavaScript lower-cases 'İ' (U+0130) to 'i' plus a combining dot,
 * which would split 'İstanbul' into 'i' and 'stanbul'. It is the one code point where the two differ in
 * ASCII letters and digits (checked over all of Unicode).
 */
export function tokenize(text: string): string[] {
  return text
    .replace(/\u0130/g, 'i')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/**
 * The TypeScript executor of a fitted spec, for one row at serving time. `history` holds the earlier rows
 * of the same entity in time order (oldest first), for lags and rolling means. Missing values end as 0,
 * or NaN in a spec fitted for trees (fitted.missing).
 */
export function createRowTransformer(fitted: FittedFeatureSpec) {
  const missing = fitted.missing === 'nan' ? NaN : 0;
  return (row: Record<string, unknown>, history: Record<string, unknown>[] = []): Float64Array => {
    const out: (number | null)[] = [];
    for (const c of fitted.columns) {
      const raw = row[c.source];
      if (c.kind === 'numeric') {
        let x = toNumber(raw);
        const missing = x === null;
        if (c.impute && missing) x = c.impute.fill;
        out.push(postNumeric(x, c.numeric));
        if (c.impute?.indicator) out.push(missing ? 1 : 0);
      } else if (c.kind === 'datetime') {
        const d = toDate(raw);
        c.parts.forEach((p, i) => out.push(postNumeric(d ? datePart(d, p) : null, c.numeric[i]!)));
      } else {
        let cat = toCategory(raw);
        const missing = cat === null;
        if (c.impute && missing) cat = c.impute.fill;
        encode(c.encoding, cat, out);
        if (c.impute?.indicator) out.push(missing ? 1 : 0);
      }
    }
    for (const d of fitted.derived) {
      if (d.op === 'ratio' || d.op === 'product') {
        const a = toNumber(row[d.columns[0]]);
        const b = toNumber(row[d.columns[1]]);
        out.push(
          a === null || b === null ? null : d.op === 'product' ? a * b : b === 0 ? null : a / b,
        );
      } else if (d.op === 'lag') {
        for (const k of d.lags)
          out.push(history.length >= k ? toNumber(history[history.length - k]![d.column]) : null);
      } else if (d.op === 'rolling_mean') {
        for (const w of d.windows) {
          const values = [...history.slice(Math.max(0, history.length - (w - 1))), row]
            .map((r) => toNumber(r[d.column]))
            .filter((v): v is number => v !== null);
          out.push(values.length ? values.reduce((a, b) => a + b, 0) / values.length : null);
        }
      } else {
        const counts = new Float64Array(d.buckets);
        const text = toCategory(row[d.column]);
        for (const t of text === null ? [] : tokenize(text)) counts[tokenBucket(t, d.buckets)]!++;
        let norm = 0;
        for (let b = 0; b < d.buckets; b++) {
          counts[b] = counts[b]! * d.idf[b]!;
          norm += counts[b]! ** 2;
        }
        norm = Math.sqrt(norm);
        for (let b = 0; b < d.buckets; b++) out.push(norm > 0 ? counts[b]! / norm : 0);
      }
    }
    return Float64Array.from(out, (v) => (v === null || !Number.isFinite(v) ? missing : v));
  };
}
