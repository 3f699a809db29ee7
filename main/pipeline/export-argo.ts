// `lathe pipeline export`: a pipeline as manifests that run it on Kubernetes, one container per step, each
// running the Lathe CLI image (`lathe export docker --cli`) as `lathe pipeline run FILE --only STEP` on a
// workspace kept on a PersistentVolumeClaim. Two formats:
//   argo       workflow.yaml (an Argo Workflow: a DAG of the steps, each memoized by a static cache key)
//              k8s/ (the pipeline file's ConfigMap, Argo's memo cache ConfigMap, the workspace's claim)
//   k8s-jobs   jobs/NN-STEP.yaml (a batch/v1 Job per step), k8s/ (ConfigMap, claim) and apply.sh, which
//              runs the Jobs in dependency order and stops at the first that fails
// Steps run one at a time: the workspace has one writer (DuckDB), and pods of one level would contend for it.
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { stringify } from 'yaml';
import type { z } from 'zod';
import {
  LatheError,
  type PipelineExportIn,
  type PipelineExportOut,
  type PipelineStepType,
} from '../../shared/contract';
import { writeFolderWhole } from '../workspace/out-folder';
import { latheVersion } from '../version';
import { keyConfig, stepKey } from './cache-key';
import type { PipelineGraph } from './graph';
import { makeDirs } from '../workspace/make-dirs';

export type PipelineExportInput = z.output<typeof PipelineExportIn>;

/** Where the containers mount the workspace's claim and the pipeline's ConfigMap. */
export const WORKSPACE_MOUNT = '/workspace';
export const PIPELINE_MOUNT = '/pipeline';
/** The DAG template's name in the Workflow (a step may not take it). */
const DAG_TEMPLATE = 'pipeline';
/** An Argo memo entry older than this is ignored: the data a step read may have changed since. */
export const MEMO_MAX_AGE = '720h';
/** The user of the CLI image (node's): the claim is made writable for its group. */
const IMAGE_UID = 1000;
/** Kubernetes refuses a ConfigMap over 1 MiB. */
const CONFIGMAP_LIMIT = 1024 * 1024;

/** The step fields that may name another file (relative to the pipeline file) instead of holding it. */
const FILE_FIELDS: Partial<Record<PipelineStepType, string>> = {
  validate: 'suite',
  train: 'config',
  tune: 'config',
  gate: 'gates',
  monitor: 'rules',
};

/**
 * A DNS-1123 label from text: lowercase letters, digits and `-`, starting and ending with a letter or digit,
 * at most `max` characters (`Train_Model` → `train-model`).
 */
export function dnsName(text: string, max = 63): string {
  const name = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, max)
    .replace(/-+$/, '');
  return name || 'x';
}

/** DNS-1123 names for `texts`, in order, unique among themselves and `reserved` (`-2`, `-3`… added). */
export function uniqueDnsNames(
  texts: readonly string[],
  max = 63,
  reserved: readonly string[] = [],
): string[] {
  const taken = new Set(reserved);
  return texts.map((text) => {
    const base = dnsName(text, max);
    let name = base;
    for (let n = 2; taken.has(name); n++) {
      const suffix = `-${n}`;
      name = `${base.slice(0, max - suffix.length).replace(/-+$/, '')}${suffix}`;
    }
    taken.add(name);
    return name;
  });
}

/** A file a step names by path: its content's hash (in the step's memo key) and whether it is shipped. */
interface NamedFile {
  step: string;
  field: string;
  /** As the step names it. */
  path: string;
  sha256: string;
  text: string;
  /** Its path relative to the pipeline file's folder, when it lies inside it (shipped in the ConfigMap). */
  shipped: string | null;
}

/**
 * The files the steps name by path (suite, train config, gates, rules files), read now: their content
 * enters the memo keys, and those inside the pipeline file's folder ship in its ConfigMap.
 */
function namedFiles(graph: PipelineGraph, pipelineFile: string): NamedFile[] {
  const folder = dirname(pipelineFile);
  const out: NamedFile[] = [];
  for (const id of graph.order) {
    const step = graph.steps.get(id)!;
    const field = FILE_FIELDS[step.type];
    const value = field ? (step as unknown as Record<string, unknown>)[field] : undefined;
    if (typeof value !== 'string') continue;
    const abs = resolve(folder, value);
    let text: string;
    try {
      text = readFileSync(abs, 'utf8');
    } catch (err) {
      throw new LatheError(
        existsSync(abs) ? 'INVALID_INPUT' : 'FILE_NOT_FOUND',
        `${graph.file}: step '${id}' ${field}: cannot read ${value} (${abs}): ${(err as Error).message}`,
        { file: graph.file, step: id, field, path: abs },
      );
    }
    const rel = relative(folder, abs);
    const inside = !isAbsolute(value) && rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
    out.push({
      step: id,
      field: field!,
      path: value,
      sha256: createHash('sha256').update(text, 'utf8').digest('hex'),
      text,
      shipped: inside ? rel.split(sep).join('/') : null,
    });
  }
  return out;
}

