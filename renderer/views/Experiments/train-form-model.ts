import { parse as parseYaml } from 'yaml';
import {
  TrainConfig,
  describeIssues,
  type ColumnInfo,
  type Task,
  type TrainConfigInput,
} from '../../../shared/contract';

/** The New run form's fields, as typed (strings for numbers so partial input is allowed). */
export interface TrainFormValues {
  dataset: string;
  target: string;
  task: Task;
  model: 'linear' | 'mlp';
  hidden: string;
  epochs: string;
  batchSize: string;
  learningRate: string;
  validationFraction: string;
  seed: string;
  name: string;
  project: string;
  /** Cross-validation folds; empty: none. */
  folds: string;
  /** none, or a search strategy. */
  search: 'none' | 'grid' | 'random' | 'tpe';
  trials: string;
  /** The search space as YAML: `path: {type, ...}` per line. */
  space: string;
}

/** A first search space: the learning rate on a log scale, and the mlp's dropout. */
export const DEFAULT_SPACE = `training.learningRate: { type: loguniform, low: 0.0001, high: 0.1 }
model.dropout: { type: uniform, low: 0, high: 0.5 }
`;

export const DEFAULT_VALUES: Omit<TrainFormValues, 'dataset' | 'target' | 'project'> = {
  task: 'multiclass',
  model: 'mlp',
  hidden: '64, 64',
  epochs: '20',
  // Empty: Lathe picks it (256, or smaller on small data).
  batchSize: '',
  learningRate: '0.001',
  validationFraction: '0.2',
  seed: '42',
  name: '',
  folds: '',
  search: 'none',
  trials: '20',
  space: DEFAULT_SPACE,
};

/** A sensible task for a target column: numbers regress, booleans are binary, the rest multiclass. */
export function guessTask(column: ColumnInfo | undefined): Task {
  if (!column) return 'multiclass';
  if (column.kind === 'boolean') return 'binary';
  if (column.kind === 'numeric') return 'regression';
  return 'multiclass';
}

function toNumber(text: string): number {
  const trimmed = text.trim();
  return trimmed === '' ? Number.NaN : Number(trimmed);
}

/** Builds the TrainConfig; returns the contract's message naming the bad field when invalid. */
export function buildConfig(v: TrainFormValues): { config: TrainConfigInput } | { error: string } {
  const hidden = v.hidden
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((s) => Number(s));
  const input: TrainConfigInput = {
    dataset: v.dataset,
    target: v.target,
    task: v.task,
    model: v.model === 'mlp' ? { type: 'mlp', hidden } : { type: 'linear' },
    training: {
      epochs: toNumber(v.epochs),
      ...(v.batchSize.trim() ? { batchSize: toNumber(v.batchSize) } : {}),
      learningRate: toNumber(v.learningRate),
      validationFraction: toNumber(v.validationFraction),
    },
    seed: toNumber(v.seed),
    project: v.project,
    ...(v.name.trim() ? { name: v.name.trim() } : {}),
    ...(v.folds.trim() ? { crossValidation: { folds: toNumber(v.folds) } } : {}),
  };
  if (v.search !== 'none') {
    let space: unknown;
    try {
      space = parseYaml(v.space);
    } catch (err) {
      return { error: `search space: not valid YAML: ${(err as Error).message.split('\n')[0]}` };
    }
    input.search = {
      strategy: v.search,
      ...(v.trials.trim() ? { trials: toNumber(v.trials) } : {}),
      // The contract checks it below and names the bad path.
      space: (space ?? {}) as NonNullable<TrainConfigInput['search']>['space'],
    };
  }
  const parsed = TrainConfig.safeParse(input);
  if (!parsed.success) return { error: describeIssues(parsed.error, 'train config') };
  return { config: input };
}
