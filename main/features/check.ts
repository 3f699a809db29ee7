import {
  LatheError,
  type ColumnInfo,
  type ColumnStep,
  type FeatureSpec,
} from '../../shared/contract';
import { isIntegerType } from '../data/column-kind';

export const ENCODINGS = new Set(['onehot', 'ordinal', 'frequency', 'target']);
export const CATEGORY_ORDER = ['impute', 'onehot', 'ordinal', 'frequency', 'target'];
export const NUMERIC_ORDER = ['impute', 'clip', 'scale', 'bucketize'];
export const DATE_ORDER = ['datetime', 'clip', 'scale', 'bucketize'];

export const specError = (field: string, message: string) =>
  new LatheError('INVALID_CONFIG', `${field}: ${message}`, { field });

/**
 * A spec's column by name; a missing one is an error naming the spec field and the dataset's columns.
 */
export function columnLookup(columns: ColumnInfo[]): (field: string, name: string) => ColumnInfo {
  const byName = new Map(columns.map((c) => [c.name, c]));
  return (field, name) => {
    const c = byName.get(name);
    if (!c)
      throw specError(
        field,
        `column '${name}' is not in the dataset (columns: ${[...byName.keys()].join(', ')})`,
      );
    return c;
  };
}

/** How a column of a group is treated: as categories, as a number, or as a date. */
export function pipelineOf(
  info: ColumnInfo,
  steps: ColumnStep[],
): 'categorical' | 'numeric' | 'datetime' | null {
  const encoded = steps.some((s) => ENCODINGS.has(s.op));
  if (
    info.kind === 'categorical' ||
    (encoded && (info.kind === 'boolean' || isIntegerType(info.type)))
  )
    return 'categorical';
  if (info.kind === 'datetime') return 'datetime';
  if (info.kind === 'numeric' || info.kind === 'boolean') return 'numeric';
  return null;
}

/** Steps in their one allowed order, each at most once; errors name the step. */
export function orderSteps(steps: ColumnStep[], field: string, order: string[]) {
  let last = -1;
  const seen = new Set<string>();
  return steps.map((step, i) => {
    const rank = order.indexOf(step.op);
    if (rank < 0)
      throw specError(
        `${field}.steps.${i}`,
        `${step.op} does not apply here (allowed: ${order.join(', ')})`,
      );
    if (seen.has(step.op)) throw specError(`${field}.steps.${i}`, `${step.op} appears twice`);
    if (rank < last)
      throw specError(`${field}.steps.${i}`, `${step.op} must come before ${order[last]}`);
    seen.add(step.op);
    last = rank;
    return { step, field: `${field}.steps.${i}` };
  });
}

/**
 * Checks a spec against a dataset's columns without reading data: every column exists, the target is not
 * a feature, steps suit the column and come in order. Errors name the spec field.
 */
export function checkFeatureSpec(spec: FeatureSpec, columns: ColumnInfo[], target?: string): void {
  const lookup = columnLookup(columns);
  const column = (field: string, name: string): ColumnInfo => {
    const c = lookup(field, name);
    if (name === target) throw specError(field, `'${name}' is the target; it cannot be a feature`);
    return c;
  };
  const numeric = (field: string, name: string) => {
    const info = column(field, name);
    if (info.kind !== 'numeric' && info.kind !== 'boolean')
      throw specError(field, `'${name}' must be numeric, it is ${info.type}`);
  };
  const grouped = new Set<string>();
  spec.groups.forEach((group, gi) => {
    const field = `groups.${gi}`;
    group.columns.forEach((name, ci) => {
      const info = column(`${field}.columns.${ci}`, name);
      if (grouped.has(name))
        throw specError(`${field}.columns.${ci}`, `column '${name}' is already in another group`);
      grouped.add(name);
      const kind = pipelineOf(info, group.steps);
      if (!kind)
        throw specError(
          `${field}.columns.${ci}`,
          `column '${name}' has type ${info.type}, which no step can use yet`,
        );
      if (kind === 'categorical') {
        orderSteps(group.steps, field, CATEGORY_ORDER);
        if (group.steps.filter((s) => ENCODINGS.has(s.op)).length > 1)
          throw specError(`${field}.steps`, 'give one encoding per column');
        group.steps.forEach((s, si) => {
          if (s.op === 'impute' && (s.strategy === 'mean' || s.strategy === 'median')) {
            throw specError(
              `${field}.steps.${si}.strategy`,
              `${s.strategy} needs a numeric column; '${name}' is ${info.type}`,
            );
          }
        });
      } else if (kind === 'datetime') {
        orderSteps(group.steps, field, DATE_ORDER);
      } else {
        orderSteps(group.steps, field, NUMERIC_ORDER);
        group.steps.forEach((s, si) => {
          if (s.op === 'impute' && s.strategy === 'constant' && typeof s.value !== 'number') {
            throw specError(
              `${field}.steps.${si}.value`,
              `'${name}' is numeric: the fill value must be a number`,
            );
          }
        });
      }
    });
  });
  spec.derived.forEach((d, di) => {
    const field = `derived.${di}`;
    if (d.op === 'ratio' || d.op === 'product')
      d.columns.forEach((c, k) => numeric(`${field}.columns.${k}`, c));
    else if (d.op === 'lag' || d.op === 'rolling_mean') {
      numeric(`${field}.column`, d.column);
      column(`${field}.time`, d.time);
      if (d.entity) column(`${field}.entity`, d.entity);
    } else column(`${field}.column`, d.column);
  });
}

/** Every dataset column a spec reads, in spec order (with repeats). */
export function specColumns(spec: FeatureSpec): string[] {
  return [
    ...spec.groups.flatMap((g) => g.columns),
    ...spec.derived.flatMap((d) =>
      d.op === 'ratio' || d.op === 'product'
        ? [...d.columns]
        : d.op === 'tfidf'
          ? [d.column]
          : [d.column, d.time, ...(d.entity ? [d.entity] : [])],
    ),
  ];
}
