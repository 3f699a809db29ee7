/**
 * The body of an evaluation report, written once: metrics against the baseline, charts, per-class
 * figures, thresholds, slices, fairness, importance, cross-validation, learning curve, gates and notes.
 * The Evaluation view mounts it inside its panels; main/evaluate/report-html.ts renders it with
 * renderToStaticMarkup into the offline HTML file. Pure: props in, markup out (no DOM, no window.lathe),
 * so the face decides how a section is framed and how a run is linked.
 */
import type { ComponentType, ReactNode } from 'react';
import {
  fairnessReadings,
  metricComparison,
  slicesWorstFirst,
  type EvaluationReport,
} from '../../shared/contract';
import { formatNumber, formatSigned } from '../../shared/format';
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
import { learningSeries, thresholdRows, type Fairness } from './report-model';

type Report = EvaluationReport;

export interface ReportSectionProps {
  /** Stable name of the section (the HTML report's element id). */
  id: string;
  title: ReactNode;
  /** Spans the full width where the face lays sections out in columns. */
  wide?: boolean;
  testId?: string;
  children: ReactNode;
}

/** A link to a run, or its id as text where the face has no routes (the HTML file). */
export type RunLink = (runId: string) => ReactNode;

const runIdText: RunLink = (runId) => <span className="mono">{runId}</span>;

function tone(better: boolean | null): string | undefined {
  return better === null ? undefined : better ? 'good' : 'bad';
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

function MetricsTable({ report }: { report: Report }) {
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
              <td>
                <span className="mono">{m.name}</span>
              </td>
              <td className="num">{formatNumber(m.value)}</td>
              <td className="num">{formatNumber(m.baseline)}</td>
              <td className="num">
                <span className={tone(m.better)}>{formatSigned(m.diff)}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function PerClassTable({ report }: { report: Report }) {
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

function ThresholdsTable({ report }: { report: Report }) {
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

function SlicesTable({ report }: { report: Report }) {
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
                <td className="num">
                  <span className={s.delta !== null && s.delta < 0 ? 'bad' : undefined}>
                    {formatSigned(s.delta)}
                  </span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function FairnessBlock({ fairness, index }: { fairness: Fairness; index: number }) {
  return (
    <>
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
        {fairness.groups.length > 0 && <FairnessBars fairness={fairness} index={index} />}
      </div>
      <ul className="eval-readings">
        {fairnessReadings(fairness).map((r) => (
          <li key={r.key} className={r.concern ? 'bad' : undefined} data-measure={r.key}>
            <strong>
              {r.label}: {formatNumber(r.value)}
            </strong>{' '}
            — {r.reading}
          </li>
        ))}
      </ul>
    </>
  );
}

function ImportanceTable({ report }: { report: Report }) {
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

function CvTable({ cv, runLink }: { cv: NonNullable<Report['cv']>; runLink: RunLink }) {
  return (
    <>
      <p className="muted small eval-lead">
        {cv.folds}-fold cross-validation {runLink(cv.runId)}; this run is one fold.
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

function GatesTable({ gates }: { gates: Report['gates'] }) {
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

/** Every section the report has data for, in reading order, each framed by the face's `Section`. */
export function ReportSections({
  report,
  Section,
  runLink = runIdText,
}: {
  report: Report;
  Section: ComponentType<ReportSectionProps>;
  runLink?: RunLink;
}) {
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
      <Section id="metrics" title="Key metrics vs baseline">
        <MetricsTable report={report} />
      </Section>
      {charts.length > 0 && (
        <Section id="charts" title="Charts" wide testId="eval-charts">
          <div className="eval-charts">{charts}</div>
        </Section>
      )}
      {report.perClass.length > 0 && (
        <Section id="per-class" title="Per class" wide={!report.thresholds}>
          <PerClassTable report={report} />
        </Section>
      )}
      {report.thresholds && (
        <Section id="thresholds" title="Decision thresholds">
          <ThresholdsTable report={report} />
        </Section>
      )}
      {report.slices.length > 0 && (
        <Section id="slices" title="Slices, worst first" wide>
          <SlicesTable report={report} />
        </Section>
      )}
      {report.fairness.map((f, i) => (
        <Section
          key={f.column}
          id={i === 0 ? 'fairness' : `fairness-${i}`}
          title={
            <>
              Fairness by <span className="mono">{f.column}</span>
              {f.positiveClass !== null && (
                <span className="title-meta">favourable: {f.positiveClass}</span>
              )}
            </>
          }
          wide
          testId="eval-fairness"
        >
          <FairnessBlock fairness={f} index={i} />
        </Section>
      ))}
      {report.importance.length > 0 && (
        <Section id="importance" title="Permutation importance" wide>
          <div className="eval-split">
            <ImportanceChart importance={report.importance} />
            <ImportanceTable report={report} />
          </div>
        </Section>
      )}
      {report.cv && (
        <Section id="cv" title="Cross-validation">
          <CvTable cv={report.cv} runLink={runLink} />
        </Section>
      )}
      {learningSeries(report).length > 0 && (
        <Section id="learning-curve" title="Learning curve">
          <LearningCurveChart report={report} />
        </Section>
      )}
      {report.gates.length > 0 && (
        <Section id="gates" title="Gates" wide>
          <GatesTable gates={report.gates} />
        </Section>
      )}
      {report.notes.length > 0 && (
        <Section id="notes" title="Notes" wide testId="eval-notes">
          <ul className="eval-notes">
            {report.notes.map((n, i) => (
              <li key={i}>{n}</li>
            ))}
          </ul>
        </Section>
      )}
    </>
  );
}
