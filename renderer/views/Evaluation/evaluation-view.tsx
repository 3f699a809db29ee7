import { useState, type FormEvent } from 'react';
import type { EvaluationReport } from '../../../shared/contract';
import { errorMessage, getApi } from '../../api';
import { Facts, PageHeader, Panel } from '../../components/page';
import { EmptyState, ErrorBanner, Loading } from '../../components/states';
import { formatNumber, formatTime } from '../../lib/format';
import { useAsync } from '../../lib/hooks';
import { navigate, routeHref } from '../../lib/routes';
import {
  CalibrationChart,
  ConfusionHeatmap,
  FairnessBars,
  ImportanceChart,
  LearningCurveChart,
  PrChart,
  PredictedActualChart,
  ResidualChart,
  RocChart,
} from './charts';
import {
  fairnessReadings,
  headlineMetric,
  learningSeries,
  metricComparison,
  newestFirst,
  reportFileName,
  slicesWorstFirst,
  thresholdRows,
} from './report-model';
import './evaluation.css';

function signed(value: number | null): string {
  if (value === null) return '—';
  return value > 0 ? `+${formatNumber(value)}` : value < 0 ? `−${formatNumber(-value)}` : '0';
}

function tone(better: boolean | null): string | undefined {
  return better === null ? undefined : better ? 'eval-good' : 'eval-bad';
}

export function GatesBadge({ passed }: { passed: boolean | null }) {
  if (passed === null)
    return (
      <span className="eval-badge neutral" data-testid="eval-passed" data-passed="none">
        no gate policy
      </span>
    );
  return (
    <span
      className={`eval-badge ${passed ? 'pass' : 'fail'}`}
      data-testid="eval-passed"
      data-passed={String(passed)}
    >
      {passed ? 'all gates passed' : 'gates failed'}
    </span>
  );
}

