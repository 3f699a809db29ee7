import { describe, expect, it } from 'vitest';
import { computeBins } from '../../../main/train/gbdt/binning';
import { gradients } from '../../../main/train/gbdt/objectives';
import { createWasmEngine } from '../../../main/train/gbdt/wasm-engine';
import { createRng } from '../../../main/train/random';

describe('the WebAssembly logistic objective', () => {
  it.each([
    [1001, false],
    [1000, true],
  ])(
    '%i rows (weights %s): gradients, hessians and loss as Math.exp/log1p give them',
    async (rows, weighted) => {
      const rng = createRng(rows);
      // Scores from far negative to far positive, with the extremes where exp under- or overflows.
      const raw = Float64Array.from({ length: rows }, (_, i) =>
        i === 0 ? -800 : i === 1 ? 800 : i === 2 ? 0 : (rng() - 0.5) * 60,
      );
      const y = Float32Array.from({ length: rows }, () => (rng() < 0.4 ? 1 : 0));
      const weights = weighted ? Float32Array.from({ length: rows }, () => rng() * 3) : null;
      const x = new Float32Array(rows);
      const engine = await createWasmEngine(computeBins(x, rows, 1, [], 256), rows, 1, 1, {
        outputs: 1,
        validRows: 0,
      });
      try {
        const loss = engine.logistic!(raw, y, weights);
        const expected = new Float32Array(rows * 2);
        const meanLoss = gradients('logistic', 1, raw, y, weights, 1, expected);
        let sw = rows;
        if (weights) sw = weights.reduce((a, b) => a + b, 0);
        expect(Math.abs(loss / sw - meanLoss)).toBeLessThan(1e-9 * meanLoss);
        const got = engine.gpair;
        for (let i = 0; i < rows * 2; i++) {
          const e = expected[i]!;
          expect(Math.abs(got[i]! - e)).toBeLessThanOrEqual(Math.abs(e) * 2e-7 + 1e-30);
        }
      } finally {
        await engine.close();
      }
    },
  );
});
