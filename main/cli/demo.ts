// `lathe demo`: the pipeline shipped with Lathe (resources/pipelines/flights-demo.yaml) run on vega-datasets'
// flights, offline. This file finds the pipeline and the data, says which `--set`s the tour runs with, and
// what to open once it ran: the run itself goes through pipeline:start like `lathe pipeline run`.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { LatheError, type PipelineRun, type PipelineStepOutput } from '../../shared/contract';
import { packageRoot } from '../version';

/** The 3M-row flights sample that ships in the vega-datasets npm package. */
export function flightsFile(): string {
  const file = join(dirname(require.resolve('vega-datasets')), '..', 'data', 'flights-3m.parquet');
  if (!existsSync(file))
    throw new LatheError('FILE_NOT_FOUND', `sample data missing: ${file} (reinstall with npm ci)`);
  return file;
}

/** The tour's pipeline file, shipped with Lathe. */
export function demoPipelineFile(): string {
  const file = join(packageRoot(), 'resources', 'pipelines', 'flights-demo.yaml');
  if (!existsSync(file))
    throw new LatheError(
      'FILE_NOT_FOUND',
      `the demo pipeline is missing: ${file} (reinstall Lathe)`,
      {
        file,
      },
    );
  return file;
}

/** Where the tour writes the months it scored: a folder of the workspace. */
export const demoScoresDir = (workspaceDir: string): string =>
  join(resolve(workspaceDir), 'demo-scores');

/** The fewest training rows `--rows` takes: fewer leave the search's validation rows too thin to judge. */
export const DEMO_MIN_ROWS = 1000;

/**
 * The `--set`s the demo runs its pipeline with on a workspace: the flights file and the scores' folder,
 * `--rows` as the `rows` parameter, then the user's own `--set`s (last, so they win). Refuses a `--rows`
 * that is not a whole number of at least DEMO_MIN_ROWS, and missing sample data, when called: before
 * anything makes a workspace.
 */
export function demoSettings(options: {
  rows?: number;
  set?: readonly string[];
}): (workspaceDir: string) => string[] {
  const { rows, set = [] } = options;
  if (rows !== undefined && (!Number.isInteger(rows) || rows < DEMO_MIN_ROWS))
    throw new LatheError(
      'INVALID_INPUT',
      `--rows: ${rows} is not a whole number of at least ${DEMO_MIN_ROWS}`,
      { field: 'rows' },
    );
  const data = flightsFile();
  return (workspaceDir) => [
    `data=${data}`,
    `out=${demoScoresDir(workspaceDir)}`,
    ...(rows !== undefined ? [`rows=${rows}`] : []),
    ...set,
  ];
}

/** Each view of the app and what a pipeline run put in it, from its steps' outputs. */
export function demoViews(run: PipelineRun): { view: string; what: string }[] {
  const outputs = (...types: string[]): PipelineStepOutput[] =>
    run.steps.filter((s) => types.includes(s.type) && s.outputs !== null).map((s) => s.outputs!);
  const list = (items: readonly string[]) => [...new Set(items)].join('; ');
  const datasets = outputs('import', 'validate', 'transform').map((o) => o.label);
  const runs = outputs('train', 'tune').map((o) => o.label);
  const evaluations = outputs('evaluate').map((o) => o.label);
  const models = outputs('register').map((o) => o.label);
  const batches = outputs('predict').map((o) => o.label);
  const watched = outputs('monitor').map((o) => o.label);
  const views = [
    { view: 'Data', what: list(datasets) },
    {
      view: 'Features',
      what: datasets.length ? 'the default feature spec of any of those datasets' : '',
    },
    { view: 'Experiments', what: list(runs) },
    { view: 'Evaluation', what: list(evaluations) },
    { view: 'Models', what: list(models) },
    { view: 'Deploy', what: list(batches) },
    {
      view: 'Monitor',
      what: watched.length
        ? `drift and performance of the scored rows against their labels; ${list(watched)}`
        : '',
    },
    {
      view: 'Pipelines',
      what: `${run.pipeline}: its graph, this run and its history (run ${run.id.slice(0, 8)})`,
    },
  ];
  return views.filter((v) => v.what !== '');
}

/** What to open once the tour ran: `lathe ui` on the workspace and what each view now shows. */
export function demoNext(run: PipelineRun, workspaceDir: string): string {
  const quoted = /^[\w@%+=:,./-]+$/.test(workspaceDir) ? workspaceDir : `'${workspaceDir}'`;
  if (run.status !== 'succeeded')
    return `Workspace: ${workspaceDir}\nRun \`lathe demo --workspace ${quoted}\` again to go on from the step that stopped it (finished steps are cached).`;
  const views = demoViews(run);
  const width = Math.max(...views.map((v) => v.view.length));
  return [
    `Workspace: ${workspaceDir}`,
    `Open it: lathe ui --workspace ${quoted}`,
    ...views.map((v) => `  ${v.view.padEnd(width)}  ${v.what}`),
    `Run \`lathe demo --workspace ${quoted}\` again: every step is cached and it takes seconds.`,
  ].join('\n');
}
