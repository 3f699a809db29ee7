import type { Cell, ColumnInfo, FeatureDoc, FeaturePreviewOut } from '../../../shared/contract';
import { formatNumber, formatTemporal } from '../../lib/format';
import { formatFitted } from './feature-spec-text';
import { TableHead } from '../../components/table';

function InputCell({ value, column }: { value: Cell | undefined; column: ColumnInfo | undefined }) {
  if (value === null || value === undefined) return <span className="cell-null">null</span>;
  if (typeof value === 'number') return <>{formatNumber(value)}</>;
  if (typeof value === 'string' && column?.kind === 'datetime')
    return <>{formatTemporal(value, column.type)}</>;
  return <>{String(value)}</>;
}

/**
 * The preview rows: the input columns the spec reads, then the features it outputs, row by row.
 * `stale` dims a preview that no longer matches the editor (the spec is invalid or being refitted).
 */
export function FeaturePreviewTable({
  preview,
  columns,
  stale,
}: {
  preview: FeaturePreviewOut;
  columns: ColumnInfo[];
  stale: boolean;
}) {
  const { inputs, outputs, rows, docs } = preview;
  const byName = new Map(columns.map((c) => [c.name, c]));
  const transformOf = new Map(docs.map((d) => [d.name, d.transform]));
  return (
    <div
      className={stale ? 'table-scroll feature-preview stale' : 'table-scroll feature-preview'}
      data-testid="feature-preview"
      data-columns={outputs.length}
      data-stale={String(stale)}
    >
      <table className="table table-dense">
        <thead>
          <tr className="feature-preview-groups">
            <th className="feature-index" />
            <th colSpan={inputs.columns.length} className="group-inputs">
              Input · {inputs.columns.length} column{inputs.columns.length === 1 ? '' : 's'}
            </th>
            <th colSpan={outputs.length} className="group-outputs">
              Features · {outputs.length}
            </th>
          </tr>
          <tr>
            <th className="feature-index num">#</th>
            {inputs.columns.map((c, i) => (
              <th
                key={c}
                className={i === inputs.columns.length - 1 ? 'input-col last-input' : 'input-col'}
                title={byName.get(c)?.type}
              >
                {c}
              </th>
            ))}
            {outputs.map((o) => (
              <th key={o} className="num output-col" title={transformOf.get(o)}>
                {o}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, r) => (
            <tr key={r} data-row={r}>
              <td className="feature-index num muted">{r + 1}</td>
              {inputs.columns.map((c, i) => {
                const value = inputs.rows[r]?.[i];
                return (
                  <td
                    key={c}
                    className={[
                      'input-col',
                      typeof value === 'number' ? 'num' : '',
                      i === inputs.columns.length - 1 ? 'last-input' : '',
                    ]
                      .filter(Boolean)
                      .join(' ')}
                  >
                    <InputCell value={value} column={byName.get(c)} />
                  </td>
                );
              })}
              {row.map((v, j) => (
                <td key={j} className={v === 0 ? 'num output-col zero' : 'num output-col'}>
                  {formatNumber(v)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** One row per output feature: its sources, the transform chain and what was fitted. */
export function FeatureDocsTable({ docs, stale }: { docs: FeatureDoc[]; stale: boolean }) {
  return (
    <div
      className={
        stale ? 'table-scroll feature-docs-scroll stale' : 'table-scroll feature-docs-scroll'
      }
    >
      <table className="table table-dense" data-testid="feature-docs" data-rows={docs.length}>
        <TableHead columns={['Feature', 'Sources', 'Transform', 'Fitted']} />
        <tbody>
          {docs.map((d) => {
            const fitted = formatFitted(d.fitted);
            return (
              <tr key={d.name} data-testid={`feature-doc-${d.name}`}>
                <td className="strong mono">{d.name}</td>
                <td>{d.sources.join(', ')}</td>
                <td className="feature-transform">{d.transform}</td>
                <td className="feature-fitted mono" title={fitted.join('\n')}>
                  {fitted.length === 0 ? (
                    <span className="muted">—</span>
                  ) : (
                    fitted.map((f) => (
                      <span key={f} className="fitted-entry">
                        {f}
                      </span>
                    ))
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
