// `lathe runs config`: a run's train config, to edit and train again (Clone in the app).
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { stringify } from 'yaml';
import { cloneTrainConfig } from '../../../shared/config/clone-config';
import { LatheError } from '../../../shared/contract';
import { invoke, str, type Command } from '../command';

export const runsConfig: Command = {
  path: ['runs', 'config'],
  summary:
    "Print a run's train config as YAML to edit and train again (without its name and fold), as Clone does in the app.",
  positionals: [{ name: 'ID', required: true, description: 'run id (a unique prefix is enough)' }],
  flags: {
    out: {
      type: 'string',
      value: 'FILE',
      description: 'write the YAML to FILE (then: lathe train --config FILE)',
    },
  },
  async run(ctx) {
    const run = await invoke(ctx, 'runs:get', { id: ctx.args.positionals[0]! });
    if (!run.config || !run.lineage)
      throw new LatheError(
        'INVALID_INPUT',
        `run ${run.id} was logged through MLflow: it has no train config to write`,
        { id: run.id },
      );
    const config = cloneTrainConfig(run.config, {
      dataset: run.lineage.dataset,
      project: run.project,
    });
    const yaml = stringify(config, { lineWidth: 0 });
    const given = str(ctx, 'out');
    const out = given === undefined ? null : resolve(given);
    if (out) writeFileSync(out, yaml);
    ctx.result({ runId: run.id, config, out }, () =>
      out
        ? `Wrote the config of run ${run.id.slice(0, 8)} (${run.name}) to ${out}`
        : yaml.trimEnd(),
    );
    return 0;
  },
};