/**
 * Each step's static cache key, as Argo memoizes it: the sha256 of the step's config (keyConfig, with a
 * file it names replaced by that file's content hash) chained with its inputs' keys and Lathe's version —
 * so a changed step and every step after it miss, and the others hit. Data files are not read: a step
 * that imports a changed file under the same name keeps its key (the run inside still sees the change).
 */
export function memoKeys(
  graph: PipelineGraph,
  files: readonly Pick<NamedFile, 'step' | 'field' | 'path' | 'sha256'>[] = [],
  version: string = latheVersion(),
): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const id of graph.order) {
    const config = keyConfig(graph.steps.get(id)!);
    for (const f of files) if (f.step === id) config[f.field] = { file: f.path, sha256: f.sha256 };
    const inputs = Object.fromEntries((graph.inputs[id] ?? []).map((i) => [i.id, keys[i.id]!]));
    keys[id] = stepKey({ config, inputs, latheVersion: version }).key;
  }
  return keys;
}

/** The command a step's container runs. */
export function stepCommand(fileName: string, set: readonly string[], step: string): string[] {
  return [
    'lathe',
    'pipeline',
    'run',
    `${PIPELINE_MOUNT}/${fileName}`,
    '--workspace',
    WORKSPACE_MOUNT,
    ...set.flatMap((s) => ['--set', s]),
    '--only',
    step,
    '--json',
  ];
}

interface Plan {
  graph: PipelineGraph;
  input: PipelineExportInput;
  /** The pipeline file's name in the ConfigMap mount. */
  fileName: string;
  base: string;
  labels: Record<string, string>;
  claim: string;
  configMap: string;
  memoCache: string;
  files: NamedFile[];
  keys: Record<string, string>;
  /** Each step's unique input step ids. */
  deps: Record<string, string[]>;
}

const metadata = (p: Plan, name: Record<string, string>, labels: Record<string, string> = {}) => ({
  ...name,
  ...(p.input.namespace ? { namespace: p.input.namespace } : {}),
  labels: { ...p.labels, ...labels },
});

/** The ConfigMap with the pipeline file (and the files its steps name inside its folder). */
function pipelineConfigMap(p: Plan, text: string) {
  const entries = [
    { path: p.fileName, text },
    ...p.files.flatMap((f) => (f.shipped ? [{ path: f.shipped, text: f.text }] : [])),
  ].filter((e, i, all) => all.findIndex((o) => o.path === e.path) === i);
  const keys = uniqueKeys(entries.map((e) => e.path));
  const bytes = entries.reduce((n, e) => n + Buffer.byteLength(e.text), 0);
  if (bytes > CONFIGMAP_LIMIT - 16 * 1024)
    throw new LatheError(
      'INVALID_INPUT',
      `${p.graph.file}: the pipeline file and the files its steps name come to ${bytes} bytes, over what a Kubernetes ConfigMap holds (1 MiB): name the large ones by absolute paths on the workspace's volume`,
      { file: p.graph.file, bytes },
    );
  return {
    manifest: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: metadata(p, { name: p.configMap }),
      data: Object.fromEntries(entries.map((e, i) => [keys[i]!, e.text])),
    },
    items: entries.map((e, i) => ({ key: keys[i]!, path: e.path })),
  };
}

/** ConfigMap keys (`[-._a-zA-Z0-9]+`) for file paths, unique. */
function uniqueKeys(paths: readonly string[]): string[] {
  const taken = new Set<string>();
  return paths.map((path) => {
    const base = path.replace(/[^-._a-zA-Z0-9]+/g, '_').slice(0, 200) || 'file';
    let key = base;
    for (let n = 2; taken.has(key); n++) key = `${base}_${n}`;
    taken.add(key);
    return key;
  });
}

function claimManifest(p: Plan) {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: metadata(p, { name: p.claim }),
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: p.input.storage } },
    },
  };
}

