// Pipeline files: read the YAML, apply `--set` to the parameters, replace `${params.NAME}`, check the file
// with the contract and the step graph (unknown ids, duplicates, cycles, inputs of the wrong kind), and
// order the steps in levels. Nothing here runs a step: the runner, `--dry-run` and the Pipelines view all
// start from the PipelineGraph this returns, and every refusal names the file, the step and the field.
import { basename } from 'node:path';
import type { z } from 'zod';
import {
  describeIssue,
  LatheError,
  Pipeline,
  TrainConfig,
  type ParamValue,
  type PipelineStep,
  type PipelineStepType,
  type StepOf,
} from '../../shared/contract';
import { cronProblem } from '../monitor/cron';
import { parseConfigText, readConfigText } from '../workspace/config-file';

/**
 * A step field that names another step, and the step types it accepts. `batches.from` is the `from` of
 * each item of the step's `batches` list (an item without it names nothing).
 */
export interface InputRule {
  field: 'from' | 'data' | 'gate' | 'batches.from' | 'actuals.from';
  accepts: readonly PipelineStepType[];
}

const DATASET_STEPS = ['import', 'validate', 'transform'] as const;
const MODEL_STEPS = ['train', 'tune', 'register'] as const;

/**
 * What each step type reads, by field. A dataset step (import, validate, transform) outputs a dataset
 * version; train and tune a run; register a model version; evaluate an evaluation; predict the batches it
 * scored (and their model). `after` (on every step) accepts any step and only orders.
 */
export const STEP_INPUTS: { readonly [T in PipelineStepType]: readonly InputRule[] } = {
  import: [],
  validate: [{ field: 'from', accepts: ['import', 'transform'] }],
  transform: [{ field: 'from', accepts: DATASET_STEPS }],
  train: [{ field: 'from', accepts: DATASET_STEPS }],
  tune: [{ field: 'from', accepts: DATASET_STEPS }],
  evaluate: [
    { field: 'from', accepts: MODEL_STEPS },
    { field: 'data', accepts: DATASET_STEPS },
  ],
  gate: [{ field: 'from', accepts: ['evaluate'] }],
  register: [
    { field: 'from', accepts: ['train', 'tune'] },
    { field: 'gate', accepts: ['gate'] },
  ],
  predict: [
    { field: 'from', accepts: MODEL_STEPS },
    { field: 'batches.from', accepts: DATASET_STEPS },
  ],
  serve: [{ field: 'from', accepts: MODEL_STEPS }],
  export: [{ field: 'from', accepts: MODEL_STEPS }],
  monitor: [
    { field: 'from', accepts: ['register', 'serve', 'predict'] },
    { field: 'actuals.from', accepts: DATASET_STEPS },
  ],
};

/** An edge per item of a list whose `field` names a step: `batches[1].from`. */
function listInputs(
  items: unknown,
  list: string,
  field: string,
  accepts: readonly PipelineStepType[],
): StepInput[] {
  if (!Array.isArray(items)) return [];
  return items.flatMap((item: unknown, i) => {
    const id = isRecord(item) ? item[field] : undefined;
    return typeof id === 'string' ? [{ field: `${list}[${i}].${field}`, id, accepts }] : [];
  });
}

/**
 * One edge of the graph: `field` of a step (`from`, `from[1]`, `data`, `gate`, `batches[0].from`,
 * `actuals[2].from`, `after[0]`) names `id`.
 */
export interface StepInput {
  field: string;
  id: string;
  /** The step types the field accepts; undefined for `after` (any). */
  accepts?: readonly PipelineStepType[];
}

/** The steps a step reads or waits for, in field order. */
export function stepInputs(step: PipelineStep): StepInput[] {
  const out: StepInput[] = [];
  const fields = step as unknown as Record<string, unknown>;
  for (const rule of STEP_INPUTS[step.type]) {
    const [list, field] = rule.field.split('.');
    if (field !== undefined) {
      out.push(...listInputs(fields[list!], list!, field, rule.accepts));
      continue;
    }
    const value = fields[rule.field];
    if (typeof value === 'string')
      out.push({ field: rule.field, id: value, accepts: rule.accepts });
    else if (Array.isArray(value))
      value.forEach((id, i) =>
        out.push({ field: `${rule.field}[${i}]`, id: String(id), accepts: rule.accepts }),
      );
  }
  (step.after ?? []).forEach((id, i) => out.push({ field: `after[${i}]`, id }));
  return out;
}

