import { LatheError, type ColumnInfo, type Task, type TrainConfig } from '../../shared/contract';

/** Raw values of one input column, as read from DuckDB (dates already split into numeric parts). */
export type RawColumn =
  | { name: string; kind: 'numeric'; values: (number | null)[] }
  | { name: string; kind: 'categorical'; values: (string | null)[] };

export const MAX_CATEGORIES = 50;
export const OTHER = '__other__';
export const NULL_CATEGORY = '__null__';

export type FittedColumn =
  | { name: string; kind: 'numeric'; mean: number; std: number; missingIndicator: boolean }
  | { name: string; kind: 'categorical'; categories: string[]; hasNull: boolean };

export type FittedTarget =
  { kind: 'classes'; classes: string[] } | { kind: 'regression'; mean: number; std: number };

/** Everything learned from the training split: applied identically to validation, batch and serving rows. */
export interface FittedPreprocessing {
  version: 1;
  task: Task;
  target: string;
  columns: FittedColumn[];
  targetSpec: FittedTarget;
  featureNames: string[];
  dropped: { column: string; reason: string }[];
}

/** The SQL projection of a source column into model inputs: numeric, categorical or date parts. */
export interface InputPlan {
  /** Name of the model input (`col` or `col.month` for date parts). */
  name: string;
  source: string;
  kind: 'numeric' | 'categorical';
  /** DuckDB expression over the source column. */
  sql: string;
}

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Decides how each chosen column enters the model; columns of unsupported types are dropped with a reason. */
export function planInputs(
  columns: ColumnInfo[],
  features: string[],
): { inputs: InputPlan[]; dropped: { column: string; reason: string }[] } {
  const byName = new Map(columns.map((c) => [c.name, c]));
  const inputs: InputPlan[] = [];
  const dropped: { column: string; reason: string }[] = [];
  for (const name of features) {
    const col = byName.get(name)!;
    const c = q(name);
    if (col.kind === 'numeric')
      inputs.push({ name, source: name, kind: 'numeric', sql: `${c}::DOUBLE` });
    else if (col.kind === 'boolean')
      inputs.push({ name, source: name, kind: 'numeric', sql: `${c}::INTEGER::DOUBLE` });
    else if (col.kind === 'categorical')
      inputs.push({ name, source: name, kind: 'categorical', sql: `${c}::VARCHAR` });
    else if (col.kind === 'datetime') {
      const parts: [string, string][] = [
        ['year', `year(${c})`],
        ['month', `month(${c})`],
        ['day', `day(${c})`],
        ['dayofweek', `dayofweek(${c})`],
        ['dayofyear', `dayofyear(${c})`],
      ];
      if (col.type.toUpperCase().startsWith('TIMESTAMP'))
        parts.push(['hour', `hour(${c})`], ['minute', `minute(${c})`]);
      for (const [part, expr] of parts) {
        inputs.push({
          name: `${name}.${part}`,
          source: name,
          kind: 'numeric',
          sql: `${expr}::DOUBLE`,
        });
      }
    } else
      dropped.push({ column: name, reason: `type ${col.type} is not supported as a feature yet` });
  }
  return { inputs, dropped };
}

