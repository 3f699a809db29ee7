import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Workflow } from '@kubernetes-models/argo-workflows/argoproj.io/v1alpha1/Workflow';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { PipelineExportIn } from '../../../../shared/contract';
import { exportPipeline, memoKeys, uniqueDnsNames } from '../../../../main/pipeline/export-argo';
import { loadPipeline, type PipelineGraph } from '../../../../main/pipeline/graph';

const FIXTURE = resolve(__dirname, '../../../fixtures/pipelines/flights.yaml');
const DNS_1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'lathe-export-argo-'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

const input = (over: Record<string, unknown>) =>
  PipelineExportIn.parse({ file: FIXTURE, image: 'registry.example/lathe:0.1.0', ...over });

const readYaml = <T>(file: string) => parse(readFileSync(file, 'utf8')) as T;

interface Task {
  name: string;
  template: string;
  dependencies?: string[];
}
interface Template {
  name: string;
  dag?: { tasks: Task[] };
  memoize?: { key: string; cache: { configMap: { name: string } } };
  metadata?: { annotations: Record<string, string> };
  container?: { image: string; command: string[] };
}
interface WorkflowDoc {
  spec: { parallelism: number; templates: Template[]; volumes: unknown[] };
}

async function exportArgo(graph: PipelineGraph, out: string, set: string[] = []) {
  const result = await exportPipeline(graph, input({ out, set }), FIXTURE);
  const wf = readYaml<WorkflowDoc>(join(out, 'workflow.yaml'));
  const byStep = new Map(
    wf.spec.templates
      .filter((t) => t.container)
      .map((t) => [t.metadata!.annotations['ai.lathe/step']!, t]),
  );
  return { result, wf, byStep };
}

