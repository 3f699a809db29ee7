/**
 * Pure data shaping for the Evaluation views' list and download. The report itself is shaped in
 * renderer/report/report-model.ts, which the offline HTML report shares.
 */
import type { EvaluationReport } from '../../../shared/contract';

type Report = EvaluationReport;

/** The metric a list of evaluations shows first, by task, among those the report has. */
export function headlineMetric(report: Report): string | null {
  const preferred: Record<Report['task'], string[]> = {
    binary: ['roc_auc', 'pr_auc', 'f1', 'accuracy'],
    multiclass: ['f1_macro', 'accuracy', 'balanced_accuracy'],
    regression: ['rmse', 'r2', 'mae'],
  };
  for (const name of preferred[report.task]) if (report.metrics[name] !== undefined) return name;
  return Object.keys(report.metrics).sort()[0] ?? null;
}

/** Evaluations newest first (ISO times compare as text). */
export function newestFirst(reports: readonly Report[]): Report[] {
  return [...reports].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

/** A file name for the downloaded HTML: run name and report id, limited to safe characters. */
export function reportFileName(report: Pick<Report, 'id' | 'runName'>): string {
  const clean = (s: string) =>
    s
      .replace(/[^A-Za-z0-9_.-]+/g, '_')
      .replace(/^[_.]+|_+$/g, '')
      .slice(0, 60);
  const run = clean(report.runName) || 'run';
  return `evaluation-${run}-${clean(report.id) || 'report'}.html`;
}