const podSecurity = {
  runAsNonRoot: true,
  runAsUser: IMAGE_UID,
  runAsGroup: IMAGE_UID,
  fsGroup: IMAGE_UID,
};

function volumes(p: Plan, items: { key: string; path: string }[]) {
  return [
    { name: 'workspace', persistentVolumeClaim: { claimName: p.claim } },
    { name: 'pipeline', configMap: { name: p.configMap, items } },
  ];
}

function container(p: Plan, step: string) {
  return {
    name: 'lathe',
    image: p.input.image,
    command: stepCommand(p.fileName, p.input.set, step),
    volumeMounts: [
      { name: 'workspace', mountPath: WORKSPACE_MOUNT },
      { name: 'pipeline', mountPath: PIPELINE_MOUNT, readOnly: true },
    ],
  };
}

/** The Argo Workflow: a DAG template of the steps and one memoized container template per step. */
function workflow(p: Plan, items: { key: string; path: string }[]) {
  const { order } = p.graph;
  const names = uniqueDnsNames(order, 63, [DAG_TEMPLATE]);
  const nameOf = new Map(order.map((id, i) => [id, names[i]!]));
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: metadata(p, { generateName: `${p.base}-` }),
    spec: {
      entrypoint: DAG_TEMPLATE,
      // One step at a time: the workspace has one writer.
      parallelism: 1,
      securityContext: podSecurity,
      volumes: volumes(p, items),
      templates: [
        {
          name: DAG_TEMPLATE,
          dag: {
            tasks: order.map((id) => ({
              name: nameOf.get(id)!,
              template: nameOf.get(id)!,
              ...(p.deps[id]!.length
                ? { dependencies: p.deps[id]!.map((d) => nameOf.get(d)!) }
                : {}),
            })),
          },
        },
        ...order.map((id) => ({
          name: nameOf.get(id)!,
          metadata: { annotations: { 'ai.lathe/step': id } },
          memoize: {
            key: p.keys[id]!,
            maxAge: MEMO_MAX_AGE,
            cache: { configMap: { name: p.memoCache } },
          },
          container: container(p, id),
        })),
      ],
    },
  };
}

/** Argo's memo cache: a ConfigMap it finds by this label. */
function memoCacheManifest(p: Plan) {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: metadata(
      p,
      { name: p.memoCache },
      { 'workflows.argoproj.io/configmap-type': 'Cache' },
    ),
  };
}

/** One batch/v1 Job per step, named `BASE-STEP`, in dependency order. */
function jobs(p: Plan, items: { key: string; path: string }[]) {
  const { order } = p.graph;
  const names = uniqueDnsNames(
    order.map((id) => `${p.base}-${id}`),
    63,
  );
  return order.map((id, i) => ({
    id,
    name: names[i]!,
    manifest: {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        ...metadata(p, { name: names[i]! }, { 'ai.lathe/step': dnsName(id) }),
        annotations: { 'ai.lathe/step': id, 'ai.lathe/key': p.keys[id]! },
      },
      spec: {
        // A failed step stops the pipeline; running apply.sh again resumes it (finished steps are cached).
        backoffLimit: 0,
        template: {
          metadata: { labels: { ...p.labels, 'ai.lathe/step': dnsName(id) } },
          spec: {
            restartPolicy: 'Never',
            securityContext: podSecurity,
            containers: [container(p, id)],
            volumes: volumes(p, items),
          },
        },
      },
    },
  }));
}

