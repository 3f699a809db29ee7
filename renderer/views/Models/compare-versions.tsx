import { useState } from 'react';
import type { ComparedMetric, ModelDetail, ModelsCompareOut } from '../../../shared/contract';
import { getApi } from '../../api';
import { BusyButton } from '../../components/busy-button';
import { SelectField } from '../../components/form-field';
import { Panel } from '../../components/page';
import { ErrorBanner } from '../../components/states';
import { TableHead } from '../../components/table';
import { formatNumber } from '../../lib/format';
import { useAction } from '../../lib/use-action';

/**
 * Compare versions on the model page (`models:compare`): two versions' final metrics side by side with the
 * better one marked, whether both were validated on the same data, and their paired evaluation on one
 * held-out dataset when the service made one.
 */
export function CompareVersionsPanel({ model }: { model: ModelDetail }) {
  const numbers = model.versions.map((v) => v.version);
  const [a, setA] = useState(String(numbers[1] ?? numbers[0] ?? ''));
  const [b, setB] = useState(String(numbers[0] ?? ''));
  const [result, setResult] = useState<ModelsCompareOut | null>(null);
  const action = useAction();
  if (numbers.length < 2) return null;
  const options = numbers.map((n) => ({ value: String(n), label: `v${n}` }));
  const same = a === b;
  const compare = () =>
    action.run(
      () =>
        getApi().invoke('models:compare', {
          a: `${model.name}@${a}`,
          b: `${model.name}@${b}`,
        }),
      { done: setResult },
    );
  return (
    <Panel title="Compare versions" testId="model-compare">
      <div className="form-inline">
        <SelectField
          label="A"
          value={a}
          options={options}
          onChange={setA}
          testId="compare-a"
          error={same ? 'Pick two different versions' : null}
        />
        <SelectField label="B" value={b} options={options} onChange={setB} testId="compare-b" />
        <BusyButton
          busy={action.busy}
          disabled={same}
          busyLabel="Comparing…"
          onClick={() => void compare()}
          testId="compare-run"
        >
          Compare
        </BusyButton>
      </div>
      {action.message && <ErrorBanner error={action.message} title="Could not compare" />}
      {result && <Comparison result={result} />}
    </Panel>
  );
}

function Comparison({ result }: { result: ModelsCompareOut }) {
  const va = `v${result.a.version}`;
  const vb = `v${result.b.version}`;
  return (
    <div data-testid="compare-result">
      <p className="small" data-testid="compare-same-data">
        {result.sameData
          ? 'Both were validated on the same data.'
          : 'Validated on different data: the metrics are not directly comparable.'}
      </p>
      <MetricsTable metrics={result.metrics} a={va} b={vb} testId="compare-metrics" />
      {result.evaluation ? (
        <>
          <h3 className="small">
            Paired evaluation on {result.evaluation.dataset}@{result.evaluation.datasetVersion} (
            {result.evaluation.split})
          </h3>
          <MetricsTable
            metrics={result.evaluation.metrics}
            a={va}
            b={vb}
            testId="compare-evaluation"
          />
        </>
      ) : (
        <p className="muted small" data-testid="compare-no-evaluation">
          No paired evaluation on one held-out dataset.
        </p>
      )}
    </div>
  );
}

function MetricsTable({
  metrics,
  a,
  b,
  testId,
}: {
  metrics: ComparedMetric[];
  a: string;
  b: string;
  testId: string;
}) {
  if (metrics.length === 0) return <p className="muted small">No metrics to compare.</p>;
  const cell = (m: ComparedMetric, side: 'a' | 'b') => (
    <td className="num" data-better={m.better === side ? 'true' : undefined}>
      {m[side] === null ? '—' : formatNumber(m[side])}
      {m.better === side && <strong> ✓</strong>}
    </td>
  );
  return (
    <table className="table" data-testid={testId}>
      <TableHead columns={['metric', a, b, 'better']} />
      <tbody>
        {metrics.map((m) => (
          <tr key={m.key} data-testid={`${testId}-${m.key}`}>
            <td className="mono">{m.key}</td>
            {cell(m, 'a')}
            {cell(m, 'b')}
            <td data-testid="compare-better">
              {m.better === null ? '—' : m.better === 'a' ? a : b}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
