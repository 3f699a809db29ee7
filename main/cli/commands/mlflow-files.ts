// `lathe import mlruns DIR` and `lathe export mlflow-model NAME@VERSION --out DIR`: MLflow's folders on disk.
// Both go through the contract channels, so they work in the owning process and through a running app's
// host alike (paths are made absolute here: the owner may run in another folder).
import { resolve } from 'node:path';
import type { MlflowModelExportOut, MlrunsImportOut } from '../../../shared/contract/mlflow-import';
import { str, withSession, type Command } from '../command';
import { createProgress, formatBytes } from '../output';

function humanImport(r: MlrunsImportOut): string {
  const lines = [
    `Imported ${r.dir}: ${r.runs.added} new run(s), ${r.runs.updated} updated, ${r.runs.unchanged} unchanged`,
    `  ${r.added.metricPoints} metric points, ${r.added.params} params, ${r.added.tags} tags, ${r.added.artifacts} artifacts (${formatBytes(r.added.artifactBytes)})`,
  ];
  if (r.added.models || r.added.versions || r.added.aliases)
    lines.push(
      `  ${r.added.models} registered model(s), ${r.added.versions} version(s), ${r.added.aliases} alias(es)`,
    );
  for (const e of r.experiments)
    lines.push(
      `  experiment ${e.name} (MLflow ${e.mlflowId} → ${e.id}${e.created ? ', new' : ''}${e.deleted ? ', deleted' : ''}): ${e.runs} run(s)`,
    );
  for (const [from, to] of Object.entries(r.renamed))
    lines.push(`  run ${from} was taken: imported as ${to}`);
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  return lines.join('\n');
}

function humanExport(r: MlflowModelExportOut): string {
  return (
    `MLflow model for ${r.model}@${r.version} in ${r.dir}: ${r.files.length} files, ${formatBytes(r.bytes)} (model_uuid ${r.modelUuid})\n` +
    `  python -c "import mlflow; print(mlflow.pyfunc.load_model('${r.dir}'))"`
  );
}

export const mlflowFileCommands: Command[] = [
  {
    path: ['import', 'mlruns'],
    summary:
      'Import an MLflow file-store folder (mlruns/): experiments, runs with params, metric histories, tags and artifacts, registered models. A second import adds nothing.',
    positionals: [{ name: 'DIR', required: true, description: 'the mlruns folder' }],
    flags: {},
    async run(ctx) {
      const dir = resolve(ctx.args.positionals[0]!);
      const out = await withSession(ctx, async ({ api }) => {
        const bar = createProgress(ctx.io.stderr, !ctx.json);
        const off = api.on('data:progress', (p) => {
          if (p.op !== 'mlruns' || p.name !== dir) return;
          bar.update(p.fraction, p.message);
        });
        try {
          return await api.invoke('mlflow:import-mlruns', { dir });
        } finally {
          off();
          bar.done();
        }
      });
      ctx.result(out, () => humanImport(out));
      return 0;
    },
  },
  {
    path: ['export', 'mlflow-model'],
    summary:
      'Write a model version as an MLflow model folder (MLmodel with the onnx flavor, model.onnx, signature, input example, environment files).',
    positionals: [
      {
        name: 'NAME@VERSION',
        required: true,
        description: 'the model version (NAME@3, NAME@alias)',
      },
    ],
    flags: {
      out: { type: 'string', value: 'DIR', required: true, description: 'a new (or empty) folder' },
    },
    async run(ctx) {
      const out = await withSession(ctx, ({ api }) =>
        api.invoke('mlflow:export-model', {
          ref: ctx.args.positionals[0]!,
          out: resolve(str(ctx, 'out')!),
        }),
      );
      ctx.result(out, () => humanExport(out));
      return 0;
    },
  },
];
