import { REF_FIELDS, TIME_FIELDS, type RunColumns } from '../../shared/contract';
import { base64 } from './rows';

/** The first `n` numbers of an Int32Column or Float64Column, decoding only their base64. */
function head<T extends Int32Array | Float64Array>(
  encoded: string,
  n: number,
  Type: { new (buffer: ArrayBuffer): T; BYTES_PER_ELEMENT: number },
): T {
  const bytes = n * Type.BYTES_PER_ELEMENT;
  // Every 4 base64 characters hold 3 bytes: the characters of the first `bytes` bytes and a few more.
  const decoded = Buffer.from(encoded.slice(0, Math.ceil(bytes / 3) * 4), 'base64');
  const out = new Type(new ArrayBuffer(bytes));
  new Uint8Array(out.buffer).set(decoded.subarray(0, bytes));
  return out;
}

/**
 * A list's first `n` runs, as runs:listColumns answers a list of `n` in the same order: the runs'
 * texts interned again (only those they use), and only the metric, param and tag keys some of them have,
 * still sorted. A first page of a list held whole is cut from it instead of read again (tracking-store).
 */
export function firstRuns(list: RunColumns, n: number): RunColumns {
  if (n >= list.count) return list;
  const strings: string[] = [];
  // New ref of each of the list's strings once a run of the page uses it.
  const renumbered = new Int32Array(list.strings.length).fill(-1);
  /** A ref column of the page in the new refs, or null when no run of the page has a value. */
  const refs = (encoded: string): Int32Array | null => {
    const column = head(encoded, n, Int32Array);
    let any = false;
    for (let i = 0; i < n; i++) {
      const ref = column[i]!;
      if (ref < 0) continue;
      any = true;
      let to = renumbered[ref]!;
      if (to < 0) {
        to = renumbered[ref] = strings.length;
        strings.push(list.strings[ref]!);
      }
      column[i] = to;
    }
    return any ? column : null;
  };
  const keyed = (columns: { key: string; values: string }[]) =>
    columns.flatMap(({ key, values }) => {
      const column = refs(values);
      return column ? [{ key, values: base64(column) }] : [];
    });
  const attributes = Object.fromEntries(
    REF_FIELDS.map((field) => [field, base64(refs(list[field]) ?? new Int32Array(n).fill(-1))]),
  ) as Record<(typeof REF_FIELDS)[number], string>;
  const times = Object.fromEntries(
    TIME_FIELDS.map((field) => [field, base64(head(list[field], n, Float64Array))]),
  ) as Record<(typeof TIME_FIELDS)[number], string>;
  const metrics = list.metrics.flatMap(({ key, values }) => {
    const column = head(values, n, Float64Array);
    return column.some((v) => !Number.isNaN(v)) ? [{ key, values: base64(column) }] : [];
  });
  const params = keyed(list.params);
  const tags = keyed(list.tags);
  return {
    count: n,
    strings,
    ids: list.ids.slice(0, n),
    names: list.names.slice(0, n),
    ...attributes,
    ...times,
    metrics,
    params,
    tags,
  };
}
