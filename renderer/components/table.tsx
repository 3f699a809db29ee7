import { formatCell } from '../lib/format';

// The header pieces live in the pure report folder so the evaluation report's tables share them.
export { TableHead, num, type HeadCell } from '../report/table-head';

/** The cells of a row of data values: numbers right-aligned, every value as the data preview shows it. */
export function ValueCells({ values }: { values: readonly (string | number | boolean | null)[] }) {
  return values.map((v, j) => (
    <td key={j} className={typeof v === 'number' ? 'num' : undefined}>
      {formatCell(v)}
    </td>
  ));
}
