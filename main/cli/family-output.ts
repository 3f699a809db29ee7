// The live table `lathe tune` (trials) and `lathe train` with cross-validation (folds) print as children end.
import type { FamilyReport, Run, RunChildEvent, TrainConfig } from '../../shared/contract';
import { formatDuration, formatValue } from './output';

const cut = (s: string, w: number) => (s.length > w ? `${s.slice(0, w - 1)}…` : s.padEnd(w));

/** Fixed-width columns, so rows printed one by one line up under the header. */
export function familyColumns(
  config: TrainConfig,
  metric: string,
): { title: string; width: number }[] {
  const space = Object.keys(config.search?.space ?? {});
  return [
    { title: config.search ? 'trial' : 'fold', width: 6 },
    { title: 'run', width: 8 },
    { title: 'status', width: 9 },
    { title: metric, width: Math.max(10, metric.length) },
    ...(config.search ? [{ title: 'best', width: 10 }] : [{ title: 'val_loss', width: 10 }]),
    ...space.map((p) => ({ title: p, width: Math.min(24, Math.max(10, p.length)) })),
  ];
}

export function familyHeader(columns: { title: string; width: number }[]): string {
  const line = columns.map((c) => cut(c.title, c.width)).join('  ');
  return `${line.trimEnd()}\n${columns.map((c) => '-'.repeat(c.width)).join('  ')}`;
}

/** One ended fold or trial as a row: index/total, run, status, metric, best so far (or val_loss). */
export function familyRow(columns: { title: string; width: number }[], e: RunChildEvent): string {
  const cells = [
    `${e.index}/${e.total}`,
    e.runId.slice(0, 8),
    e.status,
    formatValue(e.value ?? e.metrics[e.metric]),
    e.kind === 'trial'
      ? e.best
        ? `${formatValue(e.best.value)}${e.best.runId === e.runId ? ' *' : ''}`
        : ''
      : formatValue(e.metrics.val_loss),
    ...columns.slice(5).map((c) => formatValue(e.assignment[c.title])),
  ];
  return cells
    .map((c, i) => cut(c, columns[i]!.width))
    .join('  ')
    .trimEnd();
}

/** The end of a search or cross-validation: the best trial with its values, or mean ± std per metric. */
export function familySummary(run: Run, report: FamilyReport | null): string {
  const head = `${run.kind === 'tune' ? 'Search' : 'Cross-validation'} ${run.id}  ${run.name}  [${run.status}]${run.error ? `: ${run.error}` : ''}${run.durationMs !== null ? `  ${formatDuration(run.durationMs)}` : ''}`;
  if (!report) return head;
  if (report.kind === 'cv') {
    const rows = Object.entries(report.summary)
      .filter(([k]) => k !== 'lr')
      .map(([k, s]) => `  ${k.padEnd(16)} ${formatValue(s.mean)} ± ${formatValue(s.std)}`);
    return [head, `${report.children.length} folds (mean ± std):`, ...rows].join('\n');
  }
  const count = (s: string) => report.children.filter((c) => c.status === s).length;
  const lines = [
    head,
    `${report.children.length} trials: ${count('finished')} finished, ${count('pruned')} pruned, ${count('failed')} failed`,
  ];
  const best = report.best;
  if (best) {
    lines.push(
      `Best: trial ${best.index} (run ${best.runId.slice(0, 8)}) ${report.metric} ${formatValue(best.value)}`,
      ...Object.entries(best.assignment).map(([p, v]) => `  ${p} = ${formatValue(v)}`),
    );
  }
  return lines.join('\n');
}
