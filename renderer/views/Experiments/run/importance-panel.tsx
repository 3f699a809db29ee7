import { useState } from 'react';
import type { Run } from '../../../../shared/contract';
import { getApi, errorMessage } from '../../../api';
import { Panel } from '../../../components/page';
import { formatNumber, formatPercent } from '../../../lib/format';
import { useAsync } from '../../../lib/hooks';
import {
  decodeBase64Text,
  IMPORTANCE_TOP,
  importanceRows,
  parseTreeImportance,
  TREE_IMPORTANCE_PATH,
  unusedInputs,
  type ImportanceKind,
  type ImportanceRow,
} from './importance-model';
import './importance-panel.css';

const KINDS: { kind: ImportanceKind; label: string; axis: string }[] = [
  { kind: 'gain', label: 'Gain', axis: 'total loss reduction of the splits on the input (gain)' },
  { kind: 'splits', label: 'Split count', axis: 'splits on the input, over all trees' },
];

const ROW = 22;
const LEFT = 170;
const WIDTH = 720;
const RIGHT = 70;

/** Horizontal bars, largest on top, each with its value and share at the end. */
function Bars({ rows, kind, axis }: { rows: ImportanceRow[]; kind: ImportanceKind; axis: string }) {
  const max = Math.max(0, ...rows.map((r) => r.value)) || 1;
  const h = 8 + rows.length * ROW + 26;
  const x = (v: number) => Math.round((LEFT + (v / max) * (WIDTH - LEFT - RIGHT)) * 10) / 10;
  return (
    <svg
      className="run-importance-chart"
      data-testid="run-importance-chart"
      data-by={kind}
      data-rows={rows.length}
      viewBox={`0 0 ${WIDTH} ${h}`}
      width={WIDTH}
      height={h}
      role="img"
      aria-label={`Feature importance by ${kind === 'gain' ? 'gain' : 'split count'}`}
    >
      {rows.map((r, i) => {
        const y = 8 + i * ROW;
        return (
          <g key={r.feature} data-feature={r.feature} data-value={r.value}>
            <text className="label" x={LEFT - 8} y={y + ROW / 2 + 4} textAnchor="end">
              {r.feature.length > 26 ? `${r.feature.slice(0, 25)}…` : r.feature}
              <title>{r.feature}</title>
            </text>
            <rect
              className="bar"
              x={LEFT}
              y={y + 4}
              width={Math.max(0.5, x(r.value) - LEFT)}
              height={ROW - 8}
            >
              <title>{`${r.feature}: ${formatNumber(r.value)} (${formatPercent(r.share)} of the total)`}</title>
            </rect>
            <text className="value" x={x(r.value) + 6} y={y + ROW / 2 + 4}>
              {formatPercent(r.share)}
            </text>
          </g>
        );
      })}
      <text className="axis" x={(LEFT + WIDTH - RIGHT) / 2} y={h - 6} textAnchor="middle">
        {axis}
      </text>
    </svg>
  );
}

/**
 * A gradient-boosted run's feature importance from model/importance.json (read through runs:artifact):
 * by gain or by split count (a toggle), top 20 or all.
 */
export function TreeImportancePanel({ run }: { run: Run }) {
  const [kind, setKind] = useState<ImportanceKind>('gain');
  const [all, setAll] = useState(false);
  const data = useAsync(async () => {
    const out = await getApi().invoke('runs:artifact', {
      id: run.id,
      path: TREE_IMPORTANCE_PATH,
      content: true,
    });
    return parseTreeImportance(decodeBase64Text(out.contentBase64 ?? ''));
  }, [run.id]);
  const meta = KINDS.find((k) => k.kind === kind)!;
  const rows = data.data ? importanceRows(data.data, kind) : [];
  const unused = data.data ? unusedInputs(data.data) : [];
  return (
    <Panel
      title="Feature importance"
      className="span-2"
      testId="run-importance"
      busy={data.status === 'loading'}
      actions={
        <div className="run-importance-toggle" role="group" aria-label="Importance measure">
          {KINDS.map((k) => (
            <button
              key={k.kind}
              type="button"
              className={`btn btn-small${k.kind === kind ? ' btn-primary' : ''}`}
              aria-pressed={k.kind === kind}
              onClick={() => setKind(k.kind)}
              data-testid={`run-importance-${k.kind}`}
            >
              {k.label}
            </button>
          ))}
        </div>
      }
    >
      {data.status === 'loading' && !data.data && (
        <div className="muted small">Loading importance…</div>
      )}
      {data.status === 'error' && (
        <div className="form-error" role="alert" data-testid="run-importance-error">
          Could not read {TREE_IMPORTANCE_PATH}: {errorMessage(data.error)}
        </div>
      )}
      {data.data && (
        <>
          <Bars rows={all ? rows : rows.slice(0, IMPORTANCE_TOP)} kind={kind} axis={meta.axis} />
          <div className="run-importance-foot small muted">
            {rows.length > IMPORTANCE_TOP && (
              <button
                type="button"
                className="btn btn-small"
                onClick={() => setAll(!all)}
                aria-pressed={all}
                data-testid="run-importance-show-all"
              >
                {all ? `Show the top ${IMPORTANCE_TOP}` : `Show all ${rows.length} inputs`}
              </button>
            )}
            {unused.length > 0 && (
              <span data-testid="run-importance-unused">
                Never split on: {unused.slice(0, 12).join(', ')}
                {unused.length > 12 ? ` and ${unused.length - 12} more` : ''}
              </span>
            )}
          </div>
        </>
      )}
    </Panel>
  );
}
