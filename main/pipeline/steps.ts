// What each pipeline step does: its resolved config (files it names loaded, so their content is in its
// key), the identities of the files it reads, and the work itself — calls through the validating
// dispatcher to the channels every face uses (data:import, data:validate, train:start, eval:run,
// models:register, predict:batch, serve:start, export:docker, monitor:rules:set …). A step answers its
// outputs: what its dependents read and what the Pipelines view links to.
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import {
  AlertRules,
  ExpectationSuite,
  GateSet,
  LatheError,
  type ChannelInput,
  type ChannelName,
  type ChannelOutput,
  type GateResult,
  type PipelineStep,
  type PipelineStepOutput,
  type StepOf,
} from '../../shared/contract';
import { sha256File } from '../workspace/artifacts';
import { canonicalHash } from '../workspace/canonical-json';
import { parseConfigText, readConfigText } from '../workspace/config-file';
import { keyConfig } from './cache-key';
import { trainConfigFor, type PipelineGraph } from './graph';
import { makeUserDirs } from '../workspace/make-dirs';
import { unreadableText } from '../../shared/unreadable';

/** A channel called through the validating dispatcher: what the step's work is made of. */
export type Call = <C extends ChannelName>(
  channel: C,
  input: ChannelInput<C>,
) => Promise<ChannelOutput<C>>;

/** Checks an evaluation against gates (scoring its rows again when a gate needs them). */
export type GateCheck = (args: {
  evaluation: string;
  gates: GateSet | null;
  /** The model whose champion a `champion` gate compares with (the register step's model). */
  model: string | null;
}) => Promise<{ gates: GateResult[]; policy: 'step' | 'project' | 'none' }>;

export interface StepDeps {
  call: Call;
  gateCheck: GateCheck;
  /** The Parquet file holding a dataset version's rows (`name@3`): what a batch reads a dataset step by. */
  datasetFile(ref: string): Promise<string>;
}

/** A step's failure the pipeline reports as the step's error (no stack: the message says it all). */
export class StepError extends Error {}

export interface StepRun {
  graph: PipelineGraph;
  /** The pipeline file's folder: relative paths in steps are read from it. */
  dir: string;
  /** The outputs of the steps it reads. */
  inputs: ReadonlyMap<string, PipelineStepOutput>;
  /** The pipeline run, named in reasons and audit entries. */
  runId: string;
  /** Set when the run is cancelled; a step with a cancellable call registers how to cancel it. */
  signal: AbortSignal;
  onCancel(cancel: () => Promise<unknown>): void;
  /** Progress for people (stderr in the CLI). */
  say(message: string): void;
  /** Whether the folder `out` holds a previous export of this step (so it may be replaced). */
  ownsFolder(out: string): Promise<boolean>;
}

export interface StepDone {
  outputs: PipelineStepOutput;
  message: string;
}

// --- resolving a step ---------------------------------------------------------------------------------------

/** A path of a step, absolute, read relative to the pipeline file's folder. */
export const pathIn = (dir: string, path: string): string =>
  isAbsolute(path) ? path : resolve(dir, path);

function loadFile(
  dir: string,
  path: string,
  what: string,
  stepId: string,
): Record<string, unknown> {
  try {
    const { file, text } = readConfigText(pathIn(dir, path), what);
    return parseConfigText(text, basename(file), what, file);
  } catch (err) {
    if (err instanceof LatheError)
      throw new LatheError(err.code, `step '${stepId}': ${err.message}`, err.details);
    throw err;
  }
}

function parseWith<T>(
  schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: Error } },
  value: unknown,
  where: string,
): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new LatheError('INVALID_CONFIG', `${where}: ${parsed.error.message.split('\n')[0]}`);
  return parsed.data;
}

/**
 * The step's config as its key hashes it: keyConfig(step) with every file it names (a train config, a
 * suite, gates, rules) replaced by the file's content, so editing the file reruns the step.
 */
