// `lathe train`, `lathe tune` and `lathe runs …`: training and the runs it records.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LatheError, type RunDetails, type TrainConfig } from '../../../shared/contract';
import { modelLabel } from '../../../shared/model-label';
import { UsageError } from '../args';
import { bool, invoke, num, str, strs, withStandingSession, type Command } from '../command';

/** Trainings own the workspace for minutes: others go through their host (see withStandingSession). */
const TRAIN = { command: 'lathe train', quiet: true };
import { loadTrainConfig } from '../config-file';
import { MODEL_TYPES, applyOverrides, blameOverrides } from '../config-overrides';
import { familySummary } from '../family-output';
import { gitCommitOf } from '../git-source';
import { formatBytes, formatDuration, formatValue, table } from '../output';
import { artifactFileName, checkOutputPath, writeOutputFile } from '../output-file';
import { exitFor, familyWith, trainWith } from '../runners';

/** One or more run ids, as delete, restore and compare take them. */
const RUN_IDS = {
  name: 'ID',
  required: true,
  variadic: true,
  description: 'run ids (unique prefixes are enough)',
};

function humanTags(r: RunDetails): string {
  const tags = Object.entries(r.tags);
  return `Tags of run ${r.id.slice(0, 8)} (${r.name}):${tags.length ? '' : ' none'}\n${tags
    .map(([k, v]) => `  ${k} = ${v}`)
    .join('\n')}`.trimEnd();
}

export function humanRun(r: RunDetails): string {
  const metrics = Object.entries(r.metrics)
    .map(([k, v]) => `  ${k.padEnd(16)} ${formatValue(v)}`)
    .join('\n');
  return [
    `Run ${r.id}  ${r.name}  [${r.status}]${r.error ? `: ${r.error}` : ''}`,
    r.lineage
      ? `  experiment ${r.experiment}, dataset ${r.dataset}, ${r.task} ${r.modelType}, backend ${r.backend ?? '?'}, ${r.durationMs !== null ? formatDuration(r.durationMs) : 'running'}`
      : `  experiment ${r.experiment}, logged through MLflow (${modelLabel(r)}), ${r.durationMs !== null ? formatDuration(r.durationMs) : 'running'}`,
    r.lineage
      ? `  lineage: dataset ${r.lineage.datasetHash.slice(0, 12)}, config ${r.lineage.configHash.slice(0, 12)}, seed ${r.lineage.seed}, Lathe ${r.lineage.latheVersion}`
      : `  lineage: none of Lathe's (no dataset version or train config)`,
    ...(r.warnings.length ? ['Warnings:', ...r.warnings.map((w) => `  ! ${w}`)] : []),
    'Metrics:',
    metrics || '  (none)',
    'Artifacts:',
    r.artifacts
      .map(
        (a) =>
          `  ${a.path.padEnd(24)} ${formatBytes(a.sizeBytes)}  sha256:${a.sha256.slice(0, 12)}`,
      )
      .join('\n') || '  (none)',
  ].join('\n');
}

/** `--model TYPE` and `--set PATH=VALUE`: changes to the config file's options (config-overrides.ts). */
const OVERRIDE_FLAGS: Command['flags'] = {
  model: {
    type: 'string',
    value: 'TYPE',
    description: `train this model type instead of the config's: ${MODEL_TYPES.join(', ')} (options it does not take are left out)`,
  },
  set: {
    type: 'string',
    value: 'PATH=VALUE',
    multiple: true,
    description:
      'set one config option, e.g. model.trees=300 or model.maxDepth=4 (after --model; repeat for more)',
  },
};

/** Sets the config's project from `--project` when given (before the config is parsed). */
function withProject(ctx: Parameters<Command['run']>[0]): (raw: Record<string, unknown>) => void {
  const project = str(ctx, 'project');
  return (raw) => {
    if (project !== undefined) raw.project = project;
  };
}