/** A checked pipeline: the file after parameters, its steps by id, their edges and their order. */
export interface PipelineGraph {
  /** How errors and records name the file (its base name). */
  file: string;
  /**
   * The pipeline as the contract parsed it, `${params.NAME}` in its steps replaced by the parameters'
   * values (`pipeline.params` keeps the file's defaults; `params` below holds the values used).
   */
  pipeline: Pipeline;
  /** Each parameter's value: its default, or the `--set` given. */
  params: Record<string, ParamValue>;
  steps: ReadonlyMap<string, PipelineStep>;
  /** Each step's inputs (what it reads and waits for). */
  inputs: Readonly<Record<string, readonly StepInput[]>>;
  /** Each step's direct dependents (steps with it among their inputs), in file order. */
  dependents: Readonly<Record<string, readonly string[]>>;
  /**
   * Steps by level: level 0 reads nothing, level n reads only steps of levels below n, so the steps of one
   * level are independent and may run at once. Within a level, file order.
   */
  levels: readonly (readonly string[])[];
  /** Every step in a dependency order (the levels, one after another). */
  order: readonly string[];
}

export interface ParseOptions {
  /** How errors name the file (default `pipeline`); a path is shortened to its base name. */
  file?: string;
  /** `--set NAME=VALUE` (or `params.NAME=VALUE`), in the order given. */
  set?: readonly string[];
}

/**
 * Parses a pipeline file's text into a checked graph. Refuses with INVALID_CONFIG (the file: YAML, the
 * contract, `${params}`, the graph, the schedule) or INVALID_INPUT (a `--set`), naming the file, the step
 * and the field; nothing has run.
 */
export function parsePipeline(text: string, options: ParseOptions = {}): PipelineGraph {
  const file = basename(options.file ?? 'pipeline');
  const raw = parseConfigText(text, file, 'pipeline');

  const defaults = Pipeline.shape.params.safeParse(raw.params);
  if (!defaults.success) throw contractError(file, defaults.error, raw, ['params']);
  const params = applyParamOverrides(defaults.data, options.set ?? [], file);

  const substituted = {
    ...raw,
    params: defaults.data,
    ...(Array.isArray(raw.steps)
      ? { steps: raw.steps.map((s, i) => substituteParams(s, params, file, stepLabel(raw, i))) }
      : {}),
  };
  const parsed = Pipeline.safeParse(substituted, { reportInput: true });
  if (!parsed.success) throw contractError(file, parsed.error, raw);
  const pipeline = parsed.data;

  const problems: Problem[] = [];
  if (pipeline.schedule !== undefined) {
    const bad = cronProblem(pipeline.schedule);
    if (bad) problems.push({ field: 'schedule', message: bad });
  }
  for (const step of pipeline.steps) {
    if (step.type === 'monitor' && step.schedule !== undefined) {
      const bad = cronProblem(step.schedule);
      if (bad) problems.push({ step: step.id, field: 'schedule', message: bad });
    }
  }
  const graph = buildGraph(pipeline, problems);
  if (problems.length) throw graphError(file, problems);
  return { file, pipeline, params, ...graph };
}

/** Reads and parses a pipeline file (see parsePipeline); FILE_NOT_FOUND when it is missing. */
export function loadPipeline(path: string, set: readonly string[] = []): PipelineGraph {
  const { file, text } = readConfigText(path, 'pipeline');
  return parsePipeline(text, { file, set });
}

/**
 * Applies `--set NAME=VALUE` (or `params.NAME=VALUE`) to the parameters' defaults. A value is read as its
 * default's type: a number (`--set trees=200`), a boolean (`true`/`false`) or text as given. An unknown
 * parameter or a value of the wrong type is INVALID_INPUT naming the `--set`.
 */