export function resolvedConfig(step: PipelineStep, dir: string): Record<string, unknown> {
  const config = keyConfig(step);
  const file = (field: string, what: string) => {
    const value = config[field];
    if (typeof value === 'string') config[field] = loadFile(dir, value, what, step.id);
  };
  switch (step.type) {
    case 'train':
    case 'tune':
      file('config', 'train config');
      break;
    case 'validate':
      file('suite', 'expectation suite');
      break;
    case 'gate':
      file('gates', 'gate set');
      break;
    case 'monitor':
      if (typeof config.rules === 'string') {
        const loaded = loadFile(dir, config.rules, 'alert rules', step.id);
        config.rules = parseWith(AlertRules, loaded, `step '${step.id}' rules`).rules;
      }
      break;
    default:
      break;
  }
  return config;
}

// --- files a step reads -------------------------------------------------------------------------------------

const hashes = new Map<string, { size: number; mtimeMs: number; sha: string }>();

/** sha256 of a file's bytes (remembered per path while its size and mtime stay the same). */
export async function fileSha256(path: string): Promise<string> {
  const st = statSync(path);
  const known = hashes.get(path);
  if (known && known.size === st.size && known.mtimeMs === st.mtimeMs) return known.sha;
  const sha = await sha256File(path);
  hashes.set(path, { size: st.size, mtimeMs: st.mtimeMs, sha });
  return sha;
}

const GLOB_CHARS = /[*?[]/;

function segmentPattern(segment: string): RegExp {
  let re = '';
  for (const ch of segment) {
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re.replace(/\[\^\/\]\*/g, '[^/]*')}$`);
}

/** The files a glob (`data/2024-*.parquet`, `logs/**\/*.csv`) matches, sorted; a plain path is itself. */
export function expandGlob(pattern: string): string[] {
  if (!GLOB_CHARS.test(pattern)) return existsSync(pattern) ? [pattern] : [];
  const parts = pattern.split(/[\\/]/);
  const fixed: string[] = [];
  while (parts.length && !GLOB_CHARS.test(parts[0]!)) fixed.push(parts.shift()!);
  const root = fixed.join(sep) || sep;
  const out: string[] = [];
  const walk = (dir: string, rest: string[]) => {
    if (rest.length === 0) {
      if (existsSync(dir) && statSync(dir).isFile()) out.push(dir);
      return;
    }
    const [head, ...tail] = rest;
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    if (head === '**') {
      walk(dir, tail);
      for (const e of entries) if (statSync(join(dir, e)).isDirectory()) walk(join(dir, e), rest);
      return;
    }
    const re = segmentPattern(head!);
    for (const e of entries) if (re.test(e)) walk(join(dir, e), tail);
  };
  walk(root, parts);
  return [...new Set(out)].sort();
}

/** Quoted file paths in a query that exist (relative to `dir` or the working folder). */
function filesInSql(sql: string, dir: string): string[] {
  const out: string[] = [];
  for (const m of sql.matchAll(/'((?:[^']|'')+)'/g)) {
    const literal = m[1]!.replace(/''/g, "'");
    if (
      !/\.(csv|tsv|tab|txt|parquet|pq|json|ndjson|jsonl)(\.gz)?$/i.test(literal) &&
      !GLOB_CHARS.test(literal)
    )
      continue;
    for (const candidate of [pathIn(dir, literal), resolve(literal)]) {
      const files = expandGlob(candidate);
      if (files.length) {
        out.push(...files);
        break;
      }
    }
  }
  return [...new Set(out)].sort();
}

/**
 * The files a step reads from disk, by content: an import's file, glob or the files its query names, a
 * predict step's batch inputs. They enter the step's key, so a changed file reruns the step (as DVC's
 * deps). A URL is named only: `--force` fetches it again. A batch read `from` a dataset step enters the
 * key by that step's output (its dataset version's hash), not here.
 */
