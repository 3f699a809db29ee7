import { RunsTableLayout } from '../../../../shared/contract';
import type { RunsModel } from './model';

/** A column of the runs table: a run attribute, `params.<key>` or `metrics.<key>`. */
export interface ColumnDef {
  id: string;
  label: string;
  kind: 'attribute' | 'param' | 'metric';
  /** Right-aligned. */
  numeric: boolean;
  width: number;
}

/** The attribute columns, named like the run query's attributes so a column id reads as a filter field. */
export const ATTRIBUTE_COLUMNS: readonly ColumnDef[] = [
  { id: 'status', label: 'Status', kind: 'attribute', numeric: false, width: 110 },
  { id: 'name', label: 'Name', kind: 'attribute', numeric: false, width: 200 },
  { id: 'experiment', label: 'Experiment', kind: 'attribute', numeric: false, width: 130 },
  { id: 'dataset', label: 'Dataset', kind: 'attribute', numeric: false, width: 140 },
  // Wide enough for a gbdt's size (`gbdt 100 trees, depth 6`).
  { id: 'model', label: 'Model', kind: 'attribute', numeric: false, width: 180 },
  { id: 'kind', label: 'Kind', kind: 'attribute', numeric: false, width: 70 },
  { id: 'started', label: 'Started', kind: 'attribute', numeric: false, width: 150 },
  { id: 'duration', label: 'Duration', kind: 'attribute', numeric: true, width: 96 },
  { id: 'backend', label: 'Backend', kind: 'attribute', numeric: false, width: 90 },
];

export const MIN_WIDTH = 40;
export const MAX_WIDTH = 2000;

/**
 * Every column the runs have: the attributes, then each metric and each param key, sorted. Metrics come
 * before params: they are what a user looks for, and a run may have dozens of params.
 */
export function discoverColumns(model: RunsModel): ColumnDef[] {
  const params = model.params.keys();
  const metrics = model.metrics.keys();
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [
    ...ATTRIBUTE_COLUMNS,
    ...[...metrics].sort(byName).map((key): ColumnDef => ({
      id: `metrics.${key}`,
      label: key,
      kind: 'metric',
      numeric: true,
      width: 110,
    })),
    ...[...params].sort(byName).map((key): ColumnDef => ({
      id: `params.${key}`,
      label: key,
      kind: 'param',
      numeric: false,
      width: 120,
    })),
  ];
}

/** The layout a table starts with: Name pinned, newest first, nothing hidden or filtered. */
export function defaultLayout(): RunsTableLayout {
  return {
    version: 1,
    order: [],
    widths: {},
    pinned: ['name'],
    hidden: [],
    sort: null,
    filter: '',
    search: '',
    expanded: [],
    showDeleted: false,
  };
}

/** A stored layout, or the default when it is missing or no longer parses (never throws). */
export function parseLayout(value: unknown): RunsTableLayout {
  const parsed = RunsTableLayout.safeParse(value);
  return parsed.success ? parsed.data : defaultLayout();
}

/** Every column id in display order: the layout's order first, columns it does not name after them. */
export function fullOrder(columns: readonly ColumnDef[], layout: RunsTableLayout): string[] {
  const present = new Set(columns.map((c) => c.id));
  const named = layout.order.filter((id) => present.has(id));
  const seen = new Set(named);
  return [...named, ...columns.map((c) => c.id).filter((id) => !seen.has(id))];
}

/** A shown column with its resolved width, whether it is pinned and, when it is, its sticky offset. */
export interface PlacedColumn extends ColumnDef {
  pinned: boolean;
  /** Left offset from the first column (pinned columns only; 0 otherwise). */
  left: number;
}

