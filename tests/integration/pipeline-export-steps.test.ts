// An exported Argo Workflow run as the cluster runs it: the ConfigMap's files at the pod's mount, a folder
// for the workspace's claim, and each template's command, one step per container, in the DAG's order.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { lathe } from '../helpers/cli';
import { FIXTURES, tempDir } from '../helpers/workspace';

const t = tempDir('lathe-pipeline-export-steps-');
afterAll(() => t.remove());

describe('an exported Workflow run step by step, as the cluster runs it', () => {
  it('each container runs its one step (the ones before cached), and a second pass caches every step', () => {
    const dir = join(t.dir, 'weather');
    mkdirSync(dir);
    copyFileSync(join(FIXTURES, 'seattle-weather.csv'), join(dir, 'seattle-weather.csv'));
    writeFileSync(
      join(dir, 'suite.yaml'),
      'name: weather\nexpectations:\n  - { type: column_exists, column: weather }\n',
    );
    writeFileSync(
      join(dir, 'weather.yaml'),
      `name: weather
params:
  data: seattle-weather.csv
steps:
  - { id: raw_data, type: import, file: '\${params.data}' }
  - { id: checked, type: validate, from: raw_data, suite: suite.yaml }
  - id: train
    type: train
    from: checked
    config:
      target: weather
      task: multiclass
      features: [precipitation, temp_max, temp_min, wind]
      model: { type: gbdt, trees: 5 }
      seed: 1
  - { id: evaluate, type: evaluate, from: train }
`,
    );
    const out = join(t.dir, 'weather-argo');
    const data = join(dir, 'seattle-weather.csv');
    const exported = lathe([
      'pipeline',
      'export',
      'argo',
      join(dir, 'weather.yaml'),
      '--image',
      'reg/lathe:1',
      '--out',
      out,
      '--set',
      `data=${data}`,
      '--workspace',
      join(t.dir, 'export-ws'),
    ]);
    expect(exported.code, exported.stderr).toBe(0);

    // The ConfigMap's files where the pod mounts them, and a folder for the claim.
    const cm = parse(readFileSync(join(out, 'k8s/pipeline-configmap.yaml'), 'utf8')) as {
      data: Record<string, string>;
    };
    const wf = parse(readFileSync(join(out, 'workflow.yaml'), 'utf8')) as {
      spec: {
        volumes: { configMap?: { items: { key: string; path: string }[] } }[];
        templates: {
          name: string;
          dag?: { tasks: { name: string; template: string }[] };
          container?: { command: string[] };
        }[];
      };
    };
    const mount = join(t.dir, 'mount');
    for (const item of wf.spec.volumes.find((v) => v.configMap)!.configMap!.items) {
      mkdirSync(dirname(join(mount, item.path)), { recursive: true });
      writeFileSync(join(mount, item.path), cm.data[item.key]!);
    }
    const claim = join(t.dir, 'claim');
    const pass = () =>
      wf.spec.templates[0]!.dag!.tasks.map((task) => {
        const command = wf.spec.templates.find((x) => x.name === task.template)!.container!.command;
        expect(command[0]).toBe('lathe');
        const args = command
          .slice(1)
          .map((a) => (a === '/workspace' ? claim : a.replace(/^\/pipeline\//, `${mount}/`)));
        const r = lathe(args);
        expect(r.code, `${task.name}: ${r.stderr}`).toBe(0);
        const run = r.json as { steps: { id: string; status: string }[] };
        return run.steps.map((s) => `${s.id}:${s.status}`).join(' ');
      });
    expect(pass()).toEqual([
      'raw_data:succeeded checked:skipped train:skipped evaluate:skipped',
      'raw_data:cached checked:succeeded train:skipped evaluate:skipped',
      'raw_data:cached checked:cached train:succeeded evaluate:skipped',
      'raw_data:cached checked:cached train:cached evaluate:succeeded',
    ]);
    expect(pass().at(-1)).toBe('raw_data:cached checked:cached train:cached evaluate:cached');
  });
});
