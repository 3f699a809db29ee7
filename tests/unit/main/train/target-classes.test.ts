import { describe, expect, it } from 'vitest';
import type { ColumnInfo } from '../../../../shared/contract';
import { checkClassCount, fittingTask } from '../../../../main/train/target-classes';

const columns: ColumnInfo[] = [
  { name: 'precipitation', type: 'DOUBLE', kind: 'numeric' },
  { name: 'stars', type: 'BIGINT', kind: 'numeric' },
  { name: 'weather', type: 'VARCHAR', kind: 'categorical' },
];

const message = (fn: () => void) => {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  return null;
};

describe('a classification target with the wrong number of values', () => {
  it('suggests regression for a numeric column with many values', () => {
    expect(message(() => checkClassCount('precipitation', 'binary', 111, columns))).toBe(
      "target: column 'precipitation' has 111 distinct values; a binary task needs exactly 2 (use task: regression)",
    );
    expect(message(() => checkClassCount('stars', 'multiclass', 1500, columns))).toMatch(
      /multiclass needs 2 to 1000 \(use task: regression\)$/,
    );
  });

  it('suggests multiclass for text or a few integers, and nothing when no task fits', () => {
    expect(message(() => checkClassCount('weather', 'binary', 5, columns))).toMatch(
      /exactly 2 \(use task: multiclass\)$/,
    );
    expect(message(() => checkClassCount('stars', 'binary', 5, columns))).toMatch(
      /\(use task: multiclass\)$/,
    );
    expect(message(() => checkClassCount('weather', 'binary', 1, columns))).toBe(
      "target: column 'weather' has 1 distinct value; a binary task needs exactly 2",
    );
    expect(message(() => checkClassCount('weather', 'multiclass', 2, columns))).toBeNull();
    expect(message(() => checkClassCount('precipitation', 'regression', 111, columns))).toBeNull();
    expect(fittingTask(2, columns[0])).toBe('binary');
  });
});
