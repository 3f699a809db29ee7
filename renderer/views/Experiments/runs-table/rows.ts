import type { RunsModel } from './model';

/**
 * What free-text search looks at for each run: its name, id, param values and tag values, lowercased.
 * Made only once a search is typed (each distinct value lowered once).
 */
export function searchTexts(model: RunsModel): string[] {
  const lower = new Map<number, string>();
  const lowered = (ref: number) => {
    let text = lower.get(ref);
    if (text === undefined) {
      text = model.strings[ref]!.toLowerCase();
      lower.set(ref, text);
    }
    return text;
  };
  const texts = new Array<string>(model.count);
  for (let i = 0; i < model.count; i++)
    texts[i] = `${model.names[i]!}\u0000${model.ids[i]!}`.toLowerCase();
  for (const cols of [model.params, model.tags])
    for (const col of cols.values())
      for (let i = 0; i < model.count; i++)
        if (col[i]! >= 0) texts[i] += `\u0000${lowered(col[i]!)}`;
  return texts;
}

/** Whether a run's search text holds every word of the query (an empty query matches everything). */
export function matcher(query: string): (text: string) => boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return () => true;
  return (text) => words.every((w) => text.includes(w));
}

/**
 * The runs that match the search and how they nest, by run index: a fold or trial nests (depth 1) when
 * its parent matches too; one whose parent is not listed (filtered out, or in another experiment) stands
 * on its own. Sorting and expanding reuse it (see orderRows): no object per run.
 */
export interface RowIndex {
  /** 1 where the search keeps the run. */
  shown: Uint8Array;
  /** 1 for a child nested under its listed parent. */
  depth: Uint8Array;
  /** How many shown children a run has. */
  children: Uint32Array;
  /** The index of each nested run's parent (-1 otherwise). */
  parent: Int32Array;
}

/** See RowIndex; `texts` (searchTexts) is only read when `search` has words. */
export function indexRows(
  model: RunsModel,
  texts: () => readonly string[],
  search: string,
): RowIndex {
  const n = model.count;
  const shown = new Uint8Array(n);
  if (search.trim()) {
    const matches = matcher(search);
    const all = texts();
    for (let i = 0; i < n; i++) if (matches(all[i]!)) shown[i] = 1;
  } else shown.fill(1);
  const depth = new Uint8Array(n);
  const children = new Uint32Array(n);
  const parent = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    const ref = model.parentId[i]!;
    if (!shown[i] || ref < 0) continue;
    const p = model.indexOf.get(model.strings[ref]!);
    if (p === undefined || p === i || !shown[p]) continue;
    depth[i] = 1;
    parent[i] = p;
    children[p]!++;
  }
  return { shown, depth, children, parent };
}

/**
 * The table's lines in `order` (indexes into the runs), as run indexes: top-level runs in that order, each
 * expanded parent followed by its children in that same order.
 */
export function orderRows(
  model: RunsModel,
  index: RowIndex,
  order: ArrayLike<number>,
  expanded: ReadonlySet<string>,
): Int32Array {
  const { shown, depth, parent } = index;
  const open = new Map<number, number[]>();
  for (const id of expanded) {
    const i = model.indexOf.get(id);
    if (i !== undefined && index.children[i]) open.set(i, []);
  }
  const top: number[] = [];
  let lines = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    if (!shown[i]) continue;
    if (!depth[i]) {
      top.push(i);
      lines++;
      continue;
    }
    const kids = open.get(parent[i]!);
    if (kids) {
      kids.push(i);
      lines++;
    }
  }
  const rows = new Int32Array(lines);
  let at = 0;
  for (const i of top) {
    rows[at++] = i;
    const kids = open.get(i);
    if (kids) for (const k of kids) rows[at++] = k;
  }
  return rows;
}

/** indexRows then orderRows, in one call. */
export function buildRows(
  model: RunsModel,
  order: ArrayLike<number>,
  search: string,
  expanded: ReadonlySet<string>,
): Int32Array {
  return orderRows(
    model,
    indexRows(model, () => searchTexts(model), search),
    order,
    expanded,
  );
}
