/**
 * The evaluation report as the offline HTML file shows it: a header with the facts of the evaluation,
 * the shared sections each in a `<section id>`, and a footer. main/evaluate/report-html.ts renders this
 * to static markup inside a page with inline CSS and no script.
 */
import type { EvaluationReport } from '../../shared/contract';
import { GatesBadge, ReportSections, type ReportSectionProps } from './report-body';
import { reportFacts } from './report-facts';

function DocumentSection({ id, title, children }: ReportSectionProps) {
  return (
    <section id={id}>
      <h2>{title}</h2>
      {children}
    </section>
  );
}

function DocumentHeader({ report }: { report: EvaluationReport }) {
  const facts = reportFacts(report, {
    run: (
      <>
        {report.runName} <span className="mono muted">{report.runId}</span>
      </>
    ),
    time: (iso) => iso,
    task: true,
  });
  return (
    <header id="summary">
      <h1>
        Evaluation of {report.runName} <GatesBadge passed={report.passed} />
      </h1>
      <dl className="facts">
        {facts.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
    </header>
  );
}

/** Everything inside the HTML file's `<body>`. */
export function ReportDocument({ report }: { report: EvaluationReport }) {
  return (
    <main>
      <DocumentHeader report={report} />
      <ReportSections report={report} Section={DocumentSection} />
      <footer>Lathe evaluation report {report.id}</footer>
    </main>
  );
}