export function applyParamOverrides(
  defaults: Readonly<Record<string, ParamValue>>,
  set: readonly string[],
  file: string,
): Record<string, ParamValue> {
  const params: Record<string, ParamValue> = { ...defaults };
  for (const given of set) {
    const at = given.indexOf('=');
    const path = at < 0 ? '' : given.slice(0, at).trim();
    if (at < 0 || path === '')
      throw new LatheError(
        'INVALID_INPUT',
        `--set: '${given}' is not NAME=VALUE (e.g. --set trees=200)`,
        {
          file,
          set: given,
        },
      );
    const name = path.startsWith('params.') ? path.slice('params.'.length) : path;
    const text = given.slice(at + 1).trim();
    const known = Object.keys(defaults);
    if (!Object.hasOwn(defaults, name))
      throw new LatheError(
        'INVALID_INPUT',
        `--set ${path}: ${file} has no parameter '${name}' (${known.length ? `parameters: ${known.join(', ')}` : 'it declares no params'})`,
        { file, set: given, param: name },
      );
    const fallback = defaults[name]!;
    params[name] = readParam(text, fallback, () => {
      throw new LatheError(
        'INVALID_INPUT',
        `--set ${path}: '${text}' is not a ${typeof fallback} (the default of ${name} is ${JSON.stringify(fallback)})`,
        { file, set: given, param: name },
      );
    });
  }
  return params;
}

function readParam(text: string, fallback: ParamValue, refuse: () => never): ParamValue {
  if (typeof fallback === 'number') {
    const n = text === '' ? NaN : Number(text);
    return Number.isFinite(n) ? n : refuse();
  }
  if (typeof fallback === 'boolean') {
    if (text === 'true') return true;
    if (text === 'false') return false;
    return refuse();
  }
  return text;
}

const PARAM_REF = /\$(\$?)\{\s*params\.([A-Za-z_][A-Za-z0-9_]*)\s*\}/g;
const WHOLE_REF = /^\$\{\s*params\.([A-Za-z_][A-Za-z0-9_]*)\s*\}$/;

/**
 * Replaces `${params.NAME}` in every string of a value. A string that is only the reference becomes the
 * parameter's value with its type (`trees: ${params.trees}` is a number); inside longer text it is written
 * as text. `$${params.NAME}` stays as the literal `${params.NAME}`. An unknown parameter is INVALID_CONFIG
 * naming `where` (the step) and the field.
 */
export function substituteParams(
  value: unknown,
  params: Readonly<Record<string, ParamValue>>,
  file: string,
  where: string,
  path: readonly (string | number)[] = [],
): unknown {
  if (typeof value === 'string') {
    const lookup = (name: string): ParamValue => {
      if (Object.hasOwn(params, name)) return params[name]!;
      const known = Object.keys(params);
      throw new LatheError(
        'INVALID_CONFIG',
        `${file}: ${where} ${fieldPath(path)}: no parameter '${name}' (${known.length ? `parameters: ${known.join(', ')}` : 'the file declares no params'})`,
        { file, field: fieldPath(path), param: name },
      );
    };
    const whole = WHOLE_REF.exec(value);
    if (whole) return lookup(whole[1]!);
    return value.replace(PARAM_REF, (ref: string, escaped: string, name: string) =>
      escaped ? ref.slice(1) : String(lookup(name)),
    );
  }
  if (Array.isArray(value))
    return value.map((v, i) => substituteParams(v, params, file, where, [...path, i]));
  if (isRecord(value))
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        substituteParams(v, params, file, where, [...path, k]),
      ]),
    );
  return value;
}

/**
 * The full train config of a train or tune step, with its dataset (the `from` step's version, `NAME@v`)
 * filled in and a tune step's `search` merged. `config` as a file path is the runner's to load first.
 */