/** Saves the offline HTML report the host renders, through a Blob link (works in Electron and a browser). */
async function downloadHtml(report: EvaluationReport): Promise<void> {
  const { html } = await getApi().invoke('eval:html', { id: report.id });
  const url = URL.createObjectURL(new Blob([html], { type: 'text/html;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = reportFileName(report);
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked after the click has started the download, not before.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function DownloadButton({ report }: { report: EvaluationReport }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <>
      <button
        type="button"
        className="btn"
        disabled={busy}
        data-testid="eval-download-html"
        onClick={() => {
          setBusy(true);
          setError(null);
          downloadHtml(report)
            .catch((err: unknown) => setError(errorMessage(err)))
            .finally(() => setBusy(false));
        }}
      >
        {busy ? 'Preparing…' : 'Download HTML report'}
      </button>
      {error && (
        <span className="eval-bad small" role="alert" data-testid="eval-download-error">
          {error}
        </span>
      )}
    </>
  );
}

function MetricsTable({ report }: { report: EvaluationReport }) {
  const rows = metricComparison(report);
  if (rows.length === 0) return <div className="muted small">No metrics.</div>;
  return (
    <>
      <p className="muted small eval-lead">
        Baseline: {report.baseline.kind}, scored on the same rows. Green: the model beats it.
      </p>
      <table className="table table-dense" data-testid="eval-metrics">
        <thead>
          <tr>
            <th>metric</th>
            <th className="num">model</th>
            <th className="num">baseline</th>
            <th className="num">difference</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((m) => (
            <tr key={m.name} data-metric={m.name}>
              <td className="mono">{m.name}</td>
              <td className="num">{formatNumber(m.value)}</td>
              <td className="num">{formatNumber(m.baseline)}</td>
              <td className={`num ${tone(m.better) ?? ''}`}>{signed(m.diff)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function PerClassTable({ report }: { report: EvaluationReport }) {
  return (
    <div className="table-scroll">
      <table className="table table-dense" data-testid="eval-per-class">
        <thead>
          <tr>
            <th>class</th>
            <th className="num">precision</th>
            <th className="num">recall</th>
            <th className="num">f1</th>
            <th className="num">support</th>
            <th className="num">ROC AUC</th>
            <th className="num">PR AUC</th>
          </tr>
        </thead>
        <tbody>
          {report.perClass.map((c) => (
            <tr key={c.class}>
              <td>{c.class}</td>
              <td className="num">{formatNumber(c.precision)}</td>
              <td className="num">{formatNumber(c.recall)}</td>
              <td className="num">{formatNumber(c.f1)}</td>
              <td className="num">{formatNumber(c.support)}</td>
              <td className="num">{formatNumber(c.rocAuc)}</td>
              <td className="num">{formatNumber(c.prAuc)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ThresholdsTable({ report }: { report: EvaluationReport }) {
  return (
    <table className="table table-dense" data-testid="eval-thresholds">
      <thead>
        <tr>
          <th>choice</th>
          <th className="num">threshold</th>
          <th className="num">precision</th>
          <th className="num">recall</th>
          <th className="num">f1</th>
        </tr>
      </thead>
      <tbody>
        {thresholdRows(report).map((t) => (
          <tr key={t.key}>
            <td>{t.label}</td>
            <td className="num">{formatNumber(t.threshold)}</td>
            <td className="num">{formatNumber(t.precision)}</td>
            <td className="num">{formatNumber(t.recall)}</td>
            <td className="num">{formatNumber(t.f1)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function SlicesTable({ report }: { report: EvaluationReport }) {
  return (
    <>
      <p className="muted small eval-lead">
        Segments where the model does worst, compared with its overall score (negative is worse).
      </p>
      <div className="table-scroll eval-scroll">
        <table className="table table-dense" data-testid="eval-slices">
          <thead>
            <tr>
              <th>column</th>
              <th>segment</th>
              <th className="num">rows</th>
              <th>metric</th>
              <th className="num">value</th>
              <th className="num">vs overall</th>
            </tr>
          </thead>
          <tbody>
            {slicesWorstFirst(report.slices).map((s, i) => (
              <tr key={i}>
                <td className="mono">{s.column}</td>
                <td>{s.segment}</td>
                <td className="num">{formatNumber(s.count)}</td>
                <td className="mono">{s.metric}</td>
                <td className="num">{formatNumber(s.value)}</td>
                <td className={`num ${s.delta !== null && s.delta < 0 ? 'eval-bad' : ''}`}>
                  {signed(s.delta)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function FairnessPanel({ fairness }: { fairness: EvaluationReport['fairness'][number] }) {
  return (
    <Panel
      title={
        <>
          Fairness by <span className="mono">{fairness.column}</span>
          {fairness.positiveClass !== null && (
            <span className="title-meta">favourable: {fairness.positiveClass}</span>
          )}
        </>
      }
      className="span-2"
      testId="eval-fairness"
    >
      <div className="eval-split">
        <table className="table table-dense">
          <thead>
            <tr>
              <th>group</th>
              <th className="num">rows</th>
              <th className="num">selection rate</th>
              <th className="num">TPR</th>
              <th className="num">FPR</th>
              <th className="num">accuracy</th>
            </tr>
          </thead>
          <tbody>
            {fairness.groups.map((g) => (
              <tr key={g.group}>
                <td>{g.group}</td>
                <td className="num">{formatNumber(g.count)}</td>
                <td className="num">{formatNumber(g.selectionRate)}</td>
                <td className="num">{formatNumber(g.truePositiveRate)}</td>
                <td className="num">{formatNumber(g.falsePositiveRate)}</td>
                <td className="num">{formatNumber(g.accuracy)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {fairness.groups.length > 0 && <FairnessBars fairness={fairness} />}
      </div>
      <ul className="eval-readings">
        {fairnessReadings(fairness).map((r) => (
          <li key={r.key} className={r.concern ? 'eval-bad' : undefined} data-measure={r.key}>
            <strong>
              {r.label}: {formatNumber(r.value)}
            </strong>{' '}
            — {r.reading}
          </li>
        ))}
      </ul>
    </Panel>
  );
}

function ImportanceTable({ report }: { report: EvaluationReport }) {
  return (
    <div className="table-scroll eval-scroll">
      <table className="table table-dense" data-testid="eval-importance">
        <thead>
          <tr>
            <th>column</th>
            <th className="num">importance</th>
            <th className="num">std</th>
          </tr>
        </thead>
        <tbody>
          {report.importance.map((i) => (
            <tr key={i.column}>
              <td className="mono">{i.column}</td>
              <td className="num">{formatNumber(i.mean)}</td>
              <td className="num">{formatNumber(i.std)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function CvTable({ cv }: { cv: NonNullable<EvaluationReport['cv']> }) {
  return (
    <>
      <p className="muted small eval-lead">
        {cv.folds}-fold cross-validation{' '}
        <a href={routeHref({ view: 'run', runId: cv.runId })} className="mono">
          {cv.runId.slice(0, 8)}
        </a>
        ; this run is one fold.
      </p>
      <table className="table table-dense" data-testid="eval-cv">
        <thead>
          <tr>
            <th>metric</th>
            <th className="num">mean</th>
            <th className="num">std</th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(cv.summary)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([name, s]) => (
              <tr key={name}>
                <td className="mono">{name}</td>
                <td className="num">{formatNumber(s.mean)}</td>
                <td className="num">{formatNumber(s.std)}</td>
              </tr>
            ))}
        </tbody>
      </table>
    </>
  );
}

function GatesTable({ gates }: { gates: EvaluationReport['gates'] }) {
  return (
    <table className="table table-dense" data-testid="eval-gates">
      <thead>
        <tr>
          <th>gate</th>
          <th>result</th>
          <th className="num">observed</th>
          <th className="num">threshold</th>
          <th>description</th>
        </tr>
      </thead>
      <tbody>
        {gates.map((g) => (
          <tr key={g.gate} data-gate={g.gate} data-passed={String(g.passed)}>
            <td className="mono">{g.gate}</td>
            <td>
              <span className={`eval-badge ${g.passed ? 'pass' : 'fail'}`}>
                {g.passed ? 'pass' : 'fail'}
              </span>
            </td>
            <td className="num">{formatNumber(g.observed)}</td>
            <td className="num">{formatNumber(g.threshold)}</td>
            <td className="eval-wrap">
              {g.description}
              {g.detail && <span className="muted"> {g.detail}</span>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The report itself, below the breadcrumbs: header, summary, metrics, charts and tables. */
export function ReportBody({ report }: { report: EvaluationReport }) {
  const c = report.curves;
  const charts = [
    c.roc?.length ? <RocChart key="roc" report={report} /> : null,
    c.pr?.length ? <PrChart key="pr" report={report} /> : null,
    c.calibration?.length ? <CalibrationChart key="cal" report={report} /> : null,
    report.confusionMatrix?.length ? (
      <ConfusionHeatmap key="cm" matrix={report.confusionMatrix} classes={report.classes} />
    ) : null,
    c.residuals?.length ? <ResidualChart key="res" bins={c.residuals} /> : null,
    c.predictedVsActual?.length ? (
      <PredictedActualChart key="pva" pairs={c.predictedVsActual} />
    ) : null,
  ].filter(Boolean);

  return (
    <>
      <PageHeader
        title={
          <>
            Evaluation of {report.runName} <GatesBadge passed={report.passed} />
          </>
        }
        subtitle={
          <>
            {report.task} · {report.dataset} · {report.split} split · {formatNumber(report.rows)}{' '}
            rows · {formatTime(report.createdAt)}
          </>
        }
        actions={<DownloadButton report={report} />}
      />
      <div className="run-grid eval-grid" data-testid="evaluation-report">
        <Panel title="Summary" testId="eval-summary">
          <Facts
            items={[
              [
                'Run',
                <a key="run" href={routeHref({ view: 'run', runId: report.runId })}>
                  {report.runName}
                </a>,
              ],
              [
                'Model version',
                report.model ? `${report.model.name} v${report.model.version}` : '—',
              ],
              [
                'Dataset',
                <span key="ds" className="mono">
                  {report.dataset}
                </span>,
              ],
              ['Split', report.split],
              ['Rows', formatNumber(report.rows)],
              ['Evaluated', formatTime(report.createdAt)],
              [
                'Report',
                <span key="id" className="mono">
                  {report.id}
                </span>,
              ],
            ]}
          />
        </Panel>
        <Panel title="Key metrics vs baseline">
          <MetricsTable report={report} />
        </Panel>
        {charts.length > 0 && (
          <Panel title="Charts" className="span-2" testId="eval-charts">
            <div className="eval-charts">{charts}</div>
          </Panel>
        )}
        {report.perClass.length > 0 && (
          <Panel title="Per class" className={report.thresholds ? undefined : 'span-2'}>
            <PerClassTable report={report} />
          </Panel>
        )}
        {report.thresholds && (
          <Panel title="Decision thresholds">
            <ThresholdsTable report={report} />
          </Panel>
        )}
        {report.slices.length > 0 && (
          <Panel title="Slices, worst first" className="span-2">
            <SlicesTable report={report} />
          </Panel>
        )}
        {report.fairness.map((f) => (
          <FairnessPanel key={f.column} fairness={f} />
        ))}
        {report.importance.length > 0 && (
          <Panel title="Permutation importance" className="span-2">
            <div className="eval-split">
              <ImportanceChart importance={report.importance} />
              <ImportanceTable report={report} />
            </div>
          </Panel>
        )}
        {report.cv && (
          <Panel title="Cross-validation">
            <CvTable cv={report.cv} />
          </Panel>
        )}
        {learningSeries(report).length > 0 && (
          <Panel title="Learning curve">
            <LearningCurveChart report={report} />
          </Panel>
        )}
        {report.gates.length > 0 && (
          <Panel title="Gates" className="span-2">
            <GatesTable gates={report.gates} />
          </Panel>
        )}
        {report.notes.length > 0 && (
          <Panel title="Notes" className="span-2" testId="eval-notes">
            <ul className="eval-notes">
              {report.notes.map((n, i) => (
                <li key={i}>{n}</li>
              ))}
            </ul>
          </Panel>
        )}
      </div>
    </>
  );
}

/** One evaluation report: `#/evaluations/<id>`. */
export function EvaluationView({ id }: { id: string }) {
  const report = useAsync(() => getApi().invoke('eval:get', { id }), [id]);
  return (
    <div className="page" data-testid="evaluation-view">
      <div className="breadcrumbs">
        <a href={routeHref({ view: 'evaluations', target: null })}>Evaluations</a>{' '}
        <span aria-hidden="true">/</span> <span className="mono">{id}</span>
      </div>
      {report.status === 'loading' && !report.data && <Loading label="Loading evaluation…" />}
      {report.status === 'error' && !report.data && (
        <>
          <ErrorBanner
            error={report.error}
            title="Could not load the evaluation"
            onRetry={report.reload}
          />
          <EmptyState title="Evaluation not available">
            <a href={routeHref({ view: 'evaluations', target: null })}>Back to all evaluations</a>
          </EmptyState>
        </>
      )}
      {report.data && <ReportBody report={report.data} />}
    </div>
  );
}

/** Stored evaluations, newest first, of one run or model version when `target` names it. */
export function EvaluationsView({ target }: { target: string | null }) {
  const list = useAsync(() => getApi().invoke('eval:list', target ? { target } : {}), [target]);
  const [draft, setDraft] = useState(target ?? '');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    navigate({ view: 'evaluations', target: draft.trim() || null });
  };
  const reports = list.data ? newestFirst(list.data) : [];

  return (
    <div className="page" data-testid="evaluations-view">
      <PageHeader
        title="Evaluations"
        subtitle="Each run or model version scored on rows it did not train on, with the gates it passed."
      />
      <form className="form-inline eval-filter" onSubmit={submit}>
        <input
          type="search"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          placeholder="run id or model@version"
          aria-label="Filter by run or model version"
          data-testid="eval-filter"
        />
        <button type="submit" className="btn btn-small">
          Filter
        </button>
        {target && (
          <a href={routeHref({ view: 'evaluations', target: null })} className="small">
            Show all
          </a>
        )}
      </form>
      {list.status === 'loading' && !list.data && <Loading label="Loading evaluations…" />}
      {list.status === 'error' && (
        <ErrorBanner error={list.error} title="Could not list evaluations" onRetry={list.reload} />
      )}
      {list.data && reports.length === 0 && (
        <EmptyState title={target ? `No evaluations of ${target}` : 'No evaluations yet'}>
          Evaluate a finished run with <code>lathe eval RUN</code>; the report appears here.
        </EmptyState>
      )}
      {reports.length > 0 && (
        <Panel>
          <div className="table-scroll">
            <table className="table table-hover" data-testid="evaluations-table">
              <thead>
                <tr>
                  <th>evaluated</th>
                  <th>run</th>
                  <th>model</th>
                  <th>dataset</th>
                  <th>split</th>
                  <th className="num">rows</th>
                  <th>headline metric</th>
                  <th>gates</th>
                </tr>
              </thead>
              <tbody>
                {reports.map((r) => {
                  const metric = headlineMetric(r);
                  const href = routeHref({ view: 'evaluation', id: r.id });
                  return (
                    <tr
                      key={r.id}
                      data-testid="evaluation-row"
                      data-id={r.id}
                      onClick={() => navigate({ view: 'evaluation', id: r.id })}
                    >
                      <td>
                        <a href={href} onClick={(e) => e.stopPropagation()}>
                          {formatTime(r.createdAt)}
                        </a>
                      </td>
                      <td>{r.runName}</td>
                      <td>{r.model ? `${r.model.name} v${r.model.version}` : '—'}</td>
                      <td className="mono">{r.dataset}</td>
                      <td>{r.split}</td>
                      <td className="num">{formatNumber(r.rows)}</td>
                      <td>
                        {metric ? (
                          <>
                            <span className="mono muted">{metric}</span>{' '}
                            {formatNumber(r.metrics[metric])}
                          </>
                        ) : (
                          '—'
                        )}
                      </td>
                      <td>
                        <GatesBadge passed={r.passed} />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </Panel>
      )}
    </div>
  );
}
