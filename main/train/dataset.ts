import {
  LatheError,
  type ColumnInfo,
  type FeatureSpec,
  type TrainConfig,
} from '../../shared/contract';
import type { FittedFeatureSpec } from '../../shared/contract/features';
import { createEngine } from '../data/engine';
import { applySplit, splitRule, type SplitRule } from '../data/splits';
import { defaultFeatureSpec } from '../features/default-spec';
import { specColumns } from '../features/check';
import { fitFeatureSpec } from '../features/fit';
import { compileFeatureSql } from '../features/sql';
import { ident, literal, sqlInteger, toPlain } from '../workspace/db';
import { leakageWarnings } from './leakage';
import { selectFeatures } from './select-features';
import { checkClassCount } from './target-classes';

/** The target as the model sees it. */
export type TargetSpec =
  { kind: 'classes'; classes: string[] } | { kind: 'regression'; mean: number; std: number };

export interface SplitMatrix {
  rows: number;
  /** Row-major features. */
  x: Float32Array;
  /** Class index per row (classification) or the value in original units (regression). */
  labels: Int32Array;
  values: Float64Array;
}

export interface TrainingData {
  width: number;
  train: SplitMatrix;
  valid: SplitMatrix;
  target: TargetSpec;
  spec: FeatureSpec;
  fitted: FittedFeatureSpec;
  rule: SplitRule;
  counts: { train: number; valid: number; test: number };
  features: string[];
  dropped: { column: string; reason: string }[];
  droppedNullTarget: number;
  warnings: string[];
}