export async function fileInputs(step: PipelineStep, dir: string): Promise<Record<string, string>> {
  const files: string[] = [];
  if (step.type === 'import') {
    if (step.file !== undefined) files.push(pathIn(dir, step.file));
    if (step.glob !== undefined) files.push(...expandGlob(pathIn(dir, step.glob)));
    if (step.sql !== undefined) files.push(...filesInSql(step.sql, dir));
  }
  if (step.type === 'predict')
    for (const b of step.batches)
      if (b.input !== undefined) files.push(...expandGlob(pathIn(dir, b.input)));
  const out: Record<string, string> = {};
  for (const f of [...new Set(files)].sort())
    if (existsSync(f)) out[`file:${f}`] = await fileSha256(f);
  return out;
}

// --- running a step -----------------------------------------------------------------------------------------

const fmt = (v: number | null | undefined): string =>
  v === null || v === undefined ? 'n/a' : Number.isInteger(v) ? String(v) : v.toPrecision(4);
const count = (n: number): string => n.toLocaleString('en-US');

function input(
  run: StepRun,
  step: PipelineStep,
  field: 'from' | 'data' | 'gate' = 'from',
): PipelineStepOutput {
  const id = (step as unknown as Record<string, unknown>)[field];
  const out = typeof id === 'string' ? run.inputs.get(id) : undefined;
  if (!out)
    throw new StepError(`step '${step.id}' ${field}: step '${String(id)}' has no recorded outputs`);
  return out;
}

function datasetOf(run: StepRun, step: PipelineStep, field: 'from' | 'data' = 'from'): string {
  const out = input(run, step, field);
  if (!out.dataset)
    throw new StepError(`step '${step.id}' ${field}: step '${out.label}' made no dataset version`);
  return out.dataset;
}

/** A registered model version (`name@3`) the step's input made; a run is not served or scored. */
function modelOf(run: StepRun, step: PipelineStep): string {
  const out = input(run, step);
  if (!out.model)
    throw new StepError(
      `step '${step.id}' from: ${step.type} needs a registered model version — read a register step, not '${String((step as { from?: string }).from)}' (a ${out.kind})`,
    );
  return out.model;
}

/** The dataset version (`name@3`) a list item's `from` names (a batch's, a monitor's actuals'). */
function datasetFrom(run: StepRun, step: PipelineStep, field: string, id: string): string {
  const out = run.inputs.get(id);
  if (!out) throw new StepError(`step '${step.id}' ${field}: step '${id}' has no recorded outputs`);
  if (!out.dataset)
    throw new StepError(`step '${step.id}' ${field}: step '${id}' made no dataset version`);
  return out.dataset;
}

async function datasetOutput(
  deps: StepDeps,
  dataset: string,
  version: number,
  rows: number,
  note = '',
): Promise<PipelineStepOutput> {
  const versions = await deps.call('data:versions', { name: dataset });
  const v = versions.find((x) => x.version === version);
  return {
    kind: 'dataset',
    identity: v?.hash ?? `${dataset}@${version}`,
    dataset: `${dataset}@${version}`,
    label: `${dataset}@${version} (${count(rows)} rows${note})`,
  };
}

async function runImport(deps: StepDeps, run: StepRun, step: StepOf<'import'>): Promise<StepDone> {
  const name = step.name ?? step.id;
  const common = { name, ...(step.allowSchemaChange ? { allowSchemaChange: true } : {}) };
  run.onCancel(() => deps.call('data:cancelImport', { name }));
  let out: ChannelOutput<'data:import'>;
  if (step.sql !== undefined)
    out = await deps.call('data:importQuery', { sql: step.sql, ...common });
  else if (step.glob !== undefined) {
    const pattern = pathIn(run.dir, step.glob);
    const files = expandGlob(pattern);
    if (files.length === 0)
      throw new StepError(`step '${step.id}' glob: no file matches ${pattern}`);
    out = await deps.call('data:importQuery', {
      sql: `SELECT * FROM '${pattern.replace(/'/g, "''")}'`,
      ...common,
    });
  } else {
    const path = step.url ?? pathIn(run.dir, step.file!);
    out = await deps.call('data:import', { path, ...common });
  }
  const outputs = await datasetOutput(deps, out.dataset, out.version.version, out.version.rows);
  return {
    outputs,
    message: `${out.reused ? 'same content as' : 'imported'} ${outputs.label}`,
  };
}

