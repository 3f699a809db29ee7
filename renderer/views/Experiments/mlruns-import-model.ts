// What the Experiments view says about MLflow: the answer of an mlruns import, one line per kind of thing,
// and the two lines that point a notebook's MLflow client at this host.
import type { DataProgress, MlrunsImportOut } from '../../../shared/contract';
import { formatBytes, formatCount } from '../../lib/format';

/** The data:progress op of mlflow:import-mlruns. */
export const MLRUNS_PROGRESS_OP = 'mlruns';

const plural = (n: number, word: string, many = `${word}s`) =>
  `${formatCount(n)} ${n === 1 ? word : many}`;

/** Whether a progress event is the import of `typed` (the owner reports the folder made absolute). */
export function isImportProgress(p: DataProgress, typed: string): boolean {
  if (p.op !== MLRUNS_PROGRESS_OP) return false;
  const want = typed.trim().replace(/\/+$/, '').replace(/^\.\//, '');
  const name = p.name.replace(/\/+$/, '');
  return want.startsWith('/') ? name === want : name === want || name.endsWith(`/${want}`);
}

/** The import's answer as short lines: experiments, runs, what was written, models. */
export function importSummary(out: MlrunsImportOut): string[] {
  const created = out.experiments.filter((e) => e.created).length;
  const { added } = out;
  return [
    `${plural(out.experiments.length, 'experiment')} (${formatCount(created)} new)`,
    `${plural(out.runs.added, 'run')} added, ${formatCount(out.runs.updated)} updated, ${formatCount(out.runs.unchanged)} unchanged`,
    `${plural(added.metricPoints, 'metric point')}, ${plural(added.params, 'param')}, ${plural(added.tags, 'tag')}, ${plural(added.artifacts, 'artifact')} (${formatBytes(added.artifactBytes)})`,
    `${plural(added.models, 'registered model')}, ${plural(added.versions, 'version')}, ${plural(added.aliases, 'alias', 'aliases')} added`,
  ];
}

/**
 * The tracking URI a notebook on this machine sets: the origin the page is served from (`lathe ui`, or
 * `lathe server` serving it); in the desktop app, whose window is loaded from a file, the local host the
 * app runs (`hostUrl` of app:info); null when there is none.
 */
export function trackingUri(
  location: Pick<Location, 'protocol' | 'origin'>,
  hostUrl?: string | null,
): string | null {
  if (location.protocol === 'http:' || location.protocol === 'https:') return location.origin;
  return hostUrl ? hostUrl.replace(/\/+$/, '') : null;
}

/** The two lines a user types: the shell export and the notebook's experiment. */
export function notebookLines(uri: string, experiment: string | null): [string, string] {
  return [
    `export MLFLOW_TRACKING_URI=${uri}`,
    `mlflow.set_experiment(${JSON.stringify(experiment ?? 'my-experiment')})`,
  ];
}
