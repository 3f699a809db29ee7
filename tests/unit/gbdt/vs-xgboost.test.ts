// Lathe's GBDT against XGBoost 1.7's hist trees (Debian's python3-xgboost) with the same parameters on
// the same synthetic table: training loss and validation quality within a small tolerance.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rocAuc } from '../../../main/train/metrics';
import { trainGbdt, type GbdtParams } from '../../../main/train/gbdt/train-gbdt';
import { defaults, recorder, table } from './data';

const PYTHON = '/usr/bin/python3';
const probe = spawnSync(PYTHON, ['-c', 'import xgboost, numpy, sklearn'], { encoding: 'utf8' });
const missing =
  probe.status === 0
    ? null
    : `needs ${PYTHON} with xgboost, numpy and scikit-learn (apt-get install -y python3-xgboost python3-sklearn): ${(probe.stderr ?? String(probe.error)).trim().split('\n').pop()}`;
if (missing) console.warn(`[vs-xgboost] skipped: ${missing}`);

const SCRIPT = `
import json, sys
import numpy as np
import xgboost as xgb
from sklearn.metrics import roc_auc_score
d, objective, rounds, width = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
p = json.load(open(d + '/params.json'))
x = np.fromfile(d + '/x.f32', dtype=np.float32).reshape(-1, width)
y = np.fromfile(d + '/y.f32', dtype=np.float32)
vx = np.fromfile(d + '/vx.f32', dtype=np.float32).reshape(-1, width)
vy = np.fromfile(d + '/vy.f32', dtype=np.float32)
booster = xgb.train(p, xgb.DMatrix(x, label=y, missing=np.nan), rounds)
pt = booster.predict(xgb.DMatrix(x, missing=np.nan))
pv = booster.predict(xgb.DMatrix(vx, missing=np.nan))
if objective == 'logistic':
    e = 1e-15
    loss = float(-np.mean(y * np.log(np.clip(pt, e, 1)) + (1 - y) * np.log(np.clip(1 - pt, e, 1))))
    quality = float(roc_auc_score(vy, pv))
else:
    loss = float(np.mean((pt - y) ** 2))
    quality = float(np.mean((pv - vy) ** 2))
print(json.dumps({'loss': loss, 'quality': quality}))
`;

const dir = mkdtempSync(join(tmpdir(), 'lathe-gbdt-xgb-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function compare(objective: 'logistic' | 'squared_error') {
  const task = objective === 'logistic' ? 'logistic' : 'regression';
  // The category column as a plain number on both sides: XGBoost's categorical splits differ from Lathe's.
  const d = { ...table(20_000, 81, task), categorical: [] };
  const v = table(5000, 82, task);
  const p: GbdtParams = { ...defaults, objective, trees: 30, maxDepth: 5, threads: 2 };
  const rec = recorder();
  await trainGbdt(p, d, { x: v.x, rows: v.rows }, rec.hooks);
  const last = rec.rounds.at(-1)!;
  let quality: number;
  if (objective === 'logistic') quality = rocAuc(Int32Array.from(v.y), last.validRaw);
  else {
    let s = 0;
    for (let i = 0; i < v.rows; i++) s += (last.validRaw[i]! - v.y[i]!) ** 2;
    quality = s / v.rows;
  }
  let mean = 0;
  for (let i = 0; i < d.rows; i++) mean += d.y[i]!;
  mean /= d.rows;
  const params = {
    objective: objective === 'logistic' ? 'binary:logistic' : 'reg:squarederror',
    tree_method: 'hist',
    max_depth: p.maxDepth,
    eta: p.learningRate,
    lambda: p.l2,
    alpha: p.l1,
    min_child_weight: p.minChildWeight,
    max_bin: p.maxBins,
    base_score: mean,
    nthread: 2,
    seed: 0,
  };
  writeFileSync(join(dir, 'params.json'), JSON.stringify(params));
  writeFileSync(join(dir, 'x.f32'), d.x);
  writeFileSync(join(dir, 'y.f32'), Float32Array.from(d.y));
  writeFileSync(join(dir, 'vx.f32'), v.x);
  writeFileSync(join(dir, 'vy.f32'), Float32Array.from(v.y));
  const r = spawnSync(PYTHON, ['-c', SCRIPT, dir, objective, String(p.trees), String(d.width)], {
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: '2' },
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`xgboost failed: ${r.stderr}`);
  const xgb = JSON.parse(r.stdout.trim().split('\n').pop()!) as { loss: number; quality: number };
  return { lathe: { loss: last.trainLoss, quality }, xgb };
}

describe.skipIf(missing !== null)('GBDT against XGBoost 1.7 hist', () => {
  it('logistic: training log loss and validation AUC within 0.01', async () => {
    const { lathe, xgb } = await compare('logistic');
    console.log(
      `[vs-xgboost] logistic: lathe ${JSON.stringify(lathe)}, xgboost ${JSON.stringify(xgb)}`,
    );
    expect(Math.abs(lathe.loss - xgb.loss)).toBeLessThan(0.01);
    expect(Math.abs(lathe.quality - xgb.quality)).toBeLessThan(0.01);
  });

  it('squared error: training and validation MSE within 3 %', async () => {
    const { lathe, xgb } = await compare('squared_error');
    console.log(
      `[vs-xgboost] squared_error: lathe ${JSON.stringify(lathe)}, xgboost ${JSON.stringify(xgb)}`,
    );
    expect(Math.abs(lathe.loss - xgb.loss) / xgb.loss).toBeLessThan(0.03);
    expect(Math.abs(lathe.quality - xgb.quality) / xgb.quality).toBeLessThan(0.03);
  });
});