async function runValidate(
  deps: StepDeps,
  run: StepRun,
  step: StepOf<'validate'>,
): Promise<StepDone> {
  const ref = datasetOf(run, step);
  const suite = parseWith(
    ExpectationSuite,
    typeof step.suite === 'string'
      ? loadFile(run.dir, step.suite, 'expectation suite', step.id)
      : step.suite,
    `step '${step.id}' suite`,
  );
  const report = await deps.call('data:validate', {
    ref,
    suite,
    quarantine: step.onFail === 'quarantine',
  });
  const failed = report.results.filter((r) => !r.passed);
  const summary = `${report.results.length - failed.length} of ${report.results.length} expectations held on ${ref}`;
  const failing = failed
    .map(
      (r) =>
        `${r.type}${r.column ? ` ${r.column}` : ''}: expected ${r.expected}${r.failingRows ? ` (${count(r.failingRows)} rows)` : ''}`,
    )
    .join('; ');
  if (report.success) {
    const outputs = input(run, step);
    return { outputs, message: `${summary}${failed.length ? ` (warnings: ${failing})` : ''}` };
  }
  if (step.onFail === 'stop') throw new StepError(`${summary}; failed: ${failing} (onFail: stop)`);
  if (step.onFail === 'warn')
    return {
      outputs: input(run, step),
      message: `${summary}; failed: ${failing} — going on (onFail: warn)`,
    };
  const q = report.quarantine;
  if (!q?.clean)
    throw new StepError(`${summary}; every row failed (${failing}): nothing clean to go on with`);
  const outputs = await datasetOutput(
    deps,
    q.clean.dataset,
    q.clean.version,
    q.clean.rows,
    ', clean',
  );
  return {
    outputs,
    message: `${summary}; ${count(q.failing.rows)} failing rows quarantined in ${q.failing.dataset}@${q.failing.version}, going on with ${outputs.label}`,
  };
}

async function runTransform(
  deps: StepDeps,
  run: StepRun,
  step: StepOf<'transform'>,
): Promise<StepDone> {
  const from = typeof step.from === 'string' ? [step.from] : step.from;
  const refs = from.map((id) => {
    const out = run.inputs.get(id);
    if (!out?.dataset)
      throw new StepError(`step '${step.id}' from: step '${id}' made no dataset version`);
    return out.dataset;
  });
  const out = await deps.call('data:transform', {
    name: step.name ?? step.id,
    from: refs,
    steps: step.steps,
  });
  const outputs = await datasetOutput(deps, out.dataset, out.version.version, out.version.rows);
  return {
    outputs,
    message: `${out.reused ? 'same as' : 'made'} ${outputs.label} from ${refs.join(', ')}`,
  };
}

function metricLine(metrics: Record<string, number | null>, keys = 3): string {
  const pick = Object.entries(metrics)
    .filter(
      ([k, v]) =>
        v !== null && /^(val_|test_)?(roc_auc|auc|accuracy|f1|rmse|mae|r2|log_loss)$/.test(k),
    )
    .slice(0, keys);
  return pick.map(([k, v]) => `${k} ${fmt(v)}`).join(', ');
}

