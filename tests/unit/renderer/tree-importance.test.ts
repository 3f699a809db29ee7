import { describe, expect, it } from 'vitest';
import {
  decodeBase64Text,
  hasTreeImportance,
  importanceRows,
  parseTreeImportance,
  TREE_IMPORTANCE_PATH,
  unusedInputs,
} from '../../../renderer/views/Experiments/run/importance-model';

const imp = {
  gain: { hour: 120.5, distance: 300, origin: 80, month: 0, day: 80 },
  splits: { hour: 40, distance: 25, origin: 60, month: 0, day: 12 },
};

describe('tree importance on the run page', () => {
  it('ranks inputs by gain or by split count, largest first, ties by name, with shares', () => {
    const gain = importanceRows(imp, 'gain');
    expect(gain.map((r) => r.feature)).toEqual(['distance', 'hour', 'day', 'origin', 'month']);
    expect(gain[0]!.share).toBeCloseTo(300 / 580.5, 12);
    expect(gain.reduce((a, r) => a + r.share, 0)).toBeCloseTo(1, 12);
    const splits = importanceRows(imp, 'splits');
    expect(splits.map((r) => r.feature)).toEqual(['origin', 'hour', 'distance', 'day', 'month']);
    expect(splits.map((r) => r.value)).toEqual([60, 40, 25, 12, 0]);
  });

  it('lists an input missing from one measure with 0, and names inputs never split on', () => {
    const rows = importanceRows({ gain: { a: 1 }, splits: { a: 2, b: 0 } }, 'gain');
    expect(rows).toEqual([
      { feature: 'a', value: 1, share: 1 },
      { feature: 'b', value: 0, share: 0 },
    ]);
    expect(unusedInputs(imp)).toEqual(['month']);
    expect(importanceRows({ gain: { a: 0 }, splits: { a: 0 } }, 'gain')[0]!.share).toBe(0);
    const many = { gain: { x_10: 0, x_2: 0, x_1: 1 }, splits: { x_10: 0, x_2: 0, x_1: 1 } };
    expect(importanceRows(many, 'gain').map((r) => r.feature)).toEqual(['x_1', 'x_2', 'x_10']);
    expect(unusedInputs(many)).toEqual(['x_2', 'x_10']);
  });

  it('reads the artifact bytes as UTF-8 and refuses a bad file naming it and the field', () => {
    const text = JSON.stringify({ gain: { größe: 1.5 }, splits: { größe: 3 } });
    const b64 = Buffer.from(text, 'utf8').toString('base64');
    expect(parseTreeImportance(decodeBase64Text(b64)).gain['größe']).toBe(1.5);
    expect(() => parseTreeImportance('{')).toThrow(`${TREE_IMPORTANCE_PATH} is not JSON`);
    expect(() => parseTreeImportance(JSON.stringify({ gain: { a: 'x' }, splits: {} }))).toThrow(
      /model\/importance\.json: gain\.a: /,
    );
    expect(() => parseTreeImportance(JSON.stringify({ gain: {} }))).toThrow(/splits/);
  });

  it('is shown for runs that stored it', () => {
    expect(
      hasTreeImportance({
        artifacts: [{ path: 'model/gbdt.json' }, { path: TREE_IMPORTANCE_PATH }],
      }),
    ).toBe(true);
    expect(hasTreeImportance({ artifacts: [{ path: 'model/model.json' }] })).toBe(false);
  });
});