export function trainConfigFor(
  step: StepOf<'train'> | StepOf<'tune'>,
  dataset: string,
  loaded?: Record<string, unknown>,
): TrainConfig {
  const config = typeof step.config === 'string' ? loaded : step.config;
  if (config === undefined)
    throw new LatheError(
      'INVALID_INPUT',
      `step '${step.id}' config: the file ${step.config as string} must be loaded first`,
    );
  const search = step.type === 'tune' ? (step.search ?? config.search) : config.search;
  return TrainConfig.parse({ ...config, dataset, ...(search ? { search } : {}) });
}

/** The steps downstream of `ids` (their dependents, transitively), `ids` included, in graph order. */
export function downstreamOf(graph: PipelineGraph, ids: Iterable<string>): string[] {
  const seen = new Set<string>();
  const visit = (id: string) => {
    if (seen.has(id)) return;
    seen.add(id);
    for (const d of graph.dependents[id] ?? []) visit(d);
  };
  for (const id of ids) {
    if (!graph.steps.has(id))
      throw new LatheError(
        'INVALID_INPUT',
        `${graph.file}: no step '${id}' (steps: ${[...graph.steps.keys()].join(', ')})`,
        { file: graph.file, step: id },
      );
    visit(id);
  }
  return graph.order.filter((id) => seen.has(id));
}

/** A step and every step it reads or waits for (transitively): what `--only STEP` needs. */
export function upstreamOf(graph: PipelineGraph, id: string): Set<string> {
  const seen = new Set<string>();
  const visit = (step: string) => {
    if (seen.has(step)) return;
    seen.add(step);
    for (const input of graph.inputs[step] ?? []) visit(input.id);
  };
  visit(id);
  return seen;
}

// --- the graph ----------------------------------------------------------------------------------------------

interface Problem {
  step?: string;
  field: string;
  message: string;
}

function buildGraph(
  pipeline: Pipeline,
  problems: Problem[],
): Pick<PipelineGraph, 'steps' | 'inputs' | 'dependents' | 'levels' | 'order'> {
  const steps = new Map<string, PipelineStep>();
  for (const step of pipeline.steps) {
    if (steps.has(step.id))
      problems.push({ step: step.id, field: 'id', message: `the id '${step.id}' is used twice` });
    else steps.set(step.id, step);
  }
  const inputs: Record<string, StepInput[]> = {};
  const dependents: Record<string, string[]> = {};
  for (const id of steps.keys()) dependents[id] = [];
  for (const step of steps.values()) {
    inputs[step.id] = stepInputs(step);
    for (const input of inputs[step.id]!) {
      const target = steps.get(input.id);
      if (!target) {
        problems.push({
          step: step.id,
          field: input.field,
          message: `no step '${input.id}' (steps: ${[...steps.keys()].join(', ')})`,
        });
      } else if (input.id === step.id) {
        problems.push({ step: step.id, field: input.field, message: 'a step cannot read itself' });
      } else {
        if (input.accepts && !input.accepts.includes(target.type))
          problems.push({
            step: step.id,
            field: input.field,
            message: `'${input.id}' is a ${target.type} step; ${step.type}.${input.field.replace(/\[\d+\]/g, '')} takes ${words(input.accepts)} step`,
          });
        if (!dependents[input.id]!.includes(step.id)) dependents[input.id]!.push(step.id);
      }
    }
  }
  const cycle = findCycle(steps, inputs);
  if (cycle) problems.push(cycle);
  if (problems.length) return { steps, inputs, dependents, levels: [], order: [] };

  const level = new Map<string, number>();
  const levelOf = (id: string): number => {
    const known = level.get(id);
    if (known !== undefined) return known;
    const n = Math.max(-1, ...inputs[id]!.map((i) => levelOf(i.id))) + 1;
    level.set(id, n);
    return n;
  };
  const levels: string[][] = [];
  for (const id of steps.keys()) (levels[levelOf(id)] ??= []).push(id);
  return { steps, inputs, dependents, levels, order: levels.flat() };
}