async function runTrain(
  deps: StepDeps,
  run: StepRun,
  step: StepOf<'train'> | StepOf<'tune'>,
): Promise<StepDone> {
  const dataset = datasetOf(run, step);
  const loaded =
    typeof step.config === 'string'
      ? loadFile(run.dir, step.config, 'train config', step.id)
      : undefined;
  const config = trainConfigFor(step, dataset, loaded);
  if (step.type === 'tune') {
    if (!config.search) throw new StepError(`step '${step.id}': a tune step needs a search`);
    const out = await deps.call('tune:run', { config });
    const best = out.report?.best;
    if (!best)
      throw new StepError(
        `search ${out.run.id.slice(0, 8)} ended with no finished trial (${out.run.status})`,
      );
    return {
      outputs: {
        kind: 'run',
        identity: best.runId,
        run: best.runId,
        label: `best trial ${best.index} of ${out.report!.children.length} (run ${best.runId.slice(0, 8)}): ${best.metric} ${fmt(best.value)}`,
      },
      message: `searched ${out.report!.children.length} trials under run ${out.run.id.slice(0, 8)}; best ${best.metric} ${fmt(best.value)}`,
    };
  }
  const started = await deps.call('train:start', { config });
  run.onCancel(() => deps.call('train:cancel', { id: started.runId }));
  const ended = await deps.call('train:wait', { id: started.runId });
  const trained = ended;
  if (trained.status !== 'finished')
    throw new StepError(
      `run ${trained.id.slice(0, 8)} ${trained.status}${trained.error ? `: ${trained.error}` : ''}`,
    );
  const metrics = metricLine(trained.metrics);
  return {
    outputs: {
      kind: 'run',
      identity: trained.id,
      run: trained.id,
      label: `run ${trained.name} (${trained.id.slice(0, 8)})${metrics ? `: ${metrics}` : ''}`,
    },
    message: `trained ${config.model.type} on ${dataset}${metrics ? `: ${metrics}` : ''}`,
  };
}

async function runEvaluate(
  deps: StepDeps,
  run: StepRun,
  step: StepOf<'evaluate'>,
): Promise<StepDone> {
  const source = input(run, step);
  const target = source.model ?? source.run;
  if (!target)
    throw new StepError(`step '${step.id}' from: '${source.label}' is not a run or model`);
  run.onCancel(() => deps.call('eval:cancel', { target }));
  const report = await deps.call('eval:run', {
    target,
    ...(step.data !== undefined ? { data: datasetOf(run, step, 'data') } : {}),
    ...(step.sensitive ? { sensitive: step.sensitive } : {}),
    ...(step.slices ? { slices: step.slices } : {}),
    ...(step.importanceRepeats !== undefined ? { importanceRepeats: step.importanceRepeats } : {}),
  });
  const metrics = metricLine(report.metrics, 4);
  return {
    outputs: {
      kind: 'evaluation',
      identity: report.id,
      evaluation: report.id,
      run: report.runId,
      ...(source.model ? { model: source.model } : {}),
      label: `evaluation ${report.id.slice(0, 8)} on ${count(report.rows)} rows of ${report.dataset}${metrics ? `: ${metrics}` : ''}`,
    },
    message: `evaluated ${target.length > 30 ? target.slice(0, 8) : target} on ${count(report.rows)} ${report.split} rows: ${metrics}`,
  };
}

/** The model a gate's `champion` test compares with: the register step that waits on the gate. */
function gatedModel(graph: PipelineGraph, gateId: string): string | null {
  for (const s of graph.steps.values())
    if (s.type === 'register' && s.gate === gateId) return s.name;
  return null;
}

