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
 * The table's lines: runs in `order` (indexes into `runs`) that match the search, folds and trials nested
 * right after their parent when it is expanded (and hidden when it is not). A child whose parent is not in
 * the list (filtered out, or in another experiment) stands on its own.
 */
export function buildRows(
  runs: readonly RunSummary[],
  order: ArrayLike<number>,
  texts: readonly string[],
  search: string,
  expanded: ReadonlySet<string>,
): TableRow[] {
  const matches = matcher(search);
  const present = new Set<string>();
  for (let i = 0; i < runs.length; i++) if (matches(texts[i]!)) present.add(runs[i]!.id);
  const children = new Map<string, RunSummary[]>();
  const top: RunSummary[] = [];
  for (let k = 0; k < order.length; k++) {
    const run = runs[order[k]!]!;
    if (!present.has(run.id)) continue;
    const parent = run.parentId;
    if (parent && parent !== run.id && present.has(parent)) {
      const list = children.get(parent);
      if (list) list.push(run);
      else children.set(parent, [run]);
    } else {
      top.push(run);
    }
  }
  const rows: TableRow[] = [];
  for (const run of top) {
    const kids = children.get(run.id);
    rows.push({ run, depth: 0, children: kids?.length ?? 0 });
    if (kids && expanded.has(run.id))
      for (const kid of kids) rows.push({ run: kid, depth: 1, children: 0 });
  }
  return rows;
}