/** The first cycle found, named edge by edge: `a.from → b, b.after[0] → a`. */
function findCycle(
  steps: ReadonlyMap<string, PipelineStep>,
  inputs: Readonly<Record<string, readonly StepInput[]>>,
): Problem | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: { id: string; field: string }[] = [];
  const visit = (id: string): Problem | null => {
    state.set(id, 'open');
    for (const input of inputs[id] ?? []) {
      if (!steps.has(input.id) || input.id === id) continue;
      stack.push({ id, field: input.field });
      const seen = state.get(input.id);
      if (seen === 'open') {
        const from = stack.findIndex((e) => e.id === input.id);
        const edges = stack.slice(from);
        const names = edges.map((e, i) => `${e.id}.${e.field} → ${edges[i + 1]?.id ?? input.id}`);
        return {
          step: input.id,
          field: edges[0]!.field,
          message: `the steps form a cycle: ${names.join(', ')}`,
        };
      }
      if (seen === undefined) {
        const found = visit(input.id);
        if (found) return found;
      }
      stack.pop();
    }
    state.set(id, 'done');
    return null;
  };
  for (const id of steps.keys()) {
    if (state.has(id)) continue;
    const found = visit(id);
    if (found) return found;
  }
  return null;
}

// --- messages -----------------------------------------------------------------------------------------------

const isRecord = (x: unknown): x is Record<string, unknown> =>
  x !== null && typeof x === 'object' && !Array.isArray(x);

const words = (types: readonly string[]): string =>
  types.length === 1
    ? `a ${types[0]}`
    : `a ${types.slice(0, -1).join(', ')} or ${types[types.length - 1]}`;

function fieldPath(path: readonly PropertyKey[]): string {
  return (
    path
      .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`))
      .join('') || '(root)'
  );
}

/** How a message names the i-th step of the raw file: by its id when it has one. */
function stepLabel(raw: Record<string, unknown>, i: number): string {
  const step = Array.isArray(raw.steps) ? (raw.steps[i] as unknown) : undefined;
  return isRecord(step) && typeof step.id === 'string' ? `step '${step.id}'` : `steps[${i}]`;
}

/**
 * A union (a config inline or as a file path) refused as a whole says only "Invalid input"; when all but
 * one branch refused the value's type outright, that branch's own issues name the field that is wrong.
 */
function unionBranch(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== 'invalid_union') return [issue];
  const typed = issue.errors.filter(
    ([only, ...more]) =>
      !(more.length === 0 && only?.code === 'invalid_type' && only.path.length === 0),
  );
  if (typed.length !== 1) return [issue];
  return typed[0]!.flatMap((inner) =>
    unionBranch({ ...inner, path: [...issue.path, ...inner.path] }),
  );
}

function contractError(
  file: string,
  error: z.ZodError,
  raw: Record<string, unknown>,
  prefix: readonly PropertyKey[] = [],
): LatheError {
  const issues = error.issues.flatMap(unionBranch).map((issue) => {
    const path = [...prefix, ...issue.path];
    if (path[0] === 'steps' && typeof path[1] === 'number') {
      const label = stepLabel(raw, path[1]);
      const step = label.startsWith('step ') ? label.slice(6, -1) : undefined;
      const field = fieldPath(path.slice(2));
      return { step, field, message: issue.message, label, text: describeIssue(issue, field) };
    }
    const field = fieldPath(path);
    return {
      step: undefined,
      field,
      message: issue.message,
      label: '',
      text: describeIssue(issue, field),
    };
  });
  return new LatheError(
    'INVALID_CONFIG',
    `${file}: ${issues.map((i) => `${i.label ? `${i.label} ` : ''}${i.text}`).join('; ')}`,
    { file, issues: issues.map(({ label: _label, text: _text, ...rest }) => rest) },
  );
}

function graphError(file: string, problems: readonly Problem[]): LatheError {
  return new LatheError(
    'INVALID_CONFIG',
    `${file}: ${problems.map((p) => `${p.step ? `step '${p.step}' ` : ''}${p.field}: ${p.message}`).join('; ')}`,
    { file, issues: problems },
  );
}