function compareLabels(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (a.trim() !== '' && b.trim() !== '' && !Number.isNaN(na) && !Number.isNaN(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Reads a dataset version into DuckDB, splits it by the config's rule, fits the feature spec (the config's
 * or the default) on the training split, and returns the feature matrices of the training and validation
 * rows. Test rows are held out.
 */
export async function prepareTrainingData(
  config: TrainConfig,
  parquetPath: string,
  columns: ColumnInfo[],
  /** Keep this share of the training rows (a seeded choice), for learning curves. Default 1. */
  trainFraction = 1,
): Promise<TrainingData> {
  const engine = await createEngine();
  try {
    const reserved = columns.find((c) => c.name === '__row' || c.name === '__split');
    if (reserved)
      throw new LatheError(
        'INVALID_CONFIG',
        `column '${reserved.name}' uses a name Lathe reserves for training`,
      );
    const target = columns.find((c) => c.name === config.target);
    const features = config.featureSpec
      ? [...new Set(specColumns(config.featureSpec))]
      : selectFeatures(config, columns);
    if (!target) selectFeatures(config, columns);
    if (config.task === 'regression' && target!.kind !== 'numeric' && target!.kind !== 'boolean') {
      throw new LatheError(
        'INVALID_CONFIG',
        `target: column '${config.target}' is ${target!.type}; a regression target must be numeric`,
        {
          field: 'target',
        },
      );
    }
    const t = ident(config.target);
    const file = `read_parquet(${literal(parquetPath)}, file_row_number = true)`;
    const [{ n: total = 0 } = {}] = await engine.all(`SELECT count(*) AS n FROM ${file}`);
    const source = `(SELECT * EXCLUDE (file_row_number), file_row_number AS __row FROM ${file} WHERE ${t} IS NOT NULL)`;
    const rule = splitRule(
      config.split,
      config.task,
      config.seed,
      config.training.validationFraction,
      config.crossValidation,
    );
    if (rule.column && !columns.some((c) => c.name === rule.column)) {
      throw new LatheError(
        'COLUMN_NOT_FOUND',
        `split.column: '${rule.column}' is not in dataset '${config.dataset}'`,
        { field: 'split.column' },
      );
    }
    const counts = await applySplit(engine, {
      table: 'data',
      from: source,
      rule,
      target: config.target,
      row: '__row',
    });
    if (trainFraction < 1) {
      // The first share of the training rows in a seeded order; the rest sit out (validation is unchanged).
      const keep = Math.max(2, Math.round(counts.train * trainFraction));
      await engine.run(
        `UPDATE data SET __split = 'unused' WHERE __split = 'train' AND __row IN (
           SELECT __row FROM (SELECT __row, row_number() OVER (
             ORDER BY md5_number_lower('${sqlInteger(config.seed)}:subsample:' || __row::VARCHAR), __row) AS r
           FROM data WHERE __split = 'train') WHERE r > ${sqlInteger(keep)})`,
      );
      counts.train = Math.min(counts.train, keep);
    }
    const usable = counts.train + counts.valid + counts.test;
    if (usable < 4 || counts.train < 2) {
      throw new LatheError(
        'INVALID_CONFIG',
        `dataset '${config.dataset}' has ${usable} usable rows: too few to train and validate`,
      );
    }

    let targetSpec: TargetSpec;
    let classes: string[] = [];
    if (config.task === 'regression') {
      const [s = {}] = await engine.all(
        `SELECT avg(${t}::DOUBLE) AS m, stddev_pop(${t}::DOUBLE) AS s FROM data WHERE __split = 'train'`,
      );
      const std = Number(toPlain(s.s) ?? 0);
      targetSpec = { kind: 'regression', mean: Number(toPlain(s.m) ?? 0), std: std > 0 ? std : 1 };
    } else {
      classes = (await engine.all(`SELECT DISTINCT ${t}::VARCHAR AS v FROM data`))
        .map((r) => String(toPlain(r.v)))
        .sort(compareLabels);
      if (config.task === 'binary')
        checkClassCount(config.target, 'binary', classes.length, columns);
      targetSpec = { kind: 'classes', classes };
    }

    const chosen = features.map((f) => columns.find((c) => c.name === f)!);
    let spec: FeatureSpec;
    let dropped: { column: string; reason: string }[] = [];
    if (config.featureSpec) spec = config.featureSpec;
    else {
      const d = await defaultFeatureSpec(engine, {
        from: 'data',
        trainWhere: `__split = 'train'`,
        columns,
        features,
        trees: config.model.type === 'gbdt',
      });
      spec = d.spec;
      dropped = d.dropped;
      if (!spec.groups.length) {
        throw new LatheError(
          'INVALID_CONFIG',
          `no usable feature columns (${dropped.map((x) => `${x.column}: ${x.reason}`).join('; ')})`,
        );
      }
    }
    const fittedSpec = await fitFeatureSpec(spec, {
      engine,
      from: 'data',
      columns,
      split: '__split',
      row: '__row',
      target: { column: config.target, task: config.task, classes },
    });
    // Trees learn where missing values go: they see NaN where a network sees 0.
    const fitted: FittedFeatureSpec =
      config.model.type === 'gbdt' ? { ...fittedSpec, missing: 'nan' } : fittedSpec;
    const warnings = await leakageWarnings(engine, {
      table: 'data',
      target: config.target,
      task: config.task,
      classes,
      features: chosen,
      rule,
    });

    const sql = compileFeatureSql(fitted, 'data', {
      keep: ['__row', '__split', config.target],
      oof: { split: '__split', row: '__row' },
      rowOrder: '__row',
    });
    const width = fitted.outputs.length;
    // The features and whether a row validates, as typed columns; the target as its values.
    const result = await engine.matrix(
      `SELECT ${fitted.outputs.map(ident).join(', ')}, (__split = 'valid')::UTINYINT AS __valid,
         ${t} FROM (${sql}) WHERE __split IN ('train', 'valid') ORDER BY __row`,
      width + 1,
    );
    const validates = result.numeric[width]!;
    const targetCol = result.values[0]!;
    const classIndex = new Map(classes.map((c, i) => [c, i]));
    const build = (which: 'train' | 'valid'): SplitMatrix => {
      const flag = which === 'valid' ? 1 : 0;
      const idx: number[] = [];
      validates.forEach((v, i) => {
        if (v === flag) idx.push(i);
      });
      const x = new Float32Array(idx.length * width);
      for (let k = 0; k < width; k++) {
        const col = result.numeric[k]!;
        for (let r = 0; r < idx.length; r++) x[r * width + k] = col[idx[r]!]!;
      }
      const labels = new Int32Array(idx.length);
      const values = new Float64Array(idx.length);
      idx.forEach((i, r) => {
        const v = toPlain(targetCol[i]);
        if (config.task === 'regression') values[r] = Number(v);
        else labels[r] = classIndex.get(String(v))!;
      });
      return { rows: idx.length, x, labels, values };
    };
    return {
      width,
      train: build('train'),
      valid: build('valid'),
      target: targetSpec,
      spec,
      fitted,
      rule,
      counts,
      features,
      dropped,
      droppedNullTarget: Number(total) - usable,
      warnings,
    };
  } finally {
    engine.close();
  }
}