const shellQuote = (s: string) => (/^[-\w./:=@]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** apply.sh: the ConfigMap and claim, then each Job in dependency order, waiting for each to end. */
function applyScript(p: Plan, list: { id: string; name: string }[], fileOf: (i: number) => string) {
  const kubectl = ['kubectl', ...(p.input.namespace ? ['-n', p.input.namespace] : [])]
    .map(shellQuote)
    .join(' ');
  const byId = new Map(list.map((j, i) => [j.id, i]));
  const lines = p.graph.levels.flatMap((level, n) => [
    `# level ${n}`,
    ...level.map((id) => {
      const i = byId.get(id)!;
      return `run_step ${shellQuote(list[i]!.name)} ${shellQuote(fileOf(i))} ${shellQuote(id)}`;
    }),
  ]);
  return `#!/usr/bin/env bash
# Runs the pipeline ${p.graph.pipeline.name} on Kubernetes (exported by Lathe ${latheVersion()} from ${p.graph.file}):
# one Job per step, in dependency order, one at a time (the workspace has one writer). Each Job is made
# anew; a step that does not complete stops the script with its last log lines. Run it again after a fix:
# the steps that finished are cached in the workspace and skip. The script asks each Job's state every
# LATHE_POLL seconds (10), for up to LATHE_STEP_TIMEOUT (6h; 90s, 30m and 6h are understood).
set -euo pipefail
cd "$(dirname "$0")"
K=(${kubectl})
STEP_TIMEOUT="\${LATHE_STEP_TIMEOUT:-6h}"
POLL="\${LATHE_POLL:-10}"
if ! [[ "$STEP_TIMEOUT" =~ ^([0-9]+)([smh]?)$ ]]; then
  echo "[lathe] LATHE_STEP_TIMEOUT='$STEP_TIMEOUT' is not a duration such as 90s, 30m or 6h" >&2
  exit 2
fi
case "\${BASH_REMATCH[2]}" in
  h) LIMIT=$((10#\${BASH_REMATCH[1]} * 3600)) ;;
  m) LIMIT=$((10#\${BASH_REMATCH[1]} * 60)) ;;
  *) LIMIT=$((10#\${BASH_REMATCH[1]})) ;;
esac
if ! [[ "$POLL" =~ ^[0-9]+$ ]]; then
  echo "[lathe] LATHE_POLL='$POLL' is not a whole number of seconds" >&2
  exit 2
fi

run_step() {
  local job="$1" file="$2" step="$3" state waited=0
  echo "[lathe] step $step: job/$job" >&2
  "\${K[@]}" delete job "$job" --ignore-not-found --wait=true >/dev/null
  "\${K[@]}" create -f "$file" >/dev/null
  # A Job ends with the condition Complete or Failed; a failed Job never completes. A failed ask
  # (the API server busy, say) is asked again at the next poll.
  while :; do
    state=$("\${K[@]}" get job "$job" -o 'jsonpath={.status.conditions[?(@.status=="True")].type}') || state=""
    case " $state " in
      *" Complete "*) return 0 ;;
      *" Failed "*) break ;;
    esac
    if [ "$waited" -ge "$LIMIT" ]; then
      echo "[lathe] step $step (job/$job) is still running after $STEP_TIMEOUT (LATHE_STEP_TIMEOUT)" >&2
      break
    fi
    sleep "$POLL"
    waited=$((waited + (POLL > 0 ? POLL : 1))) # with LATHE_POLL=0, each ask counts as a second
  done
  "\${K[@]}" logs "job/$job" --tail=40 >&2 || true
  echo "[lathe] step $step (job/$job) did not complete: stopping. Run ./apply.sh again once it is fixed." >&2
  exit 1
}

"\${K[@]}" apply -f k8s/ >/dev/null

${lines.join('\n')}

echo "[lathe] pipeline ${p.graph.pipeline.name}: every step completed" >&2
`;
}

function readme(p: Plan, written: string[]): string {
  const ns = p.input.namespace ? ` -n ${p.input.namespace}` : '';
  const shipped = p.files.filter((f) => f.shipped).map((f) => f.shipped!);
  const outside = p.files.filter((f) => !f.shipped).map((f) => `${f.path} (step ${f.step})`);
  const run =
    p.input.format === 'argo'
      ? `kubectl${ns} apply -f k8s/
argo submit${ns} --watch workflow.yaml     # or: kubectl${ns} create -f workflow.yaml`
      : `./apply.sh                               # LATHE_STEP_TIMEOUT=12h ./apply.sh for long steps`;
  return `# ${p.graph.pipeline.name} on ${p.input.format === 'argo' ? 'Argo Workflows' : 'Kubernetes Jobs'}

Exported by Lathe ${latheVersion()} from ${p.graph.file}${p.input.set.length ? ` with --set ${p.input.set.join(' --set ')}` : ''}: ${p.graph.order.length} steps, each a container of
the image \`${p.input.image}\` running \`lathe pipeline run ${PIPELINE_MOUNT}/${p.fileName} --only STEP\` on the workspace
in the claim \`${p.claim}\` (mounted at ${WORKSPACE_MOUNT}).

\`\`\`sh
# the image, once per Lathe version (push it where the cluster pulls from)
lathe export docker --cli --out lathe-cli && docker build -t ${p.input.image} lathe-cli && docker push ${p.input.image}
${run}
\`\`\`

- Files: ${written.join(', ')}.
- Steps run one at a time in dependency order (${p.graph.levels.map((l) => l.join(', ')).join(' → ')}): the workspace has
  one writer. A step that fails stops the run; run it again once fixed: the steps that finished are cached in
  the workspace and skip.
${
  p.input.format === 'argo'
    ? `- Each step is memoized in the ConfigMap \`${p.memoCache}\` by a static key: its config, the files it names and
  its inputs' keys, and Lathe's version. A changed step and the steps after it run; the others are skipped by
  Argo. Data files are not in the key: after new data under the same name, \`kubectl${ns} delete configmap ${p.memoCache}\`
  (and apply k8s/ again), or entries expire after ${MEMO_MAX_AGE}. Delete it too when the claim is made anew: a
  memoized step is skipped whatever the workspace holds.
- Argo runs the pods as the namespace's default service account unless \`argo submit --serviceaccount NAME\`;
  it needs the permissions of Argo's executor, and the controller those of the memo cache ConfigMap.
`
    : ''
}- The ConfigMap \`${p.configMap}\` holds the pipeline file${shipped.length ? ` and ${shipped.join(', ')}` : ''}, mounted read-only at ${PIPELINE_MOUNT}.
  Other paths the file names (data to import, batch inputs and outputs${outside.length ? `, ${outside.join(', ')}` : ''}) are yours to provide:
  relative paths resolve under ${PIPELINE_MOUNT}, which is read-only, so give them as absolute paths on the workspace's
  volume (e.g. \`--set data=${WORKSPACE_MOUNT}/data/file.parquet\` for a parameter) or as URLs.
- The containers run as uid ${IMAGE_UID} (the image's \`node\` user); the claim is made writable for its group (fsGroup).
`;
}