async function runGate(deps: StepDeps, run: StepRun, step: StepOf<'gate'>): Promise<StepDone> {
  const evaluation = input(run, step);
  if (!evaluation.evaluation) throw new StepError(`step '${step.id}' from: not an evaluation`);
  const gates =
    step.gates === undefined
      ? null
      : parseWith(
          GateSet,
          typeof step.gates === 'string'
            ? loadFile(run.dir, step.gates, 'gate set', step.id)
            : step.gates,
          `step '${step.id}' gates`,
        );
  const checked = await deps.gateCheck({
    evaluation: evaluation.evaluation,
    gates,
    model: gatedModel(run.graph, step.id),
  });
  const failed = checked.gates.filter((g) => !g.passed);
  const passed = failed.length === 0;
  const lines = checked.gates.map(
    (g) => `${g.passed ? 'ok' : 'FAILED'} ${g.description} (observed ${fmt(g.observed)})`,
  );
  const summary =
    checked.policy === 'none'
      ? 'no gates (none in the step and no project gate policy): passes'
      : `${checked.gates.length - failed.length} of ${checked.gates.length} gates held${checked.policy === 'project' ? " (the project's policy)" : ''}: ${lines.join('; ')}`;
  if (!passed && step.onFail === 'stop') throw new StepError(`${summary} (onFail: stop)`);
  return {
    outputs: {
      kind: 'gate',
      identity: `${evaluation.evaluation}:${passed ? 'passed' : 'failed'}:${canonicalHash(checked.gates)}`,
      evaluation: evaluation.evaluation,
      passed,
      label: passed
        ? 'gates passed'
        : `gates failed: ${failed.map((g) => g.description).join('; ')}`,
    },
    message: passed ? summary : `${summary} — going on (onFail: warn)`,
  };
}

async function runRegister(
  deps: StepDeps,
  run: StepRun,
  step: StepOf<'register'>,
): Promise<StepDone> {
  const source = input(run, step);
  if (!source.run) throw new StepError(`step '${step.id}' from: '${source.label}' is not a run`);
  if (step.gate !== undefined) {
    const gate = input(run, step, 'gate');
    if (gate.passed === false)
      throw new StepError(`gate '${step.gate}' did not pass (${gate.label}): not registered`);
  }
  const version = await deps.call('models:register', {
    runId: source.run,
    name: step.name,
    description: `Registered by pipeline ${run.graph.pipeline.name} (run ${run.runId.slice(0, 8)}, step ${step.id}).`,
  });
  const ref = `${version.model}@${version.version}`;
  if (step.alias !== undefined)
    await deps.call('models:alias', {
      ref,
      alias: step.alias,
      reason: `pipeline ${run.graph.pipeline.name} run ${run.runId.slice(0, 8)}, step ${step.id}`,
    });
  return {
    outputs: {
      kind: 'model',
      identity: `${ref}:${version.id}`,
      model: ref,
      run: source.run,
      label: `${ref}${step.alias ? ` (${step.alias})` : ''}`,
    },
    message: `registered run ${source.run.slice(0, 8)} as ${ref}${step.alias ? `, alias ${step.alias}` : ''}`,
  };
}

async function runPredict(
  deps: StepDeps,
  run: StepRun,
  step: StepOf<'predict'>,
): Promise<StepDone> {
  const model = modelOf(run, step);
  const done: { id: string; output: string; rows: number }[] = [];
  const warnings: string[] = [];
  for (const [i, b] of step.batches.entries()) {
    if (run.signal.aborted) throw new StepError('cancelled');
    const output = pathIn(run.dir, b.output);
    // The step declares where its outputs go (as DVC's outs): their folder is made.
    makeUserDirs(dirname(output), `the output ${b.output}`, { field: `batches[${i}].output` });
    // A dataset step's version is scored from its Parquet file in the workspace.
    const dataset =
      b.from !== undefined ? datasetFrom(run, step, `batches[${i}].from`, b.from) : undefined;
    const file =
      dataset !== undefined ? await deps.datasetFile(dataset) : pathIn(run.dir, b.input!);
    run.say(`  batch ${i + 1} of ${step.batches.length}: ${dataset ?? b.input!} → ${b.output}`);
    run.onCancel(() => deps.call('predict:cancel', { output }));
    const out = await deps.call('predict:batch', {
      model,
      input: file,
      output,
      overwrite: true,
      ...(step.idColumn !== undefined ? { idColumn: step.idColumn } : {}),
      ...(step.passthrough ? { passthrough: step.passthrough } : {}),
      ...(step.capture !== undefined ? { capture: step.capture } : {}),
    });
    done.push({ id: out.id, output: out.output, rows: out.rows });
    for (const u of out.unreadable ?? []) {
      run.say(`  warning: ${unreadableText(u)}`);
      warnings.push(`${b.output}: ${unreadableText(u)}`);
    }
  }
  const rows = done.reduce((n, d) => n + d.rows, 0);
  return {
    outputs: {
      kind: 'batches',
      identity: canonicalHash(done.map((d) => d.id)),
      model,
      files: done.map((d) => d.output),
      label: `${done.length} batch${done.length === 1 ? '' : 'es'}, ${count(rows)} rows scored with ${model}`,
    },
    message:
      `scored ${count(rows)} rows in ${done.length} batch${done.length === 1 ? '' : 'es'} with ${model}` +
      warnings.map((w) => `; warning: ${w}`).join(''),
  };
}

