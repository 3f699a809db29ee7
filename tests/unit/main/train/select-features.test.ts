import { describe, expect, it } from 'vitest';
import type { ColumnInfo } from '../../../../shared/contract';
import { TrainConfig } from '../../../../shared/contract';
import { selectFeatures } from '../../../../main/train/select-features';

describe('selectFeatures', () => {
  const columns: ColumnInfo[] = [
    { name: 'when', type: 'TIMESTAMP', kind: 'datetime' },
    { name: 'ok', type: 'BOOLEAN', kind: 'boolean' },
    { name: 'tags', type: 'VARCHAR[]', kind: 'other' },
    { name: 'y', type: 'DOUBLE', kind: 'numeric' },
  ];

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
