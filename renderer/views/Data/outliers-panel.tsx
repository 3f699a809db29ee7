import type { ColumnProfile, Profile } from '../../../shared/contract';
import { EmptyState } from '../../components/states';
import { formatCount, formatNumber, formatPercent } from '../../lib/format';
import { TableHead, ValueCells, num } from '../../components/table';

type WithOutliers = ColumnProfile & { outliers: NonNullable<ColumnProfile['outliers']> };

/** Share of a column's non-null values outside its Tukey fences. */
const iqrShare = (c: WithOutliers) =>
  c.count ? (c.outliers.iqr.below + c.outliers.iqr.above) / c.count : 0;

/** Per numeric column: Tukey fences and z-score outliers, the most affected columns first. */
export function OutliersTable({ profile }: { profile: Profile }) {
  const columns = profile.columns
    .filter((c): c is WithOutliers => c.outliers !== null)
    .sort((a, b) => iqrShare(b) - iqrShare(a) || a.name.localeCompare(b.name));
  if (!columns.length) {
    return (
      <EmptyState title="No numeric columns" testId="outliers-empty">
        Outliers are counted for numeric columns with values.
      </EmptyState>
    );
  }
  return (
    <div className="table-scroll">
      <table className="table table-dense" data-testid="outliers-table">
        <TableHead
          columns={[
            'Column',
            num('Lower fence', 'p25 − 1.5·IQR'),
            num('Upper fence', 'p75 + 1.5·IQR'),
            num('Below'),
            num('Above'),
            num('IQR share', 'Share of non-null values outside the fences'),
            num('|z| > 3', 'Values more than 3 standard deviations from the mean'),
            num('z share'),
          ]}
        />
        <tbody>
          {columns.map((c) => {
            const { iqr, zScore } = c.outliers;
            const share = iqrShare(c);
            return (
              <tr
                key={c.name}
                data-testid={`outliers-column-${c.name}`}
                data-share={share.toFixed(6)}
              >
                <td className="strong">{c.name}</td>
                <td className="num">{formatNumber(iqr.lower)}</td>
                <td className="num">{formatNumber(iqr.upper)}</td>
                <td className="num">{formatCount(iqr.below)}</td>
                <td className="num">{formatCount(iqr.above)}</td>
                <td className={share > 0.05 ? 'num warn' : 'num'}>{formatPercent(share)}</td>
                <td className="num" title={`threshold ${zScore.threshold}`}>
                  {formatCount(zScore.count)}
                </td>
                <td className="num">{formatPercent(c.count ? zScore.count / c.count : 0)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** How many rows repeat an earlier one, and the most repeated rows. */
export function DuplicatesSummary({ profile }: { profile: Profile }) {
  const { duplicateRows, duplicateSample, rows } = profile;
  return (
    <div data-testid="duplicates-summary" data-duplicates={duplicateRows}>
      <p className={duplicateRows ? undefined : 'muted'}>
        {duplicateRows
          ? `${formatCount(duplicateRows)} of ${formatCount(rows)} rows (${formatPercent(duplicateRows / rows)}) repeat an earlier row.`
          : 'No duplicate rows: every row is unique.'}
        {duplicateSample.length > 0 &&
          ` The ${duplicateSample.length === 1 ? 'row' : `${duplicateSample.length} rows`} repeated most often:`}
      </p>
      {duplicateSample.length > 0 && (
        <div className="table-scroll">
          <table className="table table-dense" data-testid="duplicates-table">
            <thead>
              <tr>
                <th className="num">Occurs</th>
                {profile.columns.map((c) => (
                  <th key={c.name}>{c.name}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {duplicateSample.map((d, i) => (
                <tr key={i}>
                  <td className="num strong">{formatCount(d.count)}×</td>
                  <ValueCells values={d.values} />
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
