import { memo } from 'react';
import type { RunsCompareOut } from '../../../shared/contract';
import { HashText, isHash } from '../../components/hash-text';
import { formatNumber } from '../../lib/format';
import { routeHref } from '../../lib/routes';

/**
 * Runs as rows, final metrics then params as columns: metrics first, as they are what a user compares;
 * hashes show short. With `onlyDiffs`, params equal in every run are hidden; the best value of each
 * metric (lowest loss/error, highest score) is highlighted.
 */
export const DiffTable = memo(function DiffTable({
  compare,
  onlyDiffs,
  colors,
}: {
  compare: RunsCompareOut;
  onlyDiffs: boolean;
  colors: readonly string[];
}) {
  const params = onlyDiffs ? compare.params.filter((p) => p.differs) : compare.params;
  return (
    <div className="table-scroll compare-table-scroll">
      <table
        className="table table-dense compare-table"
        data-testid="compare-table"
        data-params={params.length}
      >
        <thead>
          <tr>
            <th>Run</th>
            <th>Experiment</th>
            {compare.metrics.map((m) => (
              <th key={`m-${m.key}`} className="num" data-testid={`metric-col-${m.key}`}>
                {m.key}
              </th>
            ))}
            {params.map((p) => (
              <th
                key={`p-${p.key}`}
                className={p.differs ? 'differs' : undefined}
                data-testid={`param-col-${p.key}`}
                data-differs={String(p.differs)}
              >
                {p.key}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {compare.runs.map((run, i) => (
            <tr key={run.id} data-testid={`compare-row-${run.id}`}>
              <td>
                <span className="run-swatch" style={{ background: colors[i] }} aria-hidden="true" />
                <a href={routeHref({ view: 'run', runId: run.id })} data-testid="compare-run-link">
                  {run.name}
                </a>
              </td>
              <td className="muted">{run.experiment}</td>
              {compare.metrics.map((m) => {
                const best = m.best === i;
                return (
                  <td
                    key={`m-${m.key}`}
                    className={best ? 'num best' : 'num'}
                    data-metric={m.key}
                    data-best={best ? 'true' : undefined}
                    title={best ? `best ${m.key}` : undefined}
                  >
                    {formatNumber(m.values[i])}
                  </td>
                );
              })}
              {params.map((p) => {
                const value = p.values[i];
                return (
                  <td key={`p-${p.key}`} className="mono">
                    {value === null || value === undefined ? (
                      '—'
                    ) : isHash(value) ? (
                      <HashText value={value} />
                    ) : (
                      value
                    )}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
});
