import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classificationSuite } from '../../../../main/evaluate/metrics';
import { cbpeEstimates, estimatedRocAuc, expectedCounts } from '../../../../main/monitor/cbpe';
import { FIXTURES } from '../../../helpers/workspace';

interface Case {
  k: number;
  probs: number[][];
  predicted: number[];
  labels: number[];
  estimated: Record<string, number>;
  actual: Record<string, number>;
}
const fixture = JSON.parse(readFileSync(join(FIXTURES, 'monitor', 'cbpe.json'), 'utf8')) as Record<
  'binary' | 'multiclass',
  Case
>;

describe('CBPE (NannyML) against numpy on tests/fixtures/monitor/cbpe.json', () => {
  for (const name of ['binary', 'multiclass'] as const) {
    it(`${name}: every estimate matches the numpy computation`, () => {
      const c = fixture[name];
      const got = cbpeEstimates(
        Float64Array.from(c.probs.flat()),
        Int32Array.from(c.predicted),
        c.k,
      );
      expect(Object.keys(got).sort()).toEqual(Object.keys(c.estimated).sort());
      for (const [key, value] of Object.entries(c.estimated))
        expect(got[key], key).toBeCloseTo(value, 9);
    });

    it(`${name}: on calibrated rows the estimates land near the realized metrics`, () => {
      const c = fixture[name];
      const got = cbpeEstimates(
        Float64Array.from(c.probs.flat()),
        Int32Array.from(c.predicted),
        c.k,
      );
      const suite = classificationSuite(
        Int32Array.from(c.labels),
        Float64Array.from(c.probs.flat()),
        c.k,
      );
      expect(suite.accuracy).toBeCloseTo(c.actual.accuracy!, 9);
      expect(suite.roc_auc!).toBeCloseTo(c.actual.roc_auc!, 9);
      // Sampling error of a few hundred rows: within 0.05 of the truth.
      expect(Math.abs(got.accuracy! - suite.accuracy)).toBeLessThan(0.05);
      expect(Math.abs(got.roc_auc! - suite.roc_auc!)).toBeLessThan(0.05);
    });
  }

  it('expected counts of a hand-made case', () => {
    // p = 0.9 predicted positive: TP 0.9, FP 0.1; p = 0.2 predicted negative: FN 0.2, TN 0.8.
    const m = expectedCounts([0.9, 0.2], [true, false]);
    expect(m.tp).toBeCloseTo(0.9);
    expect(m.fp).toBeCloseTo(0.1);
    expect(m.fn).toBeCloseTo(0.2);
    expect(m.tn).toBeCloseTo(0.8);
    const e = cbpeEstimates(Float64Array.from([0.1, 0.9, 0.8, 0.2]), Int32Array.from([1, 0]), 2);
    expect(e.accuracy).toBeCloseTo((0.9 + 0.8) / 2);
    expect(e.precision).toBeCloseTo(0.9 / (0.9 + 0.1));
    expect(e.recall).toBeCloseTo(0.9 / (0.9 + 0.2));
  });

  it('roc_auc: certain probabilities give 1, all-equal ones 0.5, no expected negatives none', () => {
    expect(estimatedRocAuc([1, 1, 0, 0])).toBeCloseTo(1);
    expect(estimatedRocAuc([0.3, 0.3, 0.3])).toBeCloseTo(0.5);
    expect(estimatedRocAuc([1, 1])).toBeNull();
  });

  it('refuses probabilities outside 0..1, naming the row', () => {
    expect(() => cbpeEstimates(Float64Array.from([0.5, 1.5]), Int32Array.from([1]), 2)).toThrow(
      /row 0 has probability 1.5/,
    );
  });
});
