// `lathe pipeline export argo|k8s-jobs` and `lathe export docker --cli` through the real CLI, the dispatcher
// and the workspace's handlers.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Workflow } from '@kubernetes-models/argo-workflows/argoproj.io/v1alpha1/Workflow';
import { latheVersion } from '../../main/version';
import { lathe } from '../helpers/cli';
import { FIXTURES, tempDir } from '../helpers/workspace';

const t = tempDir('lathe-cli-pipeline-export-');
afterAll(() => t.remove());
const W = join(t.dir, 'ws');
const FILE = join(FIXTURES, 'pipelines', 'flights.yaml');

describe('lathe pipeline export', () => {
  it('writes an Argo Workflow from a relative file and out folder, with --set in every step', () => {
    const cwd = join(t.dir, 'project');
    mkdirSync(cwd);
    copyFileSync(FILE, join(cwd, 'flights.yaml'));
    const r = lathe(
      [
        'pipeline',
        'export',
        'argo',
        'flights.yaml',
        '--image',
        'reg/lathe:1',
        '--out',
        '../argo-out',
        '--set',
        'trees=20',
        '--namespace',
        'ml',
        '--workspace',
        W,
        '--json',
      ],
      {},
      cwd,
    );
    expect(r.code, r.stderr).toBe(0);
    const out = join(t.dir, 'argo-out');
    expect(r.json).toMatchObject({ dir: out, format: 'argo', steps: 8 });
    const wf = parse(readFileSync(join(out, 'workflow.yaml'), 'utf8')) as {
      metadata: { namespace: string };
      spec: { templates: { container?: { command: string[] } }[] };
    };
    expect(() => new Workflow(wf as never).validate()).not.toThrow();
    expect(wf.metadata.namespace).toBe('ml');
    for (const tpl of wf.spec.templates.filter((x) => x.container))
      expect(tpl.container!.command.join(' ')).toContain('--set trees=20 --only');
  });

  it('writes Kubernetes Jobs; a format it does not know is a usage error', () => {
    const out = join(t.dir, 'jobs');
    const r = lathe([
      'pipeline',
      'export',
      'k8s-jobs',
      FILE,
      '--image',
      'reg/lathe:1',
      '--out',
      out,
      '--workspace',
      W,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect((r.json as { files: string[] }).files).toContain('apply.sh');
    const bad = lathe([
      'pipeline',
      'export',
      'helm',
      FILE,
      '--image',
      'i',
      '--out',
      join(t.dir, 'x'),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("FORMAT is argo or k8s-jobs, not 'helm'");
    expect(existsSync(join(t.dir, 'x'))).toBe(false);
  });

  it('refuses a non-empty out folder, naming it, and leaves it as it was', () => {
    const out = join(t.dir, 'full');
    mkdirSync(out);
    writeFileSync(join(out, 'keep.txt'), 'mine');
    const r = lathe([
      'pipeline',
      'export',
      'argo',
      FILE,
      '--image',
      'reg/lathe:1',
      '--out',
      out,
      '--workspace',
      W,
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`the folder ${out} is not empty`);
    expect(readdirSync(out)).toEqual(['keep.txt']);
  });
});

describe('lathe export docker --cli', () => {
  it('writes the CLI image context', () => {
    const out = join(t.dir, 'cli-ctx');
    const r = lathe(['export', 'docker', '--cli', '--out', out, '--workspace', W, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ dir: out, image: `lathe-cli:${latheVersion()}` });
    expect(readFileSync(join(out, 'Dockerfile'), 'utf8')).toContain('ENTRYPOINT ["lathe"]');
  });

  it('a model version with --cli is a usage error naming both', () => {
    const out = join(t.dir, 'both');
    const r = lathe(['export', 'docker', 'm@champion', '--cli', '--out', out, '--workspace', W]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('m@champion');
    expect(r.stderr).toContain('--cli');
    expect(existsSync(out)).toBe(false);
  });
});