export const train: Command = {
  path: ['train'],
  summary: 'Train a model from a YAML or JSON config; prints the finished run record.',
  positionals: [],
  flags: {
    config: {
      type: 'string',
      value: 'FILE',
      required: true,
      description: 'train config (YAML or JSON)',
    },
    project: {
      type: 'string',
      value: 'NAME',
      description: "the run's project (default: the config's project, else the dataset's)",
    },
    ...OVERRIDE_FLAGS,
  },
  async run(ctx) {
    const file = str(ctx, 'config')!;
    const overrides = { model: str(ctx, 'model'), set: strs(ctx, 'set') };
    let note = '';
    let config: TrainConfig;
    try {
      config = loadTrainConfig(file, (raw) => {
        withProject(ctx)(raw);
        note = applyOverrides(raw, overrides);
      });
    } catch (err) {
      throw blameOverrides(err, overrides);
    }
    if (note) ctx.say(note);
    if (config.search) {
      throw new LatheError(
        'INVALID_CONFIG',
        `${file}: search: this config searches hyperparameters; run it with lathe tune --config ${file}`,
        { file, field: 'search' },
      );
    }
    const gitCommit = gitCommitOf(file) ?? undefined;
    if (config.crossValidation && config.crossValidation.fold === undefined) {
      const out = await withStandingSession(ctx, TRAIN, (s) =>
        familyWith(s.api, ctx, config, gitCommit),
      );
      ctx.result(out.run, () => familySummary(out.run, out.report));
      return exitFor(out.run);
    }
    const run = await withStandingSession(ctx, TRAIN, (s) =>
      trainWith(s.api, ctx, config, undefined, gitCommit),
    );
    ctx.result(run, () => humanRun(run));
    return exitFor(run);
  },
};

export const tune: Command = {
  path: ['tune'],
  summary:
    'Search hyperparameters: trials of a config with a search space, several at once, with a live table; prints the best trial.',
  positionals: [],
  flags: {
    config: {
      type: 'string',
      value: 'FILE',
      required: true,
      description: 'train config (YAML or JSON) with a `search:` section',
    },
    trials: { type: 'number', value: 'N', description: 'run N trials (overrides search.trials)' },
    parallel: {
      type: 'number',
      value: 'N',
      description: 'train N trials at once (default: CPU cores)',
    },
    strategy: {
      type: 'string',
      value: 'NAME',
      description: 'grid, random or tpe (overrides search.strategy)',
    },
    project: {
      type: 'string',
      value: 'NAME',
      description: "the run's project (default: the config's project, else the dataset's)",
    },
    ...OVERRIDE_FLAGS,
  },
  async run(ctx) {
    const file = str(ctx, 'config')!;
    const overrides = {
      trials: num(ctx, 'trials'),
      parallel: num(ctx, 'parallel'),
      strategy: str(ctx, 'strategy'),
    };
    const changes = {
      model: str(ctx, 'model'),
      set: strs(ctx, 'set'),
      flags: Object.entries(overrides).flatMap(([k, v]) =>
        v === undefined ? [] : [{ given: `--${k} ${v}`, path: `search.${k}` }],
      ),
    };
    let note = '';
    const load = () =>
      loadTrainConfig(file, (raw) => {
        withProject(ctx)(raw);
        note = applyOverrides(raw, changes);
        const search = raw.search;
        if (typeof search !== 'object' || search === null) {
          throw new LatheError(
            'INVALID_CONFIG',
            `${file}: search: the config has no search space; add a search: section with a space to tune`,
            { file, field: 'search' },
          );
        }
        for (const [k, v] of Object.entries(overrides))
          if (v !== undefined) (search as Record<string, unknown>)[k] = v;
      });
    let config: TrainConfig;
    try {
      config = load();
    } catch (err) {
      throw blameOverrides(err, changes);
    }
    if (note) ctx.say(note);
    const out = await withStandingSession(ctx, { command: 'lathe tune', quiet: true }, (s) =>
      familyWith(s.api, ctx, config, gitCommitOf(file) ?? undefined),
    );
    ctx.result(out, () => familySummary(out.run, out.report));
    return exitFor(out.run);
  },
};

export const runsList: Command = {
  path: ['runs', 'list'],
  opensWorkspace: true,
  summary: 'List runs, newest first.',
  positionals: [],
  flags: {
    experiment: { type: 'string', value: 'NAME', description: 'only this experiment' },
    project: { type: 'string', value: 'NAME', description: 'only this project' },
    limit: { type: 'number', value: 'N', description: 'at most N runs (default 1000)' },
    filter: {
      type: 'string',
      value: 'QUERY',
      description:
        'only runs matching QUERY, e.g. "metrics.val_auc > 0.8 and params.model.type = \'mlp\'"',
    },
    'order-by': {
      type: 'string',
      value: 'FIELD',
      description:
        "sort by an attribute, metrics.<key> or params.<key>, e.g. 'metrics.val_auc desc'",
    },
    deleted: { type: 'boolean', description: 'also list soft-deleted runs' },
  },
  async run(ctx) {
    const runs = await invoke(ctx, 'runs:list', {
      experiment: str(ctx, 'experiment'),
      project: str(ctx, 'project'),
      limit: num(ctx, 'limit') ?? 1000,
      filter: str(ctx, 'filter'),
      orderBy: str(ctx, 'order-by'),
      deleted: bool(ctx, 'deleted'),
    });
    const keys = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))]
      .filter((k) => k.startsWith('val_') && k !== 'val_loss')
      .sort();
    ctx.result(runs, () =>
      runs.length
        ? table(
            ['id', 'name', 'status', 'dataset', 'model', 'backend', 'duration', ...keys],
            runs.map((r) => [
              r.id.slice(0, 8),
              r.name,
              r.deletedAt ? `${r.status} (deleted)` : r.status,
              r.dataset ?? '—',
              modelLabel(r),
              r.backend,
              r.durationMs !== null ? formatDuration(r.durationMs) : '',
              ...keys.map((k) => r.metrics[k] ?? null),
            ]),
          )
        : str(ctx, 'filter')
          ? 'No runs match the filter.'
          : 'No runs yet. Train one: lathe train --config FILE',
    );
    return 0;
  },
};