describe('exportPipeline (argo)', () => {
  it('writes an Argo Workflow, ConfigMaps and a claim that validate against the Argo and Kubernetes models', async () => {
    const graph = loadPipeline(FIXTURE);
    const out = join(tmp, 'argo');
    const { result, wf } = await exportArgo(graph, out);
    expect(result).toMatchObject({ dir: out, format: 'argo', steps: 8 });
    expect(result.files).toEqual([
      'README.md',
      'k8s/memo-cache.yaml',
      'k8s/pipeline-configmap.yaml',
      'k8s/workspace-pvc.yaml',
      'workflow.yaml',
    ]);
    expect(() => new Workflow(wf as never).validate()).not.toThrow();
    const cm = readYaml<{ data: Record<string, string> }>(join(out, 'k8s/pipeline-configmap.yaml'));
    expect(() => new ConfigMap(cm as never).validate()).not.toThrow();
    expect(cm.data['flights.yaml']).toBe(readFileSync(FIXTURE, 'utf8'));
    const memo = readYaml<{ metadata: { labels: Record<string, string> } }>(
      join(out, 'k8s/memo-cache.yaml'),
    );
    expect(() => new ConfigMap(memo as never).validate()).not.toThrow();
    expect(memo.metadata.labels['workflows.argoproj.io/configmap-type']).toBe('Cache');
    const pvc = readYaml<{ spec: { resources: { requests: { storage: string } } } }>(
      join(out, 'k8s/workspace-pvc.yaml'),
    );
    expect(() => new PersistentVolumeClaim(pvc as never).validate()).not.toThrow();
    expect(pvc.spec.resources.requests.storage).toBe('20Gi');
    // Steps one at a time: the workspace has one writer.
    expect(wf.spec.parallelism).toBe(1);
  });

  it('the validation the tests rely on refuses a malformed Workflow', async () => {
    const out = join(tmp, 'argo');
    const { wf } = await exportArgo(loadPipeline(FIXTURE), out);
    const dag = wf.spec.templates.find((t) => t.dag)!;
    (dag.dag!.tasks[1] as unknown as { dependencies: string }).dependencies = 'flights';
    expect(() => new Workflow(wf as never).validate()).toThrow(/dependencies must be array/);
  });

  it("the DAG's tasks are the steps, with the graph's inputs as dependencies, each running its step", async () => {
    const graph = loadPipeline(FIXTURE);
    const { wf, byStep } = await exportArgo(graph, join(tmp, 'argo'), ['trees=20']);
    const tasks = wf.spec.templates.find((t) => t.dag)!.dag!.tasks;
    const taskOf = new Map([...byStep].map(([id, t]) => [t.name, id]));
    expect(tasks.map((t) => taskOf.get(t.name))).toEqual(graph.order);
    for (const task of tasks) {
      const id = taskOf.get(task.name)!;
      expect(task.name).toMatch(DNS_1123);
      const want = [...new Set(graph.inputs[id]!.map((i) => i.id))].sort();
      expect((task.dependencies ?? []).map((d) => taskOf.get(d)).sort()).toEqual(want);
      expect(byStep.get(id)!.container!.command).toEqual([
        'lathe',
        'pipeline',
        'run',
        '/pipeline/flights.yaml',
        '--workspace',
        '/workspace',
        '--set',
        'trees=20',
        '--only',
        id,
        '--json',
      ]);
    }
    expect(graph.inputs.watch!.map((i) => i.id)).toEqual(['register', 'score']);
  });

  it("a changed train config changes train's memo key and its dependents', not the steps before it", async () => {
    const before = await exportArgo(loadPipeline(FIXTURE), join(tmp, 'a'));
    const after = await exportArgo(loadPipeline(FIXTURE, ['trees=200']), join(tmp, 'b'));
    const key = (r: typeof before, id: string) => r.byStep.get(id)!.memoize!.key;
    for (const id of ['flights', 'checked']) expect(key(after, id)).toBe(key(before, id));
    for (const id of ['train', 'evaluate', 'gate', 'register', 'score', 'watch'])
      expect(key(after, id)).not.toBe(key(before, id));
    for (const t of before.byStep.values()) {
      expect(t.memoize!.key).toMatch(/^[0-9a-f]{64}$/);
      expect(t.memoize!.cache.configMap.name).toBe('lathe-flights-delay-memo');
    }
    // Lathe's version is in every key.
    const other = memoKeys(loadPipeline(FIXTURE), [], '9.9.9');
    expect(other.flights).not.toBe(key(before, 'flights'));
  });

  it('ships a config file the pipeline names in its ConfigMap, and its content is in the memo key', async () => {
    const dir = join(tmp, 'p');
    mkdirSync(join(dir, 'configs'), { recursive: true });
    const file = join(dir, 'pipe.yaml');
    writeFileSync(
      file,
      `name: Small_Pipe
steps:
  - { id: Raw_Data, type: import, file: /data/a.csv }
  - { id: raw-data, type: import, file: /data/b.csv }
  - { id: checked, type: validate, from: Raw_Data, suite: configs/suite.yaml }
`,
    );
    const suite = (min: number) =>
      `name: s\nexpectations:\n  - { type: range, column: x, min: ${min} }\n`;
    writeFileSync(join(dir, 'configs/suite.yaml'), suite(0));
    const run = async (out: string) => {
      await exportPipeline(loadPipeline(file), input({ file, out }), file);
      return readYaml<WorkflowDoc>(join(out, 'workflow.yaml'));
    };
    const first = await run(join(tmp, 'one'));
    const cm = readYaml<{ data: Record<string, string> }>(
      join(tmp, 'one/k8s/pipeline-configmap.yaml'),
    );
    expect(cm.data['configs_suite.yaml']).toBe(suite(0));
    const volume = first.spec.volumes[1] as { configMap: { items: unknown[] } };
    expect(volume.configMap.items).toEqual([
      { key: 'pipe.yaml', path: 'pipe.yaml' },
      { key: 'configs_suite.yaml', path: 'configs/suite.yaml' },
    ]);
    const names = first.spec.templates.map((t) => t.name);
    expect(names).toEqual(['pipeline', 'raw-data', 'raw-data-2', 'checked']);
    writeFileSync(join(dir, 'configs/suite.yaml'), suite(1));
    const second = await run(join(tmp, 'two'));
    const keyOf = (wf: WorkflowDoc, name: string) =>
      wf.spec.templates.find((t) => t.name === name)!.memoize!.key;
    expect(keyOf(second, 'raw-data')).toBe(keyOf(first, 'raw-data'));
    expect(keyOf(second, 'checked')).not.toBe(keyOf(first, 'checked'));
  });

  it('refuses a step whose named file is missing, writing nothing', async () => {
    const file = join(tmp, 'pipe.yaml');
    writeFileSync(
      file,
      `name: p
steps:
  - { id: raw, type: import, file: /data/a.csv }
  - { id: checked, type: validate, from: raw, suite: missing.yaml }
`,
    );
    const out = join(tmp, 'out');
    await expect(exportPipeline(loadPipeline(file), input({ file, out }), file)).rejects.toThrow(
      /step 'checked' suite: cannot read missing\.yaml/,
    );
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(tmp).sort()).toEqual(['pipe.yaml']);
  });

  it('refuses a non-empty out folder, naming it, and leaves it as it was', async () => {
    const out = join(tmp, 'full');
    mkdirSync(out);
    writeFileSync(join(out, 'keep.txt'), 'mine');
    await expect(exportPipeline(loadPipeline(FIXTURE), input({ out }), FIXTURE)).rejects.toThrow(
      `the folder ${out} is not empty`,
    );
    expect(readdirSync(out)).toEqual(['keep.txt']);
    expect(readFileSync(join(out, 'keep.txt'), 'utf8')).toBe('mine');
    expect(readdirSync(tmp)).toEqual(['full']);
  });

  it('writes into an empty folder, and uses a given claim and namespace', async () => {
    const out = join(tmp, 'empty');
    mkdirSync(out);
    const r = await exportPipeline(
      loadPipeline(FIXTURE),
      input({ out, claim: 'team-lathe', namespace: 'ml' }),
      FIXTURE,
    );
    expect(r.files).not.toContain('k8s/workspace-pvc.yaml');
    const wf = readYaml<WorkflowDoc & { metadata: { namespace: string } }>(
      join(out, 'workflow.yaml'),
    );
    expect(wf.metadata.namespace).toBe('ml');
    expect(wf.spec.volumes[0]).toEqual({
      name: 'workspace',
      persistentVolumeClaim: { claimName: 'team-lathe' },
    });
  });
});

