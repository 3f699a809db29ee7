import { formatCell } from '../lib/format';

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

/** The cells of a row of data values: numbers right-aligned, every value as the data preview shows it. */
export function ValueCells({ values }: { values: readonly (string | number | boolean | null)[] }) {
  return values.map((v, j) => (
    <td key={j} className={typeof v === 'number' ? 'num' : undefined}>
      {formatCell(v)}
    </td>
  ));
}
