import { describe, expect, it } from 'vitest';
import type { ColumnInfo } from '../../../../shared/contract';
import {
  MAX_CATEGORIES,
  fitPreprocessing,
  planInputs,
  selectFeatures,
  transformColumns,
  transformRow,
  type RawColumn,
} from '../../../../main/train/preprocess';
import { TrainConfig } from '../../../../shared/contract';

const idx = (...i: number[]) => Int32Array.from(i);

describe('fitPreprocessing', () => {
  const raw: RawColumn[] = [
    { name: 'x', kind: 'numeric', values: [1, 3, null, 100] },
    { name: 'c', kind: 'categorical', values: ['a', 'b', 'a', 'zzz'] },
  ];

  it('fits statistics on the training rows only', () => {
    const f = fitPreprocessing({
      task: 'regression',
      target: 'y',
      inputs: raw,
      targetValues: [1, 2, 3, 1000],
      train: idx(0, 1, 2),
      dropped: [],
    });
    const x = f.columns[0]!;
    expect(x).toMatchObject({ kind: 'numeric', mean: 2, std: 1, missingIndicator: true });
    expect(f.targetSpec).toMatchObject({ kind: 'regression', mean: 2 });
    const c = f.columns[1]!;
    expect(c).toMatchObject({ kind: 'categorical', categories: ['a', 'b'], hasNull: false });
    expect(f.featureNames).toEqual(['x', 'x__missing', 'c=a', 'c=b', 'c=__other__']);
  });

  it('imputes the mean, flags missing values and sends unseen categories to other', () => {
    const f = fitPreprocessing({
      task: 'regression',
      target: 'y',
      inputs: raw,
      targetValues: [1, 2, 3, 4],
      train: idx(0, 1, 2),
      dropped: [],
    });
    const m = transformColumns(f, raw, idx(2, 3));
    // row 2: x null -> 0 and missing flag; c = a
    expect(Array.from(m.slice(0, 5))).toEqual([0, 1, 1, 0, 0]);
    // row 3: x = 100 -> (100 - 2) / 1; c = 'zzz' unseen -> other
    expect(Array.from(m.slice(5, 10))).toEqual([98, 0, 0, 0, 1]);
  });

  it('gives the same vector for one row as for the batch path', () => {
    const f = fitPreprocessing({
      task: 'binary',
      target: 'y',
      inputs: raw,
      targetValues: ['n', 'y', 'n', 'y'],
      train: idx(0, 1, 2, 3),
      dropped: [],
    });
    const batch = transformColumns(f, raw, idx(0, 1, 2, 3));
    const w = f.featureNames.length;
    for (let r = 0; r < 4; r++) {
      const one = transformRow(f, { x: raw[0]!.values[r], c: raw[1]!.values[r] });
      expect(Array.from(one)).toEqual(Array.from(batch.slice(r * w, (r + 1) * w)));
    }
  });

  it('keeps the top categories and buckets the rest', () => {
    const values = Array.from({ length: 200 }, (_, i) => `v${i % 80}`);
    const f = fitPreprocessing({
      task: 'binary',
      target: 'y',
      inputs: [{ name: 'c', kind: 'categorical', values }],
      targetValues: values.map((_, i) => String(i % 2)),
      train: Int32Array.from(values.keys()),
      dropped: [],
    });
    const col = f.columns[0]!;
    expect(col.kind === 'categorical' && col.categories.length).toBe(MAX_CATEGORIES);
    expect(f.featureNames).toHaveLength(MAX_CATEGORIES + 1);
  });

  it('orders classes numerically and refuses a binary target with three values', () => {
    const f = fitPreprocessing({
      task: 'multiclass',
      target: 'y',
      inputs: raw,
      targetValues: ['10', '9', '2', '9'],
      train: idx(0, 1, 2, 3),
      dropped: [],
    });
    expect(f.targetSpec).toEqual({ kind: 'classes', classes: ['2', '9', '10'] });
    expect(() =>
      fitPreprocessing({
        task: 'binary',
        target: 'y',
        inputs: raw,
        targetValues: ['a', 'b', 'c', 'a'],
        train: idx(0, 1, 2, 3),
        dropped: [],
      }),
    ).toThrow(
      /target: column 'y' has 3 distinct values; a binary task needs exactly 2 \(use task: multiclass\)/,
    );
  });

  it('drops identifier-like and constant columns with a reason', () => {
    const ids = Array.from({ length: 60 }, (_, i) => `id${i}`);
    const f = fitPreprocessing({
      task: 'regression',
      target: 'y',
      inputs: [
        { name: 'id', kind: 'categorical', values: ids },
        { name: 'k', kind: 'numeric', values: ids.map(() => 5) },
        { name: 'x', kind: 'numeric', values: ids.map((_, i) => i) },
      ],
      targetValues: ids.map((_, i) => i),
      train: Int32Array.from(ids.keys()),
      dropped: [],
    });
    expect(f.dropped.map((d) => d.column)).toEqual(['id', 'k']);
    expect(f.featureNames).toEqual(['x']);
  });
});

describe('planInputs and selectFeatures', () => {
  const columns: ColumnInfo[] = [
    { name: 'when', type: 'TIMESTAMP', kind: 'datetime' },
    { name: 'ok', type: 'BOOLEAN', kind: 'boolean' },
    { name: 'tags', type: 'VARCHAR[]', kind: 'other' },
    { name: 'y', type: 'DOUBLE', kind: 'numeric' },
  ];

  it('turns timestamps into numeric parts and drops unsupported types with a reason', () => {
    const { inputs, dropped } = planInputs(columns, ['when', 'ok', 'tags']);
    expect(inputs.map((i) => i.name)).toEqual([
      'when.year',
      'when.month',
      'when.day',
      'when.dayofweek',
      'when.dayofyear',
      'when.hour',
      'when.minute',
      'ok',
    ]);
    expect(dropped).toEqual([
      { column: 'tags', reason: 'type VARCHAR[] is not supported as a feature yet' },
    ]);
  });

  it('defaults to every column but the target and names missing columns', () => {
    const config = TrainConfig.parse({ dataset: 'd', target: 'y', task: 'regression' });
    expect(selectFeatures(config, columns)).toEqual(['when', 'ok', 'tags']);
    expect(() => selectFeatures({ ...config, target: 'nope' }, columns)).toThrow(
      /target: column 'nope' is not in dataset 'd'/,
    );
    expect(() => selectFeatures({ ...config, features: ['ok', 'ghost'] }, columns)).toThrow(
      /features: 'ghost' not in dataset/,
    );
  });
});