export const runsCompare: Command = {
  path: ['runs', 'compare'],
  opensWorkspace: true,
  summary:
    'Compare runs side by side: params (differences marked) and final metrics (best marked).',
  positionals: [
    {
      name: 'ID',
      required: true,
      variadic: true,
      description: 'two or more run ids (unique prefixes are enough)',
    },
  ],
  flags: {
    'only-differences': { type: 'boolean', description: 'show only the params that differ' },
  },
  async run(ctx) {
    const r = await invoke(ctx, 'runs:compare', { ids: ctx.args.positionals });
    const only = bool(ctx, 'only-differences');
    ctx.result(only ? { ...r, params: r.params.filter((p) => p.differs) } : r, () => {
      const header = ['', ...r.runs.map((run) => `${run.name} (${run.id.slice(0, 8)})`)];
      const params = r.params
        .filter((p) => !only || p.differs)
        .map((p) => [`${p.differs ? '≠ ' : '  '}${p.key}`, ...p.values.map((v) => v ?? '—')]);
      const metrics = r.metrics.map((m) => [
        `  ${m.key}`,
        ...m.values.map((v, i) =>
          v === null ? '—' : `${formatValue(v)}${i === m.best ? ' *' : ''}`,
        ),
      ]);
      return `Params${only ? ' (differences only)' : ' (≠ differs)'}\n${table(header, params, 28)}\n\nMetrics (* best)\n${table(header, metrics, 28)}`;
    });
    return 0;
  },
};

export const runsDelete: Command = {
  path: ['runs', 'delete'],
  summary: 'Soft-delete runs: hidden from lists until restored; `lathe gc` purges them for good.',
  positionals: [RUN_IDS],
  flags: {},
  async run(ctx) {
    const r = await invoke(ctx, 'runs:delete', { ids: ctx.args.positionals });
    ctx.result(
      r,
      () => `Deleted ${r.deleted} run(s); restore with lathe runs restore ID, purge with lathe gc`,
    );
    return 0;
  },
};

export const runsRestore: Command = {
  path: ['runs', 'restore'],
  summary: 'Bring soft-deleted runs back.',
  positionals: [RUN_IDS],
  flags: {},
  async run(ctx) {
    const r = await invoke(ctx, 'runs:restore', { ids: ctx.args.positionals });
    ctx.result(r, () => `Restored ${r.restored} run(s)`);
    return 0;
  },
};

export const runsResume: Command = {
  path: ['runs', 'resume'],
  summary:
    'Continue an interrupted (or cancelled, or failed) run from its last epoch checkpoint, under the same id (an interrupted run with no checkpoint yet restarts from the first epoch); Ctrl-C cancels.',
  positionals: [{ name: 'ID', required: true, description: 'run id (a unique prefix is enough)' }],
  flags: {},
  async run(ctx) {
    const run = await withStandingSession(ctx, { command: 'lathe runs resume', quiet: true }, (s) =>
      trainWith(s.api, ctx, null, ctx.args.positionals[0] ?? ''),
    );
    ctx.result(run, () => humanRun(run));
    return exitFor(run);
  },
};

export const runsShow: Command = {
  path: ['runs', 'show'],
  opensWorkspace: true,
  summary: 'Show one run: params, metrics, lineage and artifacts.',
  positionals: [{ name: 'ID', required: true, description: 'run id (a unique prefix is enough)' }],
  flags: {},
  async run(ctx) {
    const run = await invoke(ctx, 'runs:get', { id: ctx.args.positionals[0]! });
    ctx.result(
      run,
      () =>
        `${humanRun(run)}\nParams:\n${Object.entries(run.params)
          .map(([k, v]) => `  ${k.padEnd(28)} ${v}`)
          .join('\n')}`,
    );
    return 0;
  },
};

