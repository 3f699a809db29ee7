// A pipeline step's cache key, as DVC's dvc.lock records a stage's deps, params and outs: the sha256 of its
// resolved config, the identities of what its inputs made (dataset version hashes, run ids, model
// versions) and Lathe's version. An unchanged key skips the step with its recorded outputs; a changed one
// reruns it and everything downstream. planRerun says which steps run and why: what `--dry-run` prints.
import type { PipelineStep } from '../../shared/contract';
import { canonicalHash } from '../workspace/canonical-json';
import type { PipelineGraph } from './graph';

/** A step's key and the ingredients it was made of (recorded with the step, to explain a change later). */
export interface StepKey {
  /** sha256 (hex) of the canonical JSON of `{ config, inputs, lathe }`. */
  key: string;
  /** sha256 of the resolved config alone. */
  config: string;
  /** Each input step's id → the identity of its output (a dataset version hash, a run id, `model@3`). */
  inputs: Readonly<Record<string, string>>;
  /** Lathe's version. */
  lathe: string;
}

export interface StepKeyInput {
  /**
   * The step's resolved config: parameters applied and files it names loaded (a train config file's
   * content, not its path), usually keyConfig(step) with such files replaced by their content.
   */
  config: unknown;
  /** Each input step's id → its output's identity. */
  inputs: Readonly<Record<string, string>>;
  latheVersion: string;
}

/** The key of one step: equal ingredients give an equal key whatever the order of their fields. */
export function stepKey({ config, inputs, latheVersion }: StepKeyInput): StepKey {
  return {
    key: canonicalHash({ config, inputs, lathe: latheVersion }),
    config: canonicalHash(config),
    inputs: { ...inputs },
    lathe: latheVersion,
  };
}

/**
 * What of a step belongs in its config hash: everything but its id, its description and the fields that
 * name other steps (`from`, `data`, `gate`, `after`), whose outputs enter the key as inputs instead — so
 * rewording a description reruns nothing. A list item's `from` (a batch's, a monitor's `actuals`) stays:
 * the inputs say what each step made, not which item reads it, and two batches swapping their months must
 * rerun the step.
 */
export function keyConfig(step: PipelineStep): Record<string, unknown> {
  const {
    id: _id,
    description: _description,
    after: _after,
    ...rest
  } = step as PipelineStep & Record<string, unknown>;
  const config: Record<string, unknown> = { ...rest };
  delete config.from;
  if (step.type === 'evaluate') delete config.data;
  if (step.type === 'register') delete config.gate;
  return config;
}

/** Why a step runs. */
export type RerunReason =
  /** No key is recorded for it: it never finished. */
  | { kind: 'new' }
  /** `--force STEP` (or `--from STEP`) named it or a step upstream of it. */
  | { kind: 'forced'; by: string }
  | { kind: 'config'; before: string; after: string }
  /** An input's output changed (or the step reads a new input, `before` absent, or drops one). */
  | { kind: 'input'; input: string; before?: string; after?: string }
  | { kind: 'lathe'; before: string; after: string }
  /** A step it reads reruns, so its inputs will change. */
  | { kind: 'upstream'; step: string }
  /** Its key cannot be computed yet (an input has no recorded output) and nothing else says why. */
  | { kind: 'unknown' };

export interface StepPlan {
  id: string;
  /** True: the step runs; false: it is skipped with its recorded outputs. */
  run: boolean;
  /** Why it runs (empty when skipped). */
  reasons: RerunReason[];
}

export interface PlanOptions {
  /** Steps to rerun whatever their keys (with everything downstream). */
  force?: readonly string[];
}

/**
 * Which steps rerun and why, in graph order. `previous` holds the keys recorded when each step last
 * finished; `current` the keys computed now (inputs from the recorded outputs of the steps before; absent
 * when an input has none). A step runs when it is forced, has no recorded key, its key changed (the reasons
 * say which ingredient), or a step it reads runs.
 */
export function planRerun(
  graph: Pick<PipelineGraph, 'order' | 'inputs'>,
  previous: Readonly<Record<string, StepKey | undefined>>,
  current: Readonly<Record<string, StepKey | undefined>>,
  options: PlanOptions = {},
): StepPlan[] {
  const forcedBy = new Map<string, string>();
  for (const id of options.force ?? []) forcedBy.set(id, id);
  const runs = new Set<string>();
  const plans: StepPlan[] = [];
  for (const id of graph.order) {
    const reasons: RerunReason[] = [];
    const inputs = graph.inputs[id] ?? [];
    const forcer = forcedBy.get(id) ?? inputs.map((i) => forcedBy.get(i.id)).find(Boolean);
    if (forcer !== undefined) {
      forcedBy.set(id, forcer);
      reasons.push({ kind: 'forced', by: forcer });
    }
    const before = previous[id];
    const now = current[id];
    if (!before) reasons.push({ kind: 'new' });
    else if (now && now.key !== before.key) reasons.push(...keyChanges(before, now));
    for (const input of inputs)
      if (runs.has(input.id) && !reasons.some((r) => r.kind === 'upstream' && r.step === input.id))
        reasons.push({ kind: 'upstream', step: input.id });
    if (before && !now && reasons.length === 0) reasons.push({ kind: 'unknown' });
    if (reasons.length) runs.add(id);
    plans.push({ id, run: reasons.length > 0, reasons });
  }
  return plans;
}

/** Which ingredients differ between two keys of one step. */
export function keyChanges(before: StepKey, after: StepKey): RerunReason[] {
  const out: RerunReason[] = [];
  if (before.config !== after.config)
    out.push({ kind: 'config', before: before.config, after: after.config });
  const ids = [...new Set([...Object.keys(before.inputs), ...Object.keys(after.inputs)])].sort();
  for (const input of ids) {
    const was = before.inputs[input];
    const is = after.inputs[input];
    if (was !== is)
      out.push({
        kind: 'input',
        input,
        ...(was !== undefined ? { before: was } : {}),
        ...(is !== undefined ? { after: is } : {}),
      });
  }
  if (before.lathe !== after.lathe)
    out.push({ kind: 'lathe', before: before.lathe, after: after.lathe });
  return out;
}

/** A reason in words, as `--dry-run` prints it: `config changed (3f2a1c9 → 9b8e0d1)`. */
export function describeReason(reason: RerunReason): string {
  const short = (h: string) => (/^[0-9a-f]{64}$/.test(h) ? h.slice(0, 7) : h);
  switch (reason.kind) {
    case 'new':
      return 'never ran';
    case 'forced':
      return `forced (--force ${reason.by})`;
    case 'config':
      return `config changed (${short(reason.before)} → ${short(reason.after)})`;
    case 'input':
      if (reason.before === undefined) return `new input '${reason.input}'`;
      if (reason.after === undefined) return `input '${reason.input}' removed`;
      return `input '${reason.input}' changed (${short(reason.before)} → ${short(reason.after)})`;
    case 'lathe':
      return `Lathe changed (${reason.before} → ${reason.after})`;
    case 'upstream':
      return `'${reason.step}' reruns`;
    case 'unknown':
      return 'an input has no recorded output';
  }
}
