import { useState } from 'react';
import type { EvaluationReport, GateResult, ModelVersion } from '../../../shared/contract';
import { getApi } from '../../api';
import { BusyButton } from '../../components/busy-button';
import { Panel } from '../../components/page';
import { ErrorBanner } from '../../components/states';
import { formatNumber, formatTime } from '../../lib/format';
import { useAsync } from '../../lib/hooks';
import { routeHref } from '../../lib/routes';
import { unlessStopped, useAction } from '../../lib/use-action';
import { EvaluationProgress, STOPPED_NOTE } from '../Evaluation/evaluation-progress';

/**
 * Evaluate on the model page: scores the selected version on its run's held-out rows (eval:run on
 * `NAME@version`) and shows the gates of the evaluation promotion reads — the latest of this version, or of
 * the run it came from on the same rows.
 */
export function EvaluateVersionPanel({
  version,
  onChanged,
}: {
  version: ModelVersion;
  onChanged: () => void;
}) {
  const ref = `${version.model}@${version.version}`;
  const latest = useAsync(
    async () => (await getApi().invoke('eval:list', { target: ref }))[0] ?? null,
    [ref],
  );
  const action = useAction();
  const [stopped, setStopped] = useState(false);
  const evaluate = () => {
    setStopped(false);
    return action.run(() => getApi().invoke('eval:run', { target: ref }), {
      done: () => {
        latest.reload();
        onChanged();
      },
      describe: unlessStopped(() => setStopped(true)),
    });
  };
  const report = latest.data ?? null;
  return (
    <Panel
      title={`Evaluation of v${version.version}`}
      testId="version-evaluation"
      busy={latest.status === 'loading'}
      actions={
        version.lineage ? (
          <BusyButton
            busy={action.busy}
            busyLabel="Evaluating…"
            onClick={() => void evaluate()}
            testId="evaluate-version"
            title="Score this version on its run's held-out rows and check the gates"
          >
            Evaluate v{version.version}
          </BusyButton>
        ) : undefined
      }
    >
      {!version.lineage && (
        <p className="muted">
          An imported ONNX model has no run to evaluate: promote it with an override reason.
        </p>
      )}
      {action.busy && version.runId && <EvaluationProgress runId={version.runId} />}
      {stopped && !action.busy && (
        <p className="muted" role="status" data-testid="evaluate-stopped">
          {STOPPED_NOTE}
        </p>
      )}
      {action.message && <ErrorBanner error={action.message} title={`Could not evaluate ${ref}`} />}
      {latest.status === 'error' && (
        <ErrorBanner error={latest.error} title="Could not read the evaluations" />
      )}
      {version.lineage && latest.status === 'ready' && !report && (
        <p className="muted" data-testid="version-evaluation-none">
          Not evaluated yet: promotion gates need an evaluation of this version (or of its run).
        </p>
      )}
      {report && <LatestEvaluation report={report} />}
    </Panel>
  );
}

function LatestEvaluation({ report }: { report: EvaluationReport }) {
  return (
    <div data-testid="version-evaluation-latest" data-passed={String(report.passed)}>
      <p className="small">
        <a href={routeHref({ view: 'evaluation', id: report.id })} className="mono">
          {report.id.slice(0, 8)}
        </a>{' '}
        {report.model ? `of ${report.model.name}@${report.model.version}` : 'of its run'} on{' '}
        {report.rows} {report.split} rows of {report.dataset} · {formatTime(report.createdAt)} ·{' '}
        <strong data-testid="version-evaluation-verdict">
          {report.passed === null
            ? 'no gate policy'
            : report.passed
              ? 'all gates pass'
              : 'a gate failed'}
        </strong>
        {report.passed !== null && (
          <span className="muted">
            {' '}
            (
            {report.gateSection
              ? `model ${report.gateSection}'s own gates`
              : "the project's default gates"}
            )
          </span>
        )}
      </p>
      {report.gates.length > 0 && (
        <ul className="gate-list" data-testid="version-gates">
          {report.gates.map((g) => (
            <GateLine key={g.gate + g.description} gate={g} />
          ))}
        </ul>
      )}
    </div>
  );
}

/** One gate: pass, fail or skipped, what it asks, and what was observed or why there is nothing to see. */
export function GateLine({ gate }: { gate: GateResult }) {
  const verdict = gate.skipped ? 'skipped' : gate.passed ? 'pass' : 'fail';
  return (
    <li data-gate={gate.gate} data-verdict={verdict}>
      <span className={`eval-badge ${gate.skipped ? 'neutral' : gate.passed ? 'pass' : 'fail'}`}>
        {verdict}
      </span>{' '}
      {gate.description}
      {gate.observed !== null && <> · observed {formatNumber(gate.observed)}</>}
      {gate.detail && <span className="muted"> · {gate.detail}</span>}
    </li>
  );
}
