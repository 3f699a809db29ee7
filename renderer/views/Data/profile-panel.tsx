import type { ColumnProfile, Profile } from '../../../shared/contract';
import { ColumnHistogram } from '../../charts/column-histogram';
import {
  formatCell,
  formatCount,
  formatDuration,
  formatNumber,
  formatPercent,
  formatTemporal,
} from '../../lib/format';
import { TableHead, num } from '../../components/table';

function Stat({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div className="stat">
      <div className="stat-value" data-testid={testId}>
        {value}
      </div>
      <div className="stat-label">{label}</div>
    </div>
  );
}

function minMax(column: ColumnProfile, value: ColumnProfile['min']): string {
  if (value === null) return '—';
  if (column.kind === 'datetime' && typeof value === 'string')
    return formatTemporal(value, column.type);
  return formatCell(value);
}

export function ProfileSummary({ profile }: { profile: Profile }) {
  const nullCells = profile.columns.reduce((sum, c) => sum + c.nullCount, 0);
  const cells = profile.rows * profile.columns.length;
  return (
    <div className="stats" data-testid="profile-summary">
      <Stat label="rows" value={formatCount(profile.rows)} testId="profile-rows" />
      <Stat label="columns" value={formatCount(profile.columns.length)} testId="profile-columns" />
      <Stat
        label="duplicate rows"
        value={formatCount(profile.duplicateRows)}
        testId="profile-duplicates"
      />
      <Stat label="missing cells" value={cells ? formatPercent(nullCells / cells) : '—'} />
      <Stat label="profiled in" value={formatDuration(profile.durationMs)} />
    </div>
  );
}

export function ProfileTable({ profile }: { profile: Profile }) {
  return (
    <div className="table-scroll">
      <table className="table table-dense" data-testid="profile-table">
        <TableHead
          columns={[
            'Column',
            'Type',
            'Kind',
            num('Nulls'),
            num('Distinct'),
            num('Min'),
            num('Max'),
            num('Mean'),
            num('Std'),
            num('p50'),
          ]}
        />
        <tbody>
          {profile.columns.map((c) => (
            <tr key={c.name} data-testid={`profile-column-${c.name}`}>
              <td className="strong">{c.name}</td>
              <td className="mono muted">{c.type}</td>
              <td>
                <span className={`kind kind-${c.kind}`}>{c.kind}</span>
              </td>
              <td className={c.nullRate > 0.2 ? 'num warn' : 'num'}>{formatPercent(c.nullRate)}</td>
              <td className="num">{formatCount(c.distinctCount)}</td>
              <td className="num">{minMax(c, c.min)}</td>
              <td className="num">{minMax(c, c.max)}</td>
              <td className="num">{formatNumber(c.mean)}</td>
              <td className="num">{formatNumber(c.std)}</td>
              <td className="num">
                {c.quantiles && c.kind === 'numeric' ? formatNumber(c.quantiles.p50) : '—'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function ProfileCharts({ profile }: { profile: Profile }) {
  return (
    <div className="histograms">
      {profile.columns.map((c) => (
        <ColumnHistogram key={c.name} column={c} />
      ))}
    </div>
  );
}
