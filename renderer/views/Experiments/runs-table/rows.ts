import type { RunSummary } from '../../../../shared/contract';

/** A line of the table: a run, how deep it is nested, and (for a parent) how many children it has. */
export interface TableRow {
  run: RunSummary;
  depth: 0 | 1;
  children: number;
}

/** What free-text search looks at for each run: its name, id, param values and tag values, lowercased. */
export function searchTexts(runs: readonly RunSummary[]): string[] {
  return runs.map((r) => {
    let text = `${r.name}\u0000${r.id}`;
    for (const key in r.params) text += `\u0000${r.params[key]}`;
    if (r.tags) for (const key in r.tags) text += `\u0000${r.tags[key]}`;
    return text.toLowerCase();
  });
}

/** Whether a run's search text holds every word of the query (an empty query matches everything). */
export function matcher(query: string): (text: string) => boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return () => true;
  return (text) => words.every((w) => text.includes(w));
}

/**
 * The runs that match the search, each with its line object made once: how deep it nests and how many
 * children it has. A fold or trial nests when its parent matches too; one whose parent is not listed
 * (filtered out, or in another experiment) stands on its own. Sorting and expanding reuse these objects
 * (see orderRows), so re-sorting 10,000 runs allocates no row objects.
 */
export interface RowIndex {
  /** The line of each run (by index into the runs), or null when the search hides it. */
  lines: (TableRow | null)[];
}

export function indexRows(
  runs: readonly RunSummary[],
  texts: readonly string[],
  search: string,
): RowIndex {
  const matches = matcher(search);
  const present = new Set<string>();
  for (let i = 0; i < runs.length; i++) if (matches(texts[i]!)) present.add(runs[i]!.id);
  const childCount = new Map<string, number>();
  const nested = (run: RunSummary) =>
    Boolean(run.parentId && run.parentId !== run.id && present.has(run.parentId));
  for (const run of runs)
    if (present.has(run.id) && nested(run))
      childCount.set(run.parentId!, (childCount.get(run.parentId!) ?? 0) + 1);
  const lines = runs.map((run): TableRow | null =>
    present.has(run.id)
      ? { run, depth: nested(run) ? 1 : 0, children: childCount.get(run.id) ?? 0 }
      : null,
  );
  return { lines };
}

/**
 * The table's lines in `order` (indexes into the runs): top-level runs in that order, each expanded
 * parent followed by its children in that same order.
 */
export function orderRows(
  index: RowIndex,
  order: ArrayLike<number>,
  expanded: ReadonlySet<string>,
): TableRow[] {
  const children = new Map<string, TableRow[]>();
  const top: TableRow[] = [];
  for (let k = 0; k < order.length; k++) {
    const line = index.lines[order[k]!];
    if (!line) continue;
    if (line.depth === 0) {
      top.push(line);
      continue;
    }
    const parent = line.run.parentId!;
    if (!expanded.has(parent)) continue;
    const list = children.get(parent);
    if (list) list.push(line);
    else children.set(parent, [line]);
  }
  if (!children.size) return top;
  const rows: TableRow[] = [];
  for (const line of top) {
    rows.push(line);
    const kids = children.get(line.run.id);
    if (kids) rows.push(...kids);
  }
  return rows;
}

/** indexRows then orderRows, in one call. */
export function buildRows(
  runs: readonly RunSummary[],
  order: ArrayLike<number>,
  texts: readonly string[],
  search: string,
  expanded: ReadonlySet<string>,
): TableRow[] {
  return orderRows(indexRows(runs, texts, search), order, expanded);
}