/**
 * Writes the pipeline `graph` (checked, parameters applied) as Argo Workflows or Kubernetes Job manifests
 * into `input.out`, a new or empty folder, whole or not at all. `pipelineFile` is the file's absolute path:
 * its text ships in a ConfigMap, and the files its steps name are read beside it.
 */
export async function exportPipeline(
  graph: PipelineGraph,
  input: PipelineExportInput,
  pipelineFile: string,
): Promise<PipelineExportOut> {
  const fileName = basename(pipelineFile);
  const text = readFileSync(pipelineFile, 'utf8');
  const base = dnsName(`lathe-${graph.pipeline.name}`, 40);
  const files = namedFiles(graph, pipelineFile);
  const p: Plan = {
    graph,
    input,
    fileName,
    base,
    labels: {
      'app.kubernetes.io/part-of': 'lathe',
      'ai.lathe/pipeline': dnsName(graph.pipeline.name),
    },
    claim: input.claim ?? `${base}-workspace`,
    configMap: `${base}-pipeline`,
    memoCache: `${base}-memo`,
    files,
    keys: memoKeys(graph, files),
    deps: Object.fromEntries(
      graph.order.map((id) => [id, [...new Set((graph.inputs[id] ?? []).map((i) => i.id))]]),
    ),
  };
  const what = input.format === 'argo' ? 'the Argo manifests' : 'the Kubernetes Job manifests';
  const written = await writeFolderWhole(input.out, what, (dir) => {
    const write = (rel: string, content: string) => {
      makeDirs(dirname(join(dir, rel)));
      writeFileSync(join(dir, rel), content);
    };
    const yaml = (rel: string, doc: unknown) =>
      write(rel, stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false }));
    const { manifest, items } = pipelineConfigMap(p, text);
    yaml('k8s/pipeline-configmap.yaml', manifest);
    if (!input.claim) yaml('k8s/workspace-pvc.yaml', claimManifest(p));
    const names: string[] = ['k8s/pipeline-configmap.yaml'];
    if (!input.claim) names.push('k8s/workspace-pvc.yaml');
    if (input.format === 'argo') {
      yaml('k8s/memo-cache.yaml', memoCacheManifest(p));
      yaml('workflow.yaml', workflow(p, items));
      names.push('k8s/memo-cache.yaml', 'workflow.yaml');
    } else {
      const list = jobs(p, items);
      const width = String(list.length).length;
      const fileOf = (i: number) =>
        `jobs/${String(i + 1).padStart(Math.max(2, width), '0')}-${list[i]!.name}.yaml`;
      list.forEach((job, i) => yaml(fileOf(i), job.manifest));
      write('apply.sh', applyScript(p, list, fileOf));
      chmodSync(join(dir, 'apply.sh'), 0o755);
      names.push('jobs/', 'apply.sh');
    }
    write('README.md', readme(p, names));
  });
  return {
    dir: written.dir,
    format: input.format,
    files: written.files,
    steps: graph.order.length,
  };
}
