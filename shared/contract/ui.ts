import { z } from 'zod';
import { IsoTime } from './common';

/** A preference key: `<area>:<scope>`, e.g. `runs-table:Default/penguins`. */
export const UiPrefKey = z
  .string()
  .min(1, 'a preference key is required')
  .max(300, 'a preference key is at most 300 characters');

export const UiPrefGetIn = z.object({ key: UiPrefKey });
export type UiPrefGetIn = z.input<typeof UiPrefGetIn>;
/** The stored value, or null when nothing is stored under the key. */
export const UiPrefGetOut = z.object({ value: z.unknown().nullable() });
export type UiPrefGetOut = z.infer<typeof UiPrefGetOut>;

/** Stored values are small JSON documents (layouts, toggles): at most this many characters as JSON. */
export const UI_PREF_MAX_CHARS = 256 * 1024;

export const UiPrefSetIn = z.object({
  key: UiPrefKey,
  /** Any JSON value; null removes the preference. */
  value: z.unknown().refine((v) => v !== undefined, 'a value is required (null removes the key)'),
});
export type UiPrefSetIn = z.input<typeof UiPrefSetIn>;
export const UiPrefSetOut = z.object({ key: z.string(), updatedAt: IsoTime });
export type UiPrefSetOut = z.infer<typeof UiPrefSetOut>;

export const SortDirection = z.enum(['asc', 'desc']);
export type SortDirection = z.infer<typeof SortDirection>;

/** A column of the runs table: an attribute (`status`, `name`, …), `params.<key>` or `metrics.<key>`. */
const ColumnId = z.string().min(1).max(500);

/**
 * The runs table as a user left it for one experiment, stored under `runs-table:<project>/<experiment>`
 * (`*` for all experiments). Columns not named in `order` (new params or metrics) go after the named
 * ones; `hidden` and `pinned` name columns; widths are in CSS pixels.
 */
export const RunsTableLayout = z.object({
  version: z.literal(1),
  order: z.array(ColumnId).max(5000),
  widths: z.record(ColumnId, z.number().int().min(40).max(2000)),
  pinned: z.array(ColumnId).max(5000),
  hidden: z.array(ColumnId).max(5000),
  sort: z.object({ column: ColumnId, direction: SortDirection }).nullable(),
  /** A run query (main/tracking/run-query.ts) sent to runs:list. */
  filter: z.string().max(10_000),
  /** Free text matched client-side against names, params and tags. */
  search: z.string().max(1000),
  /** Ids of cross-validation and search runs whose folds or trials are shown. */
  expanded: z.array(z.string()).max(100_000),
  /** Whether soft-deleted runs are listed (to restore them). */
  showDeleted: z.boolean(),
});
export type RunsTableLayout = z.infer<typeof RunsTableLayout>;
