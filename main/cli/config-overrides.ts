// `lathe train --model TYPE --set PATH=VALUE`: changes to a train config given on the command line,
// applied to the file's mapping before the contract checks it, so a refusal names the file and the field.
import { parse as parseYaml } from 'yaml';
import { LatheError } from '../../shared/contract';
import { GBDT_OPTIONS } from '../../shared/config/train-config';
import { UsageError } from './args';

/** The model types `--model` takes (the train config's model.type). */
export const MODEL_TYPES = ['linear', 'mlp', 'gbdt'] as const;
type ModelType = (typeof MODEL_TYPES)[number];

/** The model options each type takes besides `type` (shared/config/train-config.ts). */
const MODEL_OPTIONS: Record<ModelType, readonly string[]> = {
  linear: ['l1', 'l2'],
  mlp: ['hidden', 'activation', 'dropout', 'batchNorm', 'l1', 'l2'],
  gbdt: [...GBDT_OPTIONS, 'l1', 'l2'],
};

/** Training options only the networks use: the contract refuses them on a gbdt. */
const NETWORK_TRAINING = ['batchSize', 'lrSchedule', 'engine'] as const;

const PATH = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/;

export interface ConfigOverrides {
  /** `--model TYPE`, when given. */
  model?: string;
  /** `--set PATH=VALUE`, in the order given. */
  set: readonly string[];
  /** A command's own flags that set a config path (`lathe tune --trials 0` sets search.trials). */
  flags?: readonly { given: string; path: string }[];
}

/** One `--set`: where, and the value read as YAML (`0.1` a number, `[64, 32]` a list, `huber` text). */
interface Assignment {
  path: string;
  value: unknown;
  given: string;
}

function readAssignment(given: string): Assignment {
  const at = given.indexOf('=');
  const path = at < 0 ? '' : given.slice(0, at).trim();
  const text = at < 0 ? '' : given.slice(at + 1).trim();
  if (!PATH.test(path) || text === '')
    throw new UsageError(
      `--set: '${given}' is not PATH=VALUE (e.g. --set model.trees=300, --set training.validationFraction=0.1)`,
    );
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (err) {
    throw new UsageError(`--set ${path}: '${text}' is not a value: ${(err as Error).message}`);
  }
  return { path, value, given };
}

const isRecord = (x: unknown): x is Record<string, unknown> =>
  x !== null && typeof x === 'object' && !Array.isArray(x);

/**
 * Applies `--model` then each `--set` to a config's raw mapping; returns what they left out, in words
 * ('' when nothing), for the command to say. Switching the model type keeps only the options the new type
 * takes: L1/L2 stay between linear and mlp (kernel penalties both) but not across to or from a gbdt, whose
 * L1/L2 weigh leaf values at another scale; a gbdt also drops the networks' batchSize, lrSchedule and engine.
 */
export function applyOverrides(raw: Record<string, unknown>, overrides: ConfigOverrides): string {
  const assignments = overrides.set.map(readAssignment);
  const dropped: string[] = [];
  if (overrides.model !== undefined) {
    const type = overrides.model as ModelType;
    if (!MODEL_TYPES.includes(type))
      throw new UsageError(
        `--model: '${overrides.model}' is not a model type (one of ${MODEL_TYPES.join(', ')})`,
      );
    const model = isRecord(raw.model) ? raw.model : {};
    const from = typeof model.type === 'string' ? model.type : 'mlp';
    const next: Record<string, unknown> = { type };
    for (const [key, value] of Object.entries(model)) {
      if (key === 'type') continue;
      const crosses = (from === 'gbdt') !== (type === 'gbdt');
      const kept =
        from === type ||
        (MODEL_OPTIONS[type].includes(key) && !(crosses && (key === 'l1' || key === 'l2')));
      if (kept) next[key] = value;
      else dropped.push(`model.${key}`);
    }
    raw.model = next;
    if (type === 'gbdt' && isRecord(raw.training)) {
      const training = raw.training;
      for (const key of NETWORK_TRAINING) {
        if (key in training) {
          delete training[key];
          dropped.push(`training.${key}`);
        }
      }
    }
  }
  for (const { path, value } of assignments) {
    const keys = path.split('.');
    let at: Record<string, unknown> = raw;
    for (const [i, key] of keys.slice(0, -1).entries()) {
      const inner = at[key];
      if (inner === undefined) at[key] = {};
      else if (!isRecord(inner))
        throw new UsageError(
          `--set ${path}: ${keys.slice(0, i + 1).join('.')} is not a mapping in the config`,
        );
      at = at[key] as Record<string, unknown>;
    }
    at[keys[keys.length - 1]!] = value;
  }
  return dropped.length
    ? `--model ${overrides.model}: left out ${dropped.join(', ')} (options a ${overrides.model} does not take)`
    : '';
}

/**
 * A refusal of the config that a command-line change caused says so: its message names the `--set` or
 * `--model` given for the field (or one enclosing or inside it). Other errors pass unchanged.
 */
export function blameOverrides(err: unknown, overrides: ConfigOverrides): unknown {
  if (!(err instanceof LatheError) || err.code !== 'INVALID_CONFIG') return err;
  const issues = Array.isArray(err.details?.issues)
    ? (err.details.issues as { path?: unknown }[])
    : [];
  const paths = issues.map((i) => (typeof i.path === 'string' ? i.path : '')).filter(Boolean);
  // A --set is blamed for an issue at its path, inside it or enclosing it (an unknown key is reported
  // at the mapping that holds it); --model for one at the model itself or its type.
  const related = (a: string, b: string) =>
    a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);
  const blamed: { given: string; field: string }[] = [];
  if (overrides.model !== undefined) {
    const field = paths.find((p) => p === 'model' || p === 'model.type');
    if (field) blamed.push({ given: `--model ${overrides.model}`, field });
  }
  for (const s of overrides.set) {
    const path = s.slice(0, s.indexOf('=')).trim();
    const field = paths.find((p) => related(p, path));
    if (field) blamed.push({ given: `--set ${s}`, field });
  }
  for (const f of overrides.flags ?? []) {
    const field = paths.find((p) => related(p, f.path));
    if (field) blamed.push({ given: f.given, field });
  }
  if (!blamed.length) return err;
  return new LatheError(
    'INVALID_CONFIG',
    `${err.message} (given on the command line: ${blamed.map((b) => b.given).join(', ')})`,
    { ...err.details, field: blamed[0]!.field },
  );
}
