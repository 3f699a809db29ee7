/**
 * The header row every table draws, here because renderer/report/ is pure (it may import only react,
 * shared/ and itself) while renderer/components/table.tsx may import from it.
 */

/** A header cell: its text, or its text with a tooltip and whether it heads a column of numbers. */
export type HeadCell = string | { label: string; num?: boolean; title?: string };

/** A header cell over numbers (right-aligned, as `td.num` below it). */
export const num = (label: string, title?: string): HeadCell => ({ label, num: true, title });

/** The `<thead>` of a table with one header row; `''` is an empty cell (e.g. over row buttons). */
export function TableHead({ columns }: { columns: readonly HeadCell[] }) {
  return (
    <thead>
      <tr>
        {columns.map((c, i) => {
          const cell = typeof c === 'string' ? { label: c } : c;
          return (
            <th key={i} className={cell.num ? 'num' : undefined} title={cell.title}>
              {cell.label}
            </th>
          );
        })}
      </tr>
    </thead>
  );
}
