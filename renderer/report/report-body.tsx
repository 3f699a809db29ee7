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
import { formatCategory, formatNumber, formatSigned } from '../../shared/format';
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
import { importanceMetric, learningSeries, thresholdRows, type Fairness } from './report-model';
import { ShapStatic, type ShapSectionComponent } from './shap-section';
import { TableHead, num, type HeadCell } from './table-head';

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

function ReportTable({
  testId,
  columns,
  children,
}: {
  testId?: string;
  columns: HeadCell[];
  children: ReactNode;
}) {
  return (
    <table className="table table-dense" data-testid={testId}>
      <TableHead columns={columns} />
      <tbody>{children}</tbody>
    </table>
  );
}

/** A numeric cell, right-aligned. */
function Num({ value }: { value: number | null | undefined }) {
  return <td className="num">{formatNumber(value)}</td>;
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
      <ReportTable
        testId="eval-metrics"
        columns={['metric', num('model'), num('baseline'), num('difference')]}
      >
        {rows.map((m) => (
          <tr key={m.name} data-metric={m.name}>
            <td>
              <span className="mono">{m.name}</span>
            </td>
            <Num value={m.value} />
            <Num value={m.baseline} />
            <td className="num">
              <span className={tone(m.better)}>{formatSigned(m.diff)}</span>
            </td>
          </tr>
        ))}
      </ReportTable>
    </>
  );
}

function PerClassTable({ report }: { report: Report }) {
  return (
    <div className="table-scroll">
      <ReportTable
        testId="eval-per-class"
        columns={[
          'class',
          num('precision'),
          num('recall'),
          num('f1'),
          num('support'),
          num('ROC AUC'),
          num('PR AUC'),
        ]}
      >
        {report.perClass.map((c) => (
          <tr key={c.class}>
            <td>{c.class}</td>
            <Num value={c.precision} />
            <Num value={c.recall} />
            <Num value={c.f1} />
            <Num value={c.support} />
            <Num value={c.rocAuc} />
            <Num value={c.prAuc} />
          </tr>
        ))}
      </ReportTable>
    </div>
  );
}

function ThresholdsTable({ report }: { report: Report }) {
  return (
    <div className="table-scroll">
      <ReportTable
        testId="eval-thresholds"
        columns={['choice', num('threshold'), num('precision'), num('recall'), num('f1')]}
      >
        {thresholdRows(report).map((t) => (
          <tr key={t.key}>
            <td>{t.label}</td>
            <Num value={t.threshold} />
            <Num value={t.precision} />
            <Num value={t.recall} />
            <Num value={t.f1} />
          </tr>
        ))}
      </ReportTable>
    </div>
  );
}

function SlicesTable({ report }: { report: Report }) {
  return (
    <>
      <p className="muted small eval-lead">
        Segments where the model does worst, compared with its overall score (negative is worse).
      </p>
      <div className="table-scroll eval-scroll">
        <ReportTable
          testId="eval-slices"
          columns={['column', 'segment', num('rows'), 'metric', num('value'), num('vs overall')]}
        >
          {slicesWorstFirst(report.slices).map((s, i) => (
            <tr key={i}>
              <td className="mono">{s.column}</td>
              <td title={s.segment}>{formatCategory(s.segment)}</td>
              <Num value={s.count} />
              <td className="mono">{s.metric}</td>
              <Num value={s.value} />
              <td className="num">
                <span className={s.delta !== null && s.delta < 0 ? 'bad' : undefined}>
                  {formatSigned(s.delta)}
                </span>
              </td>
            </tr>
          ))}
        </ReportTable>
      </div>
    </>
  );
}

function FairnessBlock({ fairness, index }: { fairness: Fairness; index: number }) {
  return (
    <>
      <div className="eval-split">
        <ReportTable
          columns={[
            'group',
            num('rows'),
            num('selection rate'),
            num('TPR'),
            num('FPR'),
            num('accuracy'),
          ]}
        >
          {fairness.groups.map((g) => (
            <tr key={g.group}>
              <td>{g.group}</td>
              <Num value={g.count} />
              <Num value={g.selectionRate} />
              <Num value={g.truePositiveRate} />
              <Num value={g.falsePositiveRate} />
              <Num value={g.accuracy} />
            </tr>
          ))}
        </ReportTable>
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
      <ReportTable
        testId="eval-importance"
        columns={['column', num(importanceMetric(report)), num('std')]}
      >
        {report.importance.map((i) => (
          <tr key={i.column}>
            <td className="mono">{i.column}</td>
            <Num value={i.mean} />
            <Num value={i.std} />
          </tr>
        ))}
      </ReportTable>
    </div>
  );
}

function CvTable({ cv, runLink }: { cv: NonNullable<Report['cv']>; runLink: RunLink }) {
  return (
    <>
      <p className="muted small eval-lead">
        {cv.folds}-fold cross-validation {runLink(cv.runId)}; this run is one fold.
      </p>
      <ReportTable testId="eval-cv" columns={['metric', num('mean'), num('std')]}>
        {Object.entries(cv.summary)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([name, s]) => (
            <tr key={name}>
              <td className="mono">{name}</td>
              <Num value={s.mean} />
              <Num value={s.std} />
            </tr>
          ))}
      </ReportTable>
    </>
  );
}

function GatesTable({ gates }: { gates: Report['gates'] }) {
  return (
    <ReportTable
      testId="eval-gates"
      columns={['gate', 'result', num('observed'), num('threshold'), 'description']}
    >
      {gates.map((g) => (
        <tr
          key={g.gate}
          data-gate={g.gate}
          data-passed={String(g.passed)}
          data-skipped={g.skipped ? 'true' : undefined}
        >
          <td className="mono">{g.gate}</td>
          <td>
            {/* A skipped gate (another task's metric, no champion yet) passes with nothing to check. */}
            <span className={`eval-badge ${g.skipped ? 'neutral' : g.passed ? 'pass' : 'fail'}`}>
              {g.skipped ? 'skipped' : g.passed ? 'pass' : 'fail'}
            </span>
          </td>
          <Num value={g.observed} />
          <Num value={g.threshold} />
          <td className="eval-wrap">
            {g.description}
            {g.detail && <span className="muted"> {g.detail}</span>}
          </td>
        </tr>
      ))}
    </ReportTable>
  );
}

/** Every section the report has data for, in reading order, each framed by the face's `Section`. */
export function ReportSections({
  report,
  Section,
  runLink = runIdText,
  Explain = ShapStatic,
}: {
  report: Report;
  Section: ComponentType<ReportSectionProps>;
  runLink?: RunLink;
  /** The TreeSHAP section's form: the view's has controls; the default draws every part (no script). */
  Explain?: ShapSectionComponent;
}) {
  const shap = report.explanations;
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
          <p className="muted small eval-lead" data-testid="eval-importance-metric">
            Each column&apos;s {importanceMetric(report)} when its values are shuffled (higher: the
            model leans on it more).
          </p>
          <div className="eval-split">
            <ImportanceChart importance={report.importance} metric={importanceMetric(report)} />
            <ImportanceTable report={report} />
          </div>
        </Section>
      )}
      {shap && shap.features.length > 0 && (
        <Section id="explanations" title="Explanations (TreeSHAP)" wide testId="eval-shap">
          <Explain explanations={shap} />
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
