import type { ReactNode } from 'react';
import type { EvaluationReport } from '../../shared/contract';
import { formatNumber } from '../../shared/format';

/** How a face shows the facts it does not share: the run, the moment, and whether the task is listed. */
export interface ReportFactsOptions {
  /** The Run fact: a link in the app, the name with the id in the HTML file. */
  run: ReactNode;
  /** The Evaluated fact from the report's ISO timestamp. */
  time: (iso: string) => string;
  /** Lists the task after the model version (the HTML file has no subtitle that names it). */
  task?: boolean;
}

/** The summary facts of an evaluation, label and value, in the order both faces show them. */
export function reportFacts(
  report: EvaluationReport,
  { run, time, task = false }: ReportFactsOptions,
): [string, ReactNode][] {
  return [
    ['Run', run],
    ['Model version', report.model ? `${report.model.name} v${report.model.version}` : '—'],
    ...(task ? [['Task', report.task] satisfies [string, ReactNode]] : []),
    [
      'Dataset',
      <span key="ds" className="mono">
        {report.dataset}
      </span>,
    ],
    ['Split', report.split],
    ['Rows', formatNumber(report.rows)],
    ['Evaluated', time(report.createdAt)],
    [
      'Report',
      <span key="id" className="mono">
        {report.id}
      </span>,
    ],
  ];
}