async function runServe(deps: StepDeps, run: StepRun, step: StepOf<'serve'>): Promise<StepDone> {
  const model = modelOf(run, step);
  const name = model.slice(0, model.lastIndexOf('@'));
  const started = await deps.call('serve:start', {
    ...(step.canary
      ? {
          ref: step.canary.against ?? `${name}@champion`,
          canary: { ref: model, percent: step.canary.percent },
        }
      : { ref: model }),
    ...(step.port !== undefined ? { port: step.port } : {}),
  });
  return {
    outputs: {
      kind: 'server',
      identity: `${started.id}:${model}`,
      model,
      server: started.url,
      label: `${started.url} serving ${started.model}@${started.version}${started.canary ? ` with ${model} as a ${started.canary.percent}% canary` : ''}`,
    },
    message: `serving at ${started.url}`,
  };
}

async function runExport(deps: StepDeps, run: StepRun, step: StepOf<'export'>): Promise<StepDone> {
  const model = modelOf(run, step);
  const out = pathIn(run.dir, step.out);
  // The export writes a new folder; one a previous run of this step wrote is replaced once the new one is
  // whole. Any other non-empty folder is the user's and is refused by the export itself.
  const replace = existsSync(out) && readdirSync(out).length > 0 && (await run.ownsFolder(out));
  const target = replace
    ? join(dirname(out), `.${basename(out)}.lathe-${run.runId.slice(0, 8)}`)
    : out;
  // A temporary folder a killed run left behind is this step's own.
  if (replace) rmSync(target, { recursive: true, force: true });
  const files =
    step.format === 'docker'
      ? (await deps.call('export:docker', { ref: model, out: target })).files
      : (await deps.call('mlflow:export-model', { ref: model, out: target })).files;
  if (replace) {
    const old = `${target}.old`;
    renameSync(out, old);
    renameSync(target, out);
    rmSync(old, { recursive: true, force: true });
  }
  return {
    outputs: {
      kind: 'export',
      identity: `${step.format}:${model}:${out}`,
      model,
      files: [out],
      label: `${step.format === 'docker' ? 'Docker context' : 'MLflow model'} of ${model} in ${out}`,
    },
    message: `wrote ${files.length} files of ${model} to ${out}`,
  };
}