describe('exportPipeline (k8s-jobs)', () => {
  const exportJobs = async (out: string) => {
    const graph = loadPipeline(FIXTURE);
    const result = await exportPipeline(graph, input({ out, format: 'k8s-jobs' }), FIXTURE);
    return { graph, result };
  };

  it('writes one batch/v1 Job per step that validates, and apply.sh runs them level by level', async () => {
    const out = join(tmp, 'jobs');
    const { graph, result } = await exportJobs(out);
    const jobFiles = result.files.filter((f) => f.startsWith('jobs/'));
    expect(jobFiles).toHaveLength(graph.order.length);
    const jobs = jobFiles.map((f) => {
      const doc = readYaml<{
        metadata: { name: string; annotations: Record<string, string> };
        spec: { backoffLimit: number; template: { spec: { containers: { command: string[] }[] } } };
      }>(join(out, f));
      expect(() => new Job(doc as never).validate()).not.toThrow();
      expect(doc.metadata.name).toMatch(DNS_1123);
      expect(doc.spec.backoffLimit).toBe(0);
      return { file: f, name: doc.metadata.name, step: doc.metadata.annotations['ai.lathe/step']! };
    });
    expect(jobs.map((j) => j.step)).toEqual(graph.order);
    expect(jobs[0]!.name).toBe('lathe-flights-delay-flights');

    const script = readFileSync(join(out, 'apply.sh'), 'utf8');
    const order = [...script.matchAll(/^run_step (\S+) (\S+) (\S+)$/gm)].map((m) => m[3]!);
    expect(order).toEqual(graph.levels.flat());
    const levelOf = new Map(graph.levels.flatMap((l, n) => l.map((id) => [id, n] as const)));
    for (const id of order)
      for (const i of graph.inputs[id]!)
        expect(order.indexOf(i.id), `${i.id} before ${id}`).toBeLessThan(order.indexOf(id));
    expect([...levelOf.values()]).toEqual([...levelOf.values()].sort((a, b) => a - b));
  });

  it('apply.sh applies the Jobs in order with kubectl, polling each to its end, and stops at the first that fails', async () => {
    const out = join(tmp, 'jobs');
    const { graph } = await exportJobs(out);
    // A stand-in kubectl: logs each call. A Job is pending at its first ask; then the job named in
    // FAIL has failed, the one named in HANG is still running, the others have completed.
    const bin = join(tmp, 'bin');
    mkdirSync(bin);
    const log = join(tmp, 'kubectl.log');
    writeFileSync(
      join(bin, 'kubectl'),
      `#!/usr/bin/env bash
echo "$*" >> "${log}"
if [ "$1 $2" = "get job" ]; then
  seen="${tmp}/asked-$3"
  if [ ! -e "$seen" ]; then touch "$seen"; exit 0; fi
  [ "$3" = "$FAIL" ] && echo -n "FailureTarget Failed" && exit 0
  [ "$3" = "$HANG" ] && exit 0
  echo -n "SuccessCriteriaMet Complete"
fi
exit 0
`,
    );
    chmodSync(join(bin, 'kubectl'), 0o755);
    const run = (env: Record<string, string>) => {
      rmSync(log, { force: true });
      for (const f of readdirSync(tmp)) if (f.startsWith('asked-')) rmSync(join(tmp, f));
      const r = spawnSync('bash', [join(out, 'apply.sh')], {
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, LATHE_POLL: '0', ...env },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(r.error, 'apply.sh ran to its end').toBeUndefined();
      const calls = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
      const created = calls
        .filter((c) => c.startsWith('create -f '))
        .map(
          (c) =>
            readYaml<{ metadata: { annotations: Record<string, string> } }>(
              join(out, c.slice('create -f '.length)),
            ).metadata.annotations['ai.lathe/step'],
        );
      const asks = (job: string) => calls.filter((c) => c.startsWith(`get job ${job} `)).length;
      return { status: r.status, stderr: r.stderr, calls, created, asks };
    };

    const ok = run({});
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.calls[0]).toBe('apply -f k8s/');
    expect(ok.created).toEqual(graph.levels.flat());
    expect(ok.calls).toContain(
      'get job lathe-flights-delay-train -o jsonpath={.status.conditions[?(@.status=="True")].type}',
    );
    // Pending at the first ask, complete at the second.
    expect(ok.asks('lathe-flights-delay-train')).toBe(2);
    expect(ok.stderr).toContain('every step completed');

    const failed = run({ FAIL: 'lathe-flights-delay-train' });
    expect(failed.status).toBe(1);
    expect(failed.created).toEqual(['flights', 'checked', 'train']);
    expect(failed.stderr).toContain('step train (job/lathe-flights-delay-train) did not complete');
    expect(failed.calls).toContain('logs job/lathe-flights-delay-train --tail=40');

    const hung = run({ HANG: 'lathe-flights-delay-checked', LATHE_STEP_TIMEOUT: '3s' });
    expect(hung.status).toBe(1);
    expect(hung.created).toEqual(['flights', 'checked']);
    expect(hung.asks('lathe-flights-delay-checked')).toBe(4);
    expect(hung.stderr).toContain(
      'step checked (job/lathe-flights-delay-checked) is still running after 3s',
    );

    const bad = run({ LATHE_STEP_TIMEOUT: 'six hours' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("LATHE_STEP_TIMEOUT='six hours' is not a duration");
    expect(bad.calls).toEqual([]);
  });
});

describe('uniqueDnsNames', () => {
  it('lowercases, turns _ into -, keeps names within the length and unique', () => {
    expect(
      uniqueDnsNames(['Train_Model', 'train-model', 'pipeline', 'x_'], 63, ['pipeline']),
    ).toEqual(['train-model', 'train-model-2', 'pipeline-2', 'x']);
    const long = uniqueDnsNames(['a'.repeat(70), `${'a'.repeat(70)}b`], 63);
    expect(long).toEqual(['a'.repeat(63), `${'a'.repeat(61)}-2`]);
    for (const n of long) expect(n).toMatch(DNS_1123);
  });
});