function compareLabels(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (a.trim() !== '' && b.trim() !== '' && !Number.isNaN(na) && !Number.isNaN(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Fits the minimal preprocessing on the rows in `train` only. */
export function fitPreprocessing(args: {
  task: Task;
  target: string;
  inputs: RawColumn[];
  targetValues: (string | number | null)[];
  train: Int32Array;
  dropped: { column: string; reason: string }[];
}): FittedPreprocessing {
  const { task, target, inputs, targetValues, train } = args;
  const dropped = [...args.dropped];
  const columns: FittedColumn[] = [];
  for (const col of inputs) {
    if (col.kind === 'numeric') {
      let n = 0;
      let sum = 0;
      let sumSq = 0;
      let nulls = 0;
      for (const i of train) {
        const v = col.values[i];
        if (v === null || v === undefined || !Number.isFinite(v)) {
          nulls++;
          continue;
        }
        n++;
        sum += v;
        sumSq += v * v;
      }
      if (n === 0) {
        dropped.push({ column: col.name, reason: 'no values in the training split' });
        continue;
      }
      const mean = sum / n;
      const variance = Math.max(0, sumSq / n - mean * mean);
      const std = Math.sqrt(variance);
      if (std === 0 && nulls === 0) {
        dropped.push({ column: col.name, reason: 'constant in the training split' });
        continue;
      }
      columns.push({
        name: col.name,
        kind: 'numeric',
        mean,
        std: std > 0 ? std : 1,
        missingIndicator: nulls > 0,
      });
    } else {
      const counts = new Map<string, number>();
      let hasNull = false;
      for (const i of train) {
        const v = col.values[i];
        if (v === null || v === undefined) {
          hasNull = true;
          continue;
        }
        counts.set(v, (counts.get(v) ?? 0) + 1);
      }
      if (counts.size === 0) {
        dropped.push({ column: col.name, reason: 'no values in the training split' });
        continue;
      }
      if (counts.size > MAX_CATEGORIES && counts.size === train.length) {
        dropped.push({
          column: col.name,
          reason: 'every value is unique: looks like an identifier',
        });
        continue;
      }
      const categories = [...counts.entries()]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
        .slice(0, MAX_CATEGORIES)
        .map(([v]) => v);
      columns.push({ name: col.name, kind: 'categorical', categories, hasNull });
    }
  }
  if (columns.length === 0) {
    throw new LatheError(
      'INVALID_CONFIG',
      `no usable feature columns (${dropped.map((d) => `${d.column}: ${d.reason}`).join('; ') || 'none chosen'})`,
    );
  }

  let targetSpec: FittedTarget;
  if (task === 'regression') {
    let n = 0;
    let sum = 0;
    let sumSq = 0;
    for (const i of train) {
      const v = targetValues[i];
      if (typeof v !== 'number') continue;
      n++;
      sum += v;
      sumSq += v * v;
    }
    const mean = n ? sum / n : 0;
    const std = Math.sqrt(Math.max(0, n ? sumSq / n - mean * mean : 0));
    targetSpec = { kind: 'regression', mean, std: std > 0 ? std : 1 };
  } else {
    const classes = [
      ...new Set(targetValues.filter((v): v is string | number => v !== null).map(String)),
    ].sort(compareLabels);
    if (task === 'binary' && classes.length !== 2) {
      throw new LatheError(
        'INVALID_CONFIG',
        `target: column '${target}' has ${classes.length} distinct value${classes.length === 1 ? '' : 's'}; a binary task needs exactly 2${classes.length > 2 ? ' (use task: multiclass)' : ''}`,
        { field: 'target', column: target, classes: classes.slice(0, 10) },
      );
    }
    if (task === 'multiclass' && (classes.length < 2 || classes.length > 1000)) {
      throw new LatheError(
        'INVALID_CONFIG',
        `target: column '${target}' has ${classes.length} distinct values; a multiclass task needs 2 to 1000`,
        { field: 'target', column: target },
      );
    }
    targetSpec = { kind: 'classes', classes };
  }

  const featureNames: string[] = [];
  for (const c of columns) {
    if (c.kind === 'numeric') {
      featureNames.push(c.name);
      if (c.missingIndicator) featureNames.push(`${c.name}__missing`);
    } else {
      for (const v of c.categories) featureNames.push(`${c.name}=${v}`);
      if (c.hasNull) featureNames.push(`${c.name}=${NULL_CATEGORY}`);
      featureNames.push(`${c.name}=${OTHER}`);
    }
  }
  return { version: 1, task, target, columns, targetSpec, featureNames, dropped };
}

/**
 * Compiles a fitted spec into an encoder: given the value of each fitted column (by position), it writes
 * one feature vector. The same encoder serves training, validation, batch and single-row serving.
 */
export function createEncoder(fitted: FittedPreprocessing) {
  const maps = fitted.columns.map((c) =>
    c.kind === 'categorical' ? new Map(c.categories.map((v, i) => [v, i])) : null,
  );
  return (value: (columnIndex: number) => unknown, out: Float32Array, offset: number): void => {
    let k = offset;
    fitted.columns.forEach((c, ci) => {
      const v = value(ci);
      if (c.kind === 'numeric') {
        const ok = typeof v === 'number' && Number.isFinite(v);
        out[k++] = ok ? (v - c.mean) / c.std : 0;
        if (c.missingIndicator) out[k++] = ok ? 0 : 1;
      } else {
        const width = c.categories.length + (c.hasNull ? 1 : 0) + 1;
        out.fill(0, k, k + width);
        if (v === null || v === undefined)
          out[k + (c.hasNull ? c.categories.length : width - 1)] = 1;
        else
          out[k + (maps[ci]!.get(typeof v === 'string' ? v : JSON.stringify(v)) ?? width - 1)] = 1;
        k += width;
      }
    });
  };
}

/** Encodes one row given as a record of column values (serving, batch). */
export function transformRow(
  fitted: FittedPreprocessing,
  row: Record<string, unknown>,
): Float32Array {
  const out = new Float32Array(fitted.featureNames.length);
  createEncoder(fitted)((ci) => row[fitted.columns[ci]!.name], out, 0);
  return out;
}

/** Builds the feature matrix (row-major) for the given rows of raw columns. */
export function transformColumns(
  fitted: FittedPreprocessing,
  raw: RawColumn[],
  rows: Int32Array,
): Float32Array {
  const width = fitted.featureNames.length;
  const out = new Float32Array(rows.length * width);
  const byName = new Map(raw.map((c) => [c.name, c]));
  const sources = fitted.columns.map((c) => byName.get(c.name)!.values);
  const encode = createEncoder(fitted);
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r]!;
    encode((ci) => sources[ci]![i], out, r * width);
  }
  return out;
}

/** The feature columns a config selects: its list, or every column but the target. */
export function selectFeatures(config: TrainConfig, columns: ColumnInfo[]): string[] {
  const names = new Set(columns.map((c) => c.name));
  if (!names.has(config.target)) {
    throw new LatheError(
      'COLUMN_NOT_FOUND',
      `target: column '${config.target}' is not in dataset '${config.dataset}' (columns: ${[...names].join(', ')})`,
      { field: 'target', column: config.target },
    );
  }
  const features = config.features ?? columns.map((c) => c.name).filter((n) => n !== config.target);
  const missing = features.filter((f) => !names.has(f));
  if (missing.length) {
    throw new LatheError(
      'COLUMN_NOT_FOUND',
      `features: ${missing.map((m) => `'${m}'`).join(', ')} not in dataset '${config.dataset}' (columns: ${[...names].join(', ')})`,
      { field: 'features', columns: missing },
    );
  }
  if (features.includes(config.target)) {
    throw new LatheError(
      'INVALID_CONFIG',
      `features: the target '${config.target}' cannot also be a feature`,
      {
        field: 'features',
      },
    );
  }
  return features;
}
