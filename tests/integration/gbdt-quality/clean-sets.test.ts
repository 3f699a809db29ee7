// GBDT with its defaults beside the linear model and the MLP on the public acceptance sets (small, clean
// tables from vega-datasets: seattle_rain binary, penguins multiclass, cars_mpg regression), each trained
// as ../shared/acceptance/public.json configures the networks. Issue 14: GBDT within 0.01 of the best.
// Judged on 5-fold cross-validation means, as public.json's scikit-learn references are: one split of
// these tables validates on 86 to 365 rows, where a single row moves accuracy by up to 0.0116.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../../main/services';
import { contractClient } from '../../helpers/services';
import { FIXTURES, tempDir } from '../../helpers/workspace';
import { compareModels, gbdtMargin, PRIMARY, qualityTable, type QualityResult } from './compare';

// Copies of ../shared/acceptance/data (outside this repository, so absent from a CI checkout).
const acceptance = (file: string) => join(FIXTURES, 'gbdt-quality', file);
// public.json: binary seattle_rain.csv linear 60 epochs; multiclass penguins.csv mlp 80; regression
// cars_mpg.csv linear 200. The epochs apply to both networks here.
const SETS = [
  { file: 'seattle_rain.csv', dataset: 'seattle_rain', task: 'binary', epochs: 60 },
  { file: 'penguins.csv', dataset: 'penguins', task: 'multiclass', epochs: 80 },
  { file: 'cars_mpg.csv', dataset: 'cars_mpg', task: 'regression', epochs: 200 },
] as const;

const t = tempDir('lathe-gbdt-quality-clean-');
let services: Services;
const { call } = contractClient(() => services);
const results: QualityResult[] = [];

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(t.dir, 'ws') });
  for (const s of SETS) await call('data:import', { path: acceptance(s.file), name: s.dataset });
});
afterAll(async () => {
  await services?.close();
  t.remove();
});

describe('GBDT defaults on the small clean acceptance sets', () => {
  it('are within 0.01 of the best of linear and MLP on each set’s primary metric', async () => {
    for (const s of SETS)
      results.push(
        await compareModels(call, {
          dataset: s.dataset,
          target: 'target',
          task: s.task,
          epochs: s.epochs,
          folds: 5,
        }),
      );
    console.log(`validation metrics (* best; ◀ judged):\n${qualityTable(results)}`);
    for (const r of results) {
      // The acceptance thresholds hold for GBDT too (public.json's min).
      expect
        .soft(r.metrics.gbdt[PRIMARY[r.task]], `${r.set} ${PRIMARY[r.task]}`)
        .toBeGreaterThan(r.task === 'regression' ? 0.75 : r.task === 'binary' ? 0.85 : 0.93);
      expect
        .soft(gbdtMargin(r), `${r.set}: gbdt ${PRIMARY[r.task]} minus the best other`)
        .toBeGreaterThanOrEqual(-0.01);
    }
  });
});