/** The shown columns in display order, pinned ones first, with widths and sticky offsets. */
export function placeColumns(
  columns: readonly ColumnDef[],
  layout: RunsTableLayout,
): PlacedColumn[] {
  const byId = new Map(columns.map((c) => [c.id, c]));
  const hidden = new Set(layout.hidden);
  const pinned = new Set(layout.pinned);
  const shown = fullOrder(columns, layout)
    .filter((id) => !hidden.has(id))
    .map((id) => byId.get(id)!);
  const ordered = [
    ...shown.filter((c) => pinned.has(c.id)),
    ...shown.filter((c) => !pinned.has(c.id)),
  ];
  let left = 0;
  return ordered.map((c) => {
    const width = layout.widths[c.id] ?? c.width;
    const placed = { ...c, width, pinned: pinned.has(c.id), left: pinned.has(c.id) ? left : 0 };
    if (placed.pinned) left += width;
    return placed;
  });
}

/** Moves a column one place left (-1) or right (+1) among the shown columns. */
export function moveColumn(
  columns: readonly ColumnDef[],
  layout: RunsTableLayout,
  id: string,
  delta: -1 | 1,
): RunsTableLayout {
  const shown = placeColumns(columns, layout).map((c) => c.id);
  const at = shown.indexOf(id);
  const target = shown[at + delta];
  if (at < 0 || target === undefined) return layout;
  return moveColumnTo(columns, layout, id, target);
}

/** Puts column `id` where column `target` is (dragging a header onto another). */
export function moveColumnTo(
  columns: readonly ColumnDef[],
  layout: RunsTableLayout,
  id: string,
  target: string,
): RunsTableLayout {
  if (id === target) return layout;
  const order = fullOrder(columns, layout);
  const from = order.indexOf(id);
  const to = order.indexOf(target);
  if (from < 0 || to < 0) return layout;
  order.splice(from, 1);
  order.splice(to, 0, id);
  return { ...layout, order };
}

export function setWidth(layout: RunsTableLayout, id: string, width: number): RunsTableLayout {
  const w = Math.round(Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, width)));
  return { ...layout, widths: { ...layout.widths, [id]: w } };
}

function toggleIn(list: readonly string[], id: string, on: boolean): string[] {
  const without = list.filter((x) => x !== id);
  return on ? [...without, id] : without;
}

export function setHidden(
  layout: RunsTableLayout,
  ids: readonly string[],
  hidden: boolean,
): RunsTableLayout {
  let list = layout.hidden;
  for (const id of ids) list = toggleIn(list, id, hidden);
  return { ...layout, hidden: list };
}

export function setPinned(layout: RunsTableLayout, id: string, pinned: boolean): RunsTableLayout {
  return { ...layout, pinned: toggleIn(layout.pinned, id, pinned) };
}

/** A header click: unsorted → ascending → descending → unsorted (the list's newest-first order). */
export function cycleSort(layout: RunsTableLayout, id: string): RunsTableLayout {
  const { sort } = layout;
  if (!sort || sort.column !== id) return { ...layout, sort: { column: id, direction: 'asc' } };
  if (sort.direction === 'asc') return { ...layout, sort: { column: id, direction: 'desc' } };
  return { ...layout, sort: null };
}

/** Columns whose id or label contains every word of `query` (case-insensitive), for the picker. */
export function searchColumns(columns: readonly ColumnDef[], query: string): ColumnDef[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return [...columns];
  return columns.filter((c) => {
    const text = `${c.id} ${c.label}`.toLowerCase();
    return words.every((w) => text.includes(w));
  });
}

/** Unpinned columns drawn beyond each side of the view, so a short scroll sideways shows drawn cells. */
const COLUMN_OVERSCAN = 1;

/**
 * The unpinned columns (first..last, inclusive) that cross the view of a table scrolled `scrollLeft` px
 * across, `viewWidth` wide, with COLUMN_OVERSCAN more on each side; `xs` are their left edges.
 */
export function columnWindow(
  xs: readonly number[],
  widths: readonly number[],
  scrollLeft: number,
  viewWidth: number,
): { first: number; last: number } {
  const n = xs.length;
  let first = 0;
  while (first < n && xs[first]! + widths[first]! <= scrollLeft) first++;
  let last = first;
  while (last < n && xs[last]! < scrollLeft + viewWidth) last++;
  return {
    first: Math.max(0, first - COLUMN_OVERSCAN),
    last: Math.min(n - 1, last - 1 + COLUMN_OVERSCAN),
  };
}
