import { Transform, describeStep, type DatasetVersion } from '../../../shared/contract';
import { getApi } from '../../api';
import { ErrorBanner, Loading } from '../../components/states';
import { formatCount, formatTime } from '../../lib/format';
import { useAsync } from '../../lib/hooks';
import { routeHref } from '../../lib/routes';
import { TableHead, num } from '../../components/table';

/** `drop(a); filter(x > 0)` for a transformed version, '' for an import. */
export function transformSummary(v: Pick<DatasetVersion, 'transform'>): string {
  if (v.transform === null || v.transform === undefined) return '';
  const parsed = Transform.safeParse(v.transform);
  return parsed.success ? parsed.data.steps.map(describeStep).join('; ') : 'transform';
}

/** Every version of a dataset, newest first; a row's Lineage button shows that version's graph. */
export function VersionsPanel({
  name,
  selected,
  onLineage,
}: {
  name: string;
  selected: string;
  onLineage: (ref: string) => void;
}) {
  const versions = useAsync(() => getApi().invoke('data:versions', { name }), [name]);
  if (versions.status === 'error')
    return (
      <ErrorBanner
        error={versions.error}
        title={`Could not list versions of ${name}`}
        onRetry={versions.reload}
      />
    );
  if (!versions.data) return <Loading label="Loading versions…" />;
  return (
    <table className="table" data-testid="versions-table">
      <TableHead
        columns={[num('Version'), 'Hash', num('Rows'), 'Created', 'Parents', 'Made by', '']}
      />
      <tbody>
        {versions.data.map((v) => {
          const ref = `${v.dataset}@${v.version}`;
          return (
            <tr
              key={v.id}
              className={ref === selected ? 'selected' : undefined}
              data-testid={`version-row-${v.version}`}
            >
              <td className="num">v{v.version}</td>
              <td className="mono" title={v.hash}>
                {v.hash.slice(0, 10)}
              </td>
              <td className="num">{formatCount(v.rows)}</td>
              <td className="muted">{formatTime(v.createdAt)}</td>
              <td>
                {v.parents.length === 0 && <span className="muted">—</span>}
                {v.parents.map((p, i) => (
                  <span key={p.id}>
                    {i > 0 && ', '}
                    <a
                      href={routeHref({ view: 'data', dataset: p.dataset })}
                      data-testid={`parent-link-${p.dataset}`}
                    >
                      {p.dataset}@{p.version}
                    </a>
                  </span>
                ))}
              </td>
              <td className="muted mono" title={v.source}>
                {transformSummary(v) || `import (${v.format})`}
              </td>
              <td>
                <button
                  type="button"
                  className="btn btn-small"
                  onClick={() => onLineage(ref)}
                  data-testid={`version-lineage-${v.version}`}
                >
                  Lineage
                </button>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
