import type { ColumnInfo, Task } from '../../shared/contract';
import { LatheError } from '../../shared/contract/errors';

/** Numbers with more distinct values than this read as a quantity to regress, not classes. */
const MANY_NUMBERS = 20;
/** The most classes a multiclass target may have. */
export const MAX_CLASSES = 1000;

const FLOAT_TYPE = /^(DOUBLE|FLOAT|REAL|DECIMAL|NUMERIC)/i;

/**
 * The task that fits a target with `n` distinct values: binary for 2; regression for numbers that are
 * floats or many; multiclass otherwise (up to MAX_CLASSES).
 */
export function fittingTask(
  n: number,
  column: Pick<ColumnInfo, 'type' | 'kind'> | undefined,
): Task | null {
  if (n === 2) return 'binary';
  const numeric = column?.kind === 'numeric';
  if (numeric && (FLOAT_TYPE.test(column.type) || n > MANY_NUMBERS)) return 'regression';
  if (n > 2 && n <= MAX_CLASSES) return 'multiclass';
  return numeric && n > MAX_CLASSES ? 'regression' : null;
}

/**
 * Refuses a classification task whose target has the wrong number of distinct values, naming the task
 * that fits (a numeric target with 111 values is a regression, not a binary task).
 */
export function checkClassCount(
  target: string,
  task: Task,
  n: number,
  columns: readonly ColumnInfo[],
): void {
  if (task === 'regression') return;
  const wrong = task === 'binary' ? n !== 2 : n < 2 || n > MAX_CLASSES;
  if (!wrong) return;
  const fits = fittingTask(
    n,
    columns.find((c) => c.name === target),
  );
  const need =
    task === 'binary' ? 'a binary task needs exactly 2' : `multiclass needs 2 to ${MAX_CLASSES}`;
  throw new LatheError(
    'INVALID_CONFIG',
    `target: column '${target}' has ${n} distinct value${n === 1 ? '' : 's'}; ${need}${fits && fits !== task ? ` (use task: ${fits})` : ''}`,
    { field: 'target', ...(fits && fits !== task ? { suggestedTask: fits } : {}) },
  );
}