export const runsArtifact: Command = {
  path: ['runs', 'artifact'],
  summary: "Save one of a run's artifacts (a path runs show lists) to a file.",
  positionals: [
    { name: 'ID', required: true, description: 'run id (a unique prefix is enough)' },
    { name: 'PATH', required: true, description: 'the artifact path, e.g. model/model.json' },
  ],
  flags: {
    out: {
      type: 'string',
      value: 'FILE',
      description: 'where to save it (default: its file name)',
    },
    overwrite: { type: 'boolean', description: 'replace the file when it exists' },
  },
  async run(ctx) {
    const [id, path] = ctx.args.positionals as [string, string];
    // The default name is the artifact's last path segment, in the current folder, never a path it carries.
    const out = checkOutputPath(str(ctx, 'out') ?? artifactFileName(path), {
      flag: '--out',
      refuseExisting: true,
      overwrite: bool(ctx, 'overwrite'),
    });
    // The blob sits in this machine's artifact store (the host is loopback only): copy it, any size.
    const artifact = await invoke(ctx, 'runs:artifact', { id, path });
    writeOutputFile(out, { from: artifact.file }, '--out');
    const saved = { ...artifact, out };
    ctx.result(saved, () => `Saved ${path} (${formatBytes(artifact.sizeBytes)}) to ${out}`);
    return 0;
  },
};

export const runsTag: Command = {
  path: ['runs', 'tag'],
  summary: 'Set tags on a run (KEY=VALUE; an existing key is overwritten) and delete others.',
  positionals: [
    { name: 'ID', required: true, description: 'run id (a unique prefix is enough)' },
    { name: 'KEY=VALUE', required: false, variadic: true, description: 'tags to set' },
  ],
  flags: {
    delete: { type: 'string', value: 'KEY', multiple: true, description: 'a tag to remove' },
  },
  async run(ctx) {
    const [id, ...pairs] = ctx.args.positionals;
    const del = strs(ctx, 'delete');
    if (!pairs.length && !del.length)
      throw new UsageError('give at least one KEY=VALUE to set or --delete KEY to remove');
    const set: Record<string, string> = {};
    for (const pair of pairs) {
      const eq = pair.indexOf('=');
      if (eq < 0) throw new UsageError(`tag '${pair}' is not KEY=VALUE`);
      set[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    const run = await invoke(ctx, 'runs:update', { id: id!, tags: { set, delete: del } });
    ctx.result(run, () => humanTags(run));
    return 0;
  },
};

export const runsNote: Command = {
  path: ['runs', 'note'],
  summary: "Replace a run's notes (markdown) with TEXT or the contents of a file; '' clears them.",
  positionals: [{ name: 'ID', required: true, description: 'run id (a unique prefix is enough)' }],
  flags: {
    text: { type: 'string', value: 'TEXT', description: 'the notes' },
    file: { type: 'string', value: 'PATH', description: 'read the notes from this file' },
  },
  async run(ctx) {
    const text = str(ctx, 'text');
    const file = str(ctx, 'file');
    if ((text === undefined) === (file === undefined))
      throw new UsageError('give exactly one of --text TEXT or --file PATH');
    let notes = text ?? '';
    if (file !== undefined) {
      try {
        notes = readFileSync(resolve(file), 'utf8');
      } catch (err) {
        throw new LatheError(
          'INVALID_INPUT',
          `cannot read notes file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
          { file },
        );
      }
    }
    const run = await invoke(ctx, 'runs:update', { id: ctx.args.positionals[0]!, notes });
    ctx.result(
      run,
      () =>
        `Notes of run ${run.id.slice(0, 8)} (${run.name}): ${(run.notes ?? '').length} characters`,
    );
    return 0;
  },
};

export const runsRename: Command = {
  path: ['runs', 'rename'],
  summary: 'Rename a run.',
  positionals: [
    { name: 'ID', required: true, description: 'run id (a unique prefix is enough)' },
    { name: 'NAME', required: true, description: 'the new name' },
  ],
  flags: {},
  async run(ctx) {
    const [id, name] = ctx.args.positionals;
    const run = await invoke(ctx, 'runs:update', { id: id!, name: name! });
    ctx.result(run, () => `Renamed run ${run.id.slice(0, 8)} to ${run.name}`);
    return 0;
  },
};