async function runMonitor(
  deps: StepDeps,
  run: StepRun,
  step: StepOf<'monitor'>,
): Promise<StepDone> {
  const model = modelOf(run, step);
  const name = model.slice(0, model.lastIndexOf('@'));
  const given =
    typeof step.rules === 'string'
      ? parseWith(
          AlertRules,
          loadFile(run.dir, step.rules, 'alert rules', step.id),
          `step '${step.id}' rules`,
        ).rules
      : step.rules;
  const rules = given.map((r) => ({ ...r, model: r.model ?? name }));
  // Labels first, so the performance rules checked below judge labelled rows.
  const labelled: string[] = [];
  for (const [i, a] of (step.actuals ?? []).entries()) {
    if (run.signal.aborted) throw new StepError('cancelled');
    const dataset = datasetFrom(run, step, `actuals[${i}].from`, a.from);
    const out = await deps.call('monitor:actuals', {
      model: name,
      dataset,
      idColumn: a.idColumn,
      targetColumn: a.targetColumn,
    });
    labelled.push(
      `${dataset}: ${count(out.rows)} labels, ${count(out.matched)} matched, ${count(out.unmatched)} unmatched`,
    );
  }
  const current = await deps.call('monitor:rules:get', {});
  const names = new Set(rules.map((r) => r.name));
  const next = {
    ...current.rules,
    ...(step.schedule !== undefined ? { schedule: step.schedule } : {}),
    rules: [...current.rules.rules.filter((r) => !names.has(r.name)), ...rules],
  };
  await deps.call('monitor:rules:set', { rules: next });
  const checked = await deps.call('monitor:check', { only: [...names] });
  const fired = checked.results.filter((r) => r.fired).map((r) => r.rule);
  const results = checked.results.map(
    (r) =>
      `${r.rule}: ${r.error ? r.error : `${r.signal} ${fmt(r.value)} (${r.fired ? 'FIRED' : 'ok'} against ${fmt(r.threshold)})`}`,
  );
  return {
    outputs: {
      kind: 'rules',
      identity: canonicalHash(rules),
      model,
      rules: [...names],
      label: `${rules.length} alert rule${rules.length === 1 ? '' : 's'} on ${name}${fired.length ? ` (${fired.join(', ')} fired when installed)` : ''}`,
    },
    message: `${labelled.length ? `actuals ${labelled.join('; ')}; ` : ''}installed ${[...names].join(', ')} on ${name}; checked now: ${results.join('; ') || 'nothing to check yet'}`,
  };
}

/** Runs one step to its outputs; StepError (or any error) fails the step. */
export function runStep(deps: StepDeps, run: StepRun, step: PipelineStep): Promise<StepDone> {
  switch (step.type) {
    case 'import':
      return runImport(deps, run, step);
    case 'validate':
      return runValidate(deps, run, step);
    case 'transform':
      return runTransform(deps, run, step);
    case 'train':
    case 'tune':
      return runTrain(deps, run, step);
    case 'evaluate':
      return runEvaluate(deps, run, step);
    case 'gate':
      return runGate(deps, run, step);
    case 'register':
      return runRegister(deps, run, step);
    case 'predict':
      return runPredict(deps, run, step);
    case 'serve':
      return runServe(deps, run, step);
    case 'export':
      return runExport(deps, run, step);
    case 'monitor':
      return runMonitor(deps, run, step);
  }
}

/**
 * Whether recorded outputs still stand: the dataset version, run, evaluation, model version and files
 * they name still exist. A server never stands once its process ended: a serve step runs again.
 */
export async function outputsStand(deps: StepDeps, outputs: PipelineStepOutput): Promise<boolean> {
  const exists = async (work: () => Promise<unknown>) =>
    work().then(
      () => true,
      () => false,
    );
  if (outputs.kind === 'server') {
    const servers = await deps.call('serve:list', {});
    return servers.some((s) => s.url === outputs.server);
  }
  if (outputs.dataset) {
    const [name, v] = [
      outputs.dataset.slice(0, outputs.dataset.lastIndexOf('@')),
      outputs.dataset.slice(outputs.dataset.lastIndexOf('@') + 1),
    ];
    const versions = await deps.call('data:versions', { name }).catch(() => []);
    const hit = versions.find((x) => String(x.version) === v);
    if (!hit || (outputs.kind === 'dataset' && hit.hash !== outputs.identity)) return false;
  }
  if (outputs.run && !(await exists(() => deps.call('runs:get', { id: outputs.run! }))))
    return false;
  if (
    outputs.evaluation &&
    !(await exists(() => deps.call('eval:get', { id: outputs.evaluation! })))
  )
    return false;
  if (outputs.model && !(await exists(() => deps.call('models:version', { ref: outputs.model! }))))
    return false;
  for (const f of outputs.files ?? []) if (!existsSync(f)) return false;
  return true;
}
