/** The selected runs and the anchor a shift-click extends from. */
export interface Selection {
  ids: ReadonlySet<string>;
  anchor: string | null;
}

export const EMPTY_SELECTION: Selection = { ids: new Set(), anchor: null };

/** A plain click on a row's checkbox: flips that run and makes it the anchor. */
export function toggle(selection: Selection, id: string): Selection {
  const ids = new Set(selection.ids);
  if (ids.has(id)) ids.delete(id);
  else ids.add(id);
  return { ids, anchor: id };
}

/**
 * A shift-click: selects every row from the anchor to `id` (inclusive, in the table's current order),
 * keeping what was selected; without an anchor in view it is a plain toggle.
 */
export function extendTo(selection: Selection, rowIds: readonly string[], id: string): Selection {
  const from = selection.anchor === null ? -1 : rowIds.indexOf(selection.anchor);
  const to = rowIds.indexOf(id);
  if (from < 0 || to < 0) return toggle(selection, id);
  const ids = new Set(selection.ids);
  for (let i = Math.min(from, to); i <= Math.max(from, to); i++) ids.add(rowIds[i]!);
  return { ids, anchor: selection.anchor };
}

/** The header checkbox: selects every row shown, or clears them when all already are. */
export function toggleAll(selection: Selection, rowIds: readonly string[]): Selection {
  const all = rowIds.length > 0 && rowIds.every((id) => selection.ids.has(id));
  const ids = new Set(selection.ids);
  for (const id of rowIds) {
    if (all) ids.delete(id);
    else ids.add(id);
  }
  return { ids, anchor: selection.anchor };
}

/** Drops selected ids that are no longer listed (after a delete, a filter or a reload). */
export function keepListed(selection: Selection, listed: ReadonlySet<string>): Selection {
  let changed = false;
  const ids = new Set<string>();
  for (const id of selection.ids) {
    if (listed.has(id)) ids.add(id);
    else changed = true;
  }
  if (!changed) return selection;
  return {
    ids,
    anchor: selection.anchor && listed.has(selection.anchor) ? selection.anchor : null,
  };
}

export const COMPARE_MIN = 2;
export const COMPARE_MAX = 500;

/** The Compare view's link for the selected runs, or null when there are too few or too many. */
export function compareHref(ids: readonly string[]): string | null {
  if (ids.length < COMPARE_MIN || ids.length > COMPARE_MAX) return null;
  return `#/compare?ids=${ids.map(encodeURIComponent).join(',')}`;
}
