// lathe pipeline export argo|k8s-jobs FILE: the pipeline as manifests that run it on a cluster.
import { resolve } from 'node:path';
import type { PipelineExportOut } from '../../../shared/contract';
import { UsageError } from '../args';
import { givenStrs, invoke, str, strs, type Command } from '../command';

const FORMATS = ['argo', 'k8s-jobs'] as const;

function human(r: PipelineExportOut, namespace: string | undefined): string {
  const ns = namespace ? ` -n ${namespace}` : '';
  const next =
    r.format === 'argo'
      ? [`kubectl${ns} apply -f ${r.dir}/k8s/`, `argo submit${ns} --watch ${r.dir}/workflow.yaml`]
      : [`${r.dir}/apply.sh`];
  return [
    `${r.format === 'argo' ? 'Argo Workflow' : 'Kubernetes Jobs'} of ${r.steps} steps in ${r.dir}: ${r.files.join(', ')}`,
    'Build the image first (lathe export docker --cli --out DIR; docker build), then:',
    ...next.map((line) => `  ${line}`),
    `(${r.dir}/README.md says what the steps read and where)`,
  ].join('\n');
}

export const pipelineExportCommand: Command = {
  path: ['pipeline', 'export'],
  summary:
    'Write a pipeline as an Argo Workflow (argo: a DAG of the steps, each memoized by its cache key) or Kubernetes Jobs with an apply.sh (k8s-jobs), each step a container of the Lathe CLI image on a workspace claim.',
  positionals: [
    { name: 'FORMAT', required: true, description: 'argo or k8s-jobs' },
    { name: 'FILE', required: true, description: 'the pipeline file (YAML or JSON)' },
  ],
  flags: {
    image: {
      type: 'string',
      value: 'IMAGE',
      required: true,
      description: 'the Lathe CLI image the steps run (built from lathe export docker --cli)',
    },
    out: { type: 'string', value: 'DIR', required: true, description: 'a new (or empty) folder' },
    namespace: {
      type: 'string',
      value: 'NS',
      description: "the Kubernetes namespace (default: the kubectl context's)",
    },
    claim: {
      type: 'string',
      value: 'NAME',
      description: 'an existing PersistentVolumeClaim for the workspace (default: one is created)',
    },
    storage: {
      type: 'string',
      value: 'SIZE',
      description: 'the size of the claim the manifests create (default 20Gi)',
    },
    set: {
      type: 'string',
      value: 'NAME=VALUE',
      multiple: true,
      description: 'set a parameter of the file, in the manifests too (repeat for more)',
    },
  },
  async run(ctx) {
    const format = ctx.args.positionals[0]!;
    if (!(FORMATS as readonly string[]).includes(format))
      throw new UsageError(`FORMAT is argo or k8s-jobs, not '${format}'`);
    const r = await invoke(ctx, 'pipeline:export', {
      format: format as (typeof FORMATS)[number],
      // Absolute before they leave this process: the workspace owner may run in another folder.
      file: resolve(ctx.args.positionals[1]!),
      out: resolve(str(ctx, 'out')!),
      image: str(ctx, 'image')!,
      set: strs(ctx, 'set'),
      ...givenStrs(ctx, 'namespace', 'claim', 'storage'),
    });
    ctx.result(r, () => human(r, str(ctx, 'namespace')));
    return 0;
  },
};
