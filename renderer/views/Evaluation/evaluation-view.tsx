import { useState, type FormEvent } from 'react';
import type { EvaluationReport } from '../../../shared/contract';
import { getApi } from '../../api';
import { BusyButton } from '../../components/busy-button';
import { Facts, PageHeader, Panel } from '../../components/page';
import { AsyncStatus, EmptyState } from '../../components/states';
import { formatNumber, formatTime } from '../../lib/format';
import { useAsync } from '../../lib/hooks';
import { navigate, routeHref } from '../../lib/routes';
import { saveFile } from '../../lib/save-file';
import { useAction } from '../../lib/use-action';
import { GatesBadge, ReportSections, type ReportSectionProps } from '../../report/report-body';
import { reportFacts } from '../../report/report-facts';
import { ShapInteractive } from './shap-panel';
import { headlineMetric, newestFirst, reportFileName } from './report-model';
import './evaluation.css';

/** Saves the offline HTML report the host renders, through a Blob link (works in Electron and a browser). */
async function downloadHtml(report: EvaluationReport): Promise<void> {
  const { html } = await getApi().invoke('eval:html', { id: report.id });
  saveFile(reportFileName(report), html, 'text/html;charset=utf-8');
}

function DownloadButton({ report }: { report: EvaluationReport }) {
  const download = useAction();
  return (
    <>
      <BusyButton
        busy={download.busy}
        busyLabel="Preparing…"
        testId="eval-download-html"
        onClick={() => void download.run(() => downloadHtml(report))}
      >
        Download HTML report
      </BusyButton>
      {download.message && (
        <span className="eval-bad small" role="alert" data-testid="eval-download-error">
          {download.message}
        </span>
      )}
    </>
  );
}

/** A report section as a panel of the view's two-column grid. */
function PanelSection({ id, title, wide, testId, children }: ReportSectionProps) {
  return (
    <Panel title={title} className={wide ? 'span-2' : `eval-section-${id}`} testId={testId}>
      {children}
    </Panel>
  );
}

function runLink(runId: string) {
  return (
    <a href={routeHref({ view: 'run', runId })} className="mono">
      {runId.slice(0, 8)}
    </a>
  );
}

/** The report itself, below the breadcrumbs: header, summary, metrics, charts and tables. */
export function ReportBody({ report }: { report: EvaluationReport }) {
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
            items={reportFacts(report, {
              run: <a href={routeHref({ view: 'run', runId: report.runId })}>{report.runName}</a>,
              time: formatTime,
            })}
          />
        </Panel>
        <ReportSections
          report={report}
          Section={PanelSection}
          runLink={runLink}
          Explain={ShapInteractive}
        />
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
      {!report.data && (
        <AsyncStatus
          of={report}
          error="Could not load the evaluation"
          loading="Loading evaluation…"
        />
      )}
      {report.status === 'error' && !report.data && (
        <EmptyState title="Evaluation not available">
          <a href={routeHref({ view: 'evaluations', target: null })}>Back to all evaluations</a>
        </EmptyState>
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
      <AsyncStatus of={list} error="Could not list evaluations" loading="Loading evaluations…" />
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
